-- Messages staff wrote to send later ("send later" in a thread). A job (scheduled_send) queued for `send_at` turns
-- one into a reply when it is due, once: it queues the reply and sets status 'sent' and `message_id` in one
-- transaction, only while the row is still 'scheduled' with the time the job was queued for. `author_id` NULL:
-- written through the API (sent with automation's messaging window).
CREATE TABLE scheduled_messages (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    author_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    send_at         INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sent', 'cancelled')),
    message_id      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, conversation_id) REFERENCES conversations (account_id, id) ON DELETE CASCADE
);
CREATE INDEX scheduled_messages_by_conversation ON scheduled_messages (account_id, conversation_id, send_at);

-- Since when a guest's message waits for an answer from a person: no flow answered it (an automatic "we will get
-- back to you" does not count), a flow handed it over, or it arrived while a member has the conversation. Cleared by
-- the next answer from a flow or a member. NULL: nothing waits.
ALTER TABLE conversations ADD COLUMN needs_reply_since BIGINT;
CREATE INDEX conversations_needing_reply ON conversations (account_id, needs_reply_since)
    WHERE needs_reply_since IS NOT NULL;

-- The team hears of such a message once until it is answered. SQLite cannot alter a CHECK: the table is rebuilt;
-- nothing refers to it.
CREATE TABLE notifications_new (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel', 'unanswered')),
    text       TEXT NOT NULL,
    link       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);
INSERT INTO notifications_new (account_id, id, user_id, kind, text, link, subject, created_at, read_at)
    SELECT account_id, id, user_id, kind, text, link, subject, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_of_member ON notifications (account_id, user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (account_id, user_id, created_at DESC, id DESC)
    WHERE read_at IS NULL;

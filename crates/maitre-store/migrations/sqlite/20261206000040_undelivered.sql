-- The team hears of a reply that could not be sent (failed for good, or still not out after some minutes). SQLite
-- cannot alter a CHECK: the table is rebuilt; nothing refers to it.
CREATE TABLE notifications_new (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL
        CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel', 'unanswered', 'undelivered')),
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
-- A message is told about once: found by what it is about.
CREATE INDEX notifications_by_subject ON notifications (account_id, subject, kind);

-- Whether a channel's token was shown to read the platform account it routes (a WhatsApp token reading its
-- phone_number_id, a login granting the Page or Instagram account). A verified claim on the same account by another
-- business takes over an unverified one; a verified one is never taken over. Channels connected before this was
-- recorded start unverified and become verified at their next successful health check.
ALTER TABLE channels ADD COLUMN verified BIGINT NOT NULL DEFAULT 0;

-- Notifications about a channel (taken over, token expiring or rejected). SQLite cannot alter a CHECK: the table is
-- rebuilt; nothing refers to it.
CREATE TABLE notifications_new (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel')),
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

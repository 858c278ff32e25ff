-- Whether a channel's token was shown to read the platform account it routes (a WhatsApp token reading its
-- phone_number_id, a login granting the Page or Instagram account). A verified claim on the same account by another
-- business takes over an unverified one; a verified one is never taken over. Channels connected before this was
-- recorded start unverified and become verified at their next successful health check.
ALTER TABLE channels ADD COLUMN verified BIGINT NOT NULL DEFAULT 0;

-- Notifications about a channel (taken over, token expiring or rejected).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel'));

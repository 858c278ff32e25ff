-- Web push: the browsers (devices) on which a member receives notifications, as the browser's push service handed
-- them out (RFC 8030 endpoint, RFC 8291 keys). A member's devices go with their membership.
CREATE TABLE push_subscriptions (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    p256dh     TEXT NOT NULL,
    auth       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, user_id, endpoint),
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);

-- Which notifications a member wants pushed to their devices; every kind until they choose.
ALTER TABLE notification_prefs ADD COLUMN push_handoff BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notification_prefs ADD COLUMN push_assigned BIGINT NOT NULL DEFAULT 1;
ALTER TABLE notification_prefs ADD COLUMN push_reservation BIGINT NOT NULL DEFAULT 1;

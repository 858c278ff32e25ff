-- In-app notifications (one row per recipient member) and each member's choice of notification emails.

CREATE TABLE notifications (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('handoff', 'assigned', 'reservation')),
    -- A short detail (the guest's name, a reservation's time); the page words the rest by `kind`.
    text       TEXT NOT NULL,
    -- A path inside the dashboard, e.g. /a/<account>/inbox/<conversation>.
    link       TEXT NOT NULL,
    -- The conversation or reservation it is about: erasing a guest deletes the notifications that name them.
    subject    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    PRIMARY KEY (account_id, id),
    -- A member who leaves takes their notifications along.
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);
-- A member's list, newest first (keyset pages on created_at, id).
CREATE INDEX notifications_of_member ON notifications (account_id, user_id, created_at DESC, id DESC);
-- The bell: a member's unread ones, newest first; read rows drop out of this index.
CREATE INDEX notifications_unread ON notifications (account_id, user_id, created_at DESC, id DESC)
    WHERE read_at IS NULL;

-- Without a row a member gets the defaults of their role (see maitre-store's notifications.rs): emails on handoff
-- and on assignment to them for everyone, on new/changed/cancelled reservations for owners and admins.
CREATE TABLE notification_prefs (
    account_id        TEXT NOT NULL,
    user_id           TEXT NOT NULL,
    email_handoff     BIGINT NOT NULL,
    email_assigned    BIGINT NOT NULL,
    email_reservation BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id),
    FOREIGN KEY (account_id, user_id) REFERENCES memberships (account_id, user_id) ON DELETE CASCADE
);

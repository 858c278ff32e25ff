-- What maitre told a guest about their booking, or why it could not: the reminder and staff decisions (confirmed,
-- cancelled, moved). The booking page lists them. `outcome` is sent (a message), template (an approved WhatsApp
-- template, named in `detail`) or not_possible (why, in `detail`).
CREATE TABLE reservation_messages (
    account_id TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at INTEGER NOT NULL,
    PRIMARY KEY (account_id, reservation_id, purpose, at)
);

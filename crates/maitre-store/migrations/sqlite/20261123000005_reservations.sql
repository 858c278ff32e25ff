-- Reservations: per-account booking settings, bookable resources and services, and the reservations themselves.
-- Times are UTC milliseconds; `local_start` keeps the wall-clock start ("2026-03-17T19:30") the guest agreed to.

-- One row per account, created on first use. Reservation writes lock it first (PostgreSQL), which serialises
-- capacity checks of one account across nodes.
CREATE TABLE booking_settings (
    account_id         TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    rules              TEXT NOT NULL,
    review_link        TEXT NOT NULL DEFAULT '',
    -- SHA-256 of the secret in the calendar feed URL; NULL until one is made.
    ical_token_hash    TEXT UNIQUE,
    reminder_hours     BIGINT NOT NULL DEFAULT 24,
    review_delay_hours BIGINT NOT NULL DEFAULT 3,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE booking_resources (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('table', 'area', 'staff', 'room')),
    seats      BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE booking_services (
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    -- JSON array of booking_resources ids that may take this service.
    resource_ids     TEXT NOT NULL DEFAULT '[]',
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE reservations (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    contact_id      TEXT,
    conversation_id TEXT,
    service         TEXT,
    resource_id     TEXT,
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    local_start     TEXT NOT NULL,
    party_size      BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled', 'no_show', 'completed')),
    name            TEXT NOT NULL,
    phone           TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    notes           TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL CHECK (source IN ('flow', 'staff')),
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
-- The calendar, the list and capacity checks read by time range; flows look up a contact's next visit.
CREATE INDEX reservations_by_start ON reservations (account_id, starts_at, id);
CREATE INDEX reservations_by_end ON reservations (account_id, ends_at);
CREATE INDEX reservations_by_contact ON reservations (account_id, contact_id, starts_at);

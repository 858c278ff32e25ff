-- A sign-up waiting for its email address to be confirmed. The account and its owner are created from it when the
-- link in the confirmation mail is used; until then nothing tells whether the address was new.
CREATE TABLE signup_requests (
    token_hash    TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    business_name TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX signup_requests_expiry ON signup_requests (expires_at);

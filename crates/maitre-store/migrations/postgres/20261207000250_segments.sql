-- Segments: a business's saved contact filters (maitre-domain segments.rs), kept as their checked rules in JSON
-- and evaluated live by one query (segments.rs), so a count is never stale.
CREATE TABLE segments (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    rules      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

-- The language of the guest's latest message that showed one (maitre-domain language.rs), for segments.
ALTER TABLE contacts ADD COLUMN language TEXT;

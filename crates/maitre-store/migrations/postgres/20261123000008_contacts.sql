-- Contacts for staff: custom fields, erasure with its audit trail, CSV imports, and team invitations.

-- Set when a contact was erased (GDPR): the row stays, anonymised, so conversations still point somewhere.
ALTER TABLE contacts ADD COLUMN erased_at BIGINT;
CREATE INDEX contacts_by_recency ON contacts (account_id, created_at);
CREATE INDEX contact_tags_by_tag ON contact_tags (account_id, tag);

-- Custom fields an account defines; `choices` is a JSON array for kind 'choice'.
CREATE TABLE contact_fields (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    label      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'boolean', 'choice')),
    choices    TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);

-- Values are stored in the canonical text form their field's kind produced when they were checked.
CREATE TABLE contact_field_values (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL,
    field_key  TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (account_id, contact_id, field_key)
);

-- Who erased which contact and when, with what was removed (counts only: the audit keeps no personal data).
CREATE TABLE contact_erasures (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    contact_id  TEXT NOT NULL,
    erased_by   TEXT NOT NULL,
    summary     TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- A CSV import: the uploaded file until it has run, the column mapping, progress and the rejected rows.
CREATE TABLE contact_imports (
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    channel_id     TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    file_name      TEXT NOT NULL,
    data           TEXT NOT NULL DEFAULT '',
    mapping        TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('uploaded', 'queued', 'running', 'done', 'failed')),
    total_rows     BIGINT NOT NULL DEFAULT 0,
    processed_rows BIGINT NOT NULL DEFAULT 0,
    -- Rows imported, of which `updated` matched a contact that already existed.
    imported       BIGINT NOT NULL DEFAULT 0,
    updated        BIGINT NOT NULL DEFAULT 0,
    rejected       BIGINT NOT NULL DEFAULT 0,
    -- JSON array of {"line", "reason"}, the first 1000 rejected rows.
    report         TEXT NOT NULL DEFAULT '[]',
    error          TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    PRIMARY KEY (account_id, id)
);

-- Checked rows of an import, staged in short batches and then published into contacts in one transaction, so
-- the writer is never held long and an import is applied whole or not at all.
CREATE TABLE contact_import_rows (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    import_id   TEXT NOT NULL,
    line        BIGINT NOT NULL,
    contact_id  TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    email       TEXT NOT NULL,
    PRIMARY KEY (account_id, import_id, line)
);

-- Email invitations to join an account. The link's token is stored only as a hash and works once.
CREATE TABLE invites (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent', 'viewer')),
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by TEXT,
    revoked_at  BIGINT,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX invites_by_account ON invites (account_id, created_at);

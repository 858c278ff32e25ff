-- Flows: drafts being edited, immutable published versions, the run state per conversation, and what automation
-- knows about contacts (captured fields, tags, opt-outs).

CREATE TABLE flows (
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    -- The definition being edited (FlowDef JSON); runs only ever use a published version.
    draft             TEXT NOT NULL,
    published_version BIGINT,
    enabled           BIGINT NOT NULL DEFAULT 1,
    -- JSON array of channel ids the flow runs on; empty array = every channel of the account.
    channel_ids       TEXT NOT NULL DEFAULT '[]',
    template          TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE flow_versions (
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    flow_id      TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
    version      BIGINT NOT NULL,
    definition   TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, flow_id, version)
);

-- The run in progress per conversation (state NULL = none). `rev` counts writes: a step saves its result only if
-- no other step (another node, a timer) wrote in between.
CREATE TABLE flow_runs (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    state           TEXT,
    rev             BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
);

-- Inbound messages automation has still to read (1 until a flow step has read them, together with any quick
-- follow-ups). Messages that arrived in human mode are never marked, so handing back does not replay them.
ALTER TABLE messages ADD COLUMN automation_pending BIGINT NOT NULL DEFAULT 0;
CREATE INDEX messages_automation_pending ON messages (account_id, conversation_id) WHERE automation_pending = 1;

-- Per-account automation settings: how long to wait for a guest's next quick message (NULL = the server's
-- default), and the optional AI step.
CREATE TABLE automation_settings (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    read_together_ms BIGINT,
    ai_base_url     TEXT NOT NULL DEFAULT '',
    ai_model        TEXT NOT NULL DEFAULT '',
    -- Sealed like channel credentials; empty when no key is set.
    ai_key          TEXT NOT NULL DEFAULT '',
    ai_timeout_ms   BIGINT NOT NULL DEFAULT 10000,
    updated_at      BIGINT NOT NULL
);

ALTER TABLE contacts ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN opted_out_at BIGINT;

CREATE TABLE contact_tags (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, contact_id, tag)
);

-- Opt-out and opt-in history: who or what changed it, and the word the guest used.
CREATE TABLE contact_consents (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('opted_out', 'opted_in')),
    source     TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX contact_consents_by_contact ON contact_consents (account_id, contact_id, at);

-- A flow's booking carries the key of the step that made it, so a re-run of that step finds it instead of booking
-- twice.
ALTER TABLE reservations ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX reservations_by_request_key ON reservations (account_id, request_key) WHERE request_key IS NOT NULL;

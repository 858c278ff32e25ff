-- Channel gateway: connected channels, accepted inbound events, and the normalized conversation model.

-- A connected Instagram account, Messenger page, WhatsApp number or Telegram bot. `external_id` is the routing key
-- webhooks carry (IG account id, page id, phone_number_id, bot id). Credentials are AEAD-encrypted, never plain.
CREATE TABLE channels (
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id               TEXT NOT NULL UNIQUE,
    platform         TEXT NOT NULL CHECK (platform IN ('instagram', 'messenger', 'whatsapp', 'telegram')),
    external_id      TEXT NOT NULL,
    name             TEXT NOT NULL,
    credentials      TEXT NOT NULL,
    -- SHA-256 of the secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token (other platforms: empty).
    webhook_secret_hash TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('connected', 'invalid', 'needs_attention', 'needs_reconnect')),
    status_reason    TEXT NOT NULL DEFAULT '',
    checked_at       BIGINT,
    token_expires_at BIGINT,
    auto_reply       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (platform, external_id)
);

-- Every accepted webhook item, stored before the 200 and deduplicated on the platform's own id.
CREATE TABLE inbound_events (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    dedupe_key  TEXT NOT NULL,
    item        TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT,
    PRIMARY KEY (account_id, id),
    UNIQUE (channel_id, dedupe_key)
);

-- Signed webhook items that could not be used (unknown recipient, unknown object, malformed item).
-- Not tenant data: an unknown recipient belongs to no account.
CREATE TABLE ignored_events (
    id          TEXT PRIMARY KEY,
    platform    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    location    TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX ignored_events_by_time ON ignored_events (received_at);

CREATE TABLE contacts (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    channel_id  TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (channel_id, external_id)
);

CREATE TABLE conversations (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    contact_id      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
    mode            TEXT NOT NULL CHECK (mode IN ('bot', 'human')),
    last_inbound_at BIGINT,
    last_message_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (channel_id, contact_id)
);
CREATE INDEX conversations_by_recency ON conversations (account_id, last_message_at);

-- Messages in both directions. Inbound rows and sent outbound rows carry the platform's id, unique per channel;
-- an outbound row exists (status 'queued') before its send job runs, so a retry never creates a second row.
CREATE TABLE messages (
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id                  TEXT NOT NULL,
    conversation_id     TEXT NOT NULL,
    channel_id          TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    direction           TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind                TEXT NOT NULL,
    body                TEXT NOT NULL DEFAULT '',
    payload             TEXT NOT NULL DEFAULT '',
    platform_message_id TEXT,
    status              TEXT NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'read', 'failed')),
    error               TEXT NOT NULL DEFAULT '',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (channel_id, platform_message_id)
);
CREATE INDEX messages_by_conversation ON messages (account_id, conversation_id, created_at);

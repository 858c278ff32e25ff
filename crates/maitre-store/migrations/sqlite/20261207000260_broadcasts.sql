-- Broadcasts (maitre-domain broadcasts): one text (and, for WhatsApp guests outside the window, one template) to
-- the guests of a segment. Starting one copies the segment's guests into broadcast_recipients, once: the primary
-- key is what makes "never twice for one broadcast" hold across crashes and nodes, together with the guarded
-- pending → queued update that queues the guest's message in the same transaction. `epoch` names the current run
-- of the pacing job (a resume starts a new one); `rate` is messages per second (0: unpaced).
CREATE TABLE broadcasts (
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    segment_id  TEXT,
    rules       TEXT NOT NULL,
    body        TEXT NOT NULL,
    template_id TEXT,
    status      TEXT NOT NULL CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    send_at     BIGINT,
    rate        BIGINT NOT NULL,
    epoch       BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX broadcasts_by_creation ON broadcasts (account_id, created_at);

-- One row per guest of the segment when the broadcast started. pending: not yet taken care of; queued: the
-- message is in the guest's conversation (message_id; its delivery status is the message's); skipped: not sent,
-- for `reason` (maitre-domain broadcasts::Skip); cancelled: the broadcast was cancelled first.
CREATE TABLE broadcast_recipients (
    account_id   TEXT NOT NULL,
    broadcast_id TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'skipped', 'cancelled')),
    reason       TEXT NOT NULL DEFAULT '',
    message_id   TEXT,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, broadcast_id, contact_id),
    FOREIGN KEY (account_id, broadcast_id) REFERENCES broadcasts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX broadcast_recipients_by_status ON broadcast_recipients (account_id, broadcast_id, status, contact_id);

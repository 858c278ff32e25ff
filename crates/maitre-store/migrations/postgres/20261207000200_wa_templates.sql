-- WhatsApp message templates (PROTOCOLS.md §9). Templates belong to a WhatsApp business account (WABA), which a
-- channel names once its owner gives it; the template webhooks route by it. `content` and `bindings` are the
-- template's texts and the placeholder behind each variable, serialized by maitre-store (maitre-domain templates).
ALTER TABLE channels ADD COLUMN waba_id TEXT;
CREATE INDEX channels_waba ON channels (waba_id);

CREATE TABLE wa_templates (
    account_id TEXT NOT NULL,
    id TEXT NOT NULL,
    waba_id TEXT NOT NULL,
    meta_id TEXT NOT NULL,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    bindings TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, waba_id, name, language)
);

-- Which template a business chose for an automatic message (the reminder, the review request …) when the
-- guest's 24-hour window is closed.
CREATE TABLE template_uses (
    account_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    template_id TEXT NOT NULL,
    PRIMARY KEY (account_id, purpose)
);

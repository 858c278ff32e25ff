-- A channel's automatic reply in languages other than the business's: a guest who writes in one of them gets it in
-- their language; the channel's own text (channels.auto_reply) answers everyone else.
CREATE TABLE auto_reply_translations (
    account_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    locale     TEXT NOT NULL CHECK (locale IN ('de', 'en', 'fr')),
    text       TEXT NOT NULL,
    PRIMARY KEY (account_id, channel_id, locale),
    FOREIGN KEY (account_id, channel_id) REFERENCES channels (account_id, id) ON DELETE CASCADE
);

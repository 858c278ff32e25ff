-- A business's own wording of what guests hear about its decisions (confirmed, cancelled, moved), per language;
-- without a row the built-in text of maitre-domain booking/guest_messages.rs is used.
CREATE TABLE guest_message_texts (
    account_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    locale TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (account_id, purpose, locale)
);

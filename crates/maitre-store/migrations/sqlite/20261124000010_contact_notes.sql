-- Staff notes on a contact, never sent to the guest. `author_id` is the member who wrote it (NULL once that user
-- is deleted); `token_id` the API token that wrote it instead. Erasing the contact deletes its notes.
CREATE TABLE contact_notes (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    author_id  TEXT REFERENCES users (id) ON DELETE SET NULL,
    token_id   TEXT,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Set when the text was changed after it was written.
    edited_at  BIGINT,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, contact_id) REFERENCES contacts (account_id, id) ON DELETE CASCADE
);
CREATE INDEX contact_notes_by_contact ON contact_notes (account_id, contact_id, created_at);

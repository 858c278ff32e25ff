-- Inbound payloads become JSON: {"value": what flows route on, "attachments": [...], "reference": {...}}.
-- Earlier rows held the plain value (a button's payload, a commented post's id).
UPDATE messages SET payload = json_object('value', payload) WHERE direction = 'in' AND payload <> '';

-- Inbox search: a trigram full-text index over message texts answers `%text%` searches (any substring of three or
-- more characters, case-insensitive, like PostgreSQL's pg_trgm indexes of migration 20261123000006) instead of a
-- scan of the account's messages. It is keyed by `search_key`, a number of our own: the rowids of a table without
-- an INTEGER PRIMARY KEY may change on VACUUM (and in `VACUUM INTO` backups); a column's values do not.
ALTER TABLE messages ADD COLUMN search_key INTEGER;
UPDATE messages SET search_key = rowid;
-- Covering: a search reads the account and conversation of every hit from the index alone. Keys are unique by
-- construction (MAX + 1 under SQLite's single writer), and the full-text table refuses a duplicate rowid.
CREATE INDEX messages_search_key ON messages (search_key, account_id, conversation_id);

-- Contentless: the texts stay in `messages` alone; `contentless_delete` lets the triggers drop entries by key.
CREATE VIRTUAL TABLE messages_search USING fts5 (body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO messages_search (rowid, body) SELECT search_key, body FROM messages;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    UPDATE messages SET search_key = (SELECT COALESCE(MAX(search_key), 0) + 1 FROM messages) WHERE rowid = new.rowid;
    INSERT INTO messages_search (rowid, body) SELECT search_key, new.body FROM messages WHERE rowid = new.rowid;
END;

-- An erasure blanks texts: the old words leave the index with them.
CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
    DELETE FROM messages_search WHERE rowid = old.search_key;
    INSERT INTO messages_search (rowid, body) VALUES (new.search_key, new.body);
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_search WHERE rowid = old.search_key;
END;

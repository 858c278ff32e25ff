-- Inbound payloads become JSON: {"value": what flows route on, "attachments": [...], "reference": {...}}.
-- Earlier rows held the plain value (a button's payload, a commented post's id).
UPDATE messages SET payload = json_build_object('value', payload)::text WHERE direction = 'in' AND payload <> '';

-- Inbox search needs nothing new here: PostgreSQL answers `LOWER(body) LIKE '%text%'` from the trigram indexes of
-- migration 20261123000006 (SQLite gets its trigram full-text index in this migration).

-- Who created each API token, so removing or demoting that member can revoke it. NULL: the operator's CLI, or a
-- token made before creators were recorded.
ALTER TABLE api_tokens ADD COLUMN created_by TEXT;
CREATE INDEX api_tokens_by_creator ON api_tokens (account_id, created_by);

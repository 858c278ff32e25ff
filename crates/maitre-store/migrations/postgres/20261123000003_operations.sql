-- The operations view lists an account's dead and failing jobs by recency, and its accepted events newest first.
CREATE INDEX jobs_by_account_status ON jobs (account_id, status, updated_at);
CREATE INDEX inbound_events_by_time ON inbound_events (account_id, received_at);

-- Bulk work (a broadcast's rounds and sends) waits behind conversation work that is due: a worker claims jobs by
-- priority (0: conversations and everything else, 1: bulk), then by time. A 50,000-guest broadcast then cannot
-- delay a guest's reply by the length of its queue.
ALTER TABLE jobs ADD COLUMN priority BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_ready_by_priority ON jobs (status, priority, run_at);

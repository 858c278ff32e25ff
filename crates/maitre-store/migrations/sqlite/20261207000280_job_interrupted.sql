-- When a job's worker stopped without telling how its attempt ended (its lease expired). A send interrupted so
-- may have reached the platform: it waits for the platform's status webhook before sending again. A recorded
-- failure clears it.
ALTER TABLE jobs ADD COLUMN interrupted_at BIGINT;

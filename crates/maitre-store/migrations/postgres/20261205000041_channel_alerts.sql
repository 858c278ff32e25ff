-- How bad the last check found a channel, so its owners and admins hear of it once, and again only when it gets
-- worse: 0 fine, 1 its token expires within 7 days and could not be renewed, 2 it must be reconnected.
ALTER TABLE channels ADD COLUMN alert_level BIGINT NOT NULL DEFAULT 0;

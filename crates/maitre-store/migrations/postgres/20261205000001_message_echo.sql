-- Outbound rows recorded from a platform's echo (not queued by maitre). Only such a row, in the same conversation
-- with the same text, may give its platform id to the send it echoes (mark_sent); rows from before this migration
-- count as not provably echoes and are never deleted.
ALTER TABLE messages ADD COLUMN echo BIGINT NOT NULL DEFAULT 0;

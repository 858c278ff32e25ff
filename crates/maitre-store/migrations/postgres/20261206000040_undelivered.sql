-- The team hears of a reply that could not be sent (failed for good, or still not out after some minutes).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel', 'unanswered', 'undelivered'));
-- A message is told about once: found by what it is about.
CREATE INDEX notifications_by_subject ON notifications (account_id, subject, kind);

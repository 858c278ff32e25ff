-- Since when a guest's message waits for an answer from a person: no flow answered it (an automatic "we will get
-- back to you" does not count), a flow handed it over, or it arrived while a member has the conversation. Cleared by
-- the next answer from a flow or a member. NULL: nothing waits.
ALTER TABLE conversations ADD COLUMN needs_reply_since BIGINT;
CREATE INDEX conversations_needing_reply ON conversations (account_id, needs_reply_since)
    WHERE needs_reply_since IS NOT NULL;

-- The team hears of such a message once until it is answered.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('handoff', 'assigned', 'reservation', 'channel', 'unanswered'));

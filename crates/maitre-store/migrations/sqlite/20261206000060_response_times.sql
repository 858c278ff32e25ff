-- When a conversation's first guest message came, a flow first replied, a flow first handed the guest over (before
-- a person answered) and a team member first replied: first response times come from these (maitre-domain
-- metrics.rs), so a figure never scans messages. Written in the transaction of each change; filled here from the
-- messages already stored (replies queued before this version cannot be told from automatic replies, and handoffs
-- were not recorded: those stay unknown).
ALTER TABLE conversations ADD COLUMN first_inbound_at BIGINT;
ALTER TABLE conversations ADD COLUMN first_bot_reply_at BIGINT;
ALTER TABLE conversations ADD COLUMN first_handoff_at BIGINT;
ALTER TABLE conversations ADD COLUMN first_member_reply_at BIGINT;
UPDATE conversations SET first_inbound_at = (SELECT MIN(m.created_at) FROM messages m
    WHERE m.account_id = conversations.account_id AND m.conversation_id = conversations.id AND m.direction = 'in');
UPDATE conversations SET first_member_reply_at = (SELECT MIN(m.created_at) FROM messages m
    WHERE m.account_id = conversations.account_id AND m.conversation_id = conversations.id AND m.direction = 'out'
    AND m.sent_by IS NOT NULL AND m.created_at >= conversations.first_inbound_at)
    WHERE first_inbound_at IS NOT NULL;
CREATE INDEX conversations_by_first_inbound ON conversations (account_id, first_inbound_at)
    WHERE first_inbound_at IS NOT NULL;
-- Bookings made in a period (the home's "booked by maitre").
CREATE INDEX reservations_by_created ON reservations (account_id, created_at);

-- The counts of the moment on the home and analytics pages (overview.rs) read indexes only: open conversations,
-- and replies that could not be sent (without this, a busy business's every home page counted all its messages).
CREATE INDEX conversations_by_status ON conversations (account_id, status);
CREATE INDEX messages_failed ON messages (account_id) WHERE direction = 'out' AND status = 'failed';

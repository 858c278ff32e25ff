-- Reply and resolution times (maitre-domain metrics.rs). A conversation notes since when the guest's turn waits for a
-- reply (`turn_since`: set by the guest's message when nothing waits, cleared by the next reply of a person or a
-- flow); that reply keeps how long the turn waited (`messages.reply_ms`) and counts it on its own day
-- ('reply_time', by a person or a flow, in buckets). A conversation notes when it was closed (`closed_at`, set and
-- cleared with its status, in the same statement, so the status triggers count it) and counts, on the day it
-- began, how long after the guest's first message it was closed ('resolution'). Replies already stored get their
-- waits from the messages; conversations closed before this version have no close time and count no resolution.
ALTER TABLE conversations ADD COLUMN turn_since BIGINT;
ALTER TABLE conversations ADD COLUMN closed_at BIGINT;
ALTER TABLE messages ADD COLUMN reply_ms BIGINT;

UPDATE messages SET reply_ms = created_at - (SELECT MIN(i.created_at) FROM messages i
    WHERE i.account_id = messages.account_id AND i.conversation_id = messages.conversation_id AND i.direction = 'in'
    AND i.created_at <= messages.created_at AND i.created_at > COALESCE((SELECT MAX(o.created_at) FROM messages o
        WHERE o.account_id = messages.account_id AND o.conversation_id = messages.conversation_id
        AND o.author IN ('bot', 'member', 'echo') AND o.created_at < messages.created_at), -1))
WHERE author IN ('bot', 'member', 'echo');
UPDATE conversations SET turn_since = (SELECT MIN(i.created_at) FROM messages i
    WHERE i.account_id = conversations.account_id AND i.conversation_id = conversations.id AND i.direction = 'in'
    AND i.created_at > COALESCE((SELECT MAX(o.created_at) FROM messages o WHERE o.account_id = conversations.account_id
        AND o.conversation_id = conversations.id AND o.author IN ('bot', 'member', 'echo')), -1));

DROP VIEW message_figures;
CREATE VIEW message_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, f.metric,
    CASE f.metric WHEN 'messages' THEN m.author WHEN 'member_replies' THEN m.sent_by
        WHEN 'reply_time' THEN CASE WHEN m.author = 'bot' THEN 'bot' ELSE 'person' END END AS dim,
    CASE f.metric WHEN 'reply_time' THEN CASE WHEN GREATEST(0, m.reply_ms / 60000) < 10 THEN GREATEST(0, m.reply_ms / 60000) WHEN GREATEST(0, m.reply_ms / 60000) < 60 THEN GREATEST(0, m.reply_ms / 60000) / 5 * 5 WHEN GREATEST(0, m.reply_ms / 60000) < 180 THEN GREATEST(0, m.reply_ms / 60000) / 15 * 15 WHEN GREATEST(0, m.reply_ms / 60000) < 1440 THEN GREATEST(0, m.reply_ms / 60000) / 60 * 60 ELSE GREATEST(0, m.reply_ms / 60000) / 1440 * 1440 END ELSE 0 END AS value, 0 AS total
FROM messages m
JOIN (VALUES ('messages'), ('member_replies'), ('reply_time')) AS f (metric)
    ON f.metric = 'messages' OR (f.metric = 'member_replies' AND m.author = 'member' AND m.sent_by IS NOT NULL)
    OR (f.metric = 'reply_time' AND m.reply_ms IS NOT NULL);

DROP VIEW conversation_figures;
CREATE VIEW conversation_figures AS
SELECT c.account_id, c.id AS row_id, (c.first_inbound_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = c.account_id AND o.since <= c.first_inbound_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    c.channel_id, m.metric, CASE m.metric WHEN 'first_response_person' THEN COALESCE(c.first_member_reply_by, '') ELSE '' END AS dim,
    CASE m.metric
        WHEN 'first_response_person' THEN CASE WHEN c.person < 10 THEN c.person WHEN c.person < 60 THEN c.person / 5 * 5 WHEN c.person < 180 THEN c.person / 15 * 15 WHEN c.person < 1440 THEN c.person / 60 * 60 ELSE c.person / 1440 * 1440 END
        WHEN 'first_response_bot' THEN CASE WHEN c.bot < 10 THEN c.bot WHEN c.bot < 60 THEN c.bot / 5 * 5 WHEN c.bot < 180 THEN c.bot / 15 * 15 WHEN c.bot < 1440 THEN c.bot / 60 * 60 ELSE c.bot / 1440 * 1440 END
        WHEN 'resolution' THEN CASE WHEN c.resolved < 10 THEN c.resolved WHEN c.resolved < 60 THEN c.resolved / 5 * 5 WHEN c.resolved < 180 THEN c.resolved / 15 * 15 WHEN c.resolved < 1440 THEN c.resolved / 60 * 60 ELSE c.resolved / 1440 * 1440 END
        ELSE 0 END AS value,
    0 AS total
FROM (SELECT v.*, GREATEST(0, (v.first_member_reply_at - GREATEST(v.first_inbound_at,
        COALESCE(v.first_handoff_at, v.first_inbound_at))) / 60000) AS person,
        GREATEST(0, (v.first_bot_reply_at - v.first_inbound_at) / 60000) AS bot,
        GREATEST(0, (v.closed_at - v.first_inbound_at) / 60000) AS resolved FROM conversations v) c
JOIN (VALUES ('conversations'), ('handoffs'), ('bot_resolved'), ('closed'), ('first_response_person'), ('first_response_bot'), ('converted'), ('visited'), ('resolution')) AS m (metric) ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'resolution' THEN c.status = 'closed' AND c.closed_at IS NOT NULL
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        WHEN 'converted' THEN EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id
            AND r.conversation_id = c.id AND r.status IN ('confirmed', 'completed', 'no_show'))
        WHEN 'visited' THEN EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id
            AND r.conversation_id = c.id AND r.status = 'completed')
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

UPDATE accounts SET figures_zone = '';

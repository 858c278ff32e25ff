-- The team's figures: each member's replies ('member_replies', by member), and who of the team answered a
-- conversation first (its first response counts for them: the dim of 'first_response_person'). Stored
-- conversations learn their first answering member from their messages; every business is recounted on the next
-- start (figures.rs), as the two views below now count more.
ALTER TABLE conversations ADD COLUMN first_member_reply_by TEXT;
UPDATE conversations SET first_member_reply_by = (SELECT m.sent_by FROM messages m WHERE m.account_id = conversations.account_id
    AND m.conversation_id = conversations.id AND m.author = 'member' AND m.sent_by IS NOT NULL ORDER BY m.created_at, m.id LIMIT 1)
WHERE first_member_reply_at IS NOT NULL;

DROP VIEW message_figures;
CREATE VIEW message_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, f.metric, CASE f.metric WHEN 'messages' THEN m.author ELSE m.sent_by END AS dim, 0 AS value, 0 AS total
FROM messages m JOIN (SELECT 'messages' AS metric UNION ALL SELECT 'member_replies') f
    ON f.metric = 'messages' OR (m.author = 'member' AND m.sent_by IS NOT NULL);

DROP VIEW conversation_figures;
CREATE VIEW conversation_figures AS
SELECT c.account_id, c.id AS row_id, (c.first_inbound_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = c.account_id AND o.since <= c.first_inbound_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    c.channel_id, m.metric, CASE m.metric WHEN 'first_response_person' THEN COALESCE(c.first_member_reply_by, '') ELSE '' END AS dim,
    CASE m.metric
        WHEN 'first_response_person' THEN CASE WHEN c.person < 10 THEN c.person WHEN c.person < 60 THEN c.person / 5 * 5 WHEN c.person < 180 THEN c.person / 15 * 15 WHEN c.person < 1440 THEN c.person / 60 * 60 ELSE c.person / 1440 * 1440 END
        WHEN 'first_response_bot' THEN CASE WHEN c.bot < 10 THEN c.bot WHEN c.bot < 60 THEN c.bot / 5 * 5 WHEN c.bot < 180 THEN c.bot / 15 * 15 WHEN c.bot < 1440 THEN c.bot / 60 * 60 ELSE c.bot / 1440 * 1440 END
        ELSE 0 END AS value,
    0 AS total
FROM (SELECT v.*, MAX(0, (v.first_member_reply_at - MAX(v.first_inbound_at,
        COALESCE(v.first_handoff_at, v.first_inbound_at))) / 60000) AS person,
        MAX(0, (v.first_bot_reply_at - v.first_inbound_at) / 60000) AS bot FROM conversations v) c
JOIN (SELECT 'conversations' AS metric UNION ALL SELECT 'handoffs' UNION ALL SELECT 'bot_resolved' UNION ALL SELECT 'closed' UNION ALL
    SELECT 'first_response_person' UNION ALL SELECT 'first_response_bot') m ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

-- A member's replies stay counted as long as the message names them (a deleted user's replies leave the figures).
CREATE TRIGGER messages_figures_before_update BEFORE UPDATE OF sent_by ON messages BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM message_figures WHERE account_id = OLD.account_id AND row_id = OLD.id
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER messages_figures_after_update AFTER UPDATE OF sent_by ON messages BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM message_figures WHERE account_id = NEW.account_id AND row_id = NEW.id
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;

UPDATE accounts SET figures_zone = '';

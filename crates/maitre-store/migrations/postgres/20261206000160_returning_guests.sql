-- Returning guests (maitre-domain metrics.rs): a guest's message that comes a day (86,400,000 ms) or more after
-- their previous one in the conversation counts 'returned' on its day. It is read from the message before it (along
-- `messages_by_conversation`), so a message stored out of order (older than one already there) leaves the next
-- one's count as it was until the business's figures are next recounted. Every business is recounted on the next
-- start (figures.rs).
DROP VIEW message_figures;
CREATE VIEW message_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, f.metric,
    CASE f.metric WHEN 'messages' THEN m.author WHEN 'member_replies' THEN m.sent_by
        WHEN 'reply_time' THEN CASE WHEN m.author = 'bot' THEN 'bot' ELSE 'person' END ELSE '' END AS dim,
    CASE f.metric WHEN 'reply_time' THEN CASE WHEN GREATEST(0, m.reply_ms / 60000) < 10 THEN GREATEST(0, m.reply_ms / 60000) WHEN GREATEST(0, m.reply_ms / 60000) < 60 THEN GREATEST(0, m.reply_ms / 60000) / 5 * 5 WHEN GREATEST(0, m.reply_ms / 60000) < 180 THEN GREATEST(0, m.reply_ms / 60000) / 15 * 15 WHEN GREATEST(0, m.reply_ms / 60000) < 1440 THEN GREATEST(0, m.reply_ms / 60000) / 60 * 60 ELSE GREATEST(0, m.reply_ms / 60000) / 1440 * 1440 END ELSE 0 END AS value, 0 AS total
FROM messages m
JOIN (VALUES ('messages'), ('member_replies'), ('reply_time'), ('returned')) AS f (metric)
    ON f.metric = 'messages' OR (f.metric = 'member_replies' AND m.author = 'member' AND m.sent_by IS NOT NULL)
    OR (f.metric = 'reply_time' AND m.reply_ms IS NOT NULL)
    OR (f.metric = 'returned' AND m.direction = 'in' AND (SELECT p.created_at FROM messages p
        WHERE p.account_id = m.account_id AND p.conversation_id = m.conversation_id AND p.direction = 'in'
        AND p.created_at < m.created_at ORDER BY p.created_at DESC LIMIT 1) <= m.created_at - 86400000);

UPDATE accounts SET figures_zone = '';

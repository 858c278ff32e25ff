-- From message to visit (maitre-domain metrics/report.rs): a conversation also counts, on the day it began, whether
-- it led to a booking that was confirmed ('converted': confirmed, completed or no-show now) and to a visit that took
-- place ('visited': completed). Those facts depend on the conversation's reservations, so a reservation made,
-- changed, moved to another conversation or deleted takes its conversations' facts out before and puts them back
-- after, as the conversation's own triggers do. Every business is recounted on the next start (figures.rs).
CREATE INDEX reservations_by_conversation ON reservations (account_id, conversation_id) WHERE conversation_id IS NOT NULL;

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
    SELECT 'first_response_person' UNION ALL SELECT 'first_response_bot' UNION ALL SELECT 'converted' UNION ALL SELECT 'visited') m ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        WHEN 'converted' THEN EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id
            AND r.conversation_id = c.id AND r.status IN ('confirmed', 'completed', 'no_show'))
        WHEN 'visited' THEN EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id
            AND r.conversation_id = c.id AND r.status = 'completed')
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

CREATE TRIGGER reservations_conversation_figures_before_insert BEFORE INSERT ON reservations WHEN NEW.conversation_id IS NOT NULL BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM conversation_figures WHERE account_id = NEW.account_id AND row_id IN (NEW.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_conversation_figures_after_insert AFTER INSERT ON reservations WHEN NEW.conversation_id IS NOT NULL BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM conversation_figures WHERE account_id = NEW.account_id AND row_id IN (NEW.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_conversation_figures_before_delete BEFORE DELETE ON reservations WHEN OLD.conversation_id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM conversation_figures WHERE account_id = OLD.account_id AND row_id IN (OLD.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_conversation_figures_after_delete AFTER DELETE ON reservations WHEN OLD.conversation_id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM conversation_figures WHERE account_id = OLD.account_id AND row_id IN (OLD.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_conversation_figures_before_update BEFORE UPDATE OF status, conversation_id ON reservations BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM conversation_figures WHERE account_id = OLD.account_id AND row_id IN (OLD.conversation_id, NEW.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_conversation_figures_after_update AFTER UPDATE OF status, conversation_id ON reservations BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM conversation_figures WHERE account_id = OLD.account_id AND row_id IN (OLD.conversation_id, NEW.conversation_id)
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;

UPDATE accounts SET figures_zone = '';

-- Bookings by flow (maitre-domain metrics/report.rs): a reservation a flow made keeps which flow made it, and each of
-- its facts is counted a second time for that flow, as 'flow:<metric>' with '<flow id>/<dim>' (as the funnels'
-- 'flow' facts name their flow), so a report of one flow reads its bookings, cancellations, no-shows, lead times,
-- party sizes and arrivals like the business's. Reservations made before this upgrade take the flow whose run
-- booked in their conversation closest to their creation. Every business is recounted on the next start.
ALTER TABLE reservations ADD COLUMN flow_id TEXT;
UPDATE reservations SET flow_id = (SELECT MIN(p.flow_id) FROM flow_passages p WHERE p.account_id = reservations.account_id
        AND p.conversation_id = reservations.conversation_id AND p.stage = 'booked'
        AND ABS(p.at - reservations.created_at) = (SELECT MIN(ABS(q.at - reservations.created_at)) FROM flow_passages q
            WHERE q.account_id = reservations.account_id AND q.conversation_id = reservations.conversation_id
            AND q.stage = 'booked'))
WHERE source = 'flow' AND conversation_id IS NOT NULL;

DROP VIEW reservation_figures;
CREATE VIEW reservation_figures AS
SELECT r.account_id, r.row_id,
    CASE WHEN m.metric IN ('booked', 'lead') THEN r.made_ms / 86400000 ELSE r.visit_ms / 86400000 END AS day,
    r.channel_id,
    k.prefix || CASE m.metric WHEN 'booked' THEN 'booked_' || r.source ELSE m.metric END AS metric,
    CASE WHEN k.prefix = '' THEN '' ELSE r.flow_id || '/' END
        || CASE WHEN m.metric IN ('booked', 'visits') THEN r.status ELSE '' END AS dim,
    CASE m.metric
        WHEN 'lead' THEN CASE WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 0 THEN 0
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 7 THEN r.visit_ms / 86400000 - r.made_ms / 86400000
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 14 THEN 7
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 30 THEN 14 ELSE 30 END
        WHEN 'arrivals' THEN r.visit_ms % 86400000 / 3600000
        WHEN 'party' THEN MIN(r.party_size, 12)
        ELSE 0 END AS value,
    r.party_size AS total
FROM (SELECT x.account_id, x.id AS row_id, x.source, x.status, x.party_size, x.flow_id,
        COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = x.account_id
            AND v.id = x.conversation_id), '') AS channel_id,
        x.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
            WHERE a.id = x.account_id AND o.since <= x.created_at ORDER BY o.since DESC LIMIT 1), 0) AS made_ms,
        x.starts_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
            WHERE a.id = x.account_id AND o.since <= x.starts_at ORDER BY o.since DESC LIMIT 1), 0) AS visit_ms
    FROM reservations x) r
JOIN (SELECT 'booked' AS metric UNION ALL SELECT 'visits' UNION ALL SELECT 'lead' UNION ALL SELECT 'arrivals'
    UNION ALL SELECT 'party') m
    ON m.metric IN ('booked', 'visits', 'lead') OR r.status IN ('confirmed', 'completed', 'no_show')
JOIN (SELECT '' AS prefix UNION ALL SELECT 'flow:') k
    ON k.prefix = '' OR r.flow_id IS NOT NULL;

UPDATE accounts SET figures_zone = '';

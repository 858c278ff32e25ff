-- Reservations in depth (maitre-domain metrics/report.rs, metrics/demand.rs): besides 'booked_<source>' and
-- 'visits', a reservation counts how far ahead it was made ('lead', on the day it was made, by the bucket of the
-- business's days between that day and the visit's), and a visit due (confirmed, completed, no-show) counts the
-- local hour it starts ('arrivals') and its party size ('party', 12 and more together), on the visit's day. Every
-- business is recounted on the next start (figures.rs), as the view now counts more.
DROP VIEW reservation_figures;
CREATE VIEW reservation_figures AS
SELECT r.account_id, r.row_id,
    CASE WHEN m.metric IN ('booked', 'lead') THEN r.made_ms / 86400000 ELSE r.visit_ms / 86400000 END AS day,
    r.channel_id,
    CASE m.metric WHEN 'booked' THEN 'booked_' || r.source ELSE m.metric END AS metric,
    CASE WHEN m.metric IN ('booked', 'visits') THEN r.status ELSE '' END AS dim,
    CASE m.metric
        WHEN 'lead' THEN CASE WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 0 THEN 0
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 7 THEN r.visit_ms / 86400000 - r.made_ms / 86400000
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 14 THEN 7
            WHEN r.visit_ms / 86400000 - r.made_ms / 86400000 < 30 THEN 14 ELSE 30 END
        WHEN 'arrivals' THEN r.visit_ms % 86400000 / 3600000
        WHEN 'party' THEN LEAST(r.party_size, 12)
        ELSE 0 END AS value,
    r.party_size AS total
FROM (SELECT x.account_id, x.id AS row_id, x.source, x.status, x.party_size,
        COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = x.account_id
            AND v.id = x.conversation_id), '') AS channel_id,
        x.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
            WHERE a.id = x.account_id AND o.since <= x.created_at ORDER BY o.since DESC LIMIT 1), 0) AS made_ms,
        x.starts_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
            WHERE a.id = x.account_id AND o.since <= x.starts_at ORDER BY o.since DESC LIMIT 1), 0) AS visit_ms
    FROM reservations x) r
JOIN (VALUES ('booked'), ('visits'), ('lead'), ('arrivals'), ('party')) AS m (metric)
    ON m.metric IN ('booked', 'visits', 'lead') OR r.status IN ('confirmed', 'completed', 'no_show');

UPDATE accounts SET figures_zone = '';

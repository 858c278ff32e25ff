-- Guests who came again (maitre-domain metrics.rs): a visit that took place (completed) counts 'repeat' on its day
-- when the same guest (contact) had another visit that took place in the 90 days (7,776,000,000 ms) before it. That
-- depends on the guest's other bookings, so a booking made, changed (status, time, guest, conversation) or deleted
-- takes out the 'repeat' facts of its guest's visits from its time to 90 days after it before the change and puts
-- them back after (the window of visits whose 90 days can see it; along `reservations_by_contact`). Every business
-- is recounted on the next start (figures.rs).
CREATE VIEW repeat_figures AS
SELECT r.account_id, r.id AS row_id, r.contact_id, r.starts_at, (r.starts_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = r.account_id AND o.since <= r.starts_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = r.account_id
        AND v.id = r.conversation_id), '') AS channel_id,
    'repeat' AS metric, '' AS dim, 0 AS value, 0 AS total
FROM reservations r
WHERE r.status = 'completed' AND r.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM reservations p
    WHERE p.account_id = r.account_id AND p.contact_id = r.contact_id AND p.status = 'completed' AND p.id <> r.id
    AND p.starts_at <= r.starts_at AND p.starts_at >= r.starts_at - 7776000000);

CREATE TRIGGER reservations_repeat_before_insert BEFORE INSERT ON reservations WHEN NEW.contact_id IS NOT NULL BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM repeat_figures WHERE account_id = NEW.account_id
        AND contact_id = NEW.contact_id AND starts_at BETWEEN NEW.starts_at AND NEW.starts_at + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_repeat_after_insert AFTER INSERT ON reservations WHEN NEW.contact_id IS NOT NULL BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM repeat_figures WHERE account_id = NEW.account_id
        AND contact_id = NEW.contact_id AND starts_at BETWEEN NEW.starts_at AND NEW.starts_at + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_repeat_before_delete BEFORE DELETE ON reservations WHEN OLD.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM repeat_figures WHERE account_id = OLD.account_id
        AND contact_id = OLD.contact_id AND starts_at BETWEEN OLD.starts_at AND OLD.starts_at + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_repeat_after_delete AFTER DELETE ON reservations WHEN OLD.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM repeat_figures WHERE account_id = OLD.account_id
        AND contact_id = OLD.contact_id AND starts_at BETWEEN OLD.starts_at AND OLD.starts_at + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_repeat_before_update BEFORE UPDATE OF status, starts_at, contact_id, conversation_id ON reservations BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM repeat_figures WHERE account_id = OLD.account_id
        AND contact_id IN (OLD.contact_id, NEW.contact_id)
        AND starts_at BETWEEN MIN(OLD.starts_at, NEW.starts_at) AND MAX(OLD.starts_at, NEW.starts_at) + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER reservations_repeat_after_update AFTER UPDATE OF status, starts_at, contact_id, conversation_id ON reservations BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM repeat_figures WHERE account_id = OLD.account_id
        AND contact_id IN (OLD.contact_id, NEW.contact_id)
        AND starts_at BETWEEN MIN(OLD.starts_at, NEW.starts_at) AND MAX(OLD.starts_at, NEW.starts_at) + 7776000000
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;

UPDATE accounts SET figures_zone = '';

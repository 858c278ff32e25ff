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

CREATE FUNCTION reservations_repeat_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    account TEXT;
    guests TEXT[];
    guest TEXT;
    first_ms BIGINT;
    last_ms BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        account := NEW.account_id; guests := ARRAY[NEW.contact_id]; first_ms := NEW.starts_at; last_ms := NEW.starts_at;
    ELSIF TG_OP = 'DELETE' THEN
        account := OLD.account_id; guests := ARRAY[OLD.contact_id]; first_ms := OLD.starts_at; last_ms := OLD.starts_at;
    ELSE
        account := OLD.account_id; guests := ARRAY[OLD.contact_id, NEW.contact_id];
        first_ms := LEAST(OLD.starts_at, NEW.starts_at); last_ms := GREATEST(OLD.starts_at, NEW.starts_at);
    END IF;
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = account) THEN
        RETURN OLD;
    END IF;
    FOR guest IN SELECT DISTINCT g FROM unnest(guests) AS g WHERE g IS NOT NULL LOOP
        -- Planned on each call (EXECUTE), with the table's current statistics: a plan cached while the table was
        -- small walks every booking of the window by start instead of the guest's along reservations_by_contact.
        EXECUTE 'INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total) '
            'SELECT account_id, day, channel_id, metric, dim, value, $1, $1 * total FROM repeat_figures '
            'WHERE account_id = $2 AND contact_id = $3 AND starts_at BETWEEN $4 AND $5 '
            'ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, '
            'total = figure_days.total + excluded.total'
            USING sign, account, guest, first_ms, last_ms + 7776000000;
    END LOOP;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reservations_repeat_figures_out BEFORE INSERT OR DELETE OR UPDATE OF status, starts_at, contact_id, conversation_id ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_repeat_figures();
CREATE TRIGGER reservations_repeat_figures_in AFTER INSERT OR DELETE OR UPDATE OF status, starts_at, contact_id, conversation_id ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_repeat_figures();

UPDATE accounts SET figures_zone = '';

-- Guests' opt-outs and opt-ins (maitre-domain metrics/report.rs): each change of a contact's consent (by the guest's
-- word or recorded by staff) counts on its local day, by state, on the contact's channel. Consents already stored
-- are counted on the next start (figures.rs recounts every business).
CREATE VIEW consent_figures AS
SELECT k.account_id, k.id AS row_id, (k.at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = k.account_id AND o.since <= k.at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    COALESCE((SELECT c.channel_id FROM contacts c WHERE c.account_id = k.account_id AND c.id = k.contact_id), '') AS channel_id,
    'consents' AS metric, k.state AS dim, 0 AS value, 0 AS total
FROM contact_consents k;

CREATE FUNCTION contact_consents_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r contact_consents;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM consent_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contact_consents_figures_out BEFORE DELETE ON contact_consents FOR EACH ROW EXECUTE FUNCTION contact_consents_figures();
CREATE TRIGGER contact_consents_figures_in AFTER INSERT ON contact_consents FOR EACH ROW EXECUTE FUNCTION contact_consents_figures();

UPDATE accounts SET figures_zone = '';

-- What became of the messages maitre sends on its own or for the team (maitre-domain metrics.rs, "Outreach"):
-- `purpose` says which kind a message is ('' for conversation: flows' and members' replies, guests' messages), and
-- `guest_answer` whether the guest wrote back ('replied') or said stop ('opted_out') within three days after it.
-- Each such message counts on the day it was queued, by kind and status ('outreach') and by answer
-- ('outreach_answer'); the triggers fire only for such messages, so conversations' messages cost nothing more.
-- Broadcast messages already sent are marked and counted on the next start (figures.rs recounts every business);
-- earlier reminders, decisions and template sends cannot be told apart and stay uncounted.
ALTER TABLE messages ADD COLUMN purpose TEXT NOT NULL DEFAULT ''
    CHECK (purpose IN ('', 'broadcast', 'reminder', 'review', 'decision', 'template'));
ALTER TABLE messages ADD COLUMN guest_answer TEXT NOT NULL DEFAULT ''
    CHECK (guest_answer IN ('', 'replied', 'opted_out'));
UPDATE messages SET purpose = 'broadcast' WHERE EXISTS (SELECT 1 FROM broadcast_recipients r
    WHERE r.account_id = messages.account_id AND r.message_id = messages.id);
-- A guest's message looks for the outreach of its conversation it answers.
CREATE INDEX messages_outreach ON messages (account_id, conversation_id, created_at) WHERE purpose <> '';

CREATE VIEW outreach_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, f.metric, m.purpose || '/' || CASE f.metric WHEN 'outreach' THEN m.status ELSE m.guest_answer END AS dim,
    0 AS value, 0 AS total
FROM messages m, (SELECT 'outreach' AS metric UNION ALL SELECT 'outreach_answer') f
WHERE m.purpose <> '' AND (f.metric = 'outreach' OR m.guest_answer <> '');

CREATE FUNCTION messages_outreach_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r messages;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM outreach_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER messages_outreach_out BEFORE DELETE ON messages FOR EACH ROW WHEN (OLD.purpose <> '') EXECUTE FUNCTION messages_outreach_figures();
CREATE TRIGGER messages_outreach_before_update BEFORE UPDATE OF status, purpose, guest_answer ON messages FOR EACH ROW WHEN (OLD.purpose <> '') EXECUTE FUNCTION messages_outreach_figures();
CREATE TRIGGER messages_outreach_after_update AFTER UPDATE OF status, purpose, guest_answer ON messages FOR EACH ROW WHEN (NEW.purpose <> '') EXECUTE FUNCTION messages_outreach_figures();
CREATE TRIGGER messages_outreach_in AFTER INSERT ON messages FOR EACH ROW WHEN (NEW.purpose <> '') EXECUTE FUNCTION messages_outreach_figures();

UPDATE accounts SET figures_zone = '';

-- What became of the messages maitre sends on its own or for the team (maitre-domain metrics/outreach.rs):
-- `purpose` says which kind a message is ('' for conversation: flows' and members' replies, guests' messages), and
-- `guest_answer` whether the guest wrote back ('replied') or said stop ('opted_out') within three days after it.
-- Each such message counts, on the day it was queued, at every step it has reached now (`outreach_steps`: a read
-- message was sent and delivered too). Such messages are inserted queued, which reaches no step; a change of status
-- or answer adds the difference in one statement, so a broadcast's message costs one more write when sent.
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

-- The steps a status ('s:…') or an answer ('a:…') has reached.
CREATE TABLE outreach_steps (
    reached TEXT NOT NULL,
    step    TEXT NOT NULL,
    PRIMARY KEY (reached, step)
);
INSERT INTO outreach_steps (reached, step) VALUES ('s:sent', 'sent'), ('s:delivered', 'sent'),
    ('s:delivered', 'delivered'), ('s:read', 'sent'), ('s:read', 'delivered'), ('s:read', 'read'),
    ('s:failed', 'failed'), ('a:replied', 'replied'), ('a:opted_out', 'opted_out');

CREATE VIEW outreach_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, 'outreach' AS metric, m.purpose || '/' || k.step AS dim, 0 AS value, 0 AS total
FROM messages m JOIN outreach_steps k ON k.reached IN ('s:' || m.status, 'a:' || m.guest_answer)
WHERE m.purpose <> '';

CREATE TRIGGER messages_outreach_update AFTER UPDATE OF status, guest_answer ON messages
WHEN NEW.purpose <> '' BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT NEW.account_id, (NEW.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = NEW.account_id AND o.since <= NEW.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000,
        NEW.channel_id, 'outreach', NEW.purpose || '/' || d.step, 0, d.n, 0
    FROM (SELECT step, SUM(sign) AS n FROM (
        SELECT step, 1 AS sign FROM outreach_steps WHERE reached IN ('s:' || NEW.status, 'a:' || NEW.guest_answer)
        UNION ALL SELECT step, -1 FROM outreach_steps WHERE reached IN ('s:' || OLD.status, 'a:' || OLD.guest_answer)
    ) x GROUP BY step) d WHERE d.n <> 0
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER messages_outreach_delete BEFORE DELETE ON messages
WHEN OLD.purpose <> '' AND EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM outreach_figures WHERE account_id = OLD.account_id AND row_id = OLD.id
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;

UPDATE accounts SET figures_zone = '';

-- Figures for reports (maitre-domain metrics.rs says what each means). Every fact is counted by a trigger in the
-- transaction of the change that makes it, into quarter-hour slots of UTC time: a business's local day is a whole
-- number of slots in every time zone (offsets are multiples of 15 minutes), across daylight-saving changes and
-- after the business changes its zone, so reports sum slots per local day and never scan messages.
-- A row counts `n` facts (and `total`, e.g. guests of bookings); `dim` and `value` split a metric (who sent a
-- message, a booking's status; the minutes of a first response). Deleting a fact's row (a guest's erasure) takes
-- it out of the figures too, so figures always equal what is stored.

-- Who wrote a message: the guest, a flow, the channel's automatic reply, a member, the business from the platform's
-- own app (echo), or a notice such as a reminder. Older replies of flows and automatic replies cannot be told apart:
-- they count as the flow's.
ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT 'guest'
    CHECK (author IN ('guest', 'bot', 'auto_reply', 'member', 'echo', 'notice'));
UPDATE messages SET author = CASE WHEN direction = 'in' THEN 'guest' WHEN echo = 1 THEN 'echo'
    WHEN sent_by IS NOT NULL THEN 'member' ELSE 'bot' END;

CREATE TABLE figure_slots (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    slot       BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    metric     TEXT NOT NULL,
    dim        TEXT NOT NULL,
    value      BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (account_id, slot, channel_id, metric, dim, value)
);

-- A deleted account's rows go by cascade: its triggers count nothing then.
CREATE TRIGGER messages_figures_insert AFTER INSERT ON messages BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    VALUES (NEW.account_id, NEW.created_at / 900000, NEW.channel_id, 'messages', NEW.author, 0, 1, 0)
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n + 1;
END;
CREATE TRIGGER messages_figures_delete AFTER DELETE ON messages
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    UPDATE figure_slots SET n = n - 1 WHERE account_id = OLD.account_id AND slot = OLD.created_at / 900000
        AND channel_id = OLD.channel_id AND metric = 'messages' AND dim = OLD.author AND value = 0;
END;

-- A conversation counts from its guest's first message: started, handed off (by a flow, before a person answered),
-- resolved by a flow alone, closed, and its first responses in whole minutes. A change takes the old row's
-- contribution out and puts the new one's in.
CREATE VIEW conversation_figures AS
SELECT c.account_id, c.first_inbound_at / 900000 AS slot, c.channel_id, m.metric,
    CASE m.metric
        WHEN 'first_response_person' THEN MAX(0, (c.first_member_reply_at
            - MAX(c.first_inbound_at, COALESCE(c.first_handoff_at, c.first_inbound_at))) / 60000)
        WHEN 'first_response_bot' THEN MAX(0, (c.first_bot_reply_at - c.first_inbound_at) / 60000)
        ELSE 0 END AS value,
    c.id AS conversation_id
FROM conversations c JOIN (SELECT 'conversations' AS metric UNION ALL SELECT 'handoffs' UNION ALL
    SELECT 'bot_resolved' UNION ALL SELECT 'closed' UNION ALL SELECT 'first_response_person' UNION ALL
    SELECT 'first_response_bot') m ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

-- The view reads the stored row, so an update subtracts before it happens and adds after (two triggers).
CREATE TRIGGER conversations_figures_before_update BEFORE UPDATE OF status, first_inbound_at, first_bot_reply_at,
    first_handoff_at, first_member_reply_at ON conversations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, '', value, -1, 0 FROM conversation_figures
    WHERE account_id = OLD.account_id AND conversation_id = OLD.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n - 1;
END;
CREATE TRIGGER conversations_figures_after_update AFTER UPDATE OF status, first_inbound_at, first_bot_reply_at,
    first_handoff_at, first_member_reply_at ON conversations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, '', value, 1, 0 FROM conversation_figures
    WHERE account_id = NEW.account_id AND conversation_id = NEW.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n + 1;
END;
CREATE TRIGGER conversations_figures_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, '', value, 1, 0 FROM conversation_figures
    WHERE account_id = NEW.account_id AND conversation_id = NEW.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n + 1;
END;
CREATE TRIGGER conversations_figures_delete BEFORE DELETE ON conversations
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, '', value, -1, 0 FROM conversation_figures
    WHERE account_id = OLD.account_id AND conversation_id = OLD.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n - 1;
END;

-- A reservation counts twice: when it was made (metric 'booked', split by source and status) and on the day of
-- the visit ('visits', by status), each with its guests as `total`; its channel is its conversation's.
CREATE VIEW reservation_figures AS
SELECT r.account_id, CASE m.metric WHEN 'visits' THEN r.starts_at ELSE r.created_at END / 900000 AS slot,
    COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = r.account_id
        AND v.id = r.conversation_id), '') AS channel_id,
    CASE m.metric WHEN 'visits' THEN 'visits' ELSE 'booked_' || r.source END AS metric, r.status AS dim,
    r.party_size AS total, r.id AS reservation_id
FROM reservations r, (SELECT 'booked' AS metric UNION ALL SELECT 'visits') m;

CREATE TRIGGER reservations_figures_before_update BEFORE UPDATE OF status, party_size, starts_at, created_at,
    conversation_id ON reservations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, dim, 0, -1, -total FROM reservation_figures
    WHERE account_id = OLD.account_id AND reservation_id = OLD.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE
    SET n = figure_slots.n - 1, total = figure_slots.total + excluded.total;
END;
CREATE TRIGGER reservations_figures_after_update AFTER UPDATE OF status, party_size, starts_at, created_at,
    conversation_id ON reservations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, dim, 0, 1, total FROM reservation_figures
    WHERE account_id = NEW.account_id AND reservation_id = NEW.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE
    SET n = figure_slots.n + 1, total = figure_slots.total + excluded.total;
END;
CREATE TRIGGER reservations_figures_insert AFTER INSERT ON reservations BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, dim, 0, 1, total FROM reservation_figures
    WHERE account_id = NEW.account_id AND reservation_id = NEW.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE
    SET n = figure_slots.n + 1, total = figure_slots.total + excluded.total;
END;
CREATE TRIGGER reservations_figures_delete BEFORE DELETE ON reservations
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account_id, slot, channel_id, metric, dim, 0, -1, -total FROM reservation_figures
    WHERE account_id = OLD.account_id AND reservation_id = OLD.id
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE
    SET n = figure_slots.n - 1, total = figure_slots.total + excluded.total;
END;

-- New contacts, by the channel they came from.
CREATE TRIGGER contacts_figures_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    VALUES (NEW.account_id, NEW.created_at / 900000, NEW.channel_id, 'contacts', '', 0, 1, 0)
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE SET n = figure_slots.n + 1;
END;
CREATE TRIGGER contacts_figures_delete AFTER DELETE ON contacts
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    UPDATE figure_slots SET n = n - 1 WHERE account_id = OLD.account_id AND slot = OLD.created_at / 900000
        AND channel_id = OLD.channel_id AND metric = 'contacts' AND dim = '' AND value = 0;
END;

-- What is stored already.
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, created_at / 900000, channel_id, 'messages', author, 0, COUNT(*), 0 FROM messages
GROUP BY account_id, created_at / 900000, channel_id, author;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, slot, channel_id, metric, '', value, COUNT(*), 0 FROM conversation_figures
GROUP BY account_id, slot, channel_id, metric, value;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, slot, channel_id, metric, dim, 0, COUNT(*), SUM(total) FROM reservation_figures
GROUP BY account_id, slot, channel_id, metric, dim;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, created_at / 900000, channel_id, 'contacts', '', 0, COUNT(*), 0 FROM contacts
GROUP BY account_id, created_at / 900000, channel_id;

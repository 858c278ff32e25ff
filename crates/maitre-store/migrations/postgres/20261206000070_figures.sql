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

-- Each change adds the fact's row to its slot (`sign` 1) or takes it out (-1). A deleted account's rows go by
-- cascade: its triggers count nothing then.
CREATE FUNCTION count_figure(account TEXT, at BIGINT, channel TEXT, what TEXT, split TEXT, val BIGINT, sign BIGINT,
    amount BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
    SELECT account, at / 900000, channel, what, split, val, sign, sign * amount
    WHERE EXISTS (SELECT 1 FROM accounts WHERE id = account)
    ON CONFLICT (account_id, slot, channel_id, metric, dim, value) DO UPDATE
    SET n = figure_slots.n + excluded.n, total = figure_slots.total + excluded.total
$$;

CREATE FUNCTION messages_figures() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM count_figure(NEW.account_id, NEW.created_at, NEW.channel_id, 'messages', NEW.author, 0, 1, 0);
        RETURN NEW;
    END IF;
    PERFORM count_figure(OLD.account_id, OLD.created_at, OLD.channel_id, 'messages', OLD.author, 0, -1, 0);
    RETURN OLD;
END $$;
CREATE TRIGGER messages_figures AFTER INSERT OR DELETE ON messages FOR EACH ROW EXECUTE FUNCTION messages_figures();

-- A conversation counts from its guest's first message: started, handed off (by a flow, before a person answered),
-- resolved by a flow alone, closed, and its first responses in whole minutes. A change takes the old row's
-- contribution out (before it) and puts the new one's in (after).
CREATE VIEW conversation_figures AS
SELECT c.account_id, c.first_inbound_at AS at, c.channel_id, m.metric,
    CASE m.metric
        WHEN 'first_response_person' THEN GREATEST(0, (c.first_member_reply_at
            - GREATEST(c.first_inbound_at, COALESCE(c.first_handoff_at, c.first_inbound_at))) / 60000)
        WHEN 'first_response_bot' THEN GREATEST(0, (c.first_bot_reply_at - c.first_inbound_at) / 60000)
        ELSE 0 END AS value,
    c.id AS conversation_id
FROM conversations c JOIN (VALUES ('conversations'), ('handoffs'), ('bot_resolved'), ('closed'),
    ('first_response_person'), ('first_response_bot')) AS m (metric) ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

CREATE FUNCTION conversations_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r conversations;
BEGIN
    r := CASE WHEN TG_WHEN = 'BEFORE' THEN OLD ELSE NEW END;
    PERFORM count_figure(f.account_id, f.at, f.channel_id, f.metric, '', f.value, sign, 0)
    FROM conversation_figures f WHERE f.account_id = r.account_id AND f.conversation_id = r.id;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conversations_figures_out BEFORE UPDATE OF status, first_inbound_at, first_bot_reply_at,
    first_handoff_at, first_member_reply_at OR DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_figures();
CREATE TRIGGER conversations_figures_in AFTER INSERT OR UPDATE OF status, first_inbound_at, first_bot_reply_at,
    first_handoff_at, first_member_reply_at ON conversations FOR EACH ROW EXECUTE FUNCTION conversations_figures();

-- A reservation counts twice: when it was made (metric 'booked_<source>', split by status) and on the day of the
-- visit ('visits', by status), each with its guests as `total`; its channel is its conversation's.
CREATE VIEW reservation_figures AS
SELECT r.account_id, CASE m.metric WHEN 'visits' THEN r.starts_at ELSE r.created_at END AS at,
    COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = r.account_id
        AND v.id = r.conversation_id), '') AS channel_id,
    CASE m.metric WHEN 'visits' THEN 'visits' ELSE 'booked_' || r.source END AS metric, r.status AS dim,
    r.party_size AS total, r.id AS reservation_id
FROM reservations r, (VALUES ('booked'), ('visits')) AS m (metric);

CREATE FUNCTION reservations_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r reservations;
BEGIN
    r := CASE WHEN TG_WHEN = 'BEFORE' THEN OLD ELSE NEW END;
    PERFORM count_figure(f.account_id, f.at, f.channel_id, f.metric, f.dim, 0, sign, f.total)
    FROM reservation_figures f WHERE f.account_id = r.account_id AND f.reservation_id = r.id;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reservations_figures_out BEFORE UPDATE OF status, party_size, starts_at, created_at,
    conversation_id OR DELETE ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_figures();
CREATE TRIGGER reservations_figures_in AFTER INSERT OR UPDATE OF status, party_size, starts_at, created_at,
    conversation_id ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_figures();

-- New contacts, by the channel they came from.
CREATE FUNCTION contacts_figures() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM count_figure(NEW.account_id, NEW.created_at, NEW.channel_id, 'contacts', '', 0, 1, 0);
        RETURN NEW;
    END IF;
    PERFORM count_figure(OLD.account_id, OLD.created_at, OLD.channel_id, 'contacts', '', 0, -1, 0);
    RETURN OLD;
END $$;
CREATE TRIGGER contacts_figures AFTER INSERT OR DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_figures();

-- What is stored already.
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, created_at / 900000, channel_id, 'messages', author, 0, COUNT(*), 0 FROM messages
GROUP BY account_id, created_at / 900000, channel_id, author;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, at / 900000, channel_id, metric, '', value, COUNT(*), 0 FROM conversation_figures
GROUP BY account_id, at / 900000, channel_id, metric, value;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, at / 900000, channel_id, metric, dim, 0, COUNT(*), SUM(total) FROM reservation_figures
GROUP BY account_id, at / 900000, channel_id, metric, dim;
INSERT INTO figure_slots (account_id, slot, channel_id, metric, dim, value, n, total)
SELECT account_id, created_at / 900000, channel_id, 'contacts', '', 0, COUNT(*), 0 FROM contacts
GROUP BY account_id, created_at / 900000, channel_id;

-- Figures for reports (maitre-domain metrics.rs says what each means). Every fact is counted by a trigger in the
-- transaction of the change that makes it, on the business's local day: `zone_offsets` holds each zone's UTC offsets
-- (a row from each change of its clocks, written by maitre-store figures.rs when a business is created in the zone or
-- moves to it, which also recounts its figures), so reports read a few rows per day and never scan messages.
-- A row counts `n` facts (and `total`, e.g. the guests of bookings); `dim` and `value` split a metric (who sent a
-- message, a booking's status; the bucket of a first response, in minutes). A fact's view (`*_figures`) says once
-- what its row counts; triggers add a new row's facts, take an old row's out before a change and put the new ones
-- in after it, and take a deleted row's out (a guest's erasure), so figures always equal what is stored.

-- Who wrote a message: the guest, a flow, the channel's automatic reply, a member, the business from the platform's
-- own app (echo), or a notice such as a reminder. Older replies of flows and automatic replies cannot be told apart:
-- they count as the flow's.
ALTER TABLE messages ADD COLUMN author TEXT NOT NULL DEFAULT 'guest'
    CHECK (author IN ('guest', 'bot', 'auto_reply', 'member', 'echo', 'notice'));
UPDATE messages SET author = CASE WHEN direction = 'in' THEN 'guest' WHEN echo = 1 THEN 'echo'
    WHEN sent_by IS NOT NULL THEN 'member' ELSE 'bot' END;

-- The zone the figures were counted in; figures.rs recounts a business whose zone differs (new, or upgraded).
ALTER TABLE accounts ADD COLUMN figures_zone TEXT NOT NULL DEFAULT '';

-- Each time zone's UTC offsets, shared by the businesses counted in it.
CREATE TABLE zone_offsets (
    zone      TEXT NOT NULL,
    since     BIGINT NOT NULL,
    offset_ms BIGINT NOT NULL,
    PRIMARY KEY (zone, since)
);

CREATE TABLE figure_days (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day        BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    metric     TEXT NOT NULL,
    dim        TEXT NOT NULL,
    value      BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (account_id, day, channel_id, metric, dim, value)
);

-- The facts of each row: the day (the business's, from the row's time and its offsets), channel, metric, split.
CREATE VIEW message_figures AS
SELECT m.account_id, m.id AS row_id, (m.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = m.account_id AND o.since <= m.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    m.channel_id, 'messages' AS metric, m.author AS dim, 0 AS value, 0 AS total
FROM messages m;

CREATE VIEW contact_figures AS
SELECT c.account_id, c.id AS row_id, (c.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = c.account_id AND o.since <= c.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    c.channel_id, 'contacts' AS metric, '' AS dim, 0 AS value, 0 AS total
FROM contacts c;

-- A conversation counts from its guest's first message: started, handed off (by a flow, before a person answered),
-- answered by a flow alone, closed, and its first responses by bucket (maitre-domain metrics/report.rs).
CREATE VIEW conversation_figures AS
SELECT c.account_id, c.id AS row_id, (c.first_inbound_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = c.account_id AND o.since <= c.first_inbound_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    c.channel_id, m.metric, '' AS dim,
    CASE m.metric
        WHEN 'first_response_person' THEN CASE WHEN c.person < 10 THEN c.person WHEN c.person < 60 THEN c.person / 5 * 5 WHEN c.person < 180 THEN c.person / 15 * 15 WHEN c.person < 1440 THEN c.person / 60 * 60 ELSE c.person / 1440 * 1440 END
        WHEN 'first_response_bot' THEN CASE WHEN c.bot < 10 THEN c.bot WHEN c.bot < 60 THEN c.bot / 5 * 5 WHEN c.bot < 180 THEN c.bot / 15 * 15 WHEN c.bot < 1440 THEN c.bot / 60 * 60 ELSE c.bot / 1440 * 1440 END
        ELSE 0 END AS value,
    0 AS total
FROM (SELECT v.*, GREATEST(0, (v.first_member_reply_at - GREATEST(v.first_inbound_at,
        COALESCE(v.first_handoff_at, v.first_inbound_at))) / 60000) AS person,
        GREATEST(0, (v.first_bot_reply_at - v.first_inbound_at) / 60000) AS bot FROM conversations v) c
JOIN (VALUES ('conversations'), ('handoffs'), ('bot_resolved'), ('closed'), ('first_response_person'), ('first_response_bot')) AS m (metric) ON CASE m.metric
        WHEN 'conversations' THEN TRUE
        WHEN 'handoffs' THEN c.first_handoff_at IS NOT NULL
        WHEN 'bot_resolved' THEN c.first_bot_reply_at IS NOT NULL AND c.first_handoff_at IS NULL
            AND c.first_member_reply_at IS NULL
        WHEN 'closed' THEN c.status = 'closed'
        WHEN 'first_response_person' THEN c.first_member_reply_at IS NOT NULL
        ELSE c.first_bot_reply_at IS NOT NULL END
WHERE c.first_inbound_at IS NOT NULL;

-- A reservation counts twice: on the day it was made ('booked_<source>', split by status) and on the day of the
-- visit ('visits', by status), each with its guests as `total`; its channel is its conversation's.
CREATE VIEW reservation_figures AS
SELECT r.account_id, r.id AS row_id,
    CASE m.metric WHEN 'visits' THEN (r.starts_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = r.account_id AND o.since <= r.starts_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000
        ELSE (r.created_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = r.account_id AND o.since <= r.created_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 END AS day,
    COALESCE((SELECT v.channel_id FROM conversations v WHERE v.account_id = r.account_id
        AND v.id = r.conversation_id), '') AS channel_id,
    CASE m.metric WHEN 'visits' THEN 'visits' ELSE 'booked_' || r.source END AS metric, r.status AS dim, 0 AS value,
    r.party_size AS total
FROM reservations r, (VALUES ('booked'), ('visits')) AS m (metric);

-- Triggers: the facts of a new row in, an old row's out before a change and the new ones in after it, a deleted
-- row's out (not when its business is being deleted: its figures go with it).
CREATE FUNCTION messages_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r messages;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM message_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER messages_figures_out BEFORE DELETE ON messages FOR EACH ROW EXECUTE FUNCTION messages_figures();
CREATE TRIGGER messages_figures_in AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION messages_figures();
CREATE FUNCTION contacts_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r contacts;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM contact_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER contacts_figures_out BEFORE DELETE ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_figures();
CREATE TRIGGER contacts_figures_in AFTER INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_figures();
CREATE FUNCTION conversations_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r conversations;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM conversation_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER conversations_figures_out BEFORE DELETE OR UPDATE OF status, first_inbound_at, first_bot_reply_at, first_handoff_at, first_member_reply_at ON conversations FOR EACH ROW EXECUTE FUNCTION conversations_figures();
CREATE TRIGGER conversations_figures_in AFTER INSERT OR UPDATE OF status, first_inbound_at, first_bot_reply_at, first_handoff_at, first_member_reply_at ON conversations FOR EACH ROW EXECUTE FUNCTION conversations_figures();
CREATE FUNCTION reservations_figures() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    r reservations;
BEGIN
    IF TG_WHEN = 'BEFORE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP <> 'DELETE' OR EXISTS (SELECT 1 FROM accounts WHERE id = r.account_id) THEN
        INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
        SELECT account_id, day, channel_id, metric, dim, value, sign, sign * total FROM reservation_figures WHERE account_id = r.account_id AND row_id = r.id
        ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER reservations_figures_out BEFORE DELETE OR UPDATE OF status, party_size, starts_at, created_at, conversation_id ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_figures();
CREATE TRIGGER reservations_figures_in AFTER INSERT OR UPDATE OF status, party_size, starts_at, created_at, conversation_id ON reservations FOR EACH ROW EXECUTE FUNCTION reservations_figures();

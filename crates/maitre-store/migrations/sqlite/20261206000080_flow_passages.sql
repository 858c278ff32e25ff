-- The stages flow runs passed (maitre-domain flow::Stage: started, entered:<node>, answered:<node>, completed,
-- booked), each once per run, for the flows' funnels; a run is its conversation, flow and the moment it started.
-- Counted like every fact of migration `figures`, on the local day the run started (so a funnel's later steps never
-- outnumber its start). No personal data: a guest's erasure keeps them; a removed channel takes its runs along.
-- Runs before this upgrade were not recorded: funnels start with it.
CREATE TABLE flow_passages (
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    flow_id         TEXT NOT NULL,
    run_started_at  BIGINT NOT NULL,
    stage           TEXT NOT NULL,
    at              BIGINT NOT NULL,
    PRIMARY KEY (account_id, conversation_id, flow_id, run_started_at, stage)
);
-- The runs that reached a step, for the drill-down from a funnel.
CREATE INDEX flow_passages_stage ON flow_passages (account_id, flow_id, stage, run_started_at);

CREATE VIEW passage_figures AS
SELECT p.account_id, p.conversation_id, p.flow_id, p.run_started_at, p.stage,
    (p.run_started_at + COALESCE((SELECT o.offset_ms FROM zone_offsets o JOIN accounts a ON o.zone = a.figures_zone
        WHERE a.id = p.account_id AND o.since <= p.run_started_at ORDER BY o.since DESC LIMIT 1), 0)) / 86400000 AS day,
    p.channel_id, 'flow' AS metric, p.flow_id || '/' || p.stage AS dim, 0 AS value, 0 AS total
FROM flow_passages p;

CREATE TRIGGER flow_passages_figures_insert AFTER INSERT ON flow_passages BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, 1, total FROM passage_figures
    WHERE account_id = NEW.account_id AND conversation_id = NEW.conversation_id AND flow_id = NEW.flow_id
        AND run_started_at = NEW.run_started_at AND stage = NEW.stage
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;
CREATE TRIGGER flow_passages_figures_delete BEFORE DELETE ON flow_passages
WHEN EXISTS (SELECT 1 FROM accounts WHERE id = OLD.account_id) BEGIN
    INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total)
    SELECT account_id, day, channel_id, metric, dim, value, -1, -total FROM passage_figures
    WHERE account_id = OLD.account_id AND conversation_id = OLD.conversation_id AND flow_id = OLD.flow_id
        AND run_started_at = OLD.run_started_at AND stage = OLD.stage
    ON CONFLICT (account_id, day, channel_id, metric, dim, value) DO UPDATE SET n = figure_days.n + excluded.n, total = figure_days.total + excluded.total;
END;

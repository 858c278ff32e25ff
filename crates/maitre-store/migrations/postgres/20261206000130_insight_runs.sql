-- Saved insight runs (maitre-domain metrics/insight.rs): a named selection of the analytics page (its period as
-- local day numbers, the preset it was, its channel or platform filter as the page's query writes it) and its
-- figures as they were when saved, one row per measure (null: nothing to measure then).
CREATE TABLE insight_runs (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    first_day  BIGINT NOT NULL,
    last_day   BIGINT NOT NULL,
    preset     BIGINT,
    channel    TEXT NOT NULL DEFAULT '',
    saved_by   TEXT,
    saved_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX insight_runs_by_time ON insight_runs (account_id, saved_at, id);

CREATE TABLE insight_run_figures (
    account_id TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    measure    TEXT NOT NULL,
    value      DOUBLE PRECISION,
    PRIMARY KEY (account_id, run_id, measure),
    FOREIGN KEY (account_id, run_id) REFERENCES insight_runs (account_id, id) ON DELETE CASCADE
);

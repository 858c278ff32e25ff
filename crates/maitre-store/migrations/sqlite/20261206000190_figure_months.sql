-- Monthly sums of the facts the analytics page shows as one sum per period (maitre-store figures.rs): a year's page
-- reads a dozen month rows of each instead of 365 day rows, and only the days at a period's ends from `figure_days`.
-- The facts it pictures day by day (messages, conversations, bookings, visits) are not summed here: the page reads
-- them per day anyway, and a message, the most frequent write, so costs nothing more. A month is named by its first
-- day; guests' arrivals keep their weekday (the page shows them per weekday), every other fact has weekday 0.
-- A trigger on `figure_days` keeps the sums: what a day's row gains, its month's row gains. Day rows are only ever
-- deleted all of a business's at once (recounting it, or deleting it), which deletes its months with them.
CREATE TABLE figure_months (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month      BIGINT NOT NULL,
    weekday    BIGINT NOT NULL,
    channel_id TEXT NOT NULL,
    metric     TEXT NOT NULL,
    dim        TEXT NOT NULL,
    value      BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (account_id, month, weekday, channel_id, metric, dim, value)
);

CREATE TRIGGER figure_months_insert AFTER INSERT ON figure_days
WHEN NOT (NEW.metric IN ('messages', 'conversations', 'visits') OR NEW.metric LIKE 'booked%') BEGIN
    INSERT INTO figure_months (account_id, month, weekday, channel_id, metric, dim, value, n, total)
    VALUES (NEW.account_id, NEW.day - CAST(strftime('%d', NEW.day * 86400, 'unixepoch') AS INTEGER) + 1,
        CASE WHEN NEW.metric IN ('arrivals', 'flow:arrivals') THEN NEW.day % 7 ELSE 0 END,
        NEW.channel_id, NEW.metric, NEW.dim, NEW.value, NEW.n, NEW.total)
    ON CONFLICT (account_id, month, weekday, channel_id, metric, dim, value)
    DO UPDATE SET n = figure_months.n + excluded.n, total = figure_months.total + excluded.total;
END;
CREATE TRIGGER figure_months_update AFTER UPDATE OF n, total ON figure_days
WHEN NOT (NEW.metric IN ('messages', 'conversations', 'visits') OR NEW.metric LIKE 'booked%') BEGIN
    INSERT INTO figure_months (account_id, month, weekday, channel_id, metric, dim, value, n, total)
    VALUES (NEW.account_id, NEW.day - CAST(strftime('%d', NEW.day * 86400, 'unixepoch') AS INTEGER) + 1,
        CASE WHEN NEW.metric IN ('arrivals', 'flow:arrivals') THEN NEW.day % 7 ELSE 0 END,
        NEW.channel_id, NEW.metric, NEW.dim, NEW.value, NEW.n - OLD.n, NEW.total - OLD.total)
    ON CONFLICT (account_id, month, weekday, channel_id, metric, dim, value)
    DO UPDATE SET n = figure_months.n + excluded.n, total = figure_months.total + excluded.total;
END;

INSERT INTO figure_months (account_id, month, weekday, channel_id, metric, dim, value, n, total)
SELECT account_id, day - CAST(strftime('%d', day * 86400, 'unixepoch') AS INTEGER) + 1 AS month,
    CASE WHEN metric IN ('arrivals', 'flow:arrivals') THEN day % 7 ELSE 0 END AS weekday,
    channel_id, metric, dim, value, SUM(n), SUM(total)
FROM figure_days WHERE NOT (metric IN ('messages', 'conversations', 'visits') OR metric LIKE 'booked%')
GROUP BY 1, 2, 3, channel_id, metric, dim, value;

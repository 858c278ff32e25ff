//! A business's counted facts (triggers of migration `figures` count them on its local days, in the transaction
//! of each change) and the offsets of the time zones those triggers read. Reports read a few rows per day, never
//! messages. When a business is created or changes its zone, the zone's offsets are stored (once per zone) and its
//! figures recounted from its rows, in the same transaction.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::NaiveDate;
use chrono_tz::Tz;
use maitre_domain::metrics::report::{Count, Fact, Period, date_of, number_of, zone_offsets};
use maitre_domain::{AccountId, ChannelId, FlowId, Platform};
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::tenant::TenantStore;
use crate::{Result, Store};

/// Which facts a report counts: of which conversations' channels and, when `flow` is set, only the facts counted
/// for that flow (its runs' stages, and its bookings: migration `flow_bookings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FigureFilter {
    pub channel: Option<ChannelId>,
    pub platform: Option<Platform>,
    pub flow: Option<FlowId>,
}

/// What the facts counted for one flow have before their metric (their dim starts with the flow's id and '/').
pub(crate) const FLOW_PREFIX: &str = "flow:";

impl FigureFilter {
    /// The filter's conditions on the column `channel`, with placeholders from `$first` on; with `dim`, also the
    /// condition that the flow's own facts name it (`bind` binds them in this order).
    pub(crate) fn sql(&self, channel: &str, dim: Option<&str>, first: usize) -> String {
        let mut which = String::new();
        let mut n = first;
        if self.channel.is_some() {
            which += &format!(" AND {channel} = ${n}");
            n += 1;
        }
        if self.platform.is_some() {
            which += &format!(" AND {channel} IN (SELECT id FROM channels WHERE account_id = $1 AND platform = ${n})");
            n += 1;
        }
        if let (Some(dim), Some(_)) = (dim, self.flow) {
            which += &format!(" AND {dim} LIKE ${n}");
        }
        which
    }

    /// Binds the values of `sql`'s placeholders.
    pub(crate) fn bind<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        if let Some(channel) = self.channel {
            query = query.bind(channel.to_string());
        }
        if let Some(platform) = self.platform {
            query = query.bind(platform.as_str());
        }
        if let Some(flow) = self.flow {
            query = query.bind(format!("{flow}/%"));
        }
        query
    }
}

/// The views saying what each table's rows count (migration `figures`).
const VIEWS: [&str; 8] = [
    "message_figures",
    "contact_figures",
    "conversation_figures",
    "reservation_figures",
    "passage_figures",
    "consent_figures",
    "repeat_figures",
    "outreach_figures",
];

/// A zone's offsets, computed once per process (a few hundred rows from 1970 to 2100).
fn offsets_of(zone: &str) -> Arc<Vec<(i64, i64)>> {
    static KNOWN: LazyLock<Mutex<HashMap<String, Arc<Vec<(i64, i64)>>>>> = LazyLock::new(Default::default);
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    let offsets = || Arc::new(zone_offsets(zone.parse::<Tz>().unwrap_or(chrono_tz::UTC)));
    known.entry(zone.to_owned()).or_insert_with(offsets).clone()
}

/// Writes a zone's offsets unless stored already (another node writing them at the same time is no conflict).
async fn store_offsets(tx: &mut AnyConnection, zone: &str) -> Result<()> {
    let stored: Option<i64> = sqlx::query_scalar("SELECT since FROM zone_offsets WHERE zone = $1 LIMIT 1")
        .bind(zone)
        .fetch_optional(&mut *tx)
        .await?;
    if stored.is_some() {
        return Ok(());
    }
    for chunk in offsets_of(zone).chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO zone_offsets (zone, since, offset_ms) VALUES {} ON CONFLICT (zone, since) DO NOTHING",
            crate::values_list(1, 2, chunk.len())
        );
        // Only numbered placeholders are formatted in.
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(zone);
        for (since, offset) in chunk {
            q = q.bind(*since).bind(*offset);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// Counts the business's figures in `zone` unless they are counted in it already: the zone's offsets are stored
/// and every fact recounted from the stored rows. Marking the zone first also makes a second node that tries the
/// same wait for this one and then find nothing to do.
pub(crate) async fn count_in_zone(tx: &mut AnyConnection, account: AccountId, zone: &str) -> Result<()> {
    let account = account.to_string();
    let moved = sqlx::query("UPDATE accounts SET figures_zone = $2 WHERE id = $1 AND figures_zone <> $2")
        .bind(&account)
        .bind(zone)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved == 0 {
        return Ok(());
    }
    store_offsets(tx, zone).await?;
    for table in ["figure_months", "figure_days"] {
        // Only the constant table names are formatted in.
        let sql = format!("DELETE FROM {table} WHERE account_id = $1");
        sqlx::query(AssertSqlSafe(sql)).bind(&account).execute(&mut *tx).await?;
    }
    for view in VIEWS {
        // Only the constant view names are formatted in.
        let sql = format!(
            "INSERT INTO figure_days (account_id, day, channel_id, metric, dim, value, n, total) \
             SELECT account_id, day, channel_id, metric, dim, value, COUNT(*), SUM(total) FROM {view} \
             WHERE account_id = $1 GROUP BY account_id, day, channel_id, metric, dim, value"
        );
        sqlx::query(AssertSqlSafe(sql)).bind(&account).execute(&mut *tx).await?;
    }
    Ok(())
}

impl Store {
    /// Counts the figures of businesses not counted in their zone yet (after the upgrade that brought figures).
    pub(crate) async fn count_stale_figures(&self) -> Result<()> {
        let stale: Vec<(String, String)> =
            sqlx::query_as("SELECT id, time_zone FROM accounts WHERE figures_zone <> time_zone")
                .fetch_all(&self.read)
                .await?;
        for (account, zone) in stale {
            let mut tx = self.writes.begin().await?;
            count_in_zone(&mut tx, account.parse().map_err(crate::StoreError::corrupt)?, &zone).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

/// How a read keeps the days of its counts apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayDetail {
    /// Every fact on its own day (the API's days; what the property tests check).
    Every,
    /// As the analytics page pictures a period starting at `current` (and the one before it, read together): the
    /// facts it shows per day (messages, conversations, bookings, visits) on their days, guests' arrivals on the
    /// period's first day of their weekday, and every other fact on its period's first day, read from the sums of
    /// the whole months in its period (migration `figure_months`) and the days before and after them. Totals are
    /// the same; a year reads a few thousand rows instead of tens of thousands.
    Page { current: NaiveDate },
}

/// The placeholders' values for the days `months` spans (`Period::whole_months`); none when there are none.
pub(crate) fn month_span(months: Option<Period>) -> (i64, i64) {
    months.map_or((1, 0), |m| (number_of(m.first), number_of(m.last)))
}

/// Facts the page pictures day by day (of kind `kind`, a column expression): never summed by month (migration
/// `figure_months`), always read from their days.
fn daily(kind: &str) -> String {
    format!("({kind} IN ('messages', 'conversations', 'visits') OR {kind} LIKE 'booked%')")
}

/// The page's read (`DayDetail::Page`): what it pictures per day from the days; every other fact from the days at
/// the two periods' ends and the month sums between ($5..$6 and $7..$8 the months, $9 on the filter's).
fn page_sql(kind: &str, which: &str, filter: &FigureFilter) -> String {
    let daily = daily(kind);
    let months = |column: &str| format!("{column} BETWEEN $5 AND $6 OR {column} BETWEEN $7 AND $8");
    let (in_days, in_months) = (months("day"), months("month"));
    let filter = filter.sql("channel_id", Some("dim"), 9);
    // $2 is the first day read, $4 the page's period's first day; arrivals keep their weekday.
    format!(
        "SELECT CASE WHEN {daily} THEN day \
         WHEN day < $4 THEN $2 + CASE WHEN {kind} = 'arrivals' THEN (weekday - $2 % 7 + 7) % 7 ELSE 0 END \
         ELSE $4 + CASE WHEN {kind} = 'arrivals' THEN (weekday - $4 % 7 + 7) % 7 ELSE 0 END END AS day, \
         metric, dim, value, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total FROM ( \
         SELECT day, day % 7 AS weekday, metric, dim, value, n, total FROM figure_days \
         WHERE account_id = $1 AND day >= $2 AND day <= $3 AND {which}{filter} \
         AND ({daily} OR NOT ({in_days})) \
         UNION ALL SELECT month, weekday, metric, dim, value, n, total FROM figure_months \
         WHERE account_id = $1 AND ({in_months}) AND {which}{filter} AND NOT {daily}) f \
         GROUP BY 1, metric, dim, value"
    )
}

impl TenantStore {
    /// The counts of the business's local days of `period` (flows' own facts aside: `flow_counts`), with each fact's
    /// day as `detail` says; with a flow in `filter`, the facts counted for that flow alone (its bookings).
    pub async fn figure_counts(&self, period: Period, filter: FigureFilter, detail: DayDetail) -> Result<Vec<Count>> {
        // A flow's own facts are its bookings' facts with the flow before their metric and dim.
        let (kind, which) = match filter.flow {
            None => ("metric", "metric NOT LIKE 'flow%'"),
            Some(_) => ("SUBSTR(metric, 6)", "metric LIKE 'flow:%'"),
        };
        // Only constant expressions and numbered placeholders are formatted in.
        let sql = match detail {
            DayDetail::Every => format!(
                "SELECT day, metric, dim, value, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total \
                 FROM figure_days WHERE account_id = $1 AND day >= $2 AND day <= $3 AND {which}{} \
                 GROUP BY day, metric, dim, value",
                filter.sql("channel_id", Some("dim"), 4)
            ),
            DayDetail::Page { .. } => page_sql(kind, which, &filter),
        };
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(self.account_id().to_string())
            .bind(number_of(period.first))
            .bind(number_of(period.last));
        if let DayDetail::Page { current } = detail {
            // The period before `current` and the one from it each read their whole months' sums.
            let before = current.pred_opt().filter(|_| current > period.first);
            let before = month_span(before.and_then(|last| Period { first: period.first, last }.whole_months()));
            let from = month_span(Period { first: current, last: period.last }.whole_months());
            query = query.bind(number_of(current)).bind(before.0).bind(before.1).bind(from.0).bind(from.1);
        }
        let rows = filter.bind(query).fetch_all(&self.store().read).await?;
        let mut counts = Vec::with_capacity(rows.len());
        for r in rows {
            let (metric, dim): (String, String) = (r.try_get("metric")?, r.try_get("dim")?);
            let (metric, dim) = match filter.flow {
                None => (metric.as_str(), dim.as_str()),
                Some(_) => {
                    (metric.strip_prefix(FLOW_PREFIX).unwrap_or_default(), dim.split_once('/').map_or("", |(_, d)| d))
                }
            };
            if let Some(fact) = Fact::from_row(metric, dim, r.try_get("value")?) {
                let day = date_of(r.try_get("day")?);
                counts.push(Count { day, fact, n: r.try_get("n")?, total: r.try_get("total")? });
            }
        }
        Ok(counts)
    }
}

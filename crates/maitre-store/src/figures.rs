//! Reads the counted facts of a business (triggers of migration `figures` count them into quarter-hour slots in
//! the transaction of each change) summed per local day, for the analytics and home pages and the API. A report
//! reads a few hundred rows per day at most, never messages.
use chrono_tz::Tz;
use maitre_domain::metrics::day_span;
use maitre_domain::metrics::report::{Count, Fact, Period, date_of, slot_spans};
use maitre_domain::{ChannelId, Platform};
use sqlx::Row;

use crate::Result;
use crate::tenant::TenantStore;

/// Which conversations' facts a report counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FigureFilter {
    pub channel: Option<ChannelId>,
    pub platform: Option<Platform>,
}

impl TenantStore {
    /// The counts of the business's local days of `period` in zone `tz`.
    pub async fn figure_counts(&self, period: Period, tz: Tz, filter: FigureFilter) -> Result<Vec<Count>> {
        let spans = slot_spans(day_span(period.first, tz).0, day_span(period.last, tz).1, tz);
        let (Some(from), Some(to)) = (spans.first(), spans.last()) else { return Ok(Vec::new()) };
        // Each span's slots are shifted by its offset into local time; a local day is 96 slots.
        let next = 4 + 2 * (spans.len() - 1);
        let mut offset = format!("CAST(${next} AS BIGINT)");
        if spans.len() > 1 {
            let whens: String = (0..spans.len() - 1)
                .map(|i| format!(" WHEN slot < ${} THEN CAST(${} AS BIGINT)", 4 + 2 * i, 5 + 2 * i))
                .collect();
            offset = format!("CASE{whens} ELSE {offset} END");
        }
        let mut which = String::new();
        if filter.channel.is_some() {
            which += &format!(" AND channel_id = ${}", next + 1);
        }
        if filter.platform.is_some() {
            which += &format!(
                " AND channel_id IN (SELECT id FROM channels WHERE account_id = $1 AND platform = ${})",
                next + 1 + usize::from(filter.channel.is_some())
            );
        }
        // Only numbered placeholders are formatted in.
        let sql = format!(
            "SELECT (slot + {offset}) / 96 AS day, metric, dim, value, CAST(SUM(n) AS BIGINT) AS n, \
             CAST(SUM(total) AS BIGINT) AS total FROM figure_slots \
             WHERE account_id = $1 AND slot >= $2 AND slot < $3{which} GROUP BY 1, metric, dim, value"
        );
        let mut query =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.account_id().to_string()).bind(from.from).bind(to.to);
        for (i, span) in spans.iter().enumerate() {
            if i + 1 < spans.len() {
                query = query.bind(span.to);
            }
            query = query.bind(span.offset);
        }
        if let Some(channel) = filter.channel {
            query = query.bind(channel.to_string());
        }
        if let Some(platform) = filter.platform {
            query = query.bind(platform.as_str());
        }
        let rows = query.fetch_all(&self.store().read).await?;
        let mut counts = Vec::with_capacity(rows.len());
        for r in rows {
            let (metric, dim): (String, String) = (r.try_get("metric")?, r.try_get("dim")?);
            if let Some(fact) = Fact::from_row(&metric, &dim, r.try_get("value")?) {
                let day = date_of(r.try_get("day")?);
                counts.push(Count { day, fact, n: r.try_get("n")?, total: r.try_get("total")? });
            }
        }
        Ok(counts)
    }
}

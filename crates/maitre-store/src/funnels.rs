//! The stages flow runs passed (maitre-domain `flow::Stage`), kept once per run in the step's transaction and
//! counted like every other fact (migration `flow_passages`): the flows' funnels read those counts; the runs that
//! stopped at a question are read from the passages themselves, with what their guests wrote after it.
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_domain::ConversationId;
use maitre_domain::flow::{Passage, Stage};
use maitre_domain::metrics::report::{Fact, Period, number_of};
use sqlx::{AssertSqlSafe, Row};

use crate::batch::Batch;
use crate::clock::from_ms;
use crate::figures::{FLOW_PREFIX, FigureFilter, month_span};
use crate::tenant::TenantStore;
use crate::{Result, StoreError};

/// Guest messages shown per stopped run.
const WROTE_PER_RUN: i64 = 3;

/// Passages one statement writes at most; a step passes a handful, so each size's statement is built once.
const PASSAGES_PER_STATEMENT: usize = 32;

/// The insert of `n` passages (1 ..= `PASSAGES_PER_STATEMENT`), built once per size.
fn passages_sql(n: usize) -> &'static str {
    static SQL: LazyLock<Vec<String>> = LazyLock::new(|| {
        (0..=PASSAGES_PER_STATEMENT)
            .map(|n| {
                format!(
                    "INSERT INTO flow_passages (account_id, conversation_id, channel_id, at, flow_id, \
                     run_started_at, stage) VALUES {} ON CONFLICT DO NOTHING",
                    crate::values_list(4, 3, n)
                )
            })
            .collect()
    });
    &SQL[n]
}

/// Adds a step's passages to its batch; a run's second pass of a stage changes nothing.
pub(crate) fn add_passages(
    b: &mut Batch,
    account: &str,
    conversation: ConversationId,
    channel: &str,
    passages: &[Passage],
    now: i64,
) {
    for chunk in passages.chunks(PASSAGES_PER_STATEMENT) {
        let statement = b.add(passages_sql(chunk.len()));
        statement.bind(account).bind(conversation).bind(channel).bind(now);
        for p in chunk {
            statement.bind(&p.flow_id).bind(p.run_started_at.timestamp_millis()).bind(p.stage.word());
        }
    }
}

/// What flows counted in a period (`TenantStore::flow_counts`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowCounts {
    /// (flow id, stage, runs that passed it).
    pub stages: Vec<(String, Stage, i64)>,
    /// (flow id, a fact of its bookings, how many, their guests).
    pub bookings: Vec<(String, Fact, i64, i64)>,
}

/// A run that got a question and never answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedRun {
    pub conversation_id: ConversationId,
    pub contact_name: String,
    /// When the run reached the question.
    pub reached_at: DateTime<Utc>,
    /// The guest's first messages after it, oldest first.
    pub wrote: Vec<String>,
}

impl TenantStore {
    /// What each flow counted on the local days of `period`: how many of its runs started then passed each stage,
    /// and the bookings it made then and the visits due then of those it made (migration `flow_bookings`). One
    /// read of the flow rows of the period's whole months and of its other days.
    pub async fn flow_counts(&self, period: Period, filter: FigureFilter) -> Result<FlowCounts> {
        // The period's whole months ($4..$5) are read from their sums (migration `figure_months`), the days
        // around them from the days. Only numbered placeholders are formatted in.
        let which = format!(
            "(metric = 'flow' OR metric LIKE 'flow:booked%' OR metric = 'flow:visits'){}",
            filter.sql("channel_id", Some("dim"), 6)
        );
        let sql = format!(
            "SELECT metric, dim, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(total) AS BIGINT) AS total FROM ( \
             SELECT metric, dim, n, total FROM figure_days WHERE account_id = $1 AND day >= $2 AND day <= $3 \
             AND NOT (day BETWEEN $4 AND $5) AND {which} \
             UNION ALL SELECT metric, dim, n, total FROM figure_months \
             WHERE account_id = $1 AND month BETWEEN $4 AND $5 AND {which}) f GROUP BY metric, dim"
        );
        let months = month_span(period.whole_months());
        let query = sqlx::query(AssertSqlSafe(sql))
            .bind(self.account_id().to_string())
            .bind(number_of(period.first))
            .bind(number_of(period.last))
            .bind(months.0)
            .bind(months.1);
        let rows = filter.bind(query).fetch_all(&self.store().read).await?;
        let mut counts = FlowCounts::default();
        for r in rows {
            let (metric, dim): (String, String) = (r.try_get("metric")?, r.try_get("dim")?);
            let Some((flow, word)) = dim.split_once('/') else { continue };
            let n: i64 = r.try_get("n")?;
            // A word this version does not know (a newer node wrote it) is left out.
            match metric.strip_prefix(FLOW_PREFIX) {
                None => {
                    if let Some(stage) = Stage::parse(word) {
                        counts.stages.push((flow.to_owned(), stage, n));
                    }
                }
                Some(metric) => {
                    if let Some(fact) = Fact::from_row(metric, word, 0) {
                        counts.bookings.push((flow.to_owned(), fact, n, r.try_get("total")?));
                    }
                }
            }
        }
        Ok(counts)
    }

    /// The runs of `flow` started between `from` and `to` that reached the question `node` and never answered it,
    /// latest first, at most `limit`.
    pub async fn stopped_runs(
        &self,
        flow: &str,
        node: &str,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        filter: FigureFilter,
        limit: i64,
    ) -> Result<Vec<StoppedRun>> {
        // The flow is named: the filter's flow names no placeholder here.
        let filter = FigureFilter { flow: None, ..filter };
        // Only numbered placeholders are formatted in.
        let sql = format!(
            "SELECT s.conversation_id, s.at, c.name, m.body FROM (SELECT p.conversation_id, p.at FROM flow_passages p \
             WHERE p.account_id = $1 AND p.flow_id = $2 AND p.stage = $3 AND p.run_started_at >= $4 \
             AND p.run_started_at < $5{} AND NOT EXISTS (SELECT 1 FROM flow_passages a WHERE a.account_id = $1 \
             AND a.conversation_id = p.conversation_id AND a.flow_id = $2 AND a.run_started_at = p.run_started_at \
             AND a.stage = $6) ORDER BY p.at DESC, p.conversation_id LIMIT $7) s \
             JOIN conversations v ON v.account_id = $1 AND v.id = s.conversation_id \
             JOIN contacts c ON c.account_id = $1 AND c.id = v.contact_id \
             LEFT JOIN (SELECT conversation_id, created_at, body, ROW_NUMBER() OVER (PARTITION BY conversation_id \
                 ORDER BY created_at, id) AS nth FROM messages m WHERE m.account_id = $1 AND m.direction = 'in' \
                 AND m.conversation_id IN (SELECT conversation_id FROM flow_passages WHERE account_id = $1 \
                 AND flow_id = $2 AND stage = $3 AND run_started_at >= $4 AND run_started_at < $5) \
                 AND m.created_at >= (SELECT MIN(at) FROM flow_passages q WHERE q.account_id = $1 \
                 AND q.conversation_id = m.conversation_id AND q.flow_id = $2 AND q.stage = $3 \
                 AND q.run_started_at >= $4 AND q.run_started_at < $5)) m \
                 ON m.conversation_id = s.conversation_id AND m.nth <= {WROTE_PER_RUN} \
             ORDER BY s.at DESC, s.conversation_id, m.created_at",
            filter.sql("p.channel_id", None, 8)
        );
        let query = sqlx::query(AssertSqlSafe(sql))
            .bind(self.account_id().to_string())
            .bind(flow)
            .bind(Stage::Entered(node.to_owned()).word())
            .bind(from.timestamp_millis())
            .bind(to.timestamp_millis())
            .bind(Stage::Answered(node.to_owned()).word())
            .bind(limit);
        let rows = filter.bind(query).fetch_all(&self.store().read).await?;
        let mut runs: Vec<StoppedRun> = Vec::new();
        for r in rows {
            let id: String = r.try_get("conversation_id")?;
            let conversation_id = id.parse().map_err(StoreError::corrupt)?;
            if runs.last().is_none_or(|run| run.conversation_id != conversation_id) {
                let (contact_name, reached_at) = (r.try_get("name")?, from_ms(r.try_get("at")?));
                runs.push(StoppedRun { conversation_id, contact_name, reached_at, wrote: Vec::new() });
            }
            if let (Some(run), Some(body)) = (runs.last_mut(), r.try_get::<Option<String>, _>("body")?) {
                run.wrote.push(body);
            }
        }
        Ok(runs)
    }
}

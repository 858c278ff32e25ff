//! Saved insight runs of a business (migration `insight_runs`): a named analytics selection and its figures as
//! they were when saved, newest first. What a run keeps is maitre-domain metrics/insight.rs's.
use chrono::{DateTime, Utc};
use maitre_domain::UserId;
use maitre_domain::metrics::insight::Measure;
use maitre_domain::metrics::report::{Period, date_of, number_of};
use sqlx::{AssertSqlSafe, Row};

use crate::clock::from_ms;
use crate::tenant::TenantStore;
use crate::{Result, StoreError};

/// A run to save: its name (checked by `insight::run_name`), selection and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInsightRun {
    pub name: String,
    pub period: Period,
    /// The preset's days, or none for a custom period.
    pub preset: Option<i64>,
    /// The channel or platform filter as the page's query writes it (empty: all channels).
    pub channel: String,
    pub figures: Vec<(Measure, Option<f64>)>,
}

/// A saved run.
#[derive(Debug, Clone, PartialEq)]
pub struct InsightRun {
    pub id: String,
    pub name: String,
    pub period: Period,
    pub preset: Option<i64>,
    pub channel: String,
    pub saved_by: Option<UserId>,
    pub saved_at: DateTime<Utc>,
    /// Measures this version knows, in `Measure::ALL`'s order.
    pub figures: Vec<(Measure, Option<f64>)>,
}

/// Saved runs of a business.
pub struct Insights<'a> {
    tenant: &'a TenantStore,
}

impl TenantStore {
    pub fn insights(&self) -> Insights<'_> {
        Insights { tenant: self }
    }
}

impl Insights<'_> {
    /// Saves a run with its figures in one transaction; its id.
    pub async fn save(&self, run: &NewInsightRun, by: Option<UserId>) -> Result<String> {
        let name = maitre_domain::metrics::insight::run_name(&run.name)
            .ok_or_else(|| StoreError::Conflict { constraint: "insight_run_name".into() })?;
        let account = self.tenant.account_id().to_string();
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.tenant.store().write.begin().await?;
        sqlx::query(
            "INSERT INTO insight_runs (account_id, id, name, first_day, last_day, preset, channel, saved_by, saved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&account)
        .bind(&id)
        .bind(name)
        .bind(number_of(run.period.first))
        .bind(number_of(run.period.last))
        .bind(run.preset)
        .bind(run.channel.trim())
        .bind(by.map(|u| u.to_string()))
        .bind(self.tenant.store().now_ms())
        .execute(&mut *tx)
        .await?;
        let sql = format!(
            "INSERT INTO insight_run_figures (account_id, run_id, measure, value) VALUES {}",
            crate::values_list(2, 2, run.figures.len())
        );
        // Only numbered placeholders are formatted in.
        let mut insert = sqlx::query(AssertSqlSafe(sql)).bind(&account).bind(&id);
        for (measure, value) in &run.figures {
            insert = insert.bind(measure.word()).bind(*value);
        }
        if !run.figures.is_empty() {
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// How many runs the business keeps.
    pub async fn count(&self) -> Result<i64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM insight_runs WHERE account_id = $1")
            .bind(self.tenant.account_id().to_string())
            .fetch_one(&self.tenant.store().read)
            .await?;
        Ok(n)
    }

    /// Up to `limit` runs after skipping `offset`, newest first, each with its figures.
    pub async fn list(&self, limit: i64, offset: i64) -> Result<Vec<InsightRun>> {
        let account = self.tenant.account_id().to_string();
        let read = &self.tenant.store().read;
        let rows = sqlx::query(
            "SELECT id, name, first_day, last_day, preset, channel, saved_by, saved_at FROM insight_runs \
             WHERE account_id = $1 ORDER BY saved_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(&account)
        .bind(limit.max(0))
        .bind(offset.max(0))
        .fetch_all(read)
        .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for r in rows {
            let saved_by: Option<String> = r.try_get("saved_by")?;
            runs.push(InsightRun {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                period: Period { first: date_of(r.try_get("first_day")?), last: date_of(r.try_get("last_day")?) },
                preset: r.try_get("preset")?,
                channel: r.try_get("channel")?,
                saved_by: saved_by.and_then(|u| u.parse().ok()),
                saved_at: from_ms(r.try_get("saved_at")?),
                figures: Vec::new(),
            });
        }
        if runs.is_empty() {
            return Ok(runs);
        }
        let placeholders: Vec<String> = (0..runs.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT run_id, measure, value FROM insight_run_figures WHERE account_id = $1 AND run_id IN ({})",
            placeholders.join(", ")
        );
        // Only numbered placeholders are formatted in.
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(&account);
        for run in &runs {
            query = query.bind(run.id.clone());
        }
        for r in query.fetch_all(read).await? {
            let (run_id, word): (String, String) = (r.try_get("run_id")?, r.try_get("measure")?);
            let (Some(run), Some(measure)) = (runs.iter_mut().find(|x| x.id == run_id), Measure::parse(&word)) else {
                continue;
            };
            run.figures.push((measure, r.try_get("value")?));
        }
        for run in &mut runs {
            run.figures.sort_by_key(|(m, _)| *m);
        }
        Ok(runs)
    }

    /// Deletes a run and its figures; another business's or an unknown run is NotFound.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().write.begin().await?;
        sqlx::query("DELETE FROM insight_run_figures WHERE account_id = $1 AND run_id = $2")
            .bind(&account)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM insight_runs WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}

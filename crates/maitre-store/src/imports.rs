//! Contact imports: an uploaded file waits for its column mapping, then a job (or the CLI) stages the checked
//! rows in short batches — reporting progress between them — and publishes them into contacts in one
//! transaction (one set-based upsert, then tags and field values in batches). An import is applied whole or not at all, and the single SQLite
//! writer is never held for longer than one batch or the final publish.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use maitre_domain::ChannelId;
use maitre_domain::contacts::import::{ImportRow, Rejected, RowProblem};
use maitre_domain::jobs::{ContactImportJob, JobKind};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};

use crate::clock::from_ms;
use crate::contacts::Contacts;
use crate::jobs::{NewJob, enqueue_in};
use crate::{Backend, Result, StoreError};

/// Rows per staging statement and transaction.
const BATCH: usize = 500;
/// Rejected rows kept for the report (the count is always exact).
const REPORT_MAX: usize = 1000;
/// The import row's progress is written after this many staged rows or this much time, whichever comes first:
/// often enough for a live bar, rarely enough to cost nothing next to the staging itself.
const PROGRESS_ROWS: u64 = 1000;
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct ContactImport {
    pub id: String,
    pub channel_id: String,
    pub file_name: String,
    /// uploaded, queued, running, done or failed.
    pub status: String,
    pub total_rows: i64,
    pub processed_rows: i64,
    pub imported: i64,
    pub updated: i64,
    pub rejected: i64,
    /// The first rejected rows, each with its line and why.
    pub report: Vec<Rejected>,
    pub error: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOutcome {
    pub imported: u64,
    pub updated: u64,
    pub rejected: u64,
}

const IMPORT_COLUMNS: &str = "id, channel_id, file_name, status, total_rows, processed_rows, imported, updated, \
     rejected, report, error, created_at, finished_at";

/// One row of a stored report. Reports written before problems were stored as data keep their English reason.
fn rejected_from(v: &serde_json::Value) -> Rejected {
    let problem = serde_json::from_value::<RowProblem>(v["problem"].clone())
        .unwrap_or_else(|_| RowProblem::Invalid { detail: v["reason"].as_str().unwrap_or_default().to_owned() });
    Rejected { line: v["line"].as_u64().unwrap_or(0), problem }
}

fn import_from(r: &sqlx::any::AnyRow) -> Result<ContactImport> {
    let report: Vec<serde_json::Value> =
        serde_json::from_str(&r.try_get::<String, _>("report")?).map_err(StoreError::corrupt)?;
    Ok(ContactImport {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        file_name: r.try_get("file_name")?,
        status: r.try_get("status")?,
        total_rows: r.try_get("total_rows")?,
        processed_rows: r.try_get("processed_rows")?,
        imported: r.try_get("imported")?,
        updated: r.try_get("updated")?,
        rejected: r.try_get("rejected")?,
        report: report.iter().map(rejected_from).collect(),
        error: r.try_get("error")?,
        created_at: from_ms(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(from_ms),
    })
}

impl Contacts<'_> {
    /// Stores an uploaded file for `channel` (one of this account's, else NotFound) until it is mapped.
    pub async fn create_import(&self, channel: ChannelId, file_name: &str, data: &str, by: &str) -> Result<String> {
        self.tenant.channels().channel(channel).await?;
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO contact_imports (account_id, id, channel_id, file_name, data, status, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'uploaded', $6, $7)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(&id)
        .bind(channel.to_string())
        .bind(file_name.chars().take(200).collect::<String>())
        .bind(data)
        .bind(by)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(id)
    }

    pub async fn contact_import(&self, id: &str) -> Result<ContactImport> {
        let sql = format!("SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE account_id = $1 AND id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        import_from(&row)
    }

    /// The latest imports, newest first.
    pub async fn contact_imports(&self) -> Result<Vec<ContactImport>> {
        let sql = format!(
            "SELECT {IMPORT_COLUMNS} FROM contact_imports WHERE account_id = $1 ORDER BY created_at DESC, id DESC \
             LIMIT 20"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(import_from).collect()
    }

    /// The uploaded file and the mapping chosen for it (one target per column).
    pub async fn import_source(&self, id: &str) -> Result<(String, Vec<String>)> {
        let (data, mapping): (String, String) =
            sqlx::query_as("SELECT data, mapping FROM contact_imports WHERE account_id = $1 AND id = $2")
                .bind(self.tenant.account_id().to_string())
                .bind(id)
                .fetch_one(&self.tenant.store().read)
                .await?;
        Ok((data, serde_json::from_str(&mapping).map_err(StoreError::corrupt)?))
    }

    /// Saves the mapping and queues the import job, once: an import already queued or run is Conflict
    /// `import_started`.
    pub async fn queue_import(&self, id: &str, mapping: &[String]) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let done = sqlx::query(
            "UPDATE contact_imports SET mapping = $3, status = 'queued' WHERE account_id = $1 AND id = $2 \
             AND status = 'uploaded'",
        )
        .bind(&account)
        .bind(id)
        .bind(serde_json::Value::from(mapping.to_vec()).to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            self.contact_import(id).await?;
            return Err(StoreError::Conflict { constraint: "import_started".into() });
        }
        let key = format!("{}:{id}", JobKind::ContactImport);
        let payload = ContactImportJob { import: id.to_owned() };
        let job = NewJob::new(Some(self.tenant.account_id()), &payload).dedupe(&key).attempts(3);
        enqueue_in(&mut tx, now, &job).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(())
    }

    /// Imports checked rows into the import's channel: contacts are created, or updated where the channel
    /// already knows the identity (empty cells keep what is stored); tags are added, field values set.
    /// `progress` hears the number of rows staged after each batch; the import row's `processed_rows` (rejected
    /// rows count as processed from the start) follows, throttled, for the status page. The report keeps the rejected rows.
    pub async fn import_contacts(
        &self,
        id: &str,
        rows: &[ImportRow],
        rejected: &[Rejected],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportOutcome> {
        let account = self.tenant.account_id().to_string();
        let write = &self.tenant.store().write;
        let channel: String = sqlx::query_scalar(
            "UPDATE contact_imports SET status = 'running', total_rows = $3, processed_rows = $4, error = '' \
             WHERE account_id = $1 AND id = $2 AND status IN ('uploaded', 'queued', 'running') RETURNING channel_id",
        )
        .bind(&account)
        .bind(id)
        .bind(i64::try_from(rows.len() + rejected.len()).unwrap_or(i64::MAX))
        .bind(i64::try_from(rejected.len()).unwrap_or(i64::MAX))
        .fetch_optional(write)
        .await?
        .ok_or_else(|| StoreError::Conflict { constraint: "import_finished".into() })?;
        // A run cut short by a crash left staged rows behind: start over.
        self.discard_staged(id).await?;
        // Ids for contacts this import creates; an identity the channel knows keeps its own.
        let new_ids: Vec<String> = rows.iter().map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let mut staged = 0u64;
        let (mut reported, mut reported_at) = (0u64, Instant::now());
        for (batch, ids) in rows.chunks(BATCH).zip(new_ids.chunks(BATCH)) {
            let mut tx = self.tenant.store().writes.begin().await?;
            let sql = format!(
                "INSERT INTO contact_import_rows (account_id, import_id, line, contact_id, external_id, name, phone, \
                 email) VALUES {}",
                crate::values_list(2, 6, batch.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(&account).bind(id);
            for (r, new_id) in batch.iter().zip(ids) {
                q = q
                    .bind(i64::try_from(r.line).unwrap_or(i64::MAX))
                    .bind(new_id)
                    .bind(&r.external_id)
                    .bind(&r.name)
                    .bind(&r.phone)
                    .bind(&r.email);
            }
            q.execute(&mut *tx).await?;
            staged += batch.len() as u64;
            let last = staged == rows.len() as u64;
            if last || staged - reported >= PROGRESS_ROWS || reported_at.elapsed() >= PROGRESS_EVERY {
                sqlx::query("UPDATE contact_imports SET processed_rows = $3 WHERE account_id = $1 AND id = $2")
                    .bind(&account)
                    .bind(id)
                    .bind(i64::try_from(staged + rejected.len() as u64).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await?;
                (reported, reported_at) = (staged, Instant::now());
            }
            tx.commit().await?;
            progress(staged);
        }
        let outcome = self.publish_import(id, &channel, rows, &new_ids, rejected).await?;
        if self.tenant.store().backend() == Backend::Postgres {
            // PostgreSQL-only: a bulk load leaves the planner's row estimates stale until autovacuum gets to
            // them, and lists filtered by tag would be planned as if the tables were still small.
            sqlx::query("ANALYZE contacts, contact_tags, contact_field_values")
                .execute(&self.tenant.store().write)
                .await?;
        }
        progress(staged);
        Ok(outcome)
    }

    /// Upserts the staged contacts with one statement, then adds tags and field values with the ids it
    /// returned (a contact that already existed keeps its id), all in one transaction. Nothing here joins
    /// `contacts` against the staged rows: on a table whose statistics predate the import, PostgreSQL would plan
    /// such a join as a nested loop over a sequential scan.
    async fn publish_import(
        &self,
        id: &str,
        channel: &str,
        rows: &[ImportRow],
        new_ids: &[String],
        rejected: &[Rejected],
    ) -> Result<ImportOutcome> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let upserted = sqlx::query(
            "INSERT INTO contacts (account_id, id, channel_id, external_id, name, phone, email, created_at) \
             SELECT r.account_id, r.contact_id, $3, r.external_id, r.name, r.phone, r.email, $4 \
             FROM contact_import_rows r WHERE r.account_id = $1 AND r.import_id = $2 \
             ON CONFLICT (channel_id, external_id) DO UPDATE SET \
             name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END, \
             phone = CASE WHEN excluded.phone <> '' THEN excluded.phone ELSE contacts.phone END, \
             email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE contacts.email END \
             RETURNING id, external_id",
        )
        .bind(&account)
        .bind(id)
        .bind(channel)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut ids: HashMap<String, String> = HashMap::with_capacity(upserted.len());
        for r in &upserted {
            ids.insert(r.try_get("external_id")?, r.try_get("id")?);
        }
        let updated = rows.iter().zip(new_ids).filter(|(r, new)| ids.get(&r.external_id) != Some(*new)).count() as u64;
        add_tags_and_fields(&mut tx, &account, rows, &ids, now).await?;
        sqlx::query("DELETE FROM contact_import_rows WHERE account_id = $1 AND import_id = $2")
            .bind(&account)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let imported = rows.len() as u64;
        let report: Vec<serde_json::Value> =
            rejected.iter().take(REPORT_MAX).map(|r| json!({"line": r.line, "problem": r.problem})).collect();
        sqlx::query(
            "UPDATE contact_imports SET status = 'done', data = '', imported = $3, updated = $4, rejected = $5, \
             report = $6, finished_at = $7 WHERE account_id = $1 AND id = $2",
        )
        .bind(&account)
        .bind(id)
        .bind(i64::try_from(imported).unwrap_or(i64::MAX))
        .bind(i64::try_from(updated).unwrap_or(i64::MAX))
        .bind(i64::try_from(rejected.len()).unwrap_or(i64::MAX))
        .bind(serde_json::Value::from(report).to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ImportOutcome { imported, updated, rejected: rejected.len() as u64 })
    }

    async fn discard_staged(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM contact_import_rows WHERE account_id = $1 AND import_id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        Ok(())
    }

    /// Marks an import failed with a reason staff can act on; nothing of it stays staged. The file is dropped.
    pub async fn fail_import(&self, id: &str, error: &str) -> Result<()> {
        self.discard_staged(id).await?;
        sqlx::query(
            "UPDATE contact_imports SET status = 'failed', error = $3, data = '', finished_at = $4 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(error.chars().take(500).collect::<String>())
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }
}

/// Adds the imported rows' tags and field values to the contacts `ids` maps their external ids to, many rows a
/// statement.
async fn add_tags_and_fields(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    rows: &[ImportRow],
    ids: &HashMap<String, String>,
    now: i64,
) -> Result<()> {
    let extras: Vec<(&str, bool, &str, &str)> = rows
        .iter()
        .filter_map(|r| ids.get(&r.external_id).map(|c| (c.as_str(), r)))
        .flat_map(|(c, r)| {
            let tags = r.tags.iter().map(move |t| (c, true, t.as_str(), ""));
            tags.chain(r.fields.iter().map(move |(k, v)| (c, false, k.as_str(), v.as_str())))
        })
        .collect();
    let tags: Vec<_> = extras.iter().filter(|e| e.1).collect();
    for chunk in tags.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO contact_tags (account_id, created_at, contact_id, tag) VALUES {} ON CONFLICT DO NOTHING",
            crate::values_list(2, 2, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(account).bind(now);
        for (contact, _, tag, _) in chunk {
            q = q.bind(*contact).bind(*tag);
        }
        q.execute(&mut *tx).await?;
    }
    let values: Vec<_> = extras.iter().filter(|e| !e.1).collect();
    for chunk in values.chunks(BATCH) {
        let sql = format!(
            "INSERT INTO contact_field_values (account_id, contact_id, field_key, value) VALUES {} \
             ON CONFLICT (account_id, contact_id, field_key) DO UPDATE SET value = excluded.value",
            crate::values_list(1, 3, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(account);
        for (contact, _, key, value) in chunk {
            q = q.bind(*contact).bind(*key).bind(*value);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

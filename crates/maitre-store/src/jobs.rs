//! The durable job queue's storage: enqueue (inside the caller's transaction when effects must be atomic),
//! claim under a lease, complete or fail fenced by the lease owner, and re-queue expired leases.
use chrono::{DateTime, Utc};
use maitre_domain::jobs::{BadPayload, JobKind, Payload};
use maitre_domain::{AccountId, JobId};
use sqlx::FromRow;

use crate::batch::{Batch, Statement};
use crate::clock::{from_ms, to_ms};
use crate::{Backend, Result, Store, StoreError};

/// A job as a worker sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: JobId,
    pub account_id: Option<AccountId>,
    /// Text, not `JobKind`: a job another version queued with a kind this one does not know fails alone (dead, "no
    /// handler"), instead of making the claim that read it fail for every job.
    pub kind: String,
    payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub max_attempts: i64,
    /// When an earlier attempt was cut off (its worker stopped holding the lease) with no failure recorded since:
    /// that attempt's effects outside the database are unknown.
    pub interrupted_at: Option<DateTime<Utc>>,
}

/// A job to add, made from its payload (which fixes its kind). `dedupe_key` makes enqueueing idempotent: a second
/// job with the same key is not added.
pub struct NewJob<'a> {
    pub account_id: Option<AccountId>,
    kind: JobKind,
    payload: String,
    pub dedupe_key: Option<&'a str>,
    /// Now when `None`.
    pub run_at: Option<DateTime<Utc>>,
    pub max_attempts: i64,
    /// 0, or 1 for bulk work that yields to conversations (see `bulk`).
    priority: i64,
}

impl<'a> NewJob<'a> {
    /// A job of `payload`'s kind for `account` (`None`: the server's own), to run now, tried up to 8 times.
    pub fn new<P: Payload>(account_id: Option<AccountId>, payload: &P) -> Self {
        NewJob {
            account_id,
            kind: P::KIND,
            payload: payload.encode(),
            dedupe_key: None,
            run_at: None,
            max_attempts: 8,
            priority: 0,
        }
    }

    pub fn dedupe(self, key: &'a str) -> Self {
        NewJob { dedupe_key: Some(key), ..self }
    }

    pub fn at(self, run_at: DateTime<Utc>) -> Self {
        NewJob { run_at: Some(run_at), ..self }
    }

    /// Bulk work (a broadcast): claimed only when no conversation work is due, so it never delays a reply by the
    /// length of its own queue.
    pub fn bulk(self) -> Self {
        NewJob { priority: 1, ..self }
    }

    pub fn attempts(self, max_attempts: i64) -> Self {
        NewJob { max_attempts, ..self }
    }

    pub fn kind(&self) -> JobKind {
        self.kind
    }
}

impl Job {
    /// The payload as its kind's type.
    pub fn payload<P: Payload>(&self) -> std::result::Result<P, BadPayload> {
        P::decode(&self.payload)
    }

    /// The payload as stored.
    pub fn payload_text(&self) -> &str {
        &self.payload
    }
}

/// A job that failed for good or is failing, for the operations view.
#[derive(Debug, Clone)]
pub struct JobSummary {
    pub id: JobId,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub run_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct JobRow {
    #[sqlx(try_from = "String")]
    id: JobId,
    account_id: Option<String>,
    kind: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
    interrupted_at: Option<i64>,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self> {
        Ok(Job {
            id: r.id,
            account_id: r.account_id.map(|a| a.parse().map_err(StoreError::corrupt)).transpose()?,
            kind: r.kind,
            payload: r.payload,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            interrupted_at: r.interrupted_at.map(from_ms),
        })
    }
}

const CLAIM_POSTGRES: &str = "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, \
     attempts = attempts + 1, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
                  ORDER BY priority, run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
     RETURNING id, account_id, kind, payload, attempts, max_attempts, interrupted_at";
// SQLite has one writer connection, so the inner select cannot race another claim; it has no row locks to skip.
const CLAIM_SQLITE: &str = "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, \
     attempts = attempts + 1, updated_at = $3 \
     WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 \
                  ORDER BY priority, run_at, id LIMIT $4) \
     RETURNING id, account_id, kind, payload, attempts, max_attempts, interrupted_at";

/// Adds a job inside an open transaction. Returns false when a job with the same dedupe key exists.
pub(crate) async fn enqueue_in(tx: &mut sqlx::AnyConnection, now: i64, job: &NewJob<'_>) -> Result<bool> {
    Ok(enqueue_all_in(tx, now, std::slice::from_ref(job)).await? == 1)
}

/// Adds jobs inside an open transaction, up to [`crate::ROWS_PER_STATEMENT`] per statement; returns how many were
/// added (not those whose dedupe key exists).
pub(crate) async fn enqueue_all_in(tx: &mut sqlx::AnyConnection, now: i64, jobs: &[NewJob<'_>]) -> Result<u64> {
    let mut added = 0;
    for chunk in jobs.chunks(crate::ROWS_PER_STATEMENT) {
        added += enqueue_rows(tx, now, chunk).await?;
    }
    Ok(added)
}

/// Adds `job` (with the id `id`) to a batch, to be queued only if `guard` holds: a SQL condition on what the
/// batch's earlier statements wrote, whose own placeholders start at `$10`. For jobs that must go to the database
/// in the same call as the rows they are about; everything else enqueues with `enqueue_in`.
/// `guarded_insert(guard)` is the statement: callers build it once (it is the same for every job they add).
pub(crate) fn add_job<'b>(b: &'b mut Batch, sql: &str, now: i64, id: &str, job: &NewJob<'_>) -> &'b mut Statement {
    b.add(sql)
        .bind(now)
        .bind(id)
        .bind(job.account_id.map(|a| a.to_string()))
        .bind(job.kind.as_str())
        .bind(job.payload.as_str())
        .bind(job.dedupe_key)
        .bind(job.run_at.map(to_ms).unwrap_or(now))
        .bind(job.max_attempts)
        .bind(job.priority)
}

/// The insert `add_job` runs, queuing only where `guard` holds.
pub(crate) fn guarded_insert(guard: &str) -> String {
    format!(
        "INSERT INTO jobs (created_at, updated_at, status, attempts, id, account_id, kind, payload, dedupe_key, \
         run_at, max_attempts, priority) SELECT $1, $1, 'queued', 0, $2, $3, $4, $5, $6, $7, $8, $9 WHERE {guard} \
         ON CONFLICT (dedupe_key) DO NOTHING"
    )
}

/// One multi-row insert of `jobs` (at least one).
async fn enqueue_rows(tx: &mut sqlx::AnyConnection, now: i64, jobs: &[NewJob<'_>]) -> Result<u64> {
    let sql = format!(
        "INSERT INTO jobs (created_at, updated_at, status, attempts, id, account_id, kind, payload, dedupe_key, \
         run_at, max_attempts, priority) VALUES {} ON CONFLICT (dedupe_key) DO NOTHING",
        crate::values_list(4, 8, jobs.len())
    );
    // Only numbered placeholders are formatted in.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(now).bind("queued").bind(0i64);
    for job in jobs {
        query = query
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(job.account_id.map(|a| a.to_string()))
            .bind(job.kind.as_str())
            .bind(&job.payload)
            .bind(job.dedupe_key)
            .bind(job.run_at.map(to_ms).unwrap_or(now))
            .bind(job.max_attempts)
            .bind(job.priority);
    }
    // The one-row statement is prepared once and kept; longer ones differ by their row count.
    Ok(query.persistent(jobs.len() == 1).execute(&mut *tx).await?.rows_affected())
}

impl Store {
    pub async fn enqueue(&self, job: NewJob<'_>) -> Result<bool> {
        let mut tx = self.writes.begin().await?;
        let added = enqueue_in(&mut tx, self.now_ms(), &job).await?;
        tx.commit().await?;
        self.jobs_queued();
        Ok(added)
    }

    /// Enqueues many jobs in one transaction; returns how many were new (the others' dedupe keys were taken).
    pub async fn enqueue_all(&self, jobs: &[NewJob<'_>]) -> Result<u64> {
        let mut tx = self.writes.begin().await?;
        let added = enqueue_all_in(&mut tx, self.now_ms(), jobs).await?;
        tx.commit().await?;
        self.jobs_queued();
        Ok(added)
    }

    /// Takes up to `limit` due jobs for `owner` until `lease_until`. Safe with several nodes on PostgreSQL.
    pub async fn claim_jobs(&self, owner: &str, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<Job>> {
        let sql = match self.backend {
            Backend::Postgres => CLAIM_POSTGRES,
            Backend::Sqlite => CLAIM_SQLITE,
        };
        let mut tx = self.writes.relaxed_statement().await?;
        let rows = sqlx::query_as::<_, JobRow>(sql)
            .bind(owner)
            .bind(to_ms(lease_until))
            .bind(self.now_ms())
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        rows.into_iter().map(Job::try_from).collect()
    }

    /// Marks jobs done where `owner` still holds their lease; returns how many. Fewer than asked means some leases
    /// were lost (another node re-ran those jobs).
    pub async fn complete_jobs(&self, ids: &[JobId], owner: &str) -> Result<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "UPDATE jobs SET status = 'done', lease_owner = NULL, lease_until = NULL, updated_at = $2 \
             WHERE lease_owner = $1 AND status = 'running' AND id IN ({})",
            list.join(", ")
        );
        // Only numbered placeholders are formatted in.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner).bind(self.now_ms());
        for id in ids {
            query = query.bind(id);
        }
        let mut tx = self.writes.relaxed_statement().await?;
        let done = query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(done)
    }

    /// Records a failure: back in the queue at `retry_at`, or dead (with the reason) when `retry_at` is None.
    pub async fn fail_job(&self, id: JobId, owner: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<bool> {
        let error: String = error.chars().take(2000).collect();
        let done = sqlx::query(
            "UPDATE jobs SET status = $4, run_at = COALESCE($5, run_at), last_error = $3, lease_owner = NULL, \
             lease_until = NULL, interrupted_at = NULL, updated_at = $6 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(owner)
        .bind(error)
        .bind(if retry_at.is_some() { "queued" } else { "dead" })
        .bind(retry_at.map(to_ms))
        .bind(self.now_ms())
        .execute(&self.relaxed)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Puts a job back without spending an attempt: it was not tried (e.g. paced by a rate limit).
    pub async fn defer_job(&self, id: JobId, owner: &str, run_at: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $3, attempts = attempts - 1, lease_owner = NULL, \
             lease_until = NULL, updated_at = $4 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(owner)
        .bind(to_ms(run_at))
        .bind(self.now_ms())
        .execute(&self.relaxed)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Returns jobs whose lease expired (their worker died) to the queue, or to `dead` when out of attempts.
    pub async fn reap_expired_leases(&self) -> Result<u64> {
        let now = self.now_ms();
        let done = sqlx::query(
            "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, \
             last_error = COALESCE(last_error, 'lease expired: the worker stopped'), interrupted_at = $1, \
             lease_owner = NULL, lease_until = NULL, updated_at = $1 \
             WHERE status = 'running' AND lease_until < $1",
        )
        .bind(now)
        .execute(&self.relaxed)
        .await?;
        Ok(done.rows_affected())
    }

    /// When the next queued job is due, so an idle worker knows how long it may sleep.
    pub async fn next_job_at(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> =
            sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE status = 'queued'").fetch_one(&self.read).await?;
        Ok(at.map(from_ms))
    }

    /// Jobs that are dead or have failed at least once, newest first, for operators.
    pub async fn troubled_jobs(&self, account: Option<AccountId>, limit: i64) -> Result<Vec<JobSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, status, attempts, last_error, run_at FROM jobs \
             WHERE (status = 'dead' OR (status = 'queued' AND last_error IS NOT NULL)) \
             AND ($1 IS NULL OR account_id = $1) ORDER BY updated_at DESC LIMIT $2",
        )
        .bind(account.map(|a| a.to_string()))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        use sqlx::Row;
        rows.iter()
            .map(|r| {
                Ok(JobSummary {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    attempts: r.try_get("attempts")?,
                    last_error: r.try_get("last_error")?,
                    run_at: from_ms(r.try_get("run_at")?),
                })
            })
            .collect()
    }
}

impl Store {
    /// Deletes what has outlived its use: idle sessions, sign-in counts left alone for a day, spent reset links,
    /// expired sign-ups, finished jobs. Returns the number of rows removed.
    pub async fn prune(&self, session_idle: chrono::TimeDelta) -> Result<u64> {
        let now = self.clock.now();
        let mut removed = 0;
        let statements: [(&str, DateTime<Utc>); 5] = [
            ("DELETE FROM sessions WHERE last_seen_at < $1", now - session_idle),
            ("DELETE FROM login_attempts WHERE blocked_until < $1", now - chrono::TimeDelta::days(1)),
            ("DELETE FROM password_resets WHERE expires_at < $1", now),
            ("DELETE FROM signup_requests WHERE expires_at < $1", now),
            ("DELETE FROM jobs WHERE status = 'done' AND updated_at < $1", now - chrono::TimeDelta::days(7)),
        ];
        for (sql, before) in statements {
            removed += sqlx::query(sql).bind(to_ms(before)).execute(&self.write).await?.rows_affected();
        }
        Ok(removed)
    }
}

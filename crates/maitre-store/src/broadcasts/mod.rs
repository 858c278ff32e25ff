//! Broadcasts: what staff write (name, segment, text, WhatsApp template, pace) and the states it goes through. A
//! start copies the segment's guests into `broadcast_recipients` (recipients.rs), whose guarded updates make sure
//! each guest gets one message per broadcast; the pacing job (`BroadcastSendJob`) takes them in rounds.
use chrono::{DateTime, Utc};
use maitre_domain::broadcasts::{BroadcastStatus, Command};
use maitre_domain::jobs::{BroadcastSendJob, BroadcastStartJob};
use maitre_domain::segments::SegmentRules;
use maitre_domain::{BroadcastId, ContactId, SegmentId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_ms, to_ms};
use crate::decode::word;
use crate::jobs::enqueue_in;
use crate::tenant::TenantStore;
use crate::{NewJob, Result, StoreError};

mod recipients;

pub use recipients::{Outcome, Pending, Progress, RecipientRow};

/// The conflict of a command the broadcast's state does not allow (or a change after it started).
pub const SETTLED: &str = "broadcast_settled";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    pub id: BroadcastId,
    pub name: String,
    /// The segment it goes to (None once that segment was deleted: `rules` keep what it was).
    pub segment_id: Option<SegmentId>,
    pub segment_name: Option<String>,
    /// The segment's rules when it started (or when it was last saved, before).
    pub rules: SegmentRules,
    pub body: String,
    /// The WhatsApp template for guests outside the window (`wa_templates.id`).
    pub template_id: Option<String>,
    pub status: BroadcastStatus,
    pub send_at: Option<DateTime<Utc>>,
    /// Messages a second; 0: unpaced.
    pub rate: u32,
    pub epoch: i64,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// What staff write; checked by the caller.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    pub name: &'a str,
    pub segment_id: SegmentId,
    pub body: &'a str,
    pub template_id: Option<&'a str>,
    pub rate: u32,
}

const SELECT: &str = "SELECT b.id, b.name, b.segment_id, s.name AS segment_name, b.rules, b.body, b.template_id, \
     b.status, b.send_at, b.rate, b.epoch, b.created_by, b.created_at, b.started_at, b.finished_at \
     FROM broadcasts b LEFT JOIN segments s ON s.account_id = b.account_id AND s.id = b.segment_id";

fn from_row(r: &AnyRow) -> Result<Broadcast> {
    let rules: String = r.try_get("rules")?;
    let segment: Option<String> = r.try_get("segment_id")?;
    let by: Option<String> = r.try_get("created_by")?;
    let ms = |c: &str| r.try_get::<Option<i64>, _>(c).map(|t| t.map(from_ms));
    Ok(Broadcast {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        segment_id: segment.map(|s| s.parse()).transpose().map_err(StoreError::corrupt)?,
        segment_name: r.try_get("segment_name")?,
        rules: serde_json::from_str(&rules).map_err(StoreError::corrupt)?,
        body: r.try_get("body")?,
        template_id: r.try_get("template_id")?,
        status: word(r, "status")?,
        send_at: ms("send_at")?,
        rate: u32::try_from(r.try_get::<i64, _>("rate")?).map_err(StoreError::corrupt)?,
        epoch: r.try_get("epoch")?,
        created_by: by.map(|u| u.parse()).transpose().map_err(StoreError::corrupt)?,
        created_at: from_ms(r.try_get("created_at")?),
        started_at: ms("started_at")?,
        finished_at: ms("finished_at")?,
    })
}

fn settled() -> StoreError {
    StoreError::Conflict { constraint: SETTLED.into() }
}

/// The pacing job of round `round` of run `epoch`, reading on after contact `after`.
pub(crate) fn round_job(
    account: maitre_domain::AccountId,
    id: BroadcastId,
    (epoch, round): (i64, i64),
    after: Option<ContactId>,
) -> (NewJob<'static>, String) {
    let key = format!("broadcast_send:{id}:{epoch}:{round}");
    (NewJob::new(Some(account), &BroadcastSendJob { broadcast: id, epoch, round, after }).bulk(), key)
}

/// Handed out by `TenantStore::broadcasts`: every query is the business's own.
pub struct Broadcasts<'t> {
    tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn broadcasts(&self) -> Broadcasts<'_> {
        Broadcasts { tenant: self }
    }
}

impl Broadcasts<'_> {
    fn account(&self) -> String {
        self.tenant.account_id().to_string()
    }

    /// The business's broadcasts, newest first (at most `limit`).
    pub async fn list(&self, limit: i64) -> Result<Vec<Broadcast>> {
        let sql = format!("{SELECT} WHERE b.account_id = $1 ORDER BY b.created_at DESC, b.id DESC LIMIT $2");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.account())
            .bind(limit)
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn get(&self, id: BroadcastId) -> Result<Broadcast> {
        let mut conn = self.tenant.store().read.acquire().await?;
        self.fetch(&mut conn, id).await
    }

    async fn fetch(&self, conn: &mut sqlx::AnyConnection, id: BroadcastId) -> Result<Broadcast> {
        let sql = format!("{SELECT} WHERE b.account_id = $1 AND b.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.account()).bind(id).fetch_one(&mut *conn).await?;
        from_row(&row)
    }

    /// A new draft; the segment must be this business's (NotFound otherwise).
    pub async fn create(&self, draft: &Draft<'_>, by: Option<UserId>) -> Result<Broadcast> {
        let rules = self.tenant.segments().get(draft.segment_id).await?.rules;
        let (id, now) = (BroadcastId::new(), self.tenant.store().now_ms());
        sqlx::query(
            "INSERT INTO broadcasts (account_id, id, name, segment_id, rules, body, template_id, status, rate, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10, $10)",
        )
        .bind(self.account())
        .bind(id)
        .bind(draft.name)
        .bind(draft.segment_id)
        .bind(serde_json::to_string(&rules).map_err(StoreError::corrupt)?)
        .bind(draft.body)
        .bind(draft.template_id)
        .bind(i64::from(draft.rate))
        .bind(by.map(|u| u.to_string()))
        .bind(now)
        .execute(&self.tenant.store().write)
        .await?;
        self.get(id).await
    }

    /// Changes a broadcast that has not started (a scheduled one keeps its time).
    pub async fn update(&self, id: BroadcastId, draft: &Draft<'_>) -> Result<Broadcast> {
        let rules = self.tenant.segments().get(draft.segment_id).await?.rules;
        let done = sqlx::query(
            "UPDATE broadcasts SET name = $3, segment_id = $4, rules = $5, body = $6, template_id = $7, rate = $8, \
             updated_at = $9 WHERE account_id = $1 AND id = $2 AND status IN ('draft', 'scheduled')",
        )
        .bind(self.account())
        .bind(id)
        .bind(draft.name)
        .bind(draft.segment_id)
        .bind(serde_json::to_string(&rules).map_err(StoreError::corrupt)?)
        .bind(draft.body)
        .bind(draft.template_id)
        .bind(i64::from(draft.rate))
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 {
            self.get(id).await?;
            return Err(settled());
        }
        self.get(id).await
    }

    /// Deletes a broadcast that is not going out (draft, scheduled, done or cancelled) with its recipients.
    pub async fn delete(&self, id: BroadcastId) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM broadcasts WHERE account_id = $1 AND id = $2 AND status NOT IN ('sending', 'paused')",
        )
        .bind(self.account())
        .bind(id)
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 {
            self.get(id).await?;
            return Err(settled());
        }
        Ok(())
    }

    /// Staff's command (send now, pause, resume, cancel): the state changes only as the domain allows, guarded by
    /// the state it was read in. Sending starts the run (recipients copied, first round queued) in the same
    /// transaction; a resume starts a new run; a cancel leaves the guests not reached unmessaged.
    pub async fn command(&self, id: BroadcastId, command: Command) -> Result<Broadcast> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let b = self.fetch(&mut tx, id).await?;
        let next = b.status.after(command).filter(|_| command != Command::Schedule).ok_or_else(settled)?;
        let moved = sqlx::query(
            "UPDATE broadcasts SET status = $4, updated_at = $5, epoch = epoch + $6, \
             finished_at = CASE WHEN $4 = 'cancelled' THEN $5 ELSE finished_at END \
             WHERE account_id = $1 AND id = $2 AND status = $3",
        )
        .bind(self.account())
        .bind(id)
        .bind(b.status.as_str())
        .bind(next.as_str())
        .bind(now)
        .bind(i64::from(next == BroadcastStatus::Sending))
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(settled());
        }
        match command {
            Command::Send => self.start_in(&mut tx, &b, now).await?,
            Command::Resume => {
                let (job, key) = round_job(self.tenant.account_id(), id, (b.epoch + 1, 0), None);
                enqueue_in(&mut tx, now, &job.dedupe(&key)).await?;
            }
            Command::Cancel => {
                sqlx::query(
                    "UPDATE broadcast_recipients SET status = 'cancelled', updated_at = $3 \
                     WHERE account_id = $1 AND broadcast_id = $2 AND status = 'pending'",
                )
                .bind(self.account())
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            Command::Pause | Command::Schedule => {}
        }
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        self.get(id).await
    }

    /// Schedules a broadcast that has not started to start at `send_at` (checked by the caller); a new time
    /// replaces the old one (the old time's job finds the time changed and does nothing).
    pub async fn schedule(&self, id: BroadcastId, send_at: DateTime<Utc>) -> Result<Broadcast> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let moved = sqlx::query(
            "UPDATE broadcasts SET status = 'scheduled', send_at = $3, updated_at = $4 \
             WHERE account_id = $1 AND id = $2 AND status IN ('draft', 'scheduled')",
        )
        .bind(self.account())
        .bind(id)
        .bind(to_ms(send_at))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            self.fetch(&mut tx, id).await?;
            return Err(settled());
        }
        let key = format!("broadcast_start:{id}:{}", to_ms(send_at));
        let job = NewJob::new(Some(self.tenant.account_id()), &BroadcastStartJob { broadcast: id, send_at }).bulk();
        enqueue_in(&mut tx, now, &job.dedupe(&key).at(send_at)).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        self.get(id).await
    }

    /// The due start of a scheduled broadcast: starts it only while it is still scheduled for `send_at`.
    /// Returns whether it started.
    pub async fn start_due(&self, id: BroadcastId, send_at: DateTime<Utc>) -> Result<bool> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let b = match self.fetch(&mut tx, id).await {
            Ok(b) => b,
            Err(StoreError::NotFound) => return Ok(false),
            Err(e) => return Err(e),
        };
        let moved = sqlx::query(
            "UPDATE broadcasts SET status = 'sending', epoch = epoch + 1, updated_at = $4 \
             WHERE account_id = $1 AND id = $2 AND status = 'scheduled' AND send_at = $3",
        )
        .bind(self.account())
        .bind(id)
        .bind(to_ms(send_at))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Ok(false);
        }
        self.start_in(&mut tx, &b, now).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(true)
    }
}

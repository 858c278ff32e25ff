//! Messages staff scheduled to send later. Each waiting one has a `scheduled_send` job queued for its time, keyed by
//! its id and that time: a new time replaces the job in the same transaction, cancelling removes it. When due, the
//! job queues the reply exactly as a member's reply (`Inbox::queue_by_hand_in`) and marks the message sent in one
//! transaction, guarded by status and time, so a re-run or a second node finds it sent and queues nothing.
use chrono::{DateTime, Utc};
use maitre_domain::jobs::ScheduledSendJob;
use maitre_domain::scheduled::ScheduledStatus;
use maitre_domain::{ConversationId, MessageId, ScheduledMessageId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::clock::{from_ms, to_ms};
use crate::decode::word;
use crate::inbox::actions::ByHand;
use crate::jobs::enqueue_in;
use crate::tenant::TenantStore;
use crate::{LiveEvent, NewJob, Result, StoreError};

/// The conflict of a change to a message that is sent, cancelled or due already.
pub const SETTLED: &str = "scheduled_settled";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduledMessage {
    pub id: ScheduledMessageId,
    pub conversation_id: ConversationId,
    /// The member who wrote it (None: an API client).
    pub author_id: Option<UserId>,
    pub author: Option<String>,
    pub body: String,
    pub send_at: DateTime<Utc>,
    pub status: ScheduledStatus,
    /// The reply it became, once sent.
    pub message_id: Option<MessageId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT s.id, s.conversation_id, s.author_id, u.name AS author, s.body, s.send_at, s.status, \
     s.message_id, s.created_at, s.updated_at FROM scheduled_messages s LEFT JOIN users u ON u.id = s.author_id";

fn from_row(r: &AnyRow) -> Result<ScheduledMessage> {
    let author_id: Option<String> = r.try_get("author_id")?;
    let message_id: Option<String> = r.try_get("message_id")?;
    Ok(ScheduledMessage {
        id: r.try_get("id")?,
        conversation_id: r.try_get("conversation_id")?,
        author_id: author_id.map(|a| a.parse()).transpose().map_err(StoreError::corrupt)?,
        author: r.try_get("author")?,
        body: r.try_get("body")?,
        send_at: from_ms(r.try_get("send_at")?),
        status: word(r, "status")?,
        message_id: message_id.map(|m| m.parse()).transpose().map_err(StoreError::corrupt)?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

/// The key of the job that sends `id` at `send_at` (ms): a new time is a new job.
fn job_key(id: ScheduledMessageId, send_at: i64) -> String {
    format!("scheduled_send:{id}:{send_at}")
}

/// What a change writes over a scheduled message.
struct Written<'a> {
    body: &'a str,
    send_at: i64,
    status: ScheduledStatus,
}

fn settled() -> StoreError {
    StoreError::Conflict { constraint: SETTLED.into() }
}

/// Handed out by `TenantStore::scheduled`: every query is the business's own.
pub struct Scheduled<'t> {
    tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn scheduled(&self) -> Scheduled<'_> {
        Scheduled { tenant: self }
    }
}

impl Scheduled<'_> {
    fn account(&self) -> String {
        self.tenant.account_id().to_string()
    }

    /// A conversation's scheduled messages, whatever their status, by time to send.
    pub async fn list(&self, conversation_id: ConversationId) -> Result<Vec<ScheduledMessage>> {
        let sql = format!("{SELECT} WHERE s.account_id = $1 AND s.conversation_id = $2 ORDER BY s.send_at, s.id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.account())
            .bind(conversation_id)
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// One scheduled message; another account's is NotFound.
    pub async fn get(&self, id: ScheduledMessageId) -> Result<ScheduledMessage> {
        let mut conn = self.tenant.store().read.acquire().await?;
        self.fetch(&mut conn, id).await
    }

    async fn fetch(&self, conn: &mut sqlx::AnyConnection, id: ScheduledMessageId) -> Result<ScheduledMessage> {
        let sql = format!("{SELECT} WHERE s.account_id = $1 AND s.id = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(self.account()).bind(id).fetch_one(&mut *conn).await?;
        from_row(&row)
    }

    /// Schedules `body` (checked by the caller) in a conversation of this account, to go at `send_at`.
    pub async fn create(
        &self,
        conversation_id: ConversationId,
        author: Option<UserId>,
        body: &str,
        send_at: DateTime<Utc>,
    ) -> Result<ScheduledMessage> {
        let (id, now, at) = (ScheduledMessageId::new(), self.tenant.store().now_ms(), to_ms(send_at));
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query_scalar::<_, String>("SELECT id FROM conversations WHERE account_id = $1 AND id = $2")
            .bind(self.account())
            .bind(conversation_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO scheduled_messages (account_id, id, conversation_id, author_id, body, send_at, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $7)",
        )
        .bind(self.account())
        .bind(id)
        .bind(conversation_id)
        .bind(author.map(|a| a.to_string()))
        .bind(body)
        .bind(at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        self.enqueue(&mut tx, id, at, now).await?;
        let created = self.fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Changes the text, the time or both of a message still waiting (not due yet): a new time replaces its job.
    /// Sent, cancelled or due messages are Conflict [`SETTLED`].
    pub async fn update(
        &self,
        id: ScheduledMessageId,
        body: Option<&str>,
        send_at: Option<DateTime<Utc>>,
    ) -> Result<ScheduledMessage> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let old = self.waiting(&mut tx, id, now).await?;
        let (was, at) = (to_ms(old.send_at), send_at.map_or(to_ms(old.send_at), to_ms));
        let new = Written { body: body.unwrap_or(&old.body), send_at: at, status: ScheduledStatus::Scheduled };
        self.replace(&mut tx, id, was, &new, now).await?;
        if at != was {
            self.drop_job(&mut tx, id, was).await?;
            self.enqueue(&mut tx, id, at, now).await?;
        }
        let updated = self.fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Cancels a message still waiting, and its job. Sent, cancelled or due messages are Conflict [`SETTLED`].
    pub async fn cancel(&self, id: ScheduledMessageId) -> Result<ScheduledMessage> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let old = self.waiting(&mut tx, id, now).await?;
        let was = to_ms(old.send_at);
        let new = Written { body: &old.body, send_at: was, status: ScheduledStatus::Cancelled };
        self.replace(&mut tx, id, was, &new, now).await?;
        self.drop_job(&mut tx, id, was).await?;
        let cancelled = self.fetch(&mut tx, id).await?;
        tx.commit().await?;
        Ok(cancelled)
    }

    /// The due job's work: queues `text` (the stored body with its placeholders filled) as a reply by the author
    /// and marks `due` sent, in one transaction — only while it is still scheduled with the time and text `due`
    /// holds. Returns the reply's id, or None when there was nothing (left) to send.
    pub async fn send_due(&self, due: &ScheduledMessage, text: &str) -> Result<Option<MessageId>> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        // Marked first: on PostgreSQL a second node's run waits on this row and then finds it sent.
        let claimed = sqlx::query(
            "UPDATE scheduled_messages SET status = 'sent', updated_at = $5 WHERE account_id = $1 AND id = $2 \
             AND status = 'scheduled' AND send_at = $3 AND body = $4",
        )
        .bind(self.account())
        .bind(due.id)
        .bind(to_ms(due.send_at))
        .bind(&due.body)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        let key = format!("scheduled:{}", due.id);
        let conversation_id = due.conversation_id;
        let reply =
            ByHand { conversation_id, sent_by: due.author_id, body: text, payload: "", canned: None, key: &key };
        let message_id = self.tenant.inbox().queue_by_hand_in(&mut tx, &reply, now).await?;
        sqlx::query("UPDATE scheduled_messages SET message_id = $3 WHERE account_id = $1 AND id = $2")
            .bind(self.account())
            .bind(due.id)
            .bind(message_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        self.tenant.publish(LiveEvent::MessageAdded { conversation_id, message_id }).await;
        Ok(Some(message_id))
    }

    /// The message `id` if it may still change: scheduled and not due at `now`.
    async fn waiting(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: ScheduledMessageId,
        now: i64,
    ) -> Result<ScheduledMessage> {
        let m = self.fetch(tx, id).await?;
        if m.status != ScheduledStatus::Scheduled || to_ms(m.send_at) <= now {
            return Err(settled());
        }
        Ok(m)
    }

    /// Writes `new` over a message still scheduled for `was`; Conflict [`SETTLED`] when it is not (any more): the
    /// due job may have marked it sent since it was read (PostgreSQL, another node).
    async fn replace(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: ScheduledMessageId,
        was: i64,
        new: &Written<'_>,
        now: i64,
    ) -> Result<()> {
        let changed = sqlx::query(
            "UPDATE scheduled_messages SET body = $4, send_at = $5, status = $6, updated_at = $7 \
             WHERE account_id = $1 AND id = $2 AND status = 'scheduled' AND send_at = $3",
        )
        .bind(self.account())
        .bind(id)
        .bind(was)
        .bind(new.body)
        .bind(new.send_at)
        .bind(new.status.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(settled());
        }
        Ok(())
    }

    async fn enqueue(&self, tx: &mut sqlx::AnyConnection, id: ScheduledMessageId, at: i64, now: i64) -> Result<()> {
        let payload = ScheduledSendJob { scheduled: id, send_at: from_ms(at) };
        let key = job_key(id, at);
        let job = NewJob::new(Some(self.tenant.account_id()), &payload).dedupe(&key).at(from_ms(at));
        // Taken only by a job of this time still running (the message was due): the change must not go through.
        if !enqueue_in(tx, now, &job).await? {
            return Err(settled());
        }
        Ok(())
    }

    async fn drop_job(&self, tx: &mut sqlx::AnyConnection, id: ScheduledMessageId, at: i64) -> Result<()> {
        sqlx::query("DELETE FROM jobs WHERE account_id = $1 AND dedupe_key = $2 AND status = 'queued'")
            .bind(self.account())
            .bind(job_key(id, at))
            .execute(&mut *tx)
            .await?;
        Ok(())
    }
}

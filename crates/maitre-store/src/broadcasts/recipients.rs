//! A broadcast's recipients: copied from its segment when it starts, then each taken care of once — its message
//! queued in the guest's conversation, or skipped with the reason — by guarded updates that only move a pending
//! recipient of a broadcast still sending. A crash, a retry or a second node finds the recipient taken and does
//! nothing; the message's own key (`broadcast:<id>:<contact>`) would refuse a second one as well.
use chrono::{DateTime, Utc};
use maitre_domain::broadcasts::Skip;
use maitre_domain::segments::SegmentRules;
use maitre_domain::{
    Author, BroadcastId, ChannelId, ChannelStatus, ContactId, ConversationId, MessageStatus, Outreach, Platform,
};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::{Broadcast, Broadcasts, round_job};
use crate::clock::from_ms;
use crate::conversations::outbound::{Reply, queue_reply_in};
use crate::decode::word;
use crate::jobs::enqueue_in;
use crate::segments::Condition;
use crate::{LiveEvent, Result, StoreError};

/// A pending recipient with what deciding how to reach them needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub contact_id: ContactId,
    pub name: String,
    pub channel_id: ChannelId,
    pub platform: Platform,
    pub channel_status: ChannelStatus,
    pub waba_id: Option<String>,
    /// An opt-in on record and none withdrawn since; `opted_out` also for an erased guest.
    pub opted_in: bool,
    pub opted_out: bool,
    pub conversation_id: Option<ConversationId>,
    pub last_inbound_at: Option<DateTime<Utc>>,
}

/// How far a broadcast got: recipients by where they stand, messages by what the platform said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    pub recipients: i64,
    pub pending: i64,
    pub cancelled: i64,
    pub skipped: Vec<(Skip, i64)>,
    /// Messages by status (queued: not sent yet).
    pub messages: Vec<(MessageStatus, i64)>,
    /// Guests who wrote back after their message.
    pub replied: i64,
    /// Guests who said no to messages after it.
    pub opted_out: i64,
}

impl Progress {
    pub fn message_count(&self, status: MessageStatus) -> i64 {
        self.messages.iter().filter(|(s, _)| *s == status).map(|(_, n)| n).sum()
    }

    pub fn skipped_count(&self) -> i64 {
        self.skipped.iter().map(|(_, n)| n).sum()
    }
}

/// What becomes of one pending recipient.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    /// Their message (`payload`: a template's, or '' for the text) in their conversation.
    Deliver {
        to: &'a Pending,
        conversation: ConversationId,
        body: String,
        payload: String,
    },
    Skip {
        contact: ContactId,
        reason: Skip,
    },
}

/// One recipient as the broadcast's page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    pub contact_id: ContactId,
    pub name: String,
    pub platform: Platform,
    /// pending, queued, skipped or cancelled.
    pub status: String,
    pub skip: Option<Skip>,
    pub message_status: Option<MessageStatus>,
    /// Why the platform refused the message.
    pub error: String,
}

/// What deciding how to reach contact `c` needs (`JOINS` brings its channel and conversation).
const FACTS: &str = "SELECT c.id AS contact_id, c.name, c.channel_id, h.platform, h.status AS channel_status, h.waba_id, \
     CASE WHEN c.opted_out_at IS NULL AND c.erased_at IS NULL AND EXISTS (SELECT 1 FROM contact_consents k \
         WHERE k.account_id = c.account_id AND k.contact_id = c.id AND k.state = 'opted_in') THEN 1 ELSE 0 END AS opted_in, \
     CASE WHEN c.opted_out_at IS NOT NULL OR c.erased_at IS NOT NULL THEN 1 ELSE 0 END AS opted_out, \
     v.id AS conversation_id, v.last_inbound_at";
const JOINS: &str = "JOIN channels h ON h.id = c.channel_id \
     LEFT JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id";

fn pending_from(r: &AnyRow) -> Result<Pending> {
    let conversation: Option<String> = r.try_get("conversation_id")?;
    Ok(Pending {
        contact_id: r.try_get("contact_id")?,
        name: r.try_get("name")?,
        channel_id: r.try_get("channel_id")?,
        platform: word(r, "platform")?,
        channel_status: word(r, "channel_status")?,
        waba_id: r.try_get("waba_id")?,
        opted_in: r.try_get::<i64, _>("opted_in")? == 1,
        opted_out: r.try_get::<i64, _>("opted_out")? == 1,
        conversation_id: conversation.map(|c| c.parse()).transpose().map_err(StoreError::corrupt)?,
        last_inbound_at: r.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
    })
}

impl Broadcasts<'_> {
    /// Copies the segment's guests (its rules now; those saved with the broadcast if it was deleted) and queues
    /// the run's first round, in the caller's transaction.
    pub(super) async fn start_in(&self, tx: &mut sqlx::AnyConnection, b: &Broadcast, now: i64) -> Result<()> {
        let rules = match b.segment_id {
            Some(segment) => self.tenant.segments().get(segment).await.map(|s| s.rules).unwrap_or(b.rules.clone()),
            None => b.rules.clone(),
        };
        sqlx::query("UPDATE broadcasts SET rules = $3, started_at = $4 WHERE account_id = $1 AND id = $2")
            .bind(self.account())
            .bind(b.id)
            .bind(serde_json::to_string(&rules).map_err(StoreError::corrupt)?)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let cond = Condition::of(&rules, now, 4);
        let sql = format!(
            "INSERT INTO broadcast_recipients (account_id, broadcast_id, contact_id, status, updated_at) \
             SELECT c.account_id, $2, c.id, 'pending', $3 FROM contacts c \
             WHERE c.account_id = $1 AND c.erased_at IS NULL AND {} \
             ON CONFLICT (account_id, broadcast_id, contact_id) DO NOTHING",
            cond.sql
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(self.account()).bind(b.id).bind(now);
        cond.bind(q).execute(&mut *tx).await?;
        let (job, key) = round_job(self.tenant.account_id(), b.id, (b.epoch + 1, 0), None);
        enqueue_in(tx, now, &job.dedupe(&key)).await?;
        Ok(())
    }

    /// Up to `limit` recipients still to take care of, by contact id after `after`.
    pub async fn pending(&self, id: BroadcastId, after: Option<ContactId>, limit: i64) -> Result<Vec<Pending>> {
        let sql = format!(
            "{FACTS} FROM broadcast_recipients r JOIN contacts c ON c.account_id = r.account_id AND c.id = r.contact_id \
             {JOINS} WHERE r.account_id = $1 AND r.broadcast_id = $2 AND r.status = 'pending' \
             AND ($4 IS NULL OR r.contact_id > $4) ORDER BY r.contact_id LIMIT $3"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(self.account())
            .bind(id)
            .bind(limit)
            .bind(after.map(|a| a.to_string()))
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(pending_from).collect()
    }

    /// The guests `rules` take in now (for a dry run), by contact id after `after`, `limit` at most.
    pub async fn audience(&self, rules: &SegmentRules, after: Option<ContactId>, limit: i64) -> Result<Vec<Pending>> {
        let cond = Condition::of(rules, self.tenant.store().now_ms(), 4);
        let sql = format!(
            "{FACTS} FROM contacts c {JOINS} WHERE c.account_id = $1 AND c.erased_at IS NULL \
             AND ($2 IS NULL OR c.id > $2) AND {} ORDER BY c.id LIMIT $3",
            cond.sql
        );
        let q = sqlx::query(AssertSqlSafe(sql)).bind(self.account()).bind(after.map(|a| a.to_string())).bind(limit);
        let rows = cond.bind(q).fetch_all(&self.tenant.store().read).await?;
        rows.iter().map(pending_from).collect()
    }

    /// The guarded move of a pending recipient of a broadcast still sending; true if this call made it.
    async fn take(
        &self,
        tx: &mut sqlx::AnyConnection,
        id: BroadcastId,
        contact: ContactId,
        to: (&str, &str),
        now: i64,
    ) -> Result<bool> {
        let moved = sqlx::query(
            "UPDATE broadcast_recipients SET status = $4, reason = $5, updated_at = $6 \
             WHERE account_id = $1 AND broadcast_id = $2 AND contact_id = $3 AND status = 'pending' \
             AND EXISTS (SELECT 1 FROM broadcasts b WHERE b.account_id = $1 AND b.id = $2 AND b.status = 'sending')",
        )
        .bind(self.account())
        .bind(id)
        .bind(contact)
        .bind(to.0)
        .bind(to.1)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Ok(moved.rows_affected() == 1)
    }

    /// Takes care of recipients in one transaction: each one's message queued in their conversation (or their
    /// skip recorded) together with marking them, only while they are pending and the broadcast is sending.
    /// Returns how many messages were queued. One commit for a round's worth: on PostgreSQL each commit waits for
    /// the disk, and on SQLite the writer is held for a few milliseconds only, as rounds come in chunks.
    pub async fn settle(&self, id: BroadcastId, outcomes: &[Outcome<'_>]) -> Result<usize> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let mut queued = Vec::new();
        for outcome in outcomes {
            match outcome {
                Outcome::Skip { contact, reason } => {
                    self.take(&mut tx, id, *contact, ("skipped", reason.as_str()), now).await?;
                }
                Outcome::Deliver { to, conversation, body, payload } => {
                    if !self.take(&mut tx, id, to.contact_id, ("queued", ""), now).await? {
                        continue;
                    }
                    let channel = to.channel_id.to_string();
                    let reply = Reply {
                        conversation_id: *conversation,
                        channel: &channel,
                        body,
                        payload,
                        sent_by: None,
                        author: Author::Notice,
                        purpose: Some(Outreach::Broadcast),
                    };
                    let key = format!("broadcast:{id}:{}", to.contact_id);
                    let batch = self.tenant.store().batch();
                    // None: its message exists already (nothing else uses the key), so the recipient is done.
                    let Some(message_id) =
                        queue_reply_in(&mut tx, batch, self.tenant.account_id(), &reply, &key, now).await?
                    else {
                        continue;
                    };
                    sqlx::query(
                        "UPDATE broadcast_recipients SET message_id = $4 WHERE account_id = $1 AND broadcast_id = $2 \
                         AND contact_id = $3",
                    )
                    .bind(self.account())
                    .bind(id)
                    .bind(to.contact_id)
                    .bind(message_id)
                    .execute(&mut *tx)
                    .await?;
                    queued.push((*conversation, message_id));
                }
            }
        }
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        for (conversation_id, message_id) in &queued {
            self.tenant
                .publish(LiveEvent::MessageAdded { conversation_id: *conversation_id, message_id: *message_id })
                .await;
        }
        Ok(queued.len())
    }

    /// The round after `round` of run `epoch`, at `at`, reading on after contact `after`.
    pub async fn next_round(
        &self,
        id: BroadcastId,
        (epoch, round): (i64, i64),
        after: Option<ContactId>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let (job, key) = round_job(self.tenant.account_id(), id, (epoch, round + 1), after);
        enqueue_in(&mut tx, now, &job.dedupe(&key).at(at)).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(())
    }

    /// Marks a sending broadcast done once no recipient is pending; true if this call did.
    pub async fn finish(&self, id: BroadcastId) -> Result<bool> {
        let now = self.tenant.store().now_ms();
        let done = sqlx::query(
            "UPDATE broadcasts SET status = 'done', finished_at = $3, updated_at = $3 \
             WHERE account_id = $1 AND id = $2 AND status = 'sending' AND NOT EXISTS (SELECT 1 \
             FROM broadcast_recipients r WHERE r.account_id = $1 AND r.broadcast_id = $2 AND r.status = 'pending')",
        )
        .bind(self.account())
        .bind(id)
        .bind(now)
        .execute(&self.tenant.store().write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Where the broadcast's recipients stand, and how many wrote back or said no since their message.
    pub async fn progress(&self, id: BroadcastId) -> Result<Progress> {
        let rows = sqlx::query(
            "SELECT r.status, r.reason, m.status AS message_status, COUNT(*) AS n FROM broadcast_recipients r \
             LEFT JOIN messages m ON m.account_id = r.account_id AND m.id = r.message_id \
             WHERE r.account_id = $1 AND r.broadcast_id = $2 GROUP BY r.status, r.reason, m.status",
        )
        .bind(self.account())
        .bind(id)
        .fetch_all(&self.tenant.store().read)
        .await?;
        let mut p = Progress::default();
        for r in &rows {
            let n: i64 = r.try_get("n")?;
            p.recipients += n;
            let status: String = r.try_get("status")?;
            match status.as_str() {
                "pending" => p.pending += n,
                "cancelled" => p.cancelled += n,
                "skipped" => p.skipped.push((word(r, "reason")?, n)),
                _ => match r.try_get::<Option<String>, _>("message_status")? {
                    Some(s) => p.messages.push((s.parse().map_err(StoreError::corrupt)?, n)),
                    None => p.messages.push((MessageStatus::Queued, n)),
                },
            }
        }
        p.skipped.sort();
        p.messages.sort();
        let after = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM messages g WHERE g.account_id = m.account_id \
             AND g.conversation_id = m.conversation_id AND g.direction = 'in' AND g.created_at > m.created_at) \
             THEN 1 ELSE 0 END), 0) AS replied, \
             COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM contact_consents k WHERE k.account_id = r.account_id \
             AND k.contact_id = r.contact_id AND k.state = 'opted_out' AND k.at > m.created_at) \
             THEN 1 ELSE 0 END), 0) AS opted_out \
             FROM broadcast_recipients r JOIN messages m ON m.account_id = r.account_id AND m.id = r.message_id \
             WHERE r.account_id = $1 AND r.broadcast_id = $2",
        )
        .bind(self.account())
        .bind(id)
        .fetch_one(&self.tenant.store().read)
        .await?;
        p.replied = after.try_get("replied")?;
        p.opted_out = after.try_get("opted_out")?;
        Ok(p)
    }

    /// Recipients in a stable order (by contact id), `limit` at most, after `after` (a contact id) when given.
    pub async fn recipients(&self, id: BroadcastId, after: Option<ContactId>, limit: i64) -> Result<Vec<RecipientRow>> {
        let rows = sqlx::query(
            "SELECT r.contact_id, c.name, h.platform, r.status, r.reason, m.status AS message_status, \
             COALESCE(m.error, '') AS error FROM broadcast_recipients r \
             JOIN contacts c ON c.account_id = r.account_id AND c.id = r.contact_id \
             JOIN channels h ON h.id = c.channel_id \
             LEFT JOIN messages m ON m.account_id = r.account_id AND m.id = r.message_id \
             WHERE r.account_id = $1 AND r.broadcast_id = $2 AND ($3 IS NULL OR r.contact_id > $3) \
             ORDER BY r.contact_id LIMIT $4",
        )
        .bind(self.account())
        .bind(id)
        .bind(after.map(|a| a.to_string()))
        .bind(limit)
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter()
            .map(|r| {
                let reason: String = r.try_get("reason")?;
                let message: Option<String> = r.try_get("message_status")?;
                Ok(RecipientRow {
                    contact_id: r.try_get("contact_id")?,
                    name: r.try_get("name")?,
                    platform: word(r, "platform")?,
                    status: r.try_get("status")?,
                    skip: (!reason.is_empty()).then(|| reason.parse()).transpose().map_err(StoreError::corrupt)?,
                    message_status: message.map(|s| s.parse()).transpose().map_err(StoreError::corrupt)?,
                    error: r.try_get("error")?,
                })
            })
            .collect()
    }
}

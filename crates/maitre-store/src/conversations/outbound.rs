//! Replies on their way out: queued with their send job, then marked sent (with the platform's id), failed, or
//! moved on by the platform's delivery statuses, which only ever advance.
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_domain::jobs::SendJob;
use maitre_domain::{Author, ChannelId, ConversationId, MessageId, MessageStatus, Outreach};
use sqlx::Row;

use super::Conversations;
use super::add_mark_processed;
use crate::batch::{Batch, Done};
use crate::clock::from_ms;
use crate::decode::word;
use crate::jobs::{NewJob, add_job, guarded_insert};
use crate::notifications::{Notified, notify_undelivered_in};
use crate::{LiveEvent, Result, StoreError};

/// A message as the send job needs it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: MessageId,
    pub channel_id: ChannelId,
    pub conversation_id: ConversationId,
    pub recipient: String,
    pub body: String,
    pub payload: String,
    pub status: MessageStatus,
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// The member who wrote it by hand; `None` for automation. Decides which messaging-window rules apply.
    pub sent_by: Option<String>,
}

/// Message statuses only move forward; `failed` replaces only not-yet-delivered states.
const STATUS_RANK: &str = "CASE status WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 \
     WHEN 'read' THEN 3 WHEN 'failed' THEN 4 ELSE 5 END";

fn rank(status: &str) -> i64 {
    match status {
        "queued" => 0,
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        "failed" => 2, // a failure after delivery or read is stale news
        _ => 0,
    }
}

impl Conversations<'_> {
    /// A conversation's channel and when the guest last wrote (for the messaging-window rule).
    pub async fn conversation_channel(
        &self,
        conversation_id: ConversationId,
    ) -> Result<(ChannelId, Option<DateTime<Utc>>)> {
        let (channel, last): (String, Option<i64>) =
            sqlx::query_as("SELECT channel_id, last_inbound_at FROM conversations WHERE account_id = $1 AND id = $2")
                .bind(self.tenant.account_id().to_string())
                .bind(conversation_id)
                .fetch_one(&self.tenant.store().read)
                .await?;
        Ok((channel.parse().map_err(StoreError::corrupt)?, last.map(from_ms)))
    }

    /// Queues a notice (`purpose`) in a conversation once per `key`: `payload` is the send job's message (empty:
    /// `text` alone).
    pub async fn queue_notice(
        &self,
        conversation_id: ConversationId,
        (text, payload): (&str, &str),
        purpose: Outreach,
        key: &str,
    ) -> Result<bool> {
        let (channel, _) = self.conversation_channel(conversation_id).await?;
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let channel = channel.to_string();
        let reply = Reply {
            conversation_id,
            channel: &channel,
            body: text,
            payload,
            sent_by: None,
            author: Author::Notice,
            purpose: Some(purpose),
        };
        let queued =
            queue_reply_in(&mut tx, self.tenant.store().batch(), self.tenant.account_id(), &reply, key, now).await?;
        tx.commit().await?;
        if let Some(message_id) = &queued {
            self.tenant.publish(LiveEvent::MessageAdded { conversation_id, message_id: *message_id }).await;
        }
        Ok(queued.is_some())
    }

    /// An outbound message with what sending it needs.
    pub async fn outgoing(&self, message_id: MessageId) -> Result<Outgoing> {
        let r = sqlx::query(
            "SELECT m.id, m.channel_id, m.conversation_id, c.external_id AS recipient, m.body, m.payload, m.status, \
             v.last_inbound_at, m.sent_by FROM messages m \
             JOIN conversations v ON v.account_id = m.account_id AND v.id = m.conversation_id \
             JOIN contacts c ON c.account_id = v.account_id AND c.id = v.contact_id \
             WHERE m.account_id = $1 AND m.id = $2 AND m.direction = 'out'",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(message_id)
        .fetch_one(&self.tenant.store().read)
        .await?;
        Ok(Outgoing {
            id: r.try_get("id")?,
            channel_id: r.try_get::<String, _>("channel_id")?.parse().map_err(StoreError::corrupt)?,
            conversation_id: r.try_get("conversation_id")?,
            recipient: r.try_get("recipient")?,
            body: r.try_get("body")?,
            payload: r.try_get("payload")?,
            status: word(&r, "status")?,
            last_inbound_at: r.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
            sent_by: r.try_get("sent_by")?,
        })
    }

    /// The platform accepted the message: record its id. Only a queued message becomes sent. If the platform's
    /// echo of this very message was processed first, it created a row with the same platform id: that row is
    /// the same message, so it gives way (a status it collected is kept when further along).
    pub async fn mark_sent(&self, message_id: MessageId, platform_message_id: &str) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        // Usually no echo came first: one statement does it. Its platform id taken by an echo fails this one alone.
        let mut tx = self.tenant.store().writes.statement().await?;
        match mark_sent_in(&mut tx, &account, message_id, platform_message_id, "sent", now).await {
            Ok(changed) => {
                tx.commit().await?;
                self.publish_status(changed, message_id, "sent").await;
                return Ok(());
            }
            Err(StoreError::Conflict { .. }) => drop(tx),
            Err(e) => return Err(e),
        }
        let mut tx = self.tenant.store().writes.begin().await?;
        // Only the platform's echo of this very send gives way: a row recorded from an echo, in the same
        // conversation, with the same text, while this send has no platform id of its own yet.
        let echo: Option<String> = sqlx::query_scalar(
            "DELETE FROM messages WHERE account_id = $1 AND platform_message_id = $2 AND echo = 1 AND id <> $3 \
             AND conversation_id = (SELECT conversation_id FROM messages WHERE account_id = $1 AND id = $3 \
                 AND status = 'queued' AND platform_message_id IS NULL) \
             AND body = (SELECT body FROM messages WHERE account_id = $1 AND id = $3) \
             RETURNING status",
        )
        .bind(&account)
        .bind(platform_message_id)
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        let changed = match echo {
            Some(echo_status) => {
                // The echo may already have been delivered or read; the send keeps that progress.
                let status = match echo_status.as_str() {
                    "delivered" => "delivered",
                    "read" => "read",
                    _ => "sent",
                };
                let changed = mark_sent_in(&mut tx, &account, message_id, platform_message_id, status, now).await?;
                changed.map(|c| (c, status))
            }
            None => {
                // Another message holds the id: keep both, this one sent without the id, and say so.
                self.tenant.store().note_platform_id_collision();
                tracing::warn!(
                    message = %message_id,
                    platform_message_id,
                    "a sent message came back with a platform id another message holds; both kept"
                );
                mark_sent_without_id(&mut tx, &account, message_id, now).await?.map(|c| (c, "sent"))
            }
        };
        tx.commit().await?;
        if let Some((conversation, status)) = changed {
            self.publish_status(Some(conversation), message_id, status).await;
        }
        Ok(())
    }

    pub async fn mark_failed(&self, message_id: MessageId, reason: &str) -> Result<()> {
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let changed: Option<ConversationId> = sqlx::query_scalar(
            "UPDATE messages SET status = 'failed', error = $3, updated_at = $4 \
             WHERE account_id = $1 AND id = $2 AND status = 'queued' RETURNING conversation_id",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(message_id)
        .bind(reason.chars().take(500).collect::<String>())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let notified = match changed {
            Some(_) => notify_undelivered_in(&mut tx, self.tenant.account_id(), message_id, now).await?,
            None => Notified::none(),
        };
        tx.commit().await?;
        self.publish_status(changed, message_id, "failed").await;
        notified.publish(self.tenant).await;
        Ok(())
    }

    /// A send is being retried: once it has waited longer than `after` since it was queued, the team hears of it
    /// (once), while the send goes on trying.
    pub async fn note_late_send(&self, message_id: MessageId, after: chrono::TimeDelta) -> Result<()> {
        let now = self.tenant.store().now_ms();
        // Read first: most retries are not late, and they need no writer (a platform outage retries many sends).
        let late: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM messages WHERE account_id = $1 AND id = $2 AND status = 'queued' AND created_at <= $3",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(message_id)
        .bind(now - after.num_milliseconds())
        .fetch_optional(&self.tenant.store().read)
        .await?;
        if late.is_none() {
            return Ok(());
        }
        let mut tx = self.tenant.store().writes.begin().await?;
        // Told once per message: the notification checks that in this transaction.
        let notified = notify_undelivered_in(&mut tx, self.tenant.account_id(), message_id, now).await?;
        tx.commit().await?;
        notified.publish(self.tenant).await;
        Ok(())
    }

    /// Tells open views that a message's status changed (`conversation` is None when nothing changed).
    async fn publish_status(&self, conversation: Option<ConversationId>, message_id: MessageId, status: &str) {
        if let Some(conversation_id) = conversation {
            self.tenant
                .publish(LiveEvent::MessageStatus { conversation_id, message_id, status: status.to_owned() })
                .await;
        }
    }

    /// A delivery status from the platform. Out-of-order statuses never move a message backwards.
    pub async fn apply_status(
        &self,
        event_id: &str,
        channel: ChannelId,
        platform_message_id: &str,
        status: &str,
        error: &str,
        reference: Option<MessageId>,
    ) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut b = self.tenant.store().batch();
        if let Some(message) = reference {
            // The status names our message (WhatsApp's `biz_opaque_callback_data`): a send still without the
            // platform's id — its answer lost to a crash, or not yet recorded — takes it here, and its send job
            // then finds it sent instead of sending it again.
            b.add(
                "UPDATE messages SET status = 'sent', platform_message_id = $3, updated_at = $5 \
                 WHERE account_id = $1 AND channel_id = $2 AND id = $4 AND direction = 'out' \
                 AND status = 'queued' AND platform_message_id IS NULL AND NOT EXISTS \
                 (SELECT 1 FROM messages o WHERE o.channel_id = $2 AND o.platform_message_id = $3) \
                 RETURNING id, conversation_id",
            )
            .bind(&account)
            .bind(channel.to_string())
            .bind(platform_message_id)
            .bind(message)
            .bind(now);
        }
        let update = b.len();
        let q = format!(
            "UPDATE messages SET status = $4, error = $5, updated_at = $6 \
             WHERE account_id = $1 AND channel_id = $2 AND platform_message_id = $3 AND {STATUS_RANK} < $7 \
             RETURNING id, conversation_id"
        );
        b.add(&q)
            .bind(&account)
            .bind(channel.to_string())
            .bind(platform_message_id)
            .bind(status)
            .bind(error)
            .bind(now)
            .bind(rank(status));
        add_mark_processed(&mut b, &account, event_id, now);
        let (tx, done) = self.tenant.store().writes.begin_relaxed_with(b).await?;
        tx.commit().await?;
        // The status it has now: the platform's, or `sent` when only the reference recorded the send.
        let changed = done[update].rows.first().map(|r| (r, status));
        if let Some((r, status)) = changed.or_else(|| done[0].rows.first().filter(|_| update > 0).map(|r| (r, "sent")))
        {
            let (message, conversation) = (r.try_get("id")?, r.try_get("conversation_id")?);
            self.publish_status(Some(conversation), message, status).await;
        }
        Ok(())
    }
}

/// A text reply to queue.
pub(crate) struct Reply<'a> {
    pub conversation_id: ConversationId,
    pub channel: &'a str,
    pub body: &'a str,
    /// The serialized rich message (quick replies, lists); '' for plain text.
    pub payload: &'a str,
    /// The member who wrote it; `None` for automation.
    pub sent_by: Option<&'a str>,
    pub author: Author,
    /// Why it is sent when not as part of the conversation (the analytics count what becomes of it); a
    /// broadcast's send yields to conversations' (`NewJob::bulk`).
    pub purpose: Option<Outreach>,
}

/// Queues a reply in a conversation, inside the caller's transaction: the message row (status `queued`) and its
/// send job, keyed by `dedupe_key` so that a re-run of whatever caused the reply queues nothing twice. Returns
/// the new message's id, or None when the key was used already.
pub(crate) async fn queue_reply_in(
    tx: &mut sqlx::AnyConnection,
    mut b: Batch,
    account: maitre_domain::AccountId,
    reply: &Reply<'_>,
    dedupe_key: &str,
    now: i64,
) -> Result<Option<MessageId>> {
    let queued = add_reply(&mut b, account, reply, dedupe_key, now);
    let done = b.run(tx).await?;
    Ok(queued.of(&done))
}

/// A reply added to a batch: its message exists if the statement at `insert` wrote a row.
pub(crate) struct AddedReply {
    id: MessageId,
    insert: usize,
}

impl AddedReply {
    /// The message's id if the reply was queued (its key unused before).
    pub(crate) fn of(self, done: &[Done]) -> Option<MessageId> {
        done.get(self.insert).is_some_and(|d| d.rows_affected == 1).then_some(self.id)
    }
}

/// Adds `queue_reply_in`'s statements to a batch: the send job, then the message only if the job is new.
pub(crate) fn add_reply(
    b: &mut Batch,
    account: maitre_domain::AccountId,
    reply: &Reply<'_>,
    dedupe_key: &str,
    now: i64,
) -> AddedReply {
    let (id, job) = (MessageId::new(), uuid::Uuid::now_v7().to_string());
    let account_text = account.to_string();
    let send = NewJob::new(Some(account), &SendJob { message: id }).dedupe(dedupe_key);
    let send = if reply.purpose == Some(Outreach::Broadcast) { send.bulk() } else { send };
    static INSERT: LazyLock<String> = LazyLock::new(|| guarded_insert("1 = 1"));
    add_job(b, &INSERT, now, &job, &send);
    b.add(
        "INSERT INTO messages (account_id, id, conversation_id, channel_id, direction, kind, body, payload, \
         status, created_at, updated_at, sent_by, author, purpose, reply_ms) \
         SELECT $1, $2, $3, $4, 'out', 'text', $5, $6, 'queued', $7, $7, $8, $10, $11, CASE WHEN $10 IN ('bot', 'member') \
         THEN (SELECT $7 - v.turn_since FROM conversations v WHERE v.account_id = $1 AND v.id = $3) END \
         WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $9)",
    )
    .bind(&account_text)
    .bind(id)
    .bind(reply.conversation_id)
    .bind(reply.channel)
    .bind(reply.body)
    .bind(reply.payload)
    .bind(now)
    .bind(reply.sent_by)
    .bind(&job)
    .bind(reply.author.as_str())
    .bind(reply.purpose.map_or("", Outreach::as_str));
    let added = AddedReply { id, insert: b.len() - 1 };
    if matches!(reply.author, Author::Bot | Author::Member) {
        super::add_turn(b, &account_text, id, None);
    }
    if let Some(member) = reply.sent_by {
        add_first_reply(b, &account_text, reply.conversation_id, FirstReply::Member(member), now);
    }
    added
}

/// Whose first reply to note on a conversation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FirstReply<'a> {
    /// The member (user id) who wrote it.
    Member(&'a str),
    Bot,
}

/// Notes the conversation's first reply by a member (and who) or a flow, once the guest has written: its first
/// response times (maitre-domain metrics.rs).
pub(crate) fn add_first_reply(
    b: &mut Batch,
    account: &str,
    conversation: ConversationId,
    who: FirstReply<'_>,
    now: i64,
) {
    match who {
        FirstReply::Member(member) => b
            .add(
                "UPDATE conversations SET first_member_reply_at = $3, first_member_reply_by = $4 WHERE account_id = $1 \
                 AND id = $2 AND first_member_reply_at IS NULL AND first_inbound_at IS NOT NULL",
            )
            .bind(account)
            .bind(conversation)
            .bind(now)
            .bind(member),
        FirstReply::Bot => b
            .add(
                "UPDATE conversations SET first_bot_reply_at = $3 WHERE account_id = $1 AND id = $2 \
                 AND first_bot_reply_at IS NULL AND first_inbound_at IS NOT NULL",
            )
            .bind(account)
            .bind(conversation)
            .bind(now),
    };
}

/// A queued message became `status` with the platform's id; returns its conversation when it changed.
async fn mark_sent_in(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    message_id: MessageId,
    platform_message_id: &str,
    status: &str,
    now: i64,
) -> Result<Option<ConversationId>> {
    Ok(sqlx::query_scalar(
        "UPDATE messages SET status = $4, platform_message_id = $3, updated_at = $5 \
         WHERE account_id = $1 AND id = $2 AND status = 'queued' RETURNING conversation_id",
    )
    .bind(account)
    .bind(message_id)
    .bind(platform_message_id)
    .bind(status)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?)
}

async fn mark_sent_without_id(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    message_id: MessageId,
    now: i64,
) -> Result<Option<ConversationId>> {
    Ok(sqlx::query_scalar(
        "UPDATE messages SET status = 'sent', updated_at = $3 \
         WHERE account_id = $1 AND id = $2 AND status = 'queued' RETURNING conversation_id",
    )
    .bind(account)
    .bind(message_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?)
}

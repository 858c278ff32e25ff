//! The normalized conversation model: contacts, conversations and messages, written idempotently by platform id
//! so that a re-run of a processing job changes nothing.
use chrono::{DateTime, Utc};
use maitre_domain::ChannelId;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::batch::{Batch, Done};
use crate::clock::{from_ms, to_ms};
use crate::flows::FLOW_STEP;
use crate::tenant::TenantStore;
use crate::{LiveEvent, Result, StoreError};

pub const SEND: &str = "send";

/// An inbound (or echoed) message to record.
pub struct IncomingMessage<'a> {
    pub event_id: &'a str,
    pub channel_id: ChannelId,
    pub contact_external_id: &'a str,
    pub contact_name: Option<&'a str>,
    /// `out` for echoes of messages the business sent (from maitre or from the platform's own app).
    pub direction: &'a str,
    pub kind: &'a str,
    pub body: &'a str,
    pub payload: &'a InboundPayload,
    pub platform_message_id: &'a str,
    pub at: DateTime<Utc>,
    /// When automation should read a new inbound message of a bot-mode conversation: a flow step is queued for
    /// then in the same transaction, so a crash can lose neither the message nor its answer. `None`: never.
    pub automate_at: Option<DateTime<Utc>>,
}

/// What a message from a platform carries besides its text, stored as the message's payload: JSON, or `''` when
/// there is nothing. (Messages maitre sends keep their rich message there instead.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundPayload {
    /// What flows route on: a button's payload, a command, a commented post's id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Media>,
    /// The story a guest replied to or mentioned the business in, or the post they commented on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<MediaRef>,
}

/// An attachment as the platform described it. The URL comes from the guest's side: show it only through
/// [`Media::http_url`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Media {
    /// image, audio, video, document, sticker, share …
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// A document's file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRef {
    /// story or post.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl InboundPayload {
    pub fn encode(&self) -> String {
        if *self == Self::default() { String::new() } else { serde_json::to_string(self).unwrap_or_default() }
    }

    /// Reads a stored payload. Migration 20261124000011 turned earlier plain values into JSON; a plain value
    /// written by an older node during a rolling upgrade is still read as the value it was.
    pub fn decode(stored: &str) -> Self {
        match stored {
            "" => Self::default(),
            s => serde_json::from_str(s).unwrap_or_else(|_| Self { value: s.to_owned(), ..Self::default() }),
        }
    }
}

impl Media {
    pub fn http_url(&self) -> Option<&str> {
        http_url(self.url.as_deref())
    }
}

impl MediaRef {
    pub fn http_url(&self) -> Option<&str> {
        http_url(self.url.as_deref())
    }
}

/// A URL that is safe to link to: http(s) only (no `javascript:`, `data:` …), without whitespace or controls.
fn http_url(url: Option<&str>) -> Option<&str> {
    let url = url?;
    let scheme = |s: &str| url.get(..s.len()).is_some_and(|p| p.eq_ignore_ascii_case(s));
    let web = scheme("https://") || scheme("http://");
    (web && !url.chars().any(|c| c.is_whitespace() || c.is_control())).then_some(url)
}

#[derive(Debug, PartialEq, Eq)]
pub struct Recorded {
    pub conversation_id: String,
    pub contact_id: String,
    /// The contact still has no display name (the platform sent none so far).
    pub contact_unnamed: bool,
    /// Set when the message was new (not a redelivery or a re-run).
    pub message_id: Option<String>,
    /// The conversation is in bot mode (automation may answer).
    pub bot_mode: bool,
}

/// A message as the send job needs it.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub channel_id: ChannelId,
    pub conversation_id: String,
    pub recipient: String,
    pub body: String,
    pub payload: String,
    pub status: String,
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

impl TenantStore {
    /// Records an event's message: contact, conversation and message upserted, the event marked processed — all
    /// in one transaction. A re-run finds the message already there and returns `message_id: None`.
    pub async fn record_message(&self, m: &IncomingMessage<'_>) -> Result<Recorded> {
        let account = self.account_id().to_string();
        let batch = record_batch(self.store().batch(), &account, m, self.store().now_ms());
        let (tx, done) = self.store().writes.begin_relaxed_with(batch).await?;
        let recorded = recorded(&done)?;
        tx.commit().await?;
        if let Some(id) = &recorded.message_id {
            let conversation_id = recorded.conversation_id.clone();
            self.publish(LiveEvent::MessageAdded { conversation_id, message_id: id.clone() }).await;
        }
        Ok(recorded)
    }

    /// Sets a contact's display name (fetched from the platform's profile API).
    pub async fn set_contact_name(&self, contact_id: &str, name: &str) -> Result<()> {
        sqlx::query("UPDATE contacts SET name = $3 WHERE account_id = $1 AND id = $2")
            .bind(self.account_id().to_string())
            .bind(contact_id)
            .bind(name.chars().take(200).collect::<String>())
            .execute(&self.store().write)
            .await?;
        Ok(())
    }

    /// A contact's display name ('' when unknown).
    pub async fn contact_name(&self, channel: ChannelId, external_id: &str) -> Result<String> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM contacts WHERE account_id = $1 AND channel_id = $2 AND external_id = $3",
        )
        .bind(self.account_id().to_string())
        .bind(channel.to_string())
        .bind(external_id)
        .fetch_one(&self.store().read)
        .await?)
    }

    /// An outbound message with what sending it needs.
    pub async fn outgoing(&self, message_id: &str) -> Result<Outgoing> {
        let r = sqlx::query(
            "SELECT m.id, m.channel_id, m.conversation_id, c.external_id AS recipient, m.body, m.payload, m.status, \
             v.last_inbound_at, m.sent_by FROM messages m \
             JOIN conversations v ON v.account_id = m.account_id AND v.id = m.conversation_id \
             JOIN contacts c ON c.account_id = v.account_id AND c.id = v.contact_id \
             WHERE m.account_id = $1 AND m.id = $2 AND m.direction = 'out'",
        )
        .bind(self.account_id().to_string())
        .bind(message_id)
        .fetch_one(&self.store().read)
        .await?;
        Ok(Outgoing {
            id: r.try_get("id")?,
            channel_id: r.try_get::<String, _>("channel_id")?.parse().map_err(StoreError::corrupt)?,
            conversation_id: r.try_get("conversation_id")?,
            recipient: r.try_get("recipient")?,
            body: r.try_get("body")?,
            payload: r.try_get("payload")?,
            status: r.try_get("status")?,
            last_inbound_at: r.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
            sent_by: r.try_get("sent_by")?,
        })
    }

    /// The platform accepted the message: record its id. Only a queued message becomes sent. If the platform's
    /// echo of this very message was processed first, it created a row with the same platform id: that row is
    /// the same message, so it gives way (a status it collected is kept when further along).
    pub async fn mark_sent(&self, message_id: &str, platform_message_id: &str) -> Result<()> {
        let account = self.account_id().to_string();
        let now = self.store().now_ms();
        // Usually no echo came first: one statement does it. Its platform id taken by an echo fails this one alone.
        let mut tx = self.store().writes.statement().await?;
        match mark_sent_in(&mut tx, &account, message_id, platform_message_id, "sent", now).await {
            Ok(changed) => {
                tx.commit().await?;
                self.publish_status(changed, message_id, "sent").await;
                return Ok(());
            }
            Err(StoreError::Conflict { .. }) => drop(tx),
            Err(e) => return Err(e),
        }
        let mut tx = self.store().writes.begin().await?;
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
                self.store().note_platform_id_collision();
                tracing::warn!(
                    message = message_id,
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

    pub async fn mark_failed(&self, message_id: &str, reason: &str) -> Result<()> {
        let changed: Option<String> = sqlx::query_scalar(
            "UPDATE messages SET status = 'failed', error = $3, updated_at = $4 \
             WHERE account_id = $1 AND id = $2 AND status = 'queued' RETURNING conversation_id",
        )
        .bind(self.account_id().to_string())
        .bind(message_id)
        .bind(reason.chars().take(500).collect::<String>())
        .bind(self.store().now_ms())
        .fetch_optional(&self.store().write)
        .await?;
        self.publish_status(changed, message_id, "failed").await;
        Ok(())
    }

    /// Tells open views that a message's status changed (`conversation` is None when nothing changed).
    async fn publish_status(&self, conversation: Option<String>, message_id: &str, status: &str) {
        if let Some(conversation_id) = conversation {
            let message_id = message_id.to_owned();
            self.publish(LiveEvent::MessageStatus { conversation_id, message_id, status: status.to_owned() }).await;
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
    ) -> Result<()> {
        let account = self.account_id().to_string();
        let now = self.store().now_ms();
        let mut b = self.store().batch();
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
        let (tx, done) = self.store().writes.begin_relaxed_with(b).await?;
        tx.commit().await?;
        if let Some(r) = done[0].rows.first() {
            let (message, conversation): (String, String) = (r.try_get("id")?, r.try_get("conversation_id")?);
            self.publish_status(Some(conversation), &message, status).await;
        }
        Ok(())
    }

    /// Marks an event handled without effects (reads of unknown messages, kinds not stored yet).
    pub async fn mark_event_processed(&self, event_id: &str) -> Result<()> {
        let mut b = self.store().batch();
        add_mark_processed(&mut b, &self.account_id().to_string(), event_id, self.store().now_ms());
        self.store().writes.begin_relaxed_with(b).await?.0.commit().await
    }

    /// Messages of a conversation, oldest first: (direction, kind, body, status).
    pub async fn messages(&self, conversation_id: &str) -> Result<Vec<(String, String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT direction, kind, body, status FROM messages WHERE account_id = $1 AND conversation_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(self.account_id().to_string())
        .bind(conversation_id)
        .fetch_all(&self.store().read)
        .await?)
    }

    /// Conversation ids, most recent first.
    pub async fn conversation_ids(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE account_id = $1 ORDER BY last_message_at DESC, id DESC",
        )
        .bind(self.account_id().to_string())
        .fetch_all(&self.store().read)
        .await?)
    }

    /// Counts of (conversations, inbound messages, outbound messages) — for tests and the dashboard.
    pub async fn message_counts(&self) -> Result<(i64, i64, i64)> {
        let account = self.account_id().to_string();
        let count = |sql: &'static str| {
            let account = account.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).bind(account).fetch_one(&self.store().read).await }
        };
        Ok((
            count("SELECT COUNT(*) FROM conversations WHERE account_id = $1").await?,
            count("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND direction = 'in'").await?,
            count("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND direction = 'out'").await?,
        ))
    }
}

/// A text reply to queue.
pub(crate) struct Reply<'a> {
    pub conversation_id: &'a str,
    pub channel: &'a str,
    pub body: &'a str,
    /// The serialized rich message (quick replies, lists); '' for plain text.
    pub payload: &'a str,
    /// The member who wrote it; `None` for automation.
    pub sent_by: Option<&'a str>,
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
) -> Result<Option<String>> {
    let queued = add_reply(&mut b, account, reply, dedupe_key, now);
    let done = b.run(tx).await?;
    Ok(queued.of(&done))
}

/// A reply added to a batch: its message exists if the statement at `insert` wrote a row.
pub(crate) struct AddedReply {
    id: String,
    insert: usize,
}

impl AddedReply {
    /// The message's id if the reply was queued (its key unused before).
    pub(crate) fn of(self, done: &[Done]) -> Option<String> {
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
    let (id, job) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    b.add(
        "INSERT INTO jobs (created_at, updated_at, status, attempts, id, account_id, kind, payload, dedupe_key, \
         run_at, max_attempts) VALUES ($1, $1, 'queued', 0, $2, $3, $4, $5, $6, $1, 8) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(now)
    .bind(&job)
    .bind(account.to_string())
    .bind(SEND)
    .bind(&id)
    .bind(dedupe_key);
    b.add(
        "INSERT INTO messages (account_id, id, conversation_id, channel_id, direction, kind, body, payload, \
         status, created_at, updated_at, sent_by) SELECT $1, $2, $3, $4, 'out', 'text', $5, $6, 'queued', $7, $7, $8 \
         WHERE EXISTS (SELECT 1 FROM jobs WHERE id = $9)",
    )
    .bind(account.to_string())
    .bind(&id)
    .bind(reply.conversation_id)
    .bind(reply.channel)
    .bind(reply.body)
    .bind(reply.payload)
    .bind(now)
    .bind(reply.sent_by)
    .bind(&job);
    AddedReply { id, insert: b.len() - 1 }
}

/// A queued message became `status` with the platform's id; returns its conversation when it changed.
async fn mark_sent_in(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    message_id: &str,
    platform_message_id: &str,
    status: &str,
    now: i64,
) -> Result<Option<String>> {
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
    message_id: &str,
    now: i64,
) -> Result<Option<String>> {
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

fn add_mark_processed(b: &mut Batch, account: &str, event: &str, now: i64) {
    b.add("UPDATE inbound_events SET processed_at = $3 WHERE account_id = $1 AND id = $2 AND processed_at IS NULL")
        .bind(account)
        .bind(event)
        .bind(now);
}

/// `record_message`'s statements: each finds the rows the one before it upserted by their unique keys instead of
/// taking its answer, so that on SQLite they go to the writer in one call.
fn record_batch(mut b: Batch, account: &str, m: &IncomingMessage<'_>, now: i64) -> Batch {
    let (channel, contact, at) = (m.channel_id.to_string(), m.contact_external_id, to_ms(m.at));
    let guest = m.direction == "in";
    // Bot mode is the other condition for a flow step: the statements find it in the upserted conversation.
    let automate_at = m.automate_at.filter(|_| guest).map(to_ms);
    let message_id = uuid::Uuid::now_v7().to_string();
    add_guest_upserts(&mut b, account, &channel, m, guest.then_some(at), now);
    // Automation reads the message later if it is a guest's in a bot-mode conversation.
    b.add(
        "INSERT INTO messages (account_id, id, conversation_id, channel_id, direction, kind, body, payload, \
         platform_message_id, status, created_at, updated_at, automation_pending, echo) \
         SELECT $1, $2, v.id, $3, $5, $6, $7, $8, $9, $10, $11, $12, \
         CASE WHEN v.mode = 'bot' AND $13 THEN 1 ELSE 0 END, $14 \
         FROM contacts c JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id \
         WHERE c.channel_id = $3 AND c.external_id = $4 ON CONFLICT (channel_id, platform_message_id) DO NOTHING",
    )
    .bind(account)
    .bind(&message_id)
    .bind(&channel)
    .bind(contact)
    .bind(m.direction)
    .bind(m.kind)
    .bind(m.body)
    .bind(m.payload.encode())
    .bind(m.platform_message_id)
    .bind(if guest { "received" } else { "sent" })
    .bind(at)
    .bind(now)
    .bind(automate_at.is_some())
    .bind(i64::from(!guest));
    add_flow_step(&mut b, account, m.event_id, &message_id, automate_at.unwrap_or(now), now);
    add_mark_processed(&mut b, account, m.event_id, now);
    b.add(
        "SELECT c.id AS contact, c.name AS contact_name, v.id AS conversation, v.mode, m.id AS message \
         FROM contacts c JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id \
         LEFT JOIN messages m ON m.account_id = $1 AND m.id = $2 WHERE c.channel_id = $3 AND c.external_id = $4",
    )
    .bind(account)
    .bind(&message_id)
    .bind(&channel)
    .bind(contact);
    b
}

/// Upserts the guest's contact and conversation; a guest's message (`inbound_at`) reopens a closed conversation.
fn add_guest_upserts(
    b: &mut Batch,
    account: &str,
    channel: &str,
    m: &IncomingMessage<'_>,
    inbound_at: Option<i64>,
    now: i64,
) {
    let (contact, m_at) = (m.contact_external_id, to_ms(m.at));
    b.add(
        "INSERT INTO contacts (account_id, id, channel_id, external_id, name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, external_id) DO UPDATE SET \
         name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(channel)
    .bind(contact)
    .bind(m.contact_name.unwrap_or(""))
    .bind(now);
    // A guest's message reopens a closed conversation; times only move forward.
    b.add(
        "INSERT INTO conversations (account_id, id, channel_id, contact_id, status, mode, last_inbound_at, \
         last_message_at, created_at) SELECT $1, $2, $3, c.id, 'open', 'bot', $5, $6, $7 FROM contacts c \
         WHERE c.channel_id = $3 AND c.external_id = $4 ON CONFLICT (channel_id, contact_id) DO UPDATE SET \
         last_inbound_at = CASE WHEN excluded.last_inbound_at IS NULL THEN conversations.last_inbound_at \
             WHEN conversations.last_inbound_at IS NULL OR excluded.last_inbound_at > conversations.last_inbound_at \
             THEN excluded.last_inbound_at ELSE conversations.last_inbound_at END, \
         last_message_at = CASE WHEN excluded.last_message_at > conversations.last_message_at \
             THEN excluded.last_message_at ELSE conversations.last_message_at END, \
         status = CASE WHEN excluded.last_inbound_at IS NOT NULL AND conversations.status = 'closed' \
             THEN 'open' ELSE conversations.status END",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(channel)
    .bind(contact)
    .bind(inbound_at)
    .bind(m_at)
    .bind(now);
}

/// Queues the flow step that reads `message_id` at `run_at`, if automation is to read it.
fn add_flow_step(b: &mut Batch, account: &str, event_id: &str, message_id: &str, run_at: i64, now: i64) {
    // The step's payload as `serde_json` writes it; both ids are UUIDs, with nothing to escape.
    b.add(
        "INSERT INTO jobs (created_at, updated_at, status, attempts, id, account_id, kind, payload, dedupe_key, \
         run_at, max_attempts) SELECT $1, $1, 'queued', 0, $2, $3, $4, \
         '{\"conversation\":\"' || m.conversation_id || '\",\"event\":\"' || $5 || '\"}', 'step:' || m.id, $6, 8 \
         FROM messages m WHERE m.account_id = $3 AND m.id = $7 AND m.automation_pending = 1 \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(now)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(account)
    .bind(FLOW_STEP)
    .bind(event_id)
    .bind(run_at)
    .bind(message_id);
}

/// What `record_batch`'s last statement found.
fn recorded(done: &[Done]) -> Result<Recorded> {
    let r = done.last().and_then(|d| d.rows.first()).ok_or(StoreError::NotFound)?;
    let (contact_name, mode): (String, String) = (r.try_get("contact_name")?, r.try_get("mode")?);
    Ok(Recorded {
        contact_id: r.try_get("contact")?,
        conversation_id: r.try_get("conversation")?,
        contact_unnamed: contact_name.is_empty(),
        message_id: r.try_get("message")?,
        bot_mode: mode == "bot",
    })
}

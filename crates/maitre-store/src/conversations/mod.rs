//! The normalized conversation model: contacts, conversations and messages, written idempotently by platform id
//! so that a re-run of a processing job changes nothing. Replies on their way out are in `outbound`.
pub(crate) mod outbound;

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_domain::jobs::FlowStepJob;
use maitre_domain::{AccountId, Author, ChannelId, ContactId, ConversationId, Direction, MessageId};
pub use outbound::Outgoing;
pub(crate) use outbound::{AddedReply, FirstReply, Reply, add_first_reply, add_reply, queue_reply_in};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::batch::{Batch, Done};
use crate::clock::{from_ms, to_ms};
use crate::jobs::{NewJob, add_job, guarded_insert};
use crate::tenant::TenantStore;
use crate::{LiveEvent, Result, StoreError};

/// An inbound (or echoed) message to record.
pub struct IncomingMessage<'a> {
    pub event_id: &'a str,
    pub channel_id: ChannelId,
    pub contact_external_id: &'a str,
    pub contact_name: Option<&'a str>,
    /// `out` for echoes of messages the business sent (from maitre or from the platform's own app).
    pub direction: Direction,
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
    pub conversation_id: ConversationId,
    pub contact_id: ContactId,
    /// The contact still has no display name (the platform sent none so far).
    pub contact_unnamed: bool,
    /// Set when the message was new (not a redelivery or a re-run).
    pub message_id: Option<MessageId>,
    /// The conversation is in bot mode (automation may answer).
    pub bot_mode: bool,
}

/// How guests' messages are recorded and replies leave: accepted events become contacts, conversations and
/// messages; queued replies are sent, marked and their delivery statuses applied. Handed out by
/// `TenantStore::conversations`, so every query and change is the business's own.
pub struct Conversations<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn conversations(&self) -> Conversations<'_> {
        Conversations { tenant: self }
    }
}

impl Conversations<'_> {
    /// Records an event's message: contact, conversation and message upserted, the event marked processed — all
    /// in one transaction. A re-run finds the message already there and returns `message_id: None`.
    pub async fn record_message(&self, m: &IncomingMessage<'_>) -> Result<Recorded> {
        let batch =
            record_batch(self.tenant.store().batch(), self.tenant.account_id(), m, self.tenant.store().now_ms());
        let (tx, done) = self.tenant.store().writes.begin_relaxed_with(batch).await?;
        let recorded = recorded(&done)?;
        tx.commit().await?;
        if let Some(message_id) = recorded.message_id {
            let conversation_id = recorded.conversation_id;
            self.tenant.publish(LiveEvent::MessageAdded { conversation_id, message_id }).await;
        }
        Ok(recorded)
    }

    /// Sets a contact's display name (fetched from the platform's profile API).
    pub async fn set_contact_name(&self, contact_id: ContactId, name: &str) -> Result<()> {
        sqlx::query("UPDATE contacts SET name = $3 WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .bind(name.chars().take(200).collect::<String>())
            .execute(&self.tenant.store().write)
            .await?;
        Ok(())
    }

    /// A contact's display name ('' when unknown).
    pub async fn contact_name(&self, channel: ChannelId, external_id: &str) -> Result<String> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM contacts WHERE account_id = $1 AND channel_id = $2 AND external_id = $3",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(channel.to_string())
        .bind(external_id)
        .fetch_one(&self.tenant.store().read)
        .await?)
    }

    /// Marks an event handled without effects (reads of unknown messages, kinds not stored yet).
    pub async fn mark_event_processed(&self, event_id: &str) -> Result<()> {
        let mut b = self.tenant.store().batch();
        add_mark_processed(&mut b, &self.tenant.account_id().to_string(), event_id, self.tenant.store().now_ms());
        self.tenant.store().writes.begin_relaxed_with(b).await?.0.commit().await
    }

    /// Messages of a conversation, oldest first: (direction, kind, body, status).
    pub async fn messages(&self, conversation_id: ConversationId) -> Result<Vec<(String, String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT direction, kind, body, status FROM messages WHERE account_id = $1 AND conversation_id = $2 \
             ORDER BY created_at, id",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(conversation_id)
        .fetch_all(&self.tenant.store().read)
        .await?)
    }

    /// Conversation ids, most recent first.
    pub async fn conversation_ids(&self) -> Result<Vec<ConversationId>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM conversations WHERE account_id = $1 ORDER BY last_message_at DESC, id DESC",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?)
    }

    /// Counts of (conversations, inbound messages, outbound messages) — for tests and the dashboard.
    pub async fn message_counts(&self) -> Result<(i64, i64, i64)> {
        let account = self.tenant.account_id().to_string();
        let count = |sql: &'static str| {
            let account = account.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).bind(account).fetch_one(&self.tenant.store().read).await }
        };
        Ok((
            count("SELECT COUNT(*) FROM conversations WHERE account_id = $1").await?,
            count("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND direction = 'in'").await?,
            count("SELECT COUNT(*) FROM messages WHERE account_id = $1 AND direction = 'out'").await?,
        ))
    }
}

fn add_mark_processed(b: &mut Batch, account: &str, event: &str, now: i64) {
    b.add("UPDATE inbound_events SET processed_at = $3 WHERE account_id = $1 AND id = $2 AND processed_at IS NULL")
        .bind(account)
        .bind(event)
        .bind(now);
}

/// `record_message`'s statements: each finds the rows the one before it upserted by their unique keys instead of
/// taking its answer, so that on SQLite they go to the writer in one call.
fn record_batch(mut b: Batch, account_id: AccountId, m: &IncomingMessage<'_>, now: i64) -> Batch {
    let account = &account_id.to_string();
    let (channel, contact, at) = (m.channel_id.to_string(), m.contact_external_id, to_ms(m.at));
    let guest = m.direction == Direction::In;
    // Bot mode is the other condition for a flow step: the statements find it in the upserted conversation.
    let automate_at = m.automate_at.filter(|_| guest).map(to_ms);
    let message_id = MessageId::new();
    add_guest_upserts(&mut b, account, &channel, m, guest.then_some(at), now);
    // Automation reads the message later if it is a guest's in a bot-mode conversation.
    b.add(
        "INSERT INTO messages (account_id, id, conversation_id, channel_id, direction, kind, body, payload, \
         platform_message_id, status, created_at, updated_at, automation_pending, echo, author, reply_ms) \
         SELECT $1, $2, v.id, $3, $5, $6, $7, $8, $9, $10, $11, $12, \
         CASE WHEN v.mode = 'bot' AND $13 THEN 1 ELSE 0 END, $14, $15, CASE WHEN $14 = 1 THEN $11 - v.turn_since END \
         FROM contacts c JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id \
         WHERE c.channel_id = $3 AND c.external_id = $4 ON CONFLICT (channel_id, platform_message_id) DO NOTHING",
    )
    .bind(account)
    .bind(message_id)
    .bind(&channel)
    .bind(contact)
    .bind(m.direction.as_str())
    .bind(m.kind)
    .bind(m.body)
    .bind(m.payload.encode())
    .bind(m.platform_message_id)
    .bind(if guest { "received" } else { "sent" })
    .bind(at)
    .bind(now)
    .bind(automate_at.is_some())
    .bind(i64::from(!guest))
    .bind(if guest { Author::Guest } else { Author::Echo }.as_str());
    add_turn(&mut b, account, message_id, guest.then_some(at));
    let opt_out = guest.then(|| maitre_domain::flow::opt_out_word(m.body)).flatten();
    if let Some(word) = opt_out {
        add_opt_out_by_hand(&mut b, account, &channel, contact, word, now);
    }
    if guest {
        add_outreach_answer(&mut b, account, (&channel, contact), at, opt_out.is_some());
    }
    add_flow_step(&mut b, account_id, m.event_id, message_id, automate_at.unwrap_or(now), now);
    add_mark_processed(&mut b, account, m.event_id, now);
    b.add(
        "SELECT c.id AS contact, c.name AS contact_name, v.id AS conversation, v.mode, m.id AS message \
         FROM contacts c JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id \
         LEFT JOIN messages m ON m.account_id = $1 AND m.id = $2 WHERE c.channel_id = $3 AND c.external_id = $4",
    )
    .bind(account)
    .bind(message_id)
    .bind(&channel)
    .bind(contact);
    b
}

/// The guest's message answers the latest outreach of their conversation (a broadcast, a reminder…) sent within
/// `ANSWER_WITHIN` before it: it replied, or said stop (which a later reply does not undo).
fn add_outreach_answer(b: &mut Batch, account: &str, (channel, contact): (&str, &str), at: i64, stop: bool) {
    // Platforms give seconds: a reply stamped within the second of the outreach still follows it.
    b.add(
        "UPDATE messages SET guest_answer = $5 WHERE account_id = $1 AND id = (SELECT o.id FROM messages o \
         JOIN contacts c ON c.channel_id = $2 AND c.external_id = $3 \
         JOIN conversations v ON v.channel_id = c.channel_id AND v.contact_id = c.id \
         WHERE o.account_id = $1 AND o.conversation_id = v.id AND o.purpose <> '' \
         AND o.created_at <= $4 + 999 AND o.created_at >= $4 - $6 ORDER BY o.created_at DESC LIMIT 1) \
         AND (guest_answer = '' OR (guest_answer = 'replied' AND $5 = 'opted_out'))",
    )
    .bind(account)
    .bind(channel)
    .bind(contact)
    .bind(at)
    .bind(if stop { "opted_out" } else { "replied" })
    .bind(maitre_domain::metrics::outreach::ANSWER_WITHIN.num_milliseconds());
}

/// "Stop" in a conversation a member has: no flow reads it, so it opts the guest out here, at once (in a flow's
/// conversation the flow does, and answers). The consent row first, while the contact still reads as subscribed.
fn add_opt_out_by_hand(b: &mut Batch, account: &str, channel: &str, contact: &str, word: &str, now: i64) {
    const MEMBERS: &str = "c.channel_id = $2 AND c.external_id = $3 AND c.opted_out_at IS NULL AND EXISTS (SELECT 1 \
         FROM conversations v WHERE v.channel_id = c.channel_id AND v.contact_id = c.id AND v.mode = 'human')";
    static CONSENT: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO contact_consents (account_id, id, contact_id, state, source, detail, at) \
             SELECT $1, $4, c.id, 'opted_out', 'guest', $5, $6 FROM contacts c WHERE {MEMBERS}"
        )
    });
    static OPT_OUT: LazyLock<String> = LazyLock::new(|| {
        format!(
            "UPDATE contacts SET opted_out_at = $4 WHERE account_id = $1 AND id IN (SELECT c.id FROM contacts c \
             WHERE {MEMBERS})"
        )
    });
    b.add(&CONSENT)
        .bind(account)
        .bind(channel)
        .bind(contact)
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(word)
        .bind(now);
    b.add(&OPT_OUT).bind(account).bind(channel).bind(contact).bind(now);
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
        "INSERT INTO contacts (account_id, id, channel_id, external_id, name, created_at, language) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (channel_id, external_id) DO UPDATE SET \
         name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END, \
         language = COALESCE(excluded.language, contacts.language)",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(channel)
    .bind(contact)
    .bind(m.contact_name.unwrap_or(""))
    .bind(now)
    // Segments by language: the guest's latest message that shows one ("4" or a name says nothing).
    .bind(inbound_at.and_then(|_| maitre_domain::language::guess(m.body)).map(|l| l.as_str()));
    // A guest's message reopens a closed conversation; times only move forward.
    b.add(
        "INSERT INTO conversations (account_id, id, channel_id, contact_id, status, mode, last_inbound_at, \
         first_inbound_at, last_message_at, created_at) SELECT $1, $2, $3, c.id, 'open', 'bot', $5, $5, $6, $7 \
         FROM contacts c WHERE c.channel_id = $3 AND c.external_id = $4 ON CONFLICT (channel_id, contact_id) \
         DO UPDATE SET \
         first_inbound_at = CASE WHEN excluded.first_inbound_at IS NOT NULL AND (conversations.first_inbound_at \
             IS NULL OR excluded.first_inbound_at < conversations.first_inbound_at) THEN excluded.first_inbound_at \
             ELSE conversations.first_inbound_at END, \
         last_inbound_at = CASE WHEN excluded.last_inbound_at IS NULL THEN conversations.last_inbound_at \
             WHEN conversations.last_inbound_at IS NULL OR excluded.last_inbound_at > conversations.last_inbound_at \
             THEN excluded.last_inbound_at ELSE conversations.last_inbound_at END, \
         last_message_at = CASE WHEN excluded.last_message_at > conversations.last_message_at \
             THEN excluded.last_message_at ELSE conversations.last_message_at END, \
         status = CASE WHEN excluded.last_inbound_at IS NOT NULL AND conversations.status = 'closed' \
             THEN 'open' ELSE conversations.status END, \
         closed_at = CASE WHEN excluded.last_inbound_at IS NOT NULL THEN NULL ELSE conversations.closed_at END",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(channel)
    .bind(contact)
    .bind(inbound_at)
    .bind(m_at)
    .bind(now);
}

/// A message just stored (not a replay) starts the guest's turn (`guest_at`) unless one waits, or answers it: reply
/// times (maitre-domain metrics.rs) wait from the turn's start.
pub(crate) fn add_turn(b: &mut Batch, account: &str, message: MessageId, guest_at: Option<i64>) {
    b.add(
        "UPDATE conversations SET turn_since = CASE WHEN $3 IS NULL THEN NULL ELSE COALESCE(turn_since, $3) END \
         WHERE account_id = $1 AND id = (SELECT conversation_id FROM messages WHERE account_id = $1 AND id = $2)",
    )
    .bind(account)
    .bind(message)
    .bind(guest_at);
}

/// Queues the flow step that reads `message_id` at `run_at`, if automation is to read it (the message was stored
/// with `automation_pending`).
fn add_flow_step(b: &mut Batch, account: AccountId, event_id: &str, message_id: MessageId, run_at: i64, now: i64) {
    let step = FlowStepJob { event: event_id.to_owned(), message: Some(message_id), conversation: None };
    let key = format!("step:{message_id}");
    let job = NewJob::new(Some(account), &step).dedupe(&key).at(from_ms(run_at));
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        guarded_insert(
            "EXISTS (SELECT 1 FROM messages m WHERE m.account_id = $3 AND m.id = $10 AND m.automation_pending = 1)",
        )
    });
    add_job(b, &INSERT, now, &uuid::Uuid::now_v7().to_string(), &job).bind(message_id);
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

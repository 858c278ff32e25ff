//! Flows as stored: editable drafts, immutable published versions, the run state per conversation, and the
//! effects of one engine step written in one transaction. Definitions and states are JSON the caller (de)serializes;
//! the store does not interpret them.
use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use maitre_domain::ChannelId;
use maitre_domain::contacts::Tag;
use sqlx::{FromRow, Row};

use crate::clock::from_ms;
use crate::conversations::{AddedReply, InboundPayload, Reply, add_reply, queue_reply_in};
use crate::jobs::{NewJob, enqueue_in};
use crate::notifications::{NotificationKind, Notified, notify_conversation_in};
use crate::tenant::TenantStore;
use crate::{LiveEvent, Result, StoreError};

/// Reads a conversation's pending inbound messages and steps its flows.
pub const FLOW_STEP: &str = "flow_step";
/// Wakes a conversation's run (a delay or a question's no-answer time is up).
pub const FLOW_TIMER: &str = "flow_timer";
/// Starts a flow over in a conversation that a member handed back (payload: conversation, flow, token).
pub const FLOW_START: &str = "flow_start";

#[derive(Debug, Clone)]
pub struct FlowRecord {
    pub id: String,
    pub name: String,
    pub draft: String,
    pub published_version: Option<i64>,
    pub enabled: bool,
    /// Channel ids the flow runs on; empty = all.
    pub channel_ids: Vec<String>,
    pub template: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(FromRow)]
struct FlowRow {
    id: String,
    name: String,
    draft: String,
    published_version: Option<i64>,
    enabled: i64,
    channel_ids: String,
    template: String,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<FlowRow> for FlowRecord {
    type Error = StoreError;
    fn try_from(r: FlowRow) -> Result<Self> {
        Ok(FlowRecord {
            id: r.id,
            name: r.name,
            draft: r.draft,
            published_version: r.published_version,
            enabled: r.enabled != 0,
            channel_ids: serde_json::from_str(&r.channel_ids).map_err(StoreError::corrupt)?,
            template: r.template,
            created_at: from_ms(r.created_at),
            updated_at: from_ms(r.updated_at),
        })
    }
}

/// A published version that may run on a channel.
#[derive(Debug, Clone)]
pub struct PublishedFlow {
    pub flow_id: String,
    pub version: i64,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationSettings {
    /// How long to wait after a guest's message for a quick follow-up before the flow reads them together
    /// (`None`: the server's default).
    pub read_together_ms: Option<i64>,
    pub ai_base_url: String,
    pub ai_model: String,
    /// Sealed by the caller's vault; empty = no key.
    pub ai_key: String,
    pub ai_timeout_ms: i64,
}

impl Default for AutomationSettings {
    fn default() -> Self {
        AutomationSettings {
            read_together_ms: None,
            ai_base_url: String::new(),
            ai_model: String::new(),
            ai_key: String::new(),
            ai_timeout_ms: 10_000,
        }
    }
}

/// What a flow step reads about a conversation.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub conversation_id: String,
    pub channel_id: ChannelId,
    pub contact_id: String,
    /// `bot` or `human`.
    pub mode: String,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub contact_name: String,
    pub opted_out: bool,
    pub tags: BTreeSet<String>,
    /// Every inbound message of the conversation is in `pending`: the contact is new.
    pub first_contact: bool,
    pub state: Option<String>,
    pub rev: i64,
    /// Unread inbound messages, oldest first.
    pub pending: Vec<PendingMessage>,
    /// The contact's coming reservations, soonest first.
    pub upcoming: Vec<crate::Reservation>,
}

#[derive(Debug, Clone)]
pub struct PendingMessage {
    pub id: String,
    pub kind: String,
    pub body: String,
    /// What flows route on (`InboundPayload::value`).
    pub payload: String,
    /// The platform's id (`comment:<id>` for comments).
    pub platform_id: String,
    /// When maitre stored it (not the platform's timestamp): the read-together pause counts from here.
    pub stored_at: DateTime<Utc>,
}

/// A reply to queue: text and, for rich messages, the serialized platform-neutral message.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub body: String,
    pub payload: String,
}

/// The effects of one step, written atomically. `key` is unique per step (`reply:<event id>` for the guest's
/// message that woke it, `timer:<token>` …) and prefixes the dedupe keys of the replies it queues, so a re-run
/// queues nothing twice.
#[derive(Debug, Default)]
pub struct StepEffects {
    pub key: String,
    pub expected_rev: i64,
    pub state: Option<String>,
    /// Pending messages this step read.
    pub read: Vec<String>,
    pub replies: Vec<QueuedReply>,
    pub add_tags: Vec<Tag>,
    pub remove_tags: Vec<Tag>,
    /// (field, value) for name, phone, email.
    pub contact_fields: Vec<(String, String)>,
    pub handoff: bool,
    pub timers: Vec<(DateTime<Utc>, String)>,
    pub opt_out: Option<String>,
}

/// Another step wrote first: re-read and try again.
#[derive(Debug, thiserror::Error)]
#[error("the conversation changed while its step ran")]
pub struct StepConflict;

const FLOW_COLUMNS: &str = "id, name, draft, published_version, enabled, channel_ids, template, created_at, updated_at";

impl TenantStore {
    /// The store's clock (manual in tests), for callers that simulate at "now".
    pub fn now(&self) -> DateTime<Utc> {
        self.store().clock().now()
    }

    pub async fn create_flow(&self, name: &str, draft: &str, template: &str) -> Result<FlowRecord> {
        let now = self.store().now_ms();
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO flows (account_id, id, name, draft, template, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(self.account_id().to_string())
        .bind(&id)
        .bind(name)
        .bind(draft)
        .bind(template)
        .bind(now)
        .execute(&self.store().write)
        .await?;
        self.flow(&id).await
    }

    /// Flows by name.
    pub async fn flows(&self) -> Result<Vec<FlowRecord>> {
        let q = format!("SELECT {FLOW_COLUMNS} FROM flows WHERE account_id = $1 ORDER BY name, id");
        let rows: Vec<FlowRow> = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .bind(self.account_id().to_string())
            .fetch_all(&self.store().read)
            .await?;
        rows.into_iter().map(FlowRecord::try_from).collect()
    }

    pub async fn flow(&self, id: &str) -> Result<FlowRecord> {
        let q = format!("SELECT {FLOW_COLUMNS} FROM flows WHERE account_id = $1 AND id = $2");
        let row: FlowRow = sqlx::query_as(sqlx::AssertSqlSafe(q))
            .bind(self.account_id().to_string())
            .bind(id)
            .fetch_one(&self.store().read)
            .await?;
        row.try_into()
    }

    pub async fn save_flow_draft(&self, id: &str, name: &str, draft: &str) -> Result<()> {
        let q =
            sqlx::query("UPDATE flows SET name = $3, draft = $4, updated_at = $5 WHERE account_id = $1 AND id = $2");
        let q = q.bind(self.account_id().to_string()).bind(id).bind(name).bind(draft).bind(self.store().now_ms());
        found(q.execute(&self.store().write).await?.rows_affected())
    }

    pub async fn set_flow_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        let q = sqlx::query("UPDATE flows SET enabled = $3, updated_at = $4 WHERE account_id = $1 AND id = $2");
        let q = q.bind(self.account_id().to_string()).bind(id).bind(i64::from(enabled)).bind(self.store().now_ms());
        let done = q.execute(&self.store().write).await?.rows_affected();
        self.config_changed();
        found(done)
    }

    pub async fn set_flow_channels(&self, id: &str, channels: &[String]) -> Result<()> {
        let json = serde_json::to_string(channels).map_err(StoreError::corrupt)?;
        let q = sqlx::query("UPDATE flows SET channel_ids = $3, updated_at = $4 WHERE account_id = $1 AND id = $2");
        let q = q.bind(self.account_id().to_string()).bind(id).bind(json).bind(self.store().now_ms());
        let done = q.execute(&self.store().write).await?.rows_affected();
        self.config_changed();
        found(done)
    }

    /// Deletes a flow with its versions. Runs of it in progress end at their next step (their version is gone).
    pub async fn delete_flow(&self, id: &str) -> Result<()> {
        let q = sqlx::query("DELETE FROM flows WHERE account_id = $1 AND id = $2");
        let done = q.bind(self.account_id().to_string()).bind(id).execute(&self.store().write).await?.rows_affected();
        self.config_changed();
        found(done)
    }

    /// Stores `definition` as the flow's next version and makes it the published one. Returns the version.
    pub async fn publish_flow(&self, id: &str, definition: &str, by: &str) -> Result<i64> {
        let account = self.account_id().to_string();
        let now = self.store().now_ms();
        let mut tx = self.store().writes.begin().await?;
        let version: i64 = sqlx::query_scalar(
            "UPDATE flows SET published_version = COALESCE(published_version, 0) + 1, updated_at = $3 \
             WHERE account_id = $1 AND id = $2 RETURNING published_version",
        )
        .bind(&account)
        .bind(id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO flow_versions (account_id, flow_id, version, definition, published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&account)
        .bind(id)
        .bind(version)
        .bind(definition)
        .bind(now)
        .bind(by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.config_changed();
        Ok(version)
    }

    pub async fn flow_version(&self, id: &str, version: i64) -> Result<String> {
        Ok(sqlx::query_scalar(
            "SELECT definition FROM flow_versions WHERE account_id = $1 AND flow_id = $2 AND version = $3",
        )
        .bind(self.account_id().to_string())
        .bind(id)
        .bind(version)
        .fetch_one(&self.store().read)
        .await?)
    }

    /// Published, enabled flows that run on `channel`, in a stable order.
    pub async fn active_flows(&self, channel: ChannelId) -> Result<Vec<PublishedFlow>> {
        let rows = sqlx::query(
            "SELECT f.id, f.channel_ids, v.version, v.definition FROM flows f \
             JOIN flow_versions v ON v.account_id = f.account_id AND v.flow_id = f.id \
                AND v.version = f.published_version \
             WHERE f.account_id = $1 AND f.enabled = 1 ORDER BY f.created_at, f.id",
        )
        .bind(self.account_id().to_string())
        .fetch_all(&self.store().read)
        .await?;
        let channel = channel.to_string();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let channels: Vec<String> =
                serde_json::from_str(&r.try_get::<String, _>("channel_ids")?).map_err(StoreError::corrupt)?;
            if channels.is_empty() || channels.contains(&channel) {
                out.push(PublishedFlow {
                    flow_id: r.try_get("id")?,
                    version: r.try_get("version")?,
                    definition: r.try_get("definition")?,
                });
            }
        }
        Ok(out)
    }

    pub async fn automation_settings(&self) -> Result<AutomationSettings> {
        let row = sqlx::query(
            "SELECT read_together_ms, ai_base_url, ai_model, ai_key, ai_timeout_ms FROM automation_settings \
             WHERE account_id = $1",
        )
        .bind(self.account_id().to_string())
        .fetch_optional(&self.store().read)
        .await?;
        let Some(r) = row else { return Ok(AutomationSettings::default()) };
        Ok(AutomationSettings {
            read_together_ms: r.try_get("read_together_ms")?,
            ai_base_url: r.try_get("ai_base_url")?,
            ai_model: r.try_get("ai_model")?,
            ai_key: r.try_get("ai_key")?,
            ai_timeout_ms: r.try_get("ai_timeout_ms")?,
        })
    }

    pub async fn put_automation_settings(&self, s: &AutomationSettings) -> Result<()> {
        sqlx::query(
            "INSERT INTO automation_settings (account_id, read_together_ms, ai_base_url, ai_model, ai_key, \
             ai_timeout_ms, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account_id) DO UPDATE SET \
             read_together_ms = excluded.read_together_ms, ai_base_url = excluded.ai_base_url, \
             ai_model = excluded.ai_model, ai_key = excluded.ai_key, ai_timeout_ms = excluded.ai_timeout_ms, \
             updated_at = excluded.updated_at",
        )
        .bind(self.account_id().to_string())
        .bind(s.read_together_ms)
        .bind(&s.ai_base_url)
        .bind(&s.ai_model)
        .bind(&s.ai_key)
        .bind(s.ai_timeout_ms)
        .bind(self.store().now_ms())
        .execute(&self.store().write)
        .await?;
        self.config_changed();
        Ok(())
    }

    /// Everything a flow step reads about one conversation, in one call on SQLite.
    pub async fn step_input(&self, conversation_id: &str) -> Result<StepInput> {
        let account = self.account_id().to_string();
        let contact = "(SELECT contact_id FROM conversations WHERE account_id = $1 AND id = $2)";
        let mut b = self.store().batch();
        b.add(
            "SELECT v.channel_id, v.contact_id, v.mode, v.last_inbound_at, c.name, c.opted_out_at, \
             r.state, r.rev FROM conversations v \
             JOIN contacts c ON c.account_id = v.account_id AND c.id = v.contact_id \
             LEFT JOIN flow_runs r ON r.account_id = v.account_id AND r.conversation_id = v.id \
             WHERE v.account_id = $1 AND v.id = $2",
        )
        .bind(&account)
        .bind(conversation_id);
        b.add(
            "SELECT id, kind, body, payload, platform_message_id, updated_at FROM messages WHERE account_id = $1 \
             AND conversation_id = $2 AND automation_pending = 1 ORDER BY updated_at, id",
        )
        .bind(&account)
        .bind(conversation_id);
        // Messages automation already read (or that arrived in human mode) mean the contact wrote before.
        b.add(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages WHERE account_id = $1 AND conversation_id = $2 \
             AND direction = 'in' AND automation_pending = 0 LIMIT 1) earlier",
        )
        .bind(&account)
        .bind(conversation_id);
        b.add(&format!("SELECT tag FROM contact_tags WHERE account_id = $1 AND contact_id = {contact}"))
            .bind(&account)
            .bind(conversation_id);
        b.add(&crate::reservations::upcoming_sql(contact))
            .bind(&account)
            .bind(conversation_id)
            .bind(self.store().now_ms());
        let done = b.run(&mut *self.store().read.acquire().await?).await?;
        let c = done[0].rows.first().ok_or(StoreError::NotFound)?;
        let pending = done[1]
            .rows
            .iter()
            .map(|r| {
                Ok(PendingMessage {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    payload: InboundPayload::decode(&r.try_get::<String, _>("payload")?).value,
                    platform_id: r.try_get::<Option<String>, _>("platform_message_id")?.unwrap_or_default(),
                    stored_at: from_ms(r.try_get("updated_at")?),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let read_before: i64 = done[2].rows.first().ok_or(StoreError::NotFound)?.try_get("n")?;
        Ok(StepInput {
            conversation_id: conversation_id.to_owned(),
            channel_id: c.try_get::<String, _>("channel_id")?.parse().map_err(StoreError::corrupt)?,
            tags: done[3].rows.iter().map(|r| r.try_get("tag")).collect::<Result<_, _>>()?,
            upcoming: done[4].rows.iter().map(crate::reservations::from_row).collect::<Result<_>>()?,
            contact_id: c.try_get("contact_id")?,
            mode: c.try_get("mode")?,
            last_inbound_at: c.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
            contact_name: c.try_get("name")?,
            opted_out: c.try_get::<Option<i64>, _>("opted_out_at")?.is_some(),
            first_contact: read_before == 0,
            state: c.try_get("state")?,
            rev: c.try_get::<Option<i64>, _>("rev")?.unwrap_or(0),
            pending,
        })
    }

    /// Writes one step's effects in one transaction: the run state (only if no other step wrote since
    /// `expected_rev`), the messages it read, replies with their send jobs, contact changes, timers.
    pub async fn apply_step(&self, input: &StepInput, fx: &StepEffects) -> Result<Result<(), StepConflict>> {
        let account = self.account_id().to_string();
        let conversation_id = input.conversation_id.as_str();
        // A conversation's channel and contact never change: taken from the step's input, not read again.
        let (channel, contact) = (input.channel_id.to_string(), &input.contact_id);
        let now = self.store().now_ms();
        // The run state, the reads and the replies in one batch (one call on SQLite); the rarer effects after it.
        let mut b = self.store().batch();
        b.add(
            "INSERT INTO flow_runs (account_id, conversation_id, state, rev, updated_at) VALUES ($1, $2, $3, 1, $5) \
             ON CONFLICT (account_id, conversation_id) DO UPDATE SET state = excluded.state, \
             rev = flow_runs.rev + 1, updated_at = excluded.updated_at WHERE flow_runs.rev = $4",
        )
        .bind(&account)
        .bind(conversation_id)
        .bind(&fx.state)
        .bind(fx.expected_rev)
        .bind(now);
        // Every message read must still have been unread: this statement's count says so.
        let read_at = (!fx.read.is_empty()).then(|| b.len());
        if !fx.read.is_empty() {
            let ids: Vec<String> = (2..fx.read.len() + 2).map(|i| format!("${i}")).collect();
            let read = b.add(&format!(
                "UPDATE messages SET automation_pending = 0 WHERE account_id = $1 AND id IN ({}) \
                 AND automation_pending = 1",
                ids.join(", ")
            ));
            read.bind(&account);
            for id in &fx.read {
                read.bind(id);
            }
        }
        let replies: Vec<AddedReply> = fx
            .replies
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let key = format!("{}:{i}", fx.key);
                let reply =
                    Reply { conversation_id, channel: &channel, body: &r.body, payload: &r.payload, sent_by: None };
                add_reply(&mut b, self.account_id(), &reply, &key, now)
            })
            .collect();
        let (mut tx, done) = self.store().writes.begin_relaxed_with(b).await?;
        // A fresh row (no run before) is only ours when nobody else created it: expected 0 then.
        let read = read_at.map_or(0, |i| done[i].rows_affected);
        if done[0].rows_affected == 0 || read != fx.read.len() as u64 {
            return Ok(Err(StepConflict));
        }
        let queued: Vec<String> = replies.into_iter().filter_map(|r| r.of(&done)).collect();
        for tag in &fx.add_tags {
            sqlx::query(
                "INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&account)
            .bind(contact)
            .bind(tag.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        for tag in &fx.remove_tags {
            sqlx::query("DELETE FROM contact_tags WHERE account_id = $1 AND contact_id = $2 AND tag = $3")
                .bind(&account)
                .bind(contact)
                .bind(tag.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for (field, value) in &fx.contact_fields {
            let column = match field.as_str() {
                "name" => "name",
                "phone" => "phone",
                "email" => "email",
                _ => continue,
            };
            let q = format!("UPDATE contacts SET {column} = $3 WHERE account_id = $1 AND id = $2");
            sqlx::query(sqlx::AssertSqlSafe(q))
                .bind(&account)
                .bind(contact)
                .bind(value.chars().take(200).collect::<String>())
                .execute(&mut *tx)
                .await?;
        }
        let mut notified = Notified::none();
        if fx.handoff {
            sqlx::query("UPDATE conversations SET mode = 'human', status = 'open' WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(conversation_id)
                .execute(&mut *tx)
                .await?;
            // The whole team hears that a guest waits for a person.
            let kind = NotificationKind::Handoff;
            notified =
                notify_conversation_in(&mut tx, self.account_id(), conversation_id, kind, None, None, now).await?;
        }
        for (at, token) in &fx.timers {
            let payload = serde_json::json!({ "conversation": conversation_id, "token": token }).to_string();
            let key = format!("timer:{conversation_id}:{token}");
            let job = NewJob {
                account_id: Some(self.account_id()),
                kind: FLOW_TIMER,
                payload: &payload,
                dedupe_key: Some(&key),
                run_at: Some(*at),
                max_attempts: 8,
            };
            enqueue_in(&mut tx, now, &job).await?;
        }
        if let Some(word) = &fx.opt_out {
            sqlx::query("UPDATE contacts SET opted_out_at = $3 WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(contact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            record_consent(&mut tx, &account, contact, "opted_out", "guest", word, now).await?;
        }
        tx.commit().await?;
        for message_id in queued {
            self.publish(LiveEvent::MessageAdded { conversation_id: conversation_id.to_owned(), message_id }).await;
        }
        if fx.handoff {
            let mode =
                LiveEvent::ConversationMode { conversation_id: conversation_id.to_owned(), mode: "human".into() };
            self.publish(mode).await;
        }
        notified.publish(self).await;
        Ok(Ok(()))
    }

    /// A conversation's channel and when the guest last wrote (for the messaging-window rule).
    pub async fn conversation_channel(&self, conversation_id: &str) -> Result<(ChannelId, Option<DateTime<Utc>>)> {
        let (channel, last): (String, Option<i64>) =
            sqlx::query_as("SELECT channel_id, last_inbound_at FROM conversations WHERE account_id = $1 AND id = $2")
                .bind(self.account_id().to_string())
                .bind(conversation_id)
                .fetch_one(&self.store().read)
                .await?;
        Ok((channel.parse().map_err(StoreError::corrupt)?, last.map(from_ms)))
    }

    /// Queues an automated text message in a conversation, once per `key`.
    pub async fn queue_reply(&self, conversation_id: &str, text: &str, key: &str) -> Result<bool> {
        let (channel, _) = self.conversation_channel(conversation_id).await?;
        let now = self.store().now_ms();
        let mut tx = self.store().writes.begin().await?;
        let channel = channel.to_string();
        let reply = Reply { conversation_id, channel: &channel, body: text, payload: "", sent_by: None };
        let queued = queue_reply_in(&mut tx, self.store().batch(), self.account_id(), &reply, key, now).await?;
        tx.commit().await?;
        if let Some(message_id) = &queued {
            let conversation_id = conversation_id.to_owned();
            self.publish(LiveEvent::MessageAdded { conversation_id, message_id: message_id.clone() }).await;
        }
        Ok(queued.is_some())
    }

    /// Opt-in/opt-out history of a contact, newest first: (state, source, detail, at).
    pub async fn consent_history(&self, contact_id: &str) -> Result<Vec<(String, String, String, DateTime<Utc>)>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT state, source, detail, at FROM contact_consents WHERE account_id = $1 AND contact_id = $2 \
             ORDER BY at DESC, id DESC",
        )
        .bind(self.account_id().to_string())
        .bind(contact_id)
        .fetch_all(&self.store().read)
        .await?;
        Ok(rows.into_iter().map(|(s, src, d, at)| (s, src, d, from_ms(at))).collect())
    }
}

pub(crate) async fn record_consent(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    contact: &str,
    state: &str,
    source: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact_consents (account_id, id, contact_id, state, source, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(account)
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(contact)
    .bind(state)
    .bind(source)
    .bind(detail)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn found(rows: u64) -> Result<()> {
    if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

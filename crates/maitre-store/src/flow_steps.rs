//! One flow step as stored: what it reads about a conversation (one batch), and its effects written in one
//! transaction, fenced by the run's revision so two steps of one conversation never both write.
use std::collections::BTreeSet;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_domain::contacts::Tag;
use maitre_domain::flow::Passage;
use maitre_domain::jobs::FlowTimerJob;
use maitre_domain::{AccountId, Author, ChannelId, ContactId, ConversationId, ConversationMode, MessageId};
use sqlx::Row;

use crate::batch::Batch;
use crate::clock::from_ms;
use crate::conversations::{AddedReply, FirstReply, InboundPayload, Reply, add_first_reply, add_reply};
use crate::decode::word;
use crate::flows::Flows;
use crate::flows::record_consent;
use crate::funnels::add_passages;
use crate::jobs::{NewJob, enqueue_in};
use crate::notifications::{NotificationKind, Notified, notify_conversation_in};
use crate::{LiveEvent, Result, StoreError};

/// What a flow step reads about a conversation.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub contact_id: ContactId,
    pub mode: ConversationMode,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub contact_name: String,
    pub opted_out: bool,
    /// A guest's message waits for an answer from a person (`Answer::Waiting` flagged it).
    pub waiting: bool,
    pub tags: BTreeSet<String>,
    /// Every inbound message of the conversation is in `pending`: the contact is new.
    pub first_contact: bool,
    pub state: Option<String>,
    pub rev: i64,
    /// When a step last ran in this conversation (None: never).
    pub last_step_at: Option<DateTime<Utc>>,
    /// Unread inbound messages, oldest first.
    pub pending: Vec<PendingMessage>,
    /// The contact's coming reservations, soonest first.
    pub upcoming: Vec<crate::Reservation>,
}

#[derive(Debug, Clone)]
pub struct PendingMessage {
    pub id: MessageId,
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
    /// A flow's reply or the channel's automatic one.
    pub author: Author,
}

impl QueuedReply {
    pub fn bot(body: String, payload: String) -> Self {
        QueuedReply { body, payload, author: Author::Bot }
    }
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
    pub read: Vec<MessageId>,
    pub replies: Vec<QueuedReply>,
    pub add_tags: Vec<Tag>,
    pub remove_tags: Vec<Tag>,
    /// (field, value) for name, phone, email.
    pub contact_fields: Vec<(String, String)>,
    pub handoff: bool,
    pub timers: Vec<(DateTime<Utc>, String)>,
    pub opt_out: Option<String>,
    pub answer: Answer,
    /// A flow answered the guest (the replies are not only the channel's automatic reply): the conversation's
    /// first bot reply, for its response time.
    pub flow_replied: bool,
    /// The stages runs passed, for the flows' funnels.
    pub passages: Vec<Passage>,
}

/// What the step did about the guest's messages it read, for the inbox's "needs reply".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Nothing changes (the step read no messages, or nothing waited and a flow answered).
    #[default]
    Unchanged,
    /// A flow answered what waited.
    Answered,
    /// No flow answered, a flow handed the guest over, or a member has the conversation: a person must answer.
    /// The team hears of it (the assignee alone, if any) unless something waits already or a handoff told them.
    Waiting { since: DateTime<Utc> },
}

/// A step's reads, for the conversation `conversation` names (SQL over the account `$1` and a key `$2`): the
/// conversation with its contact and run, its pending messages, whether the contact wrote before (messages
/// automation already read, or that arrived in human mode), the contact's tags, and upcoming reservations.
fn step_reads(conversation: &str) -> [String; 5] {
    let contact = format!("(SELECT contact_id FROM conversations WHERE account_id = $1 AND id = {conversation})");
    [
        format!(
            "SELECT v.id, v.channel_id, v.contact_id, v.mode, v.last_inbound_at, v.needs_reply_since, c.name, \
             c.opted_out_at, r.state, r.rev, r.updated_at AS step_at FROM conversations v \
             JOIN contacts c ON c.account_id = v.account_id AND c.id = v.contact_id \
             LEFT JOIN flow_runs r ON r.account_id = v.account_id AND r.conversation_id = v.id \
             WHERE v.account_id = $1 AND v.id = {conversation}"
        ),
        format!(
            "SELECT id, kind, body, payload, platform_message_id, updated_at FROM messages WHERE account_id = $1 \
             AND conversation_id = {conversation} AND automation_pending = 1 ORDER BY updated_at, id"
        ),
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM messages WHERE account_id = $1 AND conversation_id = {conversation} \
             AND direction = 'in' AND automation_pending = 0 LIMIT 1) earlier"
        ),
        format!("SELECT tag FROM contact_tags WHERE account_id = $1 AND contact_id = {contact}"),
        crate::reservations::upcoming_sql(&contact),
    ]
}

/// Another step wrote first: re-read and try again.
#[derive(Debug, thiserror::Error)]
#[error("the conversation changed while its step ran")]
pub struct StepConflict;

impl Flows<'_> {
    /// Everything a flow step reads about one conversation, in one call on SQLite.
    pub async fn step_input(&self, conversation_id: ConversationId) -> Result<StepInput> {
        static READS: LazyLock<[String; 5]> = LazyLock::new(|| step_reads("$2"));
        self.read_step_input(&conversation_id.to_string(), &READS).await
    }

    /// `step_input` for the conversation of the message `message_id` (the message that queued the step).
    pub async fn step_input_for_message(&self, message_id: MessageId) -> Result<StepInput> {
        static READS: LazyLock<[String; 5]> =
            LazyLock::new(|| step_reads("(SELECT conversation_id FROM messages WHERE account_id = $1 AND id = $2)"));
        self.read_step_input(&message_id.to_string(), &READS).await
    }

    /// Runs `step_reads`' statements for `key` (`$2`); the last one also takes the time (`$3`).
    async fn read_step_input(&self, key: &str, reads: &[String; 5]) -> Result<StepInput> {
        let account = self.tenant.account_id().to_string();
        let mut b = self.tenant.store().batch();
        for sql in &reads[..4] {
            b.add(sql).bind(&account).bind(key);
        }
        b.add(&reads[4]).bind(&account).bind(key).bind(self.tenant.store().now_ms());
        let done = b.run(&mut *self.tenant.store().read.acquire().await?).await?;
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
            conversation_id: c.try_get("id")?,
            channel_id: c.try_get::<String, _>("channel_id")?.parse().map_err(StoreError::corrupt)?,
            tags: done[3].rows.iter().map(|r| r.try_get("tag")).collect::<Result<_, _>>()?,
            upcoming: done[4].rows.iter().map(crate::reservations::from_row).collect::<Result<_>>()?,
            contact_id: c.try_get("contact_id")?,
            mode: word(c, "mode")?,
            last_inbound_at: c.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
            contact_name: c.try_get("name")?,
            opted_out: c.try_get::<Option<i64>, _>("opted_out_at")?.is_some(),
            waiting: c.try_get::<Option<i64>, _>("needs_reply_since")?.is_some(),
            first_contact: read_before == 0,
            state: c.try_get("state")?,
            rev: c.try_get::<Option<i64>, _>("rev")?.unwrap_or(0),
            last_step_at: c.try_get::<Option<i64>, _>("step_at")?.map(from_ms),
            pending,
        })
    }

    /// Writes one step's effects in one transaction: the run state (only if no other step wrote since
    /// `expected_rev`), the messages it read, replies with their send jobs, contact changes, timers.
    pub async fn apply_step(&self, input: &StepInput, fx: &StepEffects) -> Result<Result<(), StepConflict>> {
        let at = StepAt {
            account: self.tenant.account_id(),
            conversation_id: input.conversation_id,
            // A conversation's contact never changes: taken from the step's input, not read again.
            contact: input.contact_id,
            now: self.tenant.store().now_ms(),
        };
        let (b, read_at, replies) = step_batch(self.tenant.store().batch(), &at, input.channel_id, fx);
        let (mut tx, done) = self.tenant.store().writes.begin_relaxed_with(b).await?;
        // A fresh row (no run before) is only ours when nobody else created it: expected 0 then.
        let read = read_at.map_or(0, |i| done[i].rows_affected);
        if done[0].rows_affected == 0 || read != fx.read.len() as u64 {
            return Ok(Err(StepConflict));
        }
        let queued: Vec<MessageId> = replies.into_iter().filter_map(|r| r.of(&done)).collect();
        change_contact(&mut tx, &at, fx).await?;
        let mut notified = if fx.handoff { hand_off(&mut tx, &at).await? } else { Notified::none() };
        if let Answer::Waiting { since } = fx.answer {
            notified.extend(wait_for_reply(&mut tx, &at, since, !fx.handoff).await?);
        }
        for (run_at, token) in &fx.timers {
            set_timer(&mut tx, &at, *run_at, token).await?;
        }
        tx.commit().await?;
        for message_id in queued {
            self.tenant.publish(LiveEvent::MessageAdded { conversation_id: at.conversation_id, message_id }).await;
        }
        if fx.handoff {
            let mode =
                LiveEvent::ConversationMode { conversation_id: at.conversation_id, mode: ConversationMode::Human };
            self.tenant.publish(mode).await;
        }
        notified.publish(self.tenant).await;
        Ok(Ok(()))
    }
}

/// Where a step's effects go.
struct StepAt {
    account: AccountId,
    conversation_id: ConversationId,
    contact: ContactId,
    now: i64,
}

/// Adds the run state, the reads and the replies to `b` (one call on SQLite); the rarer effects come after it.
/// Returns the batch, the index of the read statement (if any) and the replies added.
fn step_batch(
    mut b: Batch,
    at: &StepAt,
    channel: ChannelId,
    fx: &StepEffects,
) -> (Batch, Option<usize>, Vec<AddedReply>) {
    let account = at.account.to_string();
    b.add(
        "INSERT INTO flow_runs (account_id, conversation_id, state, rev, updated_at) VALUES ($1, $2, $3, 1, $5) \
         ON CONFLICT (account_id, conversation_id) DO UPDATE SET state = excluded.state, \
         rev = flow_runs.rev + 1, updated_at = excluded.updated_at WHERE flow_runs.rev = $4",
    )
    .bind(&account)
    .bind(at.conversation_id)
    .bind(&fx.state)
    .bind(fx.expected_rev)
    .bind(at.now);
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
    if fx.answer == Answer::Answered {
        b.add("UPDATE conversations SET needs_reply_since = NULL WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(at.conversation_id);
    }
    let channel = channel.to_string();
    let replies = fx
        .replies
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = format!("{}:{i}", fx.key);
            let reply = Reply {
                conversation_id: at.conversation_id,
                channel: &channel,
                body: &r.body,
                payload: &r.payload,
                sent_by: None,
                author: r.author,
                purpose: None,
            };
            add_reply(&mut b, at.account, &reply, &key, at.now)
        })
        .collect();
    if fx.flow_replied && !fx.replies.is_empty() {
        add_first_reply(&mut b, &account, at.conversation_id, FirstReply::Bot, at.now);
    }
    add_passages(&mut b, &account, at.conversation_id, &channel, &fx.passages, at.now);
    (b, read_at, replies)
}

/// Tags added and removed, fields the guest answered, and an opt-out.
async fn change_contact(tx: &mut sqlx::AnyConnection, at: &StepAt, fx: &StepEffects) -> Result<()> {
    let account = at.account.to_string();
    for tag in &fx.add_tags {
        sqlx::query(
            "INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&account)
        .bind(at.contact)
        .bind(tag.as_str())
        .bind(at.now)
        .execute(&mut *tx)
        .await?;
    }
    for tag in &fx.remove_tags {
        sqlx::query("DELETE FROM contact_tags WHERE account_id = $1 AND contact_id = $2 AND tag = $3")
            .bind(&account)
            .bind(at.contact)
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
            .bind(at.contact)
            .bind(value.chars().take(200).collect::<String>())
            .execute(&mut *tx)
            .await?;
    }
    if let Some(word) = &fx.opt_out {
        sqlx::query("UPDATE contacts SET opted_out_at = $3 WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(at.contact)
            .bind(at.now)
            .execute(&mut *tx)
            .await?;
        record_consent(tx, &account, at.contact, "opted_out", "guest", word, at.now).await?;
    }
    Ok(())
}

/// Gives the conversation to the team; the whole team hears that a guest waits for a person.
async fn hand_off(tx: &mut sqlx::AnyConnection, at: &StepAt) -> Result<Notified> {
    // A handoff before any person answered starts the team's first-response clock (maitre-domain metrics.rs).
    sqlx::query(
        "UPDATE conversations SET mode = 'human', status = 'open', closed_at = NULL, first_handoff_at = CASE \
         WHEN first_handoff_at IS NULL AND first_member_reply_at IS NULL THEN $3 ELSE first_handoff_at END \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(at.account.to_string())
    .bind(at.conversation_id)
    .bind(at.now)
    .execute(&mut *tx)
    .await?;
    let kind = NotificationKind::Handoff;
    notify_conversation_in(tx, at.account, at.conversation_id, kind, None, None, at.now).await
}

/// Marks the conversation as waiting for a person since `since`; when nothing waited before and `notify`, the
/// assignee (or, unassigned, the team) hears of it.
async fn wait_for_reply(
    tx: &mut sqlx::AnyConnection,
    at: &StepAt,
    since: DateTime<Utc>,
    notify: bool,
) -> Result<Notified> {
    let flagged: Option<Option<String>> = sqlx::query_scalar(
        "UPDATE conversations SET needs_reply_since = $3 WHERE account_id = $1 AND id = $2 \
         AND needs_reply_since IS NULL RETURNING assignee_id",
    )
    .bind(at.account.to_string())
    .bind(at.conversation_id)
    .bind(since.timestamp_millis())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(assignee) = flagged.filter(|_| notify) else { return Ok(Notified::none()) };
    let target = assignee.map(|a| a.parse()).transpose().map_err(StoreError::corrupt)?;
    let kind = NotificationKind::Unanswered;
    notify_conversation_in(tx, at.account, at.conversation_id, kind, target, None, at.now).await
}

/// Wakes the run at `run_at` with `token` (once per token).
async fn set_timer(tx: &mut sqlx::AnyConnection, at: &StepAt, run_at: DateTime<Utc>, token: &str) -> Result<()> {
    let payload = FlowTimerJob { conversation: at.conversation_id, token: token.to_owned() };
    let key = format!("timer:{}:{token}", at.conversation_id);
    let job = NewJob::new(Some(at.account), &payload).dedupe(&key).at(run_at);
    enqueue_in(tx, at.now, &job).await?;
    Ok(())
}

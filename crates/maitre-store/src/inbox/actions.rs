//! Staff actions on a conversation: assignment, takeover and hand-back, close and reopen, notes, tags, read
//! markers and replies written by a member. Each is recorded in the activity trail with who and when, and published
//! live.
use maitre_domain::contacts::Tag;
use maitre_domain::jobs::{FlowStartJob, SendJob};
use maitre_domain::{
    Author, ConversationId, ConversationMode, ConversationStatus, FlowId, MessageId, Outreach, UserId,
};
use sqlx::AssertSqlSafe;

use super::{Inbox, text};
use crate::conversations::{Reply, queue_reply_in};
use crate::notifications::{NotificationKind, Notified, notify_conversation_in};
use crate::{LiveEvent, Result, StoreError};

/// A message a member (or an API client: `sent_by` None) queues by hand.
pub(crate) struct ByHand<'a> {
    pub conversation_id: ConversationId,
    pub sent_by: Option<UserId>,
    pub body: &'a str,
    /// The send job's message when it is more than text (a WhatsApp template); '' for text.
    pub payload: &'a str,
    /// The canned response used, whose count goes up.
    pub canned: Option<&'a str>,
    /// Keys the send job: a message queued again under the same key is refused (Conflict "message_key").
    pub key: &'a str,
}

impl Inbox<'_> {
    /// Assigns to a member (who must belong to this account: check with `member` first) or unassigns.
    pub async fn assign(
        &self,
        conversation_id: ConversationId,
        assignee: Option<UserId>,
        actor: Option<UserId>,
    ) -> Result<()> {
        let detail = match assignee {
            Some(user) => self.tenant.team().member(user).await?.name,
            None => String::new(),
        };
        let kind = if assignee.is_some() { "assigned" } else { "unassigned" };
        let mut tx = self.tenant.store().writes.begin().await?;
        self.update_conversation(&mut tx, conversation_id, "assignee_id = $3", assignee.map(|u| u.to_string())).await?;
        self.record_activity(&mut tx, conversation_id, actor, kind, &detail).await?;
        let notified = match assignee {
            Some(user) => {
                let now = self.tenant.store().now_ms();
                let kind = NotificationKind::Assigned;
                notify_conversation_in(&mut tx, self.tenant.account_id(), conversation_id, kind, Some(user), actor, now)
                    .await?
            }
            None => Notified::none(),
        };
        tx.commit().await?;
        self.tenant.store().jobs_queued(); // the assignee's email, if they want one
        self.tenant.publish(LiveEvent::ConversationAssigned { conversation_id, assignee }).await;
        notified.publish(self.tenant).await;
        Ok(())
    }

    /// A member takes the conversation from the bot: human mode (automation stops answering), assigned to them
    /// unless someone already has it. Without an actor (the API) the assignment stays as it is.
    pub async fn take_over(&self, conversation_id: ConversationId, actor: Option<UserId>) -> Result<()> {
        let mut tx = self.tenant.store().writes.begin().await?;
        self.update_conversation(
            &mut tx,
            conversation_id,
            "mode = 'human', assignee_id = COALESCE(assignee_id, $3)",
            actor.map(|a| a.to_string()),
        )
        .await?;
        self.record_activity(&mut tx, conversation_id, actor, "taken_over", "").await?;
        let assignee: Option<String> =
            sqlx::query_scalar("SELECT assignee_id FROM conversations WHERE account_id = $1 AND id = $2")
                .bind(self.tenant.account_id().to_string())
                .bind(conversation_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        self.tenant.publish(LiveEvent::ConversationMode { conversation_id, mode: ConversationMode::Human }).await;
        let assignee = assignee.map(|a| a.parse()).transpose().map_err(StoreError::corrupt)?;
        self.tenant.publish(LiveEvent::ConversationAssigned { conversation_id, assignee }).await;
        Ok(())
    }

    /// Returns the conversation to the bot. With `start` (a flow id; the caller checks that it may start), the
    /// run in progress ends and a job starts that flow from its start node; the trail names the flow. An unknown
    /// flow is NotFound and changes nothing.
    pub async fn hand_back(
        &self,
        conversation_id: ConversationId,
        actor: Option<UserId>,
        start: Option<FlowId>,
    ) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        self.update_conversation(&mut tx, conversation_id, "mode = 'bot'", None).await?;
        let flow_name = match start {
            None => String::new(),
            Some(flow) => {
                let name: String = sqlx::query_scalar("SELECT name FROM flows WHERE account_id = $1 AND id = $2")
                    .bind(&account)
                    .bind(flow)
                    .fetch_one(&mut *tx)
                    .await?;
                // Bumping the revision makes a step that read the old run retry on the new state.
                sqlx::query(
                    "UPDATE flow_runs SET state = NULL, rev = rev + 1, updated_at = $3 \
                     WHERE account_id = $1 AND conversation_id = $2",
                )
                .bind(&account)
                .bind(conversation_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let token = uuid::Uuid::now_v7().to_string();
                let key = format!("start:{token}");
                let payload = FlowStartJob { conversation: conversation_id, flow, token };
                let job = crate::NewJob::new(Some(self.tenant.account_id()), &payload).dedupe(&key);
                crate::jobs::enqueue_in(&mut tx, now, &job).await?;
                name
            }
        };
        self.record_activity(&mut tx, conversation_id, actor, "handed_back", &flow_name).await?;
        tx.commit().await?;
        if start.is_some() {
            self.tenant.store().jobs_queued();
        }
        self.tenant.publish(LiveEvent::ConversationMode { conversation_id, mode: ConversationMode::Bot }).await;
        Ok(())
    }

    /// Closes (`closed: true`) or reopens a conversation. A new message from the guest reopens it too.
    pub async fn set_closed(&self, conversation_id: ConversationId, closed: bool, actor: Option<UserId>) -> Result<()> {
        let (status, kind) =
            if closed { (ConversationStatus::Closed, "closed") } else { (ConversationStatus::Open, "reopened") };
        let mut tx = self.tenant.store().writes.begin().await?;
        // The close time goes with the status, in one statement: the figures count resolution times from it.
        let closed_at = closed.then(|| self.tenant.store().now_ms());
        let changed =
            sqlx::query("UPDATE conversations SET status = $3, closed_at = $4 WHERE account_id = $1 AND id = $2")
                .bind(self.tenant.account_id().to_string())
                .bind(conversation_id)
                .bind(status.as_str())
                .bind(closed_at)
                .execute(&mut *tx)
                .await?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.record_activity(&mut tx, conversation_id, actor, kind, "").await?;
        tx.commit().await?;
        self.tenant.publish(LiveEvent::ConversationStatus { conversation_id, status }).await;
        Ok(())
    }

    /// Runs `UPDATE conversations SET <set>` (a constant of this file, with `$3` bound to `value`); NotFound when
    /// the conversation is not this account's.
    async fn update_conversation(
        &self,
        tx: &mut sqlx::AnyConnection,
        conversation_id: ConversationId,
        set: &'static str,
        value: Option<String>,
    ) -> Result<()> {
        let sql = format!("UPDATE conversations SET {set} WHERE account_id = $1 AND id = $2");
        let mut query =
            sqlx::query(AssertSqlSafe(sql)).bind(self.tenant.account_id().to_string()).bind(conversation_id);
        if set.contains("$3") {
            query = query.bind(value);
        }
        if query.execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn ensure_conversation(&self, tx: &mut sqlx::AnyConnection, conversation_id: ConversationId) -> Result<()> {
        sqlx::query_scalar::<_, String>("SELECT id FROM conversations WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(conversation_id)
            .fetch_one(&mut *tx)
            .await?;
        Ok(())
    }

    async fn record_activity(
        &self,
        tx: &mut sqlx::AnyConnection,
        conversation_id: ConversationId,
        actor: Option<UserId>,
        kind: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversation_activity (account_id, id, conversation_id, actor_id, kind, detail, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(conversation_id)
        .bind(actor.map(|a| a.to_string()))
        .bind(kind)
        .bind(detail)
        .bind(self.tenant.store().now_ms())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Adds an internal note (never sent to the guest). Empty or over-long text is Conflict "text_length".
    pub async fn add_note(
        &self,
        conversation_id: ConversationId,
        author: Option<UserId>,
        body: &str,
    ) -> Result<String> {
        let body = text(body)?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.tenant.store().writes.begin().await?;
        self.ensure_conversation(&mut tx, conversation_id).await?;
        sqlx::query(
            "INSERT INTO conversation_notes (account_id, id, conversation_id, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(&id)
        .bind(conversation_id)
        .bind(author.map(|a| a.to_string()))
        .bind(body)
        .bind(self.tenant.store().now_ms())
        .execute(&mut *tx)
        .await?;
        self.record_activity(&mut tx, conversation_id, author, "note_added", "").await?;
        tx.commit().await?;
        self.tenant.publish(LiveEvent::NoteAdded { conversation_id, note_id: id.clone() }).await;
        Ok(id)
    }

    /// Tags a conversation (idempotent).
    pub async fn add_tag(&self, conversation_id: ConversationId, tag: &Tag) -> Result<()> {
        let mut tx = self.tenant.store().writes.begin().await?;
        self.ensure_conversation(&mut tx, conversation_id).await?;
        sqlx::query(
            "INSERT INTO conversation_tags (account_id, conversation_id, tag, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, conversation_id, tag) DO NOTHING",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(conversation_id)
        .bind(tag.as_str())
        .bind(self.tenant.store().now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.tenant.publish(LiveEvent::ConversationTags { conversation_id }).await;
        Ok(())
    }

    /// Removes a tag as stored (a tag stored before the tag rules tightened may not parse any more).
    pub async fn remove_tag(&self, conversation_id: ConversationId, tag: &str) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM conversation_tags WHERE account_id = $1 AND conversation_id = $2 AND tag = $3")
                .bind(self.tenant.account_id().to_string())
                .bind(conversation_id)
                .bind(tag)
                .execute(&self.tenant.store().write)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.tenant.publish(LiveEvent::ConversationTags { conversation_id }).await;
        Ok(())
    }

    /// Every tag in use in this account, alphabetically (for filters).
    pub async fn tags(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT DISTINCT tag FROM conversation_tags WHERE account_id = $1 ORDER BY tag")
            .bind(self.tenant.account_id().to_string())
            .fetch_all(&self.tenant.store().read)
            .await?)
    }

    /// Marks everything in the conversation as seen by `user`.
    pub async fn mark_read(&self, conversation_id: ConversationId, user: UserId) -> Result<()> {
        sqlx::query(
            "INSERT INTO conversation_reads (account_id, conversation_id, user_id, last_read_id) \
             SELECT $1, $2, $3, MAX(id) FROM messages WHERE account_id = $1 AND conversation_id = $2 HAVING COUNT(*) > 0 \
             ON CONFLICT (account_id, conversation_id, user_id) DO UPDATE SET last_read_id = excluded.last_read_id",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(conversation_id)
        .bind(user.to_string())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }

    /// Queues a reply written by a member (or, with `sent_by: None`, by an API client, which the send job treats
    /// as automation). The caller checks the messaging window first; the send job checks it again. `canned`
    /// counts a use of that canned response. Returns the message id.
    pub async fn reply(
        &self,
        conversation_id: ConversationId,
        sent_by: Option<UserId>,
        body: &str,
        canned: Option<&str>,
    ) -> Result<MessageId> {
        self.queue_by_hand(conversation_id, sent_by, text(body)?, "", canned).await
    }

    /// Queues a message a member (or an API client) chose that is more than text: `payload` is the send job's
    /// message (a WhatsApp template), `body` what the thread shows of it.
    pub async fn reply_with_payload(
        &self,
        conversation_id: ConversationId,
        sent_by: Option<UserId>,
        body: &str,
        payload: &str,
    ) -> Result<MessageId> {
        self.queue_by_hand(conversation_id, sent_by, body, payload, None).await
    }

    async fn queue_by_hand(
        &self,
        conversation_id: ConversationId,
        sent_by: Option<UserId>,
        body: &str,
        payload: &str,
        canned: Option<&str>,
    ) -> Result<MessageId> {
        let key = format!("manual:{}", uuid::Uuid::now_v7());
        let by_hand = ByHand { conversation_id, sent_by, body, payload, canned, key: &key };
        let mut tx = self.tenant.store().writes.begin().await?;
        let id = self.queue_by_hand_in(&mut tx, &by_hand, self.tenant.store().now_ms()).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        self.tenant.publish(LiveEvent::MessageAdded { conversation_id, message_id: id }).await;
        Ok(id)
    }

    /// Queues a message by hand inside the caller's transaction: the reply and its send job, and the conversation
    /// no longer waiting for a person. The caller commits, then wakes the workers and publishes the message.
    pub(crate) async fn queue_by_hand_in(
        &self,
        tx: &mut sqlx::AnyConnection,
        m: &ByHand<'_>,
        now: i64,
    ) -> Result<MessageId> {
        let account = self.tenant.account_id().to_string();
        let channel: String =
            sqlx::query_scalar("SELECT channel_id FROM conversations WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(m.conversation_id)
                .fetch_one(&mut *tx)
                .await?;
        let sent_by = m.sent_by.map(|u| u.to_string());
        let reply = Reply {
            conversation_id: m.conversation_id,
            channel: &channel,
            body: m.body,
            payload: m.payload,
            sent_by: sent_by.as_deref(),
            author: Author::Member,
            // Only a template is sent by hand with a payload.
            purpose: (!m.payload.is_empty()).then_some(Outreach::Template),
        };
        let id = queue_reply_in(tx, self.tenant.store().batch(), self.tenant.account_id(), &reply, m.key, now)
            .await?
            .ok_or_else(|| StoreError::Conflict { constraint: "message_key".into() })?;
        // A person answered: nothing waits any more.
        sqlx::query(
            "UPDATE conversations SET needs_reply_since = NULL, \
             last_message_at = CASE WHEN last_message_at < $3 THEN $3 ELSE last_message_at END \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(&account)
        .bind(m.conversation_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(canned) = m.canned {
            sqlx::query("UPDATE canned_responses SET usage_count = usage_count + 1 WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(canned)
                .execute(&mut *tx)
                .await?;
        }
        Ok(id)
    }

    /// Queues a failed outbound message again. Anything but a failed outbound message of this account is NotFound.
    pub async fn retry_message(&self, message_id: MessageId) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let conversation: ConversationId = sqlx::query_scalar(
            "UPDATE messages SET status = 'queued', error = '', updated_at = $3 \
             WHERE account_id = $1 AND id = $2 AND direction = 'out' AND status = 'failed' RETURNING conversation_id",
        )
        .bind(&account)
        .bind(message_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let key = format!("retry:{message_id}:{}", uuid::Uuid::now_v7());
        let payload = SendJob { message: message_id };
        let job = crate::NewJob::new(Some(self.tenant.account_id()), &payload).dedupe(&key);
        crate::jobs::enqueue_in(&mut tx, now, &job).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        self.tenant
            .publish(LiveEvent::MessageStatus { conversation_id: conversation, message_id, status: "queued".into() })
            .await;
        Ok(())
    }
}

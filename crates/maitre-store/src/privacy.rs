//! GDPR for one contact: everything held about them as one JSON document (right of access), and erasure (right
//! to be forgotten) in one transaction, audited with who did it and what was removed.
use chrono::{DateTime, SecondsFormat, Utc};
use maitre_domain::{ContactId, ConversationId};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Row};

use crate::clock::from_ms;
use crate::contacts::Actor;
use crate::contacts::Contacts;
use crate::operations::escape_like;
use crate::{Result, StoreError};

/// What an erasure removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erased {
    pub messages: u64,
    pub events: u64,
    pub reservations: u64,
}

/// One row of the erasure audit.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub contact_id: ContactId,
    pub erased_by: Actor,
    /// The member's email or the API token's name at the time of reading ('' if gone).
    pub erased_by_name: String,
    pub summary: String,
    pub at: DateTime<Utc>,
}

fn time(ms: i64) -> String {
    from_ms(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Conversations of the contact, for use in `IN (…)`.
const CONVERSATIONS_OF: &str = "SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $2";

impl Contacts<'_> {
    /// Everything stored about one contact: identity, custom fields, tags, consent history, staff notes,
    /// conversations with every message, and reservations.
    pub async fn contact_export(&self, id: ContactId) -> Result<Value> {
        let c = self.contact(id).await?;
        let account = self.tenant.account_id().to_string();
        let messages = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, conversation_id, direction, kind, body, payload, status, created_at FROM messages \
             WHERE account_id = $1 AND conversation_id IN ({CONVERSATIONS_OF}) ORDER BY created_at, id"
        )))
        .bind(&account)
        .bind(id)
        .fetch_all(&self.tenant.store().read)
        .await?;
        let mut conversations = Vec::new();
        for v in self.contact_conversations(id).await? {
            let mut list = Vec::new();
            for m in messages.iter().filter(|m| m.try_get::<ConversationId, _>("conversation_id").ok() == Some(v.id)) {
                list.push(json!({
                    "id": m.try_get::<String, _>("id")?,
                    "direction": m.try_get::<String, _>("direction")?,
                    "kind": m.try_get::<String, _>("kind")?,
                    "text": m.try_get::<String, _>("body")?,
                    "payload": m.try_get::<String, _>("payload")?,
                    "status": m.try_get::<String, _>("status")?,
                    "at": time(m.try_get("created_at")?),
                }));
            }
            conversations.push(json!({
                "id": v.id, "platform": v.platform, "channel": v.channel_name, "status": v.status, "mode": v.mode,
                "messages": list,
            }));
        }
        let reservations: Vec<Value> = self
            .contact_reservations(id)
            .await?
            .into_iter()
            .map(|r| {
                json!({
                    "id": r.id, "local_start": r.local_start.format("%Y-%m-%dT%H:%M").to_string(),
                    "party_size": r.party_size, "status": r.status.as_str(), "service": r.service, "name": r.name,
                    "phone": r.phone, "email": r.email, "notes": r.notes, "created_at": r.created_at.to_rfc3339(),
                })
            })
            .collect();
        let consents: Vec<Value> = self
            .consents(id)
            .await?
            .into_iter()
            .map(|k| json!({"state": k.state, "source": k.source, "detail": k.detail, "at": k.at.to_rfc3339()}))
            .collect();
        let notes: Vec<Value> = self
            .contact_notes(id)
            .await?
            .into_iter()
            .map(|n| json!({"text": n.body, "by": n.author_name, "at": n.created_at.to_rfc3339()}))
            .collect();
        let fields: serde_json::Map<String, Value> = c.fields.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        Ok(json!({
            "contact": {
                "id": c.id, "platform": c.platform, "channel": c.channel_name, "external_id": c.external_id,
                "name": c.name, "phone": c.phone, "email": c.email, "created_at": c.created_at.to_rfc3339(),
                "opted_out_at": c.opted_out_at.map(|t| t.to_rfc3339()),
            },
            "fields": fields,
            "tags": c.tags,
            "consents": consents,
            "notes": notes,
            "conversations": conversations,
            "reservations": reservations,
        }))
    }

    /// Erases a contact: message texts and payloads blanked (queued replies never go out, scheduled ones are
    /// deleted), the webhook items that carried them blanked, flow state dropped, reservations unlinked and
    /// stripped of name, phone, email and notes, notifications naming them, tags, field values, staff notes and
    /// consent history deleted, and the identity anonymised. The row itself stays (its id now means nobody) so conversations keep a valid reference.
    /// One transaction; audited.
    pub async fn erase_contact(&self, id: ContactId, by: Actor) -> Result<Erased> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let (channel, external): (String, String) = sqlx::query_as(
            "SELECT channel_id, external_id FROM contacts WHERE account_id = $1 AND id = $2 AND erased_at IS NULL",
        )
        .bind(&account)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        let (messages, events) = blank_history(&mut tx, &account, id, &channel, &external).await?;
        let reservations = forget_links(&mut tx, &account, id, now).await?;
        sqlx::query(
            "UPDATE contacts SET external_id = 'erased:' || id, name = '', phone = '', email = '', \
             opted_out_at = NULL, erased_at = $3 WHERE account_id = $1 AND id = $2",
        )
        .bind(&account)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let erased = Erased { messages, events, reservations };
        let summary = json!({"messages": messages, "events": events, "reservations": reservations}).to_string();
        sqlx::query(
            "INSERT INTO contact_erasures (account_id, id, contact_id, erased_by, summary, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&account)
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(id)
        .bind(by.to_string())
        .bind(summary)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(erased)
    }

    /// The erasure audit, newest first.
    pub async fn erasures(&self) -> Result<Vec<Erasure>> {
        let rows = sqlx::query(
            "SELECT e.contact_id, e.erased_by, COALESCE(u.email, t.name, '') AS by_name, e.summary, e.at \
             FROM contact_erasures e LEFT JOIN users u ON u.id = e.erased_by \
             LEFT JOIN api_tokens t ON t.account_id = e.account_id AND 'token:' || t.id = e.erased_by \
             WHERE e.account_id = $1 ORDER BY e.at DESC, e.id DESC LIMIT 500",
        )
        .bind(self.tenant.account_id().to_string())
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Erasure {
                    contact_id: r.try_get("contact_id")?,
                    erased_by: r.try_get::<String, _>("erased_by")?.parse()?,
                    erased_by_name: r.try_get("by_name")?,
                    summary: r.try_get("summary")?,
                    at: from_ms(r.try_get("at")?),
                })
            })
            .collect()
    }
}

/// Blanks the texts and payloads of the contact's messages (queued replies fail instead of going out) and the
/// webhook items that carried them. Returns how many of each.
async fn blank_history(
    tx: &mut sqlx::AnyConnection,
    account: &str,
    id: ContactId,
    channel: &str,
    external: &str,
) -> Result<(u64, u64)> {
    let messages = sqlx::query(AssertSqlSafe(format!(
        "UPDATE messages SET body = '', payload = '', error = '', automation_pending = 0, \
         status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END \
         WHERE account_id = $1 AND conversation_id IN ({CONVERSATIONS_OF})"
    )))
    .bind(account)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Stored items are compact JSON written by serde: the guest's id appears exactly like this.
    let pattern = format!("%\"contact_id\":\"{}\"%", escape_like(external));
    let events = sqlx::query(
        "UPDATE inbound_events SET item = '{}' WHERE account_id = $1 AND channel_id = $2 \
         AND item LIKE $3 ESCAPE '\\'",
    )
    .bind(account)
    .bind(channel)
    .bind(pattern)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok((messages, events))
}

/// Drops what links the contact to the business's records: flow state, scheduled messages, notifications naming them, their tags,
/// field values, consents and staff notes; reservations are kept for the books but unlinked and stripped of name,
/// phone, email and notes. Returns how many reservations.
async fn forget_links(tx: &mut sqlx::AnyConnection, account: &str, id: ContactId, now: i64) -> Result<u64> {
    // Messages scheduled for them go too (their jobs then find nothing to send).
    for table in ["flow_runs", "scheduled_messages"] {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE account_id = $1 AND conversation_id IN ({CONVERSATIONS_OF})"
        )))
        .bind(account)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    // Notifications name the guest: those about their conversations, the replies to them and their reservations go.
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM notifications WHERE account_id = $1 AND (subject IN ({CONVERSATIONS_OF}) \
         OR subject IN (SELECT m.id FROM messages m WHERE m.account_id = $1 AND m.conversation_id IN \
             ({CONVERSATIONS_OF})) \
         OR subject IN (SELECT r.id FROM reservations r WHERE r.account_id = $1 AND r.contact_id = $2))"
    )))
    .bind(account)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let reservations = sqlx::query(
        "UPDATE reservations SET name = '', phone = '', email = '', notes = '', contact_id = NULL, \
         conversation_id = NULL, updated_at = $3 WHERE account_id = $1 AND contact_id = $2",
    )
    .bind(account)
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    for table in ["contact_tags", "contact_field_values", "contact_consents", "contact_notes"] {
        sqlx::query(AssertSqlSafe(format!("DELETE FROM {table} WHERE account_id = $1 AND contact_id = $2")))
            .bind(account)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(reservations)
}

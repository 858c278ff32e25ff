//! Staff notes on a contact: written by a member or through the API, newest first, changed or deleted by their
//! author or a moderator (the permission is decided in `maitre_domain::permissions::can_change_note`).
use chrono::{DateTime, Utc};
use maitre_domain::{ContactId, NoteId};
use sqlx::{AssertSqlSafe, Row};

use crate::clock::from_ms;
use crate::contacts::Actor;
use crate::contacts::Contacts;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactNote {
    pub id: NoteId,
    pub contact_id: ContactId,
    /// None once the member who wrote it was deleted.
    pub author: Option<Actor>,
    /// The member's name (or email), or the API token's name; '' when gone.
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

const NOTE_SELECT: &str = "SELECT n.id, n.contact_id, n.author_id, n.token_id, n.body, n.created_at, n.edited_at, \
     COALESCE(NULLIF(u.name, ''), u.email, t.name, '') AS author_name FROM contact_notes n \
     LEFT JOIN users u ON u.id = n.author_id \
     LEFT JOIN api_tokens t ON t.account_id = n.account_id AND t.id = n.token_id \
     WHERE n.account_id = $1 AND n.contact_id = $2";

fn note_from(r: &sqlx::any::AnyRow) -> Result<ContactNote> {
    let member: Option<String> = r.try_get("author_id")?;
    let token: Option<String> = r.try_get("token_id")?;
    let author = match (member, token) {
        (Some(u), _) => Some(Actor::Member(u.parse().map_err(StoreError::corrupt)?)),
        (None, Some(t)) => Some(Actor::Token(t.parse().map_err(StoreError::corrupt)?)),
        (None, None) => None,
    };
    Ok(ContactNote {
        id: r.try_get("id")?,
        contact_id: r.try_get("contact_id")?,
        author,
        author_name: r.try_get("author_name")?,
        body: r.try_get("body")?,
        created_at: from_ms(r.try_get("created_at")?),
        edited_at: r.try_get::<Option<i64>, _>("edited_at")?.map(from_ms),
    })
}

impl Contacts<'_> {
    /// The notes on a contact, newest first.
    pub async fn contact_notes(&self, contact_id: ContactId) -> Result<Vec<ContactNote>> {
        let sql = format!("{NOTE_SELECT} ORDER BY n.created_at DESC, n.id DESC");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(note_from).collect()
    }

    /// One note of one contact (NotFound for another contact's or account's).
    pub async fn contact_note(&self, contact_id: ContactId, id: NoteId) -> Result<ContactNote> {
        let sql = format!("{NOTE_SELECT} AND n.id = $3");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        note_from(&row)
    }

    /// Adds a note (text checked by `maitre_domain::contacts::parse_note`) to a contact that is not erased.
    pub async fn add_contact_note(&self, contact_id: ContactId, by: Actor, body: &str) -> Result<NoteId> {
        let id = NoteId::new();
        let done = sqlx::query(
            "INSERT INTO contact_notes (account_id, id, contact_id, author_id, token_id, body, created_at) \
             SELECT account_id, $3, id, $4, $5, $6, $7 FROM contacts \
             WHERE account_id = $1 AND id = $2 AND erased_at IS NULL",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(contact_id)
        .bind(id)
        .bind(by.member().map(|u| u.to_string()))
        .bind(by.token().map(|t| t.to_string()))
        .bind(body)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(id) }
    }

    /// Replaces a note's text and marks it edited.
    pub async fn edit_contact_note(&self, contact_id: ContactId, id: NoteId, body: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE contact_notes SET body = $4, edited_at = $5 WHERE account_id = $1 AND contact_id = $2 AND id = $3",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(contact_id)
        .bind(id)
        .bind(body)
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn delete_contact_note(&self, contact_id: ContactId, id: NoteId) -> Result<()> {
        let done = sqlx::query("DELETE FROM contact_notes WHERE account_id = $1 AND contact_id = $2 AND id = $3")
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

//! Contacts as staff see them: the searchable list, one contact with its custom field values, tags, consent,
//! conversations and reservations, and the other identities of the same person. The account's field definitions
//! and the writing of a contact's field values and tags are in `fields`.
//!
//! A contact row is one channel identity (a WhatsApp number, an Instagram user …). The same person reached on
//! several channels is shown as one person by matching identities: the same phone number (a WhatsApp identity's
//! id is its number) or the same email address. Rows are never merged, so a wrong match never loses data.
mod events;
mod fields;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use fields::apply_extras;
use maitre_domain::contacts::Tag;
use maitre_domain::segments::SegmentRules;
use maitre_domain::{
    ApiTokenId, ChannelId, ContactId, ConversationId, ConversationMode, ConversationStatus, Platform, UserId,
};
use sqlx::{AssertSqlSafe, Row};

pub use events::ContactEvent;

use crate::clock::{from_ms, to_ms};
use crate::decode::word;
use crate::flows::record_consent;
use crate::operations::{cut, escape_like};
use crate::reservations::{COLUMNS as RESERVATION_COLUMNS, from_row as reservation_from_row};
use crate::segments::Condition;
use crate::tenant::TenantStore;
use crate::{Cursor, Page, Reservation, Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub channel_id: ChannelId,
    pub platform: Platform,
    pub channel_name: String,
    pub external_id: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub opted_out_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub tags: Vec<String>,
    /// (field key, value) of the account's custom fields that have a value.
    pub fields: Vec<(String, String)>,
}

impl Contact {
    /// The phone number the person is reached at: the stored one, or a WhatsApp identity's own number.
    pub fn phone_key(&self) -> String {
        match (self.phone.is_empty(), self.platform) {
            (false, _) => self.phone.clone(),
            (true, Platform::WhatsApp) => format!("+{}", self.external_id),
            _ => String::new(),
        }
    }
}

/// Filters of the list; newest contacts first.
#[derive(Debug, Default)]
pub struct ContactQuery<'a> {
    /// Part of the name, email, phone number or platform id (case-insensitive; digits also match formatted
    /// numbers).
    pub search: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// Did this at or after the first instant and before the second (the guests behind an analytics figure).
    pub happened: Option<(ContactEvent, DateTime<Utc>, DateTime<Utc>)>,
    /// Only the contacts a segment's rules take in.
    pub segment: Option<&'a SegmentRules>,
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// A change to a contact, already checked (see `maitre_domain::contacts`). A field value of `None` removes it;
/// `tags`, when given, replace the contact's tags.
#[derive(Debug, Default)]
pub struct ContactEdit {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub fields: Vec<(String, Option<String>)>,
    pub tags: Option<Vec<Tag>>,
}

/// Who changed a contact: a member, or an API token (a token is not a person, but the audit names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    Member(UserId),
    Token(ApiTokenId),
}

impl Actor {
    pub fn member(self) -> Option<UserId> {
        match self {
            Actor::Member(u) => Some(u),
            Actor::Token(_) => None,
        }
    }

    pub fn token(self) -> Option<ApiTokenId> {
        match self {
            Actor::Token(t) => Some(t),
            Actor::Member(_) => None,
        }
    }
}

/// Stored as the user id, or `token:` and the token id.
impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Actor::Member(u) => write!(f, "{u}"),
            Actor::Token(t) => write!(f, "token:{t}"),
        }
    }
}

impl std::str::FromStr for Actor {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s.strip_prefix("token:") {
            Some(t) => t.parse().map(Actor::Token).map_err(StoreError::corrupt),
            None => s.parse().map(Actor::Member).map_err(StoreError::corrupt),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContactConversation {
    pub id: ConversationId,
    pub platform: Platform,
    pub channel_name: String,
    pub status: ConversationStatus,
    pub mode: ConversationMode,
    pub last_message_at: DateTime<Utc>,
    pub messages: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// `opted_in` or `opted_out`.
    pub state: String,
    /// `guest` (a keyword in a message) or `staff`.
    pub source: String,
    /// The guest's word, or the staff member's email.
    pub detail: String,
    pub at: DateTime<Utc>,
}

const CONTACT_SELECT: &str = "SELECT c.id, c.channel_id, ch.platform, ch.name AS channel_name, c.external_id, c.name, \
     c.phone, c.email, c.opted_out_at, c.created_at FROM contacts c \
     JOIN channels ch ON ch.account_id = c.account_id AND ch.id = c.channel_id \
     WHERE c.account_id = $1 AND c.erased_at IS NULL";

fn contact_from(r: &sqlx::any::AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: r.try_get("id")?,
        channel_id: r.try_get("channel_id")?,
        platform: word(r, "platform")?,
        channel_name: r.try_get("channel_name")?,
        external_id: r.try_get("external_id")?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        opted_out_at: r.try_get::<Option<i64>, _>("opted_out_at")?.map(from_ms),
        created_at: from_ms(r.try_get("created_at")?),
        tags: Vec::new(),
        fields: Vec::new(),
    })
}

/// Tags and (field key, value) pairs of one contact.
type Details = (Vec<String>, Vec<(String, String)>);

/// `$2, $3, …` for `n` values bound after `first - 1` others.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// One business's guests: their contacts, tags, consent, custom fields, notes, imports, GDPR export and erasure.
/// Handed out by `TenantStore::contacts`, so every query and change is the business's own.
pub struct Contacts<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn contacts(&self) -> Contacts<'_> {
        Contacts { tenant: self }
    }
}

impl Contacts<'_> {
    /// Opt-in/opt-out history of a contact, newest first: (state, source, detail, at).
    pub async fn consent_history(&self, contact_id: ContactId) -> Result<Vec<(String, String, String, DateTime<Utc>)>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT state, source, detail, at FROM contact_consents WHERE account_id = $1 AND contact_id = $2 \
             ORDER BY at DESC, id DESC",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(contact_id)
        .fetch_all(&self.tenant.store().read)
        .await?;
        Ok(rows.into_iter().map(|(s, src, d, at)| (s, src, d, from_ms(at))).collect())
    }

    /// A page of contacts, newest first, with their tags and field values.
    pub async fn list(&self, q: &ContactQuery<'_>) -> Result<Page<Contact>> {
        let search = q.search.map(str::trim).filter(|s| !s.is_empty());
        let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let digits: Option<String> = search
            .filter(|s| s.chars().all(|c| c.is_ascii_digit() || " +-/().".contains(c)))
            .map(|s| s.chars().filter(char::is_ascii_digit).collect::<String>())
            .filter(|d| d.len() >= 3)
            .map(|d| format!("%{d}%"));
        let segment = match q.segment {
            Some(rules) => Condition::of(rules, to_ms(self.tenant.now()), 11),
            None => Condition::everyone(),
        };
        let sql = format!(
            "{CONTACT_SELECT} AND ($2 IS NULL OR LOWER(c.name) LIKE $2 ESCAPE '\\' OR LOWER(c.email) LIKE $2 ESCAPE '\\' \
             OR c.phone LIKE $2 ESCAPE '\\' OR LOWER(c.external_id) LIKE $2 ESCAPE '\\' \
             OR c.phone LIKE $3 OR c.external_id LIKE $3) \
             AND ($4 IS NULL OR EXISTS (SELECT 1 FROM contact_tags t WHERE t.account_id = c.account_id \
             AND t.contact_id = c.id AND t.tag = $4)) \
             AND ($5 IS NULL OR c.created_at < $5 OR (c.created_at = $5 AND c.id < $6)) \
             AND {} AND {} ORDER BY c.created_at DESC, c.id DESC LIMIT $7",
            events::CONDITION,
            segment.sql
        );
        let query = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(pattern)
            .bind(digits)
            .bind(q.tag.map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()))
            .bind(q.after.as_ref().map(|c| c.at))
            .bind(q.after.as_ref().map(|c| c.id.clone()))
            .bind(q.limit + 1)
            .bind(q.happened.map(|(_, from, _)| to_ms(from)))
            .bind(q.happened.map(|(_, _, to)| to_ms(to)))
            .bind(q.happened.map(|(event, _, _)| event.as_str()));
        let rows = segment.bind(query).fetch_all(&self.tenant.store().read).await?;
        let mut items = rows.iter().map(contact_from).collect::<Result<Vec<_>>>()?;
        let next = cut(&mut items, q.limit, |c| Cursor { at: to_ms(c.created_at), id: c.id.to_string() });
        self.fill_details(&mut items).await?;
        Ok(Page { items, next })
    }

    /// One contact of this account (erased contacts and other accounts' ids are NotFound).
    pub async fn contact(&self, id: ContactId) -> Result<Contact> {
        let sql = format!("{CONTACT_SELECT} AND c.id = $2");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .fetch_one(&self.tenant.store().read)
            .await?;
        let mut items = vec![contact_from(&row)?];
        self.fill_details(&mut items).await?;
        Ok(items.remove(0))
    }

    /// Tags and field values of the listed contacts: two queries per 500 contacts.
    async fn fill_details(&self, items: &mut [Contact]) -> Result<()> {
        for chunk in items.chunks_mut(500) {
            let ids = placeholders(2, chunk.len());
            let mut extras: HashMap<ContactId, Details> = HashMap::new();
            let tags = format!(
                "SELECT contact_id, tag FROM contact_tags WHERE account_id = $1 AND contact_id IN ({ids}) ORDER BY tag"
            );
            let values = format!(
                "SELECT contact_id, field_key, value FROM contact_field_values WHERE account_id = $1 \
                 AND contact_id IN ({ids}) ORDER BY field_key"
            );
            let mut q = sqlx::query(AssertSqlSafe(tags)).bind(self.tenant.account_id().to_string());
            for c in chunk.iter() {
                q = q.bind(c.id);
            }
            for r in q.fetch_all(&self.tenant.store().read).await? {
                extras.entry(r.try_get("contact_id")?).or_default().0.push(r.try_get("tag")?);
            }
            let mut q = sqlx::query(AssertSqlSafe(values)).bind(self.tenant.account_id().to_string());
            for c in chunk.iter() {
                q = q.bind(c.id);
            }
            for r in q.fetch_all(&self.tenant.store().read).await? {
                let entry = extras.entry(r.try_get("contact_id")?).or_default();
                entry.1.push((r.try_get("field_key")?, r.try_get("value")?));
            }
            for c in chunk.iter_mut() {
                if let Some((tags, fields)) = extras.remove(&c.id) {
                    c.tags = tags;
                    c.fields = fields;
                }
            }
        }
        Ok(())
    }

    /// Other identities of the same person: the same phone number or email address.
    pub async fn same_person(&self, c: &Contact) -> Result<Vec<Contact>> {
        let phone = c.phone_key();
        let sql = format!(
            "{CONTACT_SELECT} AND c.id <> $2 AND (($3 <> '' AND (c.phone = $3 OR (ch.platform = 'whatsapp' \
             AND c.external_id = $4))) OR ($5 <> '' AND c.email = $5)) ORDER BY c.created_at LIMIT 50"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(c.id)
            .bind(&phone)
            .bind(phone.trim_start_matches('+'))
            .bind(&c.email)
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(contact_from).collect()
    }

    /// Adds a contact to one of the account's channels (else NotFound); an identity the channel already knows is
    /// Conflict `contact_identity`.
    pub async fn create_contact(&self, channel: ChannelId, external_id: &str, edit: &ContactEdit) -> Result<ContactId> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let id = ContactId::new();
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query_scalar::<_, String>("SELECT id FROM channels WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(channel.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let created = sqlx::query(
            "INSERT INTO contacts (account_id, id, channel_id, external_id, name, phone, email, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (channel_id, external_id) DO NOTHING",
        )
        .bind(&account)
        .bind(id)
        .bind(channel.to_string())
        .bind(external_id)
        .bind(&edit.name)
        .bind(&edit.phone)
        .bind(&edit.email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if created.rows_affected() == 0 {
            return Err(StoreError::Conflict { constraint: "contact_identity".into() });
        }
        apply_extras(&mut tx, &account, id, edit, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a contact's name, phone, email, custom field values (and tags, if given) in one transaction.
    pub async fn update_contact(&self, id: ContactId, edit: &ContactEdit) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().writes.begin().await?;
        let done = sqlx::query(
            "UPDATE contacts SET name = $3, phone = $4, email = $5 WHERE account_id = $1 AND id = $2 \
             AND erased_at IS NULL",
        )
        .bind(&account)
        .bind(id)
        .bind(&edit.name)
        .bind(&edit.phone)
        .bind(&edit.email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        apply_extras(&mut tx, &account, id, edit, self.tenant.store().now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a (normalised) tag; adding it twice changes nothing.
    pub async fn add_contact_tag(&self, id: ContactId, tag: &Tag) -> Result<()> {
        self.contact(id).await?;
        sqlx::query(
            "INSERT INTO contact_tags (account_id, contact_id, tag, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(tag.as_str())
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }

    pub async fn remove_contact_tag(&self, id: ContactId, tag: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM contact_tags WHERE account_id = $1 AND contact_id = $2 AND tag = $3")
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .bind(tag)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Staff record an opt-in or opt-out (e.g. told in person); the history keeps who did it.
    pub async fn set_contact_consent(&self, id: ContactId, opted_in: bool, staff_email: &str) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let done = sqlx::query(
            "UPDATE contacts SET opted_out_at = $3 WHERE account_id = $1 AND id = $2 AND erased_at IS NULL",
        )
        .bind(&account)
        .bind(id)
        .bind((!opted_in).then_some(now))
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let state = if opted_in { "opted_in" } else { "opted_out" };
        record_consent(&mut tx, &account, id, state, "staff", staff_email, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opt-in/opt-out history of a contact, newest first.
    pub async fn consents(&self, contact_id: ContactId) -> Result<Vec<Consent>> {
        Ok(self
            .consent_history(contact_id)
            .await?
            .into_iter()
            .map(|(state, source, detail, at)| Consent { state, source, detail, at })
            .collect())
    }

    /// The contact's conversations, latest activity first.
    pub async fn contact_conversations(&self, contact_id: ContactId) -> Result<Vec<ContactConversation>> {
        let rows = sqlx::query(
            "SELECT v.id, ch.platform, ch.name AS channel_name, v.status, v.mode, v.last_message_at, \
             (SELECT COUNT(*) FROM messages m WHERE m.account_id = v.account_id AND m.conversation_id = v.id) AS n \
             FROM conversations v JOIN channels ch ON ch.account_id = v.account_id AND ch.id = v.channel_id \
             WHERE v.account_id = $1 AND v.contact_id = $2 ORDER BY v.last_message_at DESC",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(contact_id)
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ContactConversation {
                    id: r.try_get("id")?,
                    platform: word(r, "platform")?,
                    channel_name: r.try_get("channel_name")?,
                    status: word(r, "status")?,
                    mode: word(r, "mode")?,
                    last_message_at: from_ms(r.try_get("last_message_at")?),
                    messages: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Every reservation linked to the contact, latest first.
    pub async fn contact_reservations(&self, contact_id: ContactId) -> Result<Vec<Reservation>> {
        let sql = format!(
            "SELECT {RESERVATION_COLUMNS} FROM reservations WHERE account_id = $1 AND contact_id = $2 \
             ORDER BY starts_at DESC, id DESC"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(reservation_from_row).collect()
    }
}

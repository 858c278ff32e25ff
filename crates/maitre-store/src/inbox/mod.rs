//! The shared inbox: conversation lists with filters, search and keyset pages; threads (messages, internal notes
//! and the activity trail merged by time). What members do to a conversation is in `actions`.
pub(crate) mod actions;
mod outcome;

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_domain::{
    ChannelId, ContactId, ConversationId, ConversationMode, ConversationStatus, Direction, MessageId, MessageStatus,
    Platform, UserId,
};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use uuid::Uuid;

use crate::clock::from_ms;
use crate::conversations::InboundPayload;
use crate::decode::word;
use crate::operations::{Cursor, Page, cut, escape_like};
use crate::tenant::TenantStore;
use crate::{Backend, Result, StoreError};

pub use outcome::Outcome;

/// Which conversations a list shows. Everything but `Closed` and `All` leaves closed conversations out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Open,
    /// A guest's message waits for a person (`needs_reply_since`).
    NeedsReply,
    Mine,
    Unassigned,
    Bot,
    Human,
    Closed,
    All,
}

impl Filter {
    pub const ALL: [Filter; 8] = [
        Filter::Open,
        Filter::NeedsReply,
        Filter::Mine,
        Filter::Unassigned,
        Filter::Bot,
        Filter::Human,
        Filter::Closed,
        Filter::All,
    ];

    /// `""` is `open`; unknown names are None.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" => Some(Filter::Open),
            s => Filter::ALL.into_iter().find(|f| f.as_str() == s),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Filter::Open => "open",
            Filter::NeedsReply => "needs_reply",
            Filter::Mine => "mine",
            Filter::Unassigned => "unassigned",
            Filter::Bot => "bot",
            Filter::Human => "human",
            Filter::Closed => "closed",
            Filter::All => "all",
        }
    }
}

#[derive(Debug, Clone)]
pub struct InboxQuery<'a> {
    pub filter: Filter,
    /// The member looking: "mine" and unread counts are theirs.
    pub me: UserId,
    pub channel: Option<ChannelId>,
    pub tag: Option<&'a str>,
    /// Part of a message's text or of the contact's name, case-insensitive.
    pub search: Option<&'a str>,
    /// Only conversations whose guest first wrote in [from, to): what an analytics figure counted.
    pub began: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Of those, only the ones a rate counted.
    pub outcome: Option<Outcome>,
    /// Continue after this row (the `next` of the previous page).
    pub after: Option<Cursor>,
    pub limit: i64,
}

/// A conversation as lists and thread headers show it.
#[derive(Debug, Clone)]
pub struct ConversationView {
    pub id: ConversationId,
    pub channel_id: ChannelId,
    pub platform: Platform,
    pub channel_name: String,
    pub contact_id: ContactId,
    pub contact_name: String,
    pub contact_external_id: String,
    pub status: ConversationStatus,
    pub mode: ConversationMode,
    pub assignee: Option<UserId>,
    pub assignee_name: Option<String>,
    pub last_inbound_at: Option<DateTime<Utc>>,
    pub last_message_at: DateTime<Utc>,
    /// Kind and text of the newest message.
    pub preview_kind: String,
    pub preview: String,
    /// Inbound messages the member has not seen (counted up to 100).
    pub unread: i64,
    pub tags: Vec<String>,
    /// Since when a guest's message waits for a person (None: nothing waits).
    pub needs_reply_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct ThreadMessage {
    pub id: MessageId,
    pub direction: Direction,
    pub kind: String,
    pub body: String,
    /// Attachments and references of a guest's message (empty for messages maitre sent).
    pub extras: InboundPayload,
    pub status: MessageStatus,
    pub error: String,
    /// The member who wrote it by hand (None: the guest, or automation).
    pub sent_by: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Note {
    pub id: String,
    pub author: Option<String>,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// One line of the trail: `kind` is assigned, unassigned, taken_over, handed_back, closed, reopened or
/// note_added; `detail` names the assignee for assignments and the flow a hand-back started.
#[derive(Debug, Clone)]
pub struct ActivityEntry {
    pub id: String,
    pub kind: String,
    /// The member who did it (None: the API or the system).
    pub actor: Option<String>,
    pub detail: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum ThreadItem {
    Message(ThreadMessage),
    Note(Note),
    Activity(ActivityEntry),
}

impl ThreadItem {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            ThreadItem::Message(m) => m.at,
            ThreadItem::Note(n) => n.at,
            ThreadItem::Activity(a) => a.at,
        }
    }

    /// Time, then id: UUIDv7 ids order what happened within one millisecond (or one manual clock tick).
    /// UUIDs order as their text does, so notes' and activities' ids (text) compare with messages' (typed) without
    /// formatting one id per item.
    fn order(&self) -> (DateTime<Utc>, Uuid) {
        let id = match self {
            ThreadItem::Message(m) => m.id.uuid(),
            ThreadItem::Note(n) => Uuid::parse_str(&n.id).unwrap_or_default(),
            ThreadItem::Activity(a) => Uuid::parse_str(&a.id).unwrap_or_default(),
        };
        (self.at(), id)
    }
}

/// The most recent messages a thread shows.
const THREAD_MESSAGES: i64 = 500;
const MAX_TEXT_CHARS: usize = 4000;

// The inner query picks one page of conversations (filters, search, keyset) along the recency index; only those
// rows get the per-row subqueries: the preview (`kind|body` of the newest message) and the unread count (UUIDv7
// ids in insertion order, compared with the member's read marker). Contact names are searched with `LOWER(name)
// LIKE pattern`; message texts through `{messages}`, one of the two selections below.
const LIST: &str = "SELECT c.id, c.channel_id, ch.platform, ch.name AS channel_name, c.contact_id, \
     ct.name AS contact_name, ct.external_id AS contact_external_id, c.status, c.mode, c.assignee_id, \
     u.name AS assignee_name, c.last_inbound_at, c.last_message_at, c.needs_reply_since, \
     (SELECT m.kind || '|' || m.body FROM messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id \
         ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS preview, \
     (SELECT COUNT(*) FROM (SELECT 1 FROM messages m WHERE m.account_id = c.account_id \
         AND m.conversation_id = c.id AND m.direction = 'in' AND m.id > COALESCE(r.last_read_id, '') LIMIT 100) \
         AS unread_rows) AS unread \
     FROM (SELECT c.* FROM conversations c \
         JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id \
         WHERE c.account_id = $1 AND ($14 IS NULL OR c.id = $14) \
         AND ($3 IS NULL OR c.status = $3) AND ($4 = 0 OR c.status <> 'closed') \
         AND ($5 IS NULL OR c.mode = $5) AND ($6 IS NULL OR c.assignee_id = $6) \
         AND ($7 = 0 OR c.assignee_id IS NULL) AND ($8 IS NULL OR c.channel_id = $8) \
         AND ($9 IS NULL OR EXISTS (SELECT 1 FROM conversation_tags t WHERE t.account_id = c.account_id \
             AND t.conversation_id = c.id AND t.tag = $9)) \
         AND ($10 IS NULL OR LOWER(ct.name) LIKE $10 ESCAPE '\\' OR c.id IN ({messages})) \
         AND ($15 = 0 OR c.needs_reply_since IS NOT NULL) \
         AND ($16 IS NULL OR (c.first_inbound_at >= $16 AND c.first_inbound_at < $17)) AND {outcome} \
         AND ($11 IS NULL OR c.last_message_at < $11 OR (c.last_message_at = $11 AND c.id < $12)) \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $13) c \
     JOIN channels ch ON ch.account_id = c.account_id AND ch.id = c.channel_id \
     JOIN contacts ct ON ct.account_id = c.account_id AND ct.id = c.contact_id \
     LEFT JOIN users u ON u.id = c.assignee_id \
     LEFT JOIN conversation_reads r ON r.account_id = c.account_id AND r.conversation_id = c.id AND r.user_id = $2 \
     ORDER BY c.last_message_at DESC, c.id DESC";

/// Message texts matching the search, PostgreSQL and short searches on SQLite: `LOWER(body) LIKE pattern`, which
/// PostgreSQL answers from its trigram index (migration 20261123000006) and SQLite by scanning the account's
/// messages.
const BY_PATTERN: &str = "SELECT m.conversation_id FROM messages m \
     WHERE m.account_id = $1 AND LOWER(m.body) LIKE $10 ESCAPE '\\'";
/// Message texts matching the search on SQLite, from its trigram full-text index (migration 20261124000011):
/// `$19` is the search as one quoted phrase, i.e. a case-insensitive substring of at least three characters.
/// `CROSS JOIN` keeps the index hits as the outer loop: the planner would otherwise walk the account's messages
/// and probe the index once per message.
const BY_TRIGRAMS: &str = "SELECT m.conversation_id FROM messages_search s \
     CROSS JOIN messages m ON m.search_key = s.rowid WHERE s.body MATCH $19 AND m.account_id = $1";

static LIST_BY_PATTERN: LazyLock<String> = LazyLock::new(|| list(BY_PATTERN));
static LIST_BY_TRIGRAMS: LazyLock<String> = LazyLock::new(|| list(BY_TRIGRAMS));

fn list(messages: &str) -> String {
    LIST.replace("{messages}", messages).replace("{outcome}", outcome::CONDITION)
}

/// The trigram index matches nothing shorter than a trigram.
const MIN_TRIGRAM_CHARS: usize = 3;

fn text(body: &str) -> Result<&str> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_TEXT_CHARS {
        return Err(StoreError::Conflict { constraint: "text_length".into() });
    }
    Ok(body)
}

/// One business's shared inbox: its conversations, their threads and activity, and what members do with them
/// (`actions`). Handed out by `TenantStore::inbox`, so every query and change is the business's own.
pub struct Inbox<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn inbox(&self) -> Inbox<'_> {
        Inbox { tenant: self }
    }
}

impl Inbox<'_> {
    /// One page of conversations, most recent first. Pages continue by position (`after`), so conversations
    /// that receive messages meanwhile move to the top instead of shifting later pages.
    pub async fn list(&self, q: &InboxQuery<'_>) -> Result<Page<ConversationView>> {
        let limit = q.limit.clamp(1, 200);
        let mut items = self.select(q, limit + 1, None).await?;
        let next =
            cut(&mut items, limit, |c| Cursor { at: c.last_message_at.timestamp_millis(), id: c.id.to_string() });
        self.attach_tags(&mut items).await?;
        Ok(Page { items, next })
    }

    /// One conversation as `me` sees it in the inbox. Another account's conversation is NotFound.
    pub async fn conversation(&self, id: ConversationId, me: UserId) -> Result<ConversationView> {
        let q = InboxQuery {
            filter: Filter::All,
            me,
            channel: None,
            tag: None,
            search: None,
            began: None,
            outcome: None,
            after: None,
            limit: 1,
        };
        let mut found = self.select(&q, 1, Some(id)).await?;
        self.attach_tags(&mut found).await?;
        found.pop().ok_or(StoreError::NotFound)
    }

    async fn select(
        &self,
        q: &InboxQuery<'_>,
        limit: i64,
        only: Option<ConversationId>,
    ) -> Result<Vec<ConversationView>> {
        let (status, not_closed, mode, mine, unassigned) = match q.filter {
            Filter::Open => (Some("open"), 0, None, None, 0),
            Filter::NeedsReply => (None, 1, None, None, 0),
            Filter::Mine => (None, 1, None, Some(q.me.to_string()), 0),
            Filter::Unassigned => (None, 1, None, None, 1),
            Filter::Bot => (None, 1, Some("bot"), None, 0),
            Filter::Human => (None, 1, Some("human"), None, 0),
            Filter::Closed => (Some("closed"), 0, None, None, 0),
            Filter::All => (None, 0, None, None, 0),
        };
        let needs_reply = i64::from(q.filter == Filter::NeedsReply);
        let search = q.search.map(str::trim).filter(|s| !s.is_empty());
        let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let phrase = search
            .filter(|s| self.tenant.store().backend() == Backend::Sqlite && s.chars().count() >= MIN_TRIGRAM_CHARS)
            .map(|s| format!("\"{}\"", s.replace('"', "\"\"")));
        let sql = if phrase.is_some() { &LIST_BY_TRIGRAMS } else { &LIST_BY_PATTERN };
        let mut query = sqlx::query(sql.as_str())
            .bind(self.tenant.account_id().to_string())
            .bind(q.me.to_string())
            .bind(status)
            .bind(not_closed)
            .bind(mode)
            .bind(mine)
            .bind(unassigned)
            .bind(q.channel.map(|c| c.to_string()))
            .bind(q.tag)
            .bind(pattern)
            .bind(q.after.as_ref().map(|c| c.at))
            .bind(q.after.as_ref().map(|c| c.id.clone()))
            .bind(limit)
            .bind(only)
            .bind(needs_reply)
            .bind(q.began.map(|(from, _)| from.timestamp_millis()))
            .bind(q.began.map(|(_, to)| to.timestamp_millis()))
            .bind(q.outcome.map(Outcome::as_str));
        if let Some(phrase) = phrase {
            query = query.bind(phrase);
        }
        let rows = query.fetch_all(&self.tenant.store().read).await?;
        rows.iter().map(view).collect()
    }

    async fn attach_tags(&self, items: &mut [ConversationView]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        // Placeholders only ($2…$n) are generated; the ids are bound.
        let marks: Vec<String> = (0..items.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT conversation_id, tag FROM conversation_tags WHERE account_id = $1 AND conversation_id IN ({}) \
             ORDER BY tag",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, (ConversationId, String)>(AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string());
        for c in items.iter() {
            query = query.bind(c.id);
        }
        for (conversation, tag) in query.fetch_all(&self.tenant.store().read).await? {
            if let Some(c) = items.iter_mut().find(|c| c.id == conversation) {
                c.tags.push(tag);
            }
        }
        Ok(())
    }

    /// Messages (the newest 500), notes and activity of a conversation, oldest first.
    pub async fn thread(&self, conversation_id: ConversationId) -> Result<Vec<ThreadItem>> {
        let account = self.tenant.account_id().to_string();
        let read = &self.tenant.store().read;
        let messages = sqlx::query(
            "SELECT m.id, m.direction, m.kind, m.body, m.payload, m.status, m.error, u.name AS sent_by, m.created_at \
             FROM messages m LEFT JOIN users u ON u.id = m.sent_by \
             WHERE m.account_id = $1 AND m.conversation_id = $2 ORDER BY m.created_at DESC, m.id DESC LIMIT $3",
        )
        .bind(&account)
        .bind(conversation_id)
        .bind(THREAD_MESSAGES)
        .fetch_all(read)
        .await?;
        let notes = sqlx::query(
            "SELECT n.id, u.name AS author, n.body, n.created_at FROM conversation_notes n \
             LEFT JOIN users u ON u.id = n.author_id WHERE n.account_id = $1 AND n.conversation_id = $2",
        )
        .bind(&account)
        .bind(conversation_id)
        .fetch_all(read)
        .await?;
        // A note shows itself; its `note_added` line stays in the trail for the record only.
        let activity = sqlx::query(
            "SELECT a.id, a.kind, u.name AS actor, a.detail, a.created_at FROM conversation_activity a \
             LEFT JOIN users u ON u.id = a.actor_id \
             WHERE a.account_id = $1 AND a.conversation_id = $2 AND a.kind <> 'note_added'",
        )
        .bind(&account)
        .bind(conversation_id)
        .fetch_all(read)
        .await?;
        let mut items = Vec::with_capacity(messages.len() + notes.len() + activity.len());
        for r in messages.iter().rev() {
            let direction: Direction = word(r, "direction")?;
            let extras = match direction {
                Direction::In => InboundPayload::decode(r.try_get("payload")?),
                Direction::Out => InboundPayload::default(),
            };
            items.push(ThreadItem::Message(ThreadMessage {
                id: r.try_get("id")?,
                direction,
                kind: r.try_get("kind")?,
                body: r.try_get("body")?,
                extras,
                status: word(r, "status")?,
                error: r.try_get("error")?,
                sent_by: r.try_get("sent_by")?,
                at: from_ms(r.try_get("created_at")?),
            }));
        }
        for r in &notes {
            items.push(ThreadItem::Note(Note {
                id: r.try_get("id")?,
                author: r.try_get("author")?,
                body: r.try_get("body")?,
                at: from_ms(r.try_get("created_at")?),
            }));
        }
        for r in &activity {
            items.push(ThreadItem::Activity(ActivityEntry {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                actor: r.try_get("actor")?,
                detail: r.try_get("detail")?,
                at: from_ms(r.try_get("created_at")?),
            }));
        }
        items.sort_by_cached_key(ThreadItem::order);
        Ok(items)
    }

    /// The trail of a conversation, oldest first, including `note_added`.
    pub async fn activity(&self, conversation_id: ConversationId) -> Result<Vec<ActivityEntry>> {
        sqlx::query(
            "SELECT a.id, a.kind, u.name AS actor, a.detail, a.created_at FROM conversation_activity a \
             LEFT JOIN users u ON u.id = a.actor_id WHERE a.account_id = $1 AND a.conversation_id = $2 \
             ORDER BY a.created_at, a.id",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(conversation_id)
        .fetch_all(&self.tenant.store().read)
        .await?
        .iter()
        .map(|r| {
            Ok(ActivityEntry {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                actor: r.try_get("actor")?,
                detail: r.try_get("detail")?,
                at: from_ms(r.try_get("created_at")?),
            })
        })
        .collect()
    }
}

fn view(r: &AnyRow) -> Result<ConversationView> {
    let preview: Option<String> = r.try_get("preview")?;
    let (kind, body) = preview.as_deref().and_then(|p| p.split_once('|')).unwrap_or_default();
    let assignee: Option<String> = r.try_get("assignee_id")?;
    Ok(ConversationView {
        id: r.try_get("id")?,
        channel_id: r.try_get::<String, _>("channel_id")?.parse().map_err(StoreError::corrupt)?,
        platform: word(r, "platform")?,
        channel_name: r.try_get("channel_name")?,
        contact_id: r.try_get("contact_id")?,
        contact_name: r.try_get("contact_name")?,
        contact_external_id: r.try_get("contact_external_id")?,
        status: word(r, "status")?,
        mode: word(r, "mode")?,
        assignee: assignee.map(|a| a.parse()).transpose().map_err(StoreError::corrupt)?,
        assignee_name: r.try_get("assignee_name")?,
        last_inbound_at: r.try_get::<Option<i64>, _>("last_inbound_at")?.map(from_ms),
        last_message_at: from_ms(r.try_get("last_message_at")?),
        preview_kind: kind.to_owned(),
        preview: body.to_owned(),
        unread: r.try_get("unread")?,
        tags: vec![],
        needs_reply_since: r.try_get::<Option<i64>, _>("needs_reply_since")?.map(from_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip() {
        for f in Filter::ALL {
            assert_eq!(Filter::parse(f.as_str()), Some(f));
        }
        assert_eq!(Filter::parse(""), Some(Filter::Open));
        assert_eq!(Filter::parse("everything"), None);
    }
}

//! The operations view of one account: jobs that failed for good or keep failing (with what they were about),
//! retrying them, and the log of accepted webhook items with personal data redacted.
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use maitre_domain::JobId;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::clock::from_ms;
use crate::tenant::TenantStore;
use maitre_domain::jobs::JobKind;

use crate::{Result, StoreError};

/// Which troubled jobs to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TroubleFilter {
    /// Dead and failing.
    All,
    /// Out of attempts, or failed permanently.
    Dead,
    /// Failed at least once and waiting for another attempt.
    Failing,
}

impl TroubleFilter {
    /// `""`/`all`, `dead` or `failing`; anything else is None.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "all" => Some(Self::All),
            "dead" => Some(Self::Dead),
            "failing" => Some(Self::Failing),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Dead => "dead",
            Self::Failing => "failing",
        }
    }

    /// The `jobs.status` this filter selects among troubled jobs (failing jobs are queued with an error).
    fn status(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::Dead => Some("dead"),
            Self::Failing => Some("queued"),
        }
    }
}

/// A keyset position: the time and id of the last row shown. Shown to clients as `<millis>.<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub(crate) at: i64,
    pub(crate) id: String,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.at, self.id)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid cursor")]
pub struct InvalidCursor;

impl FromStr for Cursor {
    type Err = InvalidCursor;
    fn from_str(s: &str) -> Result<Self, InvalidCursor> {
        let (at, id) = s.split_once('.').ok_or(InvalidCursor)?;
        let valid_id = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        match at.parse() {
            Ok(at) if valid_id => Ok(Cursor { at, id: id.to_owned() }),
            _ => Err(InvalidCursor),
        }
    }
}

/// One page of a list; `next` continues after its last row.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

#[derive(Debug)]
pub struct JobQuery<'a> {
    pub filter: TroubleFilter,
    /// Matches the platform id of the related event, the contact's external id, the channel id (exactly) or the
    /// contact's name (case-insensitive part).
    pub search: Option<&'a str>,
    pub before: Option<Cursor>,
    pub limit: i64,
}

/// A dead or failing job with what it was about, where that can be derived.
#[derive(Debug, Clone)]
pub struct TroubledJob {
    pub id: JobId,
    pub kind: String,
    /// `dead` or `failing`.
    pub status: &'static str,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    /// When a failing job runs next.
    pub run_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub channel_id: Option<String>,
    pub channel_name: Option<String>,
    pub platform: Option<String>,
    pub contact_external_id: Option<String>,
    pub contact_name: Option<String>,
    /// The platform's id of the inbound event the job processes or answers.
    pub event_key: Option<String>,
}

/// An accepted webhook item as operators see it.
#[derive(Debug, Clone)]
pub struct LoggedEvent {
    pub id: String,
    pub channel_id: String,
    pub channel_name: String,
    pub platform: String,
    pub dedupe_key: String,
    /// `type` and `kind` of the event, e.g. `message/text`.
    pub summary: String,
    /// The stored item with personal data replaced (see [`redact_item`]).
    pub item: Value,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
}

// The related event: a process_inbound job names it in its payload; an automatic reply's dedupe key starts with
// `reply:<event id>` (the flow step the guest's message woke). Other jobs have none.
const JOBS: &str = "SELECT j.id, j.kind, j.status, j.attempts, j.max_attempts, j.last_error, j.run_at, \
     j.updated_at, ch.id AS channel_id, ch.name AS channel_name, ch.platform, c.external_id AS contact_external_id, \
     c.name AS contact_name, e.dedupe_key AS event_key \
     FROM jobs j \
     LEFT JOIN messages m ON j.kind = $2 AND m.account_id = j.account_id AND m.id = j.payload \
     LEFT JOIN conversations v ON v.account_id = m.account_id AND v.id = m.conversation_id \
     LEFT JOIN contacts c ON c.account_id = v.account_id AND c.id = v.contact_id \
     LEFT JOIN inbound_events e ON e.account_id = j.account_id AND e.id = CASE WHEN j.kind = $3 THEN j.payload \
         WHEN j.dedupe_key LIKE 'reply:%' THEN SUBSTR(j.dedupe_key, 7, 36) END \
     LEFT JOIN channels ch ON ch.account_id = j.account_id AND ch.id = COALESCE(m.channel_id, e.channel_id) \
     WHERE j.account_id = $1 AND (j.status = 'dead' OR (j.status = 'queued' AND j.last_error IS NOT NULL)) \
     AND ($4 IS NULL OR j.status = $4) \
     AND ($5 IS NULL OR e.dedupe_key = $5 OR c.external_id = $5 OR ch.id = $5 OR LOWER(c.name) LIKE $6 ESCAPE '\\') \
     AND ($7 IS NULL OR j.updated_at < $7 OR (j.updated_at = $7 AND j.id < $8)) \
     ORDER BY j.updated_at DESC, j.id DESC LIMIT $9";

/// One business's operations view: failing and dead jobs, retrying them, and the log of ignored webhook items and
/// job events. Handed out by `TenantStore::operations`, so every query and change is the business's own.
pub struct Operations<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn operations(&self) -> Operations<'_> {
        Operations { tenant: self }
    }
}

impl Operations<'_> {
    /// Dead and failing jobs of this account, most recently changed first.
    pub async fn troubled_jobs_page(&self, q: &JobQuery<'_>) -> Result<Page<TroubledJob>> {
        let search = q.search.map(str::trim).filter(|s| !s.is_empty());
        let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let rows = sqlx::query(JOBS)
            .bind(self.tenant.account_id().to_string())
            .bind(JobKind::Send.as_str())
            .bind(JobKind::ProcessInbound.as_str())
            .bind(q.filter.status())
            .bind(search)
            .bind(pattern)
            .bind(q.before.as_ref().map(|c| c.at))
            .bind(q.before.as_ref().map(|c| c.id.clone()))
            .bind(q.limit + 1)
            .fetch_all(&self.tenant.store().read)
            .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(TroubledJob {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    status: if r.try_get::<String, _>("status")? == "dead" { "dead" } else { "failing" },
                    attempts: r.try_get("attempts")?,
                    max_attempts: r.try_get("max_attempts")?,
                    last_error: r.try_get("last_error")?,
                    run_at: from_ms(r.try_get("run_at")?),
                    updated_at: from_ms(r.try_get("updated_at")?),
                    channel_id: r.try_get("channel_id")?,
                    channel_name: r.try_get("channel_name")?,
                    platform: r.try_get("platform")?,
                    contact_external_id: r.try_get("contact_external_id")?,
                    contact_name: r.try_get("contact_name")?,
                    event_key: r.try_get("event_key")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = cut(&mut items, q.limit, |j| Cursor { at: j.updated_at.timestamp_millis(), id: j.id.to_string() });
        Ok(Page { items, next })
    }

    /// Queues a dead or failing job of this account to run now with its full attempts again. A failed send's
    /// message goes back to `queued`, since the send job only sends queued messages. Another account's job or an
    /// unknown id is NotFound; a job that is not troubled (done, running, waiting) is Conflict `job_not_troubled`.
    pub async fn retry_job(&self, id: JobId) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let retried: Option<(String, String)> = sqlx::query_as(
            "UPDATE jobs SET status = 'queued', attempts = 0, last_error = NULL, run_at = $3, updated_at = $3 \
             WHERE account_id = $1 AND id = $2 \
             AND (status = 'dead' OR (status = 'queued' AND last_error IS NOT NULL)) RETURNING kind, payload",
        )
        .bind(&account)
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((kind, payload)) = retried else {
            let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            return Err(if exists == 0 {
                StoreError::NotFound
            } else {
                StoreError::Conflict { constraint: "job_not_troubled".into() }
            });
        };
        if kind == JobKind::Send.as_str() {
            sqlx::query(
                "UPDATE messages SET status = 'queued', error = '', updated_at = $3 \
                 WHERE account_id = $1 AND id = $2 AND status = 'failed' AND platform_message_id IS NULL",
            )
            .bind(&account)
            .bind(&payload)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(())
    }

    /// Retries every dead job of this account (as [`TenantStore::retry_job`] does one). Returns how many.
    pub async fn retry_all_dead(&self) -> Result<u64> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        sqlx::query(
            "UPDATE messages SET status = 'queued', error = '', updated_at = $2 \
             WHERE account_id = $1 AND status = 'failed' AND platform_message_id IS NULL \
             AND id IN (SELECT payload FROM jobs WHERE account_id = $1 AND kind = $3 AND status = 'dead')",
        )
        .bind(&account)
        .bind(now)
        .bind(JobKind::Send.as_str())
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', attempts = 0, last_error = NULL, run_at = $2, updated_at = $2 \
             WHERE account_id = $1 AND status = 'dead'",
        )
        .bind(&account)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(done.rows_affected())
    }

    /// Accepted webhook items of this account, newest first, redacted.
    pub async fn event_log(&self, before: Option<&Cursor>, limit: i64) -> Result<Page<LoggedEvent>> {
        let account = self.tenant.account_id().to_string();
        let rows = sqlx::query(
            "SELECT e.id, e.channel_id, ch.name AS channel_name, ch.platform, e.dedupe_key, e.item, e.received_at, \
             e.processed_at FROM inbound_events e \
             JOIN channels ch ON ch.account_id = e.account_id AND ch.id = e.channel_id \
             WHERE e.account_id = $1 AND ($2 IS NULL OR e.received_at < $2 OR (e.received_at = $2 AND e.id < $3)) \
             ORDER BY e.received_at DESC, e.id DESC LIMIT $4",
        )
        .bind(&account)
        .bind(before.map(|c| c.at))
        .bind(before.map(|c| c.id.clone()))
        .bind(limit + 1)
        .fetch_all(&self.tenant.store().read)
        .await?;
        let mut items = rows
            .iter()
            .map(|r| {
                let item = redact_item(r.try_get("item")?, &account);
                Ok(LoggedEvent {
                    id: r.try_get("id")?,
                    channel_id: r.try_get("channel_id")?,
                    channel_name: r.try_get("channel_name")?,
                    platform: r.try_get("platform")?,
                    dedupe_key: r.try_get("dedupe_key")?,
                    summary: summary(&item),
                    item,
                    received_at: from_ms(r.try_get("received_at")?),
                    processed_at: r.try_get::<Option<i64>, _>("processed_at")?.map(from_ms),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next = cut(&mut items, limit, |e| Cursor { at: e.received_at.timestamp_millis(), id: e.id.clone() });
        Ok(Page { items, next })
    }
}

/// Queries fetch one row more than asked: its presence means another page exists after the last row kept.
pub(crate) fn cut<T>(items: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> Cursor) -> Option<Cursor> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(cursor)
}

pub(crate) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Objects of the stored item whose fields are judged by name; every field of any other object is redacted.
const CONTAINERS: &[&str] = &["event", "reply_to", "attachments", "error"];
/// Fields whose values are kept: kinds, times and ids of the business side and of messages.
const KEEP: &[&str] = &[
    "platform",
    "account_key",
    "dedupe_key",
    "timestamp",
    "watermark",
    "type",
    "kind",
    "status",
    "is_echo",
    "message_id",
    "comment_id",
    "parent_id",
    "id",
    "payload",
    "mime_type",
    "code",
    "title",
];
/// Fields whose values identify a person: replaced by a short keyed hash, so events of one guest still match up.
const PSEUDONYMIZE: &[&str] = &["contact_id"];
const REDACTED: &str = "[redacted]";

/// The stored item with personal data removed, for showing to operators. An allowlist: every text or number
/// not named in [`KEEP`] inside a known object — texts, names, phone numbers, user ids, URLs, places, file
/// names, and whatever a later parser adds — becomes `"[redacted]"`; the guest's id becomes `#` and 8 hex
/// digits of a hash under `salt` (the account id, so the same guest looks different in two accounts).
/// Unreadable JSON is redacted whole.
pub fn redact_item(item: &str, salt: &str) -> Value {
    match serde_json::from_str(item) {
        Ok(v) => redact(v, None, true, salt),
        Err(_) => Value::String(REDACTED.into()),
    }
}

/// `known`: the value sits in the item itself or in one of its [`CONTAINERS`].
fn redact(v: Value, key: Option<&str>, known: bool, salt: &str) -> Value {
    match v {
        Value::Object(map) => {
            let known = known && key.is_none_or(|k| CONTAINERS.contains(&k));
            Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = redact(v, Some(&k), known, salt);
                        (k, v)
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| redact(v, key, known, salt)).collect()),
        Value::Null | Value::Bool(_) => v,
        leaf => match key {
            Some(k) if known && KEEP.contains(&k) => leaf,
            Some(k) if known && PSEUDONYMIZE.contains(&k) => {
                let text = leaf.as_str().map(str::to_owned).unwrap_or_else(|| leaf.to_string());
                let digest = Sha256::digest(format!("{salt}\0{text}"));
                Value::String(format!("#{}", &hex::encode(digest)[..8]))
            }
            _ => Value::String(REDACTED.into()),
        },
    }
}

fn summary(item: &Value) -> String {
    let event = &item["event"];
    [&event["type"], &event["kind"], &event["status"]]
        .into_iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn whatsapp_text() -> String {
        json!({
            "platform": "whatsapp", "account_key": "200000000000002", "contact_id": "15550002222",
            "dedupe_key": "wamid.TEST_IN_0001", "timestamp": "2026-09-21T14:13:20Z", "profile_name": "Test Guest Alex",
            "event": {"type": "message", "kind": "text", "message_id": "wamid.TEST_IN_0001",
                "text": "Hi! Table for 4 tomorrow at 8pm?", "payload": null, "reply_to": null, "attachments": [],
                "location": null, "is_echo": false, "callback_query_id": null}
        })
        .to_string()
    }

    #[test]
    fn texts_names_and_phone_numbers_are_gone_kinds_ids_and_times_stay() {
        let out = redact_item(&whatsapp_text(), "acct-1");
        let text = out.to_string();
        for secret in ["15550002222", "Test Guest Alex", "Table for 4"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(out["profile_name"], REDACTED);
        assert_eq!(out["event"]["text"], REDACTED);
        for (path, want) in
            [("platform", "whatsapp"), ("account_key", "200000000000002"), ("dedupe_key", "wamid.TEST_IN_0001")]
        {
            assert_eq!(out[path], want);
        }
        assert_eq!(out["timestamp"], "2026-09-21T14:13:20Z");
        assert_eq!((out["event"]["type"].as_str(), out["event"]["kind"].as_str()), (Some("message"), Some("text")));
        assert_eq!(out["event"]["is_echo"], false);
        assert!(out["event"]["location"].is_null() && out["event"]["payload"].is_null());
        assert_eq!(summary(&out), "message/text");
    }

    #[test]
    fn the_guest_id_becomes_a_stable_hash_per_account() {
        let a = redact_item(&whatsapp_text(), "acct-1")["contact_id"].clone();
        let again = redact_item(&whatsapp_text(), "acct-1")["contact_id"].clone();
        let other = redact_item(&whatsapp_text(), "acct-2")["contact_id"].clone();
        assert_eq!(a, again);
        assert_ne!(a, other);
        let a = a.as_str().unwrap();
        assert!(a.starts_with('#') && a.len() == 9, "{a}");
    }

    #[test]
    fn urls_places_files_and_unknown_fields_are_redacted_at_any_depth() {
        let item = json!({
            "event": {"type": "message", "kind": "share",
                "attachments": [{"url": "https://cdn.example/asset?id=1", "media_id": "m1", "mime_type": "image/jpeg",
                    "filename": "passport.jpg"}],
                "location": {"latitude": 52.52, "longitude": 13.4, "name": "Home", "address": "Street 1"},
                "reply_to": {"type": "story", "id": "s1", "url": "https://story.example/1"},
                "new_field": {"nested": ["a@example.com", 42], "id": "user-1", "type": "guest"}}
        });
        let out = redact_item(&item.to_string(), "salt");
        let event = &out["event"];
        let att = &event["attachments"][0];
        assert_eq!((att["url"].as_str(), att["filename"].as_str()), (Some(REDACTED), Some(REDACTED)));
        assert_eq!(att["mime_type"], "image/jpeg");
        for k in ["latitude", "longitude", "name", "address"] {
            assert_eq!(event["location"][k], REDACTED, "{k}");
        }
        assert_eq!((event["reply_to"]["id"].as_str(), event["reply_to"]["url"].as_str()), (Some("s1"), Some(REDACTED)));
        assert_eq!(event["new_field"], json!({"nested": [REDACTED, REDACTED], "id": REDACTED, "type": REDACTED}));
    }

    #[test]
    fn unreadable_items_are_redacted_whole() {
        assert_eq!(redact_item("{\"text\": \"Hi, it's Alex", "salt"), json!(REDACTED));
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c: Cursor = "1790000000000.0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".parse().unwrap();
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        for bad in ["", "x.y", "12", "12.", "12.a'b", "12.a b"] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn like_patterns_match_literally() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}

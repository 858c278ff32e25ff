//! Segments: saved contact filters. The rules (checked by `maitre_domain::segments`) are stored as they are and
//! turned into one SQL condition over `contacts c` whenever they are read, so counts and lists are live.
use chrono::{DateTime, Utc};
use maitre_domain::SegmentId;
use maitre_domain::segments::{ConsentRule, SegmentRules};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::clock::{from_ms, to_ms};
use crate::tenant::TenantStore;
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: SegmentId,
    pub name: String,
    pub rules: SegmentRules,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A value bound into a segment's condition.
#[derive(Debug)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// A segment's rules as a condition over `contacts c` (already limited to one account), with its values bound
/// from `$first` on.
#[derive(Debug, Default)]
pub(crate) struct Condition {
    pub sql: String,
    pub binds: Vec<Bind>,
}

const DAY_MS: i64 = 86_400_000;

impl Condition {
    fn param(&mut self, first: usize, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", first + self.binds.len() - 1)
    }

    /// No condition at all.
    pub(crate) fn everyone() -> Condition {
        Condition { sql: "1 = 1".into(), binds: Vec::new() }
    }

    /// `rules` at `now` (day counts go back from it; "upcoming" starts at it).
    pub(crate) fn of(rules: &SegmentRules, now: i64, first: usize) -> Condition {
        let mut c = Condition::default();
        let mut parts: Vec<String> = Vec::new();
        let owned = "x.account_id = c.account_id AND x.contact_id = c.id";
        for tag in &rules.tags {
            let p = c.param(first, Bind::Text(tag.to_string()));
            parts.push(format!("EXISTS (SELECT 1 FROM contact_tags x WHERE {owned} AND x.tag = {p})"));
        }
        if !rules.platforms.is_empty() {
            let list: Vec<String> =
                rules.platforms.iter().map(|p| c.param(first, Bind::Text(p.as_str().to_owned()))).collect();
            parts.push(format!(
                "c.channel_id IN (SELECT h.id FROM channels h WHERE h.account_id = c.account_id \
                 AND h.platform IN ({}))",
                list.join(", ")
            ));
        }
        if let Some(channel) = rules.channel {
            parts.push(format!("c.channel_id = {}", c.param(first, Bind::Text(channel.to_string()))));
        }
        match rules.consent {
            Some(ConsentRule::OptedIn) => parts.push(format!(
                "c.opted_out_at IS NULL AND EXISTS (SELECT 1 FROM contact_consents x WHERE {owned} \
                 AND x.state = 'opted_in')"
            )),
            Some(ConsentRule::NotOptedOut) => parts.push("c.opted_out_at IS NULL".into()),
            Some(ConsentRule::OptedOut) => parts.push("c.opted_out_at IS NOT NULL".into()),
            None => {}
        }
        for field in &rules.fields {
            let key = c.param(first, Bind::Text(field.key.clone()));
            let value = match &field.equals {
                Some(v) => format!(" AND LOWER(x.value) = LOWER({})", c.param(first, Bind::Text(v.clone()))),
                None => String::new(),
            };
            parts.push(format!(
                "EXISTS (SELECT 1 FROM contact_field_values x WHERE {owned} AND x.field_key = {key}{value})"
            ));
        }
        if let Some(language) = rules.language {
            parts.push(format!("c.language = {}", c.param(first, Bind::Text(language.as_str().to_owned()))));
        }
        c.recency(&mut parts, rules, now, first);
        c.bookings(&mut parts, rules, now, first);
        if parts.is_empty() { Condition::everyone() } else { Condition { sql: parts.join(" AND "), ..c } }
    }

    /// Last message and last visit.
    fn recency(&mut self, parts: &mut Vec<String>, rules: &SegmentRules, now: i64, first: usize) {
        // One conversation per contact (contacts belong to one channel): its latest message either way.
        let messaged = "EXISTS (SELECT 1 FROM conversations v WHERE v.channel_id = c.channel_id \
                        AND v.contact_id = c.id AND v.last_message_at >=";
        if let Some(days) = rules.messaged_within_days {
            parts.push(format!("{messaged} {})", self.param(first, Bind::Int(now - i64::from(days) * DAY_MS))));
        }
        if let Some(days) = rules.silent_for_days {
            parts.push(format!("NOT {messaged} {})", self.param(first, Bind::Int(now - i64::from(days) * DAY_MS))));
        }
        let visited = "EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id \
                       AND r.contact_id = c.id AND r.status = 'completed'";
        if let Some(days) = rules.visited_within_days {
            let since = self.param(first, Bind::Int(now - i64::from(days) * DAY_MS));
            parts.push(format!("{visited} AND r.starts_at >= {since})"));
        }
        if let Some(days) = rules.away_for_days {
            let since = self.param(first, Bind::Int(now - i64::from(days) * DAY_MS));
            parts.push(format!("{visited}) AND NOT {visited} AND r.starts_at >= {since})"));
        }
    }

    /// Upcoming bookings and how often the guest booked.
    fn bookings(&mut self, parts: &mut Vec<String>, rules: &SegmentRules, now: i64, first: usize) {
        if let Some(wanted) = rules.upcoming_booking {
            let now = self.param(first, Bind::Int(now));
            parts.push(format!(
                "{}EXISTS (SELECT 1 FROM reservations r WHERE r.account_id = c.account_id AND r.contact_id = c.id \
                 AND r.status IN ('pending', 'confirmed') AND r.starts_at >= {now})",
                if wanted { "" } else { "NOT " }
            ));
        }
        if let Some(n) = rules.min_bookings {
            let n = self.param(first, Bind::Int(i64::from(n)));
            parts.push(format!(
                "(SELECT COUNT(*) FROM reservations r WHERE r.account_id = c.account_id AND r.contact_id = c.id \
                 AND r.status <> 'cancelled') >= {n}"
            ));
        }
    }

    /// Binds the condition's values onto `q`, after whatever it bound already.
    pub(crate) fn bind<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

fn from_row(r: &AnyRow) -> Result<Segment> {
    let rules: String = r.try_get("rules")?;
    Ok(Segment {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        rules: serde_json::from_str(&rules).map_err(StoreError::corrupt)?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

/// The conflict of a second segment with the same name.
pub const NAME_TAKEN: &str = "segments_name";

fn named(e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict { .. } => StoreError::Conflict { constraint: NAME_TAKEN.into() },
        e => e,
    }
}

/// Handed out by `TenantStore::segments`: every query is the business's own.
pub struct Segments<'t> {
    tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn segments(&self) -> Segments<'_> {
        Segments { tenant: self }
    }
}

impl Segments<'_> {
    fn account(&self) -> String {
        self.tenant.account_id().to_string()
    }

    /// The business's segments, by name.
    pub async fn list(&self) -> Result<Vec<Segment>> {
        let rows = sqlx::query(
            "SELECT id, name, rules, created_at, updated_at FROM segments WHERE account_id = $1 ORDER BY name, id",
        )
        .bind(self.account())
        .fetch_all(&self.tenant.store().read)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// One segment; another business's is NotFound.
    pub async fn get(&self, id: SegmentId) -> Result<Segment> {
        let row = sqlx::query(
            "SELECT id, name, rules, created_at, updated_at FROM segments WHERE account_id = $1 AND id = $2",
        )
        .bind(self.account())
        .bind(id)
        .fetch_one(&self.tenant.store().read)
        .await?;
        from_row(&row)
    }

    /// Saves a new segment (name and rules checked by the caller).
    pub async fn create(&self, name: &str, rules: &SegmentRules) -> Result<Segment> {
        let (id, now) = (SegmentId::new(), self.tenant.store().now_ms());
        sqlx::query(
            "INSERT INTO segments (account_id, id, name, rules, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(self.account())
        .bind(id)
        .bind(name)
        .bind(serde_json::to_string(rules).map_err(StoreError::corrupt)?)
        .bind(now)
        .execute(&self.tenant.store().write)
        .await
        .map_err(|e| named(e.into()))?;
        self.get(id).await
    }

    /// Renames a segment or changes its rules.
    pub async fn update(&self, id: SegmentId, name: &str, rules: &SegmentRules) -> Result<Segment> {
        let done =
            sqlx::query("UPDATE segments SET name = $3, rules = $4, updated_at = $5 WHERE account_id = $1 AND id = $2")
                .bind(self.account())
                .bind(id)
                .bind(name)
                .bind(serde_json::to_string(rules).map_err(StoreError::corrupt)?)
                .bind(self.tenant.store().now_ms())
                .execute(&self.tenant.store().write)
                .await
                .map_err(|e| named(e.into()))?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.get(id).await
    }

    pub async fn delete(&self, id: SegmentId) -> Result<()> {
        let done = sqlx::query("DELETE FROM segments WHERE account_id = $1 AND id = $2")
            .bind(self.account())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// How many of the business's contacts (erased ones never) the rules take in right now.
    pub async fn count(&self, rules: &SegmentRules) -> Result<i64> {
        let cond = Condition::of(rules, to_ms(self.tenant.now()), 2);
        let sql =
            format!("SELECT COUNT(*) FROM contacts c WHERE c.account_id = $1 AND c.erased_at IS NULL AND {}", cond.sql);
        let q = cond.bind(sqlx::query(AssertSqlSafe(sql)).bind(self.account()));
        let row = q.fetch_one(&self.tenant.store().read).await?;
        Ok(row.try_get(0)?)
    }
}

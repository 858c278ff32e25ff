//! An account's booking setup: rules and follow-up settings (one row), resources, services, the calendar feed
//! token, and the availability snapshot built from them.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use maitre_domain::booking::tz::{LocalTimeError, to_local};
use maitre_domain::booking::{
    Booked, BookingRules, ReservationStatus, Resource, ResourceKind, RulesError, Service, Snapshot,
};
use sqlx::{AnyConnection, Row};

use crate::clock::to_ms;
use crate::reservations::Reservations;
use crate::secrets::{hash_token, new_token};
use crate::tenant::TenantStore;
use crate::{Result, Store, StoreError};

/// Why a booking write was refused. Everything but `Store` is the caller's input and is safe to show.
#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("{0}")]
    Invalid(String),
    /// The request names a service the business does not offer.
    #[error("unknown service {0:?}")]
    UnknownService(String),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(transparent)]
    Time(#[from] LocalTimeError),
    #[error("a {from} reservation cannot become {to}")]
    Transition { from: ReservationStatus, to: ReservationStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BookingError {
    fn from(e: sqlx::Error) -> Self {
        BookingError::Store(e.into())
    }
}

fn invalid(msg: impl Into<String>) -> BookingError {
    BookingError::Invalid(msg.into())
}

/// The settings row. `reminder_hours` 0 turns reminders off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingSettings {
    pub rules: BookingRules,
    /// Where guests are asked to leave a review (empty: none).
    pub review_link: String,
    pub reminder_hours: u32,
    pub review_delay_hours: u32,
}

impl Default for BookingSettings {
    fn default() -> Self {
        BookingSettings {
            rules: BookingRules::default(),
            review_link: String::new(),
            reminder_hours: 24,
            review_delay_hours: 3,
        }
    }
}

impl BookingSettings {
    pub fn validate(&self) -> Result<(), BookingError> {
        self.rules.validate()?;
        let link = self.review_link.trim();
        let web_address = |l: &str| {
            url::Url::parse(l).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        };
        if !link.is_empty() && (!web_address(link) || link.len() > 500) {
            return Err(invalid("the review link must be an http(s) address of at most 500 characters"));
        }
        if self.reminder_hours > 24 * 14 {
            return Err(invalid("reminders can be sent at most 336 hours (14 days) ahead"));
        }
        if self.review_delay_hours > 24 * 30 {
            return Err(invalid("the review request can wait at most 720 hours (30 days)"));
        }
        Ok(())
    }
}

/// A resource or a service to save.
pub struct NewResource<'a> {
    pub name: &'a str,
    pub kind: ResourceKind,
    pub seats: u32,
}

pub struct NewService<'a> {
    pub name: &'a str,
    pub duration_minutes: u32,
    pub resource_ids: &'a [String],
}

fn clean_name(name: &str) -> Result<String, BookingError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(invalid("a name must have 1 to 80 characters"));
    }
    Ok(name.to_owned())
}

const SETTINGS_COLUMNS: &str = "rules, review_link, reminder_hours, review_delay_hours";

fn settings_from(row: &sqlx::any::AnyRow) -> Result<BookingSettings> {
    let rules: String = row.try_get("rules")?;
    Ok(BookingSettings {
        rules: serde_json::from_str(&rules).map_err(StoreError::corrupt)?,
        review_link: row.try_get("review_link")?,
        reminder_hours: u32::try_from(row.try_get::<i64, _>("reminder_hours")?).map_err(StoreError::corrupt)?,
        review_delay_hours: u32::try_from(row.try_get::<i64, _>("review_delay_hours")?).map_err(StoreError::corrupt)?,
    })
}

fn default_rules_json() -> String {
    serde_json::to_string(&BookingRules::default()).unwrap_or_default()
}

/// Locks the account's settings row for the rest of the transaction (creating it with defaults on first use)
/// and returns it. The upsert takes PostgreSQL's row lock portably, so two nodes booking for one account run
/// their capacity checks one after the other; SQLite's single writer serialises them anyway.
pub(crate) async fn lock_settings(conn: &mut AnyConnection, account: &str, now: i64) -> Result<BookingSettings> {
    let sql = format!(
        "INSERT INTO booking_settings (account_id, rules, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET updated_at = booking_settings.updated_at RETURNING {SETTINGS_COLUMNS}"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account)
        .bind(default_rules_json())
        .bind(now)
        .fetch_one(&mut *conn)
        .await?;
    settings_from(&row)
}

async fn load_settings(conn: &mut AnyConnection, account: &str) -> Result<BookingSettings> {
    let sql = format!("SELECT {SETTINGS_COLUMNS} FROM booking_settings WHERE account_id = $1");
    match sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account).fetch_optional(&mut *conn).await? {
        Some(row) => settings_from(&row),
        None => Ok(BookingSettings::default()),
    }
}

async fn load_resources(conn: &mut AnyConnection, account: &str) -> Result<Vec<Resource>> {
    let rows = sqlx::query(
        "SELECT id, name, kind, seats FROM booking_resources WHERE account_id = $1 ORDER BY created_at, id",
    )
    .bind(account)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Resource {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get::<String, _>("kind")?.parse().map_err(StoreError::corrupt)?,
                seats: u32::try_from(r.try_get::<i64, _>("seats")?).map_err(StoreError::corrupt)?,
            })
        })
        .collect()
}

async fn load_services(conn: &mut AnyConnection, account: &str) -> Result<Vec<Service>> {
    let rows = sqlx::query(
        "SELECT id, name, duration_minutes, resource_ids FROM booking_services WHERE account_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(account)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Service {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                duration_minutes: u32::try_from(r.try_get::<i64, _>("duration_minutes")?)
                    .map_err(StoreError::corrupt)?,
                resource_ids: serde_json::from_str(&r.try_get::<String, _>("resource_ids")?)
                    .map_err(StoreError::corrupt)?,
            })
        })
        .collect()
}

/// Active reservations overlapping [from, to), in local time.
async fn load_booked(
    conn: &mut AnyConnection,
    account: &str,
    tz: Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Booked>> {
    let rows = sqlx::query(
        "SELECT id, starts_at, ends_at, party_size, resource_id, status FROM reservations \
         WHERE account_id = $1 AND starts_at < $3 AND ends_at > $2 AND status IN ('pending', 'confirmed')",
    )
    .bind(account)
    .bind(to_ms(from))
    .bind(to_ms(to))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Booked {
                id: r.try_get("id")?,
                starts_at: to_local(crate::clock::from_ms(r.try_get("starts_at")?), tz),
                ends_at: to_local(crate::clock::from_ms(r.try_get("ends_at")?), tz),
                party_size: u32::try_from(r.try_get::<i64, _>("party_size")?).map_err(StoreError::corrupt)?,
                resource_id: r.try_get("resource_id")?,
                status: r.try_get::<String, _>("status")?.parse().map_err(StoreError::corrupt)?,
            })
        })
        .collect()
}

/// A snapshot of the account for [from, to) with `settings` already read (locked or not).
pub(crate) async fn snapshot_with(
    conn: &mut AnyConnection,
    account: &str,
    settings: BookingSettings,
    tz: Tz,
    now: DateTime<Utc>,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Snapshot> {
    Ok(Snapshot {
        rules: settings.rules,
        resources: load_resources(conn, account).await?,
        services: load_services(conn, account).await?,
        reservations: load_booked(conn, account, tz, from, to).await?,
        now: to_local(now, tz),
    })
}

impl Reservations<'_> {
    /// The booking settings; defaults until first saved.
    pub async fn booking_settings(&self) -> Result<BookingSettings> {
        let mut conn = self.tenant.store().read.acquire().await?;
        load_settings(&mut conn, &self.tenant.account_id().to_string()).await
    }

    pub async fn put_booking_settings(&self, s: &BookingSettings) -> Result<(), BookingError> {
        s.validate()?;
        let rules = serde_json::to_string(&s.rules).map_err(|e| StoreError::Other(Box::new(e)))?;
        sqlx::query(
            "INSERT INTO booking_settings (account_id, rules, review_link, reminder_hours, review_delay_hours, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET \
             rules = excluded.rules, review_link = excluded.review_link, reminder_hours = excluded.reminder_hours, \
             review_delay_hours = excluded.review_delay_hours, updated_at = excluded.updated_at",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(rules)
        .bind(s.review_link.trim())
        .bind(i64::from(s.reminder_hours))
        .bind(i64::from(s.review_delay_hours))
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        self.tenant.config_changed();
        Ok(())
    }

    /// Whether a calendar feed token exists.
    pub async fn has_ical_feed(&self) -> Result<bool> {
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT ical_token_hash FROM booking_settings WHERE account_id = $1")
                .bind(self.tenant.account_id().to_string())
                .fetch_optional(&self.tenant.store().read)
                .await?;
        Ok(hash.flatten().is_some())
    }

    /// Makes a new calendar feed token (the old one stops working) and returns it; only its hash is stored.
    pub async fn regenerate_ical_token(&self) -> Result<String> {
        let token = new_token("cal");
        sqlx::query(
            "INSERT INTO booking_settings (account_id, rules, ical_token_hash, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id) DO UPDATE SET ical_token_hash = excluded.ical_token_hash, \
             updated_at = excluded.updated_at",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(default_rules_json())
        .bind(hash_token(&token))
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(token)
    }

    pub async fn resources(&self) -> Result<Vec<Resource>> {
        let mut conn = self.tenant.store().read.acquire().await?;
        load_resources(&mut conn, &self.tenant.account_id().to_string()).await
    }

    pub async fn services(&self) -> Result<Vec<Service>> {
        let mut conn = self.tenant.store().read.acquire().await?;
        load_services(&mut conn, &self.tenant.account_id().to_string()).await
    }

    /// Adds a resource. A name already used → Conflict.
    pub async fn create_resource(&self, r: &NewResource<'_>) -> Result<Resource, BookingError> {
        let resource = Resource { id: uuid::Uuid::now_v7().to_string(), ..checked_resource(r)? };
        sqlx::query(
            "INSERT INTO booking_resources (account_id, id, name, kind, seats, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(&resource.id)
        .bind(&resource.name)
        .bind(resource.kind.as_str())
        .bind(i64::from(resource.seats))
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(resource)
    }

    pub async fn update_resource(&self, id: &str, r: &NewResource<'_>) -> Result<Resource, BookingError> {
        let resource = Resource { id: id.to_owned(), ..checked_resource(r)? };
        let done = sqlx::query(
            "UPDATE booking_resources SET name = $3, kind = $4, seats = $5 WHERE account_id = $1 AND id = $2",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .bind(&resource.name)
        .bind(resource.kind.as_str())
        .bind(i64::from(resource.seats))
        .execute(&self.tenant.store().write)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound.into());
        }
        Ok(resource)
    }

    /// Removes a resource and takes it off every service. Reservations keep their (now unknown) resource id.
    pub async fn delete_resource(&self, id: &str) -> Result<()> {
        let account = self.tenant.account_id().to_string();
        let mut tx = self.tenant.store().writes.begin().await?;
        let done = sqlx::query("DELETE FROM booking_resources WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        for mut s in
            load_services(&mut tx, &account).await?.into_iter().filter(|s| s.resource_ids.iter().any(|r| r == id))
        {
            s.resource_ids.retain(|r| r != id);
            sqlx::query("UPDATE booking_services SET resource_ids = $3 WHERE account_id = $1 AND id = $2")
                .bind(&account)
                .bind(&s.id)
                .bind(serde_json::to_string(&s.resource_ids).map_err(|e| StoreError::Other(Box::new(e)))?)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a service. Its resources must exist in this account; a name already used → Conflict.
    pub async fn create_service(&self, s: &NewService<'_>) -> Result<Service, BookingError> {
        self.save_service(None, s).await
    }

    pub async fn update_service(&self, id: &str, s: &NewService<'_>) -> Result<Service, BookingError> {
        self.save_service(Some(id), s).await
    }

    async fn save_service(&self, id: Option<&str>, s: &NewService<'_>) -> Result<Service, BookingError> {
        if !(5..=24 * 60).contains(&s.duration_minutes) {
            return Err(invalid("a service lasts 5 to 1440 minutes"));
        }
        let service = Service {
            id: id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned),
            name: clean_name(s.name)?,
            duration_minutes: s.duration_minutes,
            resource_ids: s.resource_ids.to_vec(),
        };
        let known = self.resources().await?;
        if let Some(unknown) = service.resource_ids.iter().find(|r| !known.iter().any(|k| &k.id == *r)) {
            return Err(invalid(format!("unknown resource {unknown:?}")));
        }
        let resource_ids = serde_json::to_string(&service.resource_ids).map_err(|e| StoreError::Other(Box::new(e)))?;
        let sql = if id.is_some() {
            "UPDATE booking_services SET name = $3, duration_minutes = $4, resource_ids = $5 \
             WHERE account_id = $1 AND id = $2"
        } else {
            "INSERT INTO booking_services (account_id, id, name, duration_minutes, resource_ids, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        };
        let done = sqlx::query(sql)
            .bind(self.tenant.account_id().to_string())
            .bind(&service.id)
            .bind(&service.name)
            .bind(i64::from(service.duration_minutes))
            .bind(resource_ids)
            .bind(self.tenant.store().now_ms())
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound.into());
        }
        Ok(service)
    }

    pub async fn delete_service(&self, id: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM booking_services WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(id)
            .execute(&self.tenant.store().write)
            .await?;
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Rules, resources, services and the active reservations overlapping [from, to), in local time of `tz`.
    /// For flows: load [now, now + horizon] so alternatives can look ahead.
    pub async fn snapshot(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Snapshot> {
        let account = self.tenant.account_id().to_string();
        let mut conn = self.tenant.store().read.acquire().await?;
        let settings = load_settings(&mut conn, &account).await?;
        snapshot_with(&mut conn, &account, settings, tz, self.tenant.store().clock().now(), (from, to)).await
    }

    /// A snapshot reaching from now to the end of the booking horizon.
    pub async fn horizon_snapshot(&self, tz: Tz) -> Result<Snapshot> {
        let now = self.tenant.store().clock().now();
        let days = self.booking_settings().await?.rules.horizon_days;
        self.snapshot(tz, now, now + TimeDelta::days(i64::from(days) + 1)).await
    }
}

fn checked_resource(r: &NewResource<'_>) -> Result<Resource, BookingError> {
    if !(1..=1000).contains(&r.seats) {
        return Err(invalid("seats must be between 1 and 1000"));
    }
    Ok(Resource { id: String::new(), name: clean_name(r.name)?, kind: r.kind, seats: r.seats })
}

impl Store {
    /// The account whose calendar feed `token` opens. Unknown → NotFound.
    pub async fn tenant_for_ical_token(&self, token: &str) -> Result<TenantStore> {
        let account: String = sqlx::query_scalar("SELECT account_id FROM booking_settings WHERE ical_token_hash = $1")
            .bind(hash_token(token))
            .fetch_one(&self.read)
            .await?;
        Ok(TenantStore::new(self.clone(), account.parse().map_err(StoreError::corrupt)?))
    }
}

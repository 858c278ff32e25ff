//! Reservations: created and changed only after a capacity check in the same transaction (race-free on both
//! backends), listed by time with keyset pages, and followed by jobs queued in that transaction: a notice to the
//! business and guest, a reminder before the visit, a review request after it.
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::booking::{ReservationInfo, ReservationStatus, SlotCheck, UnknownValue};
use maitre_domain::jobs::{JobKind, ReservationNotifyJob, ReservationReminderJob, ReviewRequestJob};
use maitre_domain::{AccountId, ContactId, ConversationId, FlowId, ReservationId};
use sqlx::{AnyConnection, Row};

use crate::booking::{BookingError, BookingSettings, lock_settings};
use crate::clock::{from_ms, to_ms};
use crate::jobs::{NewJob, enqueue_in};
use crate::notifications::{Notice, NotificationKind, Notified, notify_in};
use crate::operations::{cut, escape_like};
use crate::tenant::TenantStore;
use crate::{Cursor, Page, Result, StoreError};

pub(crate) const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// Who made or changed a reservation: a guest through a flow, or staff by hand (who may skip the lead time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flow,
    Staff,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flow => "flow",
            Source::Staff => "staff",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Source {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        match s {
            "flow" => Ok(Source::Flow),
            "staff" => Ok(Source::Staff),
            other => Err(UnknownValue { what: "reservation source", value: other.to_owned() }),
        }
    }
}

/// Where a new reservation comes from.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub source: Source,
    pub contact_id: Option<ContactId>,
    pub conversation_id: Option<ConversationId>,
    /// Makes a flow's booking idempotent: a second request with the same key (a re-run of the same flow step)
    /// returns the reservation the first one made.
    pub key: Option<&'a str>,
    /// The flow that booked (its bookings, cancellations and no-shows are counted for it too).
    pub flow: Option<FlowId>,
}

impl Origin<'_> {
    pub fn staff() -> Self {
        Origin { source: Source::Staff, contact_id: None, conversation_id: None, key: None, flow: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub id: ReservationId,
    pub contact_id: Option<ContactId>,
    pub conversation_id: Option<ConversationId>,
    pub service: Option<String>,
    pub resource_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The wall-clock start in the account's time zone when it was booked.
    pub local_start: NaiveDateTime,
    pub party_size: u32,
    pub status: ReservationStatus,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub notes: String,
    pub source: Source,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Reservation {
    pub fn duration_minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }

    /// The reservation as flows and message templates see it.
    pub fn info(&self) -> ReservationInfo {
        ReservationInfo {
            id: self.id.to_string(),
            starts_at: self.local_start,
            duration: self.duration_minutes(),
            party_size: self.party_size,
            status: self.status.as_str().to_owned(),
            name: self.name.clone(),
            service: self.service.clone(),
        }
    }
}

/// The outcome of a create or change: stored, or refused with the reason (and alternatives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booking {
    Booked(Box<Reservation>),
    Refused(SlotCheck),
}

/// Filters for the list; every one optional. Ordered by start time, earliest first.
#[derive(Debug, Default)]
pub struct ReservationQuery<'a> {
    pub status: Option<ReservationStatus>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
    /// Part of the guest's name, case-insensitive.
    pub search: Option<&'a str>,
    /// Made at or after the first instant and before the second (the analytics' bookings of a period).
    pub made: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Only those a flow made and nobody cancelled (the analytics' "booked by maitre").
    pub by_flow_kept: bool,
    /// The `next` of the previous page.
    pub after: Option<Cursor>,
    pub limit: i64,
}

pub(crate) const COLUMNS: &str = "id, contact_id, conversation_id, service, resource_id, starts_at, ends_at, local_start, \
     party_size, status, name, phone, email, notes, source, created_at, updated_at";

/// A contact's coming reservations (`$1` the account, `$3` now), `contact` an expression of the contact's id.
pub(crate) fn upcoming_sql(contact: &str) -> String {
    format!(
        "SELECT {COLUMNS} FROM reservations WHERE account_id = $1 AND contact_id = {contact} AND starts_at >= $3 \
         AND status IN ('pending', 'confirmed') ORDER BY starts_at, id LIMIT 20"
    )
}

pub(crate) fn from_row(r: &sqlx::any::AnyRow) -> Result<Reservation> {
    let local: String = r.try_get("local_start")?;
    Ok(Reservation {
        id: r.try_get("id")?,
        contact_id: r.try_get("contact_id")?,
        conversation_id: r.try_get("conversation_id")?,
        service: r.try_get("service")?,
        resource_id: r.try_get("resource_id")?,
        starts_at: from_ms(r.try_get("starts_at")?),
        ends_at: from_ms(r.try_get("ends_at")?),
        local_start: NaiveDateTime::parse_from_str(&local, LOCAL_FORMAT).map_err(StoreError::corrupt)?,
        party_size: u32::try_from(r.try_get::<i64, _>("party_size")?).map_err(StoreError::corrupt)?,
        status: r.try_get::<String, _>("status")?.parse().map_err(StoreError::corrupt)?,
        name: r.try_get("name")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        notes: r.try_get("notes")?,
        source: r.try_get::<String, _>("source")?.parse().map_err(StoreError::corrupt)?,
        created_at: from_ms(r.try_get("created_at")?),
        updated_at: from_ms(r.try_get("updated_at")?),
    })
}

fn job_keys(id: ReservationId) -> [String; 2] {
    [format!("{}:{id}", JobKind::ReservationReminder), format!("{}:{id}", JobKind::ReviewRequest)]
}

/// Queues the notice for `change` and (re)schedules the reminder and review request for the reservation as it
/// now is. Queued follow-ups of an earlier version are replaced; ones that already ran are not repeated.
pub(crate) async fn follow_up(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    r: &Reservation,
    settings: &BookingSettings,
    change: Option<&str>,
    guest: Option<GuestMessage>,
    now: DateTime<Utc>,
) -> Result<()> {
    let [reminder_key, review_key] = job_keys(r.id);
    sqlx::query("DELETE FROM jobs WHERE account_id = $1 AND dedupe_key IN ($2, $3) AND status = 'queued'")
        .bind(account.to_string())
        .bind(&reminder_key)
        .bind(&review_key)
        .execute(&mut *tx)
        .await?;
    let account_id = Some(account);
    let now_ms = to_ms(now);
    if let Some(change) = change {
        let notice = ReservationNotifyJob { reservation_id: r.id, change: change.to_owned(), guest };
        // Each change is its own notice; a creation or cancellation is noticed once.
        let key = match change {
            "changed" => format!("{}:{}:changed:{now_ms}", JobKind::ReservationNotify, r.id),
            other => format!("{}:{}:{other}", JobKind::ReservationNotify, r.id),
        };
        let job = NewJob::new(account_id, &notice).dedupe(&key);
        enqueue_in(tx, now_ms, &job).await?;
    }
    let remind_at = r.starts_at - TimeDelta::hours(settings.reminder_hours.into());
    if r.status.is_active() && settings.reminder_hours > 0 && remind_at > now {
        let payload = ReservationReminderJob { reservation_id: r.id };
        let job = NewJob::new(account_id, &payload).dedupe(&reminder_key).at(remind_at);
        enqueue_in(tx, now_ms, &job).await?;
    }
    if r.status.is_active() || r.status == ReservationStatus::Completed {
        let payload = ReviewRequestJob { reservation_id: r.id };
        let run_at = r.ends_at + TimeDelta::hours(settings.review_delay_hours.into());
        let job = NewJob::new(account_id, &payload).dedupe(&review_key).at(run_at);
        enqueue_in(tx, now_ms, &job).await?;
    }
    Ok(())
}

/// Tells the team who sees reservations of a new one (name, local time and party size, in no language).
pub(crate) async fn notify_new(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    r: &Reservation,
    now: i64,
) -> Result<Notified> {
    let text = format!("{} · {} · 👥 {}", r.name, r.local_start.format("%Y-%m-%d %H:%M"), r.party_size);
    let link = format!("/a/{account}/reservations/{}", r.id);
    let kind = NotificationKind::Reservation;
    let notice = Notice { kind, target: None, actor: None, text: &text, link: &link, subject: &r.id.to_string() };
    notify_in(tx, account, &notice, now).await
}

pub(crate) async fn fetch(conn: &mut AnyConnection, account: &str, id: ReservationId) -> Result<Reservation> {
    let sql = format!("SELECT {COLUMNS} FROM reservations WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account).bind(id).fetch_one(&mut *conn).await?;
    from_row(&row)
}

/// One business's bookings: reservations, booking them against hours and capacity, booking settings, resources and
/// services. Handed out by `TenantStore::reservations`, so every query and change is the business's own.
pub struct Reservations<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn reservations(&self) -> Reservations<'_> {
        Reservations { tenant: self }
    }
}

impl Reservations<'_> {
    /// Staff change the status (see `ReservationStatus::may_become`). Confirming and cancelling notify the team and
    /// tell the guest; follow-ups are rescheduled for the new status (a cancelled or missed visit gets neither
    /// reminder nor review request).
    pub async fn set_reservation_status(
        &self,
        id: ReservationId,
        status: ReservationStatus,
    ) -> Result<Reservation, BookingError> {
        self.change_status(id, status, true).await
    }

    /// The guest confirms (a template's button): the team hears of it; the caller answers the guest.
    pub async fn confirm_by_guest(&self, id: ReservationId) -> Result<Reservation, BookingError> {
        self.change_status(id, ReservationStatus::Confirmed, false).await
    }

    /// The guest cancels (through a flow): the team hears of it, the guest needs no message about their own doing.
    pub async fn cancel_reservation(&self, id: ReservationId) -> Result<Reservation, BookingError> {
        self.change_status(id, ReservationStatus::Cancelled, false).await
    }

    async fn change_status(
        &self,
        id: ReservationId,
        status: ReservationStatus,
        by_staff: bool,
    ) -> Result<Reservation, BookingError> {
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().clock().now();
        let mut tx = self.tenant.store().writes.begin().await?;
        let settings = lock_settings(&mut tx, &account, to_ms(now)).await?;
        let mut r = fetch(&mut tx, &account, id).await?;
        if !r.status.may_become(status) {
            return Err(BookingError::Transition { from: r.status, to: status });
        }
        if r.status == status {
            return Ok(r);
        }
        sqlx::query("UPDATE reservations SET status = $3, updated_at = $4 WHERE account_id = $1 AND id = $2")
            .bind(&account)
            .bind(id)
            .bind(status.as_str())
            .bind(to_ms(now))
            .execute(&mut *tx)
            .await?;
        r.status = status;
        r.updated_at = now;
        let (change, guest) = match status {
            ReservationStatus::Cancelled => (Some("cancelled"), Some(GuestMessage::Cancelled)),
            ReservationStatus::Confirmed => (Some("changed"), Some(GuestMessage::Confirmed)),
            _ => (None, None),
        };
        let guest = guest.filter(|_| by_staff);
        follow_up(&mut tx, self.tenant.account_id(), &r, &settings, change, guest, now).await?;
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        Ok(r)
    }

    /// One reservation of this account; another account's id is NotFound.
    pub async fn reservation(&self, id: ReservationId) -> Result<Reservation> {
        let mut conn = self.tenant.store().read.acquire().await?;
        fetch(&mut conn, &self.tenant.account_id().to_string(), id).await
    }

    /// A page of reservations by start time, earliest first.
    pub async fn list(&self, q: &ReservationQuery<'_>) -> Result<Page<Reservation>> {
        let search = q.search.map(str::trim).filter(|s| !s.is_empty());
        let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
        let sql = format!(
            "SELECT {COLUMNS} FROM reservations WHERE account_id = $1 AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR starts_at >= $3) AND ($4 IS NULL OR starts_at < $4) \
             AND ($5 IS NULL OR LOWER(name) LIKE $5 ESCAPE '\\') \
             AND ($6 IS NULL OR starts_at > $6 OR (starts_at = $6 AND id > $7)) \
             AND ($9 IS NULL OR created_at >= $9) AND ($10 IS NULL OR created_at < $10) \
             AND ($11 = 0 OR (source = 'flow' AND status <> 'cancelled')) \
             ORDER BY starts_at, id LIMIT $8"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.tenant.account_id().to_string())
            .bind(q.status.map(|s| s.as_str()))
            .bind(q.from.map(to_ms))
            .bind(q.to.map(to_ms))
            .bind(pattern)
            .bind(q.after.as_ref().map(|c| c.at))
            .bind(q.after.as_ref().map(|c| c.id.clone()))
            .bind(q.limit + 1)
            .bind(q.made.map(|(from, _)| to_ms(from)))
            .bind(q.made.map(|(_, to)| to_ms(to)))
            .bind(i64::from(q.by_flow_kept))
            .fetch_all(&self.tenant.store().read)
            .await?;
        let mut items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        let next = cut(&mut items, q.limit, |r| Cursor { at: to_ms(r.starts_at), id: r.id.to_string() });
        Ok(Page { items, next })
    }

    /// A contact's pending and confirmed reservations that have not started yet, soonest first.
    pub async fn upcoming_for_contact(&self, contact_id: ContactId) -> Result<Vec<Reservation>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(upcoming_sql("$2")))
            .bind(self.tenant.account_id().to_string())
            .bind(contact_id)
            .bind(self.tenant.store().now_ms())
            .fetch_all(&self.tenant.store().read)
            .await?;
        rows.iter().map(from_row).collect()
    }
}

//! Booking: the one transaction that checks a reservation against capacity and writes it, holding the account's
//! booking lock so two requests for the last place cannot both succeed.
use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::booking::tz::to_utc;
use maitre_domain::booking::{Ask, Placement, ReservationRequest, ReservationStatus, SlotCheck, Snapshot};
use maitre_domain::{FlowId, ReservationId};
use sqlx::AnyConnection;

use crate::Result;
use crate::booking::{BookingError, lock_settings, snapshot_with};
use crate::clock::to_ms;
use crate::notifications::Notified;
use crate::reservations::Reservations;
use crate::reservations::{Booking, LOCAL_FORMAT, Origin, Reservation, Source, fetch, follow_up, notify_new};

impl Reservations<'_> {
    /// Books `req` (local time in `tz`) if it fits; the check and the insert share one transaction that holds
    /// the account's booking lock, so concurrent requests for the last slot cannot both succeed. Guests' bookings
    /// are pending unless the rules confirm them at once; staff's are confirmed.
    pub async fn create_reservation(
        &self,
        req: &ReservationRequest,
        tz: Tz,
        origin: &Origin<'_>,
    ) -> Result<Booking, BookingError> {
        self.book(None, req, tz, origin, false).await
    }

    /// Staff book (or move `existing`) outside the hours, the limits or the capacity, e.g. a private event: no
    /// slot check, no table held. The caller records the reason (in the notes); the log records that it happened.
    pub async fn book_anyway(
        &self,
        existing: Option<ReservationId>,
        req: &ReservationRequest,
        tz: Tz,
    ) -> Result<Reservation, BookingError> {
        match self.book(existing, req, tz, &Origin::staff(), true).await? {
            Booking::Booked(r) => {
                tracing::info!(account = %self.tenant.account_id(), reservation = %r.id, "booked outside the rules");
                Ok(*r)
            }
            Booking::Refused(check) => Err(BookingError::Invalid(format!("refused although forced: {check:?}"))),
        }
    }

    /// Moves or changes an active reservation, re-checking capacity without counting the reservation itself.
    pub async fn modify_reservation(
        &self,
        id: ReservationId,
        req: &ReservationRequest,
        tz: Tz,
        by: Source,
    ) -> Result<Booking, BookingError> {
        let origin = Origin { source: by, contact_id: None, conversation_id: None, key: None, flow: None };
        self.book(Some(id), req, tz, &origin, false).await
    }

    async fn book(
        &self,
        existing: Option<ReservationId>,
        req: &ReservationRequest,
        tz: Tz,
        origin: &Origin<'_>,
        anyway: bool,
    ) -> Result<Booking, BookingError> {
        check_request(req)?;
        let start = to_utc(req.starts_at, tz)?;
        let account = self.tenant.account_id().to_string();
        let now = self.tenant.store().clock().now();
        let mut tx = self.tenant.store().writes.begin().await?;
        let settings = lock_settings(&mut tx, &account, to_ms(now)).await?;
        let current = match existing {
            Some(id) => Some(fetch(&mut tx, &account, id).await?),
            None => None,
        };
        if let Some(c) = current.as_ref().filter(|c| !c.status.is_active()) {
            return Err(BookingError::Invalid(format!("a {} reservation cannot be changed", c.status)));
        }
        if let (None, Some(key)) = (existing, origin.key)
            && let Some(r) = booked_before(&mut tx, &account, key).await?
        {
            tx.rollback().await?;
            return Ok(Booking::Booked(Box::new(r)));
        }
        let window = (start, start + TimeDelta::days(1));
        let snap = snapshot_with(&mut tx, &account, settings.clone(), tz, now, window).await?;
        let service = known_service(&snap, req)?;
        let staff = origin.source == Source::Staff;
        let exclude = existing.map(|id| id.to_string());
        let ask = Ask { service: service.as_deref(), staff, exclude: exclude.as_deref() };
        let placement = match snap.place(req.starts_at, req.party_size, ask) {
            Ok(p) => p,
            Err(_) if anyway => snap.anyway(req.starts_at, service.as_deref()),
            Err(refusal) => {
                tx.rollback().await?;
                let alternatives = match refusal {
                    SlotCheck::Closed { .. } | SlotCheck::Full { .. } => {
                        self.horizon_snapshot(tz).await?.alternatives(req.starts_at, req.party_size, ask, 3)
                    }
                    _ => vec![],
                };
                return Ok(Booking::Refused(refusal.with_alternatives(alternatives)));
            }
        };
        let status = match &current {
            Some(c) => c.status,
            None if staff || settings.rules.auto_confirm => ReservationStatus::Confirmed,
            None => ReservationStatus::Pending,
        };
        let placed = Placed { start, placement, service, status, now };
        let r = reservation(existing, current.as_ref(), origin, req, placed);
        write(&mut tx, &account, &r, current.is_none().then_some((origin.key, origin.flow))).await?;
        let change = if current.is_some() { "changed" } else { "created" };
        // Staff moving a booking to another time tell the guest; other edits (a note, the phone number) do not.
        let moved = current.as_ref().is_some_and(|c| c.starts_at != r.starts_at) && staff;
        let guest = moved.then_some(GuestMessage::Moved);
        follow_up(&mut tx, self.tenant.account_id(), &r, &settings, Some(change), guest, now).await?;
        let notified = match current {
            Some(_) => Notified::none(),
            None => notify_new(&mut tx, self.tenant.account_id(), &r, to_ms(now)).await?,
        };
        tx.commit().await?;
        self.tenant.store().jobs_queued();
        notified.publish(self.tenant).await;
        Ok(Booking::Booked(Box::new(r)))
    }
}

/// The reservation an earlier request with the same `key` made (a retried booking), if any.
async fn booked_before(tx: &mut AnyConnection, account: &str, key: &str) -> Result<Option<Reservation>> {
    let done: Option<ReservationId> =
        sqlx::query_scalar("SELECT id FROM reservations WHERE account_id = $1 AND request_key = $2")
            .bind(account)
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
    match done {
        Some(id) => Ok(Some(fetch(tx, account, id).await?)),
        None => Ok(None),
    }
}

/// The service asked for, by the name the business gave it; none asked for is none.
fn known_service(snap: &Snapshot, req: &ReservationRequest) -> Result<Option<String>, BookingError> {
    match req.service.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            Ok(Some(snap.service(name).ok_or_else(|| BookingError::UnknownService(name.to_owned()))?.name.clone()))
        }
        None => Ok(None),
    }
}

/// Where and how capacity placed a request.
struct Placed {
    start: DateTime<Utc>,
    placement: Placement,
    service: Option<String>,
    status: ReservationStatus,
    now: DateTime<Utc>,
}

/// The reservation as it will be stored: a change keeps what the guest's first booking recorded (contact,
/// conversation, source, creation time).
fn reservation(
    existing: Option<ReservationId>,
    current: Option<&Reservation>,
    origin: &Origin<'_>,
    req: &ReservationRequest,
    p: Placed,
) -> Reservation {
    Reservation {
        id: existing.unwrap_or_default(),
        contact_id: current.map_or(origin.contact_id, |c| c.contact_id),
        conversation_id: current.map_or(origin.conversation_id, |c| c.conversation_id),
        service: p.service,
        resource_id: p.placement.resource_id,
        starts_at: p.start,
        ends_at: p.start + (p.placement.ends_at - p.placement.starts_at),
        local_start: req.starts_at,
        party_size: req.party_size,
        status: p.status,
        name: req.name.trim().to_owned(),
        phone: req.phone.as_deref().unwrap_or_default().trim().to_owned(),
        email: req.email.as_deref().unwrap_or_default().trim().to_owned(),
        notes: req.notes.trim().to_owned(),
        source: current.map_or(origin.source, |c| c.source),
        created_at: current.map_or(p.now, |c| c.created_at),
        updated_at: p.now,
    }
}

const INSERT: &str = "INSERT INTO reservations (account_id, id, service, resource_id, starts_at, ends_at, \
     local_start, party_size, name, phone, email, notes, updated_at, status, contact_id, conversation_id, source, \
     request_key, flow_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
     $18, $19, $13)";
const UPDATE: &str = "UPDATE reservations SET service = $3, resource_id = $4, starts_at = $5, ends_at = $6, \
     local_start = $7, party_size = $8, name = $9, phone = $10, email = $11, notes = $12, updated_at = $13 \
     WHERE account_id = $1 AND id = $2";

/// Inserts `r` (`new` holds its request key and the flow that booked) or updates the stored reservation's time, place and details.
async fn write(
    tx: &mut AnyConnection,
    account: &str,
    r: &Reservation,
    new: Option<(Option<&str>, Option<FlowId>)>,
) -> Result<()> {
    let q = sqlx::query(if new.is_some() { INSERT } else { UPDATE })
        .bind(account)
        .bind(r.id)
        .bind(r.service.as_deref())
        .bind(r.resource_id.as_deref())
        .bind(to_ms(r.starts_at))
        .bind(to_ms(r.ends_at))
        .bind(r.local_start.format(LOCAL_FORMAT).to_string())
        .bind(i64::from(r.party_size))
        .bind(&r.name)
        .bind(&r.phone)
        .bind(&r.email)
        .bind(&r.notes)
        .bind(to_ms(r.updated_at));
    let q = match new {
        None => q,
        Some((key, flow)) => q
            .bind(r.status.as_str())
            .bind(r.contact_id)
            .bind(r.conversation_id)
            .bind(r.source.as_str())
            .bind(key)
            .bind(flow),
    };
    q.execute(&mut *tx).await?;
    Ok(())
}

/// The guest's details, trimmed and bounded. The business's own limits (party size) are capacity's business.
fn check_request(req: &ReservationRequest) -> Result<(), BookingError> {
    let bounded = |v: &str, max: usize| v.chars().count() <= max && !v.chars().any(|c| c.is_control() && c != '\n');
    let name = req.name.trim();
    if name.is_empty() || !bounded(name, 120) || name.contains('\n') {
        return Err(BookingError::Invalid("the guest's name must have 1 to 120 characters".into()));
    }
    if req.party_size == 0 {
        return Err(BookingError::Invalid("the party size must be at least 1".into()));
    }
    let contact = [req.phone.as_deref(), req.email.as_deref()];
    if contact.into_iter().flatten().any(|v| !bounded(v, 200) || v.contains('\n')) {
        return Err(BookingError::Invalid("phone and email may have at most 200 characters".into()));
    }
    if !bounded(&req.notes, 2000) {
        return Err(BookingError::Invalid("notes may have at most 2000 characters".into()));
    }
    Ok(())
}

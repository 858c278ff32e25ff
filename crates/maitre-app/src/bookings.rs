//! A flow's reservation actions carried out against the store, answered as the engine's next input.
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use maitre_domain::booking::{ReservationRequest, SlotCheck};
use maitre_domain::contacts::name_to_keep;
use maitre_domain::flow::ReservationOutcome;
use maitre_domain::{ContactId, ConversationId, FlowId, ReservationId};
use maitre_jobs::JobError;
use maitre_store::{
    Booking, BookingError, Origin as ReservationOrigin, Source as ReservationSource, StoreError, TenantStore,
};

use crate::retry;

/// Which conversation and flow ask, and the step's key (a re-run of the step finds its reservation instead of
/// booking a second one).
pub struct Origin<'a> {
    pub contact: ContactId,
    pub conversation: ConversationId,
    /// The flow whose run books; none when its id is not one (never for a stored flow).
    pub flow: Option<FlowId>,
    pub key: &'a str,
}

pub async fn reserve(
    tenant: &TenantStore,
    tz: Tz,
    req: &ReservationRequest,
    o: &Origin<'_>,
) -> Result<ReservationOutcome, JobError> {
    let origin = ReservationOrigin {
        source: ReservationSource::Flow,
        contact_id: Some(o.contact),
        conversation_id: Some(o.conversation),
        key: Some(o.key),
        flow: o.flow,
    };
    let req = with_contact(tenant, req, o.contact).await?;
    outcome(tenant.reservations().create_reservation(&req, tz, &origin).await)
}

/// The booking as the guest asked, completed from what we know of them: the fuller name when the answer was a part
/// of it, and the number they wrote from (WhatsApp) or gave before when the flow asked for none.
async fn with_contact(
    tenant: &TenantStore,
    req: &ReservationRequest,
    contact: ContactId,
) -> Result<ReservationRequest, JobError> {
    let known = match tenant.contacts().contact(contact).await {
        Ok(c) => c,
        // Erased between the message and this step: book with what the guest said.
        Err(StoreError::NotFound) => return Ok(req.clone()),
        Err(e) => return Err(retry(e)),
    };
    let phone = req.phone.clone().filter(|p| !p.trim().is_empty()).or_else(|| Some(known.phone_key()));
    Ok(ReservationRequest {
        name: name_to_keep(&known.name, &req.name).to_owned(),
        phone: phone.filter(|p| !p.is_empty()),
        ..req.clone()
    })
}

pub async fn modify(
    tenant: &TenantStore,
    tz: Tz,
    id: &str,
    starts_at: NaiveDateTime,
    party_size: u32,
) -> Result<ReservationOutcome, JobError> {
    // The flow names the reservation it was shown; text that is no id names none.
    let Ok(id) = id.parse::<ReservationId>() else { return Ok(ReservationOutcome::NoReservation) };
    let current = match tenant.reservations().reservation(id).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Ok(ReservationOutcome::NoReservation),
        Err(e) => return Err(retry(e)),
    };
    let req = ReservationRequest {
        starts_at,
        party_size,
        service: current.service.clone(),
        name: current.name.clone(),
        phone: Some(current.phone.clone()).filter(|p| !p.is_empty()),
        email: Some(current.email.clone()).filter(|e| !e.is_empty()),
        notes: current.notes.clone(),
    };
    outcome(tenant.reservations().modify_reservation(id, &req, tz, ReservationSource::Flow).await)
}

pub async fn cancel(tenant: &TenantStore, id: &str) -> Result<ReservationOutcome, JobError> {
    let Ok(id) = id.parse::<ReservationId>() else { return Ok(ReservationOutcome::NoReservation) };
    match tenant.reservations().cancel_reservation(id).await {
        Ok(r) => Ok(ReservationOutcome::Cancelled { reservation: r.info() }),
        Err(BookingError::Store(StoreError::NotFound)) | Err(BookingError::Transition { .. }) => {
            Ok(ReservationOutcome::NoReservation)
        }
        Err(BookingError::Store(e)) => Err(retry(e)),
        Err(e) => Err(JobError::Permanent(e.to_string())),
    }
}

fn outcome(result: Result<Booking, BookingError>) -> Result<ReservationOutcome, JobError> {
    match result {
        Ok(Booking::Booked(r)) => Ok(ReservationOutcome::Booked { reservation: r.info() }),
        Ok(Booking::Refused(check)) => Ok(ReservationOutcome::Unavailable { check }),
        Err(BookingError::Store(e)) => Err(retry(e)),
        // The guest's request cannot be booked as asked (a time that does not exist locally, a past date …):
        // the flow offers its alternatives branch, which asks again.
        Err(e) => {
            tracing::info!(error = %e, "a flow's reservation request was refused");
            Ok(ReservationOutcome::Unavailable { check: SlotCheck::Closed { alternatives: vec![] } })
        }
    }
}

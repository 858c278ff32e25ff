//! Writing to a guest about their booking through the conversation they booked in: inside the platform's window as a
//! normal message (staff decisions in the guest's language), outside it on WhatsApp as the approved template the
//! business chose for that purpose; otherwise nothing can reach them, and the booking says so.
use maitre_channels::outbound::OutboundMessage;
use maitre_channels::policy;
use maitre_domain::booking::ReservationStatus;
use maitre_domain::booking::guest_messages::{GuestMessage, Tap};
use maitre_domain::flow;
use maitre_domain::templates::ButtonAction;
use maitre_domain::{ChannelId, Locale, Outreach, Platform, language};
use maitre_jobs::JobError;
use maitre_store::{BookingError, Channel, GuestOutcome, Reservation, StoreError, TenantStore, ThreadItem};

use crate::guest::GuestFacts;
use crate::{App, retry};

/// How many of the guest's latest messages are read for their language.
const LANGUAGE_SAMPLE: usize = 5;

/// Tells the guest of a staff decision in their language (read from their messages, else the business's).
pub(crate) async fn tell_guest(
    gw: &App,
    tenant: &TenantStore,
    r: &Reservation,
    decision: GuestMessage,
    key: &str,
) -> Result<(), JobError> {
    let (Some(conversation), Some(contact)) = (r.conversation_id, r.contact_id) else { return Ok(()) };
    let facts = GuestFacts::load(tenant, contact, &r.name, Some(r.info())).await.map_err(retry)?;
    let locale = guest_locale(tenant, conversation).await.map_err(retry)?.unwrap_or(facts.locale());
    let facts = facts.in_locale(locale);
    let own = tenant.reservations().guest_text(decision, locale).await.map_err(retry)?;
    let text = flow::render(own.as_deref().unwrap_or(decision.default_text(locale)), &facts.scope());
    message_guest(gw, tenant, r, &text, Some(decision), &format!("{decision}:{}:{key}", r.id)).await
}

/// The language of the guest's latest text message that shows one ("4" or a name says nothing), among their last few.
async fn guest_locale(
    tenant: &TenantStore,
    conversation: maitre_domain::ConversationId,
) -> Result<Option<Locale>, StoreError> {
    let thread = tenant.inbox().thread(conversation).await?;
    let said = thread.iter().rev().filter_map(|i| match i {
        ThreadItem::Message(m) if m.direction == maitre_domain::Direction::In && m.kind == "text" => {
            Some(m.body.as_str())
        }
        _ => None,
    });
    Ok(said.take(LANGUAGE_SAMPLE).find_map(language::guess))
}

/// Sends `text` about reservation `r` once per `key`, or its purpose's template when the window is closed. With a
/// purpose, what became of it is noted on the booking.
pub(crate) async fn message_guest(
    gw: &App,
    tenant: &TenantStore,
    r: &Reservation,
    text: &str,
    purpose: Option<GuestMessage>,
    key: &str,
) -> Result<(), JobError> {
    let Some(conversation) = r.conversation_id else { return Ok(()) };
    let c = match tenant.conversations().conversation_channel(conversation).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let channel = tenant.channels().channel(c.0).await.map_err(retry)?;
    let why = match purpose {
        Some(GuestMessage::Reminder) => Outreach::Reminder,
        Some(_) => Outreach::Decision,
        None => Outreach::Review,
    };
    let outcome = if policy::window(channel.platform, c.1, gw.store.clock().now(), false).is_ok() {
        tenant.conversations().queue_notice(conversation, (text, ""), why, key).await.map_err(retry)?;
        GuestOutcome::Sent(text.to_owned())
    } else {
        match window_template(tenant, &channel, r, purpose).await? {
            Some((name, message)) => {
                let payload = serde_json::to_string(&message).map_err(|e| JobError::Permanent(e.to_string()))?;
                tenant
                    .conversations()
                    .queue_notice(conversation, (&message.text, &payload), why, key)
                    .await
                    .map_err(retry)?;
                GuestOutcome::Template(name)
            }
            None => GuestOutcome::NotPossible(channel.platform.as_str().to_owned()),
        }
    };
    if let Some(purpose) = purpose {
        tenant.reservations().note_guest_message(r.id, purpose, &outcome).await.map_err(retry)?;
    }
    Ok(())
}

/// The template the business chose for `purpose`, filled for this guest and booking, with its name; `None` when there
/// is none, it belongs to another WhatsApp account, or it cannot be sent now (paused, a value missing: logged).
async fn window_template(
    tenant: &TenantStore,
    channel: &Channel,
    r: &Reservation,
    purpose: Option<GuestMessage>,
) -> Result<Option<(String, OutboundMessage)>, JobError> {
    let Some(purpose) = purpose.filter(|_| channel.platform == Platform::WhatsApp) else { return Ok(None) };
    let Some(t) = tenant.templates().used_for(purpose).await.map_err(retry)? else { return Ok(None) };
    if channel.waba_id.as_deref() != Some(t.waba_id.as_str()) {
        return Ok(None);
    }
    let Some(contact) = r.contact_id else { return Ok(None) };
    match crate::templates::for_reservation(tenant, &t, contact, r, purpose).await.map_err(retry)? {
        Ok(message) => Ok(Some((t.name.clone(), message))),
        Err(e) => {
            tracing::warn!(reservation = %r.id, template = %t.name, error = %e, "{purpose} template not sent");
            Ok(None)
        }
    }
}

/// A guest tapped a button of a template about their booking: confirm or cancel it. Runs before the tap is recorded,
/// so a re-run after a crash repeats it harmlessly (a booking confirmed or cancelled stays so). Returns what to tell
/// the guest once the tap is recorded (and their window so open). A tap naming another guest's booking changes
/// nothing.
pub(crate) async fn on_tap(
    tenant: &TenantStore,
    (channel, guest): (ChannelId, &str),
    tap: &Tap,
) -> Result<Option<(Reservation, GuestMessage)>, JobError> {
    let r = match tenant.reservations().reservation(tap.reservation).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(retry(e)),
    };
    if !tapped_by_its_guest(tenant, &r, channel, guest).await.map_err(retry)? {
        tracing::warn!(reservation = %r.id, "a button named a booking of another guest; ignored");
        return Ok(None);
    }
    let reservations = tenant.reservations();
    let changed = match (tap.action, r.status) {
        (ButtonAction::Confirm, ReservationStatus::Pending) => reservations.confirm_by_guest(r.id).await,
        (ButtonAction::Confirm, ReservationStatus::Confirmed) => Ok(r),
        (ButtonAction::Cancel, status) if status.is_active() => reservations.cancel_reservation(r.id).await,
        _ => return Ok(None),
    };
    let said = match tap.action {
        ButtonAction::Cancel => GuestMessage::GuestCancelled,
        _ => GuestMessage::Confirmed,
    };
    match changed {
        Ok(r) => Ok(Some((r, said))),
        Err(BookingError::Transition { .. }) => Ok(None),
        Err(e) => Err(JobError::retry(e.to_string())),
    }
}

/// The tap came from the booking's own guest, on the channel the booking was made on.
async fn tapped_by_its_guest(
    tenant: &TenantStore,
    r: &Reservation,
    channel: ChannelId,
    guest: &str,
) -> Result<bool, StoreError> {
    let (Some(conversation), Some(contact)) = (r.conversation_id, r.contact_id) else { return Ok(false) };
    let (on, _) = tenant.conversations().conversation_channel(conversation).await?;
    Ok(on == channel && tenant.contacts().contact(contact).await?.external_id == guest)
}

//! What happens around a reservation after it is stored: the business hears of new, changed and cancelled
//! reservations by email (the members who chose so); the guest hears of staff decisions, gets a reminder before the
//! visit and a review request after it (see `guest_messages` for how each reaches them).
use maitre_domain::booking::ReservationStatus;
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::jobs::{ReservationNotifyJob, ReservationReminderJob, ReviewRequestJob};
use maitre_domain::{Locale, ReservationId};
use maitre_jobs::JobError;
use maitre_notify::Email;
use maitre_store::{Job, NotificationKind, Reservation, StoreError, TenantStore};
use std::sync::Arc;

use crate::guest_messages::{message_guest, tell_guest};
use crate::{App, job_tenant, payload, retry};

/// Tells the guest of a staff decision (confirmed, cancelled, moved), and emails the members who want it (by default
/// owners and admins) about a new, changed or cancelled reservation.
pub async fn notify(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: ReservationNotifyJob = payload(&job)?;
    let Some((tenant, r)) = load(gw, &job, p.reservation_id).await? else { return Ok(()) };
    if let Some(decision) = p.guest {
        tell_guest(gw, &tenant, &r, decision, &job.id.to_string()).await?;
    }
    match &gw.mailer {
        Some(mailer) => email_team(gw, mailer, &tenant, &r, &p.change).await,
        None => Ok(()),
    }
}

async fn email_team(
    gw: &App,
    mailer: &maitre_notify::Mailer,
    tenant: &TenantStore,
    r: &Reservation,
    change: &str,
) -> Result<(), JobError> {
    let account = tenant.account().await.map_err(retry)?;
    let locale = account.settings.locale;
    let when = r.local_start.format("%d.%m.%Y %H:%M");
    let subject = match (locale, change) {
        (Locale::De, "cancelled") => format!("Reservierung storniert: {}, {when}", r.name),
        (Locale::De, "changed") => format!("Reservierung geändert: {}, {when}", r.name),
        (Locale::De, _) => format!("Neue Reservierung: {}, {when}, {} Pers.", r.name, r.party_size),
        (Locale::Fr, "cancelled") => format!("Réservation annulée : {}, {when}", r.name),
        (Locale::Fr, "changed") => format!("Réservation modifiée : {}, {when}", r.name),
        (Locale::Fr, _) => format!("Nouvelle réservation : {}, {when}, {} pers.", r.name, r.party_size),
        (_, "cancelled") => format!("Reservation cancelled: {}, {when}", r.name),
        (_, "changed") => format!("Reservation changed: {}, {when}", r.name),
        _ => format!("New reservation: {}, {when}, party of {}", r.name, r.party_size),
    };
    let mut body = format!(
        "{subject}\n\n{}: {}\n{}: {}\n{}: {}\nStatus: {}\n",
        label(locale, "name"),
        r.name,
        label(locale, "when"),
        when,
        label(locale, "party"),
        r.party_size,
        r.status,
    );
    for (key, value) in [
        ("service", r.service.clone().unwrap_or_default()),
        ("phone", r.phone.clone()),
        ("email", r.email.clone()),
        ("notes", r.notes.clone()),
    ] {
        if !value.is_empty() {
            body.push_str(&format!("{}: {value}\n", label(locale, key)));
        }
    }
    body.push_str(&format!("\n{}\n", gw.absolute(&format!("/a/{}/reservations/{}", tenant.account_id(), r.id))));
    let members = tenant.notifications().email_recipients(NotificationKind::Reservation).await.map_err(retry)?;
    for m in &members {
        let email = Email { to: &m.email, subject: &subject, body: body.clone() };
        mailer.send(email).await.map_err(|e| JobError::retry(e.to_string()))?;
    }
    Ok(())
}

/// Reminds the guest of an upcoming visit, if it is still on and the window allows a message.
pub async fn remind(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: ReservationReminderJob = payload(&job)?;
    let Some((tenant, r)) = load(gw, &job, p.reservation_id).await? else { return Ok(()) };
    if !r.status.is_active() {
        return Ok(());
    }
    let locale = tenant.account().await.map_err(retry)?.settings.locale;
    let when = r.local_start.format(match locale {
        Locale::En => "%d/%m at %H:%M",
        _ => "%d.%m. um %H:%M",
    });
    let text = match locale {
        Locale::De => format!("Erinnerung: Wir erwarten Sie am {when} ({} Pers.). Bis bald!", r.party_size),
        Locale::Fr => format!(
            "Rappel : nous vous attendons le {} ({} pers.). À bientôt !",
            r.local_start.format("%d/%m à %Hh%M"),
            r.party_size
        ),
        Locale::En => format!("Reminder: we look forward to seeing you on {when} (party of {}).", r.party_size),
    };
    let key = format!("reminder:{}", r.id);
    message_guest(gw, &tenant, &r, &text, Some(GuestMessage::Reminder), &key).await
}

/// Asks for a review once after the visit: the account's `visit_completed` flow when it has one, else a short
/// message with its review link.
pub async fn review(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let p: ReviewRequestJob = payload(&job)?;
    let Some((tenant, r)) = load(gw, &job, p.reservation_id).await? else { return Ok(()) };
    if matches!(r.status, ReservationStatus::Cancelled | ReservationStatus::NoShow) {
        return Ok(());
    }
    let Some(conversation) = r.conversation_id else { return Ok(()) };
    let key = format!("review:{}", r.id);
    if crate::automation::event(gw, &tenant, conversation, "visit_completed", &key).await? {
        return Ok(());
    }
    let link = tenant.reservations().booking_settings().await.map_err(retry)?.review_link;
    if link.is_empty() {
        return Ok(());
    }
    let locale = tenant.account().await.map_err(retry)?.settings.locale;
    let text = match locale {
        Locale::De => format!("Danke für Ihren Besuch! Wir freuen uns über eine Bewertung: {link}"),
        Locale::Fr => format!("Merci de votre visite ! Votre avis nous aide beaucoup : {link}"),
        Locale::En => format!("Thank you for visiting! We'd love a review: {link}"),
    };
    message_guest(gw, &tenant, &r, &text, None, &format!("review:{}", r.id)).await
}

/// The job's business and the reservation it is about (`None` once the reservation is gone).
async fn load(
    gw: &App,
    job: &Job,
    reservation_id: ReservationId,
) -> Result<Option<(TenantStore, Reservation)>, JobError> {
    let tenant = job_tenant(gw, job)?;
    match tenant.reservations().reservation(reservation_id).await {
        Ok(r) => Ok(Some((tenant, r))),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(retry(e)),
    }
}

fn label(locale: Locale, key: &str) -> &'static str {
    match (locale, key) {
        (Locale::De, "name") => "Name",
        (Locale::De, "when") => "Wann",
        (Locale::De, "party") => "Personen",
        (Locale::De, "service") => "Leistung",
        (Locale::De, "phone") => "Telefon",
        (Locale::De, "email") => "E-Mail",
        (Locale::De, "notes") => "Notizen",
        (Locale::Fr, "name") => "Nom",
        (Locale::Fr, "when") => "Quand",
        (Locale::Fr, "party") => "Personnes",
        (Locale::Fr, "service") => "Prestation",
        (Locale::Fr, "phone") => "Téléphone",
        (Locale::Fr, "email") => "E-mail",
        (Locale::Fr, "notes") => "Notes",
        (_, "name") => "Name",
        (_, "when") => "When",
        (_, "party") => "Party size",
        (_, "service") => "Service",
        (_, "phone") => "Phone",
        (_, "email") => "Email",
        _ => "Notes",
    }
}

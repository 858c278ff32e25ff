//! Emails and pushes about handoffs, assignments, unanswered guests, reservations and channels needing a reconnect
//! to the members who want them (their choice was read when the notification was stored, in the same transaction as
//! what it tells about).
use std::sync::Arc;

use maitre_domain::Locale;
use maitre_domain::jobs::{NotificationEmailJob, NotificationPushJob};
use maitre_jobs::JobError;
use maitre_notify::Email;
use maitre_notify::push::Delivery;
use maitre_store::{Job, NotificationKind, StoreError};

use crate::{App, job_tenant, payload, retry};

/// Emails one stored notification to its recipient, with the absolute link to what it is about.
pub async fn email(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let Some(mailer) = &gw.mailer else { return Ok(()) };
    let tenant = job_tenant(&gw, &job)?;
    let p: NotificationEmailJob = payload(&job)?;
    // A member who left the team took their notifications along: nothing to send then.
    let Some(n) = still_there(tenant.notifications().notification(&p.notification_id).await)? else { return Ok(()) };
    let Some(member) = still_there(tenant.team().member(n.user_id).await)? else { return Ok(()) };
    let settings = tenant.account().await.map_err(retry)?.settings;
    let subject = subject(settings.locale, n.kind, &settings.name, &n.text);
    let body = format!("{subject}\n\n{}\n", gw.absolute(&n.link));
    let email = Email { to: &member.email, subject: &subject, body };
    mailer.send(email).await.map_err(|e| JobError::retry(e.to_string()))
}

fn subject(locale: Locale, kind: NotificationKind, business: &str, text: &str) -> String {
    let colon = if locale == Locale::Fr { " : " } else { ": " };
    format!("{business}{colon}{}", sentence(locale, kind, text))
}

/// What happened, in the business's language, as the tail of a subject line.
fn sentence(locale: Locale, kind: NotificationKind, text: &str) -> String {
    use NotificationKind::*;
    match (locale, kind) {
        (Locale::De, Handoff) => format!("{text} wartet auf eine Antwort vom Team"),
        (Locale::De, Assigned) => format!("Das Gespräch mit {text} wurde Ihnen zugewiesen"),
        (Locale::De, Reservation) => format!("Neue Reservierung {text}"),
        (Locale::De, Channel) => format!("Der Kanal {text} muss neu verbunden werden"),
        (Locale::De, Unanswered) => format!("{text} wartet auf eine Antwort"),
        (Locale::De, Undelivered) => format!("Eine Antwort an {text} konnte nicht gesendet werden"),
        (Locale::Fr, Handoff) => format!("{text} attend une réponse de l'équipe"),
        (Locale::Fr, Assigned) => format!("la conversation avec {text} vous a été attribuée"),
        (Locale::Fr, Reservation) => format!("nouvelle réservation {text}"),
        (Locale::Fr, Channel) => format!("le canal {text} doit être reconnecté"),
        (Locale::Fr, Unanswered) => format!("{text} attend une réponse"),
        (Locale::Fr, Undelivered) => format!("une réponse à {text} n'a pas pu être envoyée"),
        (Locale::En, Handoff) => format!("{text} is waiting for the team"),
        (Locale::En, Assigned) => format!("the conversation with {text} was assigned to you"),
        (Locale::En, Reservation) => format!("new reservation {text}"),
        (Locale::En, Channel) => format!("the channel {text} needs to be reconnected"),
        (Locale::En, Unanswered) => format!("{text} is waiting for an answer"),
        (Locale::En, Undelivered) => format!("a reply to {text} could not be sent"),
    }
}

/// Pushes one stored notification to each device of its recipient: the business as title, what happened as body,
/// and the dashboard path the service worker opens on a tap. A device its push service no longer knows is
/// forgotten; if a service asks to try later the job is retried (devices that took it show it once: the
/// notification id is the tag that replaces an earlier copy).
pub async fn push(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: NotificationPushJob = payload(&job)?;
    let Some(n) = still_there(tenant.notifications().notification(&p.notification_id).await)? else { return Ok(()) };
    let devices = tenant.notifications().devices(n.user_id).await.map_err(retry)?;
    let settings = tenant.account().await.map_err(retry)?.settings;
    let message = serde_json::json!({
        "title": settings.name,
        "body": capitalised(&sentence(settings.locale, n.kind, &n.text)),
        "url": n.link,
        "tag": n.id,
    })
    .to_string();
    let mut later = None;
    for device in devices {
        let delivery = match gw.egress.client_for(&device.endpoint) {
            Ok(client) => {
                gw.push.send(client, &device.endpoint, &device.p256dh, &device.auth, message.as_bytes()).await
            }
            Err(e) => Delivery::Refused(e.to_string()),
        };
        match delivery {
            Delivery::Accepted => {}
            Delivery::Gone => tenant.notifications().forget_device(&device.id).await.map_err(retry)?,
            Delivery::Later(why) => later = Some(why),
            Delivery::Refused(why) => tracing::warn!(device = %device.id, %why, "push refused"),
        }
    }
    match later {
        Some(why) => Err(JobError::retry(why)),
        None => Ok(()),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What a job is about, or none when it is gone meanwhile (a member left, a notification was deleted): then the
/// job has nothing to do. Other failures are retried.
fn still_there<T>(found: Result<T, StoreError>) -> Result<Option<T>, JobError> {
    match found {
        Ok(t) => Ok(Some(t)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(retry(e)),
    }
}

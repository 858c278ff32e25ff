//! Emails about handoffs, assignments and channels needing a reconnect to the members who want them (their choice was read when the
//! notification was stored, in the same transaction as what it tells about).
use std::sync::Arc;

use maitre_domain::Locale;
use maitre_domain::jobs::NotificationEmailJob;
use maitre_jobs::JobError;
use maitre_notify::Email;
use maitre_store::{Job, NotificationKind, StoreError};

use crate::{App, job_tenant, payload, retry};

/// Emails one stored notification to its recipient, with the absolute link to what it is about.
pub async fn email(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let Some(mailer) = &gw.mailer else { return Ok(()) };
    let tenant = job_tenant(&gw, &job)?;
    let p: NotificationEmailJob = payload(&job)?;
    // A member who left the team took their notifications along: nothing to send then.
    let n = match tenant.notifications().notification(&p.notification_id).await {
        Ok(n) => n,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let member = match tenant.team().member(n.user_id).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let settings = tenant.account().await.map_err(retry)?.settings;
    let subject = subject(settings.locale, n.kind, &settings.name, &n.text);
    let body = format!("{subject}\n\n{}\n", gw.absolute(&n.link));
    let email = Email { to: &member.email, subject: &subject, body };
    mailer.send(email).await.map_err(|e| JobError::retry(e.to_string()))
}

fn subject(locale: Locale, kind: NotificationKind, business: &str, text: &str) -> String {
    use NotificationKind::*;
    match (locale, kind) {
        (Locale::De, Handoff) => format!("{business}: {text} wartet auf eine Antwort vom Team"),
        (Locale::De, Assigned) => format!("{business}: Das Gespräch mit {text} wurde Ihnen zugewiesen"),
        (Locale::De, Reservation) => format!("{business}: Neue Reservierung {text}"),
        (Locale::De, Channel) => format!("{business}: Der Kanal {text} muss neu verbunden werden"),
        (Locale::De, Unanswered) => format!("{business}: {text} wartet auf eine Antwort"),
        (Locale::Fr, Handoff) => format!("{business} : {text} attend une réponse de l'équipe"),
        (Locale::Fr, Assigned) => format!("{business} : la conversation avec {text} vous a été attribuée"),
        (Locale::Fr, Reservation) => format!("{business} : nouvelle réservation {text}"),
        (Locale::Fr, Channel) => format!("{business} : le canal {text} doit être reconnecté"),
        (Locale::Fr, Unanswered) => format!("{business} : {text} attend une réponse"),
        (Locale::En, Handoff) => format!("{business}: {text} is waiting for the team"),
        (Locale::En, Assigned) => format!("{business}: the conversation with {text} was assigned to you"),
        (Locale::En, Reservation) => format!("{business}: new reservation {text}"),
        (Locale::En, Channel) => format!("{business}: the channel {text} needs to be reconnected"),
        (Locale::En, Unanswered) => format!("{business}: {text} is waiting for an answer"),
    }
}

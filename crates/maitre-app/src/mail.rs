//! Mail the web answers should not wait for (sign-up confirmations, password resets, invitations): queued as a job, sealed, and sent by
//! a worker with retries, so a page answers at once and the same way whatever the SMTP server does.
use std::sync::Arc;

use maitre_domain::AccountId;
use maitre_jobs::JobError;
use maitre_notify::Email;
use maitre_store::{Job, JobKind, NewJob, StoreError};
use serde::{Deserialize, Serialize};

use crate::{App, QueuedMail};

/// An SMTP server down for longer than these attempts' backoff shows in the operations view's failed jobs.
const ATTEMPTS: i64 = 8;

#[derive(Serialize, Deserialize)]
struct Payload {
    sealed: String,
}

impl App {
    /// Queues `mail` for sending; `account` is the business it is about (none for a person's own password).
    pub async fn queue_mail(&self, account: Option<AccountId>, mail: &QueuedMail) -> Result<(), StoreError> {
        let payload =
            serde_json::to_string(&Payload { sealed: self.vault.seal_mail(mail) }).expect("payload serializes");
        let job = NewJob {
            account_id: account,
            kind: JobKind::QueuedMail,
            payload: &payload,
            dedupe_key: None,
            run_at: None,
            max_attempts: ATTEMPTS,
        };
        self.store.enqueue(job).await.map(|_| ())
    }
}

/// Sends one queued mail.
pub async fn send(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let Some(mailer) = &gw.mailer else { return Err(JobError::retry("this node sends no mail")) };
    let p: Payload =
        serde_json::from_str(&job.payload).map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
    let mail = gw.vault.open_mail(&p.sealed).map_err(|e| JobError::Permanent(e.to_string()))?;
    let email = Email { to: &mail.to, subject: &mail.subject, body: mail.body.clone() };
    mailer.send(email).await.map_err(|e| JobError::retry(e.to_string()))
}

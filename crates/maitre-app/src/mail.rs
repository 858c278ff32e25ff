//! Mail the web answers should not wait for (sign-up confirmations, password resets, invitations): queued as a job, sealed, and sent by
//! a worker with retries, so a page answers at once and the same way whatever the SMTP server does.
use std::sync::Arc;

use maitre_domain::AccountId;
use maitre_domain::jobs::QueuedMailJob;
use maitre_jobs::JobError;
use maitre_notify::Email;
use maitre_store::{Job, NewJob, StoreError};

use crate::{App, QueuedMail, payload};

/// An SMTP server down for longer than these attempts' backoff shows in the operations view's failed jobs.
const ATTEMPTS: i64 = 8;

impl App {
    /// Queues `mail` for sending; `account` is the business it is about (none for a person's own password).
    pub async fn queue_mail(&self, account: Option<AccountId>, mail: &QueuedMail) -> Result<(), StoreError> {
        let job = NewJob::new(account, &QueuedMailJob { sealed: self.vault.seal_mail(mail) }).attempts(ATTEMPTS);
        self.store.enqueue(job).await.map(|_| ())
    }
}

/// Sends one queued mail.
pub async fn send(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let Some(mailer) = &gw.mailer else { return Err(JobError::retry("this node sends no mail")) };
    let p: QueuedMailJob = payload(&job)?;
    let mail = gw.vault.open_mail(&p.sealed).map_err(|e| JobError::Permanent(e.to_string()))?;
    let email = Email { to: &mail.to, subject: &mail.subject, body: mail.body.clone() };
    mailer.send(email).await.map_err(|e| JobError::retry(e.to_string()))
}

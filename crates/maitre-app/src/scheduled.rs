//! "Send later": a member (or an API client) writes a message now for a time to come, may change or cancel it
//! until it is due, and then it is queued as a reply written at that moment — so the messaging window is the one
//! of the moment it goes (checked by the send job, which marks it failed with the reason when closed), and a
//! member's message may use Instagram's and Messenger's human-agent tag like their reply by hand.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maitre_domain::jobs::ScheduledSendJob;
use maitre_domain::scheduled::{Refusal, ScheduledStatus, check_send_at, check_text};
use maitre_domain::{ConversationId, ScheduledMessageId, UserId};
use maitre_jobs::JobError;
use maitre_store::{Job, SCHEDULED_SETTLED, ScheduledMessage, StoreError, TenantStore};

use crate::inbox::fill_placeholders;
use crate::{App, job_tenant, payload, retry};

/// Why scheduling or changing a message was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("this message was sent or cancelled already, or is being sent now: it can no longer be changed")]
    Settled,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ScheduleError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { constraint } if constraint == SCHEDULED_SETTLED => ScheduleError::Settled,
            e => ScheduleError::Store(e),
        }
    }
}

/// What to change of a scheduled message; `None` keeps it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Change<'a> {
    pub text: Option<&'a str>,
    pub send_at: Option<DateTime<Utc>>,
}

impl App {
    /// Schedules `text` in a conversation of the business for `send_at`, written by `by` (None: an API client).
    pub async fn schedule(
        &self,
        tenant: &TenantStore,
        conversation: ConversationId,
        by: Option<UserId>,
        text: &str,
        send_at: DateTime<Utc>,
    ) -> Result<ScheduledMessage, ScheduleError> {
        let text = check_text(text)?;
        check_send_at(send_at, self.store.clock().now())?;
        Ok(tenant.scheduled().create(conversation, by, text, send_at).await?)
    }

    /// Changes the text or time of a message that is not due yet.
    pub async fn reschedule(
        &self,
        tenant: &TenantStore,
        id: ScheduledMessageId,
        change: Change<'_>,
    ) -> Result<ScheduledMessage, ScheduleError> {
        let text = change.text.map(check_text).transpose()?;
        if let Some(at) = change.send_at {
            check_send_at(at, self.store.clock().now())?;
        }
        Ok(tenant.scheduled().update(id, text, change.send_at).await?)
    }

    /// Cancels a message that is not due yet.
    pub async fn cancel_scheduled(
        &self,
        tenant: &TenantStore,
        id: ScheduledMessageId,
    ) -> Result<ScheduledMessage, ScheduleError> {
        Ok(tenant.scheduled().cancel(id).await?)
    }
}

/// The `scheduled_send` job: a message is due. Its placeholders are filled now, as a reply written now would be,
/// then the store queues it once (see `Scheduled::send_due`). A job for a time since changed, or a message since
/// cancelled, sent or erased, does nothing.
pub async fn due(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: ScheduledSendJob = payload(&job)?;
    let message = match tenant.scheduled().get(p.scheduled).await {
        Ok(m) if m.status == ScheduledStatus::Scheduled && m.send_at == p.send_at => m,
        Ok(_) | Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    // Seen as its author (unread counts, unused here, are per member).
    let me = message.author_id.unwrap_or_default();
    let conversation = tenant.inbox().conversation(message.conversation_id, me).await.map_err(retry)?;
    let text = fill_placeholders(&tenant, &conversation, &message.body).await.map_err(retry)?;
    tenant.scheduled().send_due(&message, &text).await.map_err(retry)?;
    Ok(())
}

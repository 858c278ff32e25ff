//! Broadcasts: staff write one message for a segment; maitre sends it to the guests who said yes to marketing
//! messages, each within their platform's rules at the moment it goes (maitre_domain::broadcasts::route), as the
//! text inside the window or as the chosen WhatsApp template outside it. The pacing job takes the recipients in
//! rounds of a tenth of a second's worth; a pause, a resume or a cancel takes effect at the next recipient.
use std::sync::Arc;

use chrono::{DateTime, Utc};
use maitre_channels::policy;
use maitre_domain::broadcasts::{
    self, BroadcastError, Command, Recipient, Route, Skip, Tally, TemplateFit, check_name, check_text,
};
use maitre_domain::entitlements::Limited;
use maitre_domain::jobs::{BroadcastSendJob, BroadcastStartJob};
use maitre_domain::scheduled::{Refusal, check_send_at};
use maitre_domain::{BroadcastId, ChannelStatus, SegmentId, UserId, flow};
use maitre_jobs::JobError;
use maitre_store::{
    BROADCAST_SETTLED, Broadcast, BroadcastDraft, Job, PendingRecipient, RecipientOutcome, StoreError, StoredTemplate,
    TenantStore,
};

use crate::entitlements::{EntitleError, OverPlan};
use crate::guest::GuestFacts;
use crate::templates::{Values, message, thread_button};
use crate::{App, job_tenant, payload, retry};

/// Recipients taken care of per transaction: one commit for many, while SQLite's writer is held only briefly.
const SETTLE_CHUNK: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum BroadcastFailure {
    #[error(transparent)]
    Invalid(#[from] BroadcastError),
    #[error(transparent)]
    Time(#[from] Refusal),
    #[error("the pace is {min} to {max} messages a second", min = broadcasts::MIN_RATE, max = broadcasts::MAX_RATE)]
    Rate,
    #[error("the template is not one of this business's WhatsApp templates")]
    UnknownTemplate,
    #[error("this broadcast cannot do that in its state (a started broadcast no longer changes)")]
    Settled,
    #[error(transparent)]
    OverPlan(#[from] OverPlan),
    #[error(transparent)]
    Store(StoreError),
}

impl From<EntitleError> for BroadcastFailure {
    fn from(e: EntitleError) -> Self {
        match e {
            EntitleError::OverPlan(o) => BroadcastFailure::OverPlan(o),
            EntitleError::Store(e) => BroadcastFailure::Store(e),
        }
    }
}

impl From<StoreError> for BroadcastFailure {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { constraint } if constraint == BROADCAST_SETTLED => BroadcastFailure::Settled,
            e => BroadcastFailure::Store(e),
        }
    }
}

/// What staff write, unchecked.
#[derive(Debug, Clone, Copy)]
pub struct Written<'a> {
    pub name: &'a str,
    pub segment: SegmentId,
    pub text: &'a str,
    pub template: Option<&'a str>,
    /// Messages a second (None: the default pace).
    pub rate: Option<u32>,
}

/// The checked draft of what staff wrote; the template must be the business's.
async fn draft<'a>(tenant: &TenantStore, w: &Written<'a>) -> Result<BroadcastDraft<'a>, BroadcastFailure> {
    let rate = w.rate.unwrap_or(broadcasts::DEFAULT_RATE);
    if !(broadcasts::MIN_RATE..=broadcasts::MAX_RATE).contains(&rate) {
        return Err(BroadcastFailure::Rate);
    }
    if let Some(id) = w.template {
        match tenant.templates().get(id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(BroadcastFailure::UnknownTemplate),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(BroadcastDraft {
        name: check_name(w.name)?,
        segment_id: w.segment,
        body: check_text(w.text)?,
        template_id: w.template,
        rate,
    })
}

pub async fn create_broadcast(
    tenant: &TenantStore,
    w: &Written<'_>,
    by: Option<UserId>,
) -> Result<Broadcast, BroadcastFailure> {
    Ok(tenant.broadcasts().create(&draft(tenant, w).await?, by).await?)
}

pub async fn update_broadcast(
    tenant: &TenantStore,
    id: BroadcastId,
    w: &Written<'_>,
) -> Result<Broadcast, BroadcastFailure> {
    Ok(tenant.broadcasts().update(id, &draft(tenant, w).await?).await?)
}

impl App {
    /// Sends now, pauses, resumes or cancels; scheduling goes through `schedule_broadcast`.
    pub async fn command_broadcast(
        &self,
        tenant: &TenantStore,
        id: BroadcastId,
        command: Command,
    ) -> Result<Broadcast, BroadcastFailure> {
        // Starting one counts against the month's broadcasts; pausing, resuming and cancelling do not.
        if command == Command::Send {
            self.entitle(tenant, Limited::Broadcast).await?;
        }
        Ok(tenant.broadcasts().command(id, command).await?)
    }

    /// Starts the broadcast by itself at `send_at` (in the future, at most 90 days ahead).
    pub async fn schedule_broadcast(
        &self,
        tenant: &TenantStore,
        id: BroadcastId,
        send_at: DateTime<Utc>,
    ) -> Result<Broadcast, BroadcastFailure> {
        check_send_at(send_at, self.store.clock().now())?;
        self.entitle(tenant, Limited::Broadcast).await?;
        Ok(tenant.broadcasts().schedule(id, send_at).await?)
    }

    /// A dry run: how the segment's guests would get the broadcast right now, and why the others would not.
    pub async fn dry_run(&self, tenant: &TenantStore, b: &Broadcast) -> Result<Tally, StoreError> {
        let template = template_of(tenant, b).await?;
        let rules = match b.segment_id {
            Some(s) if b.status.editable() => {
                tenant.segments().get(s).await.map(|s| s.rules).unwrap_or(b.rules.clone())
            }
            _ => b.rules.clone(),
        };
        let now = self.store.clock().now();
        let mut tally = Tally::default();
        let mut after = None;
        loop {
            let page = tenant.broadcasts().audience(&rules, after, 1000).await?;
            for r in &page {
                tally.add(route_for(r, template.as_ref(), now));
            }
            match page.last() {
                Some(last) if page.len() == 1000 => after = Some(last.contact_id),
                _ => return Ok(tally),
            }
        }
    }
}

async fn template_of(tenant: &TenantStore, b: &Broadcast) -> Result<Option<StoredTemplate>, StoreError> {
    match &b.template_id {
        Some(id) => match tenant.templates().get(id).await {
            Ok(t) => Ok(Some(t)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

/// How `r` gets the broadcast now, or why not.
fn route_for(r: &PendingRecipient, template: Option<&StoredTemplate>, now: DateTime<Utc>) -> Result<Route, Skip> {
    let fit = match template {
        None => TemplateFit::None,
        Some(t) if broadcasts::template_usable(&t.status, t.category) && r.waba_id.as_deref() == Some(&t.waba_id) => {
            TemplateFit::Usable
        }
        Some(_) => TemplateFit::Unusable,
    };
    broadcasts::route(&Recipient {
        platform: r.platform,
        opted_in: r.opted_in,
        opted_out: r.opted_out,
        has_conversation: r.conversation_id.is_some(),
        channel_up: r.channel_status != ChannelStatus::NeedsReconnect,
        window_open: policy::window(r.platform, r.last_inbound_at, now, false).is_ok(),
        template: fit,
    })
}

/// A scheduled broadcast is due.
pub async fn start(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: BroadcastStartJob = payload(&job)?;
    tenant.broadcasts().start_due(p.broadcast, p.send_at).await.map_err(retry)?;
    Ok(())
}

/// One round: the next tenth of a second's worth of recipients, each queued or skipped, then the next round (or
/// done).
pub async fn round(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: BroadcastSendJob = payload(&job)?;
    let b = match tenant.broadcasts().get(p.broadcast).await {
        Ok(b) if b.status == broadcasts::BroadcastStatus::Sending && b.epoch == p.epoch => b,
        // Paused, cancelled, resumed as a newer run, or deleted: this run stops here.
        Ok(_) | Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let pace = broadcasts::round(b.rate);
    let size = i64::from(pace.size);
    let started = gw.store.clock().now();
    let template = template_of(&tenant, &b).await.map_err(retry)?;
    let pending = tenant.broadcasts().pending(b.id, p.after, size).await.map_err(retry)?;
    for chunk in pending.chunks(SETTLE_CHUNK) {
        let now = gw.store.clock().now();
        let mut outcomes = Vec::with_capacity(chunk.len());
        for r in chunk {
            outcomes.push(outcome(&tenant, &b, r, template.as_ref(), now).await.map_err(retry)?);
        }
        tenant.broadcasts().settle(b.id, &outcomes).await.map_err(retry)?;
    }
    if i64::try_from(pending.len()).unwrap_or(i64::MAX) < size {
        tenant.broadcasts().finish(b.id).await.map_err(retry)?;
        return Ok(());
    }
    let next = started + pace.every.unwrap_or_default();
    let last = pending.last().map(|r| r.contact_id);
    tenant.broadcasts().next_round(b.id, (p.epoch, p.round), last, next).await.map_err(retry)
}

/// What becomes of `r`: `b`'s text with its placeholders filled, or its template, or why not.
async fn outcome<'a>(
    tenant: &TenantStore,
    b: &Broadcast,
    r: &'a PendingRecipient,
    template: Option<&StoredTemplate>,
    now: DateTime<Utc>,
) -> Result<RecipientOutcome<'a>, StoreError> {
    let skip = |reason| Ok(RecipientOutcome::Skip { contact: r.contact_id, reason });
    let (route, conversation) = match (route_for(r, template, now), r.conversation_id) {
        (Ok(route), Some(conversation)) => (route, conversation),
        (Err(reason), _) => return skip(reason),
        (Ok(_), None) => return skip(Skip::NoConversation),
    };
    let facts = match route == Route::Template || b.body.contains("{{") {
        true => Some(GuestFacts::load(tenant, r.contact_id, &r.name, None).await?),
        false => None,
    };
    let (body, payload) = match (route, template, &facts) {
        (Route::Template, Some(t), Some(facts)) => match message(t, Values::Bound(facts), &thread_button) {
            Ok(msg) => (msg.text.clone(), serde_json::to_string(&msg).map_err(|e| StoreError::Corrupt(e.to_string()))?),
            Err(_) => return skip(Skip::TemplateValues),
        },
        (_, _, Some(facts)) => (flow::render(&b.body, &facts.scope()), String::new()),
        _ => (b.body.clone(), String::new()),
    };
    Ok(RecipientOutcome::Deliver { to: r, conversation, body, payload })
}

//! Sending one queued message. The message row exists before this job runs and records the platform's id after
//! it; a send is retried only while the row is still `queued`.
//!
//! The duplicate window: the platform accepted the message, then this process died before `mark_sent` committed,
//! and the job's lease expired. Platforms take no idempotency key. WhatsApp echoes our message id in every status
//! webhook of the send (`biz_opaque_callback_data`): a WhatsApp send whose earlier attempt was cut off waits for
//! that webhook (which records the send) before sending again, so it goes out once unless the webhook comes later
//! than `interrupted_send_wait`. Instagram, Messenger and Telegram echo nothing: there the window stays as small
//! as one HTTP response plus one single-row update.
use std::sync::Arc;
use std::time::Duration;

use maitre_channels::errors::SendErrorClass;
use maitre_channels::inbound::Platform;
use maitre_channels::outbound::{OutboundMessage, SendTarget};
use maitre_channels::policy;
use maitre_domain::jobs::SendJob;
use maitre_domain::{ChannelStatus, MessageId, MessageStatus};
use maitre_jobs::JobError;
use maitre_store::{Job, Rate, TenantStore};

use crate::{App, job_tenant, payload, retry};

/// How long a reply may keep failing before the team hears of it (the send goes on trying).
const LATE_SEND: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// How often a send cut off by a crash looks again whether the platform's status webhook recorded it.
const STATUS_POLL: Duration = Duration::from_secs(2);

/// How long sends of a channel wait when its token is dead, before checking whether it was reconnected.
const PAUSED_RETRY: Duration = Duration::from_secs(300);

pub async fn run(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let tenant = job_tenant(gw, &job)?;
    let p: SendJob = payload(&job)?;
    let out = match tenant.conversations().outgoing(p.message).await {
        Ok(o) => o,
        Err(maitre_store::StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    if out.status != MessageStatus::Queued {
        return Ok(()); // Already sent (or failed for good) by an earlier run.
    }
    // The cached configuration: a change of the channel (reconnected, paused) on this node is seen at once.
    let config = tenant.automation_config(out.channel_id).await.map_err(retry)?;
    let channel = &config.channel;
    if channel.status == ChannelStatus::NeedsReconnect {
        return Err(JobError::Retry {
            reason: "channel needs to be reconnected; sends are paused".into(),
            after: Some(PAUSED_RETRY),
        });
    }
    let platform = channel.platform;
    if platform == Platform::WhatsApp {
        wait_for_word_on_earlier_attempt(gw, &job)?;
    }
    let message: OutboundMessage = if out.payload.is_empty() {
        OutboundMessage::text(out.body.clone())
    } else {
        serde_json::from_str(&out.payload).map_err(|e| JobError::Permanent(format!("unreadable message: {e}")))?
    };
    let allowed = match allowed(gw, &tenant, &out, channel, &message).await? {
        Ok(a) => a,
        Err(reason) => return fail(&tenant, out.id, reason).await,
    };
    pace(gw, platform, &channel.id.to_string(), &out.recipient).await?;
    let creds =
        gw.vault.open(tenant.account_id(), &channel.credentials).map_err(|e| JobError::Permanent(e.to_string()))?;
    let reference = out.id.to_string();
    let target = SendTarget {
        channel: creds.target(channel),
        recipient: &out.recipient,
        human_agent_tag: allowed == policy::Allowed::HumanAgentTag,
        reference: Some(&reference),
    };
    match gw.sender.send(&target, &message).await {
        Ok(sent) => tenant.conversations().mark_sent(out.id, &sent.platform_message_id).await.map_err(retry),
        Err(failure) => {
            let reason = failure.to_string();
            match failure.class {
                SendErrorClass::Retryable { retry_after, .. } => {
                    tenant.conversations().note_late_send(out.id, LATE_SEND).await.map_err(retry)?;
                    Err(JobError::Retry { reason, after: retry_after })
                }
                SendErrorClass::TokenInvalid { .. } => {
                    let reason = format!("token rejected by {platform}: {reason}");
                    tenant
                        .channels()
                        .set_channel_status(channel.id, ChannelStatus::NeedsReconnect, &reason, None)
                        .await
                        .map_err(retry)?;
                    // The check tells the team (once) and finds out whether the token is gone for good.
                    crate::upkeep::check_after_token_error(&gw.store, tenant.account_id(), channel.id)
                        .await
                        .map_err(retry)?;
                    Err(JobError::Retry { reason, after: Some(PAUSED_RETRY) })
                }
                SendErrorClass::OutsideWindow { .. } | SendErrorClass::Permanent { .. } => {
                    fail(&tenant, out.id, reason).await
                }
            }
        }
    }
}

/// An earlier attempt cut off by a crash may have reached WhatsApp: until `interrupted_send_wait` has passed, the
/// send waits (without spending an attempt) for the status webhook that would record it as sent.
fn wait_for_word_on_earlier_attempt(gw: &App, job: &Job) -> Result<(), JobError> {
    let Some(interrupted) = job.interrupted_at else { return Ok(()) };
    let waited = (gw.store.clock().now() - interrupted).to_std().unwrap_or_default();
    match gw.interrupted_send_wait.checked_sub(waited) {
        Some(left) if !left.is_zero() => Err(JobError::Defer { after: left.min(STATUS_POLL) }),
        _ => Ok(()),
    }
}

/// How the message may go out now, or why not.
async fn allowed(
    gw: &App,
    tenant: &TenantStore,
    out: &maitre_store::Outgoing,
    channel: &maitre_store::Channel,
    message: &OutboundMessage,
) -> Result<Result<policy::Allowed, String>, JobError> {
    Ok(match &message.template {
        // An approved template is what WhatsApp delivers outside the window; one paused since it was queued is not.
        Some(t) => crate::templates::still_sendable(tenant, channel.waba_id.as_deref(), t)
            .await?
            .map(|()| policy::Allowed::Reply),
        // A member's reply may use HUMAN_AGENT on Instagram/Messenger; automation never.
        None => policy::window(channel.platform, out.last_inbound_at, gw.store.clock().now(), out.sent_by.is_some()),
    })
}

/// Waits for the recipient's and the channel's send budgets (shared by all nodes); a paced send is deferred
/// without spending one of its attempts.
async fn pace(gw: &App, platform: Platform, channel: &str, recipient: &str) -> Result<(), JobError> {
    let r = match platform {
        Platform::Instagram => gw.rates.instagram,
        Platform::Messenger => gw.rates.messenger,
        Platform::WhatsApp => gw.rates.whatsapp,
        Platform::Telegram => gw.rates.telegram,
    };
    let (to_recipient, on_channel) = (format!("r:{channel}:{recipient}"), format!("c:{channel}"));
    let buckets = [
        (to_recipient.as_str(), Rate { per_second: r.recipient_per_second, burst: r.recipient_burst }),
        (on_channel.as_str(), Rate { per_second: r.per_second, burst: r.burst }),
    ];
    match gw.store.take_tokens(&buckets).await.map_err(retry)? {
        Some(after) => Err(JobError::Defer { after }),
        None => Ok(()),
    }
}

async fn fail(tenant: &TenantStore, message: MessageId, reason: String) -> Result<(), JobError> {
    tenant.conversations().mark_failed(message, &reason).await.map_err(retry)?;
    Err(JobError::Permanent(reason))
}

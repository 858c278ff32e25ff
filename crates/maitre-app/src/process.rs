//! Processing one accepted inbound event, idempotently: a re-run after a crash changes nothing.
use maitre_channels::inbound::{Comment as InboundComment, InboundMessage, MessageKind, Reference};
use maitre_channels::{Event, InboundItem};
use maitre_domain::booking::guest_messages::Tap;
use maitre_domain::jobs::ProcessInboundJob;
use maitre_domain::templates::ButtonAction;
use maitre_domain::{ChannelId, ContactId, Direction};
use maitre_jobs::JobError;
use maitre_store::{InboundPayload, IncomingMessage, Job, Media, MediaRef, TenantStore};
use std::sync::Arc;

use crate::{App, job_tenant, payload, retry};

pub async fn run(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let gw: &App = &gw;
    let tenant = job_tenant(gw, &job)?;
    let p: ProcessInboundJob = payload(&job)?;
    let event = match tenant.conversations().inbound_event(&p.event).await {
        Ok(e) => e,
        // The channel (and its events) was deleted meanwhile: nothing left to do.
        Err(maitre_store::StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    if event.processed {
        return Ok(());
    }
    let item: InboundItem = serde_json::from_str(&event.item)
        .map_err(|e| JobError::Permanent(format!("stored event is unreadable: {e}")))?;
    let at = item.timestamp.unwrap_or_else(|| gw.store.clock().now());
    let ev =
        Accepted { gw, tenant: &tenant, event_id: p.event.as_str(), channel_id: event.channel_id, item: &item, at };
    match &item.event {
        Event::Message(m) => ev.message(m).await,
        Event::Comment(c) => ev.comment(c).await,
        Event::Status(s) => {
            let error = s
                .error
                .as_ref()
                .map(|e| format!("{} {}", e.code, e.title.as_deref().unwrap_or("")))
                .unwrap_or_default();
            // Ours are message ids; anything else there is not ours to act on.
            let reference = s.callback_data.as_deref().and_then(|c| c.parse().ok());
            let status = match name(&s.status).as_str() {
                "played" => "read".to_owned(),
                other => other.to_owned(),
            };
            tenant
                .conversations()
                .apply_status(ev.event_id, ev.channel_id, &s.message_id, &status, error.trim(), reference)
                .await
                .map_err(retry)
        }
        Event::Template(t) => {
            crate::templates::apply(&tenant, &item.account_key, t).await.map_err(retry)?;
            tenant.conversations().mark_event_processed(ev.event_id).await.map_err(retry)
        }
        Event::Read(r) => match &r.message_id {
            Some(mid) => tenant
                .conversations()
                .apply_status(ev.event_id, ev.channel_id, mid, "read", "", None)
                .await
                .map_err(retry),
            None => tenant.conversations().mark_event_processed(ev.event_id).await.map_err(retry),
        },
    }
}

/// One accepted event being processed.
struct Accepted<'a> {
    gw: &'a App,
    tenant: &'a TenantStore,
    event_id: &'a str,
    channel_id: ChannelId,
    item: &'a InboundItem,
    /// When it happened (the platform's time, or now).
    at: chrono::DateTime<chrono::Utc>,
}

impl Accepted<'_> {
    async fn message(&self, m: &InboundMessage) -> Result<(), JobError> {
        let kind = name(&m.kind);
        let payload = message_payload(m, &kind);
        // Telegram callback presses reuse the message id of the message they belong to; the event's own dedupe key
        // is unique, so it identifies such rows.
        let platform_id = match (&m.message_id, &m.callback_query_id) {
            (Some(id), None) => id.clone(),
            _ => self.item.dedupe_key.clone(),
        };
        // A tap on a booking template's confirm or cancel button acts on the booking; flows do not read it again.
        let tap = (m.kind == MessageKind::Button)
            .then(|| m.payload.as_deref().and_then(Tap::parse))
            .flatten()
            .filter(|t| t.action != ButtonAction::Reply);
        let answer = match &tap {
            Some(tap) => {
                crate::guest_messages::on_tap(self.tenant, (self.channel_id, &self.item.contact_id), tap).await?
            }
            None => None,
        };
        let recorded = self
            .tenant
            .conversations()
            .record_message(&IncomingMessage {
                event_id: self.event_id,
                channel_id: self.channel_id,
                contact_external_id: &self.item.contact_id,
                contact_name: self.item.profile_name.as_deref(),
                direction: if m.is_echo { Direction::Out } else { Direction::In },
                kind: &kind,
                body: m.text.as_deref().unwrap_or(""),
                payload: &payload,
                platform_message_id: &platform_id,
                at: self.at,
                automate_at: if tap.is_some() { None } else { automate_at(self.gw) },
            })
            .await
            .map_err(retry)?;
        if let Some((r, said)) = answer {
            // Keyed by the tap, so a re-run of this job answers once. (A crash between the booking change and the
            // recording loses this answer: the re-run finds the booking already changed.)
            crate::guest_messages::tell_guest(self.gw, self.tenant, &r, said, &platform_id).await?;
        }
        if recorded.message_id.is_some() && recorded.contact_unnamed && !m.is_echo {
            fetch_name(self.gw, self.tenant, self.channel_id, recorded.contact_id, &self.item.contact_id).await;
        }
        Ok(())
    }

    async fn comment(&self, c: &InboundComment) -> Result<(), JobError> {
        // Comment triggers route on the post's id; the thread shows which post it was.
        let payload = InboundPayload {
            value: c.media_id.clone().unwrap_or_default(),
            reference: c.media_id.clone().map(|id| MediaRef { kind: "post".into(), id: Some(id), url: None }),
            ..InboundPayload::default()
        };
        self.tenant
            .conversations()
            .record_message(&IncomingMessage {
                event_id: self.event_id,
                channel_id: self.channel_id,
                contact_external_id: &self.item.contact_id,
                contact_name: c.username.as_deref(),
                direction: if c.is_echo { Direction::Out } else { Direction::In },
                kind: "comment",
                body: c.text.as_deref().unwrap_or(""),
                payload: &payload,
                platform_message_id: &self.item.dedupe_key,
                at: self.at,
                automate_at: automate_at(self.gw),
            })
            .await
            .map_err(retry)?;
        Ok(())
    }
}

/// What a message carries besides its text: the button payload flows route on, its media, and the story it
/// answers. The normalized event types the message, not each attachment, so attachments take the message's kind;
/// a story mention's only attachment is the story itself.
fn message_payload(m: &InboundMessage, kind: &str) -> InboundPayload {
    let mut attachments: Vec<Media> = m
        .attachments
        .iter()
        .map(|a| Media {
            kind: kind.to_owned(),
            url: a.url.clone(),
            mime: a.mime_type.clone(),
            name: a.filename.clone(),
        })
        .collect();
    let story = |id: Option<String>, url: Option<String>| MediaRef { kind: "story".into(), id, url };
    let reference = match &m.reply_to {
        Some(Reference::Story { id, url }) => Some(story(id.clone(), url.clone())),
        _ if m.kind == MessageKind::StoryMention && !attachments.is_empty() => {
            Some(story(None, attachments.remove(0).url))
        }
        _ => None,
    };
    InboundPayload { value: m.payload.clone().unwrap_or_default(), attachments, reference }
}

/// When a new guest message is first read by flows: after the server's read-together pause (the step itself
/// waits longer when the account set a longer one).
fn automate_at(gw: &App) -> Option<chrono::DateTime<chrono::Utc>> {
    Some(gw.store.clock().now() + chrono::TimeDelta::milliseconds(gw.read_together_ms as i64))
}

/// Instagram and Messenger webhooks carry no names: ask the profile API once, best effort (a missing
/// permission only leaves the contact unnamed).
async fn fetch_name(gw: &App, tenant: &TenantStore, channel: ChannelId, contact: ContactId, user: &str) {
    let Ok(ch) = tenant.channels().channel(channel).await else { return };
    let Ok(creds) = gw.vault.open(tenant.account_id(), &ch.credentials) else { return };
    if let Some(name) = gw.sender.profile_name(&creds.target(&ch), user).await
        && let Err(e) = tenant.conversations().set_contact_name(contact, &name).await
    {
        tracing::warn!(error = %e, "could not store a contact's name");
    }
}

/// The snake_case name serde gives an enum variant (the stored spelling).
fn name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_else(|| "unsupported".into())
}

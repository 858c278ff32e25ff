//! WhatsApp message templates: naming a channel's business account, syncing, creating and deleting templates at
//! Meta, applying the template webhooks, and sending an approved template — from a thread by hand or
//! automatically when the guest's 24-hour window is closed (PROTOCOLS.md §9).
use maitre_channels::outbound::{OutboundMessage, SendFailure, TemplateSend};
use maitre_channels::{PermanentReason, SendErrorClass, TemplateChange, TemplateUpdate};
use maitre_domain::booking::guest_messages::{GuestMessage, Tap};
use maitre_domain::templates::{self, Authored, TemplateError, TemplateStatus, normalize_language};
use maitre_domain::{ChannelId, MessageId, Platform, UserId};
use maitre_store::{Channel, ConversationView, StoreError, StoredTemplate, TemplateRecord, TenantStore};

use crate::App;
use crate::guest::GuestFacts;

/// Why a template action was refused; the web layer words these in the member's language.
#[derive(Debug, thiserror::Error)]
pub enum TemplateFailure {
    #[error("message templates exist only on WhatsApp channels")]
    NotWhatsApp,
    #[error("the channel has no WhatsApp business account ID yet")]
    NoWaba,
    #[error("the WhatsApp business account ID is the long number shown in WhatsApp Manager (digits only)")]
    InvalidWaba,
    #[error("the template belongs to another WhatsApp business account than this conversation's channel")]
    OtherAccount,
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Meta refused the call; `reason` classifies it (template paused, disabled …) when it is a lasting refusal.
    #[error("WhatsApp refused: {message}")]
    Platform { reason: Option<PermanentReason>, message: String },
    #[error("the channel's access is no longer valid or cannot be read; reconnect it")]
    Credentials,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SendFailure> for TemplateFailure {
    fn from(f: SendFailure) -> Self {
        let reason = match &f.class {
            // A rejected token needs the same as an unreadable one: reconnecting the channel.
            SendErrorClass::TokenInvalid { .. } => return Self::Credentials,
            SendErrorClass::Permanent { reason, .. } => Some(*reason),
            _ => None,
        };
        Self::Platform { reason, message: f.to_string() }
    }
}

/// What a sync found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Synced {
    pub templates: usize,
    pub removed: u64,
}

impl App {
    /// Names a WhatsApp channel's business account after the channel's token listed its templates, and keeps them.
    pub async fn set_waba(
        &self,
        tenant: &TenantStore,
        channel: ChannelId,
        waba: &str,
    ) -> Result<Synced, TemplateFailure> {
        let waba = waba.trim();
        if waba.is_empty() || waba.len() > 32 || !waba.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TemplateFailure::InvalidWaba);
        }
        let ch = whatsapp(tenant, channel).await?;
        let synced = self.sync_waba(tenant, &ch, waba).await?;
        tenant.channels().set_waba(channel, waba).await?;
        Ok(synced)
    }

    /// Re-reads a channel's templates from Meta: new ones are added, changed ones updated, deleted ones removed.
    pub async fn sync_templates(&self, tenant: &TenantStore, channel: ChannelId) -> Result<Synced, TemplateFailure> {
        let ch = whatsapp(tenant, channel).await?;
        let waba = ch.waba_id.clone().ok_or(TemplateFailure::NoWaba)?;
        self.sync_waba(tenant, &ch, &waba).await
    }

    async fn sync_waba(&self, tenant: &TenantStore, ch: &Channel, waba: &str) -> Result<Synced, TemplateFailure> {
        let creds = self.open(tenant, ch)?;
        let remote = self.sender.list_templates(&creds.target(ch), waba).await?;
        let mut kept = Vec::with_capacity(remote.len());
        for t in &remote {
            // Parts maitre does not offer (media headers, one-time codes) keep the template out of the list.
            let (Some(content), Ok(category), Some(language)) =
                (&t.content, t.category.parse(), normalize_language(&t.language))
            else {
                continue;
            };
            let record = TemplateRecord {
                waba_id: waba,
                meta_id: &t.id,
                name: &t.name,
                language: &language,
                category,
                status: &t.status.parse().unwrap_or(TemplateStatus::Pending),
                content,
                bindings: &[],
                actions: &[],
            };
            kept.push(tenant.templates().save(&record).await?);
        }
        let removed = tenant.templates().forget_missing(waba, &kept).await?;
        Ok(Synced { templates: kept.len(), removed })
    }

    /// Checks a template written with maitre's placeholders, submits it for review, and keeps it as PENDING.
    pub async fn create_template(
        &self,
        tenant: &TenantStore,
        channel: ChannelId,
        authored: &Authored,
    ) -> Result<StoredTemplate, TemplateFailure> {
        let ch = whatsapp(tenant, channel).await?;
        let waba = ch.waba_id.clone().ok_or(TemplateFailure::NoWaba)?;
        let account = tenant.account().await?;
        let compiled = templates::compile(authored, account.settings.locale, &account.settings.name)?;
        let creds = self.open(tenant, &ch)?;
        let created = self.sender.create_template(&creds.target(&ch), &waba, &compiled).await?;
        let record = TemplateRecord {
            waba_id: &waba,
            meta_id: &created.id,
            name: &compiled.name,
            language: &compiled.language,
            // Meta may assign another category than asked (§9.4).
            category: created.category.parse().unwrap_or(compiled.category),
            status: &created.status.parse().unwrap_or(TemplateStatus::Pending),
            content: &compiled.content,
            bindings: &compiled.bindings,
            actions: &compiled.actions,
        };
        let id = tenant.templates().save(&record).await?;
        Ok(tenant.templates().get(&id).await?)
    }

    /// Deletes a template at Meta (this language only) and here.
    pub async fn delete_template(&self, tenant: &TenantStore, id: &str) -> Result<(), TemplateFailure> {
        let t = tenant.templates().get(id).await?;
        let ch = waba_channel(tenant, &t.waba_id).await?;
        let creds = self.open(tenant, &ch)?;
        self.sender.delete_template(&creds.target(&ch), &t.waba_id, &t.name, &t.meta_id).await?;
        Ok(tenant.templates().delete(id).await?)
    }

    /// Sends an approved template in a WhatsApp conversation, whatever the window. `values` are typed by staff in
    /// variable order; empty fills a bound template from the guest and their next booking.
    pub async fn send_template(
        &self,
        tenant: &TenantStore,
        conversation: &ConversationView,
        by: Option<UserId>,
        template: &str,
        values: &[String],
    ) -> Result<MessageId, TemplateFailure> {
        let t = tenant.templates().get(template).await?;
        let ch = whatsapp(tenant, conversation.channel_id).await?;
        if ch.waba_id.as_deref() != Some(t.waba_id.as_str()) {
            return Err(TemplateFailure::OtherAccount);
        }
        let msg = if values.iter().all(|v| v.trim().is_empty()) && t.bound() {
            let facts = GuestFacts::load(tenant, conversation.contact_id, &conversation.contact_name, None).await?;
            message(&t, Values::Bound(&facts), &thread_button)?
        } else {
            message(&t, Values::ByHand(values), &thread_button)?
        };
        let payload = serde_json::to_string(&msg).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(tenant.inbox().reply_with_payload(conversation.id, by, &msg.text, &payload).await?)
    }

    fn open(&self, tenant: &TenantStore, ch: &Channel) -> Result<crate::Credentials, TemplateFailure> {
        self.vault.open(tenant.account_id(), &ch.credentials).map_err(|_| TemplateFailure::Credentials)
    }
}

/// The values maitre fills for this guest, in variable order (empty where staff type them: templates made in
/// WhatsApp Manager, or a placeholder without a value, such as a booking the guest does not have).
pub async fn draft_values(
    tenant: &TenantStore,
    conversation: &ConversationView,
    t: &StoredTemplate,
) -> Result<Vec<String>, StoreError> {
    if !t.bound() {
        return Ok(vec![String::new(); t.content.variable_count()]);
    }
    let facts = GuestFacts::load(tenant, conversation.contact_id, &conversation.contact_name, None).await?;
    let scope = facts.scope();
    Ok(t.bindings.iter().map(|b| templates::bound_value(b, &scope)).collect())
}

/// A thread's template buttons only reply: the payload names the button.
pub(crate) fn thread_button(i: usize) -> String {
    format!("template:{i}")
}

/// Where a send's values come from.
pub(crate) enum Values<'a> {
    Bound(&'a GuestFacts),
    ByHand(&'a [String]),
}

/// The message that sends `t`: checked (approved, values complete), with what the guest reads as its text and the
/// payload `button(index)` gives each quick-reply button.
pub(crate) fn message(
    t: &StoredTemplate,
    values: Values,
    button: &dyn Fn(usize) -> String,
) -> Result<OutboundMessage, TemplateError> {
    if !t.status.sendable() {
        return Err(TemplateError::NotApproved(t.status.clone()));
    }
    let params = match values {
        Values::Bound(facts) => templates::fill(&t.content, &t.bindings, &facts.scope())?,
        Values::ByHand(values) => templates::fill_by_hand(&t.content, values)?,
    };
    let text = templates::preview(&t.content, &params);
    let quick_replies = (0..t.content.quick_reply_count()).map(button).collect();
    let send = TemplateSend { name: t.name.clone(), language: t.language.clone(), params, quick_replies };
    Ok(OutboundMessage { template: Some(send), ..OutboundMessage::text(text) })
}

/// The message `t` makes for the guest of reservation `r` about `purpose` (when the window is closed); its buttons
/// do what the business chose for them (see `guest_messages::on_tap`).
pub(crate) async fn for_reservation(
    tenant: &TenantStore,
    t: &StoredTemplate,
    contact: maitre_domain::ContactId,
    r: &maitre_store::Reservation,
    purpose: GuestMessage,
) -> Result<Result<OutboundMessage, TemplateError>, StoreError> {
    let facts = GuestFacts::load(tenant, contact, &r.name, Some(r.info())).await?;
    let button = |i: usize| {
        let action = t.actions.get(i).copied().unwrap_or_default();
        Tap { purpose, reservation: r.id, action }.payload()
    };
    Ok(message(t, Values::Bound(&facts), &button))
}

/// Whether a queued template may still go out: its stored copy must still be approved (a webhook may have paused
/// it since). The error is the reason the thread shows.
pub(crate) async fn still_sendable(
    tenant: &TenantStore,
    waba: Option<&str>,
    t: &TemplateSend,
) -> Result<Result<(), String>, maitre_jobs::JobError> {
    let found = match waba {
        Some(waba) => tenant.templates().find(waba, &t.name, &t.language).await.map_err(crate::retry)?,
        None => None,
    };
    Ok(match found {
        Some(stored) if stored.status.sendable() => Ok(()),
        Some(stored) => Err(TemplateError::NotApproved(stored.status).to_string()),
        None => Err(format!("the template {} ({}) is not among this channel's templates any more", t.name, t.language)),
    })
}

/// Applies a template webhook to the business's copy; an unknown template waits for the next sync.
pub(crate) async fn apply(tenant: &TenantStore, waba: &str, u: &TemplateUpdate) -> Result<(), StoreError> {
    let language = normalize_language(&u.language).unwrap_or_else(|| u.language.clone());
    match &u.change {
        TemplateChange::Status { event, reason, detail } => {
            let why: Vec<&str> =
                [reason.as_deref().filter(|r| *r != "NONE"), detail.as_deref()].into_iter().flatten().collect();
            let status = TemplateStatus::from_event(event);
            let names = (u.name.as_str(), language.as_str());
            tenant.templates().apply_status(waba, &u.template_id, names, &status, &why.join(": ")).await?;
        }
        TemplateChange::Category { to, impending_at: None, .. } => {
            if let Ok(category) = to.parse() {
                tenant.templates().set_category(waba, &u.template_id, category).await?;
            }
        }
        // Announced a day ahead; the category changes with the completed update.
        TemplateChange::Category { .. } => {}
    }
    Ok(())
}

async fn whatsapp(tenant: &TenantStore, id: ChannelId) -> Result<Channel, TemplateFailure> {
    let ch = tenant.channels().channel(id).await?;
    if ch.platform != Platform::WhatsApp {
        return Err(TemplateFailure::NotWhatsApp);
    }
    Ok(ch)
}

/// The business's WhatsApp channel of business account `waba`.
async fn waba_channel(tenant: &TenantStore, waba: &str) -> Result<Channel, TemplateFailure> {
    let channels = tenant.channels().list().await?;
    channels.into_iter().find(|c| c.waba_id.as_deref() == Some(waba)).ok_or(TemplateFailure::NoWaba)
}

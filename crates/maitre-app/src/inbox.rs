//! Replying by hand and handing a conversation back to the bot: what the inbox pages and the JSON API share. A
//! reply is checked against the messaging window here, queued durably, and checked again by the send job.
use std::collections::HashSet;

use maitre_channels::policy;
use maitre_domain::flow;
use maitre_domain::{ChannelId, FlowId, MessageId, UserId};
use maitre_store::{ConversationView, FlowRecord, StoreError, TenantStore};

use crate::App;
use crate::guest::GuestFacts;

/// The longest reply, in characters.
const MAX_TEXT: usize = 4000;

/// Why a reply was refused. The web layer words these in the member's language.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("unknown canned response")]
    UnknownCanned,
    #[error("a reply has 1 to {MAX_TEXT} characters")]
    TextLength,
    /// The platform's messaging window does not allow a reply now.
    #[error("the messaging window is closed")]
    WindowClosed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a hand-back was refused.
#[derive(Debug, thiserror::Error)]
pub enum HandBackError {
    #[error("the flow {flow} cannot start in this conversation")]
    FlowNotStartable { flow: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a reply consists of.
pub struct ReplyInput<'a> {
    pub text: &'a str,
    /// A canned response inserted (its use is counted); with empty `text` its body is sent.
    pub canned: Option<&'a str>,
    /// The member writing; None for an API client, which gets automation's window.
    pub by: Option<UserId>,
}

impl App {
    /// Queues a reply for the send job, or refuses it with the reason; returns the new message's id.
    pub async fn reply(
        &self,
        tenant: &TenantStore,
        conversation: &ConversationView,
        input: ReplyInput<'_>,
    ) -> Result<MessageId, ReplyError> {
        let canned = match input.canned.filter(|c| !c.is_empty()) {
            Some(id) => Some(tenant.inbox().canned_response(id).await.map_err(|e| match e {
                StoreError::NotFound => ReplyError::UnknownCanned,
                other => other.into(),
            })?),
            None => None,
        };
        let text = match (&canned, input.text.trim()) {
            (Some(c), "") => c.body.as_str(),
            (_, text) => text,
        };
        if text.is_empty() || text.chars().count() > MAX_TEXT {
            return Err(ReplyError::TextLength);
        }
        let now = self.store.clock().now();
        policy::window(conversation.platform, conversation.last_inbound_at, now, input.by.is_some())
            .map_err(|_| ReplyError::WindowClosed)?;
        let body = fill_placeholders(tenant, conversation, text).await?;
        Ok(tenant.inbox().reply(conversation.id, input.by, &body, canned.as_ref().map(|c| c.id.as_str())).await?)
    }

    /// Returns a conversation to the bot. With a flow id (`""`: none), that flow starts over from its start node,
    /// whatever ran before; an unknown flow (or another account's) is NotFound, one that cannot start here
    /// `FlowNotStartable`.
    pub async fn hand_back(
        &self,
        tenant: &TenantStore,
        conversation: &ConversationView,
        flow: &str,
        by: Option<UserId>,
    ) -> Result<(), HandBackError> {
        let flow = match flow.trim() {
            "" => None,
            id => {
                // Text that is no flow id names no flow of this account.
                let id = id.parse::<FlowId>().map_err(|_| StoreError::NotFound)?;
                let flow = tenant.flows().flow(id).await?;
                if !startable_flows(tenant, conversation.channel_id).await?.iter().any(|f| f.id == flow.id) {
                    return Err(HandBackError::FlowNotStartable { flow: flow.name });
                }
                Some(flow.id)
            }
        };
        tenant.inbox().hand_back(conversation.id, by, flow).await?;
        Ok(())
    }
}

/// Fills placeholders the way flows do (`{{contact.first_name}}`, `{{account.name}}`, `{{reservation.time}}`,
/// `| default: "…"` …), with the guest's upcoming reservation; a person's reply has no flow variables.
pub(crate) async fn fill_placeholders(
    tenant: &TenantStore,
    conversation: &ConversationView,
    text: &str,
) -> Result<String, StoreError> {
    if !text.contains("{{") {
        return Ok(text.to_owned());
    }
    let facts = GuestFacts::load(tenant, conversation.contact_id, &conversation.contact_name, None).await?;
    Ok(flow::render(text, &facts.scope()))
}

/// Flows a hand-back may start in a conversation on `channel`: published, enabled and running on that channel.
pub async fn startable_flows(tenant: &TenantStore, channel: ChannelId) -> Result<Vec<FlowRecord>, StoreError> {
    let active: HashSet<FlowId> = tenant.flows().active_flows(channel).await?.into_iter().map(|f| f.flow_id).collect();
    Ok(tenant.flows().list().await?.into_iter().filter(|f| active.contains(&f.id)).collect())
}

//! Sending: one platform-neutral message model, each platform's limits, and an HTTP client for the
//! Graph API (Instagram, Messenger, WhatsApp) and the Telegram Bot API (PROTOCOLS.md §3, §5, §7).
//!
//! Base URLs come from config ([`PlatformUrls`]), so tests and `maitre dev fake-platforms` point
//! the same client at `maitre_testkit::FakePlatforms`.

mod client;
mod health;
mod limits;
mod oauth;
mod render;
mod templates;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::errors::{PermanentReason, PlatformError, SendErrorClass};
use crate::inbound::Platform;

pub use client::{ClientBuildError, PlatformUrls, Sender};
pub use health::{RenewedToken, TokenHealth, TokenStatus};
pub use limits::{LimitError, Unit, check_limits};
pub use oauth::{InstagramGrant, OAuthApp, OAuthError, PageGrant};
pub use templates::{CreatedTemplate, RemoteTemplate, TemplateSend};

/// What a flow or an agent wants to say, before it is shaped for one platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub text: String,
    /// A short line under the text: WhatsApp's interactive footer. Platforms without a footer
    /// (and WhatsApp plain text) get it appended to the text after a blank line, so it is never
    /// lost silently.
    #[serde(default)]
    pub footer: Option<String>,
    /// Suggested answers (Instagram/Messenger quick replies). WhatsApp has none, so they become
    /// reply buttons there; Telegram shows them as inline buttons, which keep the payload.
    #[serde(default)]
    pub quick_replies: Vec<Choice>,
    /// Buttons attached to the message (Messenger/Instagram button template, WhatsApp reply
    /// buttons, Telegram inline keyboard).
    #[serde(default)]
    pub buttons: Vec<Choice>,
    /// A list of rows to pick one from (WhatsApp list message, Telegram inline keyboard with one
    /// row per list row, Messenger/Instagram quick replies or numbered lines, see `render.rs`).
    /// It cannot be combined with `buttons` or `quick_replies`.
    #[serde(default)]
    pub list: Option<ChoiceList>,
    /// Answers a comment on a post privately (Instagram/Messenger "private reply", PROTOCOLS.md §3.2): the message
    /// goes to the commenter through the comment's id, once per comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_reply_to: Option<String>,
    /// An approved WhatsApp template instead of free text (the only message WhatsApp delivers outside the 24-hour
    /// window, PROTOCOLS.md §9.5). `text` then holds what the guest reads, for the thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateSend>,
}

impl OutboundMessage {
    pub fn text(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }
}

/// One tappable answer: what the guest sees and what comes back in the webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub title: String,
    pub payload: String,
}

impl Choice {
    pub fn new(title: impl Into<String>, payload: impl Into<String>) -> Self {
        Self { title: title.into(), payload: payload.into() }
    }
}

/// A list message: a button that opens sections of rows; the chosen row's id comes back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceList {
    /// The label of the button that opens the list (WhatsApp only; other platforms show the rows).
    pub button: String,
    pub sections: Vec<ListSection>,
}

impl ChoiceList {
    /// Every row of every section, in order.
    pub fn rows(&self) -> impl Iterator<Item = &ListRow> {
        self.sections.iter().flat_map(|s| &s.rows)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    /// Required by WhatsApp when the list has more than one section; may be empty otherwise.
    #[serde(default)]
    pub title: String,
    pub rows: Vec<ListRow>,
}

/// One pickable row: `id` is what comes back in the webhook (like [`Choice::payload`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
}

impl ListRow {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self { id: id.into(), title: title.into(), description: None }
    }

    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// Which login connected an Instagram account; it decides host and token (PROTOCOLS.md §3.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstagramLogin {
    /// Business Login for Instagram: `graph.instagram.com` with an Instagram user token.
    #[default]
    BusinessLogin,
    /// Facebook Login for Business: `graph.facebook.com` with the token of the linked Page. The
    /// endpoint is `/me/messages` because the account key (the IG id) is not the Page id.
    FacebookPage,
}

/// One connected business account and the credentials to act for it.
#[derive(Clone, Copy)]
pub struct Channel<'a> {
    pub platform: Platform,
    /// Page id, Instagram account id, WhatsApp `phone_number_id`, or the Telegram bot key, as in
    /// [`crate::InboundItem::account_key`].
    pub account_key: &'a str,
    /// Page token, Instagram user token, WhatsApp system-user token, or Telegram bot token.
    pub access_token: &'a str,
    /// Only read for Instagram.
    pub instagram_login: InstagramLogin,
}

/// Tokens stay out of `Debug` output, which ends up in logs.
impl fmt::Debug for Channel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("platform", &self.platform)
            .field("account_key", &self.account_key)
            .field("access_token", &"<redacted>")
            .field("instagram_login", &self.instagram_login)
            .finish()
    }
}

/// Who receives one send.
#[derive(Debug, Clone, Copy)]
pub struct SendTarget<'a> {
    pub channel: Channel<'a>,
    /// IGSID, PSID, WhatsApp `wa_id` (with or without `+`), or Telegram chat id.
    pub recipient: &'a str,
    /// A human agent's reply between 24 h and 7 days after the user's last message (Instagram and
    /// Messenger only, PROTOCOLS.md §4). Never set it for automated messages.
    pub human_agent_tag: bool,
    /// Our id of the message. WhatsApp echoes it in every status webhook of the send
    /// (`biz_opaque_callback_data`, PROTOCOLS §2.1), so a send whose answer a crash lost is still recognised.
    pub reference: Option<&'a str>,
}

/// The platform accepted the message. Delivery is reported later by webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// `mid` (Messenger/Instagram), `wamid` (WhatsApp) or Telegram `message_id`.
    pub platform_message_id: String,
}

/// A send that did not go through, classified for the retry logic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(&self.class))]
pub struct SendFailure {
    pub class: SendErrorClass,
}

impl SendFailure {
    /// A failure found before any request was made, e.g. a message over the limits.
    fn invalid_request(message: String) -> Self {
        Self::permanent(PermanentReason::InvalidRequest, message)
    }

    fn permanent(reason: PermanentReason, message: impl Into<String>) -> Self {
        let error = PlatformError { http_status: None, code: None, subcode: None, message: message.into() };
        Self { class: SendErrorClass::Permanent { reason, error } }
    }
}

fn describe(class: &SendErrorClass) -> String {
    let (kind, error) = match class {
        SendErrorClass::Retryable { error, .. } => ("retryable", error),
        SendErrorClass::Permanent { error, .. } => ("permanent", error),
        SendErrorClass::TokenInvalid { error } => ("token invalid", error),
        SendErrorClass::OutsideWindow { error } => ("outside the messaging window", error),
    };
    match error.code {
        Some(code) => format!("send failed ({kind}, code {code}): {}", error.message),
        None => format!("send failed ({kind}): {}", error.message),
    }
}

//! The normalized inbound model every channel parser produces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use maitre_domain::Platform;

/// What one webhook body yielded: usable items plus a reason for everything left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InboundBatch {
    pub items: Vec<InboundItem>,
    pub skipped: Vec<Skipped>,
}

/// A part of the body that could not be used. The body is still answered with 200 so the
/// platform does not retry it for days (fixtures/README.md, "Response policy").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Where in the body, e.g. `entry[1].changes[0].messages[2]`.
    pub location: String,
    /// Short, length-capped explanation, safe to log.
    pub reason: String,
}

/// One event, addressed to one business account, from or about one end user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundItem {
    pub platform: Platform,
    /// Routing key of the business side: Instagram account id, Page id, WhatsApp
    /// `phone_number_id` (the WABA id only for template changes), or the Telegram bot key the caller passed in.
    pub account_key: String,
    /// The end user (IGSID, PSID, `wa_id`, Telegram user id). Always the user's side, also for
    /// echoes and delivery statuses, where the wire puts the user in `recipient`.
    pub contact_id: String,
    /// Idempotency key, unique within `(platform, account_key)`: a platform redelivering the same
    /// event yields the same key.
    pub dedupe_key: String,
    /// When the platform says the event happened. `None` where the wire carries no time
    /// (Telegram callback queries, Instagram comments without `entry.time`).
    pub timestamp: Option<DateTime<Utc>>,
    /// Display name the platform sent along (WhatsApp `contacts[].profile.name`, Telegram names).
    pub profile_name: Option<String>,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Message(InboundMessage),
    Status(StatusUpdate),
    Read(ReadReceipt),
    Comment(Comment),
    /// A WhatsApp template's review or category changed; the item's `account_key` is the WABA id.
    Template(TemplateUpdate),
}

/// A change to one of a WhatsApp business account's message templates (PROTOCOLS.md §9.3, §9.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateUpdate {
    /// Meta's template id, as decimal text.
    pub template_id: String,
    pub name: String,
    /// As sent; webhooks may write `en-US` where the API writes `en_US`.
    pub language: String,
    pub change: TemplateChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemplateChange {
    /// Review result or quality state: `event` is APPROVED, REJECTED, PAUSED, DISABLED, … (kept as sent);
    /// `reason` is Meta's code (`INVALID_FORMAT`, `NONE` for a pause); `detail` its free text.
    Status { event: String, reason: Option<String>, detail: Option<String> },
    /// Meta moves (`impending_at` set: will move then) or moved the template from one category to another.
    Category { from: String, to: String, impending_at: Option<DateTime<Utc>> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    /// Telegram text starting with a `bot_command` entity, e.g. `/start`.
    Command,
    QuickReply,
    /// Instagram/Messenger postback or Telegram inline-button callback.
    Postback,
    /// WhatsApp template quick-reply button (`type: "button"`).
    Button,
    /// WhatsApp interactive `button_reply` or `list_reply`.
    InteractiveReply,
    Image,
    Audio,
    Video,
    Document,
    Location,
    Sticker,
    Reaction,
    StoryReply,
    StoryMention,
    Share,
    Unsupported,
}

/// A user message or a message-like action (postback, reaction, button tap).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub kind: MessageKind,
    /// Platform id of this message, unique within its channel (the store's message key): `mid` or `wamid` (unique
    /// platform-wide), or for Telegram `<chat id>:<message_id>` (Telegram numbers messages per chat).
    pub message_id: Option<String>,
    /// User-visible text: body, caption, button title, or the emoji of a reaction (`None` when a
    /// reaction is removed). U+0000 is stripped: PostgreSQL `text` cannot hold it.
    pub text: Option<String>,
    /// What flows route on: quick-reply/postback/button payload, interactive reply id, Telegram
    /// callback data or command name (`/start`, without any `@bot` suffix).
    pub payload: Option<String>,
    /// What this message answers or reacts to.
    pub reply_to: Option<Reference>,
    pub attachments: Vec<Attachment>,
    pub location: Option<Location>,
    /// Sent by the business itself and echoed back; must never trigger flows.
    pub is_echo: bool,
    /// Telegram `callback_query.id`; the bot must answer it with `answerCallbackQuery`.
    pub callback_query_id: Option<String>,
}

impl InboundMessage {
    /// A message of `kind` with every optional part empty; parsers fill in what they have.
    pub(super) fn empty(kind: MessageKind) -> Self {
        Self {
            kind,
            message_id: None,
            text: None,
            payload: None,
            reply_to: None,
            attachments: Vec::new(),
            location: None,
            is_echo: false,
            callback_query_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reference {
    Message { id: String },
    Story { id: Option<String>, url: Option<String> },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub url: Option<String>,
    /// WhatsApp media id or Telegram `file_id`, to fetch the media with.
    pub media_id: Option<String>,
    pub mime_type: Option<String>,
    pub filename: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub name: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sent,
    Delivered,
    Read,
    Played,
    Failed,
}

/// Delivery progress of a message we sent (WhatsApp `statuses[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusUpdate {
    pub message_id: String,
    pub status: DeliveryStatus,
    pub error: Option<StatusError>,
    /// `biz_opaque_callback_data` we attached when sending.
    pub callback_data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusError {
    pub code: i64,
    pub title: Option<String>,
    pub details: Option<String>,
}

/// The user has seen the conversation up to a message (Instagram) or a time (Messenger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadReceipt {
    pub message_id: Option<String>,
    pub watermark: Option<DateTime<Utc>>,
}

/// A comment on one of the account's posts; `contact_id` is the commenter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub comment_id: String,
    pub media_id: Option<String>,
    pub parent_id: Option<String>,
    pub text: Option<String>,
    pub username: Option<String>,
    /// Written by the business account itself; must never trigger flows.
    pub is_echo: bool,
}

//! WhatsApp Cloud API (`object: "whatsapp_business_account"`, `field: "messages"`),
//! PROTOCOLS.md §2.1. Items are routed by `metadata.phone_number_id`; only template changes (`wa_templates`) name
//! the WABA instead.

use serde::Deserialize;
use serde_json::Value;

use super::model::{
    Attachment, DeliveryStatus, Event, InboundBatch, InboundItem, InboundMessage, Location, MessageKind, Platform,
    Reference, StatusError, StatusUpdate,
};
use super::wa_templates;
use super::wire::{self, Text, UnixTime, WireId, item, skipped, text};

#[derive(Deserialize)]
struct Entry {
    /// The WABA: only template changes are routed by it.
    id: Option<WireId>,
    time: Option<Value>,
    changes: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    value: Option<Value>,
}

#[derive(Deserialize)]
struct ChangeValue {
    metadata: Metadata,
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Value>,
    #[serde(default)]
    errors: Vec<WaError>,
}

#[derive(Deserialize)]
struct Metadata {
    phone_number_id: WireId,
}

#[derive(Deserialize)]
struct Contact {
    wa_id: Option<WireId>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    name: Option<Text>,
}

#[derive(Deserialize)]
struct WaMessage {
    from: WireId,
    id: WireId,
    timestamp: UnixTime,
    #[serde(rename = "type")]
    kind: String,
    context: Option<Context>,
    text: Option<WaText>,
    interactive: Option<Interactive>,
    button: Option<Button>,
    image: Option<Media>,
    audio: Option<Media>,
    video: Option<Media>,
    document: Option<Media>,
    sticker: Option<Media>,
    location: Option<WaLocation>,
    reaction: Option<WaReaction>,
}

#[derive(Deserialize)]
struct Context {
    id: Option<WireId>,
}

#[derive(Deserialize)]
struct WaText {
    body: Text,
}

#[derive(Deserialize)]
struct Interactive {
    #[serde(rename = "type")]
    kind: String,
    button_reply: Option<Reply>,
    list_reply: Option<Reply>,
}

#[derive(Deserialize)]
struct Reply {
    id: Text,
    title: Option<Text>,
}

#[derive(Deserialize)]
struct Button {
    text: Option<Text>,
    payload: Option<Text>,
}

#[derive(Deserialize)]
struct Media {
    id: WireId,
    url: Option<String>,
    mime_type: Option<String>,
    caption: Option<Text>,
    filename: Option<Text>,
}

#[derive(Deserialize)]
struct WaLocation {
    latitude: f64,
    longitude: f64,
    name: Option<Text>,
    address: Option<Text>,
}

#[derive(Deserialize)]
struct WaReaction {
    message_id: WireId,
    emoji: Option<Text>,
}

#[derive(Deserialize)]
struct WaStatus {
    id: WireId,
    status: String,
    timestamp: UnixTime,
    recipient_id: WireId,
    #[serde(default)]
    errors: Vec<WaError>,
    biz_opaque_callback_data: Option<Text>,
}

/// Error objects appear at change, message and status level, with `details` either inline or
/// under `error_data` (PROTOCOLS.md §2.1).
#[derive(Deserialize)]
struct WaError {
    code: i64,
    title: Option<Text>,
    details: Option<Text>,
    error_data: Option<ErrorData>,
}

#[derive(Deserialize)]
struct ErrorData {
    details: Option<Text>,
}

pub(super) fn parse_entry(value: &Value, location: &str, batch: &mut InboundBatch) {
    let entry: Entry = match item(value) {
        Ok(entry) => entry,
        Err(reason) => return batch.skipped.push(skipped(location, reason)),
    };
    let Some(changes) = entry.changes else {
        return batch.skipped.push(skipped(location, "entry has no `changes`"));
    };
    for (index, change) in changes.iter().enumerate() {
        let location = format!("{location}.changes[{index}]");
        let field = change.get("field").and_then(Value::as_str).unwrap_or_default();
        if wa_templates::FIELDS.contains(&field) {
            let result = match (&entry.id, change.get("value")) {
                (Some(waba), Some(value)) => wa_templates::change_item(waba, field, value, entry.time.as_ref()),
                (None, _) => Err("template change without the entry's WABA `id`".into()),
                (_, None) => Err("change has no `value`".into()),
            };
            wire::record(batch, &location, result);
        } else {
            parse_change(change, &location, batch);
        }
    }
}

fn parse_change(value: &Value, location: &str, batch: &mut InboundBatch) {
    let parsed = item::<Change>(value).and_then(|change| {
        if change.field != "messages" {
            return Err(format!("unsupported field `{}`", change.field));
        }
        let value = change.value.ok_or("change has no `value`")?;
        item::<ChangeValue>(&value)
    });
    let value = match parsed {
        Ok(value) => value,
        Err(reason) => return batch.skipped.push(skipped(location, reason)),
    };
    let account = &value.metadata.phone_number_id.0;
    for error in &value.errors {
        let reason = format!("platform error {}: {}", error.code, describe(error));
        batch.skipped.push(skipped(&format!("{location}.value.errors"), reason));
    }
    for (index, message) in value.messages.iter().enumerate() {
        let result = message_item(account, &value.contacts, message);
        wire::record(batch, &format!("{location}.value.messages[{index}]"), result);
    }
    for (index, status) in value.statuses.iter().enumerate() {
        let result = status_item(account, status);
        wire::record(batch, &format!("{location}.value.statuses[{index}]"), result);
    }
    if value.messages.is_empty() && value.statuses.is_empty() && value.errors.is_empty() {
        batch.skipped.push(skipped(location, "change carries no messages or statuses"));
    }
}

fn message_item(account: &str, contacts: &[Contact], value: &Value) -> Result<InboundItem, String> {
    let m: WaMessage = item(value)?;
    let missing = |part: &str| format!("`{}` message without its `{part}` object", m.kind);
    let mut message = InboundMessage {
        message_id: Some(m.id.0.clone()),
        reply_to: m.context.and_then(|c| c.id).map(|id| Reference::Message { id: id.0 }),
        ..InboundMessage::empty(MessageKind::Unsupported)
    };
    match m.kind.as_str() {
        "text" => {
            let body = m.text.ok_or_else(|| missing("text"))?.body;
            message.kind = MessageKind::Text;
            message.text = Some(body.0);
        }
        "interactive" => {
            // Other interactive types (e.g. flow replies) stay Unsupported but are delivered.
            if let Some(reply) = interactive_reply(m.interactive.ok_or_else(|| missing("interactive"))?)? {
                message.kind = MessageKind::InteractiveReply;
                message.text = text(reply.title);
                message.payload = Some(reply.id.0);
            }
        }
        "button" => {
            let button = m.button.ok_or_else(|| missing("button"))?;
            message.kind = MessageKind::Button;
            message.text = text(button.text);
            message.payload = text(button.payload);
        }
        "image" | "audio" | "video" | "document" | "sticker" => {
            let (kind, media) = match m.kind.as_str() {
                "image" => (MessageKind::Image, m.image),
                "audio" => (MessageKind::Audio, m.audio),
                "video" => (MessageKind::Video, m.video),
                "document" => (MessageKind::Document, m.document),
                _ => (MessageKind::Sticker, m.sticker),
            };
            let media = media.ok_or_else(|| missing(&m.kind))?;
            message.kind = kind;
            message.text = text(media.caption);
            message.attachments.push(Attachment {
                url: media.url,
                media_id: Some(media.id.0),
                mime_type: media.mime_type,
                filename: text(media.filename),
            });
        }
        "location" => {
            let location = m.location.ok_or_else(|| missing("location"))?;
            message.kind = MessageKind::Location;
            message.location = Some(Location {
                latitude: location.latitude,
                longitude: location.longitude,
                name: text(location.name),
                address: text(location.address),
            });
        }
        "reaction" => {
            let reaction = m.reaction.ok_or_else(|| missing("reaction"))?;
            message.kind = MessageKind::Reaction;
            // WhatsApp signals a removed reaction with an empty emoji.
            message.text = text(reaction.emoji).filter(|emoji| !emoji.is_empty());
            message.reply_to = Some(Reference::Message { id: reaction.message_id.0 });
        }
        // `unknown`, `contacts`, `order`, `system`, …: delivered as Unsupported so a flow can say so.
        _ => {}
    }
    Ok(InboundItem {
        platform: Platform::WhatsApp,
        account_key: account.to_owned(),
        profile_name: profile_name(contacts, &m.from.0),
        contact_id: m.from.0,
        // A `wamid` is unique across WhatsApp: the message's own id is its redelivery key and its message key.
        dedupe_key: m.id.0,
        timestamp: Some(m.timestamp.0),
        event: Event::Message(message),
    })
}

/// The button or list row a guest chose; `None` for other interactive types.
fn interactive_reply(interactive: Interactive) -> Result<Option<Reply>, String> {
    let missing = |part: &str| format!("`interactive` message without its `{part}` object");
    Ok(match interactive.kind.as_str() {
        "button_reply" => Some(interactive.button_reply.ok_or_else(|| missing("button_reply"))?),
        "list_reply" => Some(interactive.list_reply.ok_or_else(|| missing("list_reply"))?),
        _ => None,
    })
}

fn status_item(account: &str, value: &Value) -> Result<InboundItem, String> {
    let s: WaStatus = item(value)?;
    let status = match s.status.as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "played" => DeliveryStatus::Played,
        "failed" => DeliveryStatus::Failed,
        other => return Err(format!("unknown status `{other}`")),
    };
    let error = s.errors.into_iter().next().map(|e| StatusError {
        code: e.code,
        details: e.error_data.and_then(|d| text(d.details)).or(text(e.details)),
        title: text(e.title),
    });
    Ok(InboundItem {
        platform: Platform::WhatsApp,
        account_key: account.to_owned(),
        contact_id: s.recipient_id.0,
        // One status per message and state: a redelivered status repeats both.
        dedupe_key: format!("status:{}:{}", s.id, s.status),
        timestamp: Some(s.timestamp.0),
        profile_name: None,
        event: Event::Status(StatusUpdate {
            message_id: s.id.0,
            status,
            error,
            callback_data: text(s.biz_opaque_callback_data),
        }),
    })
}

/// `contacts[].wa_id` usually equals `from` but "may not always match" (PROTOCOLS.md §2.1); a lone contact is
/// taken to be the sender.
fn profile_name(contacts: &[Contact], from: &str) -> Option<String> {
    let contact = contacts.iter().find(|c| c.wa_id.as_ref().is_some_and(|id| id.0 == from)).or(match contacts {
        [only] => Some(only),
        _ => None,
    })?;
    contact.profile.as_ref()?.name.as_ref().map(|n| n.0.clone())
}

fn describe(error: &WaError) -> &str {
    error.title.as_ref().or(error.details.as_ref()).map_or("(no title)", |t| t.0.as_str())
}

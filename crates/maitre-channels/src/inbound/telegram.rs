//! Telegram Bot API `Update` (PROTOCOLS.md §7): private-chat `message` and `callback_query`.
//!
//! maitre's bots talk to guests one to one, so updates from groups and channels are skipped
//! rather than answered in public; this also makes the user id and the chat id the same.

use serde::Deserialize;
use serde_json::Value;

use super::model::{
    Attachment, Event, InboundBatch, InboundItem, InboundMessage, Location, MessageKind, Platform, Reference,
};
use super::wire::{self, Text, UnixTime, WireId, item, text};

/// Update kinds this parser reads; anything else in an update is acknowledged and skipped.
#[derive(Deserialize)]
struct Update {
    update_id: i64,
    message: Option<Value>,
    callback_query: Option<Value>,
}

#[derive(Deserialize)]
struct TgMessage {
    message_id: i64,
    from: Option<User>,
    chat: Chat,
    date: UnixTime,
    text: Option<Text>,
    caption: Option<Text>,
    #[serde(default)]
    entities: Vec<Entity>,
    #[serde(default)]
    photo: Vec<File>,
    voice: Option<File>,
    audio: Option<File>,
    video: Option<File>,
    document: Option<File>,
    sticker: Option<File>,
    location: Option<TgLocation>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    #[serde(default)]
    is_bot: bool,
    first_name: Text,
    last_name: Option<Text>,
}

#[derive(Deserialize)]
struct Chat {
    id: i64,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Entity {
    #[serde(rename = "type")]
    kind: String,
    offset: u64,
}

#[derive(Deserialize)]
struct File {
    file_id: WireId,
    mime_type: Option<String>,
    file_name: Option<Text>,
}

#[derive(Deserialize)]
struct TgLocation {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct CallbackQuery {
    id: WireId,
    from: User,
    message: Option<CallbackMessage>,
    data: Option<Text>,
}

/// The bot message that carried the pressed button (possibly an inaccessible stub).
#[derive(Deserialize)]
struct CallbackMessage {
    message_id: i64,
    chat: Chat,
}

pub(super) fn parse(body: Value, account_key: &str) -> InboundBatch {
    let Ok(update) = item::<Update>(&body) else {
        return super::not_an_envelope("not a Telegram Update (`update_id`)");
    };
    // `update_id` is unique per bot, so per channel: Telegram's own redelivery key.
    let dedupe_key = update.update_id.to_string();
    let mut batch = InboundBatch::default();
    let (location, result) = if let Some(message) = &update.message {
        let result = message_item(message).map(|(user, event, ts)| (user, event, Some(ts)));
        ("message", result)
    } else if let Some(callback) = &update.callback_query {
        let result = callback_item(callback).map(|(user, event)| (user, event, None));
        ("callback_query", result)
    } else {
        ("update", Err(format!("unsupported update ({})", update_keys(&body))))
    };
    let result = result.map(|(user, event, timestamp)| InboundItem {
        platform: Platform::Telegram,
        account_key: account_key.to_owned(),
        contact_id: user.id.to_string(),
        dedupe_key,
        timestamp,
        profile_name: Some(full_name(user)),
        event,
    });
    wire::record(&mut batch, location, result);
    batch
}

fn message_item(value: &Value) -> Result<(User, Event, chrono::DateTime<chrono::Utc>), String> {
    let m: TgMessage = item(value)?;
    let user = m.from.ok_or("message without `from`")?;
    check_private(&m.chat, &user)?;
    let mut message = InboundMessage {
        message_id: Some(message_key(m.chat.id, m.message_id)),
        text: text(m.text).or(text(m.caption)),
        ..InboundMessage::empty(MessageKind::Unsupported)
    };
    let is_command = m.entities.iter().any(|e| e.kind == "bot_command" && e.offset == 0);
    let media = [
        (MessageKind::Image, m.photo.into_iter().last()),
        (MessageKind::Audio, m.voice.or(m.audio)),
        (MessageKind::Video, m.video),
        (MessageKind::Document, m.document),
        (MessageKind::Sticker, m.sticker),
    ]
    .into_iter()
    .find_map(|(kind, file)| file.map(|f| (kind, f)));
    if let Some((kind, file)) = media {
        message.kind = kind;
        message.attachments.push(Attachment {
            media_id: Some(file.file_id.0),
            mime_type: file.mime_type,
            filename: text(file.file_name),
            url: None,
        });
    } else if let Some(location) = m.location {
        message.kind = MessageKind::Location;
        message.location =
            Some(Location { latitude: location.latitude, longitude: location.longitude, name: None, address: None });
    } else if let Some(body) = &message.text {
        if is_command {
            message.kind = MessageKind::Command;
            message.payload = body.split_whitespace().next().map(command_name);
        } else {
            message.kind = MessageKind::Text;
        }
    }
    Ok((user, Event::Message(message), m.date.0))
}

fn callback_item(value: &Value) -> Result<(User, Event), String> {
    let q: CallbackQuery = item(value)?;
    if let Some(origin) = &q.message {
        check_private(&origin.chat, &q.from)?;
    }
    let message = InboundMessage {
        payload: text(q.data),
        reply_to: q.message.map(|m| Reference::Message { id: message_key(m.chat.id, m.message_id) }),
        callback_query_id: Some(q.id.0),
        ..InboundMessage::empty(MessageKind::Postback)
    };
    Ok((q.from, Event::Message(message)))
}

fn check_private(chat: &Chat, user: &User) -> Result<(), String> {
    if chat.kind != "private" {
        return Err(format!("`{}` chat is not handled (private chats only)", chat.kind));
    }
    if chat.id != user.id {
        return Err("private chat id differs from the sender id".into());
    }
    if user.is_bot {
        return Err("update from a bot".into());
    }
    Ok(())
}

/// A Telegram message's key among a bot's messages. Telegram numbers messages per chat (`message_id` is "unique
/// inside this chat"), so two guests' messages share ids all the time: the chat id makes the key unique per bot,
/// which is what the per-channel message key needs. Inbound and sent messages use the same form.
pub(crate) fn message_key(chat_id: i64, message_id: i64) -> String {
    format!("{chat_id}:{message_id}")
}

/// `/start@my_bot` → `/start`.
fn command_name(token: &str) -> String {
    token.split('@').next().unwrap_or(token).to_owned()
}

fn full_name(user: User) -> String {
    match text(user.last_name) {
        Some(last) => format!("{} {last}", user.first_name.0),
        None => user.first_name.0,
    }
}

fn update_keys(body: &Value) -> String {
    body.as_object()
        .map(|o| o.keys().filter(|k| *k != "update_id").map(String::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}

//! Instagram (`object: "instagram"`) and Messenger (`object: "page"`): `entry[].messaging[]`
//! events, Instagram comments in `entry[].changes[]`, and the dashboard "Test" button's
//! messaging-inside-`changes` form (PROTOCOLS.md §2.2, §2.3).

use serde::Deserialize;
use serde_json::Value;

use super::model::{
    Attachment, Comment, Event, InboundBatch, InboundItem, InboundMessage, MessageKind, Platform, ReadReceipt,
    Reference,
};
use super::wire::{self, Text, UnixTime, WireId, content_key, item, skipped, text};

/// The dashboard "Test" button sends `entry.id: "0"`, which belongs to no tenant.
const TEST_ENTRY_ID: &str = "0";

#[derive(Deserialize)]
struct Entry {
    id: WireId,
    /// When Meta sent the batch; only comments, which carry no time of their own, use it.
    time: Option<UnixTime>,
    messaging: Option<Vec<Value>>,
    changes: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Party {
    id: WireId,
}

#[derive(Deserialize)]
struct MessagingEvent {
    sender: Party,
    recipient: Party,
    timestamp: UnixTime,
    message: Option<Message>,
    postback: Option<Postback>,
    reaction: Option<Reaction>,
    read: Option<Read>,
}

#[derive(Deserialize)]
struct Message {
    mid: WireId,
    text: Option<Text>,
    #[serde(default)]
    is_echo: bool,
    #[serde(default)]
    is_deleted: bool,
    #[serde(default)]
    is_unsupported: bool,
    quick_reply: Option<QuickReply>,
    reply_to: Option<ReplyTo>,
    #[serde(default)]
    attachments: Vec<MetaAttachment>,
}

#[derive(Deserialize)]
struct QuickReply {
    payload: Text,
}

#[derive(Deserialize)]
struct ReplyTo {
    mid: Option<WireId>,
    story: Option<Story>,
}

#[derive(Deserialize)]
struct Story {
    id: Option<WireId>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct MetaAttachment {
    #[serde(rename = "type")]
    kind: String,
    payload: Option<AttachmentPayload>,
}

#[derive(Deserialize)]
struct AttachmentPayload {
    url: Option<String>,
}

#[derive(Deserialize)]
struct Postback {
    mid: Option<WireId>,
    title: Option<Text>,
    payload: Option<Text>,
}

#[derive(Deserialize)]
struct Reaction {
    mid: WireId,
    action: String,
    emoji: Option<Text>,
}

#[derive(Deserialize)]
struct Read {
    mid: Option<WireId>,
    watermark: Option<UnixTime>,
}

#[derive(Deserialize)]
struct Change {
    field: String,
    value: Option<Value>,
}

/// Comment payloads: the Business Login form names the comment `id`, the Facebook Login form
/// `comment_id` (PROTOCOLS.md §2.2); both are accepted.
#[derive(Deserialize)]
struct CommentValue {
    from: CommentAuthor,
    media: Option<Media>,
    id: Option<WireId>,
    comment_id: Option<WireId>,
    parent_id: Option<WireId>,
    text: Option<Text>,
}

#[derive(Deserialize)]
struct CommentAuthor {
    id: WireId,
    username: Option<Text>,
}

#[derive(Deserialize)]
struct Media {
    id: Option<WireId>,
}

pub(super) fn parse_entry(platform: Platform, value: &Value, location: &str, batch: &mut InboundBatch) {
    let entry: Entry = match item(value) {
        Ok(entry) => entry,
        Err(reason) => return batch.skipped.push(skipped(location, reason)),
    };
    if entry.id.0 == TEST_ENTRY_ID {
        return batch.skipped.push(skipped(location, "dashboard test event (entry.id \"0\")"));
    }
    if entry.messaging.is_none() && entry.changes.is_none() {
        return batch.skipped.push(skipped(location, "entry has neither `messaging` nor `changes`"));
    }
    for (index, event) in entry.messaging.iter().flatten().enumerate() {
        let result = messaging_item(platform, &entry.id.0, event);
        wire::record(batch, &format!("{location}.messaging[{index}]"), result);
    }
    for (index, change) in entry.changes.iter().flatten().enumerate() {
        let result = change_item(platform, &entry, change);
        wire::record(batch, &format!("{location}.changes[{index}]"), result);
    }
}

fn messaging_item(platform: Platform, entry_id: &str, value: &Value) -> Result<InboundItem, String> {
    let event: MessagingEvent = item(value)?;
    let is_echo = event.message.as_ref().is_some_and(|m| m.is_echo);
    // Echoes travel business → user, so the wire has sender and recipient the other way round.
    let (business, user) =
        if is_echo { (event.sender.id, event.recipient.id) } else { (event.recipient.id, event.sender.id) };
    // A mismatch must not be routed by either id: that could hand the item to another tenant.
    if business.0 != entry_id {
        return Err(format!("business id {business} differs from entry.id {entry_id}"));
    }
    let timestamp = event.timestamp.0;
    // Keys: a `mid` is unique across Instagram/Messenger, so a message (or a postback that has one) is keyed by it;
    // events without their own id are keyed by their user, target and time or content.
    let (dedupe_key, event) = if let Some(message) = event.message {
        message_event(message)?
    } else if let Some(postback) = event.postback {
        let key = match &postback.mid {
            Some(mid) => mid.0.clone(),
            None => content_key(value),
        };
        let message = InboundMessage {
            message_id: postback.mid.map(|mid| mid.0),
            text: text(postback.title),
            payload: text(postback.payload),
            ..InboundMessage::empty(MessageKind::Postback)
        };
        (key, Event::Message(message))
    } else if let Some(reaction) = event.reaction {
        let emoji = match reaction.action.as_str() {
            "react" => text(reaction.emoji),
            "unreact" => None,
            other => return Err(format!("unknown reaction action `{other}`")),
        };
        let key = format!("reaction:{user}:{}:{}:{}", reaction.mid, reaction.action, timestamp.timestamp_millis());
        let message = InboundMessage {
            text: emoji,
            reply_to: Some(Reference::Message { id: reaction.mid.0 }),
            ..InboundMessage::empty(MessageKind::Reaction)
        };
        (key, Event::Message(message))
    } else if let Some(read) = event.read {
        let key = match (&read.mid, &read.watermark) {
            (Some(mid), _) => format!("read:{user}:{mid}"),
            (None, Some(mark)) => format!("read:{user}:{}", mark.0.timestamp_millis()),
            (None, None) => return Err("read without `mid` or `watermark`".into()),
        };
        let receipt =
            ReadReceipt { message_id: read.mid.map(|mid| mid.0), watermark: read.watermark.map(|mark| mark.0) };
        (key, Event::Read(receipt))
    } else {
        return Err(format!("unsupported messaging event ({})", event_keys(value)));
    };
    Ok(InboundItem {
        platform,
        account_key: business.0,
        contact_id: user.0,
        dedupe_key,
        timestamp: Some(timestamp),
        profile_name: None,
        event,
    })
}

fn message_event(m: Message) -> Result<(String, Event), String> {
    // An unsend notice reuses the original `mid`; as a message it would collide with the original.
    if m.is_deleted {
        return Err("message deleted by the user (not handled)".into());
    }
    let reply_to = m.reply_to.and_then(|r| match (r.story, r.mid) {
        (Some(story), _) => Some(Reference::Story { id: story.id.map(|id| id.0), url: story.url }),
        (None, Some(mid)) => Some(Reference::Message { id: mid.0 }),
        (None, None) => None,
    });
    let text = text(m.text);
    let mut payload = None;
    let kind = if m.is_unsupported {
        MessageKind::Unsupported
    } else if let Some(quick_reply) = m.quick_reply {
        payload = Some(quick_reply.payload.0);
        MessageKind::QuickReply
    } else if matches!(reply_to, Some(Reference::Story { .. })) {
        MessageKind::StoryReply
    } else if let Some(first) = m.attachments.first() {
        attachment_kind(&first.kind)
    } else if text.is_some() {
        MessageKind::Text
    } else {
        MessageKind::Unsupported
    };
    let attachments = m
        .attachments
        .into_iter()
        .map(|a| Attachment { url: a.payload.and_then(|p| p.url), ..Attachment::default() })
        .collect();
    let message = InboundMessage {
        message_id: Some(m.mid.0.clone()),
        text,
        payload,
        reply_to,
        attachments,
        is_echo: m.is_echo,
        ..InboundMessage::empty(kind)
    };
    Ok((m.mid.0, Event::Message(message)))
}

fn attachment_kind(kind: &str) -> MessageKind {
    match kind {
        "image" => MessageKind::Image,
        "audio" => MessageKind::Audio,
        "video" => MessageKind::Video,
        "file" => MessageKind::Document,
        "sticker" => MessageKind::Sticker,
        "story_mention" => MessageKind::StoryMention,
        "share" | "ig_reel" | "reel" | "fallback" => MessageKind::Share,
        _ => MessageKind::Unsupported,
    }
}

fn change_item(platform: Platform, entry: &Entry, value: &Value) -> Result<InboundItem, String> {
    let change: Change = item(value)?;
    let value = change.value.ok_or("change has no `value`")?;
    match (platform, change.field.as_str()) {
        (_, "messages") => messaging_item(platform, &entry.id.0, &value),
        (Platform::Instagram, "comments" | "live_comments") => comment_item(entry, &value),
        (_, field) => Err(format!("unsupported field `{field}`")),
    }
}

fn comment_item(entry: &Entry, value: &Value) -> Result<InboundItem, String> {
    let comment: CommentValue = item(value)?;
    let comment_id = comment.id.or(comment.comment_id).ok_or("comment without `id` or `comment_id`")?;
    let author = comment.from.id.0;
    let comment = Comment {
        comment_id: comment_id.0,
        media_id: comment.media.and_then(|m| m.id).map(|id| id.0),
        parent_id: comment.parent_id.map(|id| id.0),
        text: text(comment.text),
        username: text(comment.from.username),
        is_echo: author == entry.id.0,
    };
    Ok(InboundItem {
        platform: Platform::Instagram,
        account_key: entry.id.0.clone(),
        dedupe_key: format!("comment:{}", comment.comment_id),
        contact_id: author,
        timestamp: entry.time.map(|t| t.0),
        profile_name: None,
        event: Event::Comment(comment),
    })
}

/// Names the event keys of an unhandled messaging item (`delivery`, `referral`, …) for the reason.
fn event_keys(value: &Value) -> String {
    value
        .as_object()
        .map(|o| {
            o.keys()
                .filter(|k| !matches!(k.as_str(), "sender" | "recipient" | "timestamp"))
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

//! Request bodies in each platform's documented shape (PROTOCOLS.md §3.1–3.3, §7), checked
//! against the `send_*_request.json` fixtures in the integration tests.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::{Choice, OutboundMessage, SendTarget};
use crate::inbound::Platform;

/// Telegram inline buttons per row: two 20-character titles still fit a phone's width.
const TELEGRAM_ROW: usize = 2;

/// The text as sent: with the footer appended where the platform shows no footer of its own.
pub(super) fn body_text(platform: Platform, msg: &OutboundMessage) -> Cow<'_, str> {
    match &msg.footer {
        Some(footer) if !has_own_footer(platform, msg) => Cow::Owned(format!("{}\n\n{footer}", msg.text)),
        _ => Cow::Borrowed(&msg.text),
    }
}

/// Only WhatsApp interactive messages have a footer field.
fn has_own_footer(platform: Platform, msg: &OutboundMessage) -> bool {
    platform == Platform::WhatsApp && !(msg.buttons.is_empty() && msg.quick_replies.is_empty())
}

/// Messenger and Instagram Send API: `{recipient, messaging_type, tag?, message}` (§3.2, §3.3).
///
/// `messaging_type` is sent on Instagram too: Messenger requires it and Instagram's own
/// quick-reply example carries it.
pub(super) fn meta_messaging(target: &SendTarget<'_>, msg: &OutboundMessage) -> Value {
    let text = body_text(target.channel.platform, msg);
    let mut message = if msg.buttons.is_empty() {
        json!({ "text": text })
    } else {
        let buttons: Vec<Value> =
            msg.buttons.iter().map(|b| json!({"type": "postback", "title": b.title, "payload": b.payload})).collect();
        json!({"attachment": {"type": "template", "payload": {
            "template_type": "button", "text": text, "buttons": buttons
        }}})
    };
    if !msg.quick_replies.is_empty() {
        let quick: Vec<Value> = msg
            .quick_replies
            .iter()
            .map(|q| json!({"content_type": "text", "title": q.title, "payload": q.payload}))
            .collect();
        message["quick_replies"] = Value::Array(quick);
    }
    let mut body = json!({"recipient": {"id": target.recipient}, "message": message});
    if target.human_agent_tag {
        body["messaging_type"] = json!("MESSAGE_TAG");
        body["tag"] = json!("HUMAN_AGENT");
    } else {
        body["messaging_type"] = json!("RESPONSE");
    }
    body
}

/// WhatsApp Cloud API: plain text, or reply buttons for any choices (§3.1).
pub(super) fn whatsapp(recipient: &str, msg: &OutboundMessage) -> Value {
    // Without the `+`, WhatsApp prepends the business number's country code (§3.1).
    let to = if recipient.starts_with('+') { recipient.to_owned() } else { format!("+{recipient}") };
    let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to});
    let text = body_text(Platform::WhatsApp, msg);
    let choices: Vec<&Choice> = msg.buttons.iter().chain(&msg.quick_replies).collect();
    if choices.is_empty() {
        body["type"] = json!("text");
        body["text"] = json!({"preview_url": false, "body": text});
        return body;
    }
    let buttons: Vec<Value> =
        choices.iter().map(|c| json!({"type": "reply", "reply": {"id": c.payload, "title": c.title}})).collect();
    let mut interactive = Map::new();
    interactive.insert("type".into(), json!("button"));
    interactive.insert("body".into(), json!({ "text": text }));
    if let Some(footer) = &msg.footer {
        interactive.insert("footer".into(), json!({ "text": footer }));
    }
    interactive.insert("action".into(), json!({ "buttons": buttons }));
    body["type"] = json!("interactive");
    body["interactive"] = Value::Object(interactive);
    body
}

/// Telegram `sendMessage` (§7). Quick replies become inline buttons as well: a reply keyboard
/// would send back only the title, losing the payload the flow routes on.
pub(super) fn telegram(chat_id: &str, msg: &OutboundMessage) -> Value {
    let mut body = json!({"chat_id": telegram_chat_id(chat_id), "text": body_text(Platform::Telegram, msg)});
    let choices: Vec<&Choice> = msg.buttons.iter().chain(&msg.quick_replies).collect();
    if !choices.is_empty() {
        let rows: Vec<Vec<Value>> = choices
            .chunks(TELEGRAM_ROW)
            .map(|row| row.iter().map(|c| json!({"text": c.title, "callback_data": c.payload})).collect())
            .collect();
        body["reply_markup"] = json!({ "inline_keyboard": rows });
    }
    body
}

/// Chat ids are integers on the wire; `@channelusername` strings are allowed too.
pub(super) fn telegram_chat_id(chat_id: &str) -> Value {
    chat_id.parse::<i64>().map_or_else(|_| json!(chat_id), |id| json!(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_is_appended_where_there_is_no_footer_field() {
        let msg = OutboundMessage { footer: Some("Test Bistro".into()), ..OutboundMessage::text("Hello") };
        assert_eq!(body_text(Platform::Telegram, &msg), "Hello\n\nTest Bistro");
        assert_eq!(body_text(Platform::WhatsApp, &msg), "Hello\n\nTest Bistro");
        let with_buttons = OutboundMessage { buttons: vec![Choice::new("Yes", "yes")], ..msg };
        assert_eq!(body_text(Platform::WhatsApp, &with_buttons), "Hello");
    }

    #[test]
    fn telegram_rows_hold_two_buttons() {
        let msg = OutboundMessage {
            quick_replies: (1..=3).map(|n| Choice::new(n.to_string(), format!("p{n}"))).collect(),
            ..OutboundMessage::text("How many?")
        };
        let body = telegram("@bistro_news", &msg);
        assert_eq!(body["chat_id"], "@bistro_news");
        let rows = body["reply_markup"]["inline_keyboard"].as_array().unwrap();
        assert_eq!(rows.iter().map(|r| r.as_array().unwrap().len()).collect::<Vec<_>>(), [2, 1]);
    }
}

//! Request bodies in each platform's documented shape (PROTOCOLS.md §3.1–3.3, §7), checked
//! against the `send_*_request.json` fixtures in the integration tests.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use super::limits::{META_PAYLOAD_CHARS, META_QUICK_REPLIES, META_TITLE_CHARS};
use super::{Choice, ChoiceList, OutboundMessage, SendTarget};
use crate::inbound::Platform;

/// Telegram inline buttons per row: two 20-character titles still fit a phone's width.
const TELEGRAM_ROW: usize = 2;

/// The text as sent: with a list's numbered lines where the list is shown as text, and the footer
/// appended where the platform shows no footer of its own.
pub(super) fn body_text(platform: Platform, msg: &OutboundMessage) -> Cow<'_, str> {
    let lines = list_as_text(platform, msg);
    let footer = msg.footer.as_ref().filter(|_| !has_own_footer(platform, msg));
    if lines.is_none() && footer.is_none() {
        return Cow::Borrowed(&msg.text);
    }
    let mut text = msg.text.clone();
    for part in lines.iter().chain(footer) {
        text.push_str("\n\n");
        text.push_str(part);
    }
    Cow::Owned(text)
}

/// Only WhatsApp interactive messages have a footer field.
fn has_own_footer(platform: Platform, msg: &OutboundMessage) -> bool {
    platform == Platform::WhatsApp && !(msg.buttons.is_empty() && msg.quick_replies.is_empty() && msg.list.is_none())
}

/// Messenger and Instagram have no list message, so a list falls back to what they have:
///
/// - quick replies, when every row fits their limits (at most 13 rows, titles of at most 20
///   characters, ids of at most 1000): the row id becomes the payload, so the answer routes exactly
///   as on WhatsApp. Descriptions, section titles and the button label are dropped.
/// - otherwise numbered lines appended to the text, `1. Title — description`, numbered across
///   sections. Nothing is cut or refused, but the guest answers in free text ("2" or the title),
///   which the flow has to match itself. Shortening titles to fit quick replies was rejected: the
///   guest would see something other than what the author wrote (see `limits::title_fits`).
pub(super) fn list_as_quick_replies(list: &ChoiceList) -> Option<Vec<Choice>> {
    let fits = list.rows().count() <= META_QUICK_REPLIES
        && list.rows().all(|r| {
            let title = r.title.chars().count();
            let id = r.id.chars().count();
            (1..=META_TITLE_CHARS).contains(&title) && (1..=META_PAYLOAD_CHARS).contains(&id)
        });
    fits.then(|| list.rows().map(|r| Choice::new(&r.title, &r.id)).collect())
}

/// The numbered lines of a Messenger/Instagram list that does not fit quick replies.
fn list_as_text(platform: Platform, msg: &OutboundMessage) -> Option<String> {
    let list = msg.list.as_ref().filter(|_| matches!(platform, Platform::Messenger | Platform::Instagram))?;
    if list_as_quick_replies(list).is_some() {
        return None;
    }
    let lines: Vec<String> = list
        .rows()
        .enumerate()
        .map(|(i, row)| match &row.description {
            Some(description) => format!("{}. {} — {description}", i + 1, row.title),
            None => format!("{}. {}", i + 1, row.title),
        })
        .collect();
    Some(lines.join("\n"))
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
    let from_list = msg.list.as_ref().and_then(list_as_quick_replies);
    let quick_replies = from_list.as_deref().unwrap_or(&msg.quick_replies);
    if !quick_replies.is_empty() {
        let quick: Vec<Value> = quick_replies
            .iter()
            .map(|q| json!({"content_type": "text", "title": q.title, "payload": q.payload}))
            .collect();
        message["quick_replies"] = Value::Array(quick);
    }
    if let Some(comment) = &msg.private_reply_to {
        return json!({"recipient": {"comment_id": comment}, "message": message});
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

/// WhatsApp Cloud API: plain text, a list message, or reply buttons for any choices (§3.1).
pub(super) fn whatsapp(recipient: &str, reference: Option<&str>, msg: &OutboundMessage) -> Value {
    // Without the `+`, WhatsApp prepends the business number's country code (§3.1).
    let to = if recipient.starts_with('+') { recipient.to_owned() } else { format!("+{recipient}") };
    let mut body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": to});
    if let Some(reference) = reference {
        body["biz_opaque_callback_data"] = json!(reference);
    }
    if let Some(template) = &msg.template {
        body["type"] = json!("template");
        body["template"] = super::templates::send_object(template);
        return body;
    }
    let text = body_text(Platform::WhatsApp, msg);
    let choices: Vec<&Choice> = msg.buttons.iter().chain(&msg.quick_replies).collect();
    let (kind, action) = if let Some(list) = &msg.list {
        ("list", whatsapp_list_action(list))
    } else if !choices.is_empty() {
        let buttons: Vec<Value> =
            choices.iter().map(|c| json!({"type": "reply", "reply": {"id": c.payload, "title": c.title}})).collect();
        ("button", json!({ "buttons": buttons }))
    } else {
        body["type"] = json!("text");
        body["text"] = json!({"preview_url": false, "body": text});
        return body;
    };
    let mut interactive = Map::new();
    interactive.insert("type".into(), json!(kind));
    interactive.insert("body".into(), json!({ "text": text }));
    if let Some(footer) = &msg.footer {
        interactive.insert("footer".into(), json!({ "text": footer }));
    }
    interactive.insert("action".into(), action);
    body["type"] = json!("interactive");
    body["interactive"] = Value::Object(interactive);
    body
}

/// A list message's `action` (§3.1, M14). A section title is left out when empty, which WhatsApp
/// allows only for a single section (checked in `limits`).
fn whatsapp_list_action(list: &ChoiceList) -> Value {
    let sections: Vec<Value> = list
        .sections
        .iter()
        .map(|section| {
            let rows: Vec<Value> = section
                .rows
                .iter()
                .map(|row| {
                    let mut value = json!({"id": row.id, "title": row.title});
                    if let Some(description) = &row.description {
                        value["description"] = json!(description);
                    }
                    value
                })
                .collect();
            let mut value = json!({ "rows": rows });
            if !section.title.is_empty() {
                value["title"] = json!(section.title);
            }
            value
        })
        .collect();
    json!({"button": list.button, "sections": sections})
}

/// Telegram `sendMessage` (§7). Quick replies become inline buttons as well: a reply keyboard
/// would send back only the title, losing the payload the flow routes on. A list becomes one
/// keyboard row per list row (`callback_data` = the row id); Telegram buttons hold one line of
/// text, so descriptions, section titles and the button label are not shown.
pub(super) fn telegram(chat_id: &str, msg: &OutboundMessage) -> Value {
    let mut body = json!({"chat_id": telegram_chat_id(chat_id), "text": body_text(Platform::Telegram, msg)});
    let rows: Vec<Vec<Value>> = match &msg.list {
        Some(list) => list.rows().map(|r| vec![json!({"text": r.title, "callback_data": r.id})]).collect(),
        None => {
            let choices: Vec<&Choice> = msg.buttons.iter().chain(&msg.quick_replies).collect();
            choices
                .chunks(TELEGRAM_ROW)
                .map(|row| row.iter().map(|c| json!({"text": c.title, "callback_data": c.payload})).collect())
                .collect()
        }
    };
    if !rows.is_empty() {
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

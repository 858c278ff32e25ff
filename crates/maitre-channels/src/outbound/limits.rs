//! Each platform's documented limits, checked before a message is sent or a flow is published, so
//! a flow author reads "WhatsApp allows at most 3 reply buttons" instead of a Graph error code.
//!
//! Sources: PROTOCOLS.md §3.1 (WhatsApp), §3.2 (Instagram), §7 (Telegram). Four numbers are not
//! in PROTOCOLS.md and come from Meta's pages directly: Messenger text 2000 characters (Send API
//! reference), Instagram text "1000 bytes or less" (Instagram "Send a Message"; §3.2 calls it
//! unverified), button-template text 640 characters and button titles 20 characters (Messenger
//! button template and buttons references), payloads 1000 characters (quick-reply and postback
//! references).

use std::collections::HashSet;
use std::fmt;

use super::OutboundMessage;
use super::render::body_text;
use crate::inbound::Platform;

/// How a platform measures a length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Characters,
    Bytes,
}

impl Unit {
    fn measure(self, text: &str) -> usize {
        match self {
            Unit::Characters => text.chars().count(),
            Unit::Bytes => text.len(),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Characters => "characters",
            Unit::Bytes => "bytes",
        })
    }
}

/// Why a message cannot be sent on a platform, worded for the person who wrote the flow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("{platform} messages need some text")]
    EmptyText { platform: Platform },
    #[error("{platform} allows at most {max} {unit} of text{context}; this message has {actual}")]
    TextTooLong {
        platform: Platform,
        /// Empty, or where the tighter limit applies (" above buttons").
        context: &'static str,
        max: usize,
        unit: Unit,
        actual: usize,
    },
    #[error("{platform} allows at most {max} characters in a footer; this one has {actual}")]
    FooterTooLong { platform: Platform, max: usize, actual: usize },
    #[error("{platform} allows at most {max} {kind}; this message has {actual}")]
    TooManyChoices { platform: Platform, kind: &'static str, max: usize, actual: usize },
    #[error("{platform} buttons and quick replies need a title")]
    EmptyTitle { platform: Platform },
    #[error("{platform} allows at most {max} characters in a {kind} title; \"{title}\" has {actual}")]
    TitleTooLong { platform: Platform, kind: &'static str, max: usize, title: String, actual: usize },
    #[error("the choice \"{title}\" needs a payload")]
    EmptyPayload { title: String },
    #[error("{platform} allows at most {max} {unit} of payload; the payload of \"{title}\" has {actual}")]
    PayloadTooLong { platform: Platform, max: usize, unit: Unit, title: String, actual: usize },
    #[error("{platform} needs each button's {what} to differ; \"{value}\" appears twice")]
    Duplicate { platform: Platform, what: &'static str, value: String },
}

/// Checks `msg` against `platform`'s limits. [`super::Sender::send`] calls it too, so an
/// oversized message fails fast instead of spending a request.
pub fn check_limits(platform: Platform, msg: &OutboundMessage) -> Result<(), LimitError> {
    if msg.text.trim().is_empty() {
        return Err(LimitError::EmptyText { platform });
    }
    let text = body_text(platform, msg);
    match platform {
        Platform::Instagram | Platform::Messenger => meta_messaging(platform, msg, &text),
        Platform::WhatsApp => whatsapp(msg, &text),
        Platform::Telegram => telegram(msg, &text),
    }
}

const META_TITLE_CHARS: usize = 20;
const META_PAYLOAD_CHARS: usize = 1000;

fn meta_messaging(platform: Platform, msg: &OutboundMessage, text: &str) -> Result<(), LimitError> {
    let (max, unit, context) = match (platform, msg.buttons.is_empty()) {
        (_, false) => (640, Unit::Characters, " above buttons"),
        (Platform::Instagram, true) => (1000, Unit::Bytes, ""),
        _ => (2000, Unit::Characters, ""),
    };
    text_fits(platform, text, max, unit, context)?;
    count_fits(platform, "quick replies", 13, msg.quick_replies.len())?;
    count_fits(platform, "buttons", 3, msg.buttons.len())?;
    let kinds = [("quick reply", &msg.quick_replies), ("button", &msg.buttons)];
    for (kind, choices) in kinds {
        for choice in choices {
            title_fits(platform, kind, &choice.title, META_TITLE_CHARS)?;
            payload_fits(platform, &choice.title, &choice.payload, META_PAYLOAD_CHARS, Unit::Characters)?;
        }
    }
    Ok(())
}

fn whatsapp(msg: &OutboundMessage, text: &str) -> Result<(), LimitError> {
    let platform = Platform::WhatsApp;
    let choices: Vec<_> = msg.buttons.iter().chain(&msg.quick_replies).collect();
    if choices.is_empty() {
        return text_fits(platform, text, 4096, Unit::Characters, "");
    }
    text_fits(platform, text, 1024, Unit::Characters, " with reply buttons")?;
    if let Some(footer) = &msg.footer {
        let actual = footer.chars().count();
        if actual > 60 {
            return Err(LimitError::FooterTooLong { platform, max: 60, actual });
        }
    }
    count_fits(platform, "reply buttons", 3, choices.len())?;
    let (mut titles, mut ids) = (HashSet::new(), HashSet::new());
    for choice in choices {
        title_fits(platform, "reply button", &choice.title, 20)?;
        payload_fits(platform, &choice.title, &choice.payload, 256, Unit::Characters)?;
        for (seen, what, value) in [(&mut titles, "title", &choice.title), (&mut ids, "payload", &choice.payload)] {
            if !seen.insert(value.as_str()) {
                return Err(LimitError::Duplicate { platform, what, value: value.clone() });
            }
        }
    }
    Ok(())
}

fn telegram(msg: &OutboundMessage, text: &str) -> Result<(), LimitError> {
    let platform = Platform::Telegram;
    text_fits(platform, text, 4096, Unit::Characters, "")?;
    for choice in msg.buttons.iter().chain(&msg.quick_replies) {
        if choice.title.trim().is_empty() {
            return Err(LimitError::EmptyTitle { platform });
        }
        payload_fits(platform, &choice.title, &choice.payload, 64, Unit::Bytes)?;
    }
    Ok(())
}

fn text_fits(platform: Platform, text: &str, max: usize, unit: Unit, context: &'static str) -> Result<(), LimitError> {
    let actual = unit.measure(text);
    if actual > max {
        return Err(LimitError::TextTooLong { platform, context, max, unit, actual });
    }
    Ok(())
}

fn count_fits(platform: Platform, kind: &'static str, max: usize, actual: usize) -> Result<(), LimitError> {
    if actual > max {
        return Err(LimitError::TooManyChoices { platform, kind, max, actual });
    }
    Ok(())
}

/// Meta truncates long quick-reply titles silently; refusing them keeps what the guest sees equal
/// to what the author wrote.
fn title_fits(platform: Platform, kind: &'static str, title: &str, max: usize) -> Result<(), LimitError> {
    if title.trim().is_empty() {
        return Err(LimitError::EmptyTitle { platform });
    }
    let actual = title.chars().count();
    if actual > max {
        return Err(LimitError::TitleTooLong { platform, kind, max, title: title.to_owned(), actual });
    }
    Ok(())
}

fn payload_fits(platform: Platform, title: &str, payload: &str, max: usize, unit: Unit) -> Result<(), LimitError> {
    if payload.is_empty() {
        return Err(LimitError::EmptyPayload { title: title.to_owned() });
    }
    let actual = unit.measure(payload);
    if actual > max {
        return Err(LimitError::PayloadTooLong { platform, max, unit, title: title.to_owned(), actual });
    }
    Ok(())
}

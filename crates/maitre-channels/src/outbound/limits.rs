//! Each platform's documented limits, checked before a message is sent or a flow is published, so
//! a flow author reads "WhatsApp allows at most 3 reply buttons" instead of a Graph error code.
//!
//! Sources: PROTOCOLS.md §3.1 (WhatsApp), §3.2 (Instagram), §7 (Telegram). Four numbers are not
//! in PROTOCOLS.md and come from Meta's pages directly: Messenger text 2000 characters (Send API
//! reference), Instagram text "1000 bytes or less" (Instagram "Send a Message"; §3.2 calls it
//! unverified), button-template text 640 characters and button titles 20 characters (Messenger
//! button template and buttons references), payloads 1000 characters (quick-reply and postback
//! references).
//!
//! Lists: WhatsApp's come from PROTOCOLS.md §3.1 [M14] (Meta's "Interactive list messages" page):
//! at most 10 rows in total across at most 10 sections, button label 20 characters, section
//! title 24, row title 24, row id 200, row description 72, body text 4096, footer 60, and a section
//! title on every section once there are several. Telegram's `callback_data` is 1-64 bytes (§7),
//! which bounds each row id. A WhatsApp message has a single `interactive.type`, so a list cannot
//! share a message with reply buttons; maitre refuses the combination on every platform, since a
//! list already takes the quick replies (Messenger/Instagram) or the inline keyboard (Telegram).

use std::collections::HashSet;
use std::fmt;

use super::render::body_text;
use super::{ChoiceList, OutboundMessage};
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
    #[error("message templates exist only on WhatsApp, not on {platform}")]
    TemplateElsewhere { platform: Platform },
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
    #[error("{platform} cannot send a list together with buttons or quick replies; send them as separate messages")]
    ListWithChoices { platform: Platform },
    #[error("{platform} lists need at least one row")]
    EmptyList { platform: Platform },
    #[error("{platform} list rows need a title")]
    EmptyRowTitle { platform: Platform },
    #[error("the list row \"{title}\" needs an id")]
    EmptyRowId { title: String },
    #[error("{platform} lists need a button label")]
    EmptyListButton { platform: Platform },
    #[error("{platform} allows at most {max} characters in a list's button label; \"{label}\" has {actual}")]
    ListButtonTooLong { platform: Platform, max: usize, label: String, actual: usize },
    #[error("{platform} needs a title on every list section once there are several")]
    UntitledSection { platform: Platform },
    #[error("{platform} allows at most {max} {unit} in a list row id; the id of \"{title}\" has {actual}")]
    RowIdTooLong { platform: Platform, max: usize, unit: Unit, title: String, actual: usize },
    #[error(
        "{platform} allows at most {max} characters in a list row description; the description of \"{title}\" has \
         {actual}"
    )]
    DescriptionTooLong { platform: Platform, max: usize, title: String, actual: usize },
}

/// Checks `msg` against `platform`'s limits. [`super::Sender::send`] calls it too, so an
/// oversized message fails fast instead of spending a request.
pub fn check_limits(platform: Platform, msg: &OutboundMessage) -> Result<(), LimitError> {
    if msg.text.trim().is_empty() {
        return Err(LimitError::EmptyText { platform });
    }
    if msg.template.is_some() {
        // Meta checked the template's texts at review; only its parameters vary, and WhatsApp alone has templates.
        return if platform == Platform::WhatsApp { Ok(()) } else { Err(LimitError::TemplateElsewhere { platform }) };
    }
    if let Some(list) = &msg.list {
        list_basics(platform, msg, list)?;
    }
    let text = body_text(platform, msg);
    match platform {
        Platform::Instagram | Platform::Messenger => meta_messaging(platform, msg, &text),
        Platform::WhatsApp => whatsapp(msg, &text),
        Platform::Telegram => telegram(msg, &text),
    }
}

pub(super) const META_QUICK_REPLIES: usize = 13;
pub(super) const META_TITLE_CHARS: usize = 20;
pub(super) const META_PAYLOAD_CHARS: usize = 1000;

/// What every platform needs of a list: no other choices beside it, and rows with a title and an
/// id. A Messenger/Instagram list has nothing more to check: it falls back to quick replies only
/// when it fits them, and otherwise to text, whose length `meta_messaging` checks.
fn list_basics(platform: Platform, msg: &OutboundMessage, list: &ChoiceList) -> Result<(), LimitError> {
    if !msg.buttons.is_empty() || !msg.quick_replies.is_empty() {
        return Err(LimitError::ListWithChoices { platform });
    }
    if list.rows().next().is_none() {
        return Err(LimitError::EmptyList { platform });
    }
    for row in list.rows() {
        if row.title.trim().is_empty() {
            return Err(LimitError::EmptyRowTitle { platform });
        }
        if row.id.is_empty() {
            return Err(LimitError::EmptyRowId { title: row.title.clone() });
        }
    }
    Ok(())
}

fn meta_messaging(platform: Platform, msg: &OutboundMessage, text: &str) -> Result<(), LimitError> {
    let (max, unit, context) = match (platform, msg.buttons.is_empty()) {
        (_, false) => (640, Unit::Characters, " above buttons"),
        (Platform::Instagram, true) => (1000, Unit::Bytes, ""),
        _ => (2000, Unit::Characters, ""),
    };
    text_fits(platform, text, max, unit, context)?;
    count_fits(platform, "quick replies", META_QUICK_REPLIES, msg.quick_replies.len())?;
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
    if let Some(list) = &msg.list {
        return whatsapp_list(msg, list, text);
    }
    let choices: Vec<_> = msg.buttons.iter().chain(&msg.quick_replies).collect();
    if choices.is_empty() {
        return text_fits(platform, text, 4096, Unit::Characters, "");
    }
    text_fits(platform, text, 1024, Unit::Characters, " with reply buttons")?;
    whatsapp_footer_fits(msg)?;
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

fn whatsapp_footer_fits(msg: &OutboundMessage) -> Result<(), LimitError> {
    if let Some(footer) = &msg.footer {
        let actual = footer.chars().count();
        if actual > 60 {
            return Err(LimitError::FooterTooLong { platform: Platform::WhatsApp, max: 60, actual });
        }
    }
    Ok(())
}

/// A WhatsApp list message (§3.1, M14); rows already have a title and an id (`list_basics`).
fn whatsapp_list(msg: &OutboundMessage, list: &ChoiceList, text: &str) -> Result<(), LimitError> {
    let platform = Platform::WhatsApp;
    text_fits(platform, text, 4096, Unit::Characters, "")?;
    whatsapp_footer_fits(msg)?;
    if list.button.trim().is_empty() {
        return Err(LimitError::EmptyListButton { platform });
    }
    let actual = list.button.chars().count();
    if actual > 20 {
        return Err(LimitError::ListButtonTooLong { platform, max: 20, label: list.button.clone(), actual });
    }
    count_fits(platform, "list sections", 10, list.sections.len())?;
    count_fits(platform, "list rows", 10, list.rows().count())?;
    for section in &list.sections {
        if list.sections.len() > 1 && section.title.trim().is_empty() {
            return Err(LimitError::UntitledSection { platform });
        }
        chars_fit(platform, "list section", &section.title, 24)?;
    }
    for row in list.rows() {
        chars_fit(platform, "list row", &row.title, 24)?;
        row_id_fits(platform, &row.title, &row.id, 200, Unit::Characters)?;
        if let Some(description) = &row.description {
            let actual = description.chars().count();
            if actual > 72 {
                return Err(LimitError::DescriptionTooLong { platform, max: 72, title: row.title.clone(), actual });
            }
        }
    }
    Ok(())
}

fn telegram(msg: &OutboundMessage, text: &str) -> Result<(), LimitError> {
    let platform = Platform::Telegram;
    text_fits(platform, text, 4096, Unit::Characters, "")?;
    for row in msg.list.iter().flat_map(ChoiceList::rows) {
        row_id_fits(platform, &row.title, &row.id, 64, Unit::Bytes)?;
    }
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
    chars_fit(platform, kind, title, max)
}

/// A title's length only; whether it may be empty is the caller's rule.
fn chars_fit(platform: Platform, kind: &'static str, title: &str, max: usize) -> Result<(), LimitError> {
    let actual = title.chars().count();
    if actual > max {
        return Err(LimitError::TitleTooLong { platform, kind, max, title: title.to_owned(), actual });
    }
    Ok(())
}

fn row_id_fits(platform: Platform, title: &str, id: &str, max: usize, unit: Unit) -> Result<(), LimitError> {
    let actual = unit.measure(id);
    if actual > max {
        return Err(LimitError::RowIdTooLong { platform, max, unit, title: title.to_owned(), actual });
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

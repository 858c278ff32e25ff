//! Inbound webhook bodies → [`InboundBatch`].
//!
//! Parsing is two-level on purpose. A body that is not JSON, too large, too deep or not a webhook
//! envelope is a [`ParseError`] (the HTTP layer answers 400). Inside a valid envelope every entry,
//! change and item is deserialized on its own, so one unusable item becomes a [`Skipped`] reason
//! while the rest of the batch is still delivered (fixtures/README.md, "Response policy").
//!
//! Call these only after the signature check succeeded, on the same raw bytes.

mod messaging;
mod model;
mod telegram;
mod whatsapp;
mod wire;

use serde_json::Value;

pub use model::{
    Attachment, Comment, DeliveryStatus, Event, InboundBatch, InboundItem, InboundMessage, Location, MessageKind,
    Platform, ReadReceipt, Reference, Skipped, StatusError, StatusUpdate,
};

/// Largest body accepted: WhatsApp documents payloads "up to 3 MB" and the other platforms send
/// less. The HTTP layer should apply the same limit before buffering the body.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("body of {0} bytes exceeds the {MAX_BODY_BYTES}-byte limit")]
    TooLarge(usize),
    /// Not JSON, truncated, or nested deeper than serde_json's recursion limit (128).
    #[error("invalid JSON: {0}")]
    InvalidJson(#[from] serde_json::Error),
    /// Valid JSON, but not the envelope this endpoint receives.
    #[error("not a webhook envelope: {0}")]
    Envelope(&'static str),
}

/// Parses a Meta webhook body (`object` = `instagram`, `page` or `whatsapp_business_account`).
///
/// An unknown `object` is not an error: Meta may send objects the app is subscribed to but maitre
/// does not handle, and those must be acknowledged, so they yield an empty batch with one reason.
pub fn parse_meta(raw_body: &[u8]) -> Result<InboundBatch, ParseError> {
    let body = parse_json(raw_body)?;
    let object =
        body.get("object").and_then(Value::as_str).ok_or(ParseError::Envelope("missing string field `object`"))?;
    let platform = match object {
        "instagram" => Platform::Instagram,
        "page" => Platform::Messenger,
        "whatsapp_business_account" => Platform::WhatsApp,
        _ => {
            return Ok(InboundBatch {
                items: Vec::new(),
                skipped: vec![wire::skipped("object", format_args!("unsupported object `{object}`"))],
            });
        }
    };
    let entries =
        body.get("entry").and_then(Value::as_array).ok_or(ParseError::Envelope("`entry` must be an array"))?;
    let mut batch = InboundBatch::default();
    for (index, entry) in entries.iter().enumerate() {
        let location = format!("entry[{index}]");
        match platform {
            Platform::WhatsApp => whatsapp::parse_entry(entry, &location, &mut batch),
            _ => messaging::parse_entry(platform, entry, &location, &mut batch),
        }
    }
    Ok(batch)
}

/// Parses one Telegram `Update`. Telegram bodies carry no bot id, so the caller passes the key it
/// routed the request by (for example the connection id from the webhook path); it becomes the
/// items' `account_key`.
pub fn parse_telegram(raw_body: &[u8], account_key: &str) -> Result<InboundBatch, ParseError> {
    telegram::parse(parse_json(raw_body)?, account_key)
}

/// serde_json refuses nesting deeper than 128 levels with an error instead of recursing further,
/// which is what keeps hostile bodies from overflowing the stack.
fn parse_json(raw_body: &[u8]) -> Result<Value, ParseError> {
    if raw_body.len() > MAX_BODY_BYTES {
        return Err(ParseError::TooLarge(raw_body.len()));
    }
    let body: Value = serde_json::from_slice(raw_body)?;
    if body.is_object() { Ok(body) } else { Err(ParseError::Envelope("top level must be a JSON object")) }
}

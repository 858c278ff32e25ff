//! Inbound webhook bodies → [`InboundBatch`].
//!
//! Parsing is two-level on purpose. A body that is not JSON, too large or too deep is a [`ParseError`]
//! (the HTTP layer answers 400 or 413). Any JSON is answered 200: a signed body that is not the
//! envelope this endpoint expects is one [`Skipped`] reason (platforms retry non-2xx answers for days
//! and may disable the subscription), and inside a valid envelope every entry, change and item is
//! deserialized on its own, so one unusable item becomes a reason while the rest of the batch is
//! still delivered (fixtures/README.md, "Response policy").
//!
//! Call these only after the signature check succeeded, on the same raw bytes.

mod messaging;
mod model;
pub(crate) mod telegram;
mod wa_templates;
mod whatsapp;
mod wire;

use serde_json::Value;

pub use model::{
    Attachment, Comment, DeliveryStatus, Event, InboundBatch, InboundItem, InboundMessage, Location, MessageKind,
    Platform, ReadReceipt, Reference, Skipped, StatusError, StatusUpdate, TemplateChange, TemplateUpdate,
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
}

/// Parses a Meta webhook body (`object` = `instagram`, `page` or `whatsapp_business_account`).
///
/// An unknown `object` or any other JSON that is not the envelope is not an error: Meta may send
/// objects the app is subscribed to but maitre does not handle, and those must be acknowledged, so
/// they yield an empty batch with one reason.
pub fn parse_meta(raw_body: &[u8]) -> Result<InboundBatch, ParseError> {
    let body = parse_json(raw_body)?;
    let Some(object) = body.get("object").and_then(Value::as_str) else {
        return Ok(not_an_envelope("missing string field `object`"));
    };
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
    let Some(entries) = body.get("entry").and_then(Value::as_array) else {
        return Ok(not_an_envelope("`entry` must be an array"));
    };
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
    Ok(telegram::parse(parse_json(raw_body)?, account_key))
}

/// serde_json refuses nesting deeper than 128 levels with an error instead of recursing further,
/// which is what keeps hostile bodies from overflowing the stack.
fn parse_json(raw_body: &[u8]) -> Result<Value, ParseError> {
    if raw_body.len() > MAX_BODY_BYTES {
        return Err(ParseError::TooLarge(raw_body.len()));
    }
    let mut body: Value = serde_json::from_slice(raw_body)?;
    strip_nul(&mut body);
    Ok(body)
}

/// A body that is JSON but not the endpoint's envelope: acknowledged and recorded with its reason.
fn not_an_envelope(reason: &str) -> InboundBatch {
    InboundBatch {
        items: Vec::new(),
        skipped: vec![wire::skipped("body", format_args!("not a webhook envelope: {reason}"))],
    }
}

/// Removes U+0000 from every string and key of a webhook body, the one place webhook text is cleaned: PostgreSQL
/// `text` cannot hold it, and a NUL anywhere (an `object`, a status, a field name quoted in a skip reason) must not
/// fail the write that keeps the rest of the batch. Nothing else is changed.
fn strip_nul(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('\0') => s.retain(|c| c != '\0'),
        Value::Array(items) => items.iter_mut().for_each(strip_nul),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                *map = std::mem::take(map).into_iter().map(|(k, v)| (k.replace('\0', ""), v)).collect();
            }
            map.values_mut().for_each(strip_nul);
        }
        _ => {}
    }
}

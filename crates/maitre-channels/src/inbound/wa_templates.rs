//! WhatsApp template webhooks (PROTOCOLS.md §9.3, §9.4): `message_template_status_update` and
//! `template_category_update`. They name the business account (WABA) in `entry.id` and no phone number, so the
//! items' `account_key` is the WABA id and their `contact_id` is empty.
use serde::Deserialize;
use serde_json::Value;

use super::model::{Event, InboundItem, Platform, TemplateChange, TemplateUpdate};
use super::wire::{Text, UnixTime, WireId, item, text};

/// The fields this module reads.
pub(super) const FIELDS: [&str; 2] = ["message_template_status_update", "template_category_update"];

#[derive(Deserialize)]
struct StatusValue {
    event: Text,
    message_template_id: TemplateId,
    message_template_name: Text,
    message_template_language: Text,
    reason: Option<Text>,
    rejection_info: Option<RejectionInfo>,
    other_info: Option<OtherInfo>,
}

#[derive(Deserialize)]
struct RejectionInfo {
    reason: Option<Text>,
    recommendation: Option<Text>,
}

#[derive(Deserialize)]
struct OtherInfo {
    title: Option<Text>,
    description: Option<Text>,
}

#[derive(Deserialize)]
struct CategoryValue {
    message_template_id: TemplateId,
    message_template_name: Text,
    message_template_language: Text,
    new_category: Text,
    correct_category: Option<Text>,
    previous_category: Option<Text>,
    category_update_timestamp: Option<UnixTime>,
}

/// A template id: a 16-digit JSON number in webhooks (read as an integer, never a float), a string in the API.
struct TemplateId(String);

impl<'de> Deserialize<'de> for TemplateId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.is_u64() => Ok(Self(n.to_string())),
            Value::String(s) if !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(Self(s)),
            _ => Err(serde::de::Error::custom("message_template_id must be a whole number")),
        }
    }
}

/// One template change of the WABA `waba`; `time` is the entry's time (it tells repeated events apart).
pub(super) fn change_item(
    waba: &WireId,
    field: &str,
    value: &Value,
    time: Option<&Value>,
) -> Result<InboundItem, String> {
    let at = time.and_then(|t| UnixTime::deserialize(t).ok()).map(|t| t.0);
    let (update, key) = if field == FIELDS[0] {
        let v: StatusValue = item(value)?;
        let detail = match (v.rejection_info, v.other_info) {
            (Some(r), _) => join(text(r.reason), text(r.recommendation)),
            (None, Some(o)) => join(text(o.title), text(o.description)),
            (None, None) => None,
        };
        let event = v.event.0;
        let key = format!("template:{}:{event}:{}", v.message_template_id.0, at.map_or(0, |t| t.timestamp()));
        let change = TemplateChange::Status { event, reason: text(v.reason), detail };
        (update(v.message_template_id, v.message_template_name, v.message_template_language, change), key)
    } else {
        let v: CategoryValue = item(value)?;
        let (from, to, impending_at) = match (v.correct_category, v.previous_category) {
            // Impending: `new_category` is the current one, despite its name (§9.4).
            (Some(correct), _) => (v.new_category.0, correct.0, v.category_update_timestamp.map(|t| t.0)),
            (None, previous) => (text(previous).unwrap_or_default(), v.new_category.0, None),
        };
        let state = if impending_at.is_some() { "impending" } else { "done" };
        let key = format!("template-category:{}:{to}:{state}", v.message_template_id.0);
        let change = TemplateChange::Category { from, to, impending_at };
        (update(v.message_template_id, v.message_template_name, v.message_template_language, change), key)
    };
    Ok(InboundItem {
        platform: Platform::WhatsApp,
        account_key: waba.0.clone(),
        contact_id: String::new(),
        dedupe_key: key,
        timestamp: at,
        profile_name: None,
        event: Event::Template(update),
    })
}

fn update(id: TemplateId, name: Text, language: Text, change: TemplateChange) -> TemplateUpdate {
    TemplateUpdate { template_id: id.0, name: name.0, language: language.0, change }
}

fn join(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (a, b) => a.or(b),
    }
}

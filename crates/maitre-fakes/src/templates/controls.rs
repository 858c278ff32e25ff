//! What tests set and read: per-recipient outcomes, seeded templates and review results with their
//! webhooks.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::send::{digits, status_webhook};
use super::{ID_BASE, Template};
use crate::{FakePlatforms, unix_now};

fn message_template_status_update(waba: &str, template: &Template, event: &str, reason: Option<&str>) -> Value {
    let id = template.id.parse::<u64>().map_or_else(|_| json!(template.id), |n| json!(n));
    let mut value = json!({
        "event": event,
        "message_template_id": id,
        "message_template_name": template.name,
        "message_template_language": template.language,
        "reason": reason.unwrap_or("NONE"),
        "message_template_category": template.category,
    });
    match event {
        "REJECTED" => {
            value["rejection_info"] = json!({
                "reason": "Illustrative text: a variable is placed at the very end of the body without closing text.",
                "recommendation": "Illustrative text: add fixed text after the last variable and submit the template again."
            });
        }
        "PAUSED" => {
            value["other_info"] = json!({
                "title": "FIRST_PAUSE",
                "description": "Illustrative text: the template is paused for a few hours because of low quality feedback."
            });
        }
        "DISABLED" => value["disable_info"] = json!({"disable_date": unix_now()}),
        _ => {}
    }
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": waba,
            "time": unix_now(),
            "changes": [{"value": value, "field": "message_template_status_update"}]
        }]
    })
}

impl FakePlatforms {
    /// WhatsApp's per-user marketing limit (§9.7): a MARKETING template send to `wa_id` is accepted,
    /// then fails with 131049 as a status webhook, waiting in
    /// [`take_failed_statuses`](Self::take_failed_statuses). Other sends are not affected.
    pub fn marketing_limited(&self, wa_id: &str) {
        self.lock().templates.marketing_limited.insert(digits(wa_id).to_owned());
    }

    /// Every WhatsApp send to `wa_id` is refused on the call with 131026, as for a number not on WhatsApp.
    pub fn undeliverable(&self, wa_id: &str) {
        self.lock().templates.undeliverable.insert(digits(wa_id).to_owned());
    }

    /// The `failed` status webhook bodies waiting since the last call, for a test to sign and post to
    /// maitre's webhook; each carries the wamid, recipient and phone number id of its send.
    pub fn take_failed_statuses(&self) -> Vec<Value> {
        std::mem::take(&mut self.lock().templates.failed_statuses)
    }

    /// From now on every accepted WhatsApp send leaves its `sent` status webhook for
    /// [`take_sent_statuses`](Self::take_sent_statuses), as Meta posts one for each send.
    pub fn report_sent_statuses(&self) {
        self.lock().templates.sent_statuses.get_or_insert_with(Vec::new);
    }

    /// The `sent` status webhooks of sends accepted since the last call, for a test to sign and post: one body per
    /// business number and up to 100 statuses, each echoing the send's `biz_opaque_callback_data`.
    pub fn take_sent_statuses(&self) -> Vec<Value> {
        let taken = self.lock().templates.sent_statuses.as_mut().map(std::mem::take).unwrap_or_default();
        let mut by_number: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
        for (number, waba, status) in taken {
            by_number.entry((number, waba)).or_default().push(status);
        }
        let mut bodies = Vec::new();
        for ((number, waba), statuses) in by_number {
            for chunk in statuses.chunks(100) {
                bodies.push(status_webhook(&waba, &number, chunk.to_vec()));
            }
        }
        bodies
    }

    /// Meta's review (or quality rating) acting on a template: stores the new status (`REINSTATED`
    /// means `APPROVED` again) and returns the `message_template_status_update` webhook body to post;
    /// `None` when that WABA has no such template. `reason` defaults to `NONE`, as on a pause.
    pub fn set_template_status(
        &self,
        waba_id: &str,
        name: &str,
        language: &str,
        event: &str,
        reason: Option<&str>,
    ) -> Option<Value> {
        let mut state = self.lock();
        let list = state.templates.by_waba.get_mut(waba_id)?;
        let template = list.iter_mut().find(|t| t.name == name && t.language == language)?;
        template.status = if event == "REINSTATED" { "APPROVED" } else { event }.to_owned();
        Some(message_template_status_update(waba_id, template, event, reason))
    }

    /// The templates of a WABA, in the shape the list call answers.
    pub fn templates(&self, waba_id: &str) -> Vec<Value> {
        let state = self.lock();
        state.templates.by_waba.get(waba_id).into_iter().flatten().map(Template::to_json).collect()
    }

    /// Seeds a template as if made in WhatsApp Manager, unchecked: `name`, `language`, `category`,
    /// `components`, and optionally `status` (default `APPROVED`), `parameter_format` and a numeric
    /// `id` (string or number). Replaces one with the same name and language; returns the id.
    pub fn add_template(&self, waba_id: &str, template: Value) -> String {
        let mut state = self.lock();
        let text = |key: &str, default: &str| template[key].as_str().unwrap_or(default).to_owned();
        let given = template["id"].as_u64().or_else(|| template["id"].as_str().and_then(|id| id.parse().ok()));
        let id = given.unwrap_or_else(|| ID_BASE + state.next_id()).to_string();
        let seeded = Template {
            id: id.clone(),
            name: text("name", ""),
            language: text("language", ""),
            category: text("category", "UTILITY"),
            parameter_format: text("parameter_format", "POSITIONAL"),
            components: template["components"].clone(),
            status: text("status", "APPROVED"),
        };
        let list = state.templates.by_waba.entry(waba_id.to_owned()).or_default();
        list.retain(|t| t.name != seeded.name || t.language != seeded.language);
        list.push(seeded);
        id
    }
}

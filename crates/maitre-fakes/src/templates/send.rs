//! The checks a template send meets (§9.6) and what an accepted one leads to (§9.7).

use serde_json::{Value, json};

use super::{DISPLAY_PHONE_NUMBER, Templates, component, placeholders, variables};
use crate::{Reply, unix_now};

/// A template send that passed the checks, until it gets its wamid.
pub(crate) struct Checked {
    waba: String,
    text: String,
    marketing: bool,
}

/// A WhatsApp send to `to`: refused when the recipient is undeliverable or the template cannot be
/// sent (§9.6); `Some` for an acceptable template send.
pub(crate) fn check_send(templates: &Templates, body: &Value, to: &str) -> Result<Option<Checked>, Reply> {
    let checked = if body["type"] == "template" { Some(check_template(templates, &body["template"])?) } else { None };
    if templates.undeliverable.contains(digits(to)) {
        return Err(whatsapp_error(
            131026,
            "Message Undeliverable",
            "Message Undeliverable.",
            "AFakeTrace131026und001",
        ));
    }
    Ok(checked)
}

fn check_template(templates: &Templates, sent: &Value) -> Result<Checked, Reply> {
    let name = sent["name"].as_str().unwrap_or_default();
    let language = sent["language"]["code"].as_str().unwrap_or_default();
    let found = templates
        .by_waba
        .iter()
        .find_map(|(waba, list)| list.iter().find(|t| t.name == name && t.language == language).map(|t| (waba, t)));
    let not_found = || {
        let details = format!("template name ({name}) does not exist in {language}");
        whatsapp_error(132001, "Template name does not exist in the translation", &details, "AFakeTrace132001tpl001")
    };
    let Some((waba, template)) = found else {
        return Err(not_found());
    };
    match template.status.as_str() {
        "APPROVED" => {}
        "PAUSED" => {
            let details = format!("Illustrative text: the template {name} is paused because of low quality.");
            return Err(whatsapp_error(132015, "Template is Paused", &details, "AFakeTrace132015pau001"));
        }
        "DISABLED" => {
            let details =
                format!("Illustrative text: the template {name} was paused too many times and is now disabled.");
            return Err(whatsapp_error(132016, "Template is Disabled", &details, "AFakeTrace132016dis001"));
        }
        _ => return Err(not_found()),
    }
    let components = sent["components"].as_array().map(Vec::as_slice).unwrap_or_default();
    let parameters = |kind: &str| {
        component(components, kind).and_then(|c| c["parameters"].as_array()).map(Vec::as_slice).unwrap_or_default()
    };
    let parts = if template.has_text_header() { &["header", "body"][..] } else { &["body"][..] };
    for part in parts {
        let (expected, got) = (variables(template.text(part)).len(), parameters(part).len());
        if expected != got {
            let details = format!(
                "{part}: number of localizable_params ({got}) does not match the expected number of params ({expected})"
            );
            let title = "Number of parameters does not match the expected number of params";
            return Err(whatsapp_error(132000, title, &details, "AFakeTrace132000cnt001"));
        }
    }
    Ok(Checked {
        waba: waba.clone(),
        text: fill(template.text("body"), parameters("body")),
        marketing: template.category == "MARKETING",
    })
}

/// The fake does not know which WABA a number belongs to: statuses of sends that are not templates name this one.
const SOME_WABA: &str = "100000000000001";

/// One accepted WhatsApp send.
pub(crate) struct Accepted<'a> {
    pub phone_number_id: &'a str,
    pub to: &'a str,
    pub wamid: &'a str,
    /// The sender's `biz_opaque_callback_data`, echoed in every status of the send.
    pub callback: Option<&'a str>,
}

/// Records what an accepted send leads to (its `sent` status, when a test asked for them) and returns the text a
/// template send shows the guest. A marketing send to a limited recipient is accepted, then fails as a status
/// webhook (§9.7).
pub(crate) fn accepted(templates: &mut Templates, checked: Option<Checked>, send: &Accepted) -> Option<String> {
    let recipient = digits(send.to);
    let waba = checked.as_ref().map_or(SOME_WABA, |c| c.waba.as_str()).to_owned();
    if let Some(sent) = &mut templates.sent_statuses {
        sent.push((send.phone_number_id.to_owned(), waba.clone(), status(send, "sent")));
    }
    let checked = checked?;
    if checked.marketing && templates.marketing_limited.contains(recipient) {
        let reason = "This message was not delivered to maintain healthy ecosystem engagement.";
        let mut failed = status(send, "failed");
        failed["errors"] = json!([{
            "code": 131049,
            "title": reason,
            "message": reason,
            "error_data": {
                "details": "In order to maintain healthy ecosystem engagement, the message failed to be delivered."
            },
            "href": "/documentation/business-messaging/whatsapp/support/error-codes"
        }]);
        templates.failed_statuses.push(status_webhook(&waba, send.phone_number_id, vec![failed]));
    }
    Some(checked.text)
}

/// A status of the send, as `statuses[]` of a webhook holds it (PROTOCOLS.md §2.1).
fn status(send: &Accepted, status: &str) -> Value {
    let mut s = json!({
        "id": send.wamid,
        "status": status,
        "timestamp": unix_now().to_string(),
        "recipient_id": digits(send.to),
    });
    if let Some(callback) = send.callback {
        s["biz_opaque_callback_data"] = json!(callback);
    }
    s
}

/// A `messages` webhook of one business number carrying `statuses`.
pub(crate) fn status_webhook(waba: &str, phone_number_id: &str, statuses: Vec<Value>) -> Value {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{
            "id": waba,
            "changes": [{
                "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": DISPLAY_PHONE_NUMBER, "phone_number_id": phone_number_id},
                    "statuses": statuses
                },
                "field": "messages"
            }]
        }]
    })
}

/// A template send error in the shape of `fixtures/graph_errors/whatsapp_*.json`.
fn whatsapp_error(code: i64, title: &str, details: &str, fbtrace_id: &str) -> Reply {
    Reply::new(
        400,
        json!({"error": {
            "message": format!("(#{code}) {title}"),
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": fbtrace_id
        }}),
    )
}

/// The text with each variable replaced by its parameter: a named one by the parameter with that
/// `parameter_name`, `{{n}}` by the n-th.
fn fill(text: &str, parameters: &[Value]) -> String {
    let vars = variables(text);
    let value = |var: &str| {
        let by_name = parameters.iter().find(|p| p["parameter_name"] == var);
        let by_position = var.parse::<usize>().ok().and_then(|n| parameters.get(n.wrapping_sub(1)));
        let by_order = vars.iter().position(|v| *v == var).and_then(|i| parameters.get(i));
        let p = by_name.or(by_position).or(by_order).unwrap_or(&Value::Null);
        let text = p["text"].as_str().or(p["currency"]["fallback_value"].as_str());
        text.or(p["date_time"]["fallback_value"].as_str()).unwrap_or_default().to_owned()
    };
    let mut out = String::new();
    let mut tail = text;
    for (before, var, after) in placeholders(text) {
        out.push_str(before);
        out.push_str(&value(var));
        tail = after;
    }
    out.push_str(tail);
    out
}

/// WhatsApp ids are digits; `to` carries a `+`.
pub(super) fn digits(to: &str) -> &str {
    to.trim_start_matches('+')
}

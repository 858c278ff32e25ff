//! WhatsApp message templates (PROTOCOLS.md §9): create, list and delete per WABA, the checks a
//! template send meets, their webhooks, and per-recipient outcomes a test sets (§9.7).
//!
//! Templates belong to a WABA, but the fake does not know which WABA a phone number belongs to, so
//! a send looks for its template in every WABA.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};

use super::faults::graph_error;
use super::graph::whatsapp_invalid_param;
use super::{FakeState, RecordedRequest, Reply};

/// Template ids are 16 digits, as in the fixtures (`1800000000000001`).
const ID_BASE: u64 = 1_800_000_000_000_000;
/// The business number as status webhooks spell it (digits only, as in the fixtures).
const DISPLAY_PHONE_NUMBER: &str = "15550001111";
const CURSOR_PREFIX: &str = "QVFIU_FAKE_";
const DEFAULT_LIMIT: usize = 25;

#[derive(Default)]
pub(super) struct Templates {
    /// WABA id → its templates, in creation order.
    by_waba: BTreeMap<String, Vec<Template>>,
    /// wa_ids (digits only) whose marketing templates fail later with 131049.
    marketing_limited: HashSet<String>,
    /// wa_ids every send to which fails with 131026.
    undeliverable: HashSet<String>,
    /// Webhook bodies of `failed` statuses not yet taken by a test.
    failed_statuses: Vec<Value>,
    /// `sent` statuses of accepted sends (phone number id, WABA, status) not yet taken; `None` until a test
    /// asks for them.
    sent_statuses: Option<Vec<(String, String, Value)>>,
}

#[derive(Clone)]
struct Template {
    id: String,
    name: String,
    language: String,
    category: String,
    parameter_format: String,
    components: Value,
    status: String,
}

impl Template {
    /// The shape `GET /{waba}/message_templates` lists.
    fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "parameter_format": self.parameter_format,
            "components": self.components,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "id": self.id,
        })
    }

    /// Ids are generated as numbers; paging orders by them.
    fn number(&self) -> u64 {
        self.id.parse().unwrap_or_default()
    }

    fn component(&self, kind: &str) -> Option<&Value> {
        component(self.components.as_array()?, kind)
    }

    fn text(&self, kind: &str) -> &str {
        self.component(kind).and_then(|c| c["text"].as_str()).unwrap_or_default()
    }

    /// Only a TEXT header (or none) has variables to count; media headers take one media parameter.
    fn has_text_header(&self) -> bool {
        self.component("HEADER").is_none_or(|h| h["format"].as_str().is_none_or(|f| f.eq_ignore_ascii_case("TEXT")))
    }
}

pub(super) fn handle(state: &mut FakeState, request: &RecordedRequest, waba: &str) -> Reply {
    match request.method.as_str() {
        "POST" => create(state, request, waba),
        "GET" => list(&state.templates, request, waba),
        "DELETE" => delete(&mut state.templates, request, waba),
        _ => Reply::new(400, graph_error(100, "(#100) Unsupported request: no such fake endpoint")),
    }
}

pub(super) fn exists(templates: &Templates, id: &str) -> bool {
    templates.by_waba.values().flatten().any(|t| t.id == id)
}

/// `GET /{template_id}`: one template (§9.2).
pub(super) fn get(templates: &Templates, id: &str, request: &RecordedRequest) -> Reply {
    let template = templates.by_waba.values().flatten().find(|t| t.id == id);
    Reply::ok(template.map_or(Value::Null, |t| only_fields(t.to_json(), request)))
}

/// `POST /{waba}/message_templates`: validated like Meta does before review; the new template is
/// PENDING until a test moves it on with
/// [`FakePlatforms::set_template_status`](crate::FakePlatforms::set_template_status).
fn create(state: &mut FakeState, request: &RecordedRequest, waba: &str) -> Reply {
    let mut template = match parse(&request.body) {
        Ok(template) => template,
        Err(details) => return whatsapp_invalid_param(&details),
    };
    let mut existing = state.templates.by_waba.get(waba).into_iter().flatten();
    if existing.any(|t| t.name == template.name && t.language == template.language) {
        let details = format!("Content in this language already exists: {} ({})", template.name, template.language);
        return whatsapp_invalid_param(&details);
    }
    template.id = (ID_BASE + state.next_id()).to_string();
    let answer = json!({"id": template.id, "status": template.status, "category": template.category});
    state.templates.by_waba.entry(waba.to_owned()).or_default().push(template);
    Reply::ok(answer)
}

/// A template from a create request, or the `details` of Meta's refusal.
fn parse(body: &Value) -> Result<Template, String> {
    let name = body["name"].as_str().unwrap_or_default();
    let valid_name = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if name.is_empty() || name.chars().count() > 512 || !name.chars().all(valid_name) {
        return Err("Param name must be 1 to 512 lowercase letters, digits or underscores.".into());
    }
    let language = body["language"].as_str().unwrap_or_default();
    if language.is_empty() {
        return Err("The parameter language is required.".into());
    }
    let category = body["category"].as_str().unwrap_or_default();
    if !matches!(category, "MARKETING" | "UTILITY" | "AUTHENTICATION") {
        return Err("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}.".into());
    }
    let parameter_format = body["parameter_format"].as_str().unwrap_or("POSITIONAL");
    if !matches!(parameter_format, "POSITIONAL" | "NAMED") {
        return Err("Param parameter_format must be one of {POSITIONAL, NAMED}.".into());
    }
    check_components(&body["components"], parameter_format == "NAMED")?;
    Ok(Template {
        id: String::new(),
        name: name.to_owned(),
        language: language.to_owned(),
        category: category.to_owned(),
        parameter_format: parameter_format.to_owned(),
        components: body["components"].clone(),
        status: "PENDING".into(),
    })
}

fn check_components(components: &Value, named: bool) -> Result<(), String> {
    let Some(list) = components.as_array() else {
        return Err("The parameter components is required.".into());
    };
    let count = |kind: &str| list.iter().filter(|c| is_type(c, kind)).count();
    if count("BODY") != 1 {
        return Err("A template needs exactly one BODY component.".into());
    }
    if count("HEADER") > 1 || count("FOOTER") > 1 {
        return Err("A template has at most one HEADER and one FOOTER component.".into());
    }
    let body = component(list, "BODY").unwrap_or(&Value::Null);
    let text = body["text"].as_str().unwrap_or_default();
    if text.trim().is_empty() || text.chars().count() > 1024 {
        return Err("The BODY text must have 1 to 1024 characters.".into());
    }
    check_examples(body, "body", named)?;
    if let Some(header) = component(list, "HEADER")
        && header["format"].as_str().is_some_and(|f| f.eq_ignore_ascii_case("TEXT"))
    {
        let text = header["text"].as_str().unwrap_or_default();
        if text.trim().is_empty() || text.chars().count() > 60 || variables(text).len() > 1 {
            return Err("A TEXT header must have 1 to 60 characters and at most one variable.".into());
        }
        check_examples(header, "header", named)?;
    }
    if let Some(footer) = component(list, "FOOTER") {
        let text = footer["text"].as_str().unwrap_or_default();
        if text.chars().count() > 60 || !variables(text).is_empty() {
            return Err("The FOOTER text must have at most 60 characters and no variables.".into());
        }
    }
    Ok(())
}

/// Review rejects variables without examples, so creation refuses them (§9.1). `part` is `body` or
/// `header`: positional bodies give `[[…]]`, positional headers `[…]`, named ones `{param_name, example}`s.
fn check_examples(component: &Value, part: &str, named: bool) -> Result<(), String> {
    let vars = variables(component["text"].as_str().unwrap_or_default());
    if vars.is_empty() {
        return Ok(());
    }
    let example = &component["example"];
    if named {
        if !vars.iter().all(|v| v.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')) {
            return Err(format!("{part}: named parameters must be lowercase letters, digits or underscores."));
        }
        let given = example[format!("{part}_text_named_params")].as_array().map(Vec::as_slice).unwrap_or_default();
        let has = |v: &&str| given.iter().any(|e| e["param_name"] == *v && e["example"].is_string());
        if given.len() != vars.len() || !vars.iter().all(has) {
            return Err(format!("{part}: {part}_text_named_params must give one example per named parameter."));
        }
        return Ok(());
    }
    let sequential = vars.iter().enumerate().all(|(i, v)| *v == (i + 1).to_string().as_str());
    if !sequential {
        return Err(format!("{part}: variables must be {{{{1}}}}, {{{{2}}}}, … in order."));
    }
    let values = match part {
        "body" => example["body_text"].as_array().filter(|outer| outer.len() == 1).and_then(|o| o[0].as_array()),
        _ => example["header_text"].as_array(),
    };
    if values.is_none_or(|v| v.len() != vars.len() || !v.iter().all(Value::is_string)) {
        return Err(format!("{part}: example.{part}_text must give one example string per variable."));
    }
    Ok(())
}

/// `GET /{waba}/message_templates` with the `name`, `status`, `category` and `language` filters and
/// cursor paging; `next` is absolute, as Graph's is, and present only while more pages remain.
fn list(templates: &Templates, request: &RecordedRequest, waba: &str) -> Reply {
    let query = &request.query;
    let wanted = |key: &str, value: &str| {
        query.get(key).is_none_or(|want| want.split(',').any(|w| w.trim().eq_ignore_ascii_case(value)))
    };
    let mut found: Vec<&Template> = (templates.by_waba.get(waba).into_iter().flatten())
        .filter(|t| query.get("name").is_none_or(|n| *n == t.name))
        .filter(|t| wanted("status", &t.status) && wanted("category", &t.category) && wanted("language", &t.language))
        .collect();
    found.sort_by_key(|t| t.number());
    let start = match query.get("after") {
        None => 0,
        Some(cursor) => match cursor.strip_prefix(CURSOR_PREFIX).and_then(|n| n.parse::<u64>().ok()) {
            Some(after) => found.iter().position(|t| t.number() > after).unwrap_or(found.len()),
            None => return whatsapp_invalid_param("Param after is not a valid cursor."),
        },
    };
    let limit = query.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| *l > 0).unwrap_or(DEFAULT_LIMIT);
    let page = &found[start..(start + limit).min(found.len())];
    let (Some(first), Some(last)) = (page.first(), page.last()) else {
        return Reply::ok(json!({"data": []}));
    };
    let after = format!("{CURSOR_PREFIX}{}", last.id);
    let mut paging = json!({"cursors": {"before": format!("{CURSOR_PREFIX}{}", first.id), "after": after}});
    if start + page.len() < found.len() {
        paging["next"] = json!(next_url(request, &after));
    }
    let data: Vec<Value> = page.iter().map(|t| only_fields(t.to_json(), request)).collect();
    Reply::ok(json!({"data": data, "paging": paging}))
}

/// `fields=` narrows the answer; the id always stays, as on Graph.
fn only_fields(template: Value, request: &RecordedRequest) -> Value {
    let (Some(fields), Value::Object(all)) = (request.query.get("fields"), &template) else {
        return template;
    };
    let keep: HashSet<&str> = fields.split(',').map(str::trim).chain(["id"]).collect();
    let kept: Map<String, Value> =
        all.iter().filter(|(k, _)| keep.contains(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    Value::Object(kept)
}

/// The same request with `after` moved on, from the Host the client called.
fn next_url(request: &RecordedRequest, after: &str) -> String {
    let host = request.headers.get("host").map_or("localhost", String::as_str);
    let mut query = request.query.clone();
    query.remove("before");
    query.insert("after".into(), after.into());
    let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    format!("http://{host}{}?{}", request.path, pairs.join("&"))
}

fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `DELETE /{waba}/message_templates?name=…[&hsm_id=…]`: every language of the name, or one template.
fn delete(templates: &mut Templates, request: &RecordedRequest, waba: &str) -> Reply {
    let Some(name) = request.query.get("name") else {
        return whatsapp_invalid_param("The parameter name is required.");
    };
    let hsm_id = request.query.get("hsm_id");
    let list = templates.by_waba.entry(waba.to_owned()).or_default();
    let before = list.len();
    list.retain(|t| t.name != *name || hsm_id.is_some_and(|id| *id != t.id));
    if list.len() == before {
        return whatsapp_invalid_param(&format!("Message template {name} was not found."));
    }
    Reply::ok(json!({"success": true}))
}

fn is_type(component: &Value, kind: &str) -> bool {
    component["type"].as_str().is_some_and(|t| t.eq_ignore_ascii_case(kind))
}

fn component<'a>(components: &'a [Value], kind: &str) -> Option<&'a Value> {
    components.iter().find(|c| is_type(c, kind))
}

/// The distinct `{{…}}` variables of a text, in order of first appearance.
fn variables(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for (_, name, _) in placeholders(text) {
        if !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// Each `{{…}}` of a text: the text before it, its trimmed name, and the text after it.
fn placeholders(text: &str) -> Vec<(&str, &str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}").map(|c| open + 2 + c) else { break };
        let after = &rest[close + 2..];
        found.push((&rest[..open], rest[open + 2..close].trim(), after));
        rest = after;
    }
    found
}

mod controls;
mod send;
#[cfg(test)]
mod tests;

pub(super) use send::{Accepted, accepted, check_send};

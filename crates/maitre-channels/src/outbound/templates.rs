//! WhatsApp message templates on the Graph API (PROTOCOLS.md §9): create, list and delete on the business account
//! (WABA), and the `template` message shape for sends.
use maitre_domain::templates::{Compiled, Filled, ParameterFormat, TemplateContent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::segment;
use super::{Channel, SendFailure, Sender};
use crate::errors::PermanentReason;

/// Pages of a template list followed at most; a WABA holds at most 6,000 templates (§9.1).
const MAX_PAGES: usize = 60;

/// One template send: which approved template, in which language, with which values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSend {
    pub name: String,
    pub language: String,
    #[serde(default)]
    pub params: Filled,
    /// The payload each quick-reply button returns when tapped, by button index.
    #[serde(default)]
    pub quick_replies: Vec<String>,
}

/// Meta's answer to a creation: the id to keep and the category it assigned (it may differ, §9.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedTemplate {
    pub id: String,
    pub status: String,
    pub category: String,
}

/// A template as `GET /<WABA>/message_templates` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTemplate {
    pub id: String,
    pub name: String,
    pub language: String,
    pub status: String,
    pub category: String,
    /// `None` when it uses a part maitre does not offer (a media header, an OTP button): listed, never sent.
    pub content: Option<TemplateContent>,
}

impl Sender {
    /// Submits a template for review. It arrives `PENDING`; the verdict comes by webhook.
    pub async fn create_template(
        &self,
        channel: &Channel<'_>,
        waba: &str,
        t: &Compiled,
    ) -> Result<CreatedTemplate, SendFailure> {
        let url = format!("{}/{}/message_templates", self.urls.graph, segment(waba)?);
        let answer = self.graph_call(self.http.post(url).json(&create_body(t)), channel).await?;
        let text = |k: &str| answer[k].as_str().unwrap_or_default().to_owned();
        if text("id").is_empty() {
            return Err(SendFailure::permanent(PermanentReason::Other, "WhatsApp answered without a template id"));
        }
        Ok(CreatedTemplate { id: text("id"), status: text("status"), category: text("category") })
    }

    /// Every template of the business account, following `paging.next`.
    pub async fn list_templates(&self, channel: &Channel<'_>, waba: &str) -> Result<Vec<RemoteTemplate>, SendFailure> {
        let mut url = format!(
            "{}/{}/message_templates?limit=100&fields=id,name,language,status,category,parameter_format,components",
            self.urls.graph,
            segment(waba)?
        );
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let answer = self.graph_call(self.http.get(&url), channel).await?;
            out.extend(answer["data"].as_array().into_iter().flatten().filter_map(remote));
            // Follow only links back to the configured host: the token travels with the request.
            match answer["paging"]["next"].as_str() {
                Some(next) if next.starts_with(&self.urls.graph) => url = next.to_owned(),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Deletes one language of a template (`hsm_id`), leaving its other translations.
    pub async fn delete_template(
        &self,
        channel: &Channel<'_>,
        waba: &str,
        name: &str,
        id: &str,
    ) -> Result<(), SendFailure> {
        let url = format!("{}/{}/message_templates", self.urls.graph, segment(waba)?);
        let request = self.http.delete(url).query(&[("name", name), ("hsm_id", id)]);
        self.graph_call(request, channel).await.map(drop)
    }
}

/// The creation request of §9.1 with positional variables and their examples.
fn create_body(t: &Compiled) -> Value {
    let c = &t.content;
    let header_count = c.header_variables().len();
    let (header_examples, body_examples) = t.examples.split_at(header_count.min(t.examples.len()));
    let mut components = Vec::new();
    if let Some(header) = &c.header {
        let mut h = json!({"type": "HEADER", "format": "TEXT", "text": header});
        if !header_examples.is_empty() {
            h["example"] = json!({ "header_text": header_examples });
        }
        components.push(h);
    }
    let mut body = json!({"type": "BODY", "text": c.body});
    if !body_examples.is_empty() {
        body["example"] = json!({ "body_text": [body_examples] });
    }
    components.push(body);
    if let Some(footer) = &c.footer {
        components.push(json!({"type": "FOOTER", "text": footer}));
    }
    if !c.buttons.is_empty() {
        components.push(json!({"type": "BUTTONS", "buttons": c.buttons}));
    }
    json!({
        "name": t.name,
        "language": t.language,
        "category": t.category.as_str(),
        "parameter_format": "POSITIONAL",
        "components": components,
    })
}

/// Reads one listed template; one without a name or id is left out.
fn remote(v: &Value) -> Option<RemoteTemplate> {
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    Some(RemoteTemplate {
        id: text("id")?,
        name: text("name")?,
        language: text("language").unwrap_or_default(),
        status: text("status").unwrap_or_default(),
        category: text("category").unwrap_or_default(),
        content: content(v),
    })
}

fn content(v: &Value) -> Option<TemplateContent> {
    let mut c = TemplateContent {
        parameter_format: match v["parameter_format"].as_str() {
            Some("NAMED") => ParameterFormat::Named,
            _ => ParameterFormat::Positional,
        },
        ..TemplateContent::default()
    };
    for component in v["components"].as_array()? {
        let text = component["text"].as_str().map(str::to_owned);
        match component["type"].as_str()? {
            "HEADER" if component["format"].as_str() == Some("TEXT") => c.header = text,
            "HEADER" => return None,
            "BODY" => c.body = text?,
            "FOOTER" => c.footer = text,
            "BUTTONS" => c.buttons = serde_json::from_value(component["buttons"].clone()).ok()?,
            _ => return None,
        }
    }
    (!c.body.is_empty()).then_some(c)
}

/// The `template` object of a send (§9.5): header and body parameters, then one payload per quick-reply button.
pub(super) fn send_object(t: &TemplateSend) -> Value {
    let params = |ps: &[maitre_domain::templates::Param]| -> Vec<Value> {
        ps.iter()
            .map(|p| match &p.name {
                Some(name) => json!({"type": "text", "parameter_name": name, "text": p.text}),
                None => json!({"type": "text", "text": p.text}),
            })
            .collect()
    };
    let mut components = Vec::new();
    if !t.params.header.is_empty() {
        components.push(json!({"type": "header", "parameters": params(&t.params.header)}));
    }
    if !t.params.body.is_empty() {
        components.push(json!({"type": "body", "parameters": params(&t.params.body)}));
    }
    for (i, payload) in t.quick_replies.iter().enumerate() {
        components.push(json!({
            "type": "button", "sub_type": "quick_reply", "index": i.to_string(),
            "parameters": [{"type": "payload", "payload": payload}],
        }));
    }
    json!({"name": t.name, "language": {"policy": "deterministic", "code": t.language}, "components": components})
}

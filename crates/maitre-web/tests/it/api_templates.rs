//! WhatsApp message templates over the JSON API: naming the business account, creating a template with maitre's
//! placeholders (Meta gets positional variables with examples), review results arriving by webhook, refusals with
//! a reason, roles and other accounts, and sending an approved template once the guest's window has closed.
use chrono::TimeDelta;
use maitre_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::call;
use crate::helpers::TestApp;
use crate::webhooks::{WA, wa_text};

const WABA: &str = "100000000000001";
const GUEST: &str = "4917155566677";

struct Api {
    app: TestApp,
    account: String,
    channel: String,
    admin: String,
}

/// A business with a WhatsApp channel whose business account was named through the API.
async fn setup() -> Api {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let channel = app.connect(&account, "whatsapp", WA, "wa-token").await.id.to_string();
    let admin = app.token(&account, Role::Admin).await;
    let api = Api { app, account, channel, admin };
    let waba = format!("/api/v1/channels/{}/waba", api.channel);
    let (status, synced) = api.call(Method::POST, &waba, &api.admin, Some(json!({"waba_id": WABA}))).await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced, json!({"templates": 0, "removed": 0}));
    api
}

impl Api {
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        call(&self.app, method, path, Some(token), body.map(|b| b.to_string()).as_deref()).await
    }

    fn template(&self, name: &str, body: &str) -> Value {
        json!({"channel_id": self.channel, "name": name, "language": "de", "category": "UTILITY", "body": body})
    }

    /// Creates a template through the API; returns its id.
    async fn create(&self, template: Value) -> String {
        let (status, created) = self.call(Method::POST, "/api/v1/templates", &self.admin, Some(template)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["status"], "PENDING");
        created["id"].as_str().unwrap().to_owned()
    }

    /// Meta's review (or quality rating) moves the template on; its webhook is posted and processed.
    async fn review(&self, name: &str, event: &str) {
        let body = self.app.fakes.set_template_status(WABA, name, "de", event, None).expect("a template at the fake");
        let (status, answer) = self.app.post_meta(&serde_json::to_vec(&body).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        self.app.drain().await;
    }

    async fn refused(&self, template: Value) -> (StatusCode, String) {
        let (status, body) = self.call(Method::POST, "/api/v1/templates", &self.admin, Some(template)).await;
        (status, body["error"]["message"].as_str().unwrap_or_default().to_owned())
    }
}

#[tokio::test]
async fn a_template_goes_to_meta_with_positional_variables_and_its_review_arrives_by_webhook() {
    let api = setup().await;
    let mut template = api
        .template("table_reminder", "Hallo {{contact.first_name}}, bis {{reservation.date}} um {{reservation.time}}!");
    template["footer"] = json!("Trattoria Roma");
    template["quick_replies"] = json!(["Passt", "Absagen"]);
    let id = api.create(template).await;

    let at_meta = api.app.fakes.templates(WABA);
    assert_eq!(at_meta.len(), 1, "{at_meta:?}");
    let body = at_meta[0]["components"].as_array().unwrap().iter().find(|c| c["type"] == "BODY").unwrap().clone();
    assert_eq!(body["text"], "Hallo {{1}}, bis {{2}} um {{3}}!");
    let examples = body["example"]["body_text"][0].as_array().unwrap();
    assert_eq!(examples.len(), 3, "an example per variable: {body}");
    assert!(examples.iter().all(|e| !e.as_str().unwrap().trim().is_empty()), "{body}");

    let path = format!("/api/v1/templates/{id}");
    let (_, pending) = api.call(Method::GET, &path, &api.admin, None).await;
    assert_eq!((pending["status"].as_str(), pending["variables"].as_u64()), (Some("PENDING"), Some(3)));
    assert_eq!(pending["bindings"], json!(["contact.first_name", "reservation.date", "reservation.time"]));
    assert_eq!((pending["bound"].as_bool(), pending["waba_id"].as_str()), (Some(true), Some(WABA)));
    assert_eq!(pending["buttons"][1], json!({"type": "QUICK_REPLY", "text": "Absagen"}));
    let preview = pending["preview"].as_str().unwrap();
    assert!(preview.starts_with("Hallo Alex, bis ") && !preview.contains("{{"), "{preview}");
    assert!(preview.ends_with("Trattoria Roma"), "the footer is part of what the guest reads: {preview}");

    api.review("table_reminder", "APPROVED").await;
    let (status, approved) = api.call(Method::GET, &path, &api.admin, None).await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("APPROVED")));
    let (_, list) = api.call(Method::GET, "/api/v1/templates", &api.admin, None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["data"][0]["id"], id.as_str());

    // One made in WhatsApp Manager arrives by a sync, with no placeholders behind its variables.
    let seeded = json!({"name": "opening_hours", "language": "de", "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Wir haben ab {{1}} Uhr geöffnet."}]});
    api.app.fakes.add_template(WABA, seeded);
    let sync = format!("/api/v1/channels/{}/templates/sync", api.channel);
    let (status, synced) = api.call(Method::POST, &sync, &api.admin, None).await;
    assert_eq!((status, synced), (StatusCode::OK, json!({"templates": 2, "removed": 0})));
    let (_, list) = api.call(Method::GET, "/api/v1/templates", &api.admin, None).await;
    let names: Vec<&str> = list["data"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["opening_hours", "table_reminder"]);
    let stored = list["data"][0]["id"].as_str().unwrap();
    let (_, unbound) = api.call(Method::GET, &format!("/api/v1/templates/{stored}"), &api.admin, None).await;
    assert_eq!((unbound["bound"].as_bool(), unbound["status"].as_str()), (Some(false), Some("APPROVED")));
    assert_eq!(unbound["preview"], "Wir haben ab … Uhr geöffnet.");

    assert_eq!(api.call(Method::DELETE, &path, &api.admin, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api.app.fakes.templates(WABA).len(), 1, "deleted at Meta too");
    assert_eq!(api.call(Method::GET, &path, &api.admin, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_templates_roles_and_other_accounts_are_refused_with_a_reason() {
    let api = setup().await;
    let (status, message) = api.refused(api.template("guest_note", "Hallo {{vars.x}}, bis bald!")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("vars.x"), "{message}");
    let (status, message) = api.refused(api.template("Table_Reminder", "Bis bald!")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message.contains("lowercase"), "{message}");
    let mut authentication = api.template("login_code", "Your code is here.");
    authentication["category"] = json!("AUTHENTICATION");
    assert_eq!(api.refused(authentication).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let mut elsewhere = api.template("table_reminder", "Bis bald!");
    elsewhere["channel_id"] = json!("0190d3a2-0000-7000-8000-000000000000");
    let (status, message) = api.refused(elsewhere).await;
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::NOT_FOUND, "channel_id: there is no such channel in this account")
    );
    assert!(api.app.fakes.templates(WABA).is_empty(), "nothing refused reached Meta");
    let waba = format!("/api/v1/channels/{}/waba", api.channel);
    let (status, _) = api.call(Method::POST, &waba, &api.admin, Some(json!({"waba_id": "WABA-1"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let viewer = api.app.token(&api.account, Role::Viewer).await;
    let (status, _) = api.call(Method::POST, "/api/v1/templates", &viewer, Some(api.template("hi", "Hallo!"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(api.call(Method::GET, "/api/v1/templates", &viewer, None).await.0, StatusCode::OK, "viewers read");
    let (status, body) = call(&api.app, Method::GET, "/api/v1/templates", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));

    let id = api.create(api.template("table_reminder", "Bis bald im Restaurant!")).await;
    let (_, other) = api.app.signup("Bistro Paris", "paris@example.com").await;
    let stranger = api.app.token(&other, Role::Owner).await;
    let path = format!("/api/v1/templates/{id}");
    assert_eq!(api.call(Method::GET, &path, &stranger, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.call(Method::DELETE, &path, &stranger, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.app.fakes.templates(WABA).len(), 1, "another account deleted nothing");
    // Meta refuses a second template of the same name and language: its words, never the channel's token.
    let (status, message) = api.refused(api.template("table_reminder", "Bis bald im Restaurant!")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(message.contains("already exists") && !message.contains("wa-token"), "{message}");
}

#[tokio::test]
async fn an_approved_template_reaches_a_guest_after_the_window_closed_and_a_paused_one_is_refused() {
    let api = setup().await;
    let id = api.create(api.template("welcome_back", "Hallo {{contact.first_name}}, schön von dir zu hören!")).await;
    api.review("welcome_back", "APPROVED").await;
    let wrote = wa_text("wamid.TPL_IN_1", GUEST, "Habt ihr am Freitag offen?", api.app.clock.now().timestamp());
    assert_eq!(api.app.post_meta(&wrote).await.0, StatusCode::OK);
    api.app.drain().await;
    api.app.clock.advance(TimeDelta::days(3));
    let (_, page) = api.call(Method::GET, "/api/v1/conversations?filter=all", &api.admin, None).await;
    let conversation = page["items"][0]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/conversations/{conversation}/template");

    let (status, body) =
        api.call(Method::POST, &path, &api.admin, Some(json!({"template_id": id, "values": ["a", "b"]}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("takes 1 values, 2 were given"), "{body}");
    let (status, queued) = api.call(Method::POST, &path, &api.admin, Some(json!({"template_id": id}))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert!(queued["message_id"].is_string());
    api.app.drain().await;
    let sends: Vec<Value> = api.app.fakes.requests().into_iter().filter(|r| r.is_send()).map(|r| r.body).collect();
    let sent = sends.iter().find(|b| b["type"] == "template").unwrap_or_else(|| panic!("{sends:?}"));
    let to = sent["to"].as_str().unwrap().trim_start_matches('+');
    assert_eq!((to, sent["template"]["name"].as_str()), (GUEST, Some("welcome_back")));
    assert_eq!(sent["template"]["components"][0]["parameters"][0]["text"], "Guest", "filled from the guest");

    api.review("welcome_back", "PAUSED").await;
    let (status, body) = api.call(Method::POST, &path, &api.admin, Some(json!({"template_id": id}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let reason = body["error"]["message"].as_str().unwrap().to_lowercase();
    assert!(reason.contains("paused"), "{reason}");
    let (status, body) = api.call(Method::POST, &path, &api.admin, Some(json!({"template_id": "nope"}))).await;
    assert_eq!(
        (status, body["error"]["message"].as_str()),
        (StatusCode::NOT_FOUND, Some("template_id: there is no such template in this account"))
    );
}

#[tokio::test]
async fn template_routes_are_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let (status, doc) = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/api/v1/templates", "get"),
        ("/api/v1/templates", "post"),
        ("/api/v1/templates/{id}", "get"),
        ("/api/v1/templates/{id}", "delete"),
        ("/api/v1/channels/{channel_id}/waba", "post"),
        ("/api/v1/channels/{channel_id}/templates/sync", "post"),
        ("/api/v1/conversations/{id}/template", "post"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} documented");
    }
    for schema in ["MessageTemplateDto", "MessageTemplateDetail", "MessageTemplateInput", "TemplateSendInput"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    assert!(doc["paths"]["/api/v1/templates"]["post"]["responses"]["502"].is_object(), "Meta's refusals");
    let detail = doc["components"]["schemas"]["MessageTemplateDetail"].to_string();
    assert!(
        detail.contains("MessageTemplateDto") && detail.contains("preview"),
        "the template and its preview: {detail}"
    );
}

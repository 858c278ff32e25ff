//! What must never be lost or deleted: guests' messages keyed by what each platform documents as unique, sent
//! messages whose platform id collides, webhook batches with NUL characters, signed bodies in odd shapes, and
//! NUL characters in any page or API parameter.
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fixture};
use crate::webhooks::{NOW, WA, wa_text};

const IG: &str = "17840000000000001";

async fn business() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    (app, account)
}

async fn tenant(app: &TestApp, account: &str) -> maitre_store::TenantStore {
    app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap()
}

/// Every message of the account: (direction, kind, body, status).
async fn messages(app: &TestApp, account: &str) -> Vec<(String, String, String, String)> {
    let tenant = tenant(app, account).await;
    let mut out = vec![];
    for c in tenant.conversations().conversation_ids().await.unwrap() {
        out.extend(tenant.conversations().messages(c).await.unwrap());
    }
    out
}

fn telegram_update(update_id: i64, chat: i64, message_id: i64, text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"update_id": update_id, "message": {
        "message_id": message_id,
        "from": {"id": chat, "is_bot": false, "first_name": format!("Guest {chat}")},
        "chat": {"id": chat, "type": "private"},
        "date": NOW, "text": text
    }}))
    .unwrap()
}

#[tokio::test]
async fn two_telegram_guests_with_the_same_message_id_are_both_stored_and_answered() {
    let (app, account) = business().await;
    let ch = app.connect_with_secret(&account, "telegram", "7000000001", "7000000001:FAKE", Some("tg-secret")).await;
    tenant(&app, &account).await.channels().set_auto_reply(ch.id, "Hallo!").await.unwrap();
    let url = app.url(&format!("/webhooks/telegram/{}", ch.id));
    // Telegram numbers messages per chat: both guests' first message is number 5.
    for (update, chat, text) in [(900, 111, "Tisch für 2?"), (901, 222, "Tisch für 4?")] {
        let res = reqwest::Client::new()
            .post(&url)
            .header("x-telegram-bot-api-secret-token", "tg-secret")
            .header("content-type", "application/json")
            .body(telegram_update(update, chat, 5, text))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    app.drain().await;
    let inbound: Vec<String> =
        messages(&app, &account).await.into_iter().filter(|m| m.0 == "in").map(|m| m.2).collect();
    assert_eq!(inbound.len(), 2, "{inbound:?}");
    assert!(inbound.contains(&"Tisch für 2?".to_owned()) && inbound.contains(&"Tisch für 4?".to_owned()));
    let mut answered: Vec<String> = app.fakes.sent_messages().into_iter().map(|s| s.recipient).collect();
    answered.sort();
    assert_eq!(answered, ["111", "222"]);
}

/// The platform's echo of an Instagram reply, with the message id the fake gives our first send.
fn echo(text: &str) -> Vec<u8> {
    let body = String::from_utf8(fixture("instagram/echo.json")).unwrap();
    body.replace("m_FAKE_IG_0007", "m_FAKE_1").replace("Booked: Saturday 19:00 for 2. See you then!", text).into_bytes()
}

async fn instagram_with_auto_reply(app: &TestApp, account: &str, reply: &str) {
    let ig = app.connect(account, "instagram", IG, "IG-TOKEN-FAKE").await;
    tenant(app, account).await.channels().set_auto_reply(ig.id, reply).await.unwrap();
}

#[tokio::test]
async fn a_sent_id_held_by_a_message_that_is_not_its_echo_deletes_nothing() {
    let (app, account) = business().await;
    instagram_with_auto_reply(&app, &account, "Ciao!").await;
    app.post_meta(&fixture("instagram/text_message.json")).await;
    // Another outgoing message (sent from the Instagram app, another text) already holds the id our send gets.
    app.post_meta(&echo("Wir haben heute geschlossen.")).await;
    app.drain().await;
    let out: Vec<_> = messages(&app, &account).await.into_iter().filter(|m| m.0 == "out").collect();
    let texts: Vec<&str> = out.iter().map(|m| m.2.as_str()).collect();
    assert_eq!(out.len(), 2, "both kept: {out:?}");
    assert!(texts.contains(&"Ciao!") && texts.contains(&"Wir haben heute geschlossen."), "{texts:?}");
    assert!(out.iter().all(|m| m.3 == "sent"), "{out:?}");
    assert_eq!(app.fakes.sent_messages().len(), 1, "sent once");
    assert!(app.store.troubled_jobs(None, 10).await.unwrap().is_empty());
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("maitre_platform_id_collisions_total 1"), "{metrics}");
}

#[tokio::test]
async fn the_echo_of_this_very_send_gives_way_to_it() {
    let (app, account) = business().await;
    instagram_with_auto_reply(&app, &account, "Ciao!").await;
    app.post_meta(&fixture("instagram/text_message.json")).await;
    app.post_meta(&echo("Ciao!")).await;
    app.drain().await;
    let out: Vec<_> = messages(&app, &account).await.into_iter().filter(|m| m.0 == "out").collect();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].2.as_str(), out[0].3.as_str()), ("Ciao!", "sent"));
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("maitre_platform_id_collisions_total 0"), "{metrics}");
}

/// A WhatsApp batch with U+0000 in the envelope's `object`, a change's `field`, a status value and a contact name,
/// beside a valid message.
fn whatsapp_batch_with_nul() -> Vec<u8> {
    let value = |extra: Value| {
        let mut v = json!({"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA}});
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account\u{0}",
        "entry": [{"id": "100000000000001", "changes": [
            {"field": "mess\u{0}ages", "value": value(json!({"statuses": [
                {"id": "wamid.OLD", "status": "deliv\u{0}ered", "timestamp": NOW.to_string(), "recipient_id": "1"}]}))},
            {"field": "messages", "value": value(json!({
                "contacts": [{"profile": {"name": "Ada\u{0}"}, "wa_id": "15550002222"}],
                "messages": [{"from": "15550002222", "id": "wamid.NUL1", "timestamp": NOW.to_string(),
                    "type": "text", "text": {"body": "Tisch\u{0} für 2"}}]}))},
            {"field": "messages", "value": value(json!({
                "messages": [{"from": "15550003333", "id": "wamid.NUL2", "timestamp": NOW.to_string(),
                    "type": "text", "text": {"body": "for 4 tonight"}}]}))}
        ]}]
    }))
    .unwrap()
}

#[tokio::test]
async fn a_nul_character_in_a_signed_webhook_loses_nothing_on_either_backend() {
    let (app, account) = business().await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let (status, body) = app.post_meta(&whatsapp_batch_with_nul()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.drain().await;
    let inbound: Vec<String> =
        messages(&app, &account).await.into_iter().filter(|m| m.0 == "in").map(|m| m.2).collect();
    assert_eq!(inbound.len(), 2, "{inbound:?}");
    assert!(inbound.contains(&"Tisch für 2".to_owned()) && inbound.contains(&"for 4 tonight".to_owned()));
    assert!(app.store.troubled_jobs(None, 10).await.unwrap().is_empty());
}

/// The webhook fixtures of every kind, with the path they are posted to.
fn webhook_fixtures() -> Vec<(&'static str, String)> {
    let mut out = vec![];
    for platform in ["whatsapp", "instagram", "messenger", "telegram"] {
        let dir = format!("{}/../maitre-channels/tests/fixtures/{platform}", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(&dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let wire = ["send_", "error_", "answer_", "template_"].iter().all(|p| !name.starts_with(p));
            if wire && !name.ends_with("_response.json") && !name.ends_with("_request.json") {
                out.push((platform, format!("{platform}/{name}")));
            }
        }
    }
    out.sort();
    out
}

/// Paths to every string (values and object keys) in a JSON document.
fn string_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::String(_) => out.push(at.clone()),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, item)| {
            at.push(i.to_string());
            string_paths(item, at, out);
            at.pop();
        }),
        Value::Object(map) => map.iter().for_each(|(k, item)| {
            at.push(k.clone());
            string_paths(item, at, out);
            at.pop();
        }),
        _ => {}
    }
}

fn at_path<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, key| match v {
        Value::Array(items) => &mut items[key.parse::<usize>().unwrap()],
        other => &mut other[key.as_str()],
    })
}

struct Telegram {
    url: String,
}

impl Telegram {
    async fn post(&self, body: &[u8]) -> StatusCode {
        let res = reqwest::Client::new()
            .post(&self.url)
            .header("x-telegram-bot-api-secret-token", "tg-secret")
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        res.status()
    }
}

#[tokio::test]
async fn a_nul_in_any_string_of_any_webhook_fixture_is_answered_200_and_fails_no_job() {
    let (app, account) = business().await;
    for (platform, id) in [("whatsapp", WA), ("instagram", IG), ("messenger", "110000000000001")] {
        app.connect(&account, platform, id, "TOKEN-FAKE").await;
    }
    let ch = app.connect_with_secret(&account, "telegram", "7000000001", "7000000001:FAKE", Some("tg-secret")).await;
    let telegram = Telegram { url: app.url(&format!("/webhooks/telegram/{}", ch.id)) };
    let mut posted = 0;
    for (platform, path) in webhook_fixtures() {
        let original: Value = serde_json::from_slice(&fixture(&path)).unwrap();
        let mut paths = vec![];
        string_paths(&original, &mut vec![], &mut paths);
        for p in paths {
            let mut body = original.clone();
            if let Value::String(s) = at_path(&mut body, &p) {
                let middle = s.char_indices().nth(s.chars().count() / 2).map_or(s.len(), |(i, _)| i);
                s.insert(middle, '\0');
            }
            let bytes = serde_json::to_vec(&body).unwrap();
            let status =
                if platform == "telegram" { telegram.post(&bytes).await } else { app.post_meta(&bytes).await.0 };
            assert_eq!(status, StatusCode::OK, "{path} with NUL at {p:?}");
            posted += 1;
        }
    }
    assert!(posted > 200, "{posted}");
    app.drain().await;
    let troubled = app.store.troubled_jobs(None, 10).await.unwrap();
    assert!(troubled.is_empty(), "{troubled:?}");
    assert!(!messages(&app, &account).await.is_empty());
}

#[tokio::test]
async fn signed_json_that_is_not_an_envelope_is_acknowledged_and_recorded() {
    let (app, _) = business().await;
    for body in [
        &b"{}"[..],
        br#"{"object":5}"#,
        br#"{"object":null,"entry":[]}"#,
        br#"{"object":"page"}"#,
        br#"{"object":"page","entry":null}"#,
        br#"{"object":"whatsapp_business_account","entry":{"id":"1"}}"#,
        b"[]",
        b"\"text\"",
    ] {
        let (status, answer) = app.post_meta(body).await;
        assert_eq!(status, StatusCode::OK, "{} -> {answer}", String::from_utf8_lossy(body));
    }
    let ignored = app.store.ignored_events(50).await.unwrap();
    assert_eq!(ignored.iter().filter(|(_, reason, ..)| reason.starts_with("not a webhook envelope")).count(), 8);
    assert_eq!(app.post_meta(b"{\"object\":").await.0, StatusCode::BAD_REQUEST);
    let huge = vec![b' '; maitre_channels::inbound::MAX_BODY_BYTES + 1];
    assert_eq!(app.post_meta(&huge).await.0, StatusCode::PAYLOAD_TOO_LARGE);
}

/// One random change to a JSON document below its root: a value removed or replaced by another type.
fn mutate(body: &mut Value, rng: &mut StdRng) {
    let mut paths = vec![];
    all_paths(body, &mut vec![], &mut paths);
    if paths.is_empty() {
        return;
    }
    let path = &paths[rng.random_range(0..paths.len())];
    let (last, parent) = path.split_last().unwrap();
    let replacements = [
        Value::Null,
        json!(0),
        json!(-1),
        json!(1e300),
        json!(""),
        json!("\u{0}"),
        json!("x".repeat(300)),
        json!([]),
        json!({}),
        json!(true),
        json!([{"a": 1}]),
    ];
    let parent = at_path(body, parent);
    if rng.random_bool(0.25) {
        match parent {
            Value::Object(map) => drop(map.remove(last)),
            Value::Array(items) => drop(items.remove(last.parse::<usize>().unwrap())),
            _ => {}
        }
    } else {
        *at_path(parent, std::slice::from_ref(last)) = replacements[rng.random_range(0..replacements.len())].clone();
    }
}

fn all_paths(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let children: Vec<(String, &Value)> = match v {
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        _ => return,
    };
    for (key, child) in children {
        at.push(key);
        out.push(at.clone());
        all_paths(child, at, out);
        at.pop();
    }
}

#[tokio::test]
async fn mutated_signed_fixtures_never_get_a_5xx_or_a_400_and_lose_nothing_stored() {
    let cases: usize = std::env::var("MAITRE_TEST_WEBHOOK_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let (app, account) = business().await;
    for (platform, id) in [("whatsapp", WA), ("instagram", IG), ("messenger", "110000000000001")] {
        app.connect(&account, platform, id, "TOKEN-FAKE").await;
    }
    app.post_meta(&wa_text("wamid.KEEP", "15550009999", "Tisch für 6 am Samstag", NOW)).await;
    app.drain().await;
    let before = messages(&app, &account).await;
    let fixtures: Vec<Value> = webhook_fixtures()
        .into_iter()
        .filter(|(platform, _)| *platform != "telegram")
        .map(|(_, path)| serde_json::from_slice(&fixture(&path)).unwrap())
        .collect();
    let mut rng = StdRng::seed_from_u64(16);
    for case in 0..cases {
        let mut body = fixtures[rng.random_range(0..fixtures.len())].clone();
        for _ in 0..rng.random_range(1..=3) {
            mutate(&mut body, &mut rng);
        }
        let bytes = serde_json::to_vec(&body).unwrap();
        let (status, answer) = app.post_meta(&bytes).await;
        assert_eq!(status, StatusCode::OK, "case {case}: {} -> {answer}", String::from_utf8_lossy(&bytes));
    }
    app.drain().await;
    let after = messages(&app, &account).await;
    for m in &before {
        assert!(after.contains(m), "{m:?} was lost");
    }
}

#[tokio::test]
async fn a_nul_in_any_api_parameter_is_refused_with_400_and_stores_nothing() {
    let (app, account) = business().await;
    let token = app.token(&account, maitre_domain::Role::Admin).await;
    let spec: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    let c = reqwest::Client::new();
    let mut probes = 0;
    for (path, methods) in spec["paths"].as_object().unwrap() {
        // Every `{param}` gets a NUL; a path without one gets it in its query.
        let with_nul = path.split('/').map(|s| if s.starts_with('{') { "x%00y" } else { s }).collect::<Vec<_>>();
        let url = app.url(&format!("/api/v1{}", with_nul.join("/")));
        for (method, _) in methods.as_object().unwrap() {
            let variants: Vec<(String, Option<Value>)> = vec![
                (format!("{url}?q=%00&limit=10"), None),
                (
                    url.clone(),
                    Some(json!({"name": "Ada\u{0}", "phone": "+49\u{0}301234567", "text": "hi\u{0}",
                    "tags": ["vip\u{0}"], "email": "a\u{0}@example.com", "note": "x\u{0}", "status": "open\u{0}"})),
                ),
            ];
            for (target, body) in variants {
                let mut req = c.request(method.to_uppercase().parse().unwrap(), &target).bearer_auth(&token);
                if let Some(body) = &body {
                    req = req.json(body);
                }
                let res = req.send().await.unwrap();
                let status = res.status();
                let text = res.text().await.unwrap();
                assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {target}: {text}");
                assert!(text.contains("NUL"), "{method} {target}: {text}");
                probes += 1;
            }
        }
    }
    assert!(probes >= 20, "{probes}");
    let tenant = tenant(&app, &account).await;
    assert!(tenant.conversations().conversation_ids().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_nul_in_a_page_path_form_or_query_is_refused_with_400() {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    for path in [format!("/a/{account}/contacts?q=%00"), format!("/a/{account}/contacts/x%00y")] {
        let page = c.get(&path).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path}: {}", page.body);
        assert!(page.body.contains("NUL"), "{}", page.body);
    }
    let fields = format!("/a/{account}/contacts/fields");
    let form = c.get(&fields).await;
    let res = c.post_form(&fields, &[("_csrf", &form.csrf()), ("label", "Allergie\u{0}n"), ("kind", "text")]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(!c.get(&fields).await.body.contains("Allergie"));
}

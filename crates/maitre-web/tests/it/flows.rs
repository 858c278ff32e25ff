//! Flows on the dashboard and over the API: installing a template, editing a draft (saved with its errors,
//! published only when valid), switching flows on and off, the simulator panel, roles and other accounts, the
//! write-only AI key, and the editor with its graph and simulator in a real browser.
use fantoccini::Locator;
use maitre_domain::{Locale, Role};
use maitre_testkit::Browser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, field_value};

/// "Trattoria Roma" in Berlin with German as the guests' language (the restaurant_de template's tests expect
/// German replies). The app's clock reads Monday 2026-09-21 16:15 in Berlin; Tuesdays are open in the evening.
struct Setup {
    app: TestApp,
    owner: Client,
    account: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let mut settings = tenant.account().await.unwrap().settings;
    settings.time_zone = "Europe/Berlin".into();
    settings.locale = Locale::De;
    tenant.update_settings(&settings).await.unwrap();
    Setup { app, owner, account }
}

impl Setup {
    fn path(&self, rest: &str) -> String {
        format!("/a/{}{rest}", self.account)
    }

    async fn tenant(&self) -> maitre_store::TenantStore {
        self.app.store.tenant_for_operator(self.account.parse().unwrap()).await.unwrap()
    }

    /// Installs a template with the list page's button (a draft); returns the new flow's id.
    async fn install_draft(&self, key: &str) -> String {
        let res = self.owner.submit(&self.path("/flows"), &self.path("/flows/templates"), &[("key", key)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res.location.unwrap().rsplit('/').next().unwrap().to_owned()
    }

    /// Installs a template and publishes it with the editor's button, as an owner would.
    async fn install(&self, key: &str) -> String {
        let id = self.install_draft(key).await;
        let editor = self.owner.get(&self.path(&format!("/flows/{id}"))).await;
        let published = self.press(&id, &form_fields(&editor.body, "flow-form"), "publish").await;
        assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
        id
    }

    /// Posts the editor's structured form with `fields` as scraped from it, pressing the button `op`.
    async fn press(&self, id: &str, fields: &[(String, String)], op: &str) -> crate::helpers::Page {
        let mut pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("op", op));
        self.owner.post_form(&self.path(&format!("/flows/{id}")), &pairs).await
    }

    async fn toggle(&self, id: &str, value: &str) -> crate::helpers::Page {
        self.owner
            .submit(&self.path("/flows"), &self.path(&format!("/flows/{id}/enabled")), &[("enabled", value)])
            .await
    }

    async fn api(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value, String) {
        let mut req = reqwest::Client::new().request(method, self.app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
    }
}

/// Undoes askama's HTML escaping.
fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"").replace("&#39;", "'").replace("&#60;", "<").replace("&#62;", ">").replace("&#38;", "&")
}

/// Every named field of the form with id `form_id` as a browser would send it (without its buttons).
fn form_fields(body: &str, form_id: &str) -> Vec<(String, String)> {
    let start = body.find(&format!("id=\"{form_id}\"")).unwrap_or_else(|| panic!("no form {form_id}"));
    let html = &body[start..start + body[start..].find("</form>").unwrap()];
    let attr = |tag: &str, name: &str| {
        let marker = format!("{name}=\"");
        tag.find(&marker).map(|i| {
            let from = i + marker.len();
            unescape(&tag[from..from + tag[from..].find('"').unwrap()])
        })
    };
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let end = rest.find('>').unwrap();
        let tag = &rest[..=end];
        if tag.starts_with("<input") {
            if let Some(name) = attr(tag, "name") {
                out.push((name, attr(tag, "value").unwrap_or_default()));
            }
        } else if tag.starts_with("<textarea") {
            let close = rest.find("</textarea>").unwrap();
            out.push((attr(tag, "name").unwrap(), unescape(&rest[end + 1..close])));
        } else if tag.starts_with("<select") {
            let close = rest.find("</select>").unwrap();
            let options = &rest[end..close];
            let chosen = options.split("<option").find(|o| o.contains(" selected")).or(options.split("<option").nth(1));
            out.push((attr(tag, "name").unwrap(), chosen.and_then(|o| attr(o, "value")).unwrap_or_default()));
        }
        rest = &rest[end..];
    }
    out
}

async fn flow(s: &Setup, id: &str) -> maitre_store::FlowRecord {
    s.tenant().await.flows().flow(id.parse().unwrap()).await.unwrap()
}

#[tokio::test]
async fn a_template_installs_from_the_list_as_a_draft_and_publishes_as_version_one() {
    let s = setup().await;
    let empty = s.owner.get(&s.path("/flows")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("id=\"no-flows\"") && empty.body.contains("Friseurtermin"), "{}", empty.body);
    for key in ["restaurant_de", "restaurant_en", "salon_appointment", "practice_appointment", "review_request"] {
        assert!(empty.body.contains(&format!("value=\"{key}\"")), "template {key} offered");
    }

    let id = s.install_draft("restaurant_de").await;
    let editor = s.owner.get(&s.path(&format!("/flows/{id}"))).await;
    assert!(editor.body.contains("Tischreservierung is installed as a draft"), "{}", editor.body);
    assert_eq!(flow(&s, &id).await.published_version, None, "nothing answers guests before it is published");
    let published = s.press(&id, &form_fields(&editor.body, "flow-form"), "publish").await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let editor = s.owner.get(&s.path(&format!("/flows/{id}"))).await;
    assert!(editor.body.contains("Published version 1") && editor.body.contains("No problems found."));
    let list = s.owner.get(&s.path("/flows")).await;
    let row = &list.body[list.body.find(&format!("id=\"flow-{id}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains(">Tischreservierung</a>") && row.contains("v1") && row.contains("all channels"), "{row}");
    let unknown = s.owner.submit(&s.path("/flows"), &s.path("/flows/templates"), &[("key", "pizza")]).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown.body.contains("no template"), "{}", unknown.body);
}

/// The editor in plain German: node and trigger types, answer kinds and match modes in words, nodes offered by
/// what they say rather than by id, ids only under "Advanced"; a box of the graph jumps to its card.
#[tokio::test]
async fn the_editor_speaks_plain_language() {
    let s = setup().await;
    let owner = s.app.store.user_by_email("owner@example.com").await.unwrap().id;
    s.app.store.update_profile(owner, "Ada", Locale::De).await.unwrap();
    let id = s.install_draft("restaurant_de").await;
    let page = s.owner.get(&s.path(&format!("/flows/{id}"))).await.body;
    for words in [
        r#"<span class="badge">Frage</span>"#,
        r#"<span class="badge">Buchen</span>"#,
        r#"<span class="badge">Stichwörter</span>"#,
        ">Anzahl Gäste</option>",
        ">enthält das ganze Wort</option>",
        r#"<option value="ask_name" selected>Frage: Auf welchen Namen darf ich reservieren?…</option>"#,
        r##"<a href="#node-ask_date">"##,
        ">sonst</text>",
        ">time bekannt</text>",
    ] {
        assert!(page.contains(words), "{words} missing");
    }
    let card = &page[page.find("id=\"node-ask_date\"").unwrap()..];
    let legend = &card[card.find("<legend>").unwrap()..card.find("</legend>").unwrap()];
    assert!(!legend.contains("ask_date"), "no id in the card's title: {legend}");
    for raw in [">whole_word<", ">party_size<", ">any_message<", ">ask<", ">otherwise<", " set<"] {
        assert!(!page.contains(raw), "{raw} shown as is");
    }
}

#[tokio::test]
async fn a_draft_with_a_dangling_edge_is_saved_with_its_error_and_published_only_once_fixed() {
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    let editor_path = s.path(&format!("/flows/{id}"));

    // Break it in the JSON form: the name question leads nowhere.
    let mut draft: Value = serde_json::from_str(&flow(&s, &id).await.draft).unwrap();
    let nodes = draft["nodes"].as_array_mut().unwrap();
    nodes.iter_mut().find(|n| n["id"] == "ask_name").unwrap()["next"] = json!("nowhere");
    let saved = s
        .owner
        .submit(&editor_path, &s.path(&format!("/flows/{id}/json")), &[("json", &draft.to_string()), ("op", "save")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = s.owner.get(&editor_path).await;
    assert!(page.body.contains("Draft saved.") && page.body.contains("1 error(s)"), "{}", page.body);
    let card = &page.body[page.body.find("id=\"node-ask_name\"").unwrap()..];
    assert!(card[..card.find("</fieldset>").unwrap()].contains("leads to `nowhere`, which does not exist"));
    assert!(page.body.contains(r#"class="node missing" data-node="nowhere""#), "the graph shows the dangling edge");
    assert!(flow(&s, &id).await.draft.contains("nowhere"), "the draft is saved with its error");

    // Publishing from the structured form refuses and says why.
    let mut fields = form_fields(&page.body, "flow-form");
    let refused = s.press(&id, &fields, "publish").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("Not published: the draft has errors"), "{}", refused.body);
    assert!(refused.body.contains("leads to `nowhere`"));
    assert_eq!(flow(&s, &id).await.published_version, Some(1));

    // Fix the card's next node and publish again: version 2.
    let next = fields.iter().position(|(k, v)| k.ends_with(".next") && v == "nowhere").expect("the broken edge");
    fields[next].1 = "reserve".into();
    let published = s.press(&id, &fields, "publish").await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let page = s.owner.get(&editor_path).await;
    assert!(page.body.contains("Published as version 2.") && page.body.contains("No problems found."));
    let stored = flow(&s, &id).await;
    assert_eq!(stored.published_version, Some(2));
    let v2: Value =
        serde_json::from_str(&s.tenant().await.flows().flow_version(id.parse().unwrap(), 2).await.unwrap()).unwrap();
    assert_eq!(v2["nodes"].as_array().unwrap().len(), 17, "no node lost through the form");

    // Not JSON at all: refused, nothing saved, the text is shown again.
    let bad = s
        .owner
        .submit(&editor_path, &s.path(&format!("/flows/{id}/json")), &[("json", "{\"start\": "), ("op", "save")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Not saved") && bad.body.contains("{&#34;start&#34;: </textarea>"), "{}", bad.body);
    assert_eq!(flow(&s, &id).await.draft, stored.draft);
}

#[tokio::test]
async fn adding_and_deleting_nodes_and_failing_flow_tests_block_publishing() {
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    let editor_path = s.path(&format!("/flows/{id}"));
    let page = s.owner.get(&editor_path).await;
    let mut fields = form_fields(&page.body, "flow-form");
    fields.retain(|(k, _)| k != "add_node_type");
    fields.push(("add_node_type".into(), "handoff".into()));
    assert_eq!(s.press(&id, &fields, "add_node").await.status, StatusCode::SEE_OTHER);
    let page = s.owner.get(&editor_path).await;
    assert!(page.body.contains("id=\"node-handoff_1\""), "the new node has a card");
    assert!(page.body.contains("no path from a trigger or the start leads here"), "and is reported unreachable");

    // The confirmation text changes: the template's own test then fails and publishing is refused.
    let fields = form_fields(&page.body, "flow-form");
    let text = fields.iter().position(|(_, v)| v.starts_with("Perfekt, {{vars.name}}")).unwrap();
    let mut changed = fields.clone();
    changed[text].1 = "Danke! Bis bald.".into();
    let refused = s.press(&id, &changed, "publish").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"test-failures\"") && refused.body.contains("alles in einer Nachricht"));
    assert_eq!(flow(&s, &id).await.published_version, Some(1));

    let index =
        fields.iter().find(|(k, v)| k.ends_with(".id") && v == "handoff_1").unwrap().0.split('.').nth(1).unwrap();
    assert_eq!(s.press(&id, &fields, &format!("delete_node:{index}")).await.status, StatusCode::SEE_OTHER);
    assert!(!flow(&s, &id).await.draft.contains("handoff_1"));
    let unknown = s.press(&id, &fields, "drop_everything").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn flows_are_switched_on_and_off_from_the_list() {
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    assert!(flow(&s, &id).await.enabled, "a new flow is on; it runs once published");
    assert_eq!(s.toggle(&id, "0").await.status, StatusCode::SEE_OTHER);
    assert!(!flow(&s, &id).await.enabled);
    let list = s.owner.get(&s.path("/flows")).await;
    assert!(list.body.contains("The flow is switched off.") && list.body.contains("Switch on"), "{}", list.body);
    assert_eq!(s.toggle(&id, "1").await.status, StatusCode::SEE_OTHER);
    assert!(flow(&s, &id).await.enabled);
    let list = s.owner.get(&s.path("/flows")).await;
    assert!(list.body.contains("The flow is switched on.") && list.body.contains("Switch off"), "{}", list.body);
    assert_eq!(s.toggle(&id, "maybe").await.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_simulator_panel_keeps_the_conversation_between_turns() {
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    let editor_path = s.path(&format!("/flows/{id}"));
    let sim_path = s.path(&format!("/flows/{id}/simulate"));
    let first =
        s.owner.submit(&editor_path, &sim_path, &[("text", "Tisch für 4 morgen um 20 Uhr"), ("state", "")]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert!(first.body.contains(r#"<p class="bubble guest">Tisch für 4 morgen um 20 Uhr</p>"#), "{}", first.body);
    assert!(first.body.contains(r#"<p class="bubble bot">Auf welchen Namen darf ich reservieren?</p>"#));
    assert!(first.body.contains("<dt>party_size</dt><dd>4</dd>") && first.body.contains("<dd>20:00</dd>"));

    let state = unescape(&field_value(&first.body, "state").unwrap());
    let second = s.owner.submit(&editor_path, &sim_path, &[("text", "Anna Schmidt"), ("state", &state)]).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert!(second.body.contains("Auf welchen Namen"), "earlier bubbles stay");
    assert!(
        second.body.contains("Perfekt, Anna Schmidt!") && second.body.contains("22 Sep 2026, 20:00 · 4 · Anna Schmidt")
    );
    let all = maitre_store::ReservationQuery { limit: 10, ..Default::default() };
    assert!(s.tenant().await.reservations().list(&all).await.unwrap().items.is_empty(), "nothing booked");

    let tampered = s.owner.submit(&editor_path, &sim_path, &[("text", "hi"), ("state", "{\"sim\": 1}")]).await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    let state = unescape(&field_value(&second.body, "state").unwrap());
    let empty = s.owner.submit(&editor_path, &sim_path, &[("text", "  "), ("state", &state)]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Type a message first.") && empty.body.contains("Perfekt, Anna Schmidt!"));
}

#[tokio::test]
async fn viewers_only_look_and_other_accounts_flows_do_not_exist() {
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    let viewer = s.app.member(&s.account, "viewer@example.com", Role::Viewer).await;
    let list = viewer.get(&s.path("/flows")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Tischreservierung") && !list.body.contains("/flows/templates"),
        "no install for viewers"
    );
    let editor = viewer.get(&s.path(&format!("/flows/{id}"))).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(!editor.body.contains("id=\"publish\"") && editor.body.contains("<svg"));
    for (action, fields) in [
        (format!("/flows/{id}/enabled"), vec![("enabled", "1")]),
        (format!("/flows/{id}/json"), vec![("json", "{}"), ("op", "save")]),
        (format!("/flows/{id}/delete"), vec![]),
        ("/flows".to_owned(), vec![("name", "Mine")]),
        ("/automation".to_owned(), vec![("ai_timeout_ms", "1000")]),
    ] {
        let res = viewer.submit(&s.path("/flows"), &s.path(&action), &fields).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert_eq!(viewer.get(&s.path("/automation")).await.status, StatusCode::FORBIDDEN);
    let tried = viewer.submit(&s.path("/flows"), &s.path(&format!("/flows/{id}/simulate")), &[("text", "Tisch")]).await;
    assert_eq!(tried.status, StatusCode::OK, "viewers may try flows");

    let (other, other_account) = s.app.signup("Salon Bella", "bella@example.com").await;
    let foreign = format!("/a/{other_account}/flows/{id}");
    assert_eq!(other.get(&foreign).await.status, StatusCode::NOT_FOUND);
    let del = other.submit(&format!("/a/{other_account}/flows"), &format!("{foreign}/delete"), &[]).await;
    assert_eq!(del.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&s.path(&format!("/flows/{id}"))).await.status, StatusCode::NOT_FOUND);
    let token = s.app.token(&other_account, Role::Admin).await;
    let (status, body, _) = s.api(&token, Method::GET, &format!("/api/v1/flows/{id}"), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert!(flow(&s, &id).await.published_version.is_some(), "still there");
}

#[tokio::test]
async fn the_ai_key_is_write_only_on_the_page_and_in_the_api() {
    const KEY: &str = "sk-or-FAKE-never-shown-0123456789";
    let s = setup().await;
    let form = |key: &'static str, timeout: &'static str| {
        vec![
            ("read_together_ms", "2500"),
            ("ai_base_url", "https://openrouter.example/api/v1"),
            ("ai_model", "tiny-model"),
            ("ai_key", key),
            ("ai_timeout_ms", timeout),
        ]
    };
    let page = s.owner.get(&s.path("/automation")).await;
    assert!(page.body.contains("not set"));
    let saved = s.owner.submit(&s.path("/automation"), &s.path("/automation"), &form(KEY, "8000")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = s.owner.get(&s.path("/automation")).await;
    assert!(page.body.contains(r#"id="key-status">set</span>"#) && !page.body.contains(KEY), "{}", page.body);
    let stored = s.tenant().await.flows().automation_settings().await.unwrap();
    assert!(!stored.ai_key.is_empty() && !stored.ai_key.contains(KEY), "sealed at rest");
    assert_eq!((stored.read_together_ms, stored.ai_timeout_ms), (Some(2500), 8000));
    let opened = s.app.core.vault.open(s.account.parse().unwrap(), &stored.ai_key).unwrap();
    assert_eq!(opened.access_token, KEY);

    // A bad value is refused without echoing the key typed with it; a blank key keeps the stored one.
    let bad = s.owner.submit(&s.path("/automation"), &s.path("/automation"), &form(KEY, "5")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!bad.body.contains(KEY) && bad.body.contains("between 500 and 60000"));
    s.owner.submit(&s.path("/automation"), &s.path("/automation"), &form("", "9000")).await;
    assert_eq!(s.tenant().await.flows().automation_settings().await.unwrap().ai_key, stored.ai_key);

    let token = s.app.token(&s.account, Role::Admin).await;
    let (status, body, text) = s.api(&token, Method::GET, "/api/v1/automation", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((body["ai_key_set"].as_bool(), body["ai_timeout_ms"].as_i64()), (Some(true), Some(9000)));
    assert!(!text.contains(KEY) && !text.contains(&stored.ai_key));
    let put = json!({ "read_together_ms": null, "ai_base_url": "", "ai_model": "", "ai_timeout_ms": 1000,
        "clear_ai_key": true });
    let (status, body, _) = s.api(&token, Method::PUT, "/api/v1/automation", Some(put)).await;
    assert_eq!((status, body["ai_key_set"].as_bool()), (StatusCode::OK, Some(false)));
    let agent = s.app.token(&s.account, Role::Agent).await;
    assert_eq!(s.api(&agent, Method::GET, "/api/v1/automation", None).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_stored_ai_key_does_not_follow_the_base_url_to_another_host() {
    const KEY: &str = "sk-FAKE-for-the-first-host-only";
    let s = setup().await;
    let form = |url: &'static str, key: &'static str| {
        vec![
            ("read_together_ms", ""),
            ("ai_base_url", url),
            ("ai_model", "m"),
            ("ai_key", key),
            ("ai_timeout_ms", "8000"),
        ]
    };
    let page = s.path("/automation");
    let submit = |fields: Vec<(&'static str, &'static str)>| {
        let (owner, page) = (&s.owner, page.clone());
        async move { owner.submit(&page, &page, &fields).await }
    };
    assert_eq!(submit(form("https://ai.example/v1", KEY)).await.status, StatusCode::SEE_OTHER);
    let stored = s.tenant().await.flows().automation_settings().await.unwrap();

    // Only the URL changed, to another host: refused, and nothing stored changes.
    for elsewhere in ["https://collector.example/v1", "http://ai.example/v1", "https://ai.example:8443/v1"] {
        let moved = submit(form(elsewhere, "")).await;
        assert_eq!(moved.status, StatusCode::UNPROCESSABLE_ENTITY, "{elsewhere}");
        assert!(moved.body.contains("enter the API key for it again"), "{}", moved.body);
    }
    let now = s.tenant().await.flows().automation_settings().await.unwrap();
    assert_eq!((now.ai_base_url.as_str(), now.ai_key.as_str()), ("https://ai.example/v1", stored.ai_key.as_str()));

    // Another path on the same host keeps the key; a new host with its own key is fine.
    assert_eq!(submit(form("https://ai.example/v2", "")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(s.tenant().await.flows().automation_settings().await.unwrap().ai_key, stored.ai_key);
    let token = s.app.token(&s.account, Role::Admin).await;
    let put = |url: &str, key: Option<&str>| json!({ "read_together_ms": null, "ai_base_url": url, "ai_model": "m", "ai_timeout_ms": 8000, "ai_key": key });
    let (status, body, _) =
        s.api(&token, Method::PUT, "/api/v1/automation", Some(put("https://collector.example/v1", None))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("enter the API key for it again"), "{body}");
    let (status, body, _) = s
        .api(&token, Method::PUT, "/api/v1/automation", Some(put("https://other.example/v1", Some("sk-FAKE-other"))))
        .await;
    assert_eq!((status, body["ai_base_url"].as_str()), (StatusCode::OK, Some("https://other.example/v1")), "{body}");
    let now = s.tenant().await.flows().automation_settings().await.unwrap();
    let opened = s.app.core.vault.open(s.account.parse().unwrap(), &now.ai_key).unwrap();
    assert_eq!(opened.access_token, "sk-FAKE-other");
}

#[tokio::test]
async fn flows_over_the_api_from_draft_to_published_and_simulated() {
    let s = setup().await;
    let token = s.app.token(&s.account, Role::Admin).await;
    let (status, templates, _) = s.api(&token, Method::GET, "/api/v1/flows/templates", None).await;
    assert_eq!((status, templates.as_array().map(Vec::len)), (StatusCode::OK, Some(5)));

    let broken = json!({
        "triggers": [{ "type": "keyword", "words": ["hallo"] }],
        "start": "ask",
        "nodes": [
            { "id": "ask", "type": "ask", "kind": "party_size", "var": "party_size", "text": "Wie viele?",
              "next": "nowhere" },
        ]
    });
    let (status, created, _) =
        s.api(&token, Method::POST, "/api/v1/flows", Some(json!({ "name": "Gäste zählen", "draft": broken }))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["issues"][0]["node"], "ask");
    assert_eq!(created["issues"][0]["severity"], "error");

    let (status, refused, _) = s.api(&token, Method::POST, &format!("/api/v1/flows/{id}/publish"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "the draft, not the request, is at fault");
    assert_eq!(refused["error"]["code"], "invalid_flow");
    assert!(refused["issues"][0]["message"].as_str().unwrap().contains("nowhere"));

    let mut fixed = broken.clone();
    fixed["nodes"][0]["next"] = json!("thanks");
    fixed["nodes"].as_array_mut().unwrap().push(json!({ "id": "thanks", "type": "message",
        "text": "Danke, {{vars.party_size}} Personen." }));
    let (status, updated, _) =
        s.api(&token, Method::PUT, &format!("/api/v1/flows/{id}"), Some(json!({ "draft": fixed }))).await;
    assert_eq!((status, updated["issues"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)), "{updated}");
    let (status, published, _) = s.api(&token, Method::POST, &format!("/api/v1/flows/{id}/publish"), None).await;
    assert_eq!((status, published["version"].as_i64()), (StatusCode::OK, Some(1)));
    let (status, on, _) =
        s.api(&token, Method::PUT, &format!("/api/v1/flows/{id}/enabled"), Some(json!({ "enabled": true }))).await;
    assert_eq!((status, on["enabled"].as_bool()), (StatusCode::OK, Some(true)));

    let sim = format!("/api/v1/flows/{id}/simulate");
    let (status, turn, _) = s.api(&token, Method::POST, &sim, Some(json!({ "text": "hallo" }))).await;
    assert_eq!((status, turn["replies"][0]["text"].as_str()), (StatusCode::OK, Some("Wie viele?")), "{turn}");
    let next = json!({ "text": "wir sind zu dritt", "state": turn["state"] });
    let (_, turn, _) = s.api(&token, Method::POST, &sim, Some(next)).await;
    assert_eq!(turn["replies"][0]["text"], "Danke, 3 Personen.");
    assert_eq!(turn["vars"]["party_size"], "3");
    let bad_state = json!({ "text": "hallo", "state": { "now": "yesterday" } });
    assert_eq!(s.api(&token, Method::POST, &sim, Some(bad_state)).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, checked, _) = s
        .api(&token, Method::POST, "/api/v1/flows/validate", Some(json!({ "draft": { "start": "x", "nodes": [] } })))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(checked["issues"][0]["message"].as_str().unwrap().contains("start node `x` does not exist"));
    let (status, installed, _) =
        s.api(&token, Method::POST, "/api/v1/flows/templates", Some(json!({ "key": "restaurant_de" }))).await;
    assert_eq!((status, installed["published_version"].as_i64()), (StatusCode::CREATED, Some(1)));
    let (_, list, _) = s.api(&token, Method::GET, "/api/v1/flows", None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));

    let viewer = s.app.token(&s.account, Role::Viewer).await;
    assert_eq!(s.api(&viewer, Method::GET, &format!("/api/v1/flows/{id}"), None).await.0, StatusCode::OK);
    let (status, _, _) =
        s.api(&viewer, Method::PUT, &format!("/api/v1/flows/{id}"), Some(json!({ "name": "x" }))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.api(&token, Method::DELETE, &format!("/api/v1/flows/{id}"), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.api(&token, Method::GET, &format!("/api/v1/flows/{id}"), None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_editor_shows_the_graph_and_the_simulator_answers_in_a_real_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup().await;
    let id = s.install("restaurant_de").await;
    crate::browser::sign_in(&b, &s.app, "owner@example.com").await;
    b.client.goto(&s.app.url(&s.path(&format!("/flows/{id}")))).await.unwrap();

    let boxes = b.client.find_all(Locator::Css("svg.flow-graph g.node")).await.unwrap();
    assert_eq!(boxes.len(), 17, "one box per node");
    let start = b.client.find(Locator::Css("svg.flow-graph g.node.start")).await.unwrap();
    assert_eq!(start.attr("data-node").await.unwrap().as_deref(), Some("ask_date"));
    let (_, _, width, _) = start.rectangle().await.unwrap();
    assert!(width > 100.0, "the graph is drawn, {width} px wide");

    // The page stays (its marker survives) while the test chat answers.
    b.client.execute("window.stayed = true; window.scrollTo(0, 0);", vec![]).await.unwrap();
    b.client
        .find(Locator::Css("#sim-form input[name='text']"))
        .await
        .unwrap()
        .send_keys("Tisch für 4 morgen um 20 Uhr")
        .await
        .unwrap();
    b.client.find(Locator::Id("sim-send")).await.unwrap().click().await.unwrap();
    let mut replies = Vec::new();
    for _ in 0..100 {
        if let Ok(found) = b.client.find_all(Locator::Css("#chat .bubble.bot")).await
            && !found.is_empty()
        {
            for r in found {
                replies.push(r.text().await.unwrap());
            }
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(replies, ["Auf welchen Namen darf ich reservieren?"]);
    let stayed = b.client.execute("return window.stayed === true;", vec![]).await.unwrap();
    assert_eq!(stayed, serde_json::json!(true), "the chat answered without reloading the page");
    let fits = "const c = document.getElementById('chat').getBoundingClientRect(); \
                const s = document.getElementById('sim-send').getBoundingClientRect(); \
                return c.height < 400 && s.bottom <= window.innerHeight;";
    assert_eq!(b.client.execute(fits, vec![]).await.unwrap(), serde_json::json!(true), "chat and Send fit the screen");
    let publish = "const p = document.getElementById('publish').getBoundingClientRect(); \
                   return p.top >= 0 && p.bottom <= window.innerHeight;";
    assert_eq!(b.client.execute(publish, vec![]).await.unwrap(), serde_json::json!(true), "Publish stays in view");
    b.client
        .find(Locator::Css("#sim-form input[name='text']"))
        .await
        .unwrap()
        .send_keys("Anna Schmidt\n")
        .await
        .unwrap();
    let mut booked = String::new();
    for _ in 0..100 {
        if let Ok(el) = b.client.find(Locator::Id("sim-booked")).await {
            booked = el.text().await.unwrap();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(booked.contains("22 Sep 2026, 20:00 · 4 · Anna Schmidt"), "{booked}");
    b.close().await;
}

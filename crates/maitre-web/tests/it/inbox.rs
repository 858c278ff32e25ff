//! The inbox over real HTTP: the window rule shown and enforced, roles and tenants, canned responses with
//! placeholders, and the JSON API.
use chrono::TimeDelta;
use maitre_domain::{ConversationId, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp};
use crate::webhooks::{NOW, WA, wa_text};

pub(crate) const GUEST: &str = "491701234567";

/// A business with a WhatsApp channel and one guest conversation (the guest wrote `text` at NOW).
pub(crate) struct Inbox {
    pub app: TestApp,
    pub owner: Client,
    pub account: String,
    pub conversation: ConversationId,
}

pub(crate) async fn inbox_with(app: TestApp, text: &str) -> Inbox {
    let (owner, account) = app.signup("Salon Bella", "ada@example.com").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let (status, _) = app.post_meta(&wa_text("wamid.guest1", GUEST, text, NOW)).await;
    assert_eq!(status, StatusCode::OK);
    app.drain().await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);
    Inbox { app, owner, account, conversation }
}

impl Inbox {
    pub(crate) fn thread(&self) -> String {
        format!("/a/{}/inbox/{}", self.account, self.conversation)
    }

    pub(crate) async fn act(&self, c: &Client, action: &str, fields: &[(&str, &str)]) -> crate::helpers::Page {
        c.submit(&format!("/a/{}/inbox", self.account), &format!("{}/{action}", self.thread()), fields).await
    }
}

#[tokio::test]
async fn the_composer_shows_the_window_and_a_closed_window_refuses_with_its_reason() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let page = s.owner.get(&s.thread()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("WhatsApp: 23 h left in the 24 h window"), "{}", page.body);

    s.app.clock.advance(TimeDelta::hours(25));
    let page = s.owner.get(&s.thread()).await;
    let reason = "WhatsApp: outside the 24 h window: a template is needed";
    assert!(page.body.contains(reason), "{}", page.body);
    let refused = s.act(&s.owner, "reply", &[("text", "Sorry for the late answer")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(reason) && refused.body.contains("role=\"alert\""), "{}", refused.body);
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty());
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    assert_eq!(tenant.conversations().message_counts().await.unwrap().2, 0, "nothing was queued");
}

#[tokio::test]
async fn viewers_only_read_agents_work_and_other_accounts_get_404() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let viewer = s.app.member(&s.account, "vic@example.com", Role::Viewer).await;
    assert_eq!(viewer.get(&format!("/a/{}/inbox", s.account)).await.status, StatusCode::OK);
    let page = viewer.get(&s.thread()).await;
    assert!(page.status == StatusCode::OK && page.body.contains("Hallo!") && !page.body.contains("id=\"takeover\""));
    for action in ["takeover", "close", "note", "reply"] {
        let res = s.act(&viewer, action, &[("text", "x"), ("body", "x")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "viewer {action}");
    }

    let (stranger, _) = s.app.signup("Other Place", "eve@example.com").await;
    assert_eq!(stranger.get(&s.thread()).await.status, StatusCode::NOT_FOUND);
    let own_inbox = format!("/a/{}/inbox", s.account);
    assert_eq!(stranger.get(&own_inbox).await.status, StatusCode::NOT_FOUND);
    let csrf = stranger.get("/me").await.csrf();
    let res = stranger.post_form(&format!("{}/takeover", s.thread()), &[("_csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Unknown ids, filters and cursors are answered, not crashed on.
    let base = format!("/a/{}/inbox", s.account);
    assert_eq!(s.owner.get(&format!("{base}/not-a-conversation")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.owner.get(&format!("{base}?filter=everything")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.owner.get(&format!("{base}?after=garbage")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.owner.get(&format!("{base}?channel=nope")).await.status, StatusCode::BAD_REQUEST);
    let assign = s.act(&s.owner, "assign", &[("assignee", "00000000-0000-0000-0000-000000000000")]).await;
    assert_eq!(assign.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn canned_responses_fill_placeholders_and_count_their_uses() {
    let s = inbox_with(TestApp::spawn().await, "When do you open?").await;
    let canned = format!("/a/{}/canned", s.account);
    let res = s
        .owner
        .submit(
            &canned,
            &canned,
            &[
                ("shortcut", "/hours"),
                ("body", "Hi {{contact.first_name}}, {{account.name}} opens at 9. {{reservation.time | default: \"No booking yet.\"}}"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let dup = s.owner.submit(&canned, &canned, &[("shortcut", "hours"), ("body", "again")]).await;
    assert!(dup.status == StatusCode::UNPROCESSABLE_ENTITY && dup.body.contains("already in use"), "{}", dup.body);
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let id = tenant.inbox().canned_responses().await.unwrap()[0].id.clone();
    let page = s.owner.get(&s.thread()).await;
    assert!(page.body.contains("data-shortcut=\"hours\""), "the composer offers it");

    s.act(&s.owner, "takeover", &[]).await;
    let sent = s.act(&s.owner, "reply", &[("text", ""), ("canned", &id)]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    s.app.drain().await;
    let texts: Vec<String> = s.app.fakes.sent_messages().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["Hi Guest, Salon Bella opens at 9. No booking yet."], "placeholders as in flows");
    assert!(s.owner.get(&canned).await.body.contains("used 1 times"));
    let agent = s.app.member(&s.account, "al@example.com", Role::Agent).await;
    let viewer = s.app.member(&s.account, "vic@example.com", Role::Viewer).await;
    let by_agent = agent.submit(&canned, &format!("{canned}/{id}"), &[("shortcut", "open"), ("body", "9–18")]).await;
    assert_eq!(by_agent.status, StatusCode::SEE_OTHER);
    let by_viewer = viewer.submit(&canned, &format!("{canned}/{id}/delete"), &[]).await;
    assert_eq!(by_viewer.status, StatusCode::FORBIDDEN);
}

pub(crate) async fn api(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_lists_threads_replies_notes_and_assigns() {
    use reqwest::Method;
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let token = s.app.token(&s.account, Role::Agent).await;
    let (status, list) = api(&s.app, &token, Method::GET, "/api/v1/conversations?q=hallo", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], json!(s.conversation));
    let (status, _) = api(&s.app, &token, Method::GET, "/api/v1/conversations?filter=mine", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a token has no 'mine'");

    let base = format!("/api/v1/conversations/{}", s.conversation);
    let (status, _) = api(&s.app, &token, Method::POST, &format!("{base}/takeover"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, created) =
        api(&s.app, &token, Method::POST, &format!("{base}/reply"), Some(json!({"text": "Gern!"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, _) = api(&s.app, &token, Method::POST, &format!("{base}/notes"), Some(json!({"text": "VIP"}))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) =
        api(&s.app, &token, Method::POST, &format!("{base}/assign"), Some(json!({"assignee": "nobody"}))).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation")));
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().into_iter().map(|m| m.text).collect::<Vec<_>>(), ["Gern!"]);

    let (_, thread) = api(&s.app, &token, Method::GET, &base, None).await;
    let kinds: Vec<String> = thread["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!("{}:{}", i["type"].as_str().unwrap(), i["status"].as_str().or(i["kind"].as_str()).unwrap_or(""))
        })
        .collect();
    assert_eq!(kinds, ["message:received", "activity:taken_over", "message:sent", "note:"]);
    assert_eq!(thread["conversation"]["mode"], "human");

    let (_, other) = s.app.signup("Other Place", "eve@example.com").await;
    let stranger = s.app.token(&other, Role::Owner).await;
    for (method, path) in [(Method::GET, base.clone()), (Method::POST, format!("{base}/close"))] {
        let (status, _) = api(&s.app, &stranger, method, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// After 24 h a member may still answer on Instagram (HUMAN_AGENT tag, up to 7 days); an API client, which
/// counts as automation, may not.
#[tokio::test]
async fn a_members_late_instagram_reply_carries_the_human_agent_tag() {
    use crate::helpers::fixture;
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Salon Bella", "ada@example.com").await;
    app.connect(&account, "instagram", "17840000000000001", "IG-TOKEN-FAKE").await;
    assert_eq!(app.post_meta(&fixture("instagram/text_message.json")).await.0, StatusCode::OK);
    app.drain().await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let s =
        Inbox { conversation: tenant.conversations().conversation_ids().await.unwrap().remove(0), app, owner, account };
    s.app.clock.advance(TimeDelta::hours(30));
    let page = s.owner.get(&s.thread()).await;
    assert!(
        page.body.contains("Instagram: outside the 24 h window; staff replies are possible for 5 days"),
        "{}",
        page.body
    );

    let token = s.app.token(&s.account, Role::Agent).await;
    let path = format!("/api/v1/conversations/{}/reply", s.conversation);
    let (status, err) = api(&s.app, &token, reqwest::Method::POST, &path, Some(json!({"text": "Bot here"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    let res = s.act(&s.owner, "reply", &[("text", "Sorry for the slow reply!")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    s.app.drain().await;
    let sends: Vec<Value> = s.app.fakes.requests().into_iter().filter(|r| r.is_send()).map(|r| r.body).collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(
        (sends[0]["tag"].as_str(), sends[0]["messaging_type"].as_str()),
        (Some("HUMAN_AGENT"), Some("MESSAGE_TAG"))
    );
}

/// Times on the pages are the business's wall-clock times, not UTC: the list, the thread and the guest's contact
/// page show the guest's message at the time the team's clocks showed.
#[tokio::test]
async fn times_on_pages_are_the_businesss_local_time() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let owner = s.app.set_time_zone(&s.account, "America/Toronto").await;
    let thread = owner.inbox().thread(s.conversation).await.unwrap();
    let at = thread.iter().find_map(|i| match i {
        maitre_store::ThreadItem::Message(m) => Some(m.at),
        _ => None,
    });
    let at = at.expect("the guest's message");
    // An English-speaking owner: "21 Sep 2026, 10:13".
    let local = at.with_timezone(&chrono_tz::America::Toronto).format("%-d %b %Y, %H:%M").to_string();
    let utc = at.format("%-d %b %Y, %H:%M").to_string();
    assert_ne!(local, utc, "Toronto is never on UTC");

    let contact = owner.inbox().conversation(s.conversation, nobody()).await.unwrap().contact_id;
    for path in [format!("/a/{}/inbox", s.account), s.thread(), format!("/a/{}/contacts/{contact}", s.account)] {
        let page = s.owner.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(page.body.contains(&local), "{path} shows {local}: {}", page.body);
        assert!(!page.body.contains(&utc) && !page.body.contains(" UTC"), "{path} shows no UTC time: {}", page.body);
    }
}

/// A member abroad chooses their own zone on the profile: message times follow it; an unknown zone is refused.
#[tokio::test]
async fn a_member_reads_message_times_in_their_own_time_zone() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let owner = s.app.set_time_zone(&s.account, "Europe/Berlin").await;
    let at = owner.inbox().thread(s.conversation).await.unwrap()[0].at();
    let tokyo = at.with_timezone(&chrono_tz::Asia::Tokyo).format("%-d %b %Y, %H:%M").to_string();
    let berlin = at.with_timezone(&chrono_tz::Europe::Berlin).format("%-d %b %Y, %H:%M").to_string();
    let profile = s.owner.get("/me").await;
    assert!(profile.body.contains("id=\"time-zone\""), "{}", profile.body);
    let bad = s.owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "en"), ("time_zone", "Mars/Olympus")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is no time zone"), "{}", bad.body);
    assert!(s.owner.get(&s.thread()).await.body.contains(&berlin));

    let saved = s.owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "en"), ("time_zone", "Asia/Tokyo")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(s.owner.get("/me").await.body.contains("<option selected>Asia/Tokyo</option>"));
    let thread = s.owner.get(&s.thread()).await.body;
    assert!(thread.contains(&tokyo) && !thread.contains(&berlin), "{thread}");
}

fn nobody() -> maitre_domain::UserId {
    maitre_domain::UserId::new()
}

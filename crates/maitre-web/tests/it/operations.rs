//! The operations view over real HTTP: a reply the platform refuses for good shows with its reason, is found by
//! the platform id of the guest's message, and goes out after a retry; the event log never shows personal data;
//! only owners and admins get in, and only to their own account's jobs.
use maitre_domain::Role;
use maitre_testkit::Fault;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Client, TestApp, fixture};

const WA: &str = "200000000000002";
const REPLY: &str = "Thanks! We will get back to you shortly.";
/// What the fixture `whatsapp/text_message.json` carries about its guest.
const GUEST_TEXT: &str = "Hi! Table for 4 tomorrow at 8pm?";
const GUEST_NUMBER: &str = "15550002222";
const GUEST_NAME: &str = "Test Guest Alex";
const GUEST_MESSAGE_ID: &str = "wamid.TEST_IN_0001";

struct Setup {
    app: TestApp,
    owner: Client,
    account: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let ch = app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    tenant.channels().set_auto_reply(ch.id, REPLY).await.unwrap();
    Setup { app, owner, account }
}

impl Setup {
    fn ops(&self) -> String {
        format!("/a/{}/operations", self.account)
    }

    /// Guests write; the platform refuses each automatic reply for good (outside its messaging window).
    async fn failed_replies(&self, bodies: &[Vec<u8>]) -> Vec<String> {
        self.app.fakes.fail_next(bodies.len(), Fault::OutsideWindow131047);
        for body in bodies {
            assert_eq!(self.app.post_meta(body).await.0, StatusCode::OK);
        }
        self.app.drain().await;
        let dead = self.app.store.troubled_jobs(None, 50).await.unwrap();
        assert_eq!(dead.len(), bodies.len(), "{dead:?}");
        assert!(dead.iter().all(|j| j.status == "dead" && j.kind == "send"), "{dead:?}");
        assert!(self.app.fakes.sent_messages().is_empty());
        dead.into_iter().map(|j| j.id.to_string()).collect()
    }

    async fn api(&self, token: &str, method: Method, path: &str) -> (StatusCode, Value) {
        let res = reqwest::Client::new().request(method, self.app.url(path)).bearer_auth(token).send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

/// A WhatsApp text message in the documented shape.
fn wa_text(wamid: &str, from: &str, name: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": "1790000000", "type": "text",
                "text": {"body": "Do you have a table tonight?"}}]
        }}]}]
    }))
    .unwrap()
}

#[tokio::test]
async fn a_refused_reply_shows_with_its_reason_is_found_by_search_and_is_delivered_after_a_retry() {
    let s = setup().await;
    let id = s.failed_replies(&[fixture("whatsapp/text_message.json")]).await.remove(0);
    let home = s.owner.get(&format!("/a/{}", s.account)).await;
    assert!(home.body.contains(&format!("{}\"", s.ops())), "the owner's navigation links to operations");

    let page = s.owner.get(&s.ops()).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in [id.as_str(), "131047", "Re-engagement message", GUEST_MESSAGE_ID, GUEST_NAME] {
        assert!(page.body.contains(shown), "{shown} missing:\n{}", page.body);
    }

    // Search by the platform id of the guest's message, the guest's number or name, and filter by status.
    for (query, found) in [
        (format!("q={GUEST_MESSAGE_ID}"), true),
        (format!("q={GUEST_NUMBER}"), true),
        ("q=guest+ALEX".to_owned(), true),
        ("q=wamid.SOMETHING_ELSE".to_owned(), false),
        ("status=dead".to_owned(), true),
        ("status=failing".to_owned(), false),
    ] {
        let page = s.owner.get(&format!("{}?{query}", s.ops())).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert_eq!(page.body.contains(&id), found, "{query}");
        if !found {
            assert!(page.body.contains("No failed jobs match this search."), "{query}");
        }
    }
    assert_eq!(s.owner.get(&format!("{}?status=bogus", s.ops())).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.owner.get(&format!("{}?before=garbage", s.ops())).await.status, StatusCode::BAD_REQUEST);

    let res = s.owner.submit(&s.ops(), &format!("{}/jobs/{id}/retry", s.ops()), &[]).await;
    assert_eq!((res.status, res.location.as_deref()), (StatusCode::SEE_OTHER, Some(s.ops().as_str())));
    s.app.drain().await;
    let sent = s.app.fakes.sent_messages();
    assert_eq!((sent.len(), sent[0].text.as_str()), (1, REPLY), "the retried reply went out once");
    let page = s.owner.get(&s.ops()).await;
    assert!(page.body.contains("The job is queued again."), "flash");
    assert!(page.body.contains("No failed jobs. Everything was delivered."), "{}", page.body);
    assert!(!page.body.contains(&id));
    assert!(s.app.store.troubled_jobs(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_event_log_shows_ids_and_kinds_but_never_the_guests_text_name_or_number() {
    let s = setup().await;
    s.app.post_meta(&fixture("whatsapp/text_message.json")).await;
    s.app.drain().await;
    let page = s.owner.get(&format!("{}?view=events", s.ops())).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(GUEST_MESSAGE_ID) && page.body.contains("message/text"), "{}", page.body);
    assert!(page.body.contains("[redacted]"));
    for secret in [GUEST_TEXT, "Table for 4", GUEST_NUMBER, GUEST_NAME] {
        assert!(!page.body.contains(secret), "{secret} shown in the event log:\n{}", page.body);
    }

    let token = s.app.token(&s.account, Role::Admin).await;
    let (status, body) = s.api(&token, Method::GET, "/api/v1/operations/events").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let text = body.to_string();
    for secret in [GUEST_TEXT, "Table for 4", GUEST_NUMBER, GUEST_NAME] {
        assert!(!text.contains(secret), "{secret} in the API's event log: {text}");
    }
    let event = &body["events"][0];
    assert_eq!((event["dedupe_key"].as_str(), event["platform"].as_str()), (Some(GUEST_MESSAGE_ID), Some("whatsapp")));
    assert_eq!(event["item"]["event"]["text"], "[redacted]");
    assert!(event["item"]["contact_id"].as_str().unwrap().starts_with('#'));
    assert!(event["processed_at"].is_string() && body["next"].is_null());
}

#[tokio::test]
async fn the_api_lists_pages_searches_and_retries_and_other_accounts_get_404() {
    let s = setup().await;
    let bodies: Vec<_> =
        (1..=3).map(|i| wa_text(&format!("wamid.OPS_{i}"), &format!("1555000100{i}"), "Guest")).collect();
    let ids = s.failed_replies(&bodies).await;
    let token = s.app.token(&s.account, Role::Admin).await;

    let (status, all) = s.api(&token, Method::GET, "/api/v1/operations/jobs").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    let jobs = all["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    for j in jobs {
        assert_eq!(
            (j["status"].as_str(), j["kind"].as_str(), j["attempts"].as_i64()),
            (Some("dead"), Some("send"), Some(1))
        );
        assert!(j["last_error"].as_str().unwrap().contains("131047"), "{j}");
        assert!(j["event_key"].as_str().unwrap().starts_with("wamid.OPS_") && j["platform"] == "whatsapp", "{j}");
    }

    // Keyset pages: all three jobs changed in the same millisecond, so the id breaks the tie.
    let (_, first) = s.api(&token, Method::GET, "/api/v1/operations/jobs?limit=2").await;
    let next = first["next"].as_str().expect("a second page").to_owned();
    let (_, second) = s.api(&token, Method::GET, &format!("/api/v1/operations/jobs?limit=2&before={next}")).await;
    assert!(second["next"].is_null());
    let mut paged: Vec<&str> = first["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["jobs"].as_array().unwrap())
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    paged.sort();
    let mut expected: Vec<&str> = ids.iter().map(String::as_str).collect();
    expected.sort();
    assert_eq!(paged, expected);
    // The page's "Older" link carries the same cursor.
    let older = s.owner.get(&format!("{}?before={next}", s.ops())).await;
    let last = second["jobs"][0]["id"].as_str().unwrap();
    assert!(older.body.contains(last) && ids.iter().filter(|id| older.body.contains(id.as_str())).count() == 1);

    let (_, found) = s.api(&token, Method::GET, "/api/v1/operations/jobs?q=wamid.OPS_2").await;
    let found = found["jobs"].as_array().unwrap();
    assert_eq!((found.len(), found[0]["contact_external_id"].as_str()), (1, Some("15550001002")));
    for bad in ["status=bogus", "before=nope", "limit=0"] {
        let (status, body) = s.api(&token, Method::GET, &format!("/api/v1/operations/jobs?{bad}")).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    }

    // Another business reaches none of these jobs, through the API or the pages.
    let (beta_owner, beta) = s.app.signup("Beta", "beta@example.com").await;
    let beta_token = s.app.token(&beta, Role::Owner).await;
    let (status, body) = s.api(&beta_token, Method::POST, &format!("/api/v1/operations/jobs/{}/retry", ids[0])).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (_, listed) = s.api(&beta_token, Method::GET, "/api/v1/operations/jobs").await;
    assert_eq!(listed["jobs"], json!([]));
    let res = beta_owner
        .submit(&format!("/a/{beta}/operations"), &format!("/a/{beta}/operations/jobs/{}/retry", ids[0]), &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(beta_owner.get(&s.ops()).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.app.store.troubled_jobs(None, 10).await.unwrap().len(), 3, "nothing was retried");

    // One retry through the API; a second retry of the same job conflicts; the rest after confirmation.
    let retry = format!("/api/v1/operations/jobs/{}/retry", ids[0]);
    assert_eq!(s.api(&token, Method::POST, &retry).await.0, StatusCode::NO_CONTENT);
    assert_eq!(s.api(&token, Method::POST, &retry).await.0, StatusCode::CONFLICT);
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1);
    let res = s.owner.submit(&s.ops(), &format!("{}/retry-all", s.ops()), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(s.owner.get(&s.ops()).await.body.contains("Jobs queued again: 2."));
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 3);
    assert!(s.app.store.troubled_jobs(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn agents_and_viewers_get_403_and_no_operations_link() {
    let s = setup().await;
    let id = s.failed_replies(&[fixture("whatsapp/text_message.json")]).await.remove(0);
    let home = format!("/a/{}", s.account);
    for role in [Role::Agent, Role::Viewer] {
        let c = s.app.member(&s.account, &format!("{role}@example.com"), role).await;
        assert_eq!(c.get(&s.ops()).await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(c.submit(&home, &format!("{}/jobs/{id}/retry", s.ops()), &[]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.submit(&home, &format!("{}/retry-all", s.ops()), &[]).await.status, StatusCode::FORBIDDEN);
        assert!(!c.get(&home).await.body.contains("/operations\""), "{role} sees no operations link");
        let token = s.app.token(&s.account, role).await;
        for (method, path) in [
            (Method::GET, "/api/v1/operations/jobs".to_owned()),
            (Method::GET, "/api/v1/operations/events".to_owned()),
            (Method::POST, format!("/api/v1/operations/jobs/{id}/retry")),
        ] {
            assert_eq!(s.api(&token, method.clone(), &path).await.0, StatusCode::FORBIDDEN, "{role} {method} {path}");
        }
    }
    let admin = s.app.member(&s.account, "admin@example.com", Role::Admin).await;
    assert_eq!(admin.get(&s.ops()).await.status, StatusCode::OK);
    assert_eq!(s.app.store.troubled_jobs(None, 10).await.unwrap()[0].status, "dead", "nothing was retried");
}

/// How many notifications on the owner's page say a reply to `guest` could not be sent.
async fn undelivered(s: &Setup, guest: &str) -> usize {
    let page = s.owner.get(&format!("/a/{}/notifications", s.account)).await.body;
    page.matches(&format!("A reply to {guest} could not be sent")).count()
}

#[tokio::test]
async fn a_reply_still_failing_after_ten_minutes_or_refused_for_good_tells_the_team_once() {
    let s = setup().await;
    // A guest's reply is refused for good: the team is told at once.
    s.failed_replies(&[wa_text("wamid.late2", "4917600000001", "Mia Roth")]).await;
    assert_eq!(undelivered(&s, "Mia Roth").await, 1);

    // Telegram is overloaded and names its delay: the reply waits and is retried quietly at first.
    let tg =
        s.app.connect_with_secret(&s.account, "telegram", "7000000001", "7000000001:FAKE", Some("tg-secret")).await;
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    tenant.channels().set_auto_reply(tg.id, REPLY).await.unwrap();
    let busy = Fault::TelegramTooManyRequests { retry_after: 240 };
    s.app.fakes.fail_next(1, busy.clone());
    let update = reqwest::Client::new()
        .post(s.app.url(&format!("/webhooks/telegram/{}", tg.id)))
        .header("x-telegram-bot-api-secret-token", "tg-secret")
        .header("content-type", "application/json")
        .body(fixture("telegram/message.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(update.status(), StatusCode::OK);
    s.app.drain().await;
    let guest = "Test Guest"; // the fixture's sender
    assert!(s.app.fakes.requests().iter().any(|r| r.is_send() && r.failed), "the send met the overload");
    assert_eq!(undelivered(&s, guest).await, 0, "a first failure is only retried");
    for _ in 0..3 {
        s.app.clock.advance(chrono::TimeDelta::minutes(4));
        s.app.fakes.fail_next(1, busy.clone());
        s.app.drain().await;
    }
    assert!(s.app.fakes.sent_messages().is_empty());
    assert_eq!(undelivered(&s, guest).await, 1, "still not out after ten minutes: the team hears of it");
    // It goes out at the next try, and nobody is told twice.
    s.app.clock.advance(chrono::TimeDelta::minutes(5));
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1);
    assert_eq!(undelivered(&s, guest).await, 1);
}

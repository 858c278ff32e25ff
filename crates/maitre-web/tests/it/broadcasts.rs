//! Broadcasts over real HTTP with the fake Graph API and the manual clock: a segment of 2,000 WhatsApp guests of
//! whom a fifth never said yes gets exactly one message per guest who did; the platforms' rules (template outside
//! WhatsApp's window, nothing outside Instagram's) and a "stop" sent meanwhile; WhatsApp's marketing limit fails
//! the guest, not the broadcast; pause, resume and cancel; two nodes never message a guest twice; the API's answers.
use std::collections::HashMap;

use chrono::TimeDelta;
use maitre_domain::broadcasts::{BroadcastStatus, Command, Skip};
use maitre_domain::{BroadcastId, Role};
use maitre_store::{BroadcastDraft, TenantStore};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::call;
use crate::helpers::{Client, TestApp};

const WA: &str = "200000000000002";
const WABA: &str = "100000000000001";
const TEXT: &str = "Hallo! Ab Freitag ist unsere Terrasse wieder offen.";

pub(crate) struct Shop {
    pub app: TestApp,
    pub owner: Client,
    pub account: String,
    pub tenant: TenantStore,
}

/// `n` WhatsApp messages from guests `first..first + n` in one webhook (as Meta batches them), processed.
pub(crate) async fn guests_write(app: &TestApp, first: u32, n: u32, text: &str) {
    let at = app.clock.now().timestamp();
    let wa_id = |i: u32| format!("49170{:07}", first + i);
    let contacts: Vec<Value> =
        (0..n).map(|i| json!({"profile": {"name": format!("Gast {}", first + i)}, "wa_id": wa_id(i)})).collect();
    let messages: Vec<Value> = (0..n)
        .map(|i| {
            json!({"from": wa_id(i), "id": format!("wamid.bc{}.{at}", first + i), "timestamp": at.to_string(),
            "type": "text", "text": {"body": text}})
        })
        .collect();
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001111",
        "phone_number_id": WA}, "contacts": contacts, "messages": messages}}]}]});
    assert_eq!(app.post_meta(&serde_json::to_vec(&body).unwrap()).await.0, StatusCode::OK);
    app.drain().await;
}

pub(crate) async fn shop() -> Shop {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    Shop { app, owner, account, tenant }
}

impl Shop {
    /// Every contact's id by name.
    async fn contacts(&self) -> HashMap<String, maitre_domain::ContactId> {
        let q = maitre_store::ContactQuery { limit: 10_000, ..Default::default() };
        self.tenant.contacts().list(&q).await.unwrap().items.into_iter().map(|c| (c.name, c.id)).collect()
    }

    async fn opt_in(&self, names: impl IntoIterator<Item = String>) {
        let ids = self.contacts().await;
        for name in names {
            self.tenant.contacts().set_contact_consent(ids[&name], true, "owner@example.com").await.unwrap();
        }
    }

    /// A broadcast of `TEXT` to everyone on WhatsApp, at `rate` a second.
    async fn broadcast(&self, template: Option<&str>, rate: u32) -> BroadcastId {
        let rules = maitre_domain::segments::SegmentRules::default();
        let segment = self.tenant.segments().create(&format!("s{}", uuid::Uuid::now_v7()), &rules).await.unwrap();
        let draft =
            BroadcastDraft { name: "Terrasse", segment_id: segment.id, body: TEXT, template_id: template, rate };
        self.tenant.broadcasts().create(&draft, None).await.unwrap().id
    }

    /// Runs the broadcast's rounds (a second of the clock each) while it is scheduled or sending, then whatever
    /// the rounds queued.
    async fn run(&self, id: BroadcastId) {
        for _ in 0..2000 {
            self.app.drain().await;
            let status = self.tenant.broadcasts().get(id).await.unwrap().status;
            if !matches!(status, BroadcastStatus::Sending | BroadcastStatus::Scheduled) {
                self.app.drain().await;
                return;
            }
            self.app.clock.advance(TimeDelta::milliseconds(500));
        }
        panic!("the broadcast never finished");
    }

    /// How many messages with `text` each recipient got at the fake Graph API.
    fn received(&self, text: &str) -> HashMap<String, usize> {
        let mut got = HashMap::new();
        for m in self.app.fakes.sent_messages().into_iter().filter(|m| m.text.contains(text)) {
            *got.entry(m.recipient.trim_start_matches('+').to_owned()).or_default() += 1;
        }
        got
    }
}

#[tokio::test]
async fn a_broadcast_to_2000_guests_reaches_exactly_the_opted_in_ones_once_each() {
    let s = shop().await;
    for batch in 0..20 {
        guests_write(&s.app, batch * 100, 100, "Hallo, habt ihr offen?").await;
    }
    // Four in five said yes to marketing messages; every fifth never did.
    s.opt_in((0..2000).filter(|i| i % 5 != 0).map(|i| format!("Gast {i}"))).await;
    s.app.fakes.clear();
    let id = s.broadcast(None, 80).await;
    let b = s.tenant.broadcasts().get(id).await.unwrap();
    let dry = s.app.core.dry_run(&s.tenant, &b).await.unwrap();
    assert_eq!((dry.reached(), dry.skipped.get(&Skip::NotOptedIn).copied()), (1600, Some(400)));
    s.app.core.command_broadcast(&s.tenant, id, Command::Send).await.unwrap();
    s.run(id).await;
    let got = s.received(TEXT);
    assert_eq!(got.len(), 1600, "every opted-in guest");
    assert!(got.values().all(|n| *n == 1), "once each");
    assert!((0..2000).step_by(5).all(|i| !got.contains_key(&format!("49170{i:07}"))), "nobody who never said yes");
    let b = s.tenant.broadcasts().get(id).await.unwrap();
    assert_eq!(b.status, BroadcastStatus::Done);
    let p = s.tenant.broadcasts().progress(id).await.unwrap();
    assert_eq!((p.recipients, p.pending, p.skipped_count()), (2000, 0, 400));
    assert_eq!(p.message_count(maitre_domain::MessageStatus::Sent), 1600);
    // The page says so, in the business's words.
    let page = s.owner.get(&format!("/a/{}/broadcasts/{id}", s.account)).await.body;
    assert!(page.contains("id=\"fig-sent\">1600<") && page.contains("id=\"fig-skipped\">400<"), "{page}");
    assert!(page.contains("never said yes to marketing messages"), "{page}");
}

#[tokio::test]
async fn each_platforms_rules_and_a_stop_meanwhile_decide_who_gets_it() {
    let s = shop().await;
    guests_write(&s.app, 0, 3, "Hallo").await;
    s.opt_in((0..3).map(|i| format!("Gast {i}"))).await;
    // Two days on, the window is closed for the first three; a fourth writes now.
    s.app.clock.advance(TimeDelta::days(2));
    guests_write(&s.app, 3, 1, "Hallo, noch Plätze frei?").await;
    s.opt_in(["Gast 3".to_owned()]).await;
    // A marketing template of the number's business account, approved.
    s.app.fakes.add_template(
        WABA,
        json!({"name": "terrasse_offen", "language": "de", "category": "MARKETING", "components": [
            {"type": "BODY", "text": "Hallo! Ab Freitag ist unsere Terrasse wieder offen. Wir freuen uns auf Sie."}]}),
    );
    let channel = s.tenant.channels().list().await.unwrap()[0].id;
    s.app.core.set_waba(&s.tenant, channel, WABA).await.unwrap();
    let template = s.tenant.templates().list().await.unwrap().remove(0).id;
    // Without the template, only the guest inside the window gets it.
    let plain = s.broadcast(None, 80).await;
    s.app.core.command_broadcast(&s.tenant, plain, Command::Send).await.unwrap();
    s.run(plain).await;
    let p = s.tenant.broadcasts().progress(plain).await.unwrap();
    assert_eq!(p.skipped, vec![(Skip::NeedsTemplate, 3)]);
    assert_eq!(s.received(TEXT).len(), 1);
    // With it, the others get the template; one of them wrote "stop" before their turn; one is at WhatsApp's
    // marketing limit, which fails that guest, not the broadcast.
    s.app.fakes.clear();
    s.app.fakes.marketing_limited("491700000001");
    let with = s.broadcast(Some(&template), 1).await;
    s.app.core.command_broadcast(&s.tenant, with, Command::Send).await.unwrap();
    s.app.drain().await;
    // One guest a round: one of the two outside the window (not the limited one) is still waiting, and says stop.
    // (Guests are taken by contact id, which the order their webhook's messages were stored in decides.)
    let rows = s.tenant.broadcasts().recipients(with, None, 10).await.unwrap();
    let waiting = |n: u32| rows.iter().any(|r| r.name == format!("Gast {n}") && r.status == "pending");
    let (stopper, other) = if waiting(2) { (2, 0) } else { (0, 2) };
    assert!(waiting(stopper), "{rows:?}");
    guests_write(&s.app, stopper, 1, "STOP").await;
    s.run(with).await;
    for failed in s.app.fakes.take_failed_statuses() {
        assert_eq!(s.app.post_meta(&serde_json::to_vec(&failed).unwrap()).await.0, StatusCode::OK);
    }
    s.app.drain().await;
    let p = s.tenant.broadcasts().progress(with).await.unwrap();
    let b = s.tenant.broadcasts().get(with).await.unwrap();
    assert_eq!(b.status, BroadcastStatus::Done, "the limit fails a guest, not the broadcast");
    assert_eq!(p.skipped, vec![(Skip::OptedOut, 1)], "{p:?}");
    assert_eq!(p.message_count(maitre_domain::MessageStatus::Failed), 1, "{p:?}");
    let rows = s.tenant.broadcasts().recipients(with, None, 10).await.unwrap();
    let limited = rows.iter().find(|r| r.name == "Gast 1").unwrap();
    assert!(limited.error.contains("131049") || limited.error.to_lowercase().contains("marketing"), "{limited:?}");
    let got = s.received("Terrasse wieder offen");
    assert_eq!(got.get(&format!("49170000000{other}")), Some(&1), "the template outside the window: {got:?}");
    assert_eq!(got.get("491700000003"), Some(&1), "the text inside it: {got:?}");
    assert_eq!(got.get(&format!("49170000000{stopper}")), None, "nothing after stop: {got:?}");
    // One guest who got it writes back, another says stop: the broadcast's page counts both.
    guests_write(&s.app, 3, 1, "Super, wir kommen am Freitag!").await;
    guests_write(&s.app, other, 1, "stop").await;
    let p = s.tenant.broadcasts().progress(with).await.unwrap();
    assert_eq!((p.replied, p.opted_out), (2, 1), "{p:?}");
}

#[tokio::test]
async fn staff_pause_resume_and_cancel_and_two_nodes_never_message_a_guest_twice() {
    let s = shop().await;
    guests_write(&s.app, 0, 10, "Hallo").await;
    s.opt_in((0..10).map(|i| format!("Gast {i}"))).await;
    s.app.fakes.clear();
    let id = s.broadcast(None, 2).await;
    s.app.core.command_broadcast(&s.tenant, id, Command::Send).await.unwrap();
    s.app.drain().await;
    assert_eq!(s.received(TEXT).len(), 1, "one round: a tenth of a second's worth, at least one guest");
    s.app.core.command_broadcast(&s.tenant, id, Command::Pause).await.unwrap();
    for _ in 0..3 {
        s.app.clock.advance(TimeDelta::seconds(1));
        s.app.drain().await;
    }
    assert_eq!(s.received(TEXT).len(), 1, "nothing while paused");
    let refused = s.app.core.command_broadcast(&s.tenant, id, Command::Pause).await;
    assert!(matches!(refused, Err(maitre_app::broadcasts::BroadcastFailure::Settled)));
    // Resumed on two nodes at once: both run rounds, no guest hears twice.
    let second = s.app.second_node().await;
    s.app.core.command_broadcast(&s.tenant, id, Command::Resume).await.unwrap();
    s.app.clock.advance(TimeDelta::seconds(1));
    let (a, b) = tokio::join!(s.app.drain(), second.drain());
    assert!(a + b > 0);
    let both = |text: &str| {
        let mut got = s.received(text);
        for m in second.fakes.sent_messages().into_iter().filter(|m| m.text == text) {
            *got.entry(m.recipient.trim_start_matches('+').to_owned()).or_default() += 1;
        }
        got
    };
    let before_cancel = both(TEXT);
    assert!(before_cancel.values().all(|n| *n == 1), "{before_cancel:?}");
    s.app.core.command_broadcast(&s.tenant, id, Command::Cancel).await.unwrap();
    s.run(id).await;
    let after = both(TEXT);
    assert_eq!(after.len(), before_cancel.len(), "nothing after the cancel");
    let p = s.tenant.broadcasts().progress(id).await.unwrap();
    assert_eq!(p.cancelled + i64::try_from(after.len()).unwrap(), 10, "{p:?}");
    assert_eq!(s.tenant.broadcasts().get(id).await.unwrap().status, BroadcastStatus::Cancelled);
}

#[tokio::test]
async fn the_api_writes_dry_runs_schedules_and_refuses_what_it_cannot_do() {
    let s = shop().await;
    guests_write(&s.app, 0, 3, "Hallo").await;
    s.opt_in(["Gast 0".to_owned(), "Gast 1".to_owned()]).await;
    let admin = s.app.token(&s.account, Role::Admin).await;
    let api = |method: Method, path: String, body: Option<Value>| {
        let (app, admin) = (&s.app, admin.clone());
        async move { call(app, method, &path, Some(&admin), body.map(|b| b.to_string()).as_deref()).await }
    };
    let (_, segment) = api(Method::POST, "/api/v1/segments".into(), Some(json!({"name": "Alle", "rules": {}}))).await;
    let segment = segment["id"].as_str().unwrap().to_owned();
    let body = json!({"name": "Terrasse", "segment_id": segment, "text": TEXT});
    let (status, created) = api(Method::POST, "/api/v1/broadcasts".into(), Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!((&created["status"], &created["rate"]), (&json!("draft"), &json!(20)));
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, dry) = api(Method::GET, format!("/api/v1/broadcasts/{id}/dry-run"), None).await;
    assert_eq!(
        dry,
        json!({"recipients": 3, "reached": 2, "as_text": 2, "as_template": 0, "skipped": {"not_opted_in": 1}})
    );
    for (body, field) in [
        (json!({"name": "", "segment_id": segment, "text": TEXT}), "name"),
        (json!({"name": "X", "segment_id": segment, "text": " "}), "text"),
        (json!({"name": "X", "segment_id": segment, "text": TEXT, "rate": 500}), "rate"),
        (json!({"name": "X", "segment_id": segment, "text": TEXT, "template_id": "nope"}), "template_id"),
    ] {
        let (status, answer) = api(Method::POST, "/api/v1/broadcasts".into(), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert!(answer["error"]["message"].as_str().unwrap().starts_with(field), "{answer}");
    }
    let unknown = json!({"name": "X", "segment_id": uuid::Uuid::now_v7().to_string(), "text": TEXT});
    assert_eq!(api(Method::POST, "/api/v1/broadcasts".into(), Some(unknown)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api(Method::POST, format!("/api/v1/broadcasts/{id}/pause"), None).await.0, StatusCode::CONFLICT);
    assert_eq!(api(Method::POST, format!("/api/v1/broadcasts/{id}/explode"), None).await.0, StatusCode::NOT_FOUND);
    // Scheduled for 18:00 Berlin time; it starts when the clock gets there, not before.
    let past = json!({"send_at": "2020-01-01T10:00:00Z"});
    assert_eq!(
        api(Method::POST, format!("/api/v1/broadcasts/{id}/schedule"), Some(past)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let evening = json!({"send_at": "2026-09-21T18:00:00+02:00"});
    let (status, scheduled) = api(Method::POST, format!("/api/v1/broadcasts/{id}/schedule"), Some(evening)).await;
    assert_eq!((status, &scheduled["status"]), (StatusCode::OK, &json!("scheduled")), "{scheduled}");
    let page = s.owner.get(&format!("/a/{}/broadcasts/{id}", s.account)).await.body;
    assert!(page.contains("21 Sep 2026, 18:00"), "in the business's time: {page}");
    s.app.drain().await;
    assert!(s.received(TEXT).is_empty(), "not before its time");
    s.app.clock.advance(TimeDelta::hours(3));
    s.run(id.parse().unwrap()).await;
    assert_eq!(s.received(TEXT).len(), 2);
    let (_, done) = api(Method::GET, format!("/api/v1/broadcasts/{id}"), None).await;
    assert_eq!((&done["status"], &done["progress"]["sent"]), (&json!("done"), &json!(2)), "{done}");
    let (_, recipients) = api(Method::GET, format!("/api/v1/broadcasts/{id}/recipients?limit=2"), None).await;
    assert_eq!(recipients["items"].as_array().unwrap().len(), 2);
    let after = recipients["next"].as_str().unwrap();
    let (_, rest) = api(Method::GET, format!("/api/v1/broadcasts/{id}/recipients?after={after}"), None).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1, "three in all, none twice: {rest}");
    let all: Vec<&Value> =
        recipients["items"].as_array().unwrap().iter().chain(rest["items"].as_array().unwrap()).collect();
    let reasons: Vec<&str> = all.iter().filter_map(|r| r["reason"].as_str()).collect();
    assert_eq!(reasons, ["not_opted_in"], "{all:?}");
    assert!(all.iter().any(|r| r["name"] == "Gast 2" && r["reason"] == "not_opted_in"), "{all:?}");
    let patch = json!({"name": "Neu", "segment_id": segment, "text": TEXT});
    assert_eq!(api(Method::PATCH, format!("/api/v1/broadcasts/{id}"), Some(patch)).await.0, StatusCode::CONFLICT);
    // Agents do not broadcast; another business sees nothing of it.
    let agent = s.app.token(&s.account, Role::Agent).await;
    assert_eq!(call(&s.app, Method::GET, "/api/v1/broadcasts", Some(&agent), None).await.0, StatusCode::FORBIDDEN);
    let (_, other) = s.app.signup("Salon Nord", "nord@example.com").await;
    let stranger = s.app.token(&other, Role::Owner).await;
    let path = format!("/api/v1/broadcasts/{id}");
    assert_eq!(call(&s.app, Method::GET, &path, Some(&stranger), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api(Method::DELETE, path.clone(), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api(Method::GET, path, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn stop_is_honoured_while_a_member_has_the_conversation() {
    let s = shop().await;
    guests_write(&s.app, 0, 1, "Hallo").await;
    s.opt_in(["Gast 0".to_owned()]).await;
    let conversation = s.tenant.conversations().conversation_ids().await.unwrap()[0];
    let owner = s.app.store.user_by_email("owner@example.com").await.unwrap().id;
    s.tenant.inbox().take_over(conversation, Some(owner)).await.unwrap();
    s.app.clock.advance(TimeDelta::minutes(5));
    guests_write(&s.app, 0, 1, "Stopp!").await;
    let id = s.broadcast(None, 80).await;
    s.app.core.command_broadcast(&s.tenant, id, Command::Send).await.unwrap();
    s.run(id).await;
    assert!(s.received(TEXT).is_empty(), "the member's conversation did not keep the guest subscribed");
    let p = s.tenant.broadcasts().progress(id).await.unwrap();
    assert_eq!(p.skipped, vec![(Skip::OptedOut, 1)]);
    let contact = s.contacts().await["Gast 0"];
    let consents = s.tenant.contacts().consents(contact).await.unwrap();
    assert_eq!((consents[0].state.as_str(), consents[0].detail.as_str()), ("opted_out", "stopp"), "{consents:?}");
}

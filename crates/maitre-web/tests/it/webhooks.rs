//! The channel gateway over real HTTP: signed webhooks in, durable processing, replies out through the fake
//! platforms — every fixture, every hostile input, duplicates, platform failures and dead tokens.
use maitre_testkit::Fault;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{META_VERIFY_TOKEN, TestApp, fixture};

const IG: &str = "17840000000000001";
const PAGE: &str = "110000000000001";
pub(crate) const WA: &str = "200000000000002";

struct Setup {
    app: TestApp,
    account: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    app.connect(&account, "instagram", IG, "IG-TOKEN-FAKE").await;
    app.connect(&account, "messenger", PAGE, "PAGE-TOKEN-FAKE").await;
    Setup { app, account }
}

impl Setup {
    async fn tenant(&self) -> maitre_store::TenantStore {
        self.app.store.tenant_for_operator(self.account.parse().unwrap()).await.unwrap()
    }

    async fn whatsapp(&self, auto_reply: &str) -> maitre_store::Channel {
        let ch = self.app.connect(&self.account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
        self.tenant().await.channels().set_auto_reply(ch.id, auto_reply).await.unwrap();
        ch
    }
}

/// A WhatsApp text webhook in the documented shape.
pub(crate) fn wa_text(wamid: &str, from: &str, text: &str, ts: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "contacts": [{"profile": {"name": "Guest"}, "wa_id": from}],
            "messages": [{"from": from, "id": wamid, "timestamp": ts.to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    }))
    .unwrap()
}

fn wa_status(wamid: &str, to: &str, status: &str, ts: i64) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "statuses": [{"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": to}]
        }}]}]
    }))
    .unwrap()
}

pub(crate) const NOW: i64 = 1_790_000_000;

#[tokio::test]
async fn meta_verification_handshake() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::new();
    let ok = c
        .get(app.url(&format!(
            "/webhooks/meta?hub.mode=subscribe&hub.verify_token={META_VERIFY_TOKEN}&hub.challenge=1158201444"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!((ok.status(), ok.text().await.unwrap()), (StatusCode::OK, "1158201444".to_owned()));
    let bad =
        c.get(app.url("/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn unsigned_and_missigned_webhooks_are_refused_and_nothing_is_stored() {
    let s = setup().await;
    let body = fixture("instagram/text_message.json");
    let c = reqwest::Client::new();
    let unsigned = c.post(s.app.url("/webhooks/meta")).body(body.clone()).send().await.unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    let wrong = maitre_testkit::sign_meta("another_secret", &body);
    let missigned = c
        .post(s.app.url("/webhooks/meta"))
        .header("x-hub-signature-256", wrong)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(missigned.status(), StatusCode::FORBIDDEN);
    let sha1 =
        c.post(s.app.url("/webhooks/meta")).header("x-hub-signature", "sha1=abc").body(body).send().await.unwrap();
    assert_eq!(sha1.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.app.drain().await, 0, "no job was queued");
    assert_eq!(s.tenant().await.conversations().message_counts().await.unwrap(), (0, 0, 0));
}

#[tokio::test]
async fn every_inbound_fixture_is_accepted_and_processed_without_failures() {
    let s = setup().await;
    s.whatsapp("").await;
    let fixtures = [
        "instagram/comment.json",
        "instagram/comment_fb_login_form.json",
        "instagram/dashboard_test_changes_form.json",
        "instagram/echo.json",
        "instagram/postback.json",
        "instagram/quick_reply.json",
        "instagram/reaction.json",
        "instagram/read.json",
        "instagram/share_attachment.json",
        "instagram/story_mention.json",
        "instagram/story_reply.json",
        "instagram/text_message.json",
        "instagram/unreact.json",
        "messenger/postback_and_read_batch.json",
        "messenger/text_message.json",
        "whatsapp/audio_message.json",
        "whatsapp/document_message.json",
        "whatsapp/image_message.json",
        "whatsapp/interactive_button_reply.json",
        "whatsapp/interactive_list_reply.json",
        "whatsapp/location_message.json",
        "whatsapp/multi_entry_batch.json",
        "whatsapp/reaction_message.json",
        "whatsapp/status_delivered.json",
        "whatsapp/status_failed.json",
        "whatsapp/status_read.json",
        "whatsapp/status_sent.json",
        "whatsapp/template_quick_reply_button.json",
        "whatsapp/text_message.json",
        "whatsapp/unsupported_message.json",
    ];
    for f in fixtures {
        let (status, body) = s.app.post_meta(&fixture(f)).await;
        assert_eq!(status, StatusCode::OK, "{f}: {body}");
    }
    assert!(s.app.drain().await > 20);
    let troubled = s.app.store.troubled_jobs(None, 50).await.unwrap();
    assert!(troubled.is_empty(), "{troubled:?}");
    let (conversations, inbound, _) = s.tenant().await.conversations().message_counts().await.unwrap();
    assert!(conversations >= 5 && inbound >= 20, "{conversations} conversations, {inbound} inbound");
    // Spot checks of what a user would look for.
    let tenant = s.tenant().await;
    let all = all_messages(&tenant).await;
    assert!(all.iter().any(|(d, k, b, _)| d == "in" && k == "text" && b == "Hi! Table for 4 tomorrow at 8pm?"));
    assert!(all.iter().any(|(_, k, _, _)| k == "story_reply"));
    assert!(all.iter().any(|(_, k, _, _)| k == "comment"));
    assert!(all.iter().any(|(d, _, _, _)| d == "out"), "the echo is stored as an outbound message");
    // Re-posting everything changes nothing.
    for f in fixtures {
        s.app.post_meta(&fixture(f)).await;
    }
    assert_eq!(s.app.drain().await, 0, "redeliveries queue nothing");
    assert_eq!(all_messages(&tenant).await.len(), all.len());
}

async fn all_messages(tenant: &maitre_store::TenantStore) -> Vec<(String, String, String, String)> {
    let mut out = vec![];
    for c in tenant.conversations().conversation_ids().await.unwrap() {
        out.extend(tenant.conversations().messages(c).await.unwrap());
    }
    out
}

#[tokio::test]
async fn hostile_bodies_get_400_or_200_and_never_a_500() {
    let s = setup().await;
    s.whatsapp("").await;
    let cases = [
        ("hostile/deeply_nested.json", StatusCode::BAD_REQUEST),
        ("hostile/malformed_truncated.json", StatusCode::BAD_REQUEST),
        ("hostile/duplicate_message_ids_whatsapp.json", StatusCode::OK),
        ("hostile/huge_text_whatsapp.json", StatusCode::OK),
        ("hostile/missing_fields_whatsapp.json", StatusCode::OK),
        ("hostile/unicode_rtl_emoji_instagram.json", StatusCode::OK),
        ("hostile/unknown_object_type.json", StatusCode::OK),
        ("hostile/unknown_phone_number_id_whatsapp.json", StatusCode::OK),
        ("hostile/unknown_recipient_instagram.json", StatusCode::OK),
        ("hostile/wrong_types_instagram.json", StatusCode::OK),
    ];
    for (f, want) in cases {
        let (status, body) = s.app.post_meta(&fixture(f)).await;
        assert_eq!(status, want, "{f}: {body}");
        if want == StatusCode::BAD_REQUEST {
            assert!(body.contains("unreadable"), "{f}: a short reason: {body}");
        }
    }
    s.app.drain().await;
    assert!(s.app.store.troubled_jobs(None, 50).await.unwrap().is_empty());
    let ignored = s.app.store.ignored_events(100).await.unwrap();
    assert!(ignored.iter().any(|(_, reason, _, _)| reason.contains("unknown recipient")), "{ignored:?}");
    let (_, inbound, _) = s.tenant().await.conversations().message_counts().await.unwrap();
    assert!(inbound >= 2, "the usable items of hostile batches were still processed");
}

#[tokio::test]
async fn the_same_event_delivered_three_times_concurrently_gives_one_message_and_one_reply() {
    let s = setup().await;
    s.whatsapp("Thanks! We will get back to you shortly.").await;
    let body = fixture("whatsapp/text_message.json");
    let (a, b, c) = tokio::join!(s.app.post_meta(&body), s.app.post_meta(&body), s.app.post_meta(&body));
    for (status, _) in [a, b, c] {
        assert_eq!(status, StatusCode::OK);
    }
    s.app.drain().await;
    assert_eq!(s.tenant().await.conversations().message_counts().await.unwrap(), (1, 1, 1));
    let sent = s.app.fakes.sent_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].text, "Thanks! We will get back to you shortly.");
}

#[tokio::test]
async fn with_30_percent_platform_errors_every_reply_is_delivered_exactly_once() {
    let s = setup().await;
    s.whatsapp("Got it!").await;
    s.app.fakes.set_fault_rate(
        0.3,
        vec![Fault::ServerError500, Fault::RateLimit(130429), Fault::RateLimit(4), Fault::RateLimit(613)],
    );
    let n = 40;
    for i in 0..n {
        let body = wa_text(&format!("wamid.LOAD_{i}"), &format!("1555100{i:04}"), "hello", NOW);
        assert_eq!(s.app.post_meta(&body).await.0, StatusCode::OK);
    }
    s.app.drain().await;
    let sent = s.app.fakes.sent_messages();
    let mut recipients: Vec<_> = sent.iter().map(|m| m.recipient.trim_start_matches('+').to_owned()).collect();
    recipients.sort();
    let total = recipients.len();
    recipients.dedup();
    assert_eq!((total, recipients.len()), (n, n), "each guest got exactly one reply");
    let failed_attempts = s.app.fakes.requests().iter().filter(|r| r.failed).count();
    assert!(failed_attempts >= 5, "faults were injected ({failed_attempts})");
    assert!(s.app.store.troubled_jobs(None, 100).await.unwrap().iter().all(|j| j.status != "dead"));
}

#[tokio::test]
async fn a_rejected_token_pauses_sends_until_the_channel_is_reconnected() {
    let s = setup().await;
    let ch = s.whatsapp("Hello!").await;
    s.app.fakes.invalidate_token("WA-TOKEN-FAKE");
    s.app.post_meta(&fixture("whatsapp/text_message.json")).await;
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty());
    let tenant = s.tenant().await;
    let now = tenant.channels().channel(ch.id).await.unwrap();
    assert_eq!(now.status.as_str(), "needs_reconnect");
    assert!(now.status_reason.contains("token"), "{}", now.status_reason);
    assert!(!now.status_reason.contains("WA-TOKEN-FAKE"), "no secrets in reasons");
    // Reconnect with a fresh token: the paused reply goes out.
    let creds = maitre_app::Credentials {
        access_token: "WA-TOKEN-NEW".into(),
        instagram_login: Default::default(),
        webhook_secret: None,
    };
    let sealed = s.app.core.vault.seal(tenant.account_id(), &creds);
    tenant.channels().replace_channel_credentials(ch.id, &sealed).await.unwrap();
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1);
    assert_eq!(tenant.channels().channel(ch.id).await.unwrap().status.as_str(), "connected");
}

#[tokio::test]
async fn no_automatic_reply_outside_the_24_hour_window() {
    let s = setup().await;
    s.whatsapp("Hello!").await;
    s.app.post_meta(&wa_text("wamid.OLD", "15550009999", "late", NOW)).await;
    s.app.clock.advance(chrono::TimeDelta::hours(25));
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty());
    let out: Vec<_> = all_messages(&s.tenant().await).await.into_iter().filter(|m| m.0 == "out").collect();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].3, "failed");
    let dead = s.app.store.troubled_jobs(None, 10).await.unwrap();
    assert!(dead[0].last_error.as_deref().unwrap().contains("24-hour window"), "{dead:?}");
}

#[tokio::test]
async fn delivery_statuses_never_move_backwards() {
    let s = setup().await;
    s.whatsapp("Hi!").await;
    s.app.post_meta(&wa_text("wamid.IN_1", "15550002222", "hello", NOW)).await;
    s.app.drain().await;
    let sent = s.app.fakes.sent_messages();
    let wamid = sent[0].message_id.clone();
    for status in ["read", "delivered", "sent"] {
        s.app.post_meta(&wa_status(&wamid, "15550002222", status, NOW + 5)).await;
    }
    s.app.drain().await;
    let out: Vec<_> = all_messages(&s.tenant().await).await.into_iter().filter(|m| m.0 == "out").collect();
    assert_eq!(out[0].3, "read");
}

#[tokio::test]
async fn telegram_updates_need_the_channels_secret_token() {
    let s = setup().await;
    let ch = s
        .app
        .connect_with_secret(&s.account, "telegram", "7000000001", "7000000001:FAKE", Some("tg-secret-FAKE"))
        .await;
    s.tenant().await.channels().set_auto_reply(ch.id, "Hallo!").await.unwrap();
    let url = s.app.url(&format!("/webhooks/telegram/{}", ch.id));
    let body = fixture("telegram/message.json");
    let c = reqwest::Client::new();
    let post = |secret: Option<&'static str>| {
        let mut req = c.post(&url).header("content-type", "application/json").body(body.clone());
        if let Some(s) = secret {
            req = req.header("x-telegram-bot-api-secret-token", s);
        }
        req.send()
    };
    assert_eq!(post(None).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // (A trailing space never reaches the server: HTTP strips it. The parser's own tests cover that vector.)
    for wrong in ["", "tg-secret-FAKF", "TG-SECRET-FAKE", "tg-secret-FAKE-and-more"] {
        let res =
            c.post(&url).header("x-telegram-bot-api-secret-token", wrong).body(body.clone()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{wrong:?}");
    }
    assert_eq!(s.app.drain().await, 0);
    assert_eq!(post(Some("tg-secret-FAKE")).await.unwrap().status(), StatusCode::OK);
    let unknown = c
        .post(s.app.url("/webhooks/telegram/00000000-0000-7000-8000-000000000000"))
        .header("x-telegram-bot-api-secret-token", "tg-secret-FAKE")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    s.app.drain().await;
    let sent = s.app.fakes.sent_messages();
    assert_eq!((sent.len(), sent[0].text.as_str()), (1, "Hallo!"));
    let msgs = all_messages(&s.tenant().await).await;
    assert!(msgs.iter().any(|m| m.0 == "in" && m.2 == "Hi, table for 4 tomorrow at 8?"));
}

#[tokio::test]
async fn replies_to_one_guest_are_paced_without_spending_attempts() {
    let app = TestApp::spawn_with(|s| {
        s.rate_limits.whatsapp.recipient_per_second = 1.0 / 6.0;
        s.rate_limits.whatsapp.recipient_burst = 1.0;
    })
    .await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let s = Setup { app, account };
    s.whatsapp("Got it!").await;
    // The guest's message gets the automatic reply; a member's answer right after it waits for the budget.
    s.app.post_meta(&wa_text("wamid.P1", "15550002222", "one", NOW)).await;
    s.app.drain().await;
    let tenant = s.tenant().await;
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);
    tenant.inbox().reply(conversation, None, "two", None).await.unwrap();
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1, "the second reply waits for the recipient's budget");
    assert!(s.app.store.troubled_jobs(None, 10).await.unwrap().is_empty(), "pacing is not a failure");
    s.app.clock.advance(chrono::TimeDelta::seconds(7));
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 2);
}

#[tokio::test]
async fn contacts_get_their_names_from_the_webhook_or_the_profile_api() {
    let s = setup().await;
    let wa = s.whatsapp("").await;
    s.app.fakes.set_profile("9000000000000001", "Giulia", "Rossi");
    s.app.post_meta(&fixture("instagram/text_message.json")).await;
    s.app.post_meta(&fixture("whatsapp/text_message.json")).await;
    s.app.drain().await;
    let tenant = s.tenant().await;
    let ig = s.app.store.route(maitre_domain::Platform::Instagram, IG).await.unwrap();
    assert_eq!(tenant.conversations().contact_name(ig.id, "9000000000000001").await.unwrap(), "Giulia Rossi");
    assert_eq!(tenant.conversations().contact_name(wa.id, "15550002222").await.unwrap(), "Test Guest Alex");
    let profile_calls = s.app.fakes.requests().iter().filter(|r| r.path.ends_with("/9000000000000001")).count();
    s.app.post_meta(&wa_text("wamid.X", "15550002222", "again", NOW)).await;
    s.app.post_meta(&fixture("instagram/quick_reply.json")).await;
    s.app.drain().await;
    let again = s.app.fakes.requests().iter().filter(|r| r.path.ends_with("/9000000000000001")).count();
    assert_eq!((profile_calls, again), (1, 1), "the profile is fetched once");
}

#[tokio::test]
async fn an_echo_that_overtakes_our_own_send_does_not_duplicate_the_message_or_the_send() {
    let s = setup().await;
    let ig = s.app.store.route(maitre_domain::Platform::Instagram, IG).await.unwrap();
    s.tenant().await.channels().set_auto_reply(ig.id, "Ciao!").await.unwrap();
    s.app.post_meta(&fixture("instagram/text_message.json")).await;
    // The platform's echo of the reply maitre is about to send (the fake numbers its first send m_FAKE_1).
    let echo = String::from_utf8(fixture("instagram/echo.json"))
        .unwrap()
        .replace("m_FAKE_IG_0007", "m_FAKE_1")
        .replace("Booked: Saturday 19:00 for 2. See you then!", "Ciao!");
    s.app.post_meta(echo.as_bytes()).await;
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1, "sent once");
    let out: Vec<_> = all_messages(&s.tenant().await).await.into_iter().filter(|m| m.0 == "out").collect();
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!((out[0].2.as_str(), out[0].3.as_str()), ("Ciao!", "sent"));
    assert!(s.app.store.troubled_jobs(None, 10).await.unwrap().is_empty());
}

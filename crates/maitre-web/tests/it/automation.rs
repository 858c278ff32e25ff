//! Flows answering guests over real HTTP: signed webhooks in, the fake platforms receive the replies, bookings land
//! in the store, the business gets email on a real SMTP listener, and the calendar shows the booking in a browser.
use chrono::{NaiveDateTime, TimeDelta};
use fantoccini::Locator;
use maitre_app::flows::install_published;
use maitre_domain::{ContactId, ConversationId};
use maitre_store::{AutomationSettings, ReservationQuery, TenantStore};
use maitre_testkit::{AI_KEY, Browser};
use serde_json::json;

use crate::helpers::{Client, TestApp};

const IG: &str = "17840000000000001";
const GUEST: &str = "9000000000000042";
const WA: &str = "200000000000002";

struct Setup {
    app: TestApp,
    owner: Client,
    account: String,
    tenant: TenantStore,
    sent_mid: std::cell::Cell<u32>,
}

async fn restaurant() -> Setup {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let mut settings = tenant.account().await.unwrap().settings;
    settings.time_zone = "Europe/Berlin".into();
    settings.locale = maitre_domain::Locale::De;
    tenant.update_settings(&settings).await.unwrap();
    app.connect(&account, "instagram", IG, "ig-token").await;
    Setup { app, owner, account, tenant, sent_mid: std::cell::Cell::new(0) }
}

impl Setup {
    /// A signed Instagram DM from `GUEST`, sent at the app clock's time (2026-09-21 14:15 UTC, a Monday, 16:15 in
    /// Berlin, unless a test advanced it); each call is a new message.
    async fn dm(&self, text: &str) {
        let n = self.sent_mid.get() + 1;
        self.sent_mid.set(n);
        let now = self.app.clock.now().timestamp_millis();
        let body = serde_json::to_vec(&json!({
            "object": "instagram",
            "entry": [{"id": IG, "time": now, "messaging": [{
                "sender": {"id": GUEST}, "recipient": {"id": IG}, "timestamp": now + i64::from(n),
                "message": {"mid": format!("m_GUEST_{n}"), "text": text}
            }]}]
        }))
        .unwrap();
        let (status, answer) = self.app.post_meta(&body).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    }

    /// Texts the fake Instagram API received for the guest, in order.
    fn replies(&self) -> Vec<String> {
        self.app.fakes.sent_messages().into_iter().filter(|m| m.recipient == GUEST).map(|m| m.text).collect()
    }
}

#[tokio::test]
async fn an_instagram_dm_books_a_table_through_the_restaurant_template_mails_the_owner_and_shows_in_the_calendar() {
    let s = restaurant().await;
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();

    s.dm("Hallo, Tisch für 4 morgen 20 Uhr").await;
    s.app.drain().await;
    let replies = s.replies();
    assert_eq!(replies.len(), 1, "date, time and party size came in one message: only the name is asked {replies:?}");
    assert!(replies[0].contains("Namen"), "{replies:?}");

    s.dm("Anna Schmidt").await;
    s.app.drain().await;
    let replies = s.replies();
    assert_eq!(replies.len(), 2, "{replies:?}");
    assert!(replies[1].contains("Anna Schmidt") && replies[1].contains("20:00"), "{}", replies[1]);
    assert!(replies[1].contains("22.09.2026"), "tomorrow in Berlin: {}", replies[1]);

    let page = s.tenant.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let r = &page.items[0];
    assert_eq!((r.name.as_str(), r.party_size), ("Anna Schmidt", 4));
    assert_eq!(r.local_start, NaiveDateTime::parse_from_str("2026-09-22 20:00", "%Y-%m-%d %H:%M").unwrap());
    assert_eq!(r.starts_at.to_rfc3339(), "2026-09-22T18:00:00+00:00", "20:00 in Berlin (CEST) is 18:00 UTC");
    assert!(r.conversation_id.is_some() && r.contact_id.is_some(), "the booking belongs to the conversation");

    let mail = s.app.smtp.wait_for(1).await;
    assert!(mail[0].to.iter().any(|to| to.contains("owner@example.com")), "{:?}", mail[0].to);
    let text = mail[0].body_text();
    assert!(text.contains("Neue Reservierung: Anna Schmidt, 22.09.2026 20:00"), "{text}");

    // A redelivered webhook changes nothing: no second reservation, no third reply.
    s.app.drain().await;
    assert_eq!(s.replies().len(), 2);

    let Some(b) = Browser::start().await else { return };
    crate::browser::sign_in(&b, &s.app, "owner@example.com").await;
    let calendar = format!("/a/{}/calendar?view=day&date=2026-09-22", s.account);
    b.client.goto(&s.app.url(&calendar)).await.unwrap();
    let block = b.client.find(Locator::Css(".cal-res")).await.unwrap();
    assert_eq!(block.text().await.unwrap(), "20:00 Anna Schmidt (4)");
    b.close().await;
}

#[tokio::test]
async fn a_full_evening_offers_alternatives_and_the_guest_books_one_of_them() {
    let s = restaurant().await;
    let mut booking = s.tenant.reservations().booking_settings().await.unwrap();
    booking.rules.covers_per_slot = 4;
    s.tenant.reservations().put_booking_settings(&booking).await.unwrap();
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    // Someone else holds the only four seats at 20:00 tomorrow.
    let req = maitre_domain::booking::ReservationRequest {
        starts_at: NaiveDateTime::parse_from_str("2026-09-22 20:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 4,
        service: None,
        name: "Walk-in".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    s.tenant
        .reservations()
        .create_reservation(&req, chrono_tz::Europe::Berlin, &maitre_store::Origin::staff())
        .await
        .unwrap();

    s.dm("Tisch für 2 morgen um 20 Uhr").await;
    s.app.drain().await;
    s.dm("Maria Rossi").await;
    s.app.drain().await;
    let replies = s.replies();
    let offer = replies.last().unwrap();
    assert!(offer.contains("kein Tisch frei") || offer.contains("Uhrzeit"), "{replies:?}");
    s.dm("17:30").await;
    s.app.drain().await;
    let query = ReservationQuery { search: Some("Maria"), limit: 10, ..Default::default() };
    let page = s.tenant.reservations().list(&query).await.unwrap();
    assert_eq!(page.items.len(), 1, "{:?}", s.replies());
    assert_eq!(page.items[0].local_start.format("%Y-%m-%d %H:%M").to_string(), "2026-09-22 17:30");
}

/// A signed WhatsApp text from the number `from`, whose WhatsApp profile is named `profile`.
async fn whatsapp(app: &TestApp, n: u32, from: &str, profile: &str, text: &str) {
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "contacts": [{"profile": {"name": profile}, "wa_id": from}],
            "messages": [{"from": from, "id": format!("wamid.BOOK_{n}"),
                "timestamp": (1_790_000_000 + n).to_string(), "type": "text", "text": {"body": text}}]
        }}]}]
    }))
    .unwrap();
    let (status, answer) = app.post_meta(&body).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
    app.drain().await;
}

#[tokio::test]
async fn a_whatsapp_booking_keeps_the_guests_number_and_full_name() {
    let s = restaurant().await;
    s.app.connect(&s.account, "whatsapp", WA, "wa-token").await;
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();

    whatsapp(&s.app, 1, "4917155566677", "Lena Vogel", "Tisch für 2 morgen um 19 Uhr").await;
    whatsapp(&s.app, 2, "4917155566677", "Lena Vogel", "Vogel").await;

    let page = s.tenant.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1, "{:?}", s.app.fakes.sent_messages());
    let r = &page.items[0];
    assert_eq!(r.name, "Lena Vogel", "the answer 'Vogel' is part of the name WhatsApp gave");
    assert_eq!(r.phone, "+4917155566677", "the number the guest wrote from");
    let contact = s.tenant.contacts().contact(r.contact_id.unwrap()).await.unwrap();
    assert_eq!(contact.name, "Lena Vogel", "the contact's full name is not shortened");

    // Another guest, whose profile says only a nickname, answers with their full name: that name is taken.
    whatsapp(&s.app, 3, "4917100000001", "Mo", "Tisch für 3 morgen um 18 Uhr").await;
    whatsapp(&s.app, 4, "4917100000001", "Mo", "Moritz Keller").await;
    let query = ReservationQuery { search: Some("Keller"), limit: 10, ..Default::default() };
    let page = s.tenant.reservations().list(&query).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let contact = s.tenant.contacts().contact(page.items[0].contact_id.unwrap()).await.unwrap();
    assert_eq!(contact.name, "Moritz Keller");
}

#[tokio::test]
async fn quick_messages_are_read_together_after_the_pause_and_answered_once() {
    let s = restaurant().await;
    s.tenant
        .flows()
        .put_automation_settings(&AutomationSettings { read_together_ms: Some(3000), ..Default::default() })
        .await
        .unwrap();
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    s.dm("hi").await;
    s.dm("Tisch morgen 20 Uhr").await;
    s.dm("für 4").await;
    s.app.drain().await;
    assert!(s.replies().is_empty(), "nothing is answered before the pause is over");
    s.app.clock.advance(TimeDelta::seconds(4));
    s.app.drain().await;
    let replies = s.replies();
    assert_eq!(replies.len(), 1, "three messages, one answer: {replies:?}");
    assert!(replies[0].contains("Namen"), "all three were read together: {replies:?}");
}

#[tokio::test]
async fn opt_out_stops_automation_and_is_recorded() {
    let s = restaurant().await;
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    s.dm("Tisch für 2 morgen 19 Uhr").await;
    s.app.drain().await;
    assert_eq!(s.replies().len(), 1);
    s.dm("STOP").await;
    s.app.drain().await;
    s.dm("Tisch für 2 morgen 19 Uhr").await;
    s.app.drain().await;
    assert_eq!(s.replies().len(), 1, "{:?}", s.replies());
    let conversation = s.tenant.conversations().conversation_ids().await.unwrap().remove(0);
    let (_, contact) = contact_of(&s.tenant, conversation).await;
    let history = s.tenant.contacts().consent_history(contact).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!((history[0].0.as_str(), history[0].2.as_str()), ("opted_out", "stop"));
}

#[tokio::test]
async fn a_handoff_switches_the_conversation_to_a_human_and_the_bot_goes_quiet() {
    let s = restaurant().await;
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    s.dm("Tisch für 30 morgen 19 Uhr").await;
    s.app.drain().await;
    s.dm("Anna Schmidt").await;
    s.app.drain().await;
    let replies = s.replies();
    assert!(replies.last().unwrap().contains("Team"), "a group too large for the rules goes to a person: {replies:?}");
    let conversation = s.tenant.conversations().conversation_ids().await.unwrap().remove(0);
    assert_eq!(s.tenant.flows().step_input(conversation).await.unwrap().mode.as_str(), "human");
    s.dm("Hallo?").await;
    s.app.drain().await;
    assert_eq!(s.replies().len(), replies.len(), "the bot stays quiet while a person handles it");
}

#[tokio::test]
async fn the_ai_step_answers_through_the_accounts_endpoint_and_falls_back_when_it_fails() {
    let s = restaurant().await;
    let flow = json!({
        "triggers": [{"type": "any_message"}],
        "start": "ai",
        "nodes": [{"id": "ai", "type": "ai", "prompt": "Gast fragt: {{message.text}}", "fallback": "Wir melden uns!"}]
    });
    let record = s.tenant.flows().create_flow("AI", &flow.to_string(), "").await.unwrap();
    maitre_app::flows::publish(&s.tenant, record.id, "test").await.unwrap();
    s.dm("Habt ihr glutenfreie Pasta?").await;
    s.app.drain().await;
    assert_eq!(s.replies(), ["Wir melden uns!"], "no AI set up: the fallback");

    let sealed = s.app.core.vault.seal(
        s.tenant.account_id(),
        &maitre_app::Credentials {
            access_token: AI_KEY.into(),
            instagram_login: Default::default(),
            webhook_secret: None,
        },
    );
    let ai = AutomationSettings {
        ai_base_url: s.app.fakes.ai_url(),
        ai_model: "test-model".into(),
        ai_key: sealed,
        ..Default::default()
    };
    s.tenant.flows().put_automation_settings(&ai).await.unwrap();
    s.dm("Und vegane Desserts?").await;
    s.app.drain().await;
    assert_eq!(s.replies()[1], "AI answer to: Gast fragt: Und vegane Desserts?", "the provider's answer is sent");
    let call = s.app.fakes.requests().into_iter().find(|r| r.path.ends_with("/chat/completions")).unwrap();
    assert_eq!(call.body["model"], "test-model");

    // The same fake under a name that resolves to loopback is not on the operator's list: refused when called
    // (as if the name had resolved elsewhere when the URL was saved), so the key never leaves.
    let by_name = s.app.fakes.ai_url().replace("127.0.0.1", "localhost");
    s.tenant.flows().put_automation_settings(&AutomationSettings { ai_base_url: by_name, ..ai }).await.unwrap();
    s.dm("Und Kaffee?").await;
    s.app.drain().await;
    assert_eq!(s.replies()[2], "Wir melden uns!", "refused: the fallback");
    let calls = s.app.fakes.requests().into_iter().filter(|r| r.path.ends_with("/chat/completions")).count();
    assert_eq!(calls, 1, "nothing reached the loopback address");
}

/// The contact of a conversation, through the store's step input.
async fn contact_of(tenant: &TenantStore, conversation: ConversationId) -> (ConversationId, ContactId) {
    let input = tenant.flows().step_input(conversation).await.unwrap();
    (input.conversation_id, input.contact_id)
}

#[tokio::test]
async fn the_guest_gets_a_reminder_before_the_visit_and_one_review_request_after_it() {
    let s = restaurant().await;
    let mut booking = s.tenant.reservations().booking_settings().await.unwrap();
    booking.review_link = "https://g.page/r/trattoria-roma/review".into();
    s.tenant.reservations().put_booking_settings(&booking).await.unwrap();
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    install_published(&s.tenant, "review_request", "test").await.unwrap();
    s.dm("Tisch für 2 morgen um 20 Uhr").await;
    s.app.drain().await;
    s.dm("Anna Schmidt").await;
    s.app.drain().await;
    assert_eq!(s.replies().len(), 2);

    // 24 hours before Tuesday 20:00 is Monday 20:00 in Berlin: four hours from the test clock.
    s.app.clock.advance(TimeDelta::hours(4));
    s.app.drain().await;
    let replies = s.replies();
    assert_eq!(replies.len(), 3, "{replies:?}");
    assert!(replies[2].starts_with("Erinnerung") && replies[2].contains("22.09. um 20:00"), "{}", replies[2]);

    // The guest writes on the day of the visit, so the window is open when the review request is due
    // (the visit ends at 22:00; the request goes three hours later).
    s.app.clock.advance(TimeDelta::hours(24));
    s.dm("Bis später!").await;
    s.app.drain().await;
    s.app.clock.advance(TimeDelta::hours(6));
    s.app.drain().await;
    let replies = s.replies();
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert!(
        replies[3].contains("danke für Ihren Besuch bei Trattoria Roma"),
        "the review flow answered: {}",
        replies[3]
    );
    s.app.clock.advance(TimeDelta::days(2));
    s.app.drain().await;
    assert_eq!(s.replies().len(), 4, "asked once per visit");
}

#[tokio::test]
async fn a_comment_keyword_is_answered_once_with_a_private_reply() {
    let s = restaurant().await;
    let flow = json!({
        "triggers": [{"type": "comment", "words": ["menu"]}],
        "start": "menu",
        "nodes": [
            {"id": "menu", "type": "message", "text": "Hier ist unsere Karte: https://example.test/menu", "next": "book"},
            {"id": "book", "type": "message", "text": "Antworte hier, um einen Tisch zu reservieren."}
        ]
    });
    let record = s.tenant.flows().create_flow("Kommentar", &flow.to_string(), "").await.unwrap();
    maitre_app::flows::publish(&s.tenant, record.id, "test").await.unwrap();
    let comment = crate::helpers::fixture("instagram/comment.json");
    s.app.post_meta(&comment).await;
    s.app.post_meta(&comment).await;
    s.app.drain().await;
    let sends: Vec<_> = s.app.fakes.requests().into_iter().filter(|r| r.is_send()).collect();
    assert_eq!(sends.len(), 1, "one private reply per comment, even when Meta delivers it twice");
    assert_eq!(sends[0].body["recipient"], json!({"comment_id": "18000000000000020"}));
    let text = sends[0].body["message"]["text"].as_str().unwrap();
    assert!(text.contains("unsere Karte") && text.contains("Tisch zu reservieren"), "{text}");
}

#[tokio::test]
async fn the_automatic_reply_answers_each_guest_in_their_language_when_the_business_wrote_it_in_that_one() {
    let s = restaurant().await;
    let channel = s.tenant.channels().list().await.unwrap().remove(0).id;
    let page = format!("/a/{}/channels", s.account);
    let form = s.owner.get(&page).await.body;
    assert!(form.contains("For guests who write in English") && form.contains("For guests who write in French"));
    assert!(!form.contains("write in German"), "the business's own language is the main text");
    let own = "Danke für Ihre Nachricht! Wir melden uns gleich.";
    let english = "Thanks for your message! We will be in touch shortly.";
    let action = format!("/a/{}/channels/{channel}/auto-reply", s.account);
    let saved = s.owner.submit(&page, &action, &[("text", own), ("text_en", english), ("text_fr", " ")]).await;
    assert_eq!(saved.status, reqwest::StatusCode::SEE_OTHER, "{}", saved.body);
    let form = s.owner.get(&page).await.body;
    assert!(form.contains(&format!("name=\"text_en\" value=\"{english}\"")), "{form}");
    assert!(form.contains("name=\"text_fr\" value=\"\""), "a blank translation is none");

    // Quiet hours after each answer: three hours apart, as three separate questions.
    for (question, answer) in [
        ("Do you have gluten free pasta?", english),
        ("Habt ihr glutenfreie Pasta?", own),
        ("Avez-vous des pâtes sans gluten ?", own),
        ("👍🏼 4", own),
    ] {
        s.dm(question).await;
        s.app.drain().await;
        assert_eq!(s.replies().last().map(String::as_str), Some(answer), "{question}");
        s.app.clock.advance(TimeDelta::hours(3));
    }
    assert_eq!(s.replies().len(), 4);
}

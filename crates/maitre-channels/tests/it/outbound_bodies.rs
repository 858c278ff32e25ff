//! What the send client puts on the wire, against the `send_*_request.json` fixtures, over real
//! HTTP to `maitre_testkit::FakePlatforms`.

use maitre_channels::{
    Choice, ChoiceList, InstagramLogin, ListRow, ListSection, OutboundMessage, Platform, SendTarget, verify_meta,
};
use maitre_testkit::{FakePlatforms, RecordedRequest, SentMessage, sign_meta};
use serde_json::{Value, json};

use crate::support::fixture;
use crate::support::send::*;

fn fixture_json(path: &str) -> Value {
    serde_json::from_slice(&fixture(path)).unwrap()
}

/// Sends `msg` and returns the one request the fake saw, plus the id the client got back.
async fn send_one(target: &SendTarget<'_>, msg: &OutboundMessage) -> (RecordedRequest, String) {
    let fakes = FakePlatforms::start().await;
    let sent = sender(&fakes).send(target, msg).await.unwrap();
    let requests = fakes.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    (requests.into_iter().next().unwrap(), sent.platform_message_id)
}

fn assert_graph_auth(request: &RecordedRequest, token: &str) {
    assert_eq!(request.headers["authorization"], format!("Bearer {token}"));
    assert!(request.query.is_empty(), "no token in the URL: {:?}", request.query);
    assert_eq!(request.method, "POST");
}

fn choices(pairs: &[(&str, &str)]) -> Vec<Choice> {
    pairs.iter().map(|(t, p)| Choice::new(*t, *p)).collect()
}

#[tokio::test]
async fn messenger_text() {
    let msg = OutboundMessage::text("Sure! Thursday we have 10:00 or 15:30.");
    let (request, id) = send_one(&target(Platform::Messenger), &msg).await;
    assert_eq!(request.body, fixture_json("messenger/send_request.json"));
    assert_eq!(request.path, format!("/graph/v25.0/{PAGE_ID}/messages"));
    assert_graph_auth(&request, PAGE_TOKEN);
    assert_eq!(id, "m_FAKE_1");
}

#[tokio::test]
async fn instagram_text_on_the_instagram_host() {
    let msg = OutboundMessage::text("Hi! Which day would you like to come?");
    let (request, _) = send_one(&target(Platform::Instagram), &msg).await;
    let mut expected = fixture_json("instagram/send_text_request.json");
    // The one deliberate difference: maitre always names the messaging type (see render.rs).
    expected["messaging_type"] = json!("RESPONSE");
    assert_eq!(request.body, expected);
    assert_eq!(request.path, format!("/instagram/v25.0/{IG_ID}/messages"));
    assert_graph_auth(&request, IG_TOKEN);
}

#[tokio::test]
async fn instagram_quick_replies() {
    let msg = OutboundMessage {
        quick_replies: choices(&[
            ("Saturday 19:00", "SLOT_SAT_1900"),
            ("Saturday 20:30", "SLOT_SAT_2030"),
            ("Another day", "SLOT_OTHER"),
        ]),
        ..OutboundMessage::text("Which time works for you on Saturday?")
    };
    let (request, _) = send_one(&target(Platform::Instagram), &msg).await;
    assert_eq!(request.body, fixture_json("instagram/send_quick_replies_request.json"));
}

#[tokio::test]
async fn instagram_human_agent_through_a_page() {
    let mut target = target(Platform::Instagram);
    target.human_agent_tag = true;
    target.channel.instagram_login = InstagramLogin::FacebookPage;
    target.channel.access_token = PAGE_TOKEN;
    let msg = OutboundMessage::text("Sorry for the slow reply - we were closed on Sunday. Your table is confirmed.");
    let (request, _) = send_one(&target, &msg).await;
    assert_eq!(request.body, fixture_json("instagram/send_human_agent_request.json"));
    assert_eq!(request.path, "/graph/v25.0/me/messages");
    assert_graph_auth(&request, PAGE_TOKEN);
}

#[tokio::test]
async fn whatsapp_text() {
    let msg = OutboundMessage::text("Great, a table for 4 tomorrow at 20:00 is held for you.");
    let (request, id) = send_one(&target(Platform::WhatsApp), &msg).await;
    assert_eq!(request.body, fixture_json("whatsapp/send_text_request.json"));
    assert_eq!(request.path, format!("/graph/v25.0/{PHONE_NUMBER_ID}/messages"));
    assert_graph_auth(&request, WA_TOKEN);
    assert_eq!(id, "wamid.FAKE_1");
}

#[tokio::test]
async fn whatsapp_reply_buttons() {
    let msg = OutboundMessage {
        footer: Some("Test Bistro".into()),
        buttons: choices(&[("Confirm", "confirm-booking"), ("Change time", "change-time"), ("Cancel", "cancel")]),
        ..OutboundMessage::text("Table for 4, tomorrow 20:00. Shall I confirm?")
    };
    let (request, _) = send_one(&target(Platform::WhatsApp), &msg).await;
    assert_eq!(request.body, fixture_json("whatsapp/send_interactive_buttons_request.json"));
}

#[tokio::test]
async fn telegram_inline_keyboard() {
    let msg = OutboundMessage {
        buttons: choices(&[("Confirm", "confirm:bk_0001"), ("Cancel", "cancel:bk_0001")]),
        ..OutboundMessage::text("Table for 4, tomorrow 20:00. Confirm?")
    };
    let (request, id) = send_one(&target(Platform::Telegram), &msg).await;
    assert_eq!(request.body, fixture_json("telegram/send_message_inline_keyboard_request.json"));
    assert_eq!(request.path, format!("/telegram/bot{BOT_TOKEN}/sendMessage"));
    // Telegram numbers messages per chat: the stored id names the chat too.
    assert_eq!(id, "100000001:1");
}

#[tokio::test]
async fn telegram_callback_answer_and_webhook() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes);
    sender.answer_callback_query(BOT_TOKEN, "4382000000000000001", Some("Booking confirmed")).await.unwrap();
    sender
        .set_telegram_webhook(
            BOT_TOKEN,
            "https://maitre.example.test/webhooks/telegram/7000000001",
            "test-secret_token_FAKE-123",
        )
        .await
        .unwrap();
    let requests = fakes.requests();
    assert_eq!(requests[0].path, format!("/telegram/bot{BOT_TOKEN}/answerCallbackQuery"));
    assert_eq!(requests[0].body, fixture_json("telegram/answer_callback_query_request.json"));
    assert_eq!(requests[1].path, format!("/telegram/bot{BOT_TOKEN}/setWebhook"));
    assert_eq!(
        requests[1].body,
        json!({
            "url": "https://maitre.example.test/webhooks/telegram/7000000001",
            "secret_token": "test-secret_token_FAKE-123",
            "allowed_updates": ["message", "callback_query"]
        })
    );
    assert!(fakes.sent_messages().is_empty(), "neither is a message");
}

#[tokio::test]
async fn messenger_buttons_become_a_button_template() {
    let msg = OutboundMessage {
        quick_replies: choices(&[("Menu", "MENU")]),
        buttons: choices(&[("Book a table", "BOOK")]),
        footer: Some("Test Bistro".into()),
        ..OutboundMessage::text("What would you like?")
    };
    let (request, _) = send_one(&target(Platform::Messenger), &msg).await;
    assert_eq!(
        request.body["message"],
        json!({
            "attachment": {"type": "template", "payload": {
                "template_type": "button",
                "text": "What would you like?\n\nTest Bistro",
                "buttons": [{"type": "postback", "title": "Book a table", "payload": "BOOK"}]
            }},
            "quick_replies": [{"content_type": "text", "title": "Menu", "payload": "MENU"}]
        })
    );
}

/// Two sections, one row without a description.
fn booking_list() -> OutboundMessage {
    OutboundMessage {
        footer: Some("Test Bistro".into()),
        list: Some(ChoiceList {
            button: "See times".into(),
            sections: vec![
                ListSection {
                    title: "Saturday".into(),
                    rows: vec![
                        ListRow::new("SLOT_SAT_1900", "19:00").with_description("Terrace"),
                        ListRow::new("SLOT_SAT_2030", "20:30"),
                    ],
                },
                ListSection {
                    title: "Sunday".into(),
                    rows: vec![ListRow::new("SLOT_SUN_1200", "12:00").with_description("Lunch menu")],
                },
            ],
        }),
        ..OutboundMessage::text("Which time works for you?")
    }
}

#[tokio::test]
async fn whatsapp_list() {
    let (request, id) = send_one(&target(Platform::WhatsApp), &booking_list()).await;
    assert_eq!(
        request.body,
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+15550002222",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": "Which time works for you?"},
                "footer": {"text": "Test Bistro"},
                "action": {
                    "button": "See times",
                    "sections": [
                        {"title": "Saturday", "rows": [
                            {"id": "SLOT_SAT_1900", "title": "19:00", "description": "Terrace"},
                            {"id": "SLOT_SAT_2030", "title": "20:30"}
                        ]},
                        {"title": "Sunday", "rows": [
                            {"id": "SLOT_SUN_1200", "title": "12:00", "description": "Lunch menu"}
                        ]}
                    ]
                }
            }
        })
    );
    assert_eq!(request.path, format!("/graph/v25.0/{PHONE_NUMBER_ID}/messages"));
    assert_graph_auth(&request, WA_TOKEN);
    assert_eq!(id, "wamid.FAKE_1");
}

#[tokio::test]
async fn fake_graph_refuses_a_list_over_ten_rows() {
    let fakes = FakePlatforms::start().await;
    let rows: Vec<Value> = (0..11).map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")})).collect();
    let body = json!({
        "messaging_product": "whatsapp",
        "to": "+15550002222",
        "type": "interactive",
        "interactive": {"type": "list", "body": {"text": "Pick"}, "action": {
            "button": "Open",
            "sections": [{"title": "A", "rows": rows[..6]}, {"title": "B", "rows": rows[6..]}]
        }}
    });
    let response = reqwest::Client::new()
        .post(format!("{}/{PHONE_NUMBER_ID}/messages", fakes.graph_url()))
        .bearer_auth(WA_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], 100);
    assert_eq!(answer["error"]["error_data"]["details"], "Total row count exceed max allowed count: 10");
    assert!(fakes.sent_messages().is_empty());
}

#[tokio::test]
async fn telegram_list_is_one_keyboard_row_per_list_row() {
    let (request, _) = send_one(&target(Platform::Telegram), &booking_list()).await;
    assert_eq!(
        request.body,
        json!({
            "chat_id": 100000001,
            "text": "Which time works for you?\n\nTest Bistro",
            "reply_markup": {"inline_keyboard": [
                [{"text": "19:00", "callback_data": "SLOT_SAT_1900"}],
                [{"text": "20:30", "callback_data": "SLOT_SAT_2030"}],
                [{"text": "12:00", "callback_data": "SLOT_SUN_1200"}]
            ]}
        })
    );
}

#[tokio::test]
async fn messenger_list_that_fits_becomes_quick_replies() {
    let (request, _) = send_one(&target(Platform::Messenger), &booking_list()).await;
    assert_eq!(
        request.body["message"],
        json!({
            "text": "Which time works for you?\n\nTest Bistro",
            "quick_replies": [
                {"content_type": "text", "title": "19:00", "payload": "SLOT_SAT_1900"},
                {"content_type": "text", "title": "20:30", "payload": "SLOT_SAT_2030"},
                {"content_type": "text", "title": "12:00", "payload": "SLOT_SUN_1200"}
            ]
        })
    );
}

#[tokio::test]
async fn messenger_list_over_the_quick_reply_limits_becomes_numbered_lines() {
    let mut msg = booking_list();
    // 21 characters: one title over the quick-reply limit sends the whole list as text.
    msg.list.as_mut().unwrap().sections[1].rows[0].title = "12:00 on the terrace!".into();
    let (request, _) = send_one(&target(Platform::Instagram), &msg).await;
    assert_eq!(
        request.body["message"],
        json!({
            "text": "Which time works for you?\n\n1. 19:00 — Terrace\n2. 20:30\n3. 12:00 on the terrace! — Lunch menu\n\nTest Bistro"
        })
    );
    // Fourteen short rows are one more than Messenger's 13 quick replies.
    let rows = (1..=14).map(|i| ListRow::new(format!("R{i}"), format!("Row {i}"))).collect();
    let msg = OutboundMessage {
        list: Some(ChoiceList { button: "Open".into(), sections: vec![ListSection { title: String::new(), rows }] }),
        ..OutboundMessage::text("Pick")
    };
    let (request, _) = send_one(&target(Platform::Messenger), &msg).await;
    let text = request.body["message"]["text"].as_str().unwrap();
    assert!(text.starts_with("Pick\n\n1. Row 1\n2. Row 2\n"), "{text}");
    assert!(text.ends_with("\n14. Row 14"), "{text}");
    assert!(request.body["message"].get("quick_replies").is_none());
}

/// Whatever else the fake adds, it answers with every field the documented success has.
#[tokio::test]
async fn fake_answers_have_the_documented_shape() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes);
    let msg = OutboundMessage::text("Hello");
    for platform in [Platform::Instagram, Platform::WhatsApp, Platform::Telegram] {
        sender.send(&target(platform), &msg).await.unwrap();
    }
    let fixtures =
        ["instagram/send_response.json", "whatsapp/send_response.json", "telegram/send_message_response.json"];
    for (request, path) in fakes.requests().iter().zip(fixtures) {
        assert_covers(&request.response, &fixture_json(path), path);
    }
}

fn assert_covers(actual: &Value, expected: &Value, at: &str) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (key, value) in e {
                let inner = a.get(key).unwrap_or_else(|| panic!("{at}: missing {key} in {actual}"));
                assert_covers(inner, value, &format!("{at}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{at}");
            for (a, e) in a.iter().zip(e) {
                assert_covers(a, e, at);
            }
        }
        (a, e) => assert_eq!(std::mem::discriminant(a), std::mem::discriminant(e), "{at}: {a} vs {e}"),
    }
}

#[tokio::test]
async fn sent_messages_lists_accepted_sends_only() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes);
    fakes.fail_next(1, maitre_testkit::Fault::ServerError500);
    let msg = OutboundMessage::text("Hello");
    assert!(sender.send(&target(Platform::WhatsApp), &msg).await.is_err());
    for platform in ALL {
        sender.send(&target(platform), &msg).await.unwrap();
    }
    let sent: Vec<(String, String)> =
        fakes.sent_messages().into_iter().map(|SentMessage { recipient, text, .. }| (recipient, text)).collect();
    let expected = [PSID, IGSID, "+15550002222", CHAT_ID].map(|r| (r.to_owned(), "Hello".to_owned()));
    assert_eq!(sent, expected);
    assert_eq!(fakes.requests().iter().filter(|r| r.failed).count(), 1);
    // The same, over HTTP, for someone trying maitre against `maitre dev fake-platforms`.
    let over_http: Value =
        reqwest::get(format!("{}/_fake/sent", fakes.base_url())).await.unwrap().json().await.unwrap();
    assert_eq!(over_http.as_array().map(Vec::len), Some(4));
    assert_eq!(over_http[2]["recipient"], "+15550002222");
    fakes.clear();
    assert!(fakes.requests().is_empty());
}

#[test]
fn sign_meta_matches_the_signature_vectors() {
    let vectors: Value = serde_json::from_slice(&fixture("signatures.json")).unwrap();
    let secret = vectors["meta"]["app_secret"].as_str().unwrap();
    for vector in vectors["meta"]["vectors"].as_array().unwrap() {
        let body = fixture(vector["file"].as_str().unwrap());
        let header = sign_meta(secret, &body);
        assert_eq!(header, vector["valid_header"].as_str().unwrap());
        verify_meta(secret.as_bytes(), &body, Some(&header)).unwrap();
    }
}

#[tokio::test]
async fn a_private_reply_to_a_comment_has_the_documented_shape() {
    let expected = fixture_json("instagram/send_private_reply_request.json");
    let msg = OutboundMessage {
        private_reply_to: Some("18000000000000020".into()),
        ..OutboundMessage::text(expected["message"]["text"].as_str().unwrap())
    };
    let (request, _) = send_one(&target(Platform::Instagram), &msg).await;
    assert_eq!(request.body, expected);
}

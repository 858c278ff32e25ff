//! Plans with billing on (`billing.enabled`, the default plans): creating past the plan's limit is refused with
//! 402 and a reason, in the API and on pages; a larger plan allows more; with billing off nothing is limited.
use maitre_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api::call;
use crate::helpers::TestApp;

async fn create_flow(app: &TestApp, token: &str, n: usize) -> (StatusCode, Value) {
    let body = json!({"name": format!("Ablauf {n}")}).to_string();
    call(app, Method::POST, "/api/v1/flows", Some(token), Some(&body)).await
}

/// Flows created through the API until one is refused (at most 10): how many went through, and the refusal.
async fn flows_until_refused(app: &TestApp, token: &str) -> (usize, Option<(StatusCode, Value)>) {
    for n in 0..10 {
        let (status, body) = create_flow(app, token, n).await;
        if status != StatusCode::CREATED {
            return (n, Some((status, body)));
        }
    }
    (10, None)
}

#[tokio::test]
async fn the_free_plan_refuses_a_second_channel_and_a_fourth_flow_until_a_larger_plan() {
    let app = TestApp::spawn_with(|s| s.billing.enabled = true).await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    app.connect(&account, "whatsapp", "200000000000002", "WA-TOKEN-FAKE").await;
    let token = app.token(&account, Role::Admin).await;
    // One channel on Free: a Telegram bot is refused, with the reason, and not stored.
    let bot = json!({"token": "7000000001:AAFAKE"}).to_string();
    let (status, body) = call(&app, Method::POST, "/api/v1/channels/telegram", Some(&token), Some(&bot)).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(body["error"]["code"], "plan_limit", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("Free"), "{body}");
    assert_eq!(tenant.channels().list().await.unwrap().len(), 1);
    // The Channels page says so in the member's words.
    let channels = format!("/a/{account}/channels");
    let refused = owner.submit(&channels, &format!("{channels}/telegram"), &[("token", "7000000002:AAFAKE")]).await;
    assert!(refused.body.contains("Your plan “Free” allows at most 1 here (channels)"), "{}", refused.body);
    // Three flows on Free, whatever the business had.
    let had = tenant.flows().list().await.unwrap().len();
    let (made, refusal) = flows_until_refused(&app, &token).await;
    assert_eq!(had + made, 3, "flows stop at the plan's 3");
    let (status, body) = refusal.expect("a refusal");
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED, "{body}");
    assert_eq!(tenant.flows().list().await.unwrap().len(), 3, "nothing stored when refused");
    // On Pro there is room for more.
    tenant.billing().set_plan("pro").await.unwrap();
    assert_eq!(create_flow(&app, &token, 99).await.0, StatusCode::CREATED);
    let (status, body) = call(&app, Method::POST, "/api/v1/channels/telegram", Some(&token), Some(&bot)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn without_billing_nothing_is_limited() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    let token = app.token(&account, Role::Admin).await;
    let (made, refusal) = flows_until_refused(&app, &token).await;
    assert_eq!((made, refusal), (10, None));
}

#[tokio::test]
async fn past_the_plans_guest_messages_automation_pauses_and_the_messages_still_arrive() {
    let tiny = maitre_domain::entitlements::Plan {
        key: "tiny".into(),
        name: "Tiny".into(),
        price_lookup_key: None,
        limits: maitre_domain::entitlements::Limits { guest_messages_per_month: Some(2), ..Default::default() },
    };
    let app = TestApp::spawn_with(|s| {
        s.billing.enabled = true;
        s.billing.plans = vec![tiny];
        s.billing.default_plan = "tiny".into();
    })
    .await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", "200000000000002", "WA-TOKEN-FAKE").await;
    maitre_app::flows::install_published(&tenant, "restaurant_de", "test").await.unwrap();
    for guest in 0..3 {
        crate::broadcasts::guests_write(&app, guest, 1, "Hallo, Tisch für 4 morgen 20 Uhr").await;
    }
    let answered = |guest: u32| {
        let to = format!("+49170{guest:07}");
        app.fakes.sent_messages().iter().filter(|m| m.recipient == to).count()
    };
    assert_eq!((answered(0), answered(1), answered(2)), (1, 1, 0), "the third message is past the plan's two");
    let (conversations, guest_messages, _) = tenant.conversations().message_counts().await.unwrap();
    assert_eq!((conversations, guest_messages), (3, 3), "every message arrived");
    let home = owner.get(&format!("/a/{account}")).await;
    assert!(home.body.contains("Guests waiting for an answer: 1"), "the third guest waits for the team: {}", home.body);
}

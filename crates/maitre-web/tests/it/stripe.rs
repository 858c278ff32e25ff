//! Stripe's webhook over real HTTP, on both backends: a verified subscription event puts the business on the plan
//! it pays for (limits raised); redelivered and out-of-order events change nothing twice; a wrong, missing or
//! expired signature is refused with 400 and stores nothing; a cancelled subscription brings the default plan back.
use maitre_domain::Role;
use maitre_testkit::sign_stripe;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, fixture};

const SECRET: &str = "whsec_test_FAKE_do_not_use";

/// A fixture event for `account`, with its own id and `created`.
fn event(file: &str, account: &str, id: &str, created: i64) -> Vec<u8> {
    let mut e: Value = serde_json::from_slice(&fixture(file)).unwrap();
    e["id"] = id.into();
    e["created"] = created.into();
    e["data"]["object"]["metadata"]["tenant_id"] = account.into();
    serde_json::to_vec(&e).unwrap()
}

async fn post(app: &TestApp, body: &[u8], signature: Option<String>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().post(app.url("/webhooks/stripe")).body(body.to_vec());
    if let Some(s) = signature {
        req = req.header("Stripe-Signature", s);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn subscription_events_set_the_plan_once_in_order_and_only_when_signed() {
    let app = TestApp::spawn_with(|s| {
        s.billing.enabled = true;
        s.billing.stripe_webhook_secret = Some(maitre_config::Secret::new(SECRET));
    })
    .await;
    let (_, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let now = app.clock.now().timestamp();
    let plan = || async {
        (tenant.billing().plan_key().await.unwrap(), tenant.billing().subscription_status().await.unwrap())
    };

    // Refused, and nothing stored: unsigned, signed with another secret, signed too long ago, not an event.
    let pro = event("stripe/subscription_updated.json", &account, "evt_pro", now - 60);
    let mut active: Value = serde_json::from_slice(&pro).unwrap();
    active["data"]["object"]["status"] = "active".into();
    let pro = serde_json::to_vec(&active).unwrap();
    for (signature, why) in [
        (None, "missing Stripe-Signature"),
        (Some(sign_stripe("whsec_other", now, &pro)), "signature does not match"),
        (Some(sign_stripe(SECRET, now - 301, &pro)), "signature timestamp outside the tolerance"),
    ] {
        assert_eq!(post(&app, &pro, signature).await, (StatusCode::BAD_REQUEST, why.to_owned()));
    }
    let junk = br#"{"id": "evt_x", "object": "charge"}"#;
    assert_eq!(post(&app, junk, Some(sign_stripe(SECRET, now, junk))).await.0, StatusCode::BAD_REQUEST);
    app.drain().await;
    assert_eq!(plan().await, (String::new(), String::new()), "nothing changed");

    // Signed: the business is on Pro, and Pro's limits apply (a second channel fits).
    assert_eq!(post(&app, &pro, Some(sign_stripe(SECRET, now, &pro))).await.0, StatusCode::OK);
    app.drain().await;
    assert_eq!(plan().await, ("pro".to_owned(), "active".to_owned()));
    app.connect(&account, "whatsapp", "200000000000002", "WA-TOKEN-FAKE").await;
    let token = app.token(&account, Role::Admin).await;
    let bot = serde_json::json!({"token": "7000000001:AAFAKE"}).to_string();
    let (status, body) =
        crate::api::call(&app, reqwest::Method::POST, "/api/v1/channels/telegram", Some(&token), Some(&bot)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // An older event delivered late (past due, a day before) and the same event again change nothing.
    let mut older: Value =
        serde_json::from_slice(&event("stripe/subscription_updated.json", &account, "evt_old", now - 86_400)).unwrap();
    older["data"]["object"]["status"] = "past_due".into();
    let older = serde_json::to_vec(&older).unwrap();
    assert_eq!(post(&app, &older, Some(sign_stripe(SECRET, now, &older))).await.0, StatusCode::OK);
    assert_eq!(post(&app, &pro, Some(sign_stripe(SECRET, now, &pro))).await.0, StatusCode::OK, "redelivered");
    app.drain().await;
    assert_eq!(plan().await, ("pro".to_owned(), "active".to_owned()));

    // Cancelled: back on the default plan.
    let gone = event("stripe/subscription_deleted.json", &account, "evt_gone", now);
    assert_eq!(post(&app, &gone, Some(sign_stripe(SECRET, now, &gone))).await.0, StatusCode::OK);
    app.drain().await;
    assert_eq!(plan().await, (String::new(), "canceled".to_owned()));
}

#[tokio::test]
async fn without_a_webhook_secret_the_endpoint_is_not_there() {
    let app = TestApp::spawn().await;
    let body = b"{}";
    assert_eq!(post(&app, body, Some(sign_stripe(SECRET, 0, body))).await.0, StatusCode::NOT_FOUND);
}

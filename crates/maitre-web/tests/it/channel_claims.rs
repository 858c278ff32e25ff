//! Who may claim a WhatsApp number: only a token that can read it, and a confirmed claim takes the number over
//! from another business's unconfirmed one, never from a confirmed one.
use maitre_store::NotificationKind;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::webhooks::WA;

const OWNER_TOKEN: &str = "WA-OWNER-SYSTEM-USER-FAKE";

fn whatsapp(token: &str) -> [(&'static str, &str); 3] {
    [("phone_number_id", WA), ("token", token), ("name", "WhatsApp")]
}

#[tokio::test]
async fn a_token_that_cannot_read_the_number_is_refused_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    app.fakes.own_phone_number(WA, OWNER_TOKEN);
    let (c, account) = app.signup("Salon Bella", "bea@example.com").await;
    let page = format!("/a/{account}/channels");
    let res = c.submit(&page, &format!("{page}/whatsapp"), &whatsapp("WA-SOMEONE-ELSES-TOKEN")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("did not let this token read the phone number 200000000000002"), "{}", res.body);

    let admin = app.token(&account, maitre_domain::Role::Admin).await;
    let body = serde_json::json!({"phone_number_id": WA, "token": "WA-SOMEONE-ELSES-TOKEN"});
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/channels/whatsapp"))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("did not let this token read"));

    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert!(tenant.channels().list().await.unwrap().is_empty());
    assert!(app.store.route(maitre_domain::Platform::WhatsApp, WA).await.is_err(), "the number routes nowhere");
}

#[tokio::test]
async fn a_confirmed_claim_takes_the_number_from_an_unconfirmed_one_and_its_owners_are_told() {
    let app = TestApp::spawn().await;
    app.fakes.own_phone_number(WA, OWNER_TOKEN);
    // Held without confirmation, as channels connected before claims were checked are.
    let (squatter, squatter_account) = app.signup("Squatter", "sq@example.com").await;
    let held = app.connect(&squatter_account, "whatsapp", WA, "WA-UNCHECKED-FAKE").await;
    assert!(!held.verified);

    let (c, account) = app.signup("Salon Bella", "bea@example.com").await;
    let page = format!("/a/{account}/channels");
    let res = c.submit(&page, &format!("{page}/whatsapp"), &whatsapp(OWNER_TOKEN)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let routed = app.store.route(maitre_domain::Platform::WhatsApp, WA).await.unwrap();
    assert_eq!(routed.account_id.to_string(), account, "guests' messages now reach the number's owner");
    assert!(routed.verified);

    // The former holder keeps its history, needs reconnecting and hears of it on its page, bell and by mail.
    let former = app.store.tenant_for_operator(squatter_account.parse().unwrap()).await.unwrap();
    let ch = former.channels().channel(held.id).await.unwrap();
    assert_eq!(ch.status.as_str(), "needs_reconnect");
    assert!(ch.released() && !ch.verified);
    let listed = squatter.get(&format!("/a/{squatter_account}/channels")).await.body;
    assert!(listed.contains("Another business connected this account"), "{listed}");
    let owner = app.store.user_by_email("sq@example.com").await.unwrap().id;
    let notes = former.notifications().list(owner, None, 10).await.unwrap().items;
    assert_eq!(notes.len(), 1);
    assert_eq!((notes[0].kind, notes[0].text.as_str()), (NotificationKind::Channel, WA));
    let bell = squatter.get(&format!("/a/{squatter_account}/notifications")).await.body;
    assert!(bell.contains("needs to be reconnected"), "{bell}");
    app.drain().await;
    let mails = app.smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["<sq@example.com>"]);

    // Now that the owner confirmed it, nobody takes it back, not even with the owner's token.
    let res = squatter
        .submit(
            &format!("/a/{squatter_account}/channels"),
            &format!("/a/{squatter_account}/channels/whatsapp"),
            &whatsapp(OWNER_TOKEN),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("connected to another business"), "{}", res.body);
    assert_eq!(app.store.route(maitre_domain::Platform::WhatsApp, WA).await.unwrap().id, routed.id);
}

#[tokio::test]
async fn a_health_check_that_reads_the_number_confirms_an_old_channel() {
    let app = TestApp::spawn().await;
    app.fakes.own_phone_number(WA, OWNER_TOKEN);
    let (c, account) = app.signup("Salon Bella", "bea@example.com").await;
    let ch = app.connect(&account, "whatsapp", WA, OWNER_TOKEN).await;
    assert!(!ch.verified);
    let page = format!("/a/{account}/channels");
    assert_eq!(c.submit(&page, &format!("{page}/{}/verify", ch.id), &[]).await.status, StatusCode::SEE_OTHER);
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert!(tenant.channels().channel(ch.id).await.unwrap().verified);

    let (other, other_account) = app.signup("Other", "other@example.com").await;
    let res = other
        .submit(
            &format!("/a/{other_account}/channels"),
            &format!("/a/{other_account}/channels/whatsapp"),
            &whatsapp(OWNER_TOKEN),
        )
        .await;
    assert!(res.body.contains("connected to another business"), "{}", res.body);
}

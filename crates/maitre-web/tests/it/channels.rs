//! The Channels page against the fake platforms: connect, health, automatic reply, disconnect.
use maitre_domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

async fn owner() -> (TestApp, crate::helpers::Client, String) {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Salon Bella", "bea@example.com").await;
    (app, c, account)
}

#[tokio::test]
async fn a_telegram_bot_connects_registers_its_webhook_and_answers_guests() {
    let (app, c, account) = owner().await;
    let page = format!("/a/{account}/channels");
    assert!(c.get(&page).await.body.contains("No channel connected yet"));
    let res = c.submit(&page, &format!("{page}/telegram"), &[("token", "7000000001:AAFAKE-bot-token")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let listed = c.get(&page).await.body;
    assert!(listed.contains("Connected") && listed.contains("7000000001"), "{listed}");
    assert!(!listed.contains("AAFAKE-bot-token"), "a saved token is never shown again");

    // maitre told Telegram where to deliver, with a secret it then requires.
    let set = app.fakes.requests().into_iter().find(|r| r.path.ends_with("/setWebhook")).expect("setWebhook called");
    let url = set.body["url"].as_str().unwrap().to_owned();
    let secret = set.body["secret_token"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.url("/webhooks/telegram/")), "{url}");
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let channel = tenant.channels().await.unwrap().remove(0);
    assert!(!channel.credentials.contains("AAFAKE"), "sealed at rest");
    tenant.set_auto_reply(channel.id, "Hallo! Wir melden uns.").await.unwrap();
    let update = crate::helpers::fixture("telegram/message.json");
    let res = reqwest::Client::new()
        .post(&url)
        .header("x-telegram-bot-api-secret-token", &secret)
        .body(update)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.drain().await;
    assert_eq!(app.fakes.sent_messages()[0].text, "Hallo! Wir melden uns.");
}

#[tokio::test]
async fn bad_or_rejected_tokens_are_refused_with_a_reason_and_nothing_is_stored() {
    let (app, c, account) = owner().await;
    let page = format!("/a/{account}/channels");
    let res = c.submit(&page, &format!("{page}/telegram"), &[("token", "not a token")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("@BotFather"));
    app.fakes.invalidate_token("7000000002:revoked");
    let res = c.submit(&page, &format!("{page}/telegram"), &[("token", "7000000002:revoked")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Telegram did not accept the token"), "{}", res.body);
    let res = c
        .submit(&page, &format!("{page}/whatsapp"), &[("phone_number_id", "12ab"), ("token", "x"), ("name", "")])
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert!(tenant.channels().await.unwrap().is_empty());
}

#[tokio::test]
async fn whatsapp_connects_once_and_health_checks_record_their_outcome() {
    let (app, c, account) = owner().await;
    let page = format!("/a/{account}/channels");
    let fields = [("phone_number_id", "200000000000002"), ("token", "WA-SYSTEM-USER-FAKE"), ("name", "Salon WhatsApp")];
    assert_eq!(c.submit(&page, &format!("{page}/whatsapp"), &fields).await.status, StatusCode::SEE_OTHER);
    let again = c.submit(&page, &format!("{page}/whatsapp"), &fields).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("already connected"), "{}", again.body);
    // Another business cannot take over the same number either.
    let (other, _) = app.signup("Other", "other@example.com").await;
    let other_account = other.get("/").await.location.unwrap();
    let res = other.submit(&other_account, &format!("{other_account}/channels/whatsapp"), &fields).await;
    assert!(res.body.contains("already connected"));

    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let ch = tenant.channels().await.unwrap().remove(0);
    app.fakes.invalidate_token("WA-SYSTEM-USER-FAKE");
    let res = c.submit(&page, &format!("{page}/{}/verify", ch.id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let listed = c.get(&page).await.body;
    assert!(listed.contains("Token invalid"), "{listed}");
    assert_eq!(tenant.channel(ch.id).await.unwrap().status, "invalid");

    // A token that expires within a week is flagged.
    let soon = app.clock.now() + chrono::TimeDelta::days(3);
    tenant.set_channel_status(ch.id, "connected", "", Some(soon)).await.unwrap();
    assert!(c.get(&page).await.body.contains("reconnect soon"));

    let res = c.submit(&page, &format!("{page}/{}/auto-reply", ch.id), &[("text", &"x".repeat(5000))]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "WhatsApp's text limit is checked before saving");
    let res = c.submit(&page, &format!("{page}/{}/delete", ch.id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(tenant.channels().await.unwrap().is_empty());
}

#[tokio::test]
async fn only_owners_and_admins_manage_channels() {
    let (app, _, account) = owner().await;
    for role in [Role::Agent, Role::Viewer] {
        let c = app.member(&account, &format!("{role}@example.com"), role).await;
        assert_eq!(c.get(&format!("/a/{account}/channels")).await.status, StatusCode::FORBIDDEN);
        let res =
            c.submit(&format!("/a/{account}"), &format!("/a/{account}/channels/telegram"), &[("token", "7:x")]).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    }
    let admin = app.member(&account, "admin@example.com", Role::Admin).await;
    assert_eq!(admin.get(&format!("/a/{account}/channels")).await.status, StatusCode::OK);
}

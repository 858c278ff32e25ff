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
    let channel = tenant.channels().list().await.unwrap().remove(0);
    assert!(!channel.credentials.contains("AAFAKE"), "sealed at rest");
    tenant.channels().set_auto_reply(channel.id, "Hallo! Wir melden uns.").await.unwrap();
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
    assert!(tenant.channels().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn whatsapp_connects_once_and_health_checks_record_their_outcome() {
    let (app, c, account) = owner().await;
    let page = format!("/a/{account}/channels");
    let fields = [("phone_number_id", "200000000000002"), ("token", "WA-SYSTEM-USER-FAKE"), ("name", "Salon WhatsApp")];
    app.fakes.own_phone_number("200000000000002", "WA-SYSTEM-USER-FAKE");
    assert_eq!(c.submit(&page, &format!("{page}/whatsapp"), &fields).await.status, StatusCode::SEE_OTHER);
    let again = c.submit(&page, &format!("{page}/whatsapp"), &fields).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("already connected"), "{}", again.body);
    // Another business cannot take over the same number either, even with the owner's token.
    let (other, _) = app.signup("Other", "other@example.com").await;
    let other_account = other.get("/").await.location.unwrap();
    let res = other.submit(&other_account, &format!("{other_account}/channels/whatsapp"), &fields).await;
    assert!(res.body.contains("connected to another business"), "{}", res.body);

    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let ch = tenant.channels().list().await.unwrap().remove(0);
    app.fakes.invalidate_token("WA-SYSTEM-USER-FAKE");
    let res = c.submit(&page, &format!("{page}/{}/verify", ch.id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let listed = c.get(&page).await.body;
    assert!(listed.contains("Token invalid"), "{listed}");
    assert_eq!(tenant.channels().channel(ch.id).await.unwrap().status.as_str(), "invalid");

    // A token that expires within a week is flagged.
    let soon = app.clock.now() + chrono::TimeDelta::days(3);
    tenant.channels().set_channel_status(ch.id, maitre_domain::ChannelStatus::Connected, "", Some(soon)).await.unwrap();
    assert!(c.get(&page).await.body.contains("reconnect soon"));

    let res = c.submit(&page, &format!("{page}/{}/auto-reply", ch.id), &[("text", &"x".repeat(5000))]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "WhatsApp's text limit is checked before saving");
    let res = c.submit(&page, &format!("{page}/{}/delete", ch.id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(tenant.channels().list().await.unwrap().is_empty());
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

async fn with_meta_logins() -> (TestApp, crate::helpers::Client, String) {
    let app = TestApp::spawn_with(|s| {
        s.meta.app_id = "100000000000777".into();
        s.meta.login_config_id = "cfg-FAKE".into();
        s.meta.instagram_app_id = "900000000000777".into();
        s.meta.instagram_app_secret = Some(maitre_config::Secret::new("ig_app_secret_FAKE"));
        s.platforms.facebook_dialog_url = "https://facebook.example/dialog/oauth".into();
        s.platforms.instagram_dialog_url = "https://instagram.example/oauth/authorize".into();
    })
    .await;
    let (c, account) = app.signup("Trattoria Roma", "ada@example.com").await;
    (app, c, account)
}

fn state_of(location: &str) -> String {
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned()
}

#[tokio::test]
async fn facebook_login_connects_the_page_and_its_instagram_account_which_then_answer_guests() {
    let (app, c, account) = with_meta_logins().await;
    let start = c.get(&format!("/a/{account}/channels/connect/facebook")).await;
    let dialog = start.location.expect("redirect to the login dialog");
    assert!(dialog.starts_with("https://facebook.example/dialog/oauth?"), "{dialog}");
    assert!(dialog.contains("config_id=cfg-FAKE") && dialog.contains("client_id=100000000000777"));
    assert!(!dialog.contains("test_app_secret"), "the app secret never goes to the browser");
    let state = state_of(&dialog);

    // Someone else's session cannot use this state, and a forged one is refused.
    let (mallory, _) = app.signup("Evil", "mallory@example.com").await;
    let stolen = mallory.get(&format!("/oauth/facebook/callback?code=code-1&state={state}")).await;
    assert_eq!(stolen.status, StatusCode::BAD_REQUEST);
    let forged = c.get(&format!("/oauth/facebook/callback?code=code-1&state={}x", state)).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);

    let done = c.get(&format!("/oauth/facebook/callback?code=code-1&state={state}")).await;
    assert_eq!(done.location.as_deref(), Some(format!("/a/{account}/channels").as_str()));
    let page = c.get(&format!("/a/{account}/channels")).await.body;
    assert!(page.contains("Connected: Test Bistro, test_bistro."), "{page}");
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let mut platforms: Vec<_> =
        tenant.channels().list().await.unwrap().into_iter().map(|c| c.platform.as_str()).collect();
    platforms.sort();
    assert_eq!(platforms, ["instagram", "messenger"]);
    let subscribed = app.fakes.requests().iter().filter(|r| r.path.ends_with("/subscribed_apps")).count();
    assert_eq!(subscribed, 1, "the Page is subscribed to the app's webhooks");

    // The Instagram account (through the Page) answers a DM with the Page token.
    let ig = tenant
        .channels()
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.platform == maitre_domain::Platform::Instagram)
        .unwrap();
    tenant.channels().set_auto_reply(ig.id, "Ciao!").await.unwrap();
    assert_eq!(app.post_meta(&crate::helpers::fixture("instagram/text_message.json")).await.0, StatusCode::OK);
    app.drain().await;
    let send = app.fakes.requests().into_iter().find(|r| r.path.ends_with("/messages")).expect("a send");
    assert_eq!(send.headers["authorization"], format!("Bearer {}", maitre_testkit::PAGE_TOKEN));
    assert_eq!(app.fakes.sent_messages()[0].text, "Ciao!");

    // Logging in again reports what is already there.
    let again = c.get(&format!("/a/{account}/channels/connect/facebook")).await;
    c.get(&format!("/oauth/facebook/callback?code=code-2&state={}", state_of(&again.location.unwrap()))).await;
    assert!(
        c.get(&format!("/a/{account}/channels")).await.body.contains("Already connected: Test Bistro, test_bistro.")
    );
}

#[tokio::test]
async fn instagram_business_login_stores_the_60_day_token_expiry() {
    let (app, c, account) = with_meta_logins().await;
    let dialog = c.get(&format!("/a/{account}/channels/connect/instagram")).await.location.unwrap();
    assert!(dialog.contains("scope=instagram_business_basic"), "{dialog}");
    let state = state_of(&dialog);
    let failed = c.get(&format!("/oauth/instagram/callback?code=code-expired&state={state}")).await;
    assert_eq!(failed.status, StatusCode::SEE_OTHER);
    let page = c.get(&format!("/a/{account}/channels")).await.body;
    assert!(page.contains("Connecting failed: Meta refused the login: Invalid authorization code"), "{page}");
    let cancelled = c.get(&format!("/oauth/instagram/callback?error=access_denied&state={state}")).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);

    c.get(&format!("/oauth/instagram/callback?code=code-9%23_&state={state}")).await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let ig = tenant.channels().list().await.unwrap().remove(0);
    assert_eq!((ig.platform.as_str(), ig.external_id.as_str()), ("instagram", "17840000000000001"));
    let days = (ig.token_expires_at.unwrap() - chrono::Utc::now()).num_days();
    assert!((58..=60).contains(&days), "{days}");
    let creds = app.core.vault.open(tenant.account_id(), &ig.credentials).unwrap();
    assert_eq!(creds.access_token, maitre_testkit::IG_LONG_TOKEN);
    assert!(c.get(&format!("/a/{account}/channels")).await.body.contains("Token expires"));
}

#[tokio::test]
async fn a_login_that_is_not_configured_says_which_settings_are_missing() {
    let (_app, c, account) = owner().await;
    let res = c.get(&format!("/a/{account}/channels/connect/instagram")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("meta.instagram_app_id"), "{}", res.body);
}

#[tokio::test]
async fn channels_through_the_api_never_return_tokens() {
    let (app, _, account) = owner().await;
    let admin = app.token(&account, Role::Admin).await;
    let viewer = app.token(&account, Role::Viewer).await;
    let http = reqwest::Client::new();
    app.fakes.own_phone_number("200000000000002", "WA-FAKE");
    let post = |path: &str, token: &str, body: serde_json::Value| {
        http.post(app.url(path)).bearer_auth(token).json(&body).send()
    };
    let res = post(
        "/api/v1/channels/whatsapp",
        &viewer,
        serde_json::json!({"phone_number_id": "200000000000002", "token": "WA-FAKE"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(
        "/api/v1/channels/whatsapp",
        &admin,
        serde_json::json!({"phone_number_id": "200000000000002", "token": "WA-FAKE"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!((created["platform"].as_str(), created["status"].as_str()), (Some("whatsapp"), Some("connected")));
    let res = post(
        "/api/v1/channels/whatsapp",
        &admin,
        serde_json::json!({"phone_number_id": "200000000000002", "token": "WA-FAKE"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res =
        post("/api/v1/channels/telegram", &admin, serde_json::json!({"token": "7000000001:AAFAKE"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = created["id"].as_str().unwrap();
    let res = http
        .patch(app.url(&format!("/api/v1/channels/{id}")))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"auto_reply": "Ciao!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = post(&format!("/api/v1/channels/{id}/verify"), &admin, serde_json::json!({})).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let list = http.get(app.url("/api/v1/channels")).bearer_auth(&admin).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Ciao!") && !list.contains("WA-FAKE") && !list.contains("AAFAKE"), "{list}");
    let res = http.delete(app.url(&format!("/api/v1/channels/{id}"))).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Another account's token cannot see or touch this account's channels.
    let (_, other) = app.signup("Other", "other@example.com").await;
    let other_token = app.token(&other, Role::Owner).await;
    let list: serde_json::Value =
        http.get(app.url("/api/v1/channels")).bearer_auth(&other_token).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0);
    let tg = app
        .store
        .tenant_for_operator(account.parse().unwrap())
        .await
        .unwrap()
        .channels()
        .list()
        .await
        .unwrap()
        .remove(0);
    for res in [
        http.delete(app.url(&format!("/api/v1/channels/{}", tg.id))).bearer_auth(&other_token).send().await.unwrap(),
        post(&format!("/api/v1/channels/{}/verify", tg.id), &other_token, serde_json::json!({})).await.unwrap(),
    ] {
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}

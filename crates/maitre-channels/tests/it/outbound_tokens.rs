//! Token health (`verify`) and user profiles against the fakes.

use chrono::DateTime;
use maitre_channels::{InstagramLogin, Platform, TokenStatus};
use maitre_testkit::{FakePlatforms, Fault, TokenInfo};

use crate::support::send::*;

const APP_TOKEN: &str = "100000000000777|FAKE-app-secret";

#[tokio::test]
async fn verify_calls_one_light_endpoint_per_platform() {
    let fakes = FakePlatforms::start().await;
    fakes.own_phone_number(PHONE_NUMBER_ID, WA_TOKEN);
    let sender = sender(&fakes);
    let expected = [
        (
            Platform::Messenger,
            "GET",
            "/graph/v25.0/me",
            Some("id,name"),
            "Messenger via Page Test Bistro (110000000000001)",
        ),
        (Platform::Instagram, "GET", "/instagram/v25.0/me", Some("user_id,username"), "Instagram account @test_bistro"),
        (
            Platform::WhatsApp,
            "GET",
            "/graph/v25.0/200000000000002",
            Some("id,display_phone_number,verified_name"),
            "WhatsApp number +1 555-000-1111 (Test Bistro)",
        ),
        (
            Platform::Telegram,
            "POST",
            "/telegram/bot7000000001:FAKE-bot-token/getMe",
            None,
            "Telegram bot @test_bistro_bot",
        ),
    ];
    for (platform, method, path, fields, reason) in expected {
        fakes.clear();
        let health = sender.verify(&channel(platform)).await;
        assert_eq!(health.status, TokenStatus::Connected, "{platform}: {health:?}");
        assert_eq!(health.reason, reason);
        assert_eq!(health.expires_at, None, "no app credentials, no expiry");
        let requests = fakes.requests();
        assert_eq!(requests.len(), 1, "{platform}");
        assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), (method, path));
        assert_eq!(requests[0].query.get("fields").map(String::as_str), fields);
    }
}

#[tokio::test]
async fn debug_token_gives_the_earlier_expiry() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes).with_meta_app("100000000000777", "FAKE-app-secret");
    fakes.set_token_info(
        PAGE_TOKEN,
        TokenInfo { expires_at: 1_800_000_000, data_access_expires_at: 1_795_000_000, ..TokenInfo::default() },
    );
    let health = sender.verify(&channel(Platform::Messenger)).await;
    assert_eq!(health.status, TokenStatus::Connected, "{health:?}");
    assert_eq!(health.expires_at, DateTime::from_timestamp(1_795_000_000, 0));
    let debug = &fakes.requests()[1];
    assert_eq!(debug.path, "/graph/v25.0/debug_token");
    assert_eq!(debug.query["input_token"], PAGE_TOKEN);
    assert_eq!(debug.headers["authorization"], format!("Bearer {APP_TOKEN}"));

    // Instagram tokens from Business Login are not Facebook tokens: no debug_token for them.
    fakes.clear();
    sender.verify(&channel(Platform::Instagram)).await;
    assert_eq!(fakes.requests().len(), 1);
}

#[tokio::test]
async fn a_missing_permission_needs_attention() {
    let fakes = FakePlatforms::start().await;
    fakes.own_phone_number(PHONE_NUMBER_ID, WA_TOKEN);
    let sender = sender(&fakes).with_meta_app("100000000000777", "FAKE-app-secret");
    let info = TokenInfo { scopes: vec!["pages_show_list".into()], ..TokenInfo::default() };
    fakes.set_token_info(WA_TOKEN, info.clone());
    let health = sender.verify(&channel(Platform::WhatsApp)).await;
    assert_eq!(health.status, TokenStatus::NeedsAttention);
    assert!(health.reason.ends_with("the permission whatsapp_business_messaging is not granted"), "{}", health.reason);

    let mut through_page = channel(Platform::Instagram);
    through_page.instagram_login = InstagramLogin::FacebookPage;
    through_page.access_token = PAGE_TOKEN;
    fakes.set_token_info(PAGE_TOKEN, info);
    let health = sender.verify(&through_page).await;
    assert_eq!(health.status, TokenStatus::NeedsAttention);
    assert!(health.reason.contains("instagram_manage_messages"), "{}", health.reason);
}

#[tokio::test]
async fn invalid_tokens_and_failed_checks() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes);
    fakes.invalidate_token(PAGE_TOKEN);
    fakes.invalidate_token(BOT_TOKEN);
    let health = sender.verify(&channel(Platform::Messenger)).await;
    assert_eq!(health.status, TokenStatus::Invalid);
    assert!(health.reason.starts_with("Error validating access token"), "{}", health.reason);
    assert!(!health.reason.contains(PAGE_TOKEN));
    assert_eq!(sender.verify(&channel(Platform::Telegram)).await.status, TokenStatus::Invalid);

    // A server error says nothing about the token.
    fakes.fail_next(1, Fault::ServerError500);
    assert_eq!(sender.verify(&channel(Platform::WhatsApp)).await.status, TokenStatus::Unknown);
}

#[tokio::test]
async fn broken_app_credentials_leave_the_channel_verdict_alone() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes).with_meta_app("100000000000777", "FAKE-app-secret");
    fakes.invalidate_token(APP_TOKEN);
    let health = sender.verify(&channel(Platform::Messenger)).await;
    assert_eq!(health.status, TokenStatus::Connected);
    assert!(health.reason.contains("expiry unknown"), "{}", health.reason);
    assert!(!health.reason.contains("FAKE-app-secret"), "{}", health.reason);
}

#[tokio::test]
async fn profile_names_where_the_platform_has_a_profile_api() {
    let fakes = FakePlatforms::start().await;
    let sender = sender(&fakes);
    fakes.set_profile(PSID, "Ada", "Lovelace");
    let name = sender.profile_name(&channel(Platform::Messenger), PSID).await;
    assert_eq!(name.as_deref(), Some("Ada Lovelace"));
    let request = &fakes.requests()[0];
    assert_eq!(request.path, format!("/graph/v25.0/{PSID}"));
    assert_eq!(request.query["fields"], "first_name,last_name");

    let name = sender.profile_name(&channel(Platform::Instagram), IGSID).await;
    assert_eq!(name.as_deref(), Some("Test Guest"));
    assert_eq!(fakes.requests()[1].path, format!("/instagram/v25.0/{IGSID}"));

    fakes.clear();
    for platform in [Platform::WhatsApp, Platform::Telegram] {
        assert_eq!(sender.profile_name(&channel(platform), "15550002222").await, None);
    }
    assert!(fakes.requests().is_empty(), "their names come with the webhooks");

    fakes.invalidate_token(PAGE_TOKEN);
    assert_eq!(sender.profile_name(&channel(Platform::Messenger), PSID).await, None);
}

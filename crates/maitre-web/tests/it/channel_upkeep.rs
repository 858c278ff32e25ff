//! Tokens that renew themselves: the daily sweep renews Instagram tokens before they expire, verifies the others,
//! and tells owners and admins once (and again when it gets worse) about a channel that needs them.
use chrono::TimeDelta;
use maitre_app::{Grant, Platform};
use maitre_domain::Role;
use maitre_store::{ChannelAlert, NotificationKind, TenantStore};
use maitre_testkit::{REFRESHED_EXPIRES_IN, TokenInfo};

use crate::helpers::{Client, TestApp, fixture};

const IG: &str = "17840000000000001";
const PAGE: &str = "110000000000001";

struct Team {
    app: TestApp,
    owner: Client,
    account: String,
    tenant: TenantStore,
}

async fn team(app: TestApp) -> Team {
    let (owner, account) = app.signup("Trattoria Roma", "ada@example.com").await;
    app.member(&account, "admin@example.com", Role::Admin).await;
    app.member(&account, "agent@example.com", Role::Agent).await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    Team { app, owner, account, tenant }
}

impl Team {
    /// An Instagram account connected with Business Login, its token expiring in `days`.
    async fn instagram(&self, token: &str, days: i64) -> maitre_store::Channel {
        let grant = Grant {
            platform: Platform::Instagram,
            external_id: IG,
            name: "@trattoria",
            access_token: token,
            instagram_login: maitre_channels::outbound::InstagramLogin::BusinessLogin,
            expires_at: Some(self.app.clock.now() + TimeDelta::days(days)),
        };
        self.app.core.add_channel(&self.tenant, &grant, None).await.unwrap()
    }

    /// Runs the day's sweep and the checks it queues.
    async fn daily_checks(&self) {
        maitre_app::upkeep::schedule_sweep(&self.app.store).await.unwrap();
        self.app.drain().await;
    }

    async fn next_day(&self) {
        self.app.clock.advance(TimeDelta::days(1));
        self.daily_checks().await;
    }

    /// Who got mail, in order.
    /// Recipients of the mails about channels (a guest's unanswered message mails the team too).
    fn mailed(&self) -> Vec<String> {
        let about_channels = |m: &&maitre_testkit::Received| m.body_text().contains("channel");
        self.app.smtp.messages().iter().filter(about_channels).map(|m| m.to.join(",")).collect()
    }

    async fn channel_notices(&self, email: &str) -> usize {
        let user = self.app.store.user_by_email(email).await.unwrap().id;
        let notes = self.tenant.notifications().list(user, None, 50).await.unwrap().items;
        notes.iter().filter(|n| n.kind == NotificationKind::Channel).count()
    }

    async fn home(&self) -> String {
        self.owner.get(&format!("/a/{}", self.account)).await.body
    }

    fn refreshes(&self) -> usize {
        self.app.fakes.requests().iter().filter(|r| r.path.ends_with("/refresh_access_token")).count()
    }
}

#[tokio::test]
async fn an_instagram_token_is_renewed_before_it_expires_and_nobody_is_bothered() {
    let t = team(TestApp::spawn().await).await;
    let ch = t.instagram("IG-OLD-TOKEN-FAKE", 10).await;
    t.daily_checks().await;

    let now = t.tenant.channels().channel(ch.id).await.unwrap();
    let renewed_until = t.app.clock.now() + TimeDelta::seconds(REFRESHED_EXPIRES_IN);
    assert_eq!(now.token_expires_at.map(|e| e.timestamp()), Some(renewed_until.timestamp()));
    let creds = t.app.core.vault.open(t.tenant.account_id(), &now.credentials).unwrap();
    assert!(creds.access_token.starts_with("IG-REFRESHED-TOKEN-FAKE"), "the new token replaced the old one");
    assert_eq!((now.status.as_str(), now.alert), ("connected", ChannelAlert::Fine));
    let refresh = t.app.fakes.requests().into_iter().find(|r| r.path.ends_with("/refresh_access_token")).unwrap();
    assert_eq!(refresh.query["grant_type"], "ig_refresh_token");
    assert_eq!(refresh.query["access_token"], "IG-OLD-TOKEN-FAKE");

    // The next day's check finds a fresh token: no second renewal, no news.
    t.next_day().await;
    assert_eq!(t.refreshes(), 1);
    assert!(t.mailed().is_empty());
    assert_eq!(t.channel_notices("ada@example.com").await, 0);
    assert!(!t.home().await.contains("channel-alerts"));
}

#[tokio::test]
async fn a_token_that_cannot_be_renewed_warns_once_and_again_when_it_is_revoked() {
    let t = team(TestApp::spawn().await).await;
    let ch = t.instagram("IG-STUCK-TOKEN-FAKE", 5).await;
    t.app.fakes.refuse_refresh("IG-STUCK-TOKEN-FAKE");
    t.daily_checks().await;

    let now = t.tenant.channels().channel(ch.id).await.unwrap();
    assert_eq!((now.status.as_str(), now.alert), ("connected", ChannelAlert::Expiring));
    assert!(now.status_reason.contains("renewing the token failed"), "{}", now.status_reason);
    let mut mailed = t.mailed();
    mailed.sort();
    assert_eq!(mailed, ["<ada@example.com>", "<admin@example.com>"], "owners and admins, once each");
    assert_eq!(t.channel_notices("ada@example.com").await, 1);
    assert_eq!(t.channel_notices("agent@example.com").await, 0);
    assert!(t.home().await.contains("could not be renewed"));
    let page = t.owner.get(&format!("/a/{}/channels", t.account)).await.body;
    assert!(page.contains("renewing the token failed") && page.contains("reconnect soon"), "{page}");

    // Still expiring the next day: nobody is told twice.
    t.next_day().await;
    assert_eq!(t.mailed().len(), 2);

    // Then the token is revoked: worse, so everyone who can fix it hears again.
    t.app.fakes.invalidate_token("IG-STUCK-TOKEN-FAKE");
    t.next_day().await;
    let now = t.tenant.channels().channel(ch.id).await.unwrap();
    assert_eq!((now.status.as_str(), now.alert), ("invalid", ChannelAlert::Reconnect));
    assert_eq!(t.mailed().len(), 4);
    assert_eq!(t.channel_notices("ada@example.com").await, 2);
    assert!(t.home().await.contains("must be reconnected"));
}

#[tokio::test]
async fn page_tokens_are_verified_with_debug_token_and_a_send_rejected_for_its_token_alerts_at_once() {
    let app = TestApp::spawn_with(|s| s.meta.app_id = "100000000000777".into()).await;
    let t = team(app).await;
    let ch = t.app.connect(&t.account, "messenger", PAGE, "PAGE-TOKEN-FAKE").await;
    let soon = (t.app.clock.now() + TimeDelta::days(3)).timestamp();
    let info = TokenInfo { data_access_expires_at: soon, ..TokenInfo::default() };
    t.app.fakes.set_token_info("PAGE-TOKEN-FAKE", info);
    t.daily_checks().await;
    assert!(t.app.fakes.requests().iter().any(|r| r.path.ends_with("/debug_token")));
    let now = t.tenant.channels().channel(ch.id).await.unwrap();
    assert_eq!(now.alert, ChannelAlert::Expiring, "Page tokens cannot be renewed here: a new login is needed");
    assert_eq!(t.mailed().len(), 2);

    // A reply fails because the token was revoked: the check runs now, not tomorrow.
    t.tenant.channels().set_auto_reply(ch.id, "Grazie!").await.unwrap();
    t.app.fakes.invalidate_token("PAGE-TOKEN-FAKE");
    t.app.post_meta(&fixture("messenger/text_message.json")).await;
    t.app.drain().await;
    let now = t.tenant.channels().channel(ch.id).await.unwrap();
    assert_eq!((now.status.as_str(), now.alert), ("needs_reconnect", ChannelAlert::Reconnect));
    assert_eq!(t.mailed().len(), 4);
    assert_eq!(t.channel_notices("admin@example.com").await, 2);
}

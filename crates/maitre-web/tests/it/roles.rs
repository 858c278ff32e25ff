//! Roles decide what members see and change, enforced on the server for pages and API alike.
use maitre_domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn each_role_gets_exactly_the_pages_its_permissions_allow() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    // (role, home, settings, team, tokens)
    let expected = [
        (Role::Admin, StatusCode::OK, StatusCode::OK, StatusCode::OK, StatusCode::OK),
        (Role::Agent, StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        (Role::Viewer, StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
    ];
    for (role, home, settings, team, tokens) in expected {
        let c = app.member(&account, &format!("{role}@example.com"), role).await;
        for (path, want) in [("", home), ("/settings", settings), ("/team", team), ("/tokens", tokens)] {
            let got = c.get(&format!("/a/{account}{path}")).await.status;
            assert_eq!(got, want, "{role} GET {path}");
        }
        // Navigation only offers what the role may open.
        let nav = c.get(&format!("/a/{account}")).await.body;
        assert_eq!(nav.contains("/team\""), team == StatusCode::OK, "{role} team link");
    }
}

#[tokio::test]
async fn agents_cannot_change_settings_even_with_a_valid_form() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let agent = app.member(&account, "agent@example.com", Role::Agent).await;
    let fields =
        [("name", "Agent was here"), ("time_zone", "UTC"), ("locale", "en"), ("country", "DE"), ("currency", "EUR")];
    let res = agent.submit(&format!("/a/{account}"), &format!("/a/{account}/settings"), &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert_eq!(tenant.account().await.unwrap().settings.name, "Roma");
}

#[tokio::test]
async fn admins_manage_the_team_but_cannot_touch_owners_and_the_last_owner_stays() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Roma", "owner@example.com").await;
    let admin = app.member(&account, "admin@example.com", Role::Admin).await;
    app.member(&account, "agent@example.com", Role::Agent).await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let id = |email: &'static str| {
        let tenant = tenant.clone();
        async move {
            tenant.team().members().await.unwrap().into_iter().find(|m| m.email == email).unwrap().user_id.to_string()
        }
    };
    let (owner_id, agent_id) = (id("owner@example.com").await, id("agent@example.com").await);
    let team = format!("/a/{account}/team");

    let res = admin.submit(&team, &format!("{team}/{agent_id}/role"), &[("role", "viewer")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = admin.submit(&team, &format!("{team}/{agent_id}/role"), &[("role", "owner")]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "admins do not make owners");
    let res = admin.submit(&team, &format!("{team}/{owner_id}/remove"), &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN, "admins do not remove owners");
    let res = owner.submit(&team, &format!("{team}/{owner_id}/role"), &[("role", "admin")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "the last owner cannot step down");
    assert!(res.body.contains("at least one owner"));
    let res = admin.submit(&team, &format!("{team}/{agent_id}/remove"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let members = tenant.team().members().await.unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|m| m.email == "owner@example.com" && m.role == Role::Owner));
}

#[tokio::test]
async fn a_user_switches_between_their_accounts() {
    let app = TestApp::spawn().await;
    let (c, first) = app.signup("Roma", "owner@example.com").await;
    let res = c.submit("/accounts/new", "/accounts/new", &[("business_name", "Roma Zwei")]).await;
    let second = res.location.unwrap().trim_start_matches("/a/").trim_end_matches("/settings").to_owned();
    assert_ne!(first, second);
    let page = c.get(&format!("/a/{first}")).await.body;
    assert!(page.contains(&format!("/a/{second}\"")) && page.contains("Roma Zwei"), "switcher lists both");
    assert_eq!(c.get(&format!("/a/{second}/settings")).await.status, StatusCode::OK);
}

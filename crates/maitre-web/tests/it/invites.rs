//! Team invitations over real HTTP with a real SMTP sink: the email arrives with a one-time link; a new person
//! signs up through it, an existing user joins while signed in; used, expired, revoked and unknown links say so.
use chrono::TimeDelta;
use maitre_domain::Role;
use reqwest::StatusCode;

use crate::helpers::{Client, PASSWORD, TestApp};

/// Invites `email` with `role` from the team page and returns the link from the email that arrived.
async fn invite(app: &TestApp, owner: &Client, account: &str, email: &str, role: &str) -> String {
    let before = app.smtp.messages().len();
    let team = format!("/a/{account}/team");
    let res = owner.submit(&team, &format!("{team}/invites"), &[("email", email), ("role", role)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let mails = app.mails(before + 1).await;
    let mail = &mails[before];
    assert!(mail.to.len() == 1 && mail.to[0].contains(email), "{:?}", mail.to);
    let text = mail.body_text();
    assert!(text.contains("Trattoria Roma") && text.contains("7 days"), "{text}");
    let link = text.split_whitespace().find(|w| w.contains("/invites/")).expect("a link").to_owned();
    link.split_once(&app.addr.to_string()).map(|(_, path)| path.to_owned()).expect("a link to this server")
}

#[tokio::test]
async fn a_new_person_and_an_existing_user_join_through_their_links() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let link = invite(&app, &owner, &account, "nia@example.com", "agent").await;
    let team = owner.get(&format!("/a/{account}/team")).await;
    assert!(team.body.contains("nia@example.com") && team.body.contains("id=\"invites\""), "pending: {}", team.body);
    assert!(!team.body.contains(link.trim_start_matches("/invites/")), "the token is never shown again");

    let nia = app.client();
    let page = nia.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Trattoria Roma") && page.body.contains("nia@example.com"), "{}", page.body);
    let short = nia.submit(&link, &link, &[("name", "Nia"), ("password", "short")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let joined = nia.submit(&link, &link, &[("name", "Nia"), ("password", PASSWORD)]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    assert_eq!(joined.location.as_deref(), Some(format!("/a/{account}").as_str()));
    assert_eq!(nia.get(&format!("/a/{account}/contacts")).await.status, StatusCode::OK, "agents see contacts");
    assert_eq!(nia.get(&format!("/a/{account}/team")).await.status, StatusCode::FORBIDDEN);
    let again = app.client().get(&link).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already been used"), "{}", again.body);
    let members =
        app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap().team().members().await.unwrap();
    assert!(members.iter().any(|m| m.email == "nia@example.com" && m.role == Role::Agent));

    // Bea already runs her own business; she joins as a viewer while signed in.
    let (bea, _) = app.signup("Bea's Bar", "bea@example.com").await;
    let link = invite(&app, &owner, &account, "bea@example.com", "viewer").await;
    let anonymous = app.client().get(&link).await;
    assert!(anonymous.body.contains("sign in, then open this link again"), "{}", anonymous.body);
    let wrong = nia.get(&link).await;
    assert!(wrong.body.contains("You are signed in as nia@example.com"), "{}", wrong.body);
    let csrf = nia.get(&link).await.csrf();
    let refused = nia.post_form(&format!("{link}/accept"), &[("_csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let page = bea.get(&link).await;
    assert!(page.body.contains("id=\"join\""), "{}", page.body);
    let joined = bea.submit(&link, &format!("{link}/accept"), &[]).await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER);
    assert_eq!(bea.get(&format!("/a/{account}")).await.status, StatusCode::OK);
    let accounts = bea.get("/").await;
    assert_eq!(accounts.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn expired_revoked_and_unknown_links_are_refused_and_only_managers_invite() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let late = invite(&app, &owner, &account, "late@example.com", "agent").await;
    let gone = invite(&app, &owner, &account, "gone@example.com", "agent").await;
    let team = owner.get(&format!("/a/{account}/team")).await;
    let revoke = team
        .body
        .split("action=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|a| a.ends_with("/revoke") && a.contains("/invites/"))
        .expect("a revoke button")
        .to_owned();
    // The newest invitation is listed first.
    let revoked = owner.submit(&format!("/a/{account}/team"), &revoke, &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let page = app.client().get(&gone).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("withdrawn"), "{}", page.body);

    app.clock.advance(TimeDelta::days(7) + TimeDelta::minutes(1));
    let page = app.client().get(&late).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("expired"), "{}", page.body);
    let c = app.client();
    let csrf = c.get("/signin").await.csrf();
    let too_late = c.post_form(&late, &[("_csrf", &csrf), ("name", "Late"), ("password", PASSWORD)]).await;
    assert_eq!(too_late.location.as_deref(), Some(late.as_str()), "back to the link's page, which says why");
    assert!(app.store.user_by_email("late@example.com").await.is_err());

    let unknown = app.client().get("/invites/mi_not-a-real-token").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("not valid"));

    let agent = app.member(&account, "agent@example.com", Role::Agent).await;
    let csrf = agent.get(&format!("/a/{account}/contacts")).await.csrf();
    let denied = agent
        .post_form(
            &format!("/a/{account}/team/invites"),
            &[("_csrf", &csrf), ("email", "x@example.com"), ("role", "viewer")],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let admin = app.member(&account, "admin@example.com", Role::Admin).await;
    let team = format!("/a/{account}/team");
    let owner_invite =
        admin.submit(&team, &format!("{team}/invites"), &[("email", "x@example.com"), ("role", "owner")]).await;
    assert_eq!(owner_invite.status, StatusCode::FORBIDDEN, "only owners make owners");
    let invites = format!("{team}/invites");
    let member_again = admin.submit(&team, &invites, &[("email", "agent@example.com"), ("role", "viewer")]).await;
    assert_eq!(member_again.status, StatusCode::CONFLICT);
    let bad_email = admin.submit(&team, &format!("{team}/invites"), &[("email", "nope"), ("role", "viewer")]).await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// `member` creates an API token with `role` on the tokens page and returns its secret.
async fn create_token(member: &Client, account: &str, name: &str, role: &str) -> String {
    let tokens = format!("/a/{account}/tokens");
    let page = member.submit(&tokens, &tokens, &[("name", name), ("role", role)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let secret = page.body.split("<code id=\"new-token\">").nth(1).and_then(|s| s.split('<').next());
    secret.expect("the new token is shown once").to_owned()
}

async fn api_status(app: &TestApp, token: &str) -> StatusCode {
    crate::api::call(app, reqwest::Method::GET, "/api/v1/account", Some(token), None).await.0
}

#[tokio::test]
async fn a_removed_or_demoted_admin_leaves_no_working_tokens_or_invitations_behind() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let admin = app.member(&account, "admin@example.com", Role::Admin).await;
    let token = create_token(&admin, &account, "crm sync", "admin").await;
    let link = invite(&app, &admin, &account, "friend@example.com", "agent").await;
    let own_token = create_token(&owner, &account, "owner's", "admin").await;
    assert_eq!(api_status(&app, &token).await, StatusCode::OK);
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let id_of = async |email: &str| {
        tenant.team().members().await.unwrap().into_iter().find(|m| m.email == email).unwrap().user_id.to_string()
    };

    let team = format!("/a/{account}/team");
    let admin_id = id_of("admin@example.com").await;
    let removed = owner.submit(&team, &format!("{team}/{admin_id}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let shown = owner.get(&team).await.body;
    assert!(shown.contains("API tokens they created were revoked: crm sync."), "{shown}");
    assert!(shown.contains("Invitations they sent were withdrawn: friend@example.com."), "{shown}");
    assert_eq!(api_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(api_status(&app, &own_token).await, StatusCode::OK, "other members' tokens stay");
    let page = app.client().get(&link).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This invitation was withdrawn."), "{}", page.body);
    let c = app.client();
    let csrf = c.get("/signin").await.csrf();
    let refused = c.post_form(&link, &[("_csrf", &csrf), ("name", "Friend"), ("password", PASSWORD)]).await;
    assert_eq!(refused.location.as_deref(), Some(link.as_str()), "back to the page that says why");
    assert!(app.store.user_by_email("friend@example.com").await.is_err());

    // Demoted to agent, a former admin may grant no role: their admin token goes.
    let admin = app.member(&account, "admin2@example.com", Role::Admin).await;
    let token = create_token(&admin, &account, "zapier", "admin").await;
    let admin_id = id_of("admin2@example.com").await;
    let demoted = owner.submit(&team, &format!("{team}/{admin_id}/role"), &[("role", "agent")]).await;
    assert_eq!(demoted.status, StatusCode::SEE_OTHER);
    assert!(owner.get(&team).await.body.contains("API tokens they created were revoked: zapier."));
    assert_eq!(api_status(&app, &token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn malformed_invitation_links_get_a_clear_page() {
    let app = TestApp::spawn().await;
    let (c, _) = app.signup("Roma", "owner@example.com").await;
    let long = format!("/invites/mi_{}", "x".repeat(5000));
    // Text that is no token: the link's own page says so.
    // A NUL is refused before any handler, as everywhere.
    assert_eq!(c.get("/invites/%00").await.status, StatusCode::BAD_REQUEST);
    for link in ["/invites/a%2Fb", "/invites/%20", long.as_str()] {
        let page = c.get(link).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{link}");
        assert!(page.body.contains("This invitation link is not valid."), "{link}: {}", page.body);
    }
    // Not even text (bad percent-encoding): the ordinary 404 page, not the framework's plain-text rejection.
    let garbled = "/invites/%FF%FE";
    let csrf = c.get("/me").await.csrf();
    let sign_up = [("_csrf", csrf.as_str()), ("name", "Mallory"), ("password", PASSWORD)];
    for page in [
        c.get(garbled).await,
        c.post_form(garbled, &sign_up).await,
        c.post_form(&format!("{garbled}/accept"), &sign_up[..1]).await,
    ] {
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("This page does not exist"), "{}", page.body);
    }
}

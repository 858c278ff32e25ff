use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn sign_up_lands_on_the_new_business_with_a_welcome() {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Trattoria Roma", "ada@example.com").await;
    let home = c.get(&format!("/a/{account}")).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Trattoria Roma"));
    assert!(home.body.contains("Welcome, Owner!"), "flash shown once");
    assert!(!c.get(&format!("/a/{account}")).await.body.contains("Welcome, Owner!"), "and only once");
    assert_eq!(c.get("/").await.location.as_deref(), Some(format!("/a/{account}").as_str()));
}

#[tokio::test]
async fn sign_up_refuses_bad_input_with_reasons() {
    let app = TestApp::spawn().await;
    app.signup("Salon", "bea@example.com").await;
    let c = app.client();
    let cases: [(&str, &str, &str, StatusCode, &str); 3] = [
        ("Salon 2", "not-an-email", PASSWORD, StatusCode::UNPROCESSABLE_ENTITY, "valid email"),
        ("Salon 2", "cy@example.com", "short", StatusCode::UNPROCESSABLE_ENTITY, "at least 10"),
        ("   ", "cy@example.com", PASSWORD, StatusCode::UNPROCESSABLE_ENTITY, "business name"),
    ];
    for (business, email, password, status, reason) in cases {
        let res = c
            .submit(
                "/signup",
                "/signup",
                &[("business_name", business), ("name", "Bea"), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(res.status, status, "{email}");
        assert!(res.body.contains(reason), "{reason} in {}", res.body);
    }
    assert!(app.store.user_by_email("cy@example.com").await.is_err(), "nothing half-created");
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Roma", "ada@example.com").await;
    let user = app.store.user_by_email("ada@example.com").await.unwrap();
    assert_eq!(app.store.sessions_of(user.id).await.unwrap().len(), 1);
    let out = c.submit(&format!("/a/{account}"), "/signout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/signin"));
    assert!(app.store.sessions_of(user.id).await.unwrap().is_empty());
    assert_eq!(c.get(&format!("/a/{account}")).await.location.as_deref(), Some("/signin"));
}

#[tokio::test]
async fn wrong_password_fails_and_right_one_signs_in() {
    let app = TestApp::spawn().await;
    app.signup("Roma", "ada@example.com").await;
    let c = app.client();
    let bad = c.signin("ada@example.com", "wrong password!").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.body.contains("Email or password is wrong."));
    let unknown = c.signin("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "unknown emails look the same");
    let ok = c.signin("ADA@example.com ", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "email is case-insensitive");
}

#[tokio::test]
async fn password_change_ends_every_session() {
    let app = TestApp::spawn().await;
    let (laptop, account) = app.signup("Roma", "ada@example.com").await;
    let phone = app.client();
    phone.signin("ada@example.com", PASSWORD).await;
    let home = format!("/a/{account}");
    assert_eq!(phone.get(&home).await.status, StatusCode::OK);

    let wrong = laptop
        .submit(
            "/me",
            "/me/password",
            &[("current_password", "nope nope nope"), ("new_password", "another good password")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(phone.get(&home).await.status, StatusCode::OK, "a failed change ends nothing");

    let res = laptop
        .submit("/me", "/me/password", &[("current_password", PASSWORD), ("new_password", "another good password")])
        .await;
    assert_eq!(res.location.as_deref(), Some("/signin"));
    assert_eq!(phone.get(&home).await.location.as_deref(), Some("/signin"));
    assert_eq!(laptop.get(&home).await.location.as_deref(), Some("/signin"));
    assert_eq!(app.client().signin("ada@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.client().signin("ada@example.com", "another good password").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sessions_are_listed_and_revocable() {
    let app = TestApp::spawn().await;
    let (laptop, _) = app.signup("Roma", "ada@example.com").await;
    let phone = app.client();
    phone.signin("ada@example.com", PASSWORD).await;
    let user = app.store.user_by_email("ada@example.com").await.unwrap();
    let sessions = app.store.sessions_of(user.id).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let page = laptop.get("/me/sessions").await;
    assert_eq!(page.body.matches("/revoke").count(), 2);
    // The phone's session is the newest one; end it from the laptop.
    let phone_session = sessions.iter().max_by_key(|s| s.created_at).unwrap();
    assert!(page.body.contains(&format!("/me/sessions/{}/revoke", phone_session.id)));
    let res = laptop.submit("/me/sessions", &format!("/me/sessions/{}/revoke", phone_session.id), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(phone.get("/me").await.location.as_deref(), Some("/signin"));
    assert_eq!(laptop.get("/me").await.status, StatusCode::OK);
    // Another user's session id is not found.
    let (mallory, _) = app.signup("Evil", "mallory@example.com").await;
    let laptop_session = &app.store.sessions_of(user.id).await.unwrap()[0].id;
    let res = mallory.submit("/me", &format!("/me/sessions/{laptop_session}/revoke"), &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(laptop.get("/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn password_reset_link_arrives_by_smtp_works_once_and_expires() {
    let app = TestApp::spawn().await;
    app.signup("Roma", "ada@example.com").await;
    let c = app.client();
    let res = c.submit("/password/forgot", "/password/forgot", &[("email", "ada@example.com")]).await;
    assert!(res.body.contains("If an account exists"));
    let unknown = c.submit("/password/forgot", "/password/forgot", &[("email", "ghost@example.com")]).await;
    assert!(unknown.body.contains("If an account exists"), "same answer for unknown emails");
    let mails = app.mails(1).await;
    assert_eq!(mails.len(), 1, "no mail for the unknown address");
    assert!(mails[0].to[0].contains("ada@example.com"));
    let link = mails[0]
        .body_text()
        .split_whitespace()
        .find(|w| w.contains("/password/reset?token="))
        .expect("link in mail")
        .to_owned();
    let path = link.split(&app.addr.to_string()).nth(1).unwrap().to_owned();
    let token = path.split("token=").nth(1).unwrap().to_owned();

    let page = c.get(&path).await;
    assert!(page.body.contains("Choose a new password") && !page.body.contains("invalid"));
    let done = c.submit(&path, "/password/reset", &[("token", &token), ("password", "a brand new password")]).await;
    assert_eq!(done.location.as_deref(), Some("/signin"));
    assert_eq!(c.signin("ada@example.com", "a brand new password").await.status, StatusCode::SEE_OTHER);
    let again =
        c.submit("/signin", "/password/reset", &[("token", &token), ("password", "yet another password")]).await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");

    // A second link expires after the configured hour.
    c.submit("/password/forgot", "/password/forgot", &[("email", "ada@example.com")]).await;
    let mails = app.mails(2).await;
    let link = mails[1].body_text().split_whitespace().find(|w| w.contains("token=")).unwrap().to_owned();
    let token = link.split("token=").nth(1).unwrap();
    app.clock.advance(TimeDelta::minutes(61));
    let late = c.submit("/signin", "/password/reset", &[("token", token), ("password", "too late password")]).await;
    assert_eq!(late.status, StatusCode::GONE);
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Roma", "ada@example.com").await;
    let settings = format!("/a/{account}/settings");
    let fields =
        [("name", "Hacked"), ("time_zone", "Europe/Berlin"), ("locale", "de"), ("country", "DE"), ("currency", "EUR")];
    let missing = c.post_form(&settings, &fields).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("CSRF"));
    let mut forged = vec![("_csrf", "0000")];
    forged.extend_from_slice(&fields);
    assert_eq!(c.post_form(&settings, &forged).await.status, StatusCode::FORBIDDEN);
    // A token from another browser does not fit this browser's cookie.
    let other = app.client().get("/signin").await.csrf();
    let mut foreign = vec![("_csrf", other.as_str())];
    foreign.extend_from_slice(&fields);
    assert_eq!(c.post_form(&settings, &foreign).await.status, StatusCode::FORBIDDEN);
    // Sign-out without the token does nothing either.
    assert_eq!(c.post_form("/signout", &[]).await.status, StatusCode::FORBIDDEN);
    let page = c.get(&settings).await;
    assert!(page.body.contains("value=\"Roma\""), "name unchanged");
    // With the token it works.
    assert_eq!(c.submit(&settings, &settings, &fields).await.status, StatusCode::SEE_OTHER);
    assert!(c.get(&settings).await.body.contains("value=\"Hacked\""));
}

#[tokio::test]
async fn ui_follows_the_users_language() {
    let app = TestApp::spawn().await;
    let (c, account) = app.signup("Roma", "ada@example.com").await;
    let res = c.submit("/me", "/me", &[("name", "Ada"), ("locale", "de")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let home = c.get(&format!("/a/{account}")).await;
    assert!(home.body.contains("Abmelden") && home.body.contains("lang=\"de\""), "{}", home.body);
    let anon = app.client();
    let res = anon.http.get(app.url("/signin")).header("accept-language", "de-DE,de;q=0.9").send().await.unwrap();
    assert!(res.text().await.unwrap().contains("Anmelden"));
}

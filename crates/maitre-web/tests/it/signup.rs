//! Sign-up answers alike for new and registered addresses and creates the business only from the mailed link.
use chrono::TimeDelta;
use reqwest::StatusCode;

use crate::helpers::{Client, PASSWORD, TestApp, field_value, signup_link};

/// Posts the sign-up form for `email` and returns the page it answers with.
async fn sign_up(c: &Client, business: &str, email: &str) -> crate::helpers::Page {
    let fields = [("business_name", business), ("name", "Bea"), ("email", email), ("password", PASSWORD)];
    c.submit("/signup", "/signup", &fields).await
}

/// The confirmation path in a mail's body.
fn confirm_path(app: &TestApp, body: &str) -> String {
    app.path_of(signup_link(body)).to_owned()
}

#[tokio::test]
async fn sign_up_answers_alike_whether_or_not_the_email_is_registered() {
    let app = TestApp::spawn().await;
    app.signup("Salon", "bea@example.com").await;
    let c = app.client();
    let taken = sign_up(&c, "Salon 2", "bea@example.com").await;
    let fresh = sign_up(&c, "Salon 3", "cy@example.com").await;
    assert_eq!((taken.status, fresh.status), (StatusCode::OK, StatusCode::OK));
    let main = |p: &crate::helpers::Page, email: &str| {
        let start = p.body.find("<main").unwrap();
        let csrf = field_value(&p.body, "_csrf").unwrap_or_default();
        p.body[start..].replace(email, "EMAIL").replace(&csrf, "")
    };
    assert_eq!(main(&taken, "bea@example.com"), main(&fresh, "cy@example.com"), "the same page for both");
    assert!(fresh.body.contains("Check your inbox") && fresh.body.contains("cy@example.com"));
    assert!(app.store.user_by_email("cy@example.com").await.is_err(), "nothing created before the link is used");

    // The registered address hears where to sign in; nothing about it changed.
    let note = app.mail_to("bea@example.com").await.body_text();
    assert!(note.contains("already has an account") && note.contains("/signin") && note.contains("/password/forgot"));
    assert!(!note.contains("/signup/confirm"), "{note}");
    assert_eq!(
        app.store.accounts_of(app.store.user_by_email("bea@example.com").await.unwrap().id).await.unwrap().len(),
        1
    );

    // The new address gets a link; its page names what it creates and creates it on the click.
    let path = confirm_path(&app, &app.mail_to("cy@example.com").await.body_text());
    let page = c.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Salon 3") && page.body.contains("cy@example.com"), "{}", page.body);
    assert!(app.store.user_by_email("cy@example.com").await.is_err(), "opening the link creates nothing");
    let token = field_value(&page.body, "token").unwrap();
    let done = c.post_form("/signup/confirm", &[("_csrf", &page.csrf()), ("token", &token)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let home = c.get(done.location.as_deref().unwrap()).await;
    assert!(home.body.contains("Salon 3") && home.body.contains("Welcome, Bea!"), "{}", home.body);
    assert!(c.signin("cy@example.com", PASSWORD).await.location.is_some(), "the password chosen at sign-up works");

    // The link works once.
    let again = c.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("already used or expired"));
    let replay = c.submit("/signup", "/signup/confirm", &[("token", &token)]).await;
    assert_eq!(replay.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_link_expires_after_a_day_and_a_second_link_finds_the_address_taken() {
    let app = TestApp::spawn().await;
    let c = app.client();
    sign_up(&c, "Roma", "ada@example.com").await;
    sign_up(&c, "Roma", "ada@example.com").await;
    let first = confirm_path(&app, &app.mail_to("ada@example.com").await.body_text());
    let second = confirm_path(&app, &app.mail_to("ada@example.com").await.body_text());
    assert_ne!(first, second);

    // Two links for one address (the guest signed up twice): the first used creates the business, the second
    // sends its browser to sign in.
    app.confirm_signup_path(&c, &first).await;
    let other = app.client();
    let page = other.get(&second).await;
    let token = field_value(&page.body, "token").unwrap();
    let res = other.post_form("/signup/confirm", &[("_csrf", &page.csrf()), ("token", &token)]).await;
    assert_eq!(res.location.as_deref(), Some("/signin"));
    assert!(other.get("/signin").await.body.contains("already has an account"));
    let user = app.store.user_by_email("ada@example.com").await.unwrap();
    assert_eq!(app.store.accounts_of(user.id).await.unwrap().len(), 1, "one business, not two");

    sign_up(&c, "Late", "late@example.com").await;
    let late = confirm_path(&app, &app.mail_to("late@example.com").await.body_text());
    app.clock.advance(TimeDelta::hours(25));
    assert_eq!(c.get(&late).await.status, StatusCode::GONE);
    assert!(app.store.user_by_email("late@example.com").await.is_err());
}

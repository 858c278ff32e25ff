//! Sign-in pacing (issue 16.12): an attempt takes its slot before the password is checked, so parallel attempts
//! cannot all reach the check; after the free attempts each further one waits twice as long, told with 429 and
//! `Retry-After`; the right password from a known device passes a lock others ran up.
use chrono::TimeDelta;
use futures_util::future::join_all;
use reqwest::StatusCode;

use crate::helpers::{Client, PASSWORD, TestApp};

const EMAIL: &str = "ada@example.com";

/// Posts the sign-in form; returns the status and the `Retry-After` header.
async fn signin(app: &TestApp, c: &Client, csrf: &str, password: &str) -> (StatusCode, Option<String>) {
    let fields = [("_csrf", csrf), ("email", EMAIL), ("password", password)];
    let res = c.http.post(app.url("/signin")).form(&fields).send().await.unwrap();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (res.status(), retry)
}

async fn password_checks(app: &TestApp) -> u64 {
    let text = app.client().get("/metrics").await.body;
    let line = text.lines().find(|l| l.starts_with("maitre_signin_password_checks_total")).unwrap_or("x 0");
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn parallel_wrong_attempts_reach_the_password_check_at_most_the_limit_times() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.signup("Roma", EMAIL).await;
    let mut guessers = Vec::new();
    for _ in 0..30 {
        let c = app.client();
        let csrf = c.get("/signin").await.csrf();
        guessers.push((c, csrf));
    }
    let before = password_checks(&app).await;
    let answers = join_all(guessers.iter().map(|(c, csrf)| signin(&app, c, csrf, "wrong password!"))).await;
    let checked = password_checks(&app).await - before;
    let wrong = answers.iter().filter(|(s, _)| *s == StatusCode::UNAUTHORIZED).count();
    let paced = answers.iter().filter(|(s, r)| *s == StatusCode::TOO_MANY_REQUESTS && r.is_some()).count();
    assert_eq!((wrong, paced), (5, 25), "{answers:?}");
    assert_eq!(checked, 5, "only the five free attempts ran argon2");

    // Without a known device even the right password waits; the owner's browser is one and gets in.
    let stranger = app.client();
    let csrf = stranger.get("/signin").await.csrf();
    let (status, retry) = signin(&app, &stranger, &csrf, PASSWORD).await;
    assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("1")));
    let csrf = owner.get("/signin").await.csrf();
    assert_eq!(signin(&app, &owner, &csrf, PASSWORD).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_wait_doubles_after_the_free_attempts_and_a_success_starts_over() {
    let app = TestApp::spawn_with(|s| s.auth.max_failures_per_ip = 100).await;
    app.signup("Roma", EMAIL).await;
    let c = app.client();
    let csrf = c.get("/signin").await.csrf();
    for _ in 0..5 {
        assert_eq!(signin(&app, &c, &csrf, "wrong password!").await.0, StatusCode::UNAUTHORIZED);
    }
    let page = c.signin(EMAIL, PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("Please wait 1 s before trying again"), "{}", page.body);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(signin(&app, &c, &csrf, "wrong password!").await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(signin(&app, &c, &csrf, PASSWORD).await, (StatusCode::TOO_MANY_REQUESTS, Some("2".into())));
    app.clock.advance(TimeDelta::seconds(2));
    assert_eq!(signin(&app, &c, &csrf, PASSWORD).await.0, StatusCode::SEE_OTHER);

    let other = app.client();
    let csrf = other.get("/signin").await.csrf();
    assert_eq!(signin(&app, &other, &csrf, "wrong password!").await.0, StatusCode::UNAUTHORIZED, "counts start over");
}

#[tokio::test]
async fn one_ip_is_paced_across_email_addresses() {
    let app = TestApp::spawn_with(|s| s.auth.max_failures_per_ip = 8).await;
    app.signup("Roma", EMAIL).await;
    let c = app.client();
    for n in 0..8 {
        assert_eq!(c.signin(&format!("x{n}@example.com"), "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(c.signin(EMAIL, PASSWORD).await.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(TimeDelta::seconds(1));
    assert_eq!(c.signin(EMAIL, PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn reset_requests_and_sign_ups_are_limited_per_address_the_same_for_unknown_ones() {
    let app = TestApp::spawn().await;
    app.signup("Roma", EMAIL).await;
    let c = app.client();
    for email in [EMAIL, "ghost@example.com"] {
        for n in 1..=5 {
            let page = c.submit("/password/forgot", "/password/forgot", &[("email", email)]).await;
            assert_eq!(page.status, StatusCode::OK, "{email} {n}");
        }
        let page = c.get("/password/forgot").await;
        let fields = [("_csrf", page.csrf()), ("email", email.to_owned())];
        let res = c.http.post(app.url("/password/forgot")).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 60, "one more an hour: {wait}");
        assert!(res.text().await.unwrap().contains("try again in"));
    }
    // The known address got its five mails, no sixth.
    assert_eq!(app.mails(5).await.len(), 5);
    for n in 1..=5 {
        assert_ne!(signup(&app).await, StatusCode::TOO_MANY_REQUESTS, "{n}");
    }
    assert_eq!(signup(&app).await, StatusCode::TOO_MANY_REQUESTS);
}

/// Posts the sign-up form for bea@example.com from a fresh client.
async fn signup(app: &TestApp) -> StatusCode {
    let c = app.client();
    let csrf = c.get("/signup").await.csrf();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("business_name", "Roma"),
        ("name", "Bea"),
        ("email", "bea@example.com"),
        ("password", PASSWORD),
    ];
    c.http.post(app.url("/signup")).form(&fields).send().await.unwrap().status()
}

//! Passwords anyone would guess first are refused wherever one is chosen, and a change or reset needs a new one.
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

const COMMON: &str = "the most common passwords";

#[tokio::test]
async fn common_and_unchanged_passwords_are_refused_at_sign_up_change_and_reset() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let fields = [("business_name", "Roma"), ("name", "Ada"), ("email", "cy@example.com"), ("password", "Password123")];
    let refused = c.submit("/signup", "/signup", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains(COMMON), "{}", refused.body);
    assert!(app.store.user_by_email("cy@example.com").await.is_err());

    let (ada, _) = app.signup("Roma", "ada@example.com").await;
    for (new, reason) in [("qwertyuiop", COMMON), (PASSWORD, "must differ from the current one")] {
        let res = ada.submit("/me", "/me/password", &[("current_password", PASSWORD), ("new_password", new)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(res.body.contains(reason), "{new}: {}", res.body);
    }

    c.submit("/password/forgot", "/password/forgot", &[("email", "ada@example.com")]).await;
    let mail = app.mails(1).await[0].body_text();
    let token = mail.split("token=").nth(1).and_then(|s| s.split_whitespace().next()).expect("a reset link");
    for (new, reason) in [("Welcome2026", COMMON), (PASSWORD, "must differ from the current one")] {
        let res = c.submit("/signin", "/password/reset", &[("token", token), ("password", new)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        assert!(res.body.contains(reason), "{new}: {}", res.body);
    }
    let done = c.submit("/signin", "/password/reset", &[("token", token), ("password", "a brand new password")]).await;
    assert_eq!(done.location.as_deref(), Some("/signin"), "the link still works for a good password");
}

//! The client IP behind the operator's proxies (issue 16.15): the address the outermost trusted proxy added to
//! `X-Forwarded-For`, never an entry the client wrote itself; without trust, the socket peer.
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

/// Signs in with `forwarded` as the `X-Forwarded-For` header and returns the sessions page's body.
async fn sessions_after_signin(app: &TestApp, forwarded: &str) -> String {
    let c = app.client();
    let csrf = c.get("/signin").await.csrf();
    let fields = [("_csrf", csrf.as_str()), ("email", "ada@example.com"), ("password", PASSWORD)];
    let res = c.http.post(app.url("/signin")).header("x-forwarded-for", forwarded).form(&fields).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    c.get("/me/sessions").await.body
}

#[tokio::test]
async fn the_client_ip_is_the_hop_the_operators_proxy_added() {
    let cases: [(bool, u32, &str, &str); 3] = [
        (true, 1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (true, 2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (false, 1, "6.6.6.6, 203.0.113.7", "127.0.0.1"),
    ];
    for (trust, proxies, forwarded, client) in cases {
        let app = TestApp::spawn_with(|s| {
            s.auth.trust_forwarded_for = trust;
            s.auth.trusted_proxies = proxies;
        })
        .await;
        app.signup("Trattoria Roma", "ada@example.com").await;
        let body = sessions_after_signin(&app, forwarded).await;
        assert!(body.contains(&format!("<td>{client}</td>")), "{forwarded} with {proxies}: {body}");
        assert!(!body.contains("6.6.6.6"), "the client's own entry is never taken");
        assert_eq!(body.contains("203.0.113.7"), trust, "without trust the header is ignored");
    }
}

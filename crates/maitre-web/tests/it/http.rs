//! Health, readiness, metrics, request ids, security headers and limits on pages.
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::new();
    let health = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!((ready.status(), ready.text().await.unwrap()), (StatusCode::OK, "ready".to_owned()));
    c.get(app.url("/signin")).send().await.unwrap();
    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"maitre_http_requests_total{method="GET",route="/signin",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("maitre_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("maitre_job_queue_depth 0"));
}

#[tokio::test]
async fn metrics_with_a_token_answer_only_its_bearer() {
    let app = TestApp::spawn_with(|s| s.metrics.token = Some(maitre_config::Secret::new("scrape-0123456789"))).await;
    let c = reqwest::Client::new();
    let url = app.url("/metrics");
    let anonymous = c.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    for wrong in ["scrape-012345678", "scrape-0123456789x", ""] {
        assert_eq!(c.get(&url).bearer_auth(wrong).send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "{wrong}");
    }
    let scraped = c.get(&url).bearer_auth("scrape-0123456789").send().await.unwrap();
    assert_eq!(scraped.status(), StatusCode::OK);
    assert!(scraped.text().await.unwrap().contains("maitre_job_queue_depth"));
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().status(), StatusCode::OK, "health stays open");
}

#[tokio::test]
async fn every_response_has_a_request_id_and_security_headers() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in ["/signin", "/api/v1/account", "/nowhere", "/healthz"] {
        let res = c.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-request-id"].len(), 36, "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    }
    let res = c.get(app.url("/healthz")).header("x-request-id", "trace-me-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-123", "a caller's id is kept");
}

#[tokio::test]
async fn personal_data_is_never_cached_but_static_assets_are() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Roma", "owner@example.com").await;
    let paths = ["", "/team", "/contacts", "/contacts.csv", "/reservations.csv"].map(|p| format!("/a/{account}{p}"));
    for path in paths.iter().map(String::as_str).chain(["/me", "/api/v1/account"]) {
        let res = owner.http.get(app.url(path)).send().await.unwrap();
        assert_ne!(res.status(), reqwest::StatusCode::NOT_FOUND, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    let css = owner.http.get(app.url("/static/app.css")).send().await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600");
}

#[tokio::test]
async fn session_cookies_are_http_only_and_lax() {
    let app = TestApp::spawn().await;
    app.signup("Roma", "ada@example.com").await;
    let c = app.client();
    let page = c.get("/signin").await;
    let res = c
        .http
        .post(app.url("/signin"))
        .form(&[("_csrf", page.csrf().as_str()), ("email", "ada@example.com"), ("password", crate::helpers::PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("maitre_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests");
}

#[tokio::test]
async fn secure_cookies_and_hsts_behind_https() {
    let app = TestApp::spawn_with(|s| s.public_url = Some("https://maitre.example".into())).await;
    let res = reqwest::Client::new().get(app.url("/signin")).send().await.unwrap();
    assert!(res.headers()["set-cookie"].to_str().unwrap().contains("Secure"));
    assert!(res.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn oversized_and_garbage_forms_get_4xx_never_500() {
    let app = TestApp::spawn().await;
    let c = app.client();
    let csrf = c.get("/signin").await.csrf();
    let huge = "x".repeat(200 * 1024);
    let res = c.post_form("/signin", &[("_csrf", &csrf), ("email", &huge), ("password", "x")]).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let res = c.post_form("/signin", &[("_csrf", &csrf)]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "missing fields: {}", res.body);
    let res = c
        .http
        .post(app.url("/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, b'%', b'z'])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    for path in ["/a/not-an-id", "/a/00000000-0000-7000-8000-000000000000/settings", "/password/reset?token=%ff"] {
        let status = c.get(path).await.status;
        assert!(status.is_client_error() || status.is_redirection() || status == StatusCode::OK, "{path}: {status}");
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

//! URLs a business types in (the AI endpoint) may not point at maitre's machine or private network: refused when
//! saved on the page and over the API, unless the operator allowed the host (the test app allows its fakes).
use maitre_domain::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

const REFUSED: &str = "this address is not reachable from maitre: private or local network";

#[tokio::test]
async fn private_and_local_ai_endpoints_are_refused_on_saving() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let automation = format!("/a/{account}/automation");
    let port = app.fakes.base_url().rsplit(':').next().unwrap().to_owned();
    let save = |url: String| {
        let (owner, automation) = (&owner, &automation);
        async move {
            let fields = [("ai_base_url", url.as_str()), ("ai_model", "m"), ("ai_key", ""), ("ai_timeout_ms", "1000")];
            owner.submit(automation, automation, &fields).await
        }
    };
    for url in [
        format!("http://localhost:{port}/openai/v1"),
        format!("http://127.0.0.1:{}/v1", app.addr.port()),
        format!("http://[::1]:{port}/v1"),
        "http://169.254.169.254/latest".to_owned(),
        "http://[::ffff:10.0.0.1]/v1".to_owned(),
    ] {
        let page = save(url.clone()).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(page.body.contains(REFUSED), "{url}: {}", page.body);
    }
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    assert_eq!(tenant.flows().automation_settings().await.unwrap().ai_base_url, "", "nothing saved");

    let token = app.token(&account, Role::Admin).await;
    let put = |url: String| {
        let body = json!({ "read_together_ms": null, "ai_base_url": url, "ai_model": "m", "ai_timeout_ms": 1000 });
        reqwest::Client::new().request(Method::PUT, app.url("/api/v1/automation")).bearer_auth(&token).json(&body)
    };
    let res = put(format!("http://localhost:{port}/v1")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["message"], REFUSED, "{body}");

    // The operator's allowed host (the fake's address), and a public name, are accepted.
    assert_eq!(save(app.fakes.ai_url()).await.status, StatusCode::SEE_OTHER);
    assert_eq!(tenant.flows().automation_settings().await.unwrap().ai_base_url, app.fakes.ai_url());
    let res = put("https://openrouter.example/api/v1".to_owned()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "a name that does not resolve yet is checked again when called");
}

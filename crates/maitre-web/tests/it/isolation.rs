//! A member of account A can neither read nor change anything of account B, through any route: every
//! account-scoped page and API route, with every method, answers 404 for B's ids, and B's data is unchanged.
use maitre_domain::{MessageId, Role};
use maitre_store::{NewJob, TokenCreator};
use reqwest::{Method, StatusCode};

use crate::helpers::TestApp;

struct World {
    app: TestApp,
    a_owner: crate::helpers::Client,
    a: String,
    b: String,
    b_owner_id: String,
    b_agent_id: String,
    b_token_id: String,
    /// A dead job of B.
    b_job_id: String,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let (a_owner, a) = app.signup("Alpha", "alpha@example.com").await;
    let (_, b) = app.signup("Beta", "beta@example.com").await;
    app.member(&b, "beta-agent@example.com", Role::Agent).await;
    let b_tenant = app.store.tenant_for_operator(b.parse().unwrap()).await.unwrap();
    let members = b_tenant.team().members().await.unwrap();
    let id_of = |email: &str| members.iter().find(|m| m.email == email).unwrap().user_id.to_string();
    let (token, _) =
        b_tenant.team().create_api_token("beta script", Role::Admin, TokenCreator::Operator).await.unwrap();
    World {
        b_job_id: dead_job(&app, &b).await,
        b_owner_id: id_of("beta@example.com"),
        b_agent_id: id_of("beta-agent@example.com"),
        b_token_id: token.id.to_string(),
        app,
        a_owner,
        a,
        b,
    }
}

async fn dead_job(app: &TestApp, account: &str) -> String {
    let send = maitre_domain::jobs::SendJob { message: MessageId::new() };
    let job = NewJob::new(Some(account.parse().unwrap()), &send).attempts(1);
    app.store.enqueue(job).await.unwrap();
    let lease = app.clock.now() + chrono::TimeDelta::minutes(1);
    let id = app.store.claim_jobs("isolation", lease, 10).await.unwrap().remove(0).id;
    app.store.fail_job(id, "isolation", "boom", None).await.unwrap();
    id.to_string()
}

/// Every page route that names an account, each with the methods it serves, with B's ids in place.
fn page_routes(w: &World) -> Vec<(Method, String)> {
    let (a, b, user, token, job) = (&w.a, &w.b, &w.b_agent_id, &w.b_token_id, &w.b_job_id);
    vec![
        (Method::GET, format!("/a/{b}")),
        (Method::GET, format!("/a/{b}/settings")),
        (Method::POST, format!("/a/{b}/settings")),
        (Method::GET, format!("/a/{b}/team")),
        (Method::POST, format!("/a/{b}/team/{user}/role")),
        (Method::POST, format!("/a/{b}/team/{user}/remove")),
        (Method::GET, format!("/a/{b}/tokens")),
        (Method::POST, format!("/a/{b}/tokens")),
        (Method::POST, format!("/a/{b}/tokens/{token}/revoke")),
        (Method::GET, format!("/a/{b}/operations")),
        (Method::POST, format!("/a/{b}/operations/jobs/{job}/retry")),
        (Method::POST, format!("/a/{b}/operations/retry-all")),
        // B's member and token ids under A's own account.
        (Method::POST, format!("/a/{a}/team/{user}/role")),
        (Method::POST, format!("/a/{a}/team/{user}/remove")),
        (Method::POST, format!("/a/{a}/tokens/{token}/revoke")),
        (Method::POST, format!("/a/{a}/operations/jobs/{job}/retry")),
    ]
}

#[tokio::test]
async fn pages_of_another_account_answer_404_for_every_route_and_method() {
    let w = world().await;
    let csrf = w.a_owner.get(&format!("/a/{}", w.a)).await.csrf();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("name", "pwned"),
        ("role", "owner"),
        ("time_zone", "UTC"),
        ("locale", "en"),
        ("country", "DE"),
        ("currency", "EUR"),
    ];
    let mut failures = vec![];
    for (method, path) in page_routes(&w) {
        let req = w.a_owner.http.request(method.clone(), w.app.url(&path));
        let req = if method == Method::POST { req.form(&fields) } else { req };
        let status = req.send().await.unwrap().status();
        if status != StatusCode::NOT_FOUND {
            failures.push(format!("{method} {path} → {status}"));
        }
    }
    assert!(failures.is_empty(), "routes leaking across accounts:\n{}", failures.join("\n"));
    assert_b_untouched(&w).await;
}

#[tokio::test]
async fn api_tokens_of_another_account_reach_nothing() {
    let w = world().await;
    let token = w.app.token(&w.a, Role::Owner).await;
    let routes = [
        (Method::PATCH, format!("/api/v1/members/{}", w.b_agent_id), Some(r#"{"role":"viewer"}"#)),
        (Method::DELETE, format!("/api/v1/members/{}", w.b_agent_id), None),
        (Method::PATCH, format!("/api/v1/members/{}", w.b_owner_id), Some(r#"{"role":"viewer"}"#)),
        (Method::DELETE, format!("/api/v1/members/{}", w.b_owner_id), None),
        (Method::DELETE, format!("/api/v1/tokens/{}", w.b_token_id), None),
        (Method::POST, format!("/api/v1/operations/jobs/{}/retry", w.b_job_id), None),
    ];
    let client = reqwest::Client::new();
    for (method, path, body) in routes {
        let mut req = client.request(method.clone(), w.app.url(&path)).bearer_auth(&token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{method} {path}");
        let json: serde_json::Value = res.json().await.unwrap();
        assert_eq!(json["error"]["code"], "not_found");
    }
    // Reads show only the token's own account.
    let members: serde_json::Value =
        client.get(w.app.url("/api/v1/members")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let emails: Vec<&str> = members.as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["alpha@example.com"]);
    let account: serde_json::Value =
        client.get(w.app.url("/api/v1/account")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(account["id"], w.a.as_str());
    assert_b_untouched(&w).await;
}

async fn assert_b_untouched(w: &World) {
    let b = w.app.store.tenant_for_operator(w.b.parse().unwrap()).await.unwrap();
    assert_eq!(b.account().await.unwrap().settings.name, "Beta");
    let members = b.team().members().await.unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|m| m.user_id.to_string() == w.b_agent_id && m.role == Role::Agent));
    assert!(members.iter().any(|m| m.user_id.to_string() == w.b_owner_id && m.role == Role::Owner));
    assert_eq!(b.team().api_tokens().await.unwrap().len(), 1, "B's token not revoked");
    let jobs = w.app.store.troubled_jobs(Some(b.account_id()), 10).await.unwrap();
    assert_eq!(
        (jobs.len(), jobs[0].id.to_string().as_str(), jobs[0].status.as_str()),
        (1, w.b_job_id.as_str(), "dead"),
        "B's job not retried"
    );
}

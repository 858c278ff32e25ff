//! The JSON API: bearer tokens, roles, errors in one shape, and the generated OpenAPI document.
use maitre_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(b.to_owned());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    if status == StatusCode::NO_CONTENT {
        return (status, Value::Null);
    }
    (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}")))
}

#[tokio::test]
async fn tokens_authenticate_and_their_role_limits_them() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let viewer = app.token(&account, Role::Viewer).await;
    let admin = app.token(&account, Role::Admin).await;

    let (status, body) = call(&app, reqwest::Method::GET, "/api/v1/account", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/account", Some("mt_not-a-token"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, body) = call(&app, reqwest::Method::GET, "/api/v1/account", Some(&viewer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["name"], "Roma");
    assert_eq!(body["id"], account.as_str());

    let patch = r#"{"name":"Roma Nuova","time_zone":"Europe/Rome"}"#;
    let (status, body) = call(&app, reqwest::Method::PATCH, "/api/v1/account", Some(&viewer), Some(patch)).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, body) = call(&app, reqwest::Method::PATCH, "/api/v1/account", Some(&admin), Some(patch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["name"].as_str(), body["time_zone"].as_str()), (Some("Roma Nuova"), Some("Europe/Rome")));

    let (status, body) =
        call(&app, reqwest::Method::PATCH, "/api/v1/account", Some(&admin), Some(r#"{"time_zone":"Mars/Base"}"#)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("IANA"));
}

#[tokio::test]
async fn revoked_tokens_stop_working_and_secrets_are_never_listed() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let admin = app.token(&account, Role::Admin).await;
    let script = app.token(&account, Role::Viewer).await;
    let (status, list) = call(&app, reqwest::Method::GET, "/api/v1/tokens", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(&script) && !list.to_string().contains(&admin), "no secrets in listings");
    let hash = maitre_store::hash_token(&script);
    assert!(!list.to_string().contains(&hash), "nor their hashes");
    let id =
        list.as_array().unwrap().iter().find(|t| t["role"] == "viewer").unwrap()["id"].as_str().unwrap().to_owned();
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/account", Some(&script), None).await;
    assert_eq!(status, StatusCode::OK);
    let res = reqwest::Client::new()
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/account", Some(&script), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn members_can_be_listed_and_changed_through_the_api() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    app.member(&account, "agent@example.com", Role::Agent).await;
    let owner = app.token(&account, Role::Owner).await;
    let (_, members) = call(&app, reqwest::Method::GET, "/api/v1/members", Some(&owner), None).await;
    let agent = members.as_array().unwrap().iter().find(|m| m["email"] == "agent@example.com").unwrap().clone();
    let path = format!("/api/v1/members/{}", agent["user_id"].as_str().unwrap());
    let (status, body) = call(&app, reqwest::Method::PATCH, &path, Some(&owner), Some(r#"{"role":"admin"}"#)).await;
    assert_eq!((status, body["role"].as_str()), (StatusCode::OK, Some("admin")));
    let (status, body) = call(&app, reqwest::Method::PATCH, &path, Some(&owner), Some(r#"{"role":"chef"}"#)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("unknown role"));
    let (status, _) =
        call(&app, reqwest::Method::PATCH, "/api/v1/members/not-an-id", Some(&owner), Some(r#"{"role":"admin"}"#))
            .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn malformed_wrong_typed_unsupported_and_oversized_bodies_get_4xx_with_a_reason() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let admin = app.token(&account, Role::Admin).await;
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(100 * 1024));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<(&str, Option<&str>, StatusCode, &str)> = vec![
        (r#"{"name": "#, Some("application/json"), StatusCode::BAD_REQUEST, "bad_request"),
        (r#"{"name": 42}"#, Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        (r#"{"nme": "x"}"#, Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        (r#"{"name": "x"}"#, Some("text/plain"), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (&huge, Some("application/json"), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        (&deep, Some("application/json"), StatusCode::UNPROCESSABLE_ENTITY, "validation"),
        ("\u{0}\u{ff}", Some("application/json"), StatusCode::BAD_REQUEST, "bad_request"),
    ];
    for (body, content_type, status, code) in cases {
        let mut req =
            reqwest::Client::new().patch(app.url("/api/v1/account")).bearer_auth(&admin).body(body.to_owned());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), status, "{}", &body[..body.len().min(40)]);
        let json: Value = res.json().await.unwrap();
        assert_eq!(json["error"]["code"], code);
        assert!(!json["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, account_now) = call(&app, reqwest::Method::GET, "/api/v1/account", Some(&admin), None).await;
    assert_eq!(account_now["name"], "Roma", "nothing changed");
}

#[tokio::test]
async fn unknown_api_routes_and_methods_answer_in_the_json_error_shape() {
    let app = TestApp::spawn().await;
    let (status, body) = call(&app, reqwest::Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, body) = call(&app, reqwest::Method::PUT, "/api/v1/account", None, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body["error"]["message"].is_string());
}

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let app = TestApp::spawn().await;
    let (status, doc) = call(&app, reqwest::Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/account", "get"),
        ("/api/v1/account", "patch"),
        ("/api/v1/members", "get"),
        ("/api/v1/members/{user_id}", "patch"),
        ("/api/v1/members/{user_id}", "delete"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens/{token_id}", "delete"),
        ("/api/v1/operations/jobs", "get"),
        ("/api/v1/operations/jobs/{job_id}/retry", "post"),
        ("/api/v1/operations/events", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} documented");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], json!("bearer"));
}

#[tokio::test]
async fn each_token_has_its_own_request_budget_and_is_told_when_to_come_back() {
    let app = TestApp::spawn_with(|s| {
        s.auth.api_per_second = 1;
        s.auth.api_burst = 3;
    })
    .await;
    let (_, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let (busy, other) = (app.token(&account, Role::Viewer).await, app.token(&account, Role::Viewer).await);
    for n in 1..=3 {
        assert_eq!(
            call(&app, reqwest::Method::GET, "/api/v1/account", Some(&busy), None).await.0,
            StatusCode::OK,
            "{n}"
        );
    }
    let res = reqwest::Client::new().get(app.url("/api/v1/account")).bearer_auth(&busy).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(body["error"]["message"].as_str().unwrap().contains("try again in"), "{body}");
    assert_eq!(call(&app, reqwest::Method::GET, "/api/v1/account", Some(&other), None).await.0, StatusCode::OK);
    // An unknown token spends nobody's budget and is told it is unknown.
    assert_eq!(
        call(&app, reqwest::Method::GET, "/api/v1/account", Some("mt_nope"), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_body_is_one_json_object_and_whole_numbers_count_as_integers() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Roma", "owner@example.com").await;
    let admin = app.token(&account, Role::Admin).await;
    // An array would otherwise fill the fields in order: name, time_zone, locale …
    for body in [r#"["Hijacked", "Europe/Paris"]"#, r#""Hijacked""#, "42", "null"] {
        let (status, json) = call(&app, reqwest::Method::PATCH, "/api/v1/account", Some(&admin), Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(json["error"]["message"], "The body must be a JSON object.");
    }
    let (_, now) = call(&app, reqwest::Method::GET, "/api/v1/account", Some(&admin), None).await;
    assert_eq!(now["name"], "Roma", "nothing changed");

    let body = r#"{"reminder_hours": 12.0, "review_delay_hours": 3, "review_link": "", "rules": {}}"#;
    let (status, saved) = call(&app, reqwest::Method::PUT, "/api/v1/booking/settings", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["reminder_hours"], 12);
    let body = r#"{"reminder_hours": 12.5, "review_delay_hours": 3, "review_link": "", "rules": {}}"#;
    let (status, refused) =
        call(&app, reqwest::Method::PUT, "/api/v1/booking/settings", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("reminder_hours: ") && message.contains("a whole number"), "{message}");
    assert!(!message.contains("u32"), "no Rust type names: {message}");
    // Nested objects too: an empty array would otherwise read as booking rules with every default.
    let body = r#"{"reminder_hours": 0, "review_delay_hours": 1, "review_link": "", "rules": []}"#;
    let (status, _) = call(&app, reqwest::Method::PUT, "/api/v1/booking/settings", Some(&admin), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, kept) = call(&app, reqwest::Method::GET, "/api/v1/booking/settings", Some(&admin), None).await;
    assert_eq!(kept["reminder_hours"], 12, "the refused body changed nothing");
}

#[tokio::test]
async fn the_document_declares_every_answer_and_names_each_operation_once() {
    let app = TestApp::spawn().await;
    let (status, doc) = call(&app, reqwest::Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let mut ids = std::collections::HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let where_ = format!("{method} {path}");
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()), "{where_}: id used twice");
            let answers = op["responses"].as_object().unwrap();
            for status in ["401", "403", "429"] {
                assert!(answers.contains_key(status), "{where_} does not declare {status}");
            }
            if path.contains('{') {
                assert!(answers.contains_key("404") && answers.contains_key("400"), "{where_}: path id answers");
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(answers.contains_key(status), "{where_} takes a body but does not declare {status}");
                }
            }
            operations += 1;
        }
    }
    assert!(operations >= 50, "{operations}");
    let limit = &doc["paths"]["/api/v1/contacts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()["schema"];
    assert_eq!((limit["minimum"].as_i64(), limit["maximum"].as_i64()), (Some(1), Some(200)));
}

//! The live event stream lasts only as long as the session it was opened with: signing out ends it (on every
//! node), while the member's other sessions keep theirs; changing the password ends them all.
use std::time::Duration;

use maitre_store::LiveEvent;
use reqwest::{Response, StatusCode};

use crate::helpers::{Client, PASSWORD, TestApp};

async fn open(app: &TestApp, c: &Client, account: &str) -> Response {
    let stream = c.http.get(app.url(&format!("/a/{account}/events"))).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    stream
}

/// What the stream sends within `wait`, and whether it ended meanwhile.
async fn read(stream: &mut Response, wait: Duration) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + wait;
    let mut got = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Err(_) => return (got, false),
            Ok(Ok(None)) => return (got, true),
            Ok(Ok(Some(chunk))) => got.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(Err(e)) => panic!("stream failed: {e}"),
        }
    }
}

async fn notify_everyone(app: &TestApp, account: &str, text: &str) {
    let event = LiveEvent::Notification { recipient: None, kind: "test".into(), text: text.into(), link: "/".into() };
    app.store.publish(account.parse().unwrap(), event).await;
}

#[tokio::test]
async fn signing_out_ends_that_sessions_stream_and_a_new_password_ends_all() {
    let app = TestApp::spawn().await;
    let (laptop, account) = app.signup("Salon Bella", "ada@example.com").await;
    let phone = app.client();
    phone.signin("ada@example.com", PASSWORD).await;
    let mut on_laptop = open(&app, &laptop, &account).await;
    let mut on_phone = open(&app, &phone, &account).await;

    let out = laptop.submit(&format!("/a/{account}"), "/signout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/signin"));
    let (_, ended) = read(&mut on_laptop, Duration::from_secs(2)).await;
    assert!(ended, "the signed-out session's stream still runs");
    // The phone's session lives on, and so does its stream.
    notify_everyone(&app, &account, "still here").await;
    let (got, ended) = read(&mut on_phone, Duration::from_millis(500)).await;
    assert!(got.contains("still here") && !ended, "{got:?}, ended: {ended}");
    assert!(!got.contains("session"), "session events never reach a page: {got}");

    let fields = [("current_password", PASSWORD), ("new_password", "another good password")];
    assert_eq!(phone.submit("/me", "/me/password", &fields).await.location.as_deref(), Some("/signin"));
    let (_, ended) = read(&mut on_phone, Duration::from_secs(2)).await;
    assert!(ended, "a stream outlived the password change");
    // Reconnecting without a session gets no stream.
    let again = phone.http.get(app.url(&format!("/a/{account}/events"))).send().await.unwrap();
    assert_ne!(again.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"text/event-stream"[..]));
}

#[tokio::test]
async fn ending_a_session_on_one_node_ends_its_stream_on_another() {
    if maitre_testkit::backend_name() != "postgres" {
        eprintln!("skipping: several nodes need PostgreSQL");
        return;
    }
    let node1 = TestApp::spawn().await;
    let node2 = node1.second_node().await;
    let (laptop, account) = node1.signup("Salon Bella", "ada@example.com").await;
    let phone = node2.client();
    phone.signin("ada@example.com", PASSWORD).await;
    let mut on_phone = open(&node2, &phone, &account).await;

    // From the laptop (node 1), end the phone's session on the sessions page.
    let sessions = laptop.get("/me/sessions").await.body;
    let other = sessions.split("<tr").find(|row| row.contains("/revoke") && !row.contains("current")).unwrap();
    let action = other.split("action=\"").nth(1).and_then(|a| a.split('"').next()).unwrap();
    assert_eq!(laptop.submit("/me/sessions", action, &[]).await.status, StatusCode::SEE_OTHER);
    let (_, ended) = read(&mut on_phone, Duration::from_secs(2)).await;
    assert!(ended, "the ended session's stream on the other node still runs");
}

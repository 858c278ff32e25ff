//! Several nodes on one PostgreSQL database: a webhook accepted and processed by node 1 reaches an inbox whose
//! event stream is connected to node 2 (LISTEN/NOTIFY). Skipped on SQLite, which is one node by design.
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::inbox::GUEST;
use crate::webhooks::{NOW, WA, wa_text};

#[tokio::test]
async fn a_webhook_on_node_1_shows_live_on_node_2() {
    if maitre_testkit::backend_name() != "postgres" {
        eprintln!("skipping: several nodes need PostgreSQL");
        return;
    }
    let node1 = TestApp::spawn().await;
    let node2 = node1.second_node().await;
    let (_, account) = node1.signup("Salon Bella", "ada@example.com").await;
    node1.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    // The same member, signed in at node 2 (sessions live in the shared database).
    let c2 = node2.client();
    c2.signin("ada@example.com", PASSWORD).await;
    let mut stream = c2.http.get(node2.url(&format!("/a/{account}/events"))).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    let (status, _) = node1.post_meta(&wa_text("wamid.node1", GUEST, "Hallo von Knoten 1", NOW)).await;
    assert_eq!(status, StatusCode::OK);
    node1.drain().await;
    let tenant = node1.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);

    let mut received = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !received.contains("message_added") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk()).await.expect("no event within 5 s").unwrap();
        received.push_str(&String::from_utf8_lossy(&chunk.expect("stream open")));
    }
    let data = received.lines().find(|l| l.contains("message_added")).unwrap();
    assert!(data.starts_with("data: ") && data.contains(&conversation.to_string()), "{data}");
    // What node 2 then fetches for the list shows the message.
    let rows = c2.get(&format!("/a/{account}/inbox/rows")).await;
    assert!(rows.body.contains("Hallo von Knoten 1"), "{}", rows.body);
}

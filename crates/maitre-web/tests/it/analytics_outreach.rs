//! The analytics page counts what became of maitre's own messages: a broadcast's messages the platform accepted,
//! delivered and read (from WhatsApp's status webhooks), answered by the guest, or met with "stop"; on both
//! backends, in the business's days, the same when counted afresh from the stored rows.
use maitre_domain::Role;
use maitre_domain::broadcasts::Command;
use maitre_store::BroadcastDraft;
use reqwest::{Method, StatusCode};

use crate::api::call;
use crate::broadcasts::{guests_write, shop};

const TEXT: &str = "Samstag spielt bei uns eine Jazzband - reservieren Sie gern!";

/// The cells of the outreach table's row of `kind`, as text.
fn outreach_row(page: &str, kind: &str) -> Vec<String> {
    let start = page.find(&format!("<tr id=\"outreach-{kind}\">")).unwrap_or_else(|| panic!("no {kind} row: {page}"));
    let row = &page[start..start + page[start..].find("</tr>").unwrap()];
    row.split("<td").skip(1).map(|c| c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()].to_owned()).collect()
}

#[tokio::test]
async fn a_broadcasts_messages_are_counted_as_sent_delivered_read_answered_and_stopped() {
    let s = shop().await;
    let page = s.owner.get(&format!("/a/{}/analytics", s.account)).await.body;
    assert!(page.contains("id=\"outreach-empty\""), "nothing sent yet: {page}");
    guests_write(&s.app, 0, 4, "Hallo, habt ihr am Wochenende offen?").await;
    let all = maitre_store::ContactQuery { limit: 100, ..Default::default() };
    for c in s.tenant.contacts().list(&all).await.unwrap().items {
        s.tenant.contacts().set_contact_consent(c.id, true, "owner@example.com").await.unwrap();
    }
    s.app.fakes.report_sent_statuses();
    let rules = maitre_domain::segments::SegmentRules::default();
    let segment = s.tenant.segments().create("Alle", &rules).await.unwrap();
    let draft = BroadcastDraft { name: "Jazz", segment_id: segment.id, body: TEXT, template_id: None, rate: 80 };
    let id = s.tenant.broadcasts().create(&draft, None).await.unwrap().id;
    s.app.core.command_broadcast(&s.tenant, id, Command::Send).await.unwrap();
    for _ in 0..20 {
        s.app.drain().await;
        s.app.clock.advance(chrono::TimeDelta::seconds(1));
    }
    // WhatsApp says: the first two delivered, the second also read; the fourth failed later.
    let mut bodies = s.app.fakes.take_sent_statuses();
    let statuses = bodies[0]["entry"][0]["changes"][0]["value"]["statuses"].as_array_mut().unwrap();
    assert_eq!(statuses.len(), 4, "{statuses:?}");
    statuses.sort_by_key(|st| st["recipient_id"].as_str().unwrap().to_owned());
    for (st, status) in statuses.iter_mut().zip(["delivered", "read", "sent", "failed"]) {
        st["status"] = status.into();
        if status == "failed" {
            st["errors"] = serde_json::json!([{"code": 131026, "title": "Message undeliverable",
                "message": "Message undeliverable", "error_data": {"details": "Message Undeliverable."}}]);
        }
    }
    assert_eq!(s.app.post_meta(&serde_json::to_vec(&bodies[0]).unwrap()).await.0, StatusCode::OK);
    s.app.drain().await;
    // The first answers; the third says stop.
    guests_write(&s.app, 0, 1, "Super, wir kommen zu viert!").await;
    guests_write(&s.app, 2, 1, "STOP").await;
    let page = s.owner.get(&format!("/a/{}/analytics", s.account)).await.body;
    let row = outreach_row(&page, "broadcast");
    // Sent (the fourth failed), delivered, read, replied, said stop, failed.
    assert_eq!(row[0], "3", "{row:?}");
    assert_eq!(row[5], "1", "{row:?}");
    let share = |cell: &str, n: &str| cell.ends_with(&format!("({n})"));
    assert!(share(&row[1], "2") && share(&row[2], "1") && share(&row[3], "1") && share(&row[4], "1"), "{row:?}");
    assert!(row[1].starts_with("66"), "two of three: {row:?}");
    assert!(!page.contains("outreach-reminder"), "no other kind sent");
    // The API says the same.
    let token = s.app.token(&s.account, Role::Admin).await;
    let (status, json) = call(&s.app, Method::GET, "/api/v1/analytics/outreach", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let kinds = json["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 1, "{json}");
    let figures: Vec<i64> = ["sent", "delivered", "read", "failed", "replied", "opted_out"]
        .iter()
        .map(|k| kinds[0][k].as_i64().unwrap())
        .collect();
    assert_eq!((kinds[0]["kind"].as_str(), figures), (Some("broadcast"), vec![3, 2, 1, 1, 1, 1]));
    // Counting the stored rows afresh (a move to another zone recounts every figure) finds the same.
    s.app.set_time_zone(&s.account, "Europe/Paris").await;
    let (_, again) = call(&s.app, Method::GET, "/api/v1/analytics/outreach", Some(&token), None).await;
    assert_eq!(again["kinds"], json["kinds"]);
}

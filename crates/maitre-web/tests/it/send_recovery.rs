//! A WhatsApp send cut off by a crash, over real HTTP with the fake Graph API: WhatsApp's status webhook names our
//! message (`biz_opaque_callback_data`), so a send it accepted is recorded and not sent again; a send with no word
//! from WhatsApp goes out once the wait is over.
use chrono::TimeDelta;
use maitre_domain::jobs::SendJob;
use maitre_domain::{MessageId, MessageStatus, Role};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::api::call;
use crate::broadcasts::{Shop, guests_write, shop};

const ANSWER: &str = "Ja, heute bis 23 Uhr!";

/// What a node does before it dies: the send, as `maitre` makes it, straight to the fake Graph API.
async fn send_and_die(s: &Shop, message: MessageId) -> String {
    let out = s.tenant.conversations().outgoing(message).await.unwrap();
    let body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": format!("+{}", out.recipient),
        "type": "text", "text": {"preview_url": false, "body": out.body}, "biz_opaque_callback_data": message.to_string()});
    let url = format!("{}/200000000000002/messages", s.app.fakes.graph_url());
    let answer = reqwest::Client::new().post(url).bearer_auth("WA-TOKEN-FAKE").json(&body).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    out.recipient
}

/// How many messages saying `ANSWER` each guest got.
fn received(s: &Shop, guest: &str) -> usize {
    s.app
        .fakes
        .sent_messages()
        .iter()
        .filter(|m| m.text == ANSWER && m.recipient.trim_start_matches('+') == guest)
        .count()
}

#[tokio::test]
async fn a_send_cut_off_by_a_crash_waits_for_whatsapps_word_before_sending_again() {
    let s = shop().await;
    guests_write(&s.app, 0, 2, "Habt ihr heute Abend offen?").await;
    s.app.fakes.report_sent_statuses();
    let token = s.app.token(&s.account, Role::Agent).await;
    for conversation in s.tenant.conversations().conversation_ids().await.unwrap() {
        let path = format!("/api/v1/conversations/{conversation}/reply");
        let (status, answer) =
            call(&s.app, Method::POST, &path, Some(&token), Some(&json!({"text": ANSWER}).to_string())).await;
        assert!(status.is_success(), "{status} {answer}");
    }
    // A node claims both sends, makes both calls, and dies before recording either answer.
    let past = s.app.clock.now() - TimeDelta::minutes(5);
    let claimed = s.app.store.claim_jobs("dead-node", past, 100).await.unwrap();
    let sends: Vec<MessageId> =
        claimed.iter().filter(|j| j.kind == "send").map(|j| j.payload::<SendJob>().unwrap().message).collect();
    assert_eq!(sends.len(), 2, "{claimed:?}");
    let mut guests = Vec::new();
    for message in &sends {
        guests.push(send_and_die(&s, *message).await);
    }
    assert_eq!(s.app.store.reap_expired_leases().await.unwrap(), claimed.len() as u64);
    s.app.drain().await;
    assert!(guests.iter().all(|g| received(&s, g) == 1), "nothing sent again while waiting for WhatsApp's word");
    // WhatsApp's `sent` status comes for the first guest; the second's is late.
    let mut bodies = s.app.fakes.take_sent_statuses();
    assert_eq!(bodies.len(), 1, "one webhook for the number");
    let statuses = bodies[0]["entry"][0]["changes"][0]["value"]["statuses"].as_array_mut().unwrap();
    assert!(statuses.iter().all(|st| st["biz_opaque_callback_data"].is_string()), "{statuses:?}");
    statuses.retain(|st| st["recipient_id"] == guests[0].as_str());
    assert_eq!(s.app.post_meta(&serde_json::to_vec(&bodies[0]).unwrap()).await.0, StatusCode::OK);
    s.app.drain().await;
    let first = s.tenant.conversations().outgoing(sends[0]).await.unwrap();
    assert_eq!(first.status, MessageStatus::Sent, "the status recorded the send");
    // Past the wait, the second goes out again (its first call had reached WhatsApp: the one duplicate left when
    // the word comes later than the wait); the first is not sent again.
    s.app.clock.advance(TimeDelta::minutes(3));
    s.app.drain().await;
    assert_eq!((received(&s, &guests[0]), received(&s, &guests[1])), (1, 2));
    let second = s.tenant.conversations().outgoing(sends[1]).await.unwrap();
    assert_eq!(second.status, MessageStatus::Sent);
}

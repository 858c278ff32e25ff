//! "Needs reply" over real HTTP: a question no flow answers gets the channel's automatic reply once, is flagged in
//! the inbox (badge, filter, home) and tells the team once; a member's answer clears it; a guest's "thanks, see you"
//! neither wakes the automatic reply nor waits for anyone.
use maitre_store::NotificationKind;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::inbox::{GUEST, inbox_with};
use crate::webhooks::{NOW, wa_text};

const AUTO: &str = "Thanks for your message! We will get back to you shortly.";

#[tokio::test]
async fn a_question_no_flow_answers_waits_for_the_team_until_a_member_answers() {
    let app = TestApp::spawn().await;
    // The guest's first message arrives before the automatic reply is set: it is flagged all the same.
    let s = inbox_with(app, "Habt ihr glutenfreie Pasta?").await;
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let channel = tenant.channels().list().await.unwrap().remove(0);
    tenant.channels().set_auto_reply(channel.id, AUTO).await.unwrap();
    let owner = tenant.team().members().await.unwrap().remove(0).user_id;
    let unanswered = || async {
        let notes = tenant.notifications().list(owner, None, 50).await.unwrap().items;
        notes.into_iter().filter(|n| n.kind == NotificationKind::Unanswered).count()
    };
    assert_eq!(unanswered().await, 1, "the team heard of the question");

    let inbox = format!("/a/{}/inbox", s.account);
    let waiting = s.owner.get(&format!("{inbox}?filter=needs_reply")).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("glutenfreie Pasta") && waiting.body.contains("badge needs-reply"),
        "{}",
        waiting.body
    );
    assert!(s.owner.get(&s.thread()).await.body.contains("id=\"needs-reply\""));
    let home = s.owner.get(&format!("/a/{}", s.account)).await;
    assert!(home.body.contains("Guests waiting for an answer: 1"), "{}", home.body);
    let notes = s.owner.get(&format!("/a/{}/notifications", s.account)).await;
    assert!(notes.body.contains("is waiting for an answer: no flow answered their message"), "{}", notes.body);

    // A second question soon after: no second "we will get back to you", no second notice.
    let (status, _) = s.app.post_meta(&wa_text("wamid.guest2", GUEST, "Und habt ihr einen Parkplatz?", NOW + 60)).await;
    assert_eq!(status, StatusCode::OK);
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().iter().all(|m| m.text != AUTO), "the bot spoke with the guest lately");
    assert_eq!(unanswered().await, 1);

    // A member answers: nothing waits any more.
    let answer = s.act(&s.owner, "reply", &[("text", "Ja, beides!")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let waiting = s.owner.get(&format!("{inbox}?filter=needs_reply")).await;
    assert!(!waiting.body.contains("badge needs-reply") && waiting.body.contains("No conversation matches."));
    let home = s.owner.get(&format!("/a/{}", s.account)).await;
    assert!(home.body.contains("Nothing is waiting for you right now."), "{}", home.body);

    // "Danke, bis morgen!" asks nothing: no automatic reply, nothing waits, nobody is told.
    let (status, _) = s.app.post_meta(&wa_text("wamid.guest3", GUEST, "Danke, bis morgen! 👍", NOW + 120)).await;
    assert_eq!(status, StatusCode::OK);
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().iter().all(|m| m.text != AUTO));
    assert!(!s.owner.get(&s.thread()).await.body.contains("id=\"needs-reply\""));
    assert_eq!(unanswered().await, 1);
}

#[tokio::test]
async fn a_new_guests_question_gets_the_automatic_reply_once() {
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    let channel = app.connect(&account, "whatsapp", crate::webhooks::WA, "WA-TOKEN-FAKE").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    tenant.channels().set_auto_reply(channel.id, AUTO).await.unwrap();
    for (n, text) in ["Habt ihr morgen offen?", "Hallo?"].into_iter().enumerate() {
        let body = wa_text(&format!("wamid.new{n}"), GUEST, text, NOW + n as i64 * 60);
        assert_eq!(app.post_meta(&body).await.0, StatusCode::OK);
        app.drain().await;
    }
    let sent: Vec<String> = app.fakes.sent_messages().into_iter().map(|m| m.text).collect();
    assert_eq!(sent, [AUTO], "one automatic reply for two unanswered messages");
}

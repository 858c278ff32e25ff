//! What a thread shows and what handing it back does: media, story replies and comments from signed fixtures
//! (only http(s) links, images as previews), and a hand-back that restarts a flow through the queue.
use maitre_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fixture};
use crate::inbox::{GUEST, Inbox, api, inbox_with};
use crate::webhooks::{NOW, wa_text};

const IG: &str = "17840000000000001";

/// Every conversation's thread page, one after the other.
async fn all_threads(s: &Inbox) -> String {
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let mut pages = String::new();
    for id in tenant.conversations().conversation_ids().await.unwrap() {
        let page = s.owner.get(&format!("/a/{}/inbox/{id}", s.account)).await;
        assert_eq!(page.status, StatusCode::OK);
        pages.push_str(&page.body);
    }
    pages
}

#[tokio::test]
async fn media_story_replies_and_comments_show_what_they_refer_to() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let (status, _) = s.app.post_meta(&fixture("whatsapp/image_message.json")).await;
    assert_eq!(status, StatusCode::OK);
    s.app.connect(&s.account, "instagram", IG, "IG-TOKEN-FAKE").await;
    for f in ["story_reply", "story_mention", "comment", "share_attachment"] {
        let (status, _) = s.app.post_meta(&fixture(&format!("instagram/{f}.json"))).await;
        assert_eq!(status, StatusCode::OK, "{f}");
    }
    s.app.drain().await;
    let pages = all_threads(&s).await;

    let image = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=3000000000000001&#38;FAKE=1";
    assert!(pages.contains(&format!("<img src=\"{image}\" alt=\"Image\" loading=\"lazy\"")), "{pages}");
    assert!(pages.contains(&format!("href=\"{image}\" rel=\"noopener noreferrer\" referrerpolicy=\"no-referrer\"")));
    assert!(pages.contains("Is this the entrance?"), "the caption is the text");
    let story = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18000000000000001&#38;FAKE=1";
    assert!(pages.contains("Replied to your story") && pages.contains(&format!("href=\"{story}\"")), "{pages}");
    let mentioned = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18000000000000002&#38;FAKE=1";
    assert!(pages.contains("Mentioned you in their story") && pages.contains(&format!("href=\"{mentioned}\"")));
    assert!(!pages.contains(&format!("src=\"{mentioned}\"")), "a story may be a video: a link, not a preview");
    assert!(pages.contains("Commented on your post") && pages.contains("Post 18000000000000010"), "{pages}");
    let shared = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18000000000000003&#38;FAKE=1";
    assert!(pages.contains("Shared a post") && pages.contains(&format!("href=\"{shared}\"")), "{pages}");
    assert!(pages.contains("that dessert looks amazing"), "a story reply's text");

    // The API carries the same, unescaped.
    let token = s.app.token(&s.account, Role::Viewer).await;
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let mut items = vec![];
    for id in tenant.conversations().conversation_ids().await.unwrap() {
        let (_, thread) = api(&s.app, &token, reqwest::Method::GET, &format!("/api/v1/conversations/{id}"), None).await;
        items.extend(thread["items"].as_array().unwrap().iter().cloned());
    }
    let of = |kind: &str| items.iter().find(|i| i["kind"] == kind).unwrap_or_else(|| panic!("{kind}: {items:?}"));
    assert_eq!(
        of("image")["attachments"][0],
        json!({"type": "image", "url": image.replace("&#38;", "&"), "mime_type": "image/jpeg", "filename": null})
    );
    assert_eq!(
        of("story_reply")["reference"],
        json!({"type": "story", "id": "18000000000000001", "url": story.replace("&#38;", "&")})
    );
    assert_eq!(of("comment")["reference"], json!({"type": "post", "id": "18000000000000010", "url": null}));
}

#[tokio::test]
async fn links_other_than_http_are_never_rendered() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    s.app.connect(&s.account, "instagram", IG, "IG-TOKEN-FAKE").await;
    let now = s.app.clock.now().timestamp_millis();
    let image =
        json!({"mid": "m_HOSTILE_1", "attachments": [{"type": "image", "payload": {"url": "javascript:alert(1)"}}]});
    let story =
        json!({"mid": "m_HOSTILE_2", "text": "nice", "reply_to": {"story": {"id": "1", "url": "JavaScript:alert(2)"}}});
    let data =
        json!({"mid": "m_HOSTILE_3", "attachments": [{"type": "file", "payload": {"url": "data:text/html,<b>x</b>"}}]});
    for message in [image, story, data] {
        let body = json!({"object": "instagram", "entry": [{"id": IG, "time": now, "messaging": [{
            "sender": {"id": "9000000000000077"}, "recipient": {"id": IG}, "timestamp": now, "message": message
        }]}]});
        assert_eq!(s.app.post_meta(&serde_json::to_vec(&body).unwrap()).await.0, StatusCode::OK);
    }
    s.app.drain().await;
    let pages = all_threads(&s).await;
    assert!(pages.contains("Replied to your story") && pages.contains("nice"), "the messages are shown: {pages}");
    let lower = pages.to_lowercase();
    assert!(!lower.contains("javascript:") && !lower.contains("data:text"), "{pages}");
}

/// A flow that asks a question: the guest's answer proves which run is in progress.
async fn publish(s: &Inbox, name: &str, keyword: &str, question: &str) -> String {
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let def = json!({
        "triggers": [{"type": "keyword", "words": [keyword]}],
        "start": "ask",
        "nodes": [
            {"id": "ask", "type": "ask", "kind": "text", "var": "answer", "text": question, "next": "done"},
            {"id": "done", "type": "message", "text": format!("{name}: {{{{vars.answer}}}}")}
        ]
    });
    let flow = tenant.flows().create_flow(name, &def.to_string(), "").await.unwrap();
    maitre_app::flows::publish(&tenant, flow.id, "test").await.unwrap();
    flow.id.to_string()
}

#[tokio::test]
async fn handing_back_with_a_flow_ends_the_run_and_the_guest_gets_its_first_message_once() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    publish(&s, "Booking", "book", "How many guests?").await;
    let welcome = publish(&s, "Welcome", "welcome", "What can we do for you?").await;
    let guest_says = async |n: i64, text: &str| {
        let body = wa_text(&format!("wamid.guest.{n}"), GUEST, text, NOW + n);
        assert_eq!(s.app.post_meta(&body).await.0, StatusCode::OK);
        s.app.drain().await;
    };
    guest_says(1, "book").await;
    s.act(&s.owner, "takeover", &[]).await;
    let page = s.owner.get(&s.thread()).await;
    assert!(page.body.contains("id=\"handback-flow\"") && page.body.contains(">Welcome</option>"), "{}", page.body);

    let res = s.act(&s.owner, "handback", &[("flow", &welcome)]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    s.app.drain().await;
    s.app.drain().await;
    let texts = || s.app.fakes.sent_messages().into_iter().map(|m| m.text).collect::<Vec<_>>();
    assert_eq!(texts(), ["How many guests?", "What can we do for you?"]);
    let page = s.owner.get(&s.thread()).await;
    assert!(page.body.contains("Owner handed the conversation back to the bot (flow “Welcome” started)"));
    assert!(page.body.contains("id=\"takeover\""), "bot mode again");

    guest_says(2, "a table").await;
    assert_eq!(texts()[2], "Welcome: a table", "the booking run ended; the welcome run answers");
}

#[tokio::test]
async fn a_flow_that_cannot_start_is_refused_without_handing_back() {
    let s = inbox_with(TestApp::spawn().await, "Hallo!").await;
    let welcome = publish(&s, "Welcome", "welcome", "What can we do for you?").await;
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let draft = tenant.flows().create_flow("Draft only", "{}", "").await.unwrap().id.to_string();
    s.act(&s.owner, "takeover", &[]).await;

    let refused = s.act(&s.owner, "handback", &[("flow", &draft)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("“Draft only” cannot start here"), "{}", refused.body);
    for unknown in ["no-such-flow", "00000000-0000-0000-0000-000000000000"] {
        assert_eq!(s.act(&s.owner, "handback", &[("flow", unknown)]).await.status, StatusCode::NOT_FOUND);
    }
    let (_, other_account) = s.app.signup("Other Place", "eve@example.com").await;
    let theirs = {
        let t = s.app.store.tenant_for_operator(other_account.parse().unwrap()).await.unwrap();
        t.flows().create_flow("Theirs", "{}", "").await.unwrap().id.to_string()
    };
    assert_eq!(s.act(&s.owner, "handback", &[("flow", &theirs)]).await.status, StatusCode::NOT_FOUND);
    let viewer = s.app.member(&s.account, "vic@example.com", Role::Viewer).await;
    assert_eq!(s.act(&viewer, "handback", &[("flow", &welcome)]).await.status, StatusCode::FORBIDDEN);
    assert!(s.owner.get(&s.thread()).await.body.contains("id=\"handback\""), "still with the member");

    let token = s.app.token(&s.account, Role::Agent).await;
    let path = format!("/api/v1/conversations/{}/handback", s.conversation);
    let post = async |body: Option<Value>| api(&s.app, &token, reqwest::Method::POST, &path, body).await;
    assert_eq!(post(Some(json!({"flow": draft}))).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(post(Some(json!({"flow": theirs}))).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post(Some(json!({"flows": "x"}))).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(post(Some(json!({"flow": welcome}))).await.0, StatusCode::NO_CONTENT);
    s.app.drain().await;
    let texts: Vec<String> = s.app.fakes.sent_messages().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, ["What can we do for you?"]);
}

//! Notifications over real HTTP: an assignment shows on the assignee's bell and page and mails them once with the
//! link (and not after they turned that email off); reservation emails follow each member's choice; opening,
//! "mark all read", other accounts and forms without CSRF token; and the bell counting up live in Chromium.
use std::time::Duration;

use fantoccini::Locator;
use maitre_domain::booking::ReservationRequest;
use maitre_domain::{ConversationId, Role};
use maitre_store::{Filter, InboxQuery, Origin};
use maitre_testkit::Browser;
use reqwest::StatusCode;

use crate::helpers::{Client, TestApp};
use crate::webhooks::{NOW, WA, wa_text};

pub(crate) struct Team {
    pub app: TestApp,
    pub owner: Client,
    pub agent: Client,
    pub agent_id: String,
    pub account: String,
    pub conversation: ConversationId,
}

/// Ada (owner) and Bea (agent) of a salon with one guest conversation ("Guest" on WhatsApp).
pub(crate) async fn team() -> Team {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Salon Bella", "ada@example.com").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let agent = app.member(&account, "bea@example.com", Role::Agent).await;
    // A courtesy, which leaves nothing waiting: the tests count only the notifications they cause.
    let (status, _) = app.post_meta(&wa_text("wamid.notify1", "4915112345678", "Danke schön!", NOW)).await;
    assert_eq!(status, StatusCode::OK);
    app.drain().await;
    let ada = app.store.user_by_email("ada@example.com").await.unwrap().id;
    let agent_id = app.store.user_by_email("bea@example.com").await.unwrap().id.to_string();
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let q = InboxQuery {
        filter: Filter::All,
        me: ada,
        channel: None,
        tag: None,
        search: None,
        began: None,
        outcome: None,
        after: None,
        limit: 5,
    };
    let conversation = tenant.inbox().list(&q).await.unwrap().items.remove(0).id;
    Team { app, owner, agent, agent_id, account, conversation }
}

impl Team {
    pub fn path(&self, rest: &str) -> String {
        format!("/a/{}{rest}", self.account)
    }

    pub async fn assign(&self, to: &str) {
        let thread = self.path(&format!("/inbox/{}", self.conversation));
        let res = self.owner.submit(&thread, &format!("{thread}/assign"), &[("assignee", to)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }

    /// What the bell shows `client` on the account's home page ("" when nothing is unread).
    async fn bell(&self, client: &Client) -> String {
        let body = client.get(&self.path("")).await.body;
        let start = body.find("id=\"bell-count\"").expect("a bell on every account page");
        let rest = &body[start..];
        let text = &rest[rest.find('>').unwrap() + 1..rest.find("</span>").unwrap()];
        assert_eq!(rest[..rest.find('>').unwrap()].contains("hidden"), text.is_empty(), "{rest}");
        text.to_owned()
    }
}

#[tokio::test]
async fn an_assignment_reaches_the_assignees_bell_page_and_mailbox_once_with_the_link() {
    let t = team().await;
    let list = t.path("/notifications");
    let empty = t.agent.get(&list).await;
    assert!(empty.body.contains("No notifications yet."), "{}", empty.body);
    assert_eq!(t.bell(&t.agent).await, "");

    t.assign(&t.agent_id).await;
    assert_eq!(t.bell(&t.agent).await, "1");
    assert_eq!(t.bell(&t.owner).await, "", "the one who assigned hears nothing");
    let page = t.agent.get(&list).await;
    assert!(page.body.contains("The conversation with Guest was assigned to you"), "{}", page.body);
    assert!(page.body.contains("<li class=\"unread\">"), "{}", page.body);

    t.app.drain().await;
    let mails = t.app.smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["<bea@example.com>"]);
    let text = mails[0].body_text();
    let link = t.app.url(&t.path(&format!("/inbox/{}", t.conversation)));
    assert!(text.contains(&link) && text.contains("Guest"), "{text}");

    // Bea opens it: read, and on to the conversation. Nobody else can, and not without a CSRF token.
    let id = {
        let end = page.body.find("/open\"").expect("an item opens by a form");
        page.body[page.body[..end].rfind('/').unwrap() + 1..end].to_owned()
    };
    assert_eq!(id.len(), 36, "a notification id: {id}");
    let open = t.path(&format!("/notifications/{id}/open"));
    assert_eq!(t.agent.post_form(&open, &[]).await.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(t.owner.submit(&list, &open, &[]).await.status, StatusCode::NOT_FOUND, "not the owner's");
    let (stranger, elsewhere) = t.app.signup("Other Place", "eve@example.com").await;
    assert_eq!(stranger.get(&list).await.status, StatusCode::NOT_FOUND);
    let theirs = format!("/a/{elsewhere}/notifications");
    assert_eq!(stranger.submit(&theirs, &format!("{theirs}/{id}/open"), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.bell(&t.agent).await, "1");
    let opened = t.agent.submit(&list, &open, &[]).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert_eq!(opened.location.as_deref(), Some(t.path(&format!("/inbox/{}", t.conversation)).as_str()));
    assert_eq!(t.bell(&t.agent).await, "");

    // Bea turns assignment emails off: the next assignment shows on the bell only.
    let email = t.path("/notifications/email");
    assert_eq!(t.agent.post_form(&email, &[("handoff", "on")]).await.status, StatusCode::FORBIDDEN, "no CSRF token");
    let saved = t.agent.submit(&list, &email, &[("handoff", "on"), ("reservation", "on")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = t.agent.get(&list).await.body;
    assert!(page.contains("name=\"assigned\">") && page.contains("name=\"reservation\" checked>"), "{page}");
    t.assign("").await;
    t.assign(&t.agent_id).await;
    t.app.drain().await;
    assert_eq!(t.bell(&t.agent).await, "1");
    assert_eq!(t.app.smtp.messages().len(), 1, "no second email");

    let read = t.agent.submit(&list, &t.path("/notifications/read"), &[]).await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    assert_eq!(t.bell(&t.agent).await, "");
    assert!(!t.agent.get(&list).await.body.contains("class=\"unread\""));
}

#[tokio::test]
async fn reservation_emails_go_to_the_members_who_chose_them_with_the_link() {
    let t = team().await;
    let list = t.path("/notifications");
    let email = t.path("/notifications/email");
    let owner_off = t.owner.submit(&list, &email, &[("handoff", "on"), ("assigned", "on")]).await;
    assert_eq!(owner_off.status, StatusCode::SEE_OTHER);
    let fields = [("handoff", "on"), ("assigned", "on"), ("reservation", "on")];
    assert_eq!(t.agent.submit(&list, &email, &fields).await.status, StatusCode::SEE_OTHER);

    let tenant = t.app.store.tenant_for_operator(t.account.parse().unwrap()).await.unwrap();
    let req = ReservationRequest {
        starts_at: chrono::NaiveDateTime::parse_from_str("2026-09-23 19:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 4,
        service: None,
        name: "Clara Wirth".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    let booked =
        tenant.reservations().create_reservation(&req, chrono_tz::Europe::Berlin, &Origin::staff()).await.unwrap();
    let maitre_store::Booking::Booked(r) = booked else { panic!("not booked: {booked:?}") };
    t.app.drain().await;
    let mails = t.app.smtp.messages();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].to, ["<bea@example.com>"]);
    let text = mails[0].body_text();
    assert!(text.contains("Clara Wirth") && text.contains(&t.app.url(&t.path(&format!("/reservations/{}", r.id)))));

    for client in [&t.owner, &t.agent] {
        assert_eq!(t.bell(client).await, "1");
        let page = client.get(&list).await.body;
        assert!(page.contains("New reservation: Clara Wirth · 2026-09-23 19:00 · 👥 4"), "{page}");
    }
}

/// Bea has an account page open; when Ada assigns her a conversation, her bell counts it without a reload.
#[tokio::test]
async fn the_bell_counts_up_live_when_a_conversation_is_assigned() {
    let Some(b) = Browser::start().await else { return };
    let t = team().await;
    crate::browser::sign_in(&b, &t.app, "bea@example.com").await;
    b.client.goto(&t.app.url(&t.path("/reservations"))).await.unwrap();
    let bell_text = async || b.client.find(Locator::Id("bell-count")).await.unwrap().text().await.unwrap();
    let mut connected = false;
    for _ in 0..100 {
        if b.client.find(Locator::Css("#bell[data-opened]")).await.is_ok() {
            connected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(connected, "the bell's event stream never opened");
    assert_eq!(bell_text().await, "");

    t.assign(&t.agent_id).await;
    let mut shown = String::new();
    for _ in 0..100 {
        shown = bell_text().await;
        if shown == "1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(shown, "1", "the bell did not count the assignment live");
    b.close().await;
}

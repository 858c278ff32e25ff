//! "Send later" over real HTTP with the fake platforms and the manual clock: a message scheduled in a thread in the
//! business's local time goes once when due and not before; it can be moved and cancelled until then; when due it
//! meets the messaging window of that moment (closed: failed with the reason, a member's late Instagram message:
//! the human-agent tag); and the JSON API with its refusals.
use chrono::TimeDelta;
use maitre_domain::jobs::ScheduledSendJob;
use maitre_domain::scheduled::ScheduledStatus;
use maitre_domain::{Direction, MessageStatus, Role};
use maitre_store::{NewJob, ThreadItem, ThreadMessage};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, fixture};
use crate::inbox::{GUEST, Inbox, api, inbox_with};

/// A Berlin business whose guest wrote on WhatsApp at 16:13 local time on 21 September 2026 (the clock shows
/// 16:15, i.e. 14:15 UTC).
async fn berlin() -> Inbox {
    let s = inbox_with(TestApp::spawn().await, "Habt ihr morgen früh offen?").await;
    s.app.set_time_zone(&s.account, "Europe/Berlin").await;
    s
}

async fn tenant(s: &Inbox) -> maitre_store::TenantStore {
    s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap()
}

/// Submits a form of the "Send later" panel: `action` after `…/later` ("" to schedule, "/{id}", "/{id}/cancel").
async fn later(s: &Inbox, action: &str, fields: &[(&str, &str)]) -> Page {
    s.owner.submit(&s.thread(), &format!("{}/later{action}", s.thread()), fields).await
}

/// The ids of the scheduled messages a thread page lists.
fn listed(page: &str) -> Vec<String> {
    let marker = "id=\"scheduled-";
    page.match_indices(marker).map(|(at, _)| page[at + marker.len()..at + marker.len() + 36].to_owned()).collect()
}

/// The conversation's outbound messages, oldest first.
async fn outbound(s: &Inbox) -> Vec<ThreadMessage> {
    let items = tenant(s).await.inbox().thread(s.conversation).await.unwrap();
    let out = items.into_iter().filter_map(|i| match i {
        ThreadItem::Message(m) if m.direction == Direction::Out => Some(m),
        _ => None,
    });
    out.collect()
}

#[tokio::test]
async fn a_message_scheduled_in_the_thread_goes_once_at_its_local_time() {
    let s = berlin().await;
    let text = "Guten Morgen! Ja, ab 9 Uhr sind wir da.";
    let done = later(&s, "", &[("text", text), ("at", "2026-09-22T09:00")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = s.owner.get(&s.thread()).await.body;
    assert!(page.contains("22 Sep 2026, 09:00") && page.contains(text), "in the business's time: {page}");
    assert!(!page.contains("07:00"), "never in UTC");
    assert!(page.contains("Send later · Scheduled (1)"), "the folded panel counts it: {page}");
    let id = listed(&page).pop().expect("listed as scheduled");

    // 08:59 in Berlin: not yet.
    s.app.clock.advance(TimeDelta::minutes(16 * 60 + 44));
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty(), "nothing before its time");

    s.app.clock.advance(TimeDelta::minutes(2));
    s.app.drain().await;
    let sent = s.app.fakes.sent_messages();
    assert_eq!(sent.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), [text]);
    assert!(sent[0].recipient.ends_with(GUEST), "{sent:?}");
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1, "draining again sends nothing more");

    let stored = tenant(&s).await.scheduled().get(id.parse().unwrap()).await.unwrap();
    assert_eq!(stored.status, ScheduledStatus::Sent);
    let out = outbound(&s).await;
    assert_eq!(out.len(), 1);
    assert_eq!(
        (Some(out[0].id), out[0].status, out[0].sent_by.as_deref()),
        (stored.message_id, MessageStatus::Sent, Some("Owner"))
    );
    let page = s.owner.get(&s.thread()).await.body;
    assert!(listed(&page).is_empty(), "no longer listed as scheduled: {page}");

    // A second run of the job (a crash before it completed, another node) finds it sent.
    let job = ScheduledSendJob { scheduled: stored.id, send_at: stored.send_at };
    s.app.store.enqueue(NewJob::new(Some(s.account.parse().unwrap()), &job)).await.unwrap();
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1, "never twice");
    assert_eq!(outbound(&s).await.len(), 1);
}

/// Two nodes run two jobs for the same due message at once (a job queued twice by a crash): one reply goes.
#[tokio::test]
async fn two_nodes_due_at_once_send_it_once() {
    let s = berlin().await;
    assert_eq!(
        later(&s, "", &[("text", "Einmal bitte"), ("at", "2026-09-22T09:00")]).await.status,
        StatusCode::SEE_OTHER
    );
    let stored = tenant(&s).await.scheduled().list(s.conversation).await.unwrap().remove(0);
    let job = ScheduledSendJob { scheduled: stored.id, send_at: stored.send_at };
    s.app.store.enqueue(NewJob::new(Some(s.account.parse().unwrap()), &job).at(stored.send_at)).await.unwrap();
    let second = s.app.second_node().await;
    s.app.clock.advance(TimeDelta::hours(17));
    let (one, two) = tokio::join!(s.app.drain(), second.drain());
    assert!(one + two >= 3, "both jobs and the send ran: {one} + {two}");
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len() + second.fakes.sent_messages().len(), 1, "one reply");
    assert_eq!(outbound(&s).await.len(), 1);
}

#[tokio::test]
async fn a_scheduled_message_can_be_moved_and_cancelled_until_it_is_due() {
    let s = berlin().await;
    for (at, refusal) in [
        ("2026-09-21T16:00", "This time has passed"),
        ("2026-12-21T16:00", "at most 90 days ahead"),
        ("tomorrow", "Enter the date and time"),
        ("2026-03-29T02:30", "does not exist"),
    ] {
        let refused = later(&s, "", &[("text", "Hallo"), ("at", at)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{at}");
        assert!(refused.body.contains(refusal), "{at}: {}", refused.body);
    }
    let refused = later(&s, "", &[("text", "  "), ("at", "2026-09-22T09:00")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "no text");

    assert_eq!(
        later(&s, "", &[("text", "Tisch ab 9"), ("at", "2026-09-22T09:00")]).await.status,
        StatusCode::SEE_OTHER
    );
    let id = listed(&s.owner.get(&s.thread()).await.body).pop().unwrap();
    let moved = later(&s, &format!("/{id}"), &[("text", "Tisch ab 10:30"), ("at", "2026-09-22T10:30")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let page = s.owner.get(&s.thread()).await.body;
    assert!(page.contains("22 Sep 2026, 10:30") && page.contains("Tisch ab 10:30"), "{page}");
    assert!(!page.contains("22 Sep 2026, 09:00") && !page.contains("Tisch ab 9<"), "{page}");

    // 09:05: the job for 09:00 went with the change.
    s.app.clock.advance(TimeDelta::minutes(16 * 60 + 50));
    assert_eq!(s.app.drain().await, 0, "no job was due");
    let (stranger, _) = s.app.signup("Other Place", "eve@example.com").await;
    let csrf = stranger.get("/me").await.csrf();
    let theirs = stranger.post_form(&format!("{}/later/{id}/cancel", s.thread()), &[("_csrf", &csrf)]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "another business cannot touch it");
    let viewer = s.app.member(&s.account, "vic@example.com", Role::Viewer).await;
    let seen = viewer.get(&s.thread()).await.body;
    assert!(seen.contains("Tisch ab 10:30") && !seen.contains("/cancel\""), "a viewer reads, without forms: {seen}");
    let by_viewer = viewer.submit(&s.thread(), &format!("{}/later/{id}/cancel", s.thread()), &[]).await;
    assert_eq!(by_viewer.status, StatusCode::FORBIDDEN);
    let cancelled = later(&s, &format!("/{id}/cancel"), &[]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER, "{}", cancelled.body);
    assert!(listed(&s.owner.get(&s.thread()).await.body).is_empty());

    s.app.clock.advance(TimeDelta::hours(3));
    assert_eq!(s.app.drain().await, 0, "the cancelled message has no job");
    assert!(s.app.fakes.sent_messages().is_empty());
    let again = later(&s, &format!("/{id}"), &[("text", "Doch"), ("at", "2026-09-23T10:30")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("can no longer be changed"), "{}", again.body);
    let stored = tenant(&s).await.scheduled().get(id.parse().unwrap()).await.unwrap();
    assert_eq!((stored.status, stored.body.as_str()), (ScheduledStatus::Cancelled, "Tisch ab 10:30"));
}

#[tokio::test]
async fn a_message_due_after_the_whatsapp_window_closed_fails_with_the_reason() {
    let s = berlin().await;
    let done = later(&s, "", &[("text", "Noch Fragen?"), ("at", "2026-09-23T09:00")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    s.app.clock.advance(TimeDelta::days(2));
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty(), "never reaches WhatsApp");
    let out = outbound(&s).await;
    assert_eq!(out.len(), 1, "queued as a reply written then");
    assert_eq!(out[0].status, MessageStatus::Failed);
    assert!(out[0].error.contains("outside the 24-hour window of WhatsApp"), "{}", out[0].error);
    let stored = tenant(&s).await.scheduled().list(s.conversation).await.unwrap().remove(0);
    assert_eq!((stored.status, stored.message_id), (ScheduledStatus::Sent, Some(out[0].id)));
}

#[tokio::test]
async fn erasing_the_guest_deletes_what_was_scheduled_for_them() {
    let s = berlin().await;
    assert_eq!(
        later(&s, "", &[("text", "Bis morgen"), ("at", "2026-09-22T09:00")]).await.status,
        StatusCode::SEE_OTHER
    );
    let t = tenant(&s).await;
    let contact = t.inbox().conversation(s.conversation, maitre_domain::UserId::new()).await.unwrap().contact_id;
    let owner = s.app.store.user_by_email("ada@example.com").await.unwrap();
    t.contacts().erase_contact(contact, maitre_store::Actor::Member(owner.id)).await.unwrap();
    assert!(t.scheduled().list(s.conversation).await.unwrap().is_empty());
    s.app.clock.advance(TimeDelta::hours(17));
    s.app.drain().await;
    assert!(s.app.fakes.sent_messages().is_empty() && outbound(&s).await.is_empty(), "its job found nothing to send");
}

/// A member's scheduled message counts as theirs: after 24 h on Instagram it carries the human-agent tag, while
/// one an API client scheduled for the same time gets automation's window and fails.
#[tokio::test]
async fn a_members_late_instagram_message_carries_the_human_agent_tag() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Salon Bella", "ada@example.com").await;
    app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "instagram", "17840000000000001", "IG-TOKEN-FAKE").await;
    assert_eq!(app.post_meta(&fixture("instagram/text_message.json")).await.0, StatusCode::OK);
    app.drain().await;
    let t = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let s = Inbox { conversation: t.conversations().conversation_ids().await.unwrap().remove(0), app, owner, account };
    // 22:00 in Berlin the next day: some 30 hours after the guest wrote.
    let by_member = later(&s, "", &[("text", "Sorry, we were closed!"), ("at", "2026-09-22T22:00")]).await;
    assert_eq!(by_member.status, StatusCode::SEE_OTHER, "{}", by_member.body);
    let token = s.app.token(&s.account, Role::Agent).await;
    let body = json!({"conversation_id": s.conversation, "text": "Bot here", "send_at": "2026-09-22T22:00:00+02:00"});
    let (status, created) = api(&s.app, &token, Method::POST, "/api/v1/scheduled-messages", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    s.app.clock.advance(TimeDelta::hours(31));
    s.app.drain().await;
    let sends: Vec<Value> = s.app.fakes.requests().into_iter().filter(|r| r.is_send()).map(|r| r.body).collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["message"]["text"], "Sorry, we were closed!");
    assert_eq!(
        (sends[0]["tag"].as_str(), sends[0]["messaging_type"].as_str()),
        (Some("HUMAN_AGENT"), Some("MESSAGE_TAG"))
    );
    let failed = outbound(&s).await.into_iter().find(|m| m.body == "Bot here").unwrap();
    assert_eq!(failed.status, MessageStatus::Failed);
    assert!(failed.error.contains("outside the 24-hour window of Instagram"), "{}", failed.error);
}

#[tokio::test]
async fn the_api_schedules_lists_changes_and_cancels_with_its_refusals() {
    let s = berlin().await;
    let (agent, viewer) = (s.app.token(&s.account, Role::Agent).await, s.app.token(&s.account, Role::Viewer).await);
    let (list, create) =
        (format!("/api/v1/scheduled-messages?conversation={}", s.conversation), "/api/v1/scheduled-messages");
    let new = |text: &str, at: &str| Some(json!({"conversation_id": s.conversation, "text": text, "send_at": at}));
    let (status, created) =
        api(&s.app, &agent, Method::POST, create, new("Bis morgen!", "2026-09-22T09:00:00+02:00")).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (created["send_at"].as_str(), created["status"].as_str()),
        (Some("2026-09-22T07:00:00+00:00"), Some("scheduled"))
    );
    assert!(created["author_id"].is_null() && created["message_id"].is_null(), "{created}");
    let one = format!("{create}/{}", created["id"].as_str().unwrap());
    for token in [&agent, &viewer] {
        let (status, listed) = api(&s.app, token, Method::GET, &list, None).await;
        assert_eq!((status, listed["data"].as_array().map(Vec::len)), (StatusCode::OK, Some(1)), "{listed}");
    }
    let patch = Some(json!({"text": "Bis später!", "send_at": "2026-09-22T12:00:00Z"}));
    let (status, changed) = api(&s.app, &agent, Method::PATCH, &one, patch).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["text"].as_str(), changed["send_at"].as_str()),
        (Some("Bis später!"), Some("2026-09-22T12:00:00+00:00"))
    );

    // 422: the time (past, over 90 days, unreadable), the text (empty, over 4000 characters).
    let long = "x".repeat(4001);
    for (body, field) in [
        (new("Hallo", "2026-09-21T14:00:00Z"), "send_at"),
        (new("Hallo", "2026-12-21T15:00:00Z"), "send_at"),
        (new("Hallo", "tomorrow"), "send_at"),
        (new(" ", "2026-09-22T09:00:00Z"), "text"),
        (new(&long, "2026-09-22T09:00:00Z"), "text"),
    ] {
        let (status, err) = api(&s.app, &agent, Method::POST, create, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().starts_with(field), "{err}");
    }
    let (status, err) =
        api(&s.app, &agent, Method::PATCH, &one, Some(json!({"send_at": "2026-09-20T09:00:00Z"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("not in the future"), "{err}");

    // 403 for a viewer, 404 for another business and for ids that name nothing.
    for (method, path, body) in [
        (Method::POST, create, new("x", "2026-09-22T09:00:00Z")),
        (Method::PATCH, one.as_str(), Some(json!({"text": "x"}))),
        (Method::DELETE, one.as_str(), None),
    ] {
        assert_eq!(api(&s.app, &viewer, method, path, body).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, other) = s.app.signup("Other Place", "eve@example.com").await;
    let stranger = s.app.token(&other, Role::Owner).await;
    for (method, path, body) in [
        (Method::GET, list.as_str(), None),
        (Method::POST, create, new("x", "2026-09-22T09:00:00Z")),
        (Method::PATCH, one.as_str(), Some(json!({"text": "x"}))),
        (Method::DELETE, one.as_str(), None),
        (Method::DELETE, "/api/v1/scheduled-messages/not-an-id", None),
        (Method::DELETE, "/api/v1/scheduled-messages/0193a1b2-0000-7000-8000-000000000001", None),
    ] {
        let token = if path.contains("not-an-id") || path.contains("0193a1b2") { &agent } else { &stranger };
        let (status, err) = api(&s.app, token, method.clone(), path, body).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("not_found")),
            "{method} {path}"
        );
    }

    // Cancelled: 204, then 409 for any change.
    assert_eq!(api(&s.app, &agent, Method::DELETE, &one, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api(&s.app, &agent, Method::DELETE, &one, None).await.0, StatusCode::CONFLICT);
    let (status, err) = api(&s.app, &agent, Method::PATCH, &one, Some(json!({"text": "Doch"}))).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{err}");

    // Sent (within the window, so it goes): 409 too; the list tells how each ended.
    let (_, due) = api(&s.app, &agent, Method::POST, create, new("Guten Morgen!", "2026-09-22T09:00:00+02:00")).await;
    s.app.clock.advance(TimeDelta::hours(17));
    s.app.drain().await;
    assert_eq!(s.app.fakes.sent_messages().len(), 1);
    let sent = format!("{create}/{}", due["id"].as_str().unwrap());
    assert_eq!(api(&s.app, &agent, Method::PATCH, &sent, Some(json!({"text": "x"}))).await.0, StatusCode::CONFLICT);
    let (_, listed) = api(&s.app, &viewer, Method::GET, &list, None).await;
    let states: Vec<(&str, bool)> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["status"].as_str().unwrap(), m["message_id"].is_string()))
        .collect();
    assert_eq!(states, [("sent", true), ("cancelled", false)], "by time to send: {listed}");

    let (_, doc) = api(&s.app, &viewer, Method::GET, "/api/v1/openapi.json", None).await;
    for (path, method) in [
        ("/api/v1/scheduled-messages", "get"),
        ("/api/v1/scheduled-messages", "post"),
        ("/api/v1/scheduled-messages/{id}", "patch"),
        ("/api/v1/scheduled-messages/{id}", "delete"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} documented");
    }
}

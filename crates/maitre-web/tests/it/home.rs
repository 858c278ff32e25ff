//! A business's home: the setup checklist until every step is done, and what waits for the team, each with its
//! list, as counts from the store.
use chrono::NaiveDateTime;
use maitre_domain::booking::{BookingRules, ReservationRequest};
use maitre_store::{BookingSettings, Origin, Source};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::inbox::GUEST;
use crate::webhooks::{NOW, WA, wa_text};

/// The text of the element with `id` in `body` (up to its closing tag), to check one item of the page.
fn item<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {body}"));
    let rest = &body[start..];
    &rest[..rest.find("</li>").or_else(|| rest.find("</p>")).unwrap_or(rest.len())]
}

#[tokio::test]
async fn the_home_walks_a_new_business_through_setup_then_shows_what_waits() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let home = format!("/a/{account}");
    let page = owner.get(&home).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("0 of 5 done") && page.body.contains("Nothing is waiting for you right now."));
    let step = item(&page.body, "step-channel");
    assert!(step.contains(&format!("href=\"{home}/channels\"")) && step.contains("(to do)"), "{step}");
    assert!(!page.body.contains("Nothing here yet"));

    // A channel, and a guest who writes: two steps done; no flow answers, so the guest waits for the team (a person
    // taking over changes nothing about that).
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    assert_eq!(app.post_meta(&wa_text("wamid.home1", GUEST, "Hallo!", NOW)).await.0, StatusCode::OK);
    app.drain().await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);
    tenant.inbox().take_over(conversation, None).await.unwrap();
    let page = owner.get(&home).await;
    assert!(page.body.contains("2 of 5 done"), "{}", page.body);
    assert!(item(&page.body, "step-channel").contains("(done)") && item(&page.body, "step-message").contains("(done)"));
    let waiting = item(&page.body, "needs-waiting");
    assert!(waiting.contains("Guests waiting for an answer: 1"), "{waiting}");
    assert!(waiting.contains(&format!("href=\"{home}/inbox?filter=needs_reply\"")), "{waiting}");
    assert!(!page.body.contains("needs-confirm"), "no booking request yet");

    // Booking rules saved (a step), with requests left for the team to confirm: one from a flow waits.
    let rules = BookingRules { auto_confirm: false, ..BookingRules::default() };
    tenant.reservations().put_booking_settings(&BookingSettings { rules, ..BookingSettings::default() }).await.unwrap();
    let req = ReservationRequest {
        starts_at: NaiveDateTime::parse_from_str("2026-09-24 20:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 4,
        service: None,
        name: "Grace Hopper".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    let origin = Origin { source: Source::Flow, contact_id: None, conversation_id: None, key: None };
    tenant.reservations().create_reservation(&req, chrono_tz::UTC, &origin).await.unwrap();
    let page = owner.get(&home).await;
    assert!(page.body.contains("3 of 5 done"), "{}", page.body);
    let confirm = item(&page.body, "needs-confirm");
    assert!(confirm.contains("Booking requests to confirm: 1"), "{confirm}");
    assert!(confirm.contains(&format!("href=\"{home}/reservations?status=pending\"")), "{confirm}");

    // Another account's home counts only its own.
    let (other, other_account) = app.signup("Salon Bella", "bella@example.com").await;
    let theirs = other.get(&format!("/a/{other_account}")).await;
    assert!(theirs.body.contains("0 of 5 done") && theirs.body.contains("Nothing is waiting for you right now."));
    assert_eq!(other.get(&home).await.status, StatusCode::NOT_FOUND);
}

/// A member who reads French gets the whole dashboard in French: header, home and inbox, with no English left.
#[tokio::test]
async fn a_french_member_reads_the_dashboard_in_french() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Bistrot du Port", "chef@example.com").await;
    let saved = owner.submit("/me", "/me", &[("name", "Camille"), ("locale", "fr")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    assert_eq!(app.post_meta(&wa_text("wamid.fr1", GUEST, "Bonjour !", NOW)).await.0, StatusCode::OK);
    app.drain().await;

    let home = owner.get(&format!("/a/{account}")).await;
    for french in ["Messagerie", "Réservations", "Réglages", "Premiers pas", "2 sur 5 faits", "À traiter maintenant"]
    {
        assert!(home.body.contains(french), "{french}: {}", home.body);
    }
    let inbox = owner.get(&format!("/a/{account}/inbox")).await;
    assert!(inbox.body.contains("Conversations plus anciennes") || inbox.body.contains("Filtres des conversations"));
    for english in ["Getting started", "Needs you now", "Sign out", "Inbox", "Settings", " of 5 done", "Open channels"]
    {
        assert!(!home.body.contains(english) && !inbox.body.contains(english), "English left: {english}");
    }
}

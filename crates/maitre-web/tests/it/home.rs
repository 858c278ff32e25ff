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
    let origin = Origin { source: Source::Flow, contact_id: None, conversation_id: None, key: None, flow: None };
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

/// One figure's row: (today, this week).
fn figure(body: &str, id: &str) -> (String, String) {
    let start = body.find(&format!("id=\"figure-{id}\"")).unwrap_or_else(|| panic!("no figure {id} in {body}"));
    let row = &body[start..start + body[start..].find("</tr>").unwrap()];
    let cells: Vec<String> = row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap().to_owned()).collect();
    (cells[0].clone(), cells[1].clone())
}

#[tokio::test]
async fn the_home_counts_today_and_this_week_in_the_businesss_days() {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let ada = app.store.user_by_email("owner@example.com").await.unwrap().id;
    // Monday 21 September, 16:15 in Berlin: three guests write.
    for (n, from) in ["4917100000001", "4917100000002", "4917100000003"].into_iter().enumerate() {
        let at = app.clock.now().timestamp();
        assert_eq!(app.post_meta(&wa_text(&format!("wamid.fig{n}"), from, "Hallo!", at)).await.0, StatusCode::OK);
    }
    app.drain().await;
    let conversations = tenant.conversations().conversation_ids().await.unwrap();
    assert_eq!(conversations.len(), 3);
    // The first is answered by Ada after 12 minutes; the second handed over by a flow at once and answered 30
    // minutes later; the third waits.
    app.clock.advance(chrono::TimeDelta::minutes(12));
    tenant.inbox().reply(conversations[0], Some(ada), "Gerne!", None).await.unwrap();
    let input = tenant.flows().step_input(conversations[1]).await.unwrap();
    let handoff = maitre_store::StepEffects {
        key: "fig:handoff".into(),
        handoff: true,
        expected_rev: input.rev,
        state: input.state.clone(),
        ..Default::default()
    };
    tenant.flows().apply_step(&input, &handoff).await.unwrap().unwrap();
    app.clock.advance(chrono::TimeDelta::minutes(30));
    tenant.inbox().reply(conversations[1], Some(ada), "Hier ist das Team.", None).await.unwrap();
    tenant.inbox().reply(conversations[0], Some(ada), "Noch etwas?", None).await.unwrap();
    // A flow's booking for four counts; a booking by hand and a cancelled one do not.
    let req = crate::analytics::request;
    let flow = Origin { source: Source::Flow, contact_id: None, conversation_id: None, key: None, flow: None };
    let berlin = chrono_tz::Europe::Berlin;
    tenant.reservations().create_reservation(&req("Lena Vogel", 4), berlin, &flow).await.unwrap();
    tenant.reservations().create_reservation(&req("By Hand", 2), berlin, &Origin::staff()).await.unwrap();
    let cancelled = tenant.reservations().create_reservation(&req("Gone", 6), berlin, &flow).await.unwrap();
    let maitre_store::Booking::Booked(cancelled) = cancelled else { panic!("not booked") };
    tenant.reservations().cancel_reservation(cancelled.id).await.unwrap();

    let home = format!("/a/{account}");
    let page = owner.get(&home).await.body;
    assert_eq!(figure(&page, "conversations"), ("3".into(), "3".into()));
    assert_eq!(figure(&page, "booked"), ("1 · 4 guests".into(), "1 · 4 guests".into()));
    assert_eq!(figure(&page, "handoffs"), ("1".into(), "1".into()));
    let median = "10 min – 15 min";
    assert_eq!(
        figure(&page, "first-response"),
        (median.into(), median.into()),
        "the median of 12 and 30, in its bucket"
    );
    assert!(page.contains(&format!("href=\"{home}/inbox?filter=human\"")), "handoffs link to their list");

    // Tuesday, 00:30 in Berlin (still Monday in UTC): a new day for the business, the same week.
    app.clock.advance(chrono::TimeDelta::hours(7) + chrono::TimeDelta::minutes(33));
    let page = owner.get(&home).await.body;
    assert_eq!(figure(&page, "conversations"), ("0".into(), "3".into()));
    assert_eq!(figure(&page, "first-response"), ("—".into(), median.into()));
    // The next Monday starts a new week.
    app.clock.advance(chrono::TimeDelta::days(6));
    assert_eq!(figure(&owner.get(&home).await.body, "conversations"), ("0".into(), "0".into()));

    // In German, and nobody else's.
    let de = owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "de")]).await;
    assert_eq!(de.status, StatusCode::SEE_OTHER);
    assert!(owner.get(&home).await.body.contains("Heute und diese Woche"));
    let (other, elsewhere) = app.signup("Other Place", "eve@example.com").await;
    let theirs = other.get(&format!("/a/{elsewhere}")).await.body;
    assert_eq!(figure(&theirs, "conversations"), ("0".into(), "0".into()));
}

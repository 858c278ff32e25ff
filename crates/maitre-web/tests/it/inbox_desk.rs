//! The inbox as a help desk, in headless Chromium: a long thread opens at its newest message with the composer in
//! view, on a laptop beside the list of open conversations and the guest panel (number, coming booking with its
//! link, the team's note), on a phone alone with the guest panel below; in German and French. The booking links back.
use chrono::NaiveDateTime;
use fantoccini::Locator;
use maitre_domain::Locale;
use maitre_domain::booking::ReservationRequest;
use maitre_store::{Booking, Filter, InboxQuery, Origin, Source};
use maitre_testkit::{Browser, LAPTOP, PHONE};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::inbox::GUEST;
use crate::inbox_browser::sign_in;
use crate::webhooks::{NOW, WA, wa_text};

/// Whether the element `css` lies wholly inside the window.
async fn in_view(b: &Browser, css: &str) -> bool {
    let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 \
                  && r.right <= window.innerWidth;";
    b.client.execute(script, vec![css.into()]).await.unwrap().as_bool().unwrap()
}

async fn displayed(b: &Browser, css: &str) -> bool {
    b.client.find(Locator::Css(css)).await.unwrap().is_displayed().await.unwrap()
}

async fn text(b: &Browser, css: &str) -> String {
    b.client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_thread_opens_at_its_newest_message_beside_the_guest_and_their_booking() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Trattoria Roma", "ada@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    // A guest who writes a lot, and a second conversation for the list beside the thread.
    for n in 0..30 {
        let body = wa_text(&format!("wamid.desk{n}"), GUEST, &format!("Frage Nummer {n}"), NOW + n);
        assert_eq!(app.post_meta(&body).await.0, StatusCode::OK);
    }
    assert_eq!(app.post_meta(&wa_text("wamid.other", "491709999999", "Hallo", NOW)).await.0, StatusCode::OK);
    app.drain().await;
    let owner = tenant.team().members().await.unwrap().remove(0).user_id;
    let query = InboxQuery {
        filter: Filter::Open,
        me: owner,
        channel: None,
        tag: None,
        search: Some("Frage Nummer 29"),
        began: None,
        outcome: None,
        after: None,
        limit: 5,
    };
    let found = tenant.inbox().list(&query).await.unwrap().items.remove(0);
    let (conversation, contact) = (found.id, found.contact_id);
    let req = ReservationRequest {
        starts_at: NaiveDateTime::parse_from_str("2026-09-25 19:30", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 4,
        service: None,
        name: "Lena Vogel".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    let origin = Origin {
        source: Source::Staff,
        contact_id: Some(contact),
        conversation_id: Some(conversation),
        key: None,
        flow: None,
    };
    let Booking::Booked(booking) =
        tenant.reservations().create_reservation(&req, chrono_tz::Europe::Berlin, &origin).await.unwrap()
    else {
        panic!("the evening is free")
    };
    tenant
        .contacts()
        .add_contact_note(contact, maitre_store::Actor::Member(owner), "Mag den Fensterplatz")
        .await
        .unwrap();

    sign_in(&b, &app, "ada@example.com").await;
    let shots = crate::browser::screenshots();
    let thread = app.url(&format!("/a/{account}/inbox/{conversation}"));
    let booking_link = format!("#guest a[href='/a/{account}/reservations/{}']", booking.id);
    let languages = [
        (Locale::De, "Kommende Reservierungen", "25.09.2026 19:30"),
        (Locale::Fr, "Réservations à venir", "25/09/2026 19:30"),
    ];
    for (locale, upcoming, when) in languages {
        app.store.update_profile(owner, "Ada", locale).await.unwrap();
        for (size, name) in [(LAPTOP, "laptop"), (PHONE, "phone")] {
            b.resize(size).await;
            b.client.goto(&thread).await.unwrap();
            let newest = "#thread li:last-child";
            assert!(text(&b, newest).await.contains("Frage Nummer 29"), "{name}");
            assert!(in_view(&b, newest).await, "{locale}/{name}: the newest message is on screen");
            assert!(in_view(&b, "#send").await && in_view(&b, "#reply-text").await, "{locale}/{name}: composer");
            assert!(!in_view(&b, "#thread li:first-child").await, "{locale}/{name}: the oldest waits above");
            assert!(!b.overflows_sideways().await, "{locale}/{name}: nothing wider than the window");
            let problems = b.accessibility_problems().await.unwrap_or_default();
            assert!(problems.is_empty(), "{locale}/{name}: {problems:#?}");

            let guest = text(&b, "#guest").await;
            assert!(guest.contains("+491701234567") && guest.contains("Mag den Fensterplatz"), "{name}: {guest}");
            assert!(guest.contains(upcoming) && guest.contains(when), "{locale}/{name}: {guest}");
            assert!(b.client.find(Locator::Css(&booking_link)).await.is_ok(), "the booking links to its page");
            assert!(
                ["Upcoming", "Open contact", "Assign to me"].iter().all(|w| !guest.contains(w)),
                "{locale}/{name}: English left: {guest}"
            );

            let list_shown = displayed(&b, ".desk-list").await;
            if size == LAPTOP {
                assert!(list_shown, "the open conversations sit beside the thread");
                assert!(in_view(&b, "#guest").await, "the guest panel sits beside the thread");
                let current = text(&b, ".desk-list li.current").await;
                assert!(current.contains("Frage Nummer 29"), "{current}");
            } else {
                assert!(!list_shown && !in_view(&b, "#guest").await, "a phone shows the thread alone first");
            }
            b.screenshot(&shots, &format!("inbox_desk_{locale}_{name}")).await;
        }
    }
    // And back: the booking's page links to the conversation it came from.
    b.client.find(Locator::Css(&booking_link)).await.unwrap().click().await.unwrap();
    let back = b.client.find(Locator::Id("conversation")).await.unwrap();
    assert_eq!(back.attr("href").await.unwrap().unwrap(), format!("/a/{account}/inbox/{conversation}"));
    b.close().await;
}

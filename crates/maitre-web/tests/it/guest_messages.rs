//! Guests hear of the team's decisions about their booking: inside the window as a message in their language,
//! outside it on WhatsApp as the template chosen for it; where nothing can reach them the booking says so.
use chrono::TimeDelta;
use maitre_app::flows::install_published;
use maitre_store::{Reservation, ReservationQuery};
use reqwest::StatusCode;
use serde_json::json;

use crate::templates::{Setup, restaurant, template_id};

const IG: &str = "17840000000000001";
const IG_GUEST: &str = "1790000000000077";

/// A guest books a table for Friday 20:00 on WhatsApp through the German flow.
async fn booked(s: &Setup) -> Reservation {
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    s.whatsapp(1, "Tisch für 2 am Freitag um 20 Uhr").await;
    s.whatsapp(2, "Lena Vogel").await;
    let mut found = s.tenant.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(found.items.len(), 1, "the flow booked the table");
    found.items.remove(0)
}

fn texts_to(s: &Setup, guest: &str) -> Vec<String> {
    s.app
        .fakes
        .sent_messages()
        .into_iter()
        .filter(|m| m.recipient.trim_start_matches('+') == guest)
        .map(|m| m.text)
        .collect()
}

async fn set_status(s: &Setup, r: &Reservation, status: &str) {
    let page = format!("/a/{}/reservations/{}", s.account, r.id);
    let done = s.owner.submit(&page, &format!("{page}/status"), &[("status", status)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    s.app.drain().await;
}

#[tokio::test]
async fn a_cancellation_by_the_team_reaches_the_guest_in_their_language_and_shows_on_the_booking() {
    let s = restaurant().await;
    let r = booked(&s).await;
    let before = texts_to(&s, "4917155566677").len();
    set_status(&s, &r, "cancelled").await;
    let texts = texts_to(&s, "4917155566677");
    assert_eq!(texts.len(), before + 1, "{texts:?}");
    assert_eq!(
        texts.last().unwrap(),
        "Leider müssen wir Ihre Reservierung am Fr., 25.09.2026 um 20:00 absagen. Schreiben Sie uns gern, wenn Sie \
         einen anderen Termin möchten. Trattoria Roma"
    );
    let page = s.owner.get(&format!("/a/{}/reservations/{}", s.account, r.id)).await.body;
    assert!(page.contains("id=\"guest-told\"") && page.contains("Cancellation sent to the guest"), "{page}");
}

#[tokio::test]
async fn a_guest_who_wrote_in_english_hears_of_a_new_time_in_english() {
    let s = restaurant().await;
    let r = booked(&s).await;
    s.whatsapp(3, "Thank you, see you on Friday!").await;
    let page = format!("/a/{}/reservations/{}", s.account, r.id);
    let fields = [("date", "2026-09-25"), ("time", "21:00"), ("party_size", "2"), ("name", "Lena Vogel")];
    let moved = s.owner.submit(&page, &page, &fields).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    s.app.drain().await;
    let last = texts_to(&s, "4917155566677").pop().unwrap();
    assert_eq!(last, "Your reservation has moved: it is now on Fri 25 Sep 2026 at 9:00 pm for 2. Trattoria Roma");
    // A change that keeps the time (a note) tells the guest nothing.
    let count = texts_to(&s, "4917155566677").len();
    let noted = [
        ("date", "2026-09-25"),
        ("time", "21:00"),
        ("party_size", "2"),
        ("name", "Lena Vogel"),
        ("notes", "Fensterplatz"),
    ];
    assert_eq!(s.owner.submit(&page, &page, &noted).await.status, StatusCode::SEE_OTHER);
    s.app.drain().await;
    assert_eq!(texts_to(&s, "4917155566677").len(), count);
}

#[tokio::test]
async fn outside_the_window_a_cancellation_goes_as_the_chosen_whatsapp_template() {
    let s = restaurant().await;
    s.submit_reminder().await;
    s.verdict("APPROVED").await;
    let id = template_id(&s.owner.get(&s.page()).await.body);
    let chosen = s.owner.submit(&s.page(), &format!("{}/uses", s.page()), &[("cancelled", id.as_str())]).await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER);
    let r = booked(&s).await;
    s.app.clock.advance(TimeDelta::hours(30));
    set_status(&s, &r, "cancelled").await;
    let sends = s.template_sends();
    assert_eq!(sends.len(), 1, "the window closed: only the template reaches the guest");
    let payload = &sends[0]["template"]["components"].as_array().unwrap().last().unwrap()["parameters"][0]["payload"];
    assert_eq!(payload, &json!(format!("cancelled:{}:cancel", r.id)));
    let page = s.owner.get(&format!("/a/{}/reservations/{}", s.account, r.id)).await.body;
    assert!(page.contains("Cancellation sent as the WhatsApp template tisch_erinnerung"), "{page}");
}

#[tokio::test]
async fn on_instagram_after_the_window_the_booking_says_the_guest_could_not_be_told() {
    let s = restaurant().await;
    s.app.connect(&s.account, "instagram", IG, "ig-token").await;
    install_published(&s.tenant, "restaurant_de", "test").await.unwrap();
    for (n, text) in [(1, "Tisch für 2 am Freitag um 20 Uhr"), (2, "Lena Vogel")] {
        let now = s.app.clock.now().timestamp_millis() + n;
        let body = serde_json::to_vec(&json!({"object": "instagram", "entry": [{"id": IG, "time": now, "messaging": [{
            "sender": {"id": IG_GUEST}, "recipient": {"id": IG}, "timestamp": now,
            "message": {"mid": format!("m_IG_{n}"), "text": text}}]}]}))
        .unwrap();
        assert_eq!(s.app.post_meta(&body).await.0, StatusCode::OK);
        s.app.drain().await;
    }
    let r = s
        .tenant
        .reservations()
        .list(&ReservationQuery { limit: 10, ..Default::default() })
        .await
        .unwrap()
        .items
        .remove(0);
    let before = texts_to(&s, IG_GUEST).len();
    s.app.clock.advance(TimeDelta::hours(30));
    set_status(&s, &r, "cancelled").await;
    assert_eq!(texts_to(&s, IG_GUEST).len(), before, "nothing may reach the guest after 24 hours");
    let page = s.owner.get(&format!("/a/{}/reservations/{}", s.account, r.id)).await.body;
    assert!(page.contains("Cancellation not possible on Instagram"), "{page}");
}

#[tokio::test]
async fn a_guest_cancelling_for_themselves_as_flows_do_gets_no_message_about_it() {
    let s = restaurant().await;
    let r = booked(&s).await;
    s.tenant.reservations().cancel_reservation(r.id).await.unwrap();
    s.app.drain().await;
    assert!(s.tenant.reservations().guest_messages(r.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_business_words_its_own_cancellation_and_a_bad_placeholder_is_refused_saving_nothing() {
    let s = restaurant().await;
    let page = format!("/a/{}/booking/messages", s.account);
    let shown = s.owner.get(&page).await.body;
    assert!(shown.contains("Leider müssen wir Ihre Reservierung"), "maitre's wording is the starting point");
    let own = "Es tut uns leid, {{contact.first_name}}: am {{reservation.date}} sind wir geschlossen.";
    let refused =
        s.owner.submit(&page, &page, &[("cancelled_de", "Hallo {{vars.datum}}"), ("moved_en", "Moved!")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("{{vars.datum}}") && refused.body.contains("Moved!"), "the form comes back as sent");
    let locale = maitre_domain::Locale::En;
    assert_eq!(
        s.tenant
            .reservations()
            .guest_text(maitre_domain::booking::guest_messages::GuestMessage::Moved, locale)
            .await
            .unwrap(),
        None
    );
    let saved = s.owner.submit(&page, &page, &[("cancelled_de", own)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let r = booked(&s).await;
    set_status(&s, &r, "cancelled").await;
    let last = texts_to(&s, "4917155566677").pop().unwrap();
    assert_eq!(last, "Es tut uns leid, Lena: am Fr., 25.09.2026 sind wir geschlossen.");
}

/// The guest taps a button of the reminder template (a `button` message carrying the payload maitre gave it).
async fn tap(s: &Setup, n: u32, label: &str, payload: &str) {
    let ts = s.app.clock.now().timestamp() + i64::from(n);
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": crate::webhooks::WA},
            "contacts": [{"profile": {"name": "Lena Vogel"}, "wa_id": "4917155566677"}],
            "messages": [{"from": "4917155566677", "id": format!("wamid.TAP_{n}"), "timestamp": ts.to_string(),
                "type": "button", "button": {"text": label, "payload": payload}}]
        }}]}]
    }))
    .unwrap();
    assert_eq!(s.app.post_meta(&body).await.0, StatusCode::OK);
    s.app.drain().await;
}

#[tokio::test]
async fn the_reminders_cancel_button_cancels_the_booking_and_says_so_once() {
    let s = restaurant().await;
    s.submit_reminder().await;
    s.verdict("APPROVED").await;
    let id = template_id(&s.owner.get(&s.page()).await.body);
    s.owner.submit(&s.page(), &format!("{}/uses", s.page()), &[("reminder", id.as_str())]).await;
    let r = booked(&s).await;
    s.app.clock.advance(TimeDelta::days(3) + TimeDelta::hours(4));
    s.app.drain().await;
    let sends = s.template_sends();
    let buttons: Vec<String> = sends[0]["template"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "button")
        .map(|c| c["parameters"][0]["payload"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(buttons, [format!("reminder:{}:confirm", r.id), format!("reminder:{}:cancel", r.id)]);

    let before = texts_to(&s, "4917155566677").len();
    tap(&s, 1, "Absagen", &buttons[1]).await;
    let now = s.tenant.reservations().reservation(r.id).await.unwrap();
    assert_eq!(now.status.as_str(), "cancelled");
    let texts = texts_to(&s, "4917155566677");
    assert_eq!(texts.len(), before + 1, "one answer, and no flow or automatic reply besides: {texts:?}");
    assert_eq!(
        texts.last().unwrap(),
        "Ihre Reservierung am Fr., 25.09.2026 um 20:00 ist storniert. Danke, dass Sie Bescheid gegeben haben! Trattoria Roma"
    );
    // The same tap again (a second press) changes nothing and says nothing more.
    tap(&s, 2, "Absagen", &buttons[1]).await;
    assert_eq!(texts_to(&s, "4917155566677").len(), before + 1);
    let page = s.owner.get(&format!("/a/{}/reservations/{}", s.account, r.id)).await.body;
    assert!(page.contains("Cancellation by the guest sent to the guest"), "{page}");
}

#[tokio::test]
async fn a_button_naming_someone_elses_booking_changes_nothing() {
    let s = restaurant().await;
    let r = booked(&s).await;
    // Another guest on the same number's channel forges the payload of Lena's booking.
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": crate::webhooks::WA},
            "contacts": [{"profile": {"name": "Mallory"}, "wa_id": "4915100000009"}],
            "messages": [{"from": "4915100000009", "id": "wamid.FORGED", "timestamp": s.app.clock.now().timestamp().to_string(),
                "type": "button", "button": {"text": "Absagen", "payload": format!("reminder:{}:cancel", r.id)}}]
        }}]}]
    }))
    .unwrap();
    assert_eq!(s.app.post_meta(&body).await.0, StatusCode::OK);
    s.app.drain().await;
    assert_eq!(s.tenant.reservations().reservation(r.id).await.unwrap().status.as_str(), "confirmed");
}

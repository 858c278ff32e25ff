//! A restaurant owner's first hour, in headless Chromium, in German: sign up, the checklist, opening hours and a
//! table, a WhatsApp number on the fake platform, a template installed as a draft, a question reworded in place,
//! tried in the test chat and published; a guest books by webhook; the home, the inbox thread with the guest panel,
//! taking over, replying and handing back; the calendar shows the booking at its table. Every step is checked at
//! laptop and phone size (nothing wider than the window, no UTC, no serious accessibility violation) and saved as a
//! screenshot.
use std::time::Duration;

use fantoccini::Locator;
use maitre_testkit::{Browser, LAPTOP, PHONE};
use reqwest::StatusCode;

use crate::browser::{fill, screenshots, submit, wait_for_path};
use crate::helpers::{PASSWORD, TestApp};
use crate::inbox_browser::wait_for;
use crate::webhooks::{NOW, WA, wa_text};

const GUEST: &str = "4917155566677";

/// Clicks `css`, again if a live refresh replaced the element meanwhile.
async fn click(b: &Browser, css: &str) {
    let mut last = String::new();
    for _ in 0..50 {
        match b.client.find(Locator::Css(css)).await {
            Ok(el) => match el.click().await {
                Ok(()) => return,
                Err(e) => last = e.to_string(),
            },
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: {last}");
}

/// The keyword chips of the editor's first trigger, in order.
async fn chips(b: &Browser) -> Vec<String> {
    let mut words = Vec::new();
    for chip in b.client.find_all(Locator::Css("#trigger-0 .chip")).await.unwrap() {
        words.push(chip.text().await.unwrap().trim_end_matches('×').trim().to_owned());
    }
    words
}

/// What the owner sees now, at both sizes: checked and saved as `journey_<n>_<name>_<size>.png`.
async fn look(b: &Browser, step: &str) {
    let shots = screenshots();
    for (size, size_name) in [(LAPTOP, "laptop"), (PHONE, "phone")] {
        b.resize(size).await;
        let label = format!("{step}/{size_name}");
        assert!(!b.overflows_sideways().await, "{label}: wider than the window");
        let text = b.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap();
        assert!(!text.contains(" UTC"), "{label}: a time in UTC");
        for english in ["Settings", "Save", "Reservations", "Sign out"] {
            let header = b.client.find(Locator::Css("header")).await.unwrap().text().await.unwrap();
            assert!(!header.contains(english), "{label}: English in the header: {header}");
        }
        let problems = b.accessibility_problems().await.unwrap_or_default();
        assert!(problems.is_empty(), "{label}: {problems:#?}");
        b.screenshot(&shots, &format!("journey_{step}_{size_name}")).await;
    }
    b.resize(LAPTOP).await;
}

#[tokio::test]
async fn an_owner_sets_up_takes_a_booking_and_answers_a_guest_in_german() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    b.resize(LAPTOP).await;

    // Sign up with the mailed link, then German on the profile.
    b.client.goto(&app.url("/signup")).await.unwrap();
    fill(&b, "business_name", "Trattoria Roma").await;
    fill(&b, "name", "Ada").await;
    fill(&b, "email", "ada@example.com").await;
    fill(&b, "password", PASSWORD).await;
    submit(&b).await;
    wait_for(&b, "main", |t| t.contains("ada@example.com")).await;
    let mail = app.mail_to("ada@example.com").await.body_text();
    b.client.goto(crate::helpers::signup_link(&mail)).await.unwrap();
    submit(&b).await;
    let home = wait_for_path(&b, |p| p.starts_with("/a/")).await;
    let account = home.trim_start_matches("/a/").trim_end_matches('/').to_owned();
    b.client.goto(&app.url("/me")).await.unwrap();
    b.client.find(Locator::Css("select[name='locale']")).await.unwrap().select_by_value("de").await.unwrap();
    click(&b, "form[action='/me'] button[type='submit']").await;
    wait_for(&b, ".flash", |t| t.contains("Gespeichert")).await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;

    b.client.goto(&app.url(&home)).await.unwrap();
    wait_for(&b, "#setup-progress", |t| t == "0 von 5 erledigt").await;
    look(&b, "1_checklist").await;

    // Opening hours saved as proposed, and a table for four.
    b.client.goto(&app.url(&format!("{home}/booking"))).await.unwrap();
    click(&b, "#rules button[type='submit']").await;
    wait_for(&b, ".flash", |_| true).await;
    fill(&b, "name", "Fenster").await;
    b.client.find(Locator::Css("#resources form.filters input[name='seats']")).await.unwrap().clear().await.unwrap();
    b.client
        .find(Locator::Css("#resources form.filters input[name='seats']"))
        .await
        .unwrap()
        .send_keys("4")
        .await
        .unwrap();
    click(&b, "#resources form.filters button[type='submit']").await;
    // The page was on /booking already, so wait for the saved table's own form before looking at the address.
    wait_for(&b, "#resources form.inline button", |_| true).await;
    wait_for_path(&b, |p| p.ends_with("/booking")).await;
    assert!(b.client.current_url().await.unwrap().fragment() == Some("resources"), "the page keeps its place");
    look(&b, "2_hours").await;

    // WhatsApp on the fake Graph API.
    app.fakes.own_phone_number(WA, "WA-SYSTEM-USER-FAKE");
    b.client.goto(&app.url(&format!("{home}/channels"))).await.unwrap();
    fill(&b, "phone_number_id", WA).await;
    let token = "form[action$='/channels/whatsapp'] input[name='token']";
    b.client.find(Locator::Css(token)).await.unwrap().send_keys("WA-SYSTEM-USER-FAKE").await.unwrap();
    click(&b, "form[action$='/channels/whatsapp'] button[type='submit']").await;
    let shown = wait_for(&b, ".flash, .error", |_| true).await;
    assert_eq!(tenant.channels().list().await.unwrap().len(), 1, "{shown}");
    look(&b, "3_channel").await;

    // The German template as a draft: one question reworded in place, tried in the test chat, then published.
    b.client.goto(&app.url(&format!("{home}/flows"))).await.unwrap();
    click(&b, "button[name='install'][value='restaurant_de']").await;
    wait_for(&b, ".flash", |t| t.contains("Entwurf")).await;
    let question = "Auf welchen Namen dürfen wir den Tisch reservieren?";
    let text = b.client.find(Locator::Css("#node-ask_name textarea[name$='.text']")).await.unwrap();
    text.clear().await.unwrap();
    text.send_keys(question).await.unwrap();
    // Keywords are chips: one added with Enter, one removed with its button.
    assert_eq!(chips(&b).await, ["tisch", "tische", "reservieren", "reservierung", "platz", "platze"]);
    let words = b.client.find(Locator::Css("#trigger-0 textarea[name$='.words']")).await.unwrap();
    assert!(!words.is_displayed().await.unwrap(), "the textarea gives way to the chips");
    let add = b.client.find(Locator::Css("#trigger-0 .chips input")).await.unwrap();
    add.send_keys("Tischreservierung\u{E007}").await.unwrap();
    click(&b, "#trigger-0 .chip:nth-of-type(6) button").await;
    assert_eq!(chips(&b).await, ["tisch", "tische", "reservieren", "reservierung", "platz", "Tischreservierung"]);
    click(&b, "#save").await;
    wait_for(&b, ".flash", |t| t.contains("Entwurf gespeichert")).await;
    assert_eq!(chips(&b).await, ["tisch", "tische", "reservieren", "reservierung", "platz", "Tischreservierung"]);
    b.client
        .find(Locator::Css("#sim-form input[name='text']"))
        .await
        .unwrap()
        .send_keys("Tisch für 2 morgen um 19 Uhr")
        .await
        .unwrap();
    click(&b, "#sim-send").await;
    wait_for(&b, "#chat", |t| t.contains(question)).await;
    look(&b, "4_flow_draft").await;
    click(&b, "#publish").await;
    wait_for(&b, "#flow-meta", |t| t.contains("Veröffentlichte Version 1")).await;

    // A guest books on WhatsApp.
    for (n, said) in ["Hallo, Tisch für 2 morgen um 19 Uhr", "Lena Vogel"].into_iter().enumerate() {
        let body = wa_text(&format!("wamid.journey{n}"), GUEST, said, NOW + n as i64);
        assert_eq!(app.post_meta(&body).await.0, StatusCode::OK);
        app.drain().await;
    }
    let sent: Vec<String> = app.fakes.sent_messages().into_iter().map(|m| m.text).collect();
    assert!(sent.iter().any(|m| m == question), "the reworded question went out: {sent:?}");
    assert!(sent.iter().any(|m| m.contains("Lena Vogel") && m.contains("19:00")), "{sent:?}");

    b.client.goto(&app.url(&home)).await.unwrap();
    wait_for(&b, "#setup-progress", |t| t == "4 von 5 erledigt").await;
    look(&b, "5_home").await;

    // The thread beside the guest: their booking; take over, answer, hand back.
    b.client.goto(&app.url(&format!("{home}/inbox"))).await.unwrap();
    click(&b, "#conversations a").await;
    let guest = wait_for(&b, "#guest", |t| t.contains("Kommende Reservierungen")).await;
    assert!(guest.contains("22.09.2026 19:00") && guest.contains("2 Pers."), "{guest}");
    look(&b, "6_thread").await;
    click(&b, "#takeover").await;
    wait_for(&b, "#mode", |t| t == "Mensch").await;
    let answer = "Gern, Frau Vogel! Wir haben einen Fensterplatz für Sie.";
    b.client.find(Locator::Id("reply-text")).await.unwrap().send_keys(answer).await.unwrap();
    click(&b, "#send").await;
    wait_for(&b, "#thread", |t| t.contains(answer)).await;
    app.drain().await;
    assert!(app.fakes.sent_messages().iter().any(|m| m.text == answer), "the answer reached WhatsApp");
    click(&b, "#handback").await;
    wait_for(&b, "#mode", |t| t == "Bot").await;
    look(&b, "7_answered").await;

    // The calendar: the booking at its table.
    b.client.goto(&app.url(&format!("{home}/calendar?view=day&date=2026-09-22"))).await.unwrap();
    let block = wait_for(&b, ".cal-res", |_| true).await;
    assert!(block.contains("19:00 Lena Vogel") && block.contains("Fenster"), "{block}");
    look(&b, "8_calendar").await;
    let r = &tenant
        .reservations()
        .list(&maitre_store::ReservationQuery { limit: 5, ..Default::default() })
        .await
        .unwrap()
        .items[0];
    assert_eq!((r.name.as_str(), r.phone.as_str()), ("Lena Vogel", "+4917155566677"));
    b.close().await;
}

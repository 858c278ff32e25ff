//! The shared inbox in two headless Chromium windows, one per member: a guest's DM appears live in both, A takes
//! over and replies by hand, the fake WhatsApp receives exactly that reply, B sees it live, a note never leaves,
//! B (an agent) cannot open the team page, and another account's member gets 404 for the conversation.
use std::time::Duration;

use fantoccini::Locator;
use maitre_domain::Role;
use maitre_testkit::{Browser, LAPTOP, PHONE};
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::inbox::GUEST;
use crate::webhooks::{NOW, WA, wa_text};

pub(crate) async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.client.goto(&app.url("/signin")).await.unwrap();
    b.client.find(Locator::Css("input[name='email']")).await.unwrap().send_keys(email).await.unwrap();
    b.client.find(Locator::Css("input[name='password']")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    b.client.find(Locator::Css("main button[type='submit']")).await.unwrap().click().await.unwrap();
    // Signed in once the answer has led away from the form (its own page has a heading too): a page opened
    // before then would find no session yet.
    crate::browser::wait_for_path(b, |p| p.starts_with("/a/")).await;
    wait_for(b, "main h1", |_| true).await;
}

/// Waits (up to 5 s) until the first element matching `css` has text satisfying `pred`; returns that text.
pub(crate) async fn wait_for(b: &Browser, css: &str, pred: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(el) = b.client.find(Locator::Css(css)).await
            && let Ok(text) = el.text().await
        {
            if pred(&text) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never matched; last text: {last:?}");
}

/// Opens `path` and waits until its live event stream is connected.
async fn open_live(b: &Browser, app: &TestApp, path: &str) {
    b.client.goto(&app.url(path)).await.unwrap();
    wait_for(b, "#bell[data-opened]", |_| true).await;
}

#[tokio::test]
async fn two_members_work_one_conversation_live() {
    let (Some(a), Some(b)) = (Browser::start().await, Browser::start().await) else {
        return;
    };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    app.member(&account, "bea@example.com", Role::Agent).await;
    sign_in(&a, &app, "ada@example.com").await;
    sign_in(&b, &app, "bea@example.com").await;
    let inbox = format!("/a/{account}/inbox");
    open_live(&a, &app, &inbox).await;
    open_live(&b, &app, &inbox).await;

    // A guest writes: a signed webhook, processed by the worker, shows up in both open inboxes without reload.
    let dm = "Hallo, habt ihr morgen um 15 Uhr Zeit?";
    let (status, _) = app.post_meta(&wa_text("wamid.browser1", GUEST, dm, NOW)).await;
    assert_eq!(status, StatusCode::OK);
    app.drain().await;
    for browser in [&a, &b] {
        let row = wait_for(browser, "#conversations", |t| t.contains(dm)).await;
        assert!(row.contains("Guest") && row.contains("Bot"), "{row}");
    }

    // A opens it and takes over from the bot.
    a.client.find(Locator::Css("#conversations a")).await.unwrap().click().await.unwrap();
    wait_for(&a, "#takeover", |_| true).await;
    let thread = a.client.current_url().await.unwrap().path().to_owned();
    a.client.find(Locator::Id("takeover")).await.unwrap().click().await.unwrap();
    wait_for(&a, "#mode", |t| t == "Human").await;
    let window = wait_for(&a, "#window", |_| true).await;
    assert_eq!(window, "WhatsApp: 23 h left in the 24 h window");

    // B opens the same thread and sees the takeover in the trail.
    open_live(&b, &app, &thread).await;
    wait_for(&b, "#thread", |t| t.contains("Owner took over from the bot")).await;
    wait_for(&b, "#mode", |t| t == "Human").await;

    // A replies by hand; the send job delivers exactly that text to the fake WhatsApp.
    let reply = "Ja, morgen um 15 Uhr ist frei 😊";
    a.client.find(Locator::Id("reply-text")).await.unwrap().send_keys(reply).await.unwrap();
    a.client.find(Locator::Id("send")).await.unwrap().click().await.unwrap();
    wait_for(&a, "#thread", |t| t.contains(reply)).await;
    app.drain().await;
    let sent = app.fakes.sent_messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!((sent[0].text.as_str(), sent[0].recipient.trim_start_matches('+')), (reply, GUEST));

    // B sees the reply live, with its delivery tick.
    let seen = wait_for(&b, "#thread", |t| t.contains(reply) && t.contains("Sent")).await;
    assert!(seen.contains(dm), "{seen}");

    // A note: visible to the team (live for B), never sent to the guest.
    let note = "Stammgast, mag Fensterplatz";
    a.client.find(Locator::Css("details.note-toggle summary")).await.unwrap().click().await.unwrap();
    a.client.find(Locator::Id("note-text")).await.unwrap().send_keys(note).await.unwrap();
    a.client.find(Locator::Id("add-note")).await.unwrap().click().await.unwrap();
    wait_for(&b, "#thread .note", |t| t.contains(note)).await;
    app.drain().await;
    assert_eq!(app.fakes.sent_messages().len(), 1, "the note did not reach the platform");
    assert!(app.fakes.requests().iter().filter(|r| r.is_send()).all(|r| !r.body.to_string().contains(note)));

    // B is an agent: the team page is closed to them.
    b.client.goto(&app.url(&format!("/a/{account}/team"))).await.unwrap();
    let denied = wait_for(&b, "main", |_| true).await;
    assert!(denied.contains("Your role in this account does not allow this."), "{denied}");

    // A member of another account cannot open the conversation by its URL.
    let (stranger, _) = app.signup("Other Place", "eve@example.com").await;
    assert_eq!(stranger.get(&thread).await.status, StatusCode::NOT_FOUND);
    a.close().await;
    b.close().await;
}

/// A business in Berlin reads its inbox on a laptop and on a phone: the list and the thread show the guest's message
/// at Berlin time (never UTC) and nothing sits off-screen. Screenshots go to the test's output folder.
#[tokio::test]
async fn the_inbox_shows_local_times_on_a_laptop_and_a_phone() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let dm = "Hallo, habt ihr morgen um 15 Uhr Zeit?";
    assert_eq!(app.post_meta(&wa_text("wamid.times1", GUEST, dm, NOW)).await.0, StatusCode::OK);
    app.drain().await;
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);
    let at = tenant.inbox().thread(conversation).await.unwrap()[0].at();
    let local = at.with_timezone(&chrono_tz::Europe::Berlin).format("%H:%M").to_string();
    let utc = at.format("%H:%M").to_string();
    assert_ne!(local, utc);

    sign_in(&b, &app, "ada@example.com").await;
    let shots = crate::browser::screenshots();
    let inbox = format!("/a/{account}/inbox");
    for (size, name) in [(LAPTOP, "laptop"), (PHONE, "phone")] {
        b.resize(size).await;
        b.client.goto(&app.url(&inbox)).await.unwrap();
        let row = wait_for(&b, "#conversations", |t| t.contains(dm)).await;
        assert!(row.contains(&local) && !row.contains("UTC"), "{name}: {row}");
        assert!(!b.overflows_sideways().await, "{name}: the inbox list is wider than the window");
        b.screenshot(&shots, &format!("inbox_times_list_{name}")).await;

        b.client.goto(&app.url(&format!("{inbox}/{conversation}"))).await.unwrap();
        let thread = wait_for(&b, "#thread", |t| t.contains(dm)).await;
        assert!(thread.contains(&local) && !thread.contains("UTC"), "{name}: {thread}");
        assert!(!b.overflows_sideways().await, "{name}: the thread is wider than the window");
        b.screenshot(&shots, &format!("inbox_times_thread_{name}")).await;
    }
    b.close().await;
}

/// The header: on a laptop the sections sit in one row with the settings pages behind one menu; on a phone they
/// hide behind a Menu button, so the page starts near the top, and the menu opens without JavaScript.
#[tokio::test]
async fn the_header_is_one_row_on_a_laptop_and_a_menu_on_a_phone() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    sign_in(&b, &app, "ada@example.com").await;
    let shots = crate::browser::screenshots();
    let inbox = format!("/a/{account}/inbox");
    let shown = |css: String| {
        let b = &b;
        async move { b.client.find(Locator::Css(&css)).await.unwrap().is_displayed().await.unwrap() }
    };
    let header_height = || async {
        let h = b.client.execute("return document.querySelector('header').offsetHeight;", vec![]).await.unwrap();
        h.as_f64().unwrap()
    };

    b.resize(LAPTOP).await;
    b.client.goto(&app.url(&inbox)).await.unwrap();
    wait_for(&b, "main h1", |_| true).await;
    assert!(shown(format!("header a[href='{inbox}']")).await && !shown(".menu-button".into()).await);
    assert!(header_height().await < 70.0, "one row: {}", header_height().await);
    let team = format!("header a[href='/a/{account}/team']");
    assert!(!shown(team.clone()).await, "settings pages wait behind their menu");
    b.client.find(Locator::Css("details.settings-menu summary")).await.unwrap().click().await.unwrap();
    assert!(shown(team.clone()).await);
    b.screenshot(&shots, "header_laptop_settings_open").await;
    b.client.goto(&app.url(&format!("/a/{account}"))).await.unwrap();
    wait_for(&b, "#setup-progress", |t| t == "0 of 5 done").await;
    b.screenshot(&shots, "home_laptop").await;

    b.resize(PHONE).await;
    b.client.goto(&app.url(&inbox)).await.unwrap();
    wait_for(&b, "main h1", |_| true).await;
    assert!(!shown(format!("header a[href='{inbox}']")).await && shown(".menu-button".into()).await);
    assert!(header_height().await < 110.0, "the menu is folded: {}", header_height().await);
    assert!(!b.overflows_sideways().await);
    b.screenshot(&shots, "header_phone_folded").await;
    b.client.goto(&app.url(&format!("/a/{account}"))).await.unwrap();
    wait_for(&b, "#setup-progress", |t| t == "0 of 5 done").await;
    assert!(!b.overflows_sideways().await, "the home fits a phone");
    b.screenshot(&shots, "home_phone").await;
    b.client.goto(&app.url(&inbox)).await.unwrap();
    wait_for(&b, "main h1", |_| true).await;
    b.client.find(Locator::Css(".menu-button")).await.unwrap().click().await.unwrap();
    assert!(shown(format!("header a[href='{inbox}']")).await);
    b.screenshot(&shots, "header_phone_open").await;
    b.client
        .find(Locator::Css(&format!("header a[href='/a/{account}/contacts']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for_path(&b, |p| p == format!("/a/{account}/contacts")).await;
    b.close().await;
}

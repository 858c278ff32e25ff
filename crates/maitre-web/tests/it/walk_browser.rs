//! The pages an owner uses all day, walked in headless Chromium at laptop and phone size in English, German and
//! French: each shows its heading, has nothing wider than the window, shows no time in UTC, (in German and French)
//! no English in the header, and axe-core finds no serious or critical accessibility violation. Screenshots go to
//! the tests' output folder; load times are printed.
use std::time::Instant;

use fantoccini::Locator;
use maitre_domain::Locale;
use maitre_testkit::{Browser, LAPTOP, PHONE};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::inbox::GUEST;
use crate::webhooks::{NOW, WA, wa_text};

#[tokio::test]
async fn the_owners_pages_in_three_languages_at_two_sizes() {
    let Some(b) = Browser::start().await else { return };
    let app = TestApp::spawn().await;
    let (_, account) = app.signup("Salon Bella", "ada@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    let whatsapp = app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    // An approved template made in WhatsApp Manager: the templates page lists it, the thread offers it.
    app.fakes.add_template(
        "100000000000001",
        serde_json::json!({"name": "tisch_bereit", "language": "de", "components": [
            {"type": "BODY", "text": "Hallo {{1}}, Ihr Tisch ist bereit. Bis gleich!"},
            {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "Ich komme"}]}
        ]}),
    );
    app.core.set_waba(&tenant, whatsapp.id, "100000000000001").await.unwrap();
    let template = tenant.templates().list().await.unwrap().remove(0).id;
    // A booking whose guest was told of a decision, and could not be reminded: the booking lists both.
    let booking = crate::analytics::book(&tenant, "Lena Vogel", 2, &maitre_store::Origin::staff()).await;
    let told = maitre_store::GuestOutcome::Sent("Ihre Reservierung am Do., 24.09.2026 um 20:00 ist bestätigt.".into());
    let confirmed = maitre_domain::booking::guest_messages::GuestMessage::Confirmed;
    tenant.reservations().note_guest_message(booking, confirmed, &told).await.unwrap();
    let reminder = maitre_domain::booking::guest_messages::GuestMessage::Reminder;
    let missed = maitre_store::GuestOutcome::NotPossible("instagram".into());
    tenant.reservations().note_guest_message(booking, reminder, &missed).await.unwrap();
    assert_eq!(app.post_meta(&wa_text("wamid.walk1", GUEST, "Hallo!", NOW)).await.0, StatusCode::OK);
    app.drain().await;
    let conversation = tenant.conversations().conversation_ids().await.unwrap().remove(0);
    let contact = tenant.inbox().conversation(conversation, maitre_domain::UserId::new()).await.unwrap().contact_id;
    let owner = app.store.user_by_email("ada@example.com").await.unwrap();
    // A message scheduled for the next morning: the thread lists it under the composer, with its forms.
    let morning = app.clock.now() + chrono::TimeDelta::hours(17);
    let text = "Guten Morgen! Ihr Tisch für heute Abend ist reserviert; sagen Sie uns gern, wenn Sie später kommen.";
    app.core.schedule(&tenant, conversation, Some(owner.id), text, morning).await.unwrap();
    // The guest asks for a table and leaves the date open: the analytics page has a funnel to show and a stop.
    let flow = maitre_app::flows::install_published(&tenant, "restaurant_de", "walk").await.unwrap();
    assert_eq!(app.post_meta(&wa_text("wamid.walk2", GUEST, "Einen Tisch bitte", NOW + 1)).await.0, StatusCode::OK);
    app.drain().await;
    // Two saved runs of the analytics page, so its runs page has a trend to show.
    for name in ["Vor der Aktion", "Nach der Aktion"] {
        let run = maitre_store::NewInsightRun {
            name: name.into(),
            period: maitre_domain::metrics::report::Period::ending(
                chrono::NaiveDate::from_ymd_opt(2026, 9, 21).unwrap(),
                30,
            ),
            preset: Some(30),
            channel: String::new(),
            figures: maitre_domain::metrics::insight::snapshot(&Default::default()),
        };
        tenant.insights().save(&run, Some(owner.id)).await.unwrap();
    }
    // A saved segment of guests who said yes to marketing messages on WhatsApp.
    let rules = maitre_domain::segments::SegmentRules {
        platforms: vec![maitre_domain::Platform::WhatsApp],
        consent: Some(maitre_domain::segments::ConsentRule::OptedIn),
        ..Default::default()
    };
    let segment = tenant.segments().create("Stammgäste auf WhatsApp", &rules).await.unwrap().id;
    // A broadcast to them still to send (its dry run), and one sent (its progress and recipients).
    let body = "Hallo! Ab Freitag ist unsere Terrasse wieder offen. Wir freuen uns auf Sie.";
    let draft =
        maitre_store::BroadcastDraft { name: "Terrasse", segment_id: segment, body, template_id: None, rate: 20 };
    let planned = tenant.broadcasts().create(&draft, Some(owner.id)).await.unwrap().id;
    let everyone = tenant.segments().create("Alle", &Default::default()).await.unwrap().id;
    let draft = maitre_store::BroadcastDraft { name: "Herbstkarte", segment_id: everyone, ..draft };
    let sent = tenant.broadcasts().create(&draft, Some(owner.id)).await.unwrap().id;
    app.core.command_broadcast(&tenant, sent, maitre_domain::broadcasts::Command::Send).await.unwrap();
    app.drain().await;
    crate::inbox_browser::sign_in(&b, &app, "ada@example.com").await;

    let base = format!("/a/{account}");
    let pages = [
        ("home", base.clone()),
        ("inbox", format!("{base}/inbox")),
        ("thread", format!("{base}/inbox/{conversation}")),
        ("thread-template", format!("{base}/inbox/{conversation}?template={template}")),
        ("contacts", format!("{base}/contacts")),
        ("contact", format!("{base}/contacts/{contact}")),
        ("segments", format!("{base}/segments")),
        ("segment", format!("{base}/segments/{segment}")),
        ("broadcasts", format!("{base}/broadcasts")),
        ("new-broadcast", format!("{base}/broadcasts/new")),
        ("broadcast", format!("{base}/broadcasts/{planned}")),
        ("broadcast-sent", format!("{base}/broadcasts/{sent}")),
        ("reservations", format!("{base}/reservations")),
        ("analytics", format!("{base}/analytics?compare=1")),
        ("analytics-runs", format!("{base}/analytics/runs")),
        ("analytics-stopped", format!("{base}/analytics/flows/{}/stopped?node=ask_date", flow.id)),
        ("notifications", format!("{base}/notifications")),
        ("channels", format!("{base}/channels")),
        ("templates", format!("{base}/templates")),
        ("team", format!("{base}/team")),
        ("tokens", format!("{base}/tokens")),
        ("operations", format!("{base}/operations")),
        ("booking", format!("{base}/booking")),
        ("guest-texts", format!("{base}/booking/messages")),
        ("calendar", format!("{base}/calendar")),
        ("new-reservation", format!("{base}/reservations/new")),
        ("reservation", format!("{base}/reservations/{booking}")),
        ("flows", format!("{base}/flows")),
        ("flow-editor", format!("{base}/flows/{}", flow.id)),
        ("canned", format!("{base}/canned")),
        ("settings", format!("{base}/settings")),
        ("profile", "/me".to_owned()),
    ];
    let shots = crate::browser::screenshots();
    let (mut slowest, mut problems) = (0u128, Vec::new());
    for locale in [Locale::En, Locale::De, Locale::Fr] {
        app.store.update_profile(owner.id, "Ada", locale).await.unwrap();
        for (size, size_name) in [(LAPTOP, "laptop"), (PHONE, "phone")] {
            b.resize(size).await;
            for (name, path) in &pages {
                let start = Instant::now();
                b.client.goto(&app.url(path)).await.unwrap();
                b.client.find(Locator::Css("body")).await.unwrap();
                slowest = slowest.max(start.elapsed().as_millis());
                let label = format!("{}/{size_name}/{name}", locale.as_str());
                if b.client.find(Locator::Css("main h1")).await.is_err() {
                    problems.push(format!("{label}: no heading"));
                }
                if b.overflows_sideways().await {
                    problems.push(format!("{label}: wider than the window: {}", b.past_the_right_edge().await));
                }
                // Option lists (the profile's time zones) may name UTC; what the page says may not.
                let said = b
                    .client
                    .execute(
                        "const c = document.body.cloneNode(true); c.querySelectorAll('select, script').forEach(e => e.remove()); return c.innerText || c.textContent;",
                        vec![],
                    )
                    .await
                    .unwrap();
                if said.as_str().unwrap_or_default().contains("UTC") {
                    problems.push(format!("{label}: a time in UTC"));
                }
                let header = b.client.find(Locator::Css("header")).await.unwrap().html(false).await.unwrap();
                if locale != Locale::En
                    && ["Settings", "Inbox", "Sign out", "Reservations<"].iter().any(|w| header.contains(w))
                {
                    problems.push(format!("{label}: English in the header"));
                }
                for violation in b.accessibility_problems().await.unwrap_or_default() {
                    problems.push(format!("{label}: {violation}"));
                }
                b.screenshot(&shots, &format!("walk_{}_{size_name}_{name}", locale.as_str())).await;
                if locale == Locale::En && size == LAPTOP {
                    // HTML, CSS and scripts as delivered, uncompressed (the closing notes quote these).
                    let weight = "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + (e.decodedBodySize || 0), 0);";
                    let bytes = b.client.execute(weight, vec![]).await.unwrap().as_f64().unwrap_or_default();
                    // When the page was ready (DOMContentLoaded after the navigation began), debug build: printed for
                    // the notes, not asserted (timings belong in benchmarks).
                    let ready = "return performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd;";
                    let ms = b.client.execute(ready, vec![]).await.unwrap().as_f64().unwrap_or_default();
                    eprintln!("page weight {name}: {:.1} KB, ready after {ms:.0} ms", bytes / 1024.0);
                }
            }
        }
    }
    eprintln!("slowest page load in the walk: {slowest} ms");
    // The thread's folded forms opened (send later, changing a scheduled message, its cancel), in French on a phone.
    b.resize(PHONE).await;
    b.client.goto(&app.url(&format!("{base}/inbox/{conversation}"))).await.unwrap();
    let open = "document.querySelectorAll('#composer details').forEach(d => d.open = true); \
                document.getElementById('scheduled').scrollIntoView();";
    b.client.execute(open, vec![]).await.unwrap();
    if b.overflows_sideways().await {
        problems.push(format!("fr/phone/thread-open: wider than the window: {}", b.past_the_right_edge().await));
    }
    for violation in b.accessibility_problems().await.unwrap_or_default() {
        problems.push(format!("fr/phone/thread-open: {violation}"));
    }
    b.screenshot(&shots, "walk_fr_phone_thread-open").await;
    b.close().await;

    // Dark mode (the system's setting): the same pages, checked for contrast and the rest by axe-core.
    let Some(dark) = Browser::start_dark().await else { return };
    crate::inbox_browser::sign_in(&dark, &app, "ada@example.com").await;
    dark.resize(LAPTOP).await;
    for (name, path) in &pages {
        dark.client.goto(&app.url(path)).await.unwrap();
        for violation in dark.accessibility_problems().await.unwrap_or_default() {
            problems.push(format!("dark/{name}: {violation}"));
        }
        dark.screenshot(&shots, &format!("walk_dark_{name}")).await;
    }
    dark.close().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! The analytics page in headless Chromium after the scripted week of `analytics.rs`: the figures as a member
//! reads them, the chart beside its table, the CSV equal to the table, and the figures' links to what is behind
//! them, at laptop and phone size.
use fantoccini::Locator;
use maitre_testkit::{Browser, LAPTOP, PHONE};
use serde_json::Value;

use crate::inbox_browser::{sign_in, wait_for};

async fn run(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

#[tokio::test]
async fn the_analytics_page_shows_a_scripted_week_and_leads_to_what_is_behind_it() {
    let Some(b) = Browser::start().await else { return };
    let (app, _, account, _) = crate::analytics::setup().await;
    sign_in(&b, &app, "owner@example.com").await;
    let shots = crate::browser::screenshots();
    b.resize(LAPTOP).await;
    b.client.goto(&app.url(&format!("/a/{account}/analytics?range=7&compare=1"))).await.unwrap();
    let value = |id: &str| format!("return document.querySelector('#figure-{id} td.value').textContent.trim();");
    for (id, want) in [
        ("conversations", "4"),
        ("handoff-rate", "25.0%"),
        ("first-response-team", "10 min – 15 min"),
        ("flow-bookings", "1 · 4 guests"),
        ("no-show-rate", "50.0%"),
    ] {
        assert_eq!(run(&b, &value(id)).await, want, "{id}");
    }
    assert_eq!(run(&b, "return document.querySelectorAll('svg.chart rect.bar-in').length;").await, 7);
    assert_eq!(run(&b, "return document.querySelector('svg.chart').getAttribute('role');").await, "img");
    b.screenshot(&shots, "analytics_en_laptop_figures").await;

    // The table per day opens, and the CSV download says exactly what it shows.
    b.client.find(Locator::Css("#days-table summary")).await.unwrap().click().await.unwrap();
    let same = "const done = arguments[arguments.length - 1];
        const table = [...document.querySelectorAll('#days-table tbody tr')]
            .map(r => [...r.cells].map(c => c.textContent).join(','));
        fetch(document.getElementById('days-csv').href).then(r => r.text())
            .then(t => done({ csv: t.trim().split(/\\r?\\n/).slice(1), table }));";
    let both = b.client.execute_async(same, vec![]).await.unwrap();
    assert_eq!(both["table"].as_array().unwrap().len(), 7);
    assert_eq!(both["csv"], both["table"], "the CSV is the table");
    run(&b, "document.getElementById('section-days').scrollIntoView();").await;
    b.screenshot(&shots, "analytics_en_laptop_chart").await;

    // The visits lead to the period's reservations, the new conversations to the inbox.
    b.client.find(Locator::Css("#figure-visits a")).await.unwrap().click().await.unwrap();
    let list = wait_for(&b, "main", |t| t.contains("Lena Vogel")).await;
    assert!(list.contains("By Hand"), "both visits of the period");
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("from=2026-09-19&to=2026-09-25"));
    b.client.back().await.unwrap();
    b.client.find(Locator::Css("#figure-conversations a")).await.unwrap().click().await.unwrap();
    wait_for(&b, "main", |t| t.contains("4917100000004") || t.contains("Hallo")).await;
    assert_eq!(run(&b, "return document.querySelectorAll('li.conversation').length;").await, 4);
    let said = run(&b, "return document.getElementById('began').textContent.trim();").await;
    assert_eq!(said, "Conversations begun from 19 Sep 2026 to 25 Sep 2026. Show all conversations");
    b.screenshot(&shots, "inbox_begun_laptop").await;

    // On a phone nothing sits off-screen; the team's row reads as the owner's figures.
    b.resize(PHONE).await;
    b.client.goto(&app.url(&format!("/a/{account}/analytics?range=7"))).await.unwrap();
    assert!(!b.overflows_sideways().await, "the page fits a phone");
    run(&b, "document.getElementById('section-days').scrollIntoView();").await;
    b.screenshot(&shots, "analytics_en_phone_chart").await;
    // The waits and comebacks read on a phone too.
    assert_eq!(run(&b, &value("reply-time-team-p90")).await, "40 min – 45 min");
    assert_eq!(run(&b, &value("came-back")).await, "1");
    run(&b, "document.getElementById('figure-first-response-bot').scrollIntoView();").await;
    b.screenshot(&shots, "analytics_en_phone_times").await;
    // Who came back, and the conversations handed to the team, open their lists on a phone.
    b.client.find(Locator::Css("#figure-came-back a")).await.unwrap().click().await.unwrap();
    let said = wait_for(&b, "#added", |t| t.contains("wrote again")).await;
    let expected =
        "Guests who wrote again from 19 Sep 2026 to 25 Sep 2026, a day or more after their previous message.";
    assert_eq!(said.trim(), format!("{expected} Show all contacts"));
    assert_eq!(run(&b, "return document.querySelectorAll('tr[id^=contact-]').length;").await, 1);
    assert!(!b.overflows_sideways().await, "the guests who came back fit a phone");
    b.screenshot(&shots, "contacts_came_back_en_phone").await;
    b.client.back().await.unwrap();
    b.client.find(Locator::Css("#figure-handoff-rate a")).await.unwrap().click().await.unwrap();
    let said = wait_for(&b, "#began", |t| t.contains("handed over")).await;
    assert!(said.starts_with("Conversations begun from 19 Sep 2026 to 25 Sep 2026 that a flow handed over"), "{said}");
    assert_eq!(run(&b, "return document.querySelectorAll('li.conversation').length;").await, 1);
    assert!(!b.overflows_sideways().await, "the handed-off conversations fit a phone");
    b.screenshot(&shots, "inbox_handed_off_en_phone").await;
    b.client.back().await.unwrap();
    let owner_row =
        "return [...document.querySelectorAll('#team-table tbody tr')[0].cells].map(c => c.textContent.trim());";
    assert_eq!(run(&b, owner_row).await, serde_json::json!(["Owner", "2", "2", "10 min – 15 min"]));
    run(&b, "document.getElementById('section-team').scrollIntoView();").await;
    b.screenshot(&shots, "analytics_en_phone_team").await;

    // An agent's own activity, in German, on a phone.
    app.member(&account, "agent@example.com", maitre_domain::Role::Agent).await;
    let agent = app.store.user_by_email("agent@example.com").await.unwrap();
    app.store.update_profile(agent.id, "Jonas", maitre_domain::Locale::De).await.unwrap();
    b.client.delete_all_cookies().await.unwrap();
    sign_in(&b, &app, "agent@example.com").await;
    b.client.goto(&app.url(&format!("/a/{account}/analytics?range=7"))).await.unwrap();
    let main = wait_for(&b, "main", |t| t.contains("Meine Aktivität")).await;
    assert!(main.contains("Ihre Antworten") && main.contains("Jonas") && !main.contains("Abläufe"), "{main}");
    assert!(!b.overflows_sideways().await, "the agent's page fits a phone");
    b.screenshot(&shots, "analytics_de_phone_agent").await;
    // The new conversations' list of the period, in German on a phone: the days as German writes them.
    b.client.goto(&app.url(&format!("/a/{account}/inbox?filter=all&from=2026-09-19&to=2026-09-25"))).await.unwrap();
    let said = run(&b, "return document.getElementById('began').textContent.trim();").await;
    assert_eq!(said, "Gespräche, begonnen vom 19.09.2026 bis 25.09.2026. Alle Gespräche zeigen");
    assert!(!b.overflows_sideways().await, "the list fits a phone");
    b.screenshot(&shots, "inbox_begun_de_phone").await;
    let handed = format!("/a/{account}/inbox?filter=all&from=2026-09-19&to=2026-09-25&outcome=handed_off");
    b.client.goto(&app.url(&handed)).await.unwrap();
    let said = run(&b, "return document.getElementById('began').textContent.trim();").await;
    assert!(said.as_str().unwrap().contains("die ein Ablauf ans Team übergeben hat."), "{said}");
    assert!(!b.overflows_sideways().await, "the handed-off list fits a phone");
    b.screenshot(&shots, "inbox_handed_off_de_phone").await;

    // The owner in French on a laptop: what flows booked, and who opted out, with the days as French writes them.
    let owner = app.store.user_by_email("owner@example.com").await.unwrap();
    app.store.update_profile(owner.id, "Owner", maitre_domain::Locale::Fr).await.unwrap();
    b.client.delete_all_cookies().await.unwrap();
    b.resize(LAPTOP).await;
    sign_in(&b, &app, "owner@example.com").await;
    let booked = format!("/a/{account}/reservations?from=&made_from=2026-09-19&made_to=2026-09-25&by=maitre");
    b.client.goto(&app.url(&booked)).await.unwrap();
    let said = wait_for(&b, "#made", |t| t.contains("parcours")).await;
    assert!(said.starts_with("Réservations faites par vos parcours du 19/09/2026 au 25/09/2026"), "{said}");
    let main = wait_for(&b, "main", |t| t.contains("Lena Vogel")).await;
    assert!(!main.contains("By Hand"), "{main}");
    b.screenshot(&shots, "reservations_by_maitre_fr_laptop").await;
    let came = format!("/a/{account}/contacts?from=2026-09-19&to=2026-09-25&event=came_back");
    b.client.goto(&app.url(&came)).await.unwrap();
    let said = wait_for(&b, "#added", |t| t.contains("réécrit")).await;
    assert!(said.starts_with("Clients qui ont réécrit du 19/09/2026 au 25/09/2026"), "{said}");
    assert!(!b.overflows_sideways().await, "the list fits a laptop");
    b.screenshot(&shots, "contacts_came_back_fr_laptop").await;
    b.close().await;
}

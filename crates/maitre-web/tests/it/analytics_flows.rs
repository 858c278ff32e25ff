//! Flow funnels after guests talk to the restaurant template over signed WhatsApp webhooks: one books, one asks
//! something else instead of a date, one leaves the time open. The page's funnel, its drill-down to what the guest
//! wrote where they stopped, the API's same numbers, the member's language, and who may see them.
use maitre_app::flows::install_published;
use maitre_domain::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::api::call;
use crate::helpers::{Client, TestApp};
use crate::webhooks::WA;

const DATE_QUESTION: &str = "Gerne! Für welchen Tag möchten Sie einen Tisch reservieren?";

async fn guest_says(app: &TestApp, n: u32, (from, name): (&str, &str), text: &str) {
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001111", "phone_number_id": WA},
            "contacts": [{"profile": {"name": name}, "wa_id": from}],
            "messages": [{"from": from, "id": format!("wamid.funnel{n}"), "timestamp": app.clock.now().timestamp().to_string(),
                "type": "text", "text": {"body": text}}]
        }}]}]
    }))
    .unwrap();
    assert_eq!(app.post_meta(&body).await.0, StatusCode::OK);
    app.drain().await;
}

pub(crate) struct Evening {
    pub app: TestApp,
    pub owner: Client,
    pub account: String,
    pub flow: String,
}

/// Monday 21 September 2026 in Berlin: Anna books in two messages, Ben asks about the menu instead of giving a
/// date, Cleo names the day but no time.
pub(crate) async fn evening() -> Evening {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    let flow = install_published(&tenant, "restaurant_de", "test").await.unwrap().id.to_string();
    let (anna, ben, cleo) =
        (("4917100000011", "Anna Schmidt"), ("4917100000012", "Ben Weber"), ("4917100000013", "Cleo Roth"));
    guest_says(&app, 1, anna, "Tisch für 4 morgen um 20 Uhr").await;
    guest_says(&app, 2, anna, "Anna Schmidt").await;
    guest_says(&app, 3, ben, "Hallo, einen Tisch bitte").await;
    guest_says(&app, 4, ben, "Was kostet das Menü?").await;
    guest_says(&app, 5, cleo, "Tisch für 2 morgen").await;
    Evening { app, owner, account, flow }
}

/// The funnel table's rows: (step, what it says, runs, answered, stopped here).
fn funnel(body: &str, flow: &str) -> Vec<[String; 5]> {
    let start = body.find(&format!("id=\"funnel-{flow}\"")).unwrap_or_else(|| panic!("no funnel in {body}"));
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let text = |cell: &str| {
        let mut out = String::new();
        let mut inside = false;
        for ch in cell.chars() {
            match ch {
                '<' => inside = true,
                '>' => inside = false,
                c if !inside => out.push(c),
                _ => {}
            }
        }
        out.trim().to_owned()
    };
    let tbody = &table[table.find("<tbody>").unwrap()..];
    tbody
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let th = &row[row.find("<th").unwrap()..row.find("</th>").unwrap()];
            let (label, detail) = th.split_once("<br>").unwrap_or((th, ""));
            let cell = |class: &str| {
                let at = row.find(&format!("class=\"{class}\"")).unwrap();
                text(&row[at + row[at..].find('>').unwrap() + 1..at + row[at..].find("</td>").unwrap()])
            };
            [text(&format!("{label}>")), text(detail), cell("runs"), cell("answered"), cell("stopped")]
        })
        .collect()
}

#[tokio::test]
async fn the_funnel_shows_where_guests_stopped_and_what_they_wrote_there() {
    let e = evening().await;
    let page = e.owner.get(&format!("/a/{}/analytics?range=7", e.account)).await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = funnel(&page.body, &e.flow);
    let row = |label: &str, detail: &str| {
        rows.iter().find(|r| r[0] == label && r[1].starts_with(detail)).unwrap_or_else(|| panic!("{label} {rows:?}"))
    };
    let strings = |r: [&str; 3]| r.map(str::to_owned);
    assert_eq!(rows[0][..3], strings(["Started", "", "3"]), "three guests started the booking flow");
    assert_eq!(row("Question", DATE_QUESTION)[2..], strings(["3", "2", "1"]), "Ben never gave a date");
    assert_eq!(row("Question", "Um wie viel Uhr")[2..], strings(["1", "0", "1"]), "Cleo never gave a time");
    assert_eq!(row("Question", "Auf welchen Namen")[2..], strings(["1", "1", "0"]));
    assert_eq!(row("Reached the end", "")[2], "1");
    assert_eq!(row("Booked", "")[2], "1", "Anna's table");
    assert!(page.body.contains("<svg class=\"share\""), "each count with its share drawn");

    // Ben's stop opens what he wrote instead of a date.
    let link = format!("/a/{}/analytics/flows/{}/stopped?range=7&#38;node=ask_date", e.account, e.flow);
    assert!(page.body.contains(&link), "the stopped count links to its runs");
    let stopped = e.owner.get(&link.replace("&#38;", "&")).await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);
    assert!(stopped.body.contains(DATE_QUESTION), "the question named");
    assert!(stopped.body.contains("Ben Weber") && stopped.body.contains("Was kostet das Menü?"), "{}", stopped.body);
    assert!(stopped.body.contains("21 Sep 2026, 16:15"), "asked at, in Berlin's time: {}", stopped.body);
    assert!(!stopped.body.contains("Anna Schmidt") && !stopped.body.contains("Cleo Roth"), "only who stopped there");
    let conversations = e.app.store.tenant_for_operator(e.account.parse().unwrap()).await.unwrap();
    let ben = conversations.conversations().conversation_ids().await.unwrap()[1];
    assert!(stopped.body.contains(&format!("/a/{}/inbox/{ben}", e.account)), "the guest opens the conversation");

    // The API gives the same numbers.
    let token = e.app.token(&e.account, Role::Admin).await;
    let (status, json) =
        call(&e.app, reqwest::Method::GET, "/api/v1/analytics/flows?range=7", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let flow = &json["flows"][0];
    assert_eq!((flow["flow_id"].as_str(), flow["started"].as_i64()), (Some(e.flow.as_str()), Some(3)));
    assert_eq!((flow["completed"].as_i64(), flow["booked"].as_i64()), (Some(1), Some(1)));
    let date = flow["steps"].as_array().unwrap().iter().find(|s| s["node"] == "ask_date").unwrap();
    assert_eq!(
        date,
        &json!({"node": "ask_date", "type": "ask", "text": DATE_QUESTION, "entered": 3, "answered": 2,
        "stopped": 1})
    );
    // Before the flow ran, nothing.
    let (_, before) = call(
        &e.app,
        reqwest::Method::GET,
        "/api/v1/analytics/flows?range=custom&from=2026-09-01&to=2026-09-20",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(before["flows"], json!([]));
}

#[tokio::test]
async fn funnels_speak_the_members_language_and_stay_with_their_business() {
    let e = evening().await;
    let de = e.owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "de")]).await;
    assert_eq!(de.status, StatusCode::SEE_OTHER);
    let page = e.owner.get(&format!("/a/{}/analytics?range=7", e.account)).await.body;
    let rows = funnel(&page, &e.flow);
    assert_eq!((rows[0][0].as_str(), rows[rows.len() - 1][0].as_str()), ("Begonnen", "Gebucht"));
    for english in ["Started", "Stopped here", "Reached the end", "Question"] {
        assert!(!page.contains(english), "English left: {english}");
    }
    let stopped = format!("/a/{}/analytics/flows/{}/stopped?range=7&node=ask_date", e.account, e.flow);
    let body = e.owner.get(&stopped).await.body;
    assert!(body.contains("Wo Gäste aufhörten") && body.contains("21.09.2026"), "{body}");

    // A step that is no question, an unknown step, a flow that is not one, a bad period.
    for (query, status) in [
        ("range=7&node=reserve", StatusCode::NOT_FOUND),
        ("range=7&node=nowhere", StatusCode::NOT_FOUND),
        ("range=8&node=ask_date", StatusCode::BAD_REQUEST),
    ] {
        let res = e.owner.get(&format!("/a/{}/analytics/flows/{}/stopped?{query}", e.account, e.flow)).await;
        assert_eq!(res.status, status, "{query}: {}", res.body);
    }
    let res = e.owner.get(&format!("/a/{}/analytics/flows/not-a-flow/stopped?node=ask_date", e.account)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // Another business neither sees this flow nor its guests; agents see no funnels.
    let (other, elsewhere) = e.app.signup("Other Place", "eve@example.com").await;
    let theirs = other.get(&format!("/a/{elsewhere}/analytics/flows/{}/stopped?node=ask_date", e.flow)).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(other.get(&format!("/a/{elsewhere}/analytics")).await.body.contains("id=\"funnels-empty\""));
    let agent = e.app.member(&e.account, "agent@example.com", Role::Agent).await;
    assert_eq!(agent.get(&stopped).await.status, StatusCode::FORBIDDEN);
    let token = e.app.token(&e.account, Role::Agent).await;
    let (status, _) = call(&e.app, reqwest::Method::GET, "/api/v1/analytics/flows", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn in_a_browser_the_funnel_leads_to_the_guest_who_stopped_at_laptop_and_phone_size() {
    let Some(b) = maitre_testkit::Browser::start().await else { return };
    let e = evening().await;
    crate::inbox_browser::sign_in(&b, &e.app, "owner@example.com").await;
    let shots = crate::browser::screenshots();
    for (size, name) in [(maitre_testkit::LAPTOP, "laptop"), (maitre_testkit::PHONE, "phone")] {
        b.resize(size).await;
        b.client.goto(&e.app.url(&format!("/a/{}/analytics?range=7", e.account))).await.unwrap();
        let started = "return document.querySelector('table.funnel tbody tr td.runs').textContent.trim();";
        assert_eq!(b.client.execute(started, vec![]).await.unwrap(), "3");
        assert!(!b.overflows_sideways().await, "{name}: the funnel fits");
        b.client.execute("document.getElementById('section-flows').scrollIntoView();", vec![]).await.unwrap();
        b.screenshot(&shots, &format!("analytics_funnel_{name}")).await;

        let stop = b.client.find(fantoccini::Locator::Css("table.funnel td.stopped a")).await.unwrap();
        assert_eq!(stop.text().await.unwrap(), "1");
        stop.click().await.unwrap();
        let list = crate::inbox_browser::wait_for(&b, "main", |t| t.contains("Ben Weber")).await;
        assert!(list.contains("Was kostet das Menü?") && list.contains(DATE_QUESTION), "{list}");
        assert!(!b.overflows_sideways().await, "{name}: the stopped runs fit");
        b.screenshot(&shots, &format!("analytics_stopped_{name}")).await;
        b.client.find(fantoccini::Locator::LinkText("Ben Weber")).await.unwrap().click().await.unwrap();
        crate::inbox_browser::wait_for(&b, "main", |t| t.contains("Was kostet das Menü?")).await;
        assert!(b.client.current_url().await.unwrap().path().contains("/inbox/"), "the guest's conversation");
    }
    b.close().await;
}

//! One flow's figures: beside each funnel what became of the bookings that flow made (cancellations, no-shows), and
//! the page, its CSV and the API for one flow alone, after guests talked to the restaurant template over signed
//! WhatsApp webhooks (Anna's table is booked by the flow itself).
use maitre_domain::Role;
use maitre_domain::booking::ReservationStatus;
use maitre_store::{Origin, ReservationQuery};
use reqwest::StatusCode;

use crate::analytics::{book, day_table, figure};
use crate::analytics_flows::evening;
use crate::api::call;

/// The line under a flow's funnel.
fn outcome(body: &str, flow: &str) -> String {
    let start = body.find(&format!("id=\"flow-outcome-{flow}\"")).unwrap_or_else(|| panic!("no outcome in {body}"));
    body[start..start + body[start..].find("</ul>").unwrap()].to_owned()
}

#[tokio::test]
async fn each_flow_shows_what_became_of_its_bookings_and_the_page_shows_one_flow_alone() {
    let e = evening().await;
    let tenant = e.app.store.tenant_for_operator(e.account.parse().unwrap()).await.unwrap();
    let page = e.owner.get(&format!("/a/{}/analytics?range=7", e.account)).await.body;
    let line = outcome(&page, &e.flow);
    assert!(line.contains("Booked by maitre: 1 · 4 guests"), "Anna's table for four: {line}");
    assert!(line.contains("Cancelled: 0.0% (0)") && line.contains("No-shows: —"), "{line}");

    // A table booked by hand is no flow's; Anna cancels hers.
    book(&tenant, "By Hand", 2, &Origin::staff()).await;
    let list = tenant.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap();
    let anna = list.items.iter().find(|r| r.name == "Anna Schmidt").expect("the flow booked Anna's table");
    tenant.reservations().set_reservation_status(anna.id, ReservationStatus::Cancelled).await.unwrap();
    let page = e.owner.get(&format!("/a/{}/analytics?range=7", e.account)).await.body;
    assert!(outcome(&page, &e.flow).contains("Cancelled: 100.0% (1)"), "{}", outcome(&page, &e.flow));
    assert_eq!(figure(&page, "bookings").0, "2", "the business's bookings: the flow's and the one by hand");
    assert!(page.contains("id=\"section-conversations\"") && page.contains("id=\"save-run\""));

    // The flow alone: its bookings, no conversations, team or journey (its figures do not tell those apart).
    let name = tenant.flows().flow(e.flow.parse().unwrap()).await.unwrap().name;
    let query = format!("range=7&flow={}", e.flow);
    let page = e.owner.get(&format!("/a/{}/analytics?{query}", e.account)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains(&format!("Figures of the flow “{name}” alone")), "the page says which flow");
    assert!(body.contains(&format!("<option value=\"{}\" selected>{name}</option>", e.flow)), "chosen in the form");
    assert_eq!(figure(body, "bookings").0, "1");
    assert_eq!(figure(body, "cancellation-rate").0, "100.0%");
    assert_eq!(figure(body, "flow-bookings").0, "0 · 0 guests", "nothing left that nobody cancelled");
    for gone in ["section-conversations", "section-people", "section-team", "save-run", "journey-table"] {
        assert!(!body.contains(&format!("id=\"{gone}\"")), "{gone} shown for one flow");
    }
    assert!(body.contains(&format!("id=\"funnel-{}\"", e.flow)), "its funnel");
    // Its days: bookings made and guests expected alone; Monday's booking is Anna's.
    let table = day_table(body);
    assert_eq!(table.last().unwrap(), &["21 Sep 2026", "1", "0"]);
    let csv = e.owner.get(&format!("/a/{}/analytics/days.csv?{query}", e.account)).await;
    let lines: Vec<Vec<String>> = csv.body.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert_eq!(lines[0], ["Day", "Bookings made", "Guests expected"]);
    assert_eq!(lines[1..], table[..], "the CSV is the table");
    // All flows again, from the notice.
    let back = format!("href=\"?range=7\">Show all flows</a>");
    assert!(body.contains(&back), "the notice leads back to all flows");

    // The API: the flow's outcome beside its funnel, and its figures alone.
    let token = e.app.token(&e.account, Role::Admin).await;
    let get = |path: String| {
        let (app, token) = (&e.app, &token);
        async move { call(app, reqwest::Method::GET, &path, Some(token), None).await }
    };
    let (status, json) = get("/api/v1/analytics/flows?range=7".into()).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let flow = &json["flows"][0];
    assert_eq!((flow["bookings"].as_i64(), flow["cancelled"].as_i64()), (Some(1), Some(1)));
    assert_eq!((flow["cancellation_rate"].as_f64(), flow["covers"].as_i64()), (Some(100.0), Some(0)));
    let (status, json) = get(format!("/api/v1/analytics/summary?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!((json["total"]["bookings"].as_i64(), json["total"]["cancelled"].as_i64()), (Some(1), Some(1)));
    assert_eq!(json["total"]["conversations"], 0, "a flow's figures count its bookings alone");

    // A flow that is not one, another business's flow, and saving a run of one flow: refused, nothing saved.
    let (other, elsewhere) = e.app.signup("Other Place", "eve@example.com").await;
    for (url, status) in [
        (format!("/a/{}/analytics?flow=not-a-flow", e.account), StatusCode::BAD_REQUEST),
        (format!("/a/{}/analytics?flow={}", e.account, maitre_domain::FlowId::new()), StatusCode::NOT_FOUND),
        (format!("/a/{elsewhere}/analytics?flow={}", e.flow), StatusCode::NOT_FOUND),
    ] {
        let client = if url.contains(&elsewhere) { &other } else { &e.owner };
        let res = client.get(&url).await;
        assert_eq!(res.status, status, "{url}: {}", res.body);
    }
    let (status, _) = get(format!("/api/v1/analytics/summary?flow={}", maitre_domain::FlowId::new())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (analytics, runs) = (format!("/a/{}/analytics", e.account), format!("/a/{}/analytics/runs", e.account));
    let saved = e.owner.submit(&analytics, &runs, &[("name", "One flow"), ("range", "7"), ("flow", &e.flow)]).await;
    assert_eq!(saved.status, StatusCode::BAD_REQUEST, "{}", saved.body);
    assert!(!e.owner.get(&runs).await.body.contains("One flow"));
}

#[tokio::test]
async fn in_a_browser_an_owner_chooses_one_flow_in_french_at_laptop_and_phone_size() {
    let Some(b) = maitre_testkit::Browser::start().await else { return };
    let e = evening().await;
    let fr = e.owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "fr")]).await;
    assert_eq!(fr.status, StatusCode::SEE_OTHER);
    crate::inbox_browser::sign_in(&b, &e.app, "owner@example.com").await;
    let shots = crate::browser::screenshots();
    for (size, name) in [(maitre_testkit::LAPTOP, "laptop"), (maitre_testkit::PHONE, "phone")] {
        b.resize(size).await;
        b.client.goto(&e.app.url(&format!("/a/{}/analytics?range=7", e.account))).await.unwrap();
        let line = format!("return document.getElementById('flow-outcome-{}').textContent.trim();", e.flow);
        let said = b.client.execute(&line, vec![]).await.unwrap();
        assert!(said.as_str().unwrap().contains("Réservé par maitre\u{202f}: 1 · 4"), "{name}: {said}");
        // The owner picks the flow in the filters and shows it.
        let select = b.client.find(fantoccini::Locator::Css("select[name=flow]")).await.unwrap();
        select.select_by_value(&e.flow).await.unwrap();
        b.client.find(fantoccini::Locator::Css("#analytics-filters button")).await.unwrap().click().await.unwrap();
        let main = crate::inbox_browser::wait_for(&b, "main", |t| t.contains("Chiffres du seul parcours")).await;
        assert!(main.contains("Voir tous les parcours"), "{name}: the way back");
        for english in ["Bookings", "Cancelled", "All flows", "Figures of the flow"] {
            assert!(!main.contains(english), "{name}: English left: {english}");
        }
        let sections = "return [...document.querySelectorAll('main section')].map(s => s.id);";
        let ids = b.client.execute(sections, vec![]).await.unwrap();
        assert!(!ids.to_string().contains("section-conversations"), "{name}: {ids}");
        assert!(ids.to_string().contains("section-reservations"), "{name}: {ids}");
        assert!(!b.overflows_sideways().await, "{name}: one flow's page fits");
        b.screenshot(&shots, &format!("analytics_fr_{name}_one_flow")).await;
        // And back to all flows from the notice.
        b.client.find(fantoccini::Locator::LinkText("Voir tous les parcours")).await.unwrap().click().await.unwrap();
        crate::inbox_browser::wait_for(&b, "main", |t| t.contains("Conversations") && !t.contains("Chiffres du seul"))
            .await;
    }
    b.close().await;
}

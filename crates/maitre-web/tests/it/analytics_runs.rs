//! Saved insight runs after the scripted week of `analytics.rs`: an owner saves the week's figures, the business
//! changes, a second run shows the change as good news; runs list newest first with their period in the business's
//! days and open the same period again; removing asks first; agents and other businesses get none of it.
use chrono::TimeDelta;
use maitre_domain::Role;
use reqwest::StatusCode;

use crate::analytics::setup;
use crate::api::call;
use crate::inbox_browser::{sign_in, wait_for};
use maitre_testkit::{Browser, LAPTOP, PHONE};

/// The trend table's row of a measure: its cells after the line, oldest run first, as seen (tags and the words
/// for screen readers left out).
fn trend_row(body: &str, label: &str) -> Vec<String> {
    let start = body.find(&format!("<th scope=\"row\">{label}</th>")).unwrap_or_else(|| panic!("no row {label}"));
    let row = &body[start..start + body[start..].find("</tr>").unwrap()];
    let seen = |cell: &str| {
        let cell = &cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()];
        let cell = cell.split("<span class=\"visually-hidden\">").next().unwrap();
        let mut text = String::new();
        for (i, part) in cell.split('<').enumerate() {
            text += if i == 0 { part } else { part.split_once('>').map_or("", |p| p.1) };
        }
        text
    };
    row.split("<td class=\"").skip(2).map(seen).collect()
}

#[tokio::test]
async fn runs_keep_the_figures_of_their_day_and_show_how_they_moved() {
    let (app, owner, account, tenant) = setup().await;
    let analytics = format!("/a/{account}/analytics?range=7");
    let runs = format!("/a/{account}/analytics/runs");
    let body = owner.get(&analytics).await.body;
    assert!(body.contains("value=\"19 Sep 2026 to 25 Sep 2026\""), "a name is suggested");
    let saved = owner.submit(&analytics, &runs, &[("name", "Before the campaign"), ("range", "7")]).await;
    assert_eq!((saved.status, saved.location.as_deref()), (StatusCode::SEE_OTHER, Some(runs.as_str())));

    // A new guest writes and books through the flow: the next run counts five conversations, two that booked.
    crate::analytics::guest_writes(&app, "wamid.run1", "4917100000009").await;
    let newest = tenant.conversations().conversation_ids().await.unwrap()[0];
    let flow = maitre_store::Origin {
        source: maitre_store::Source::Flow,
        contact_id: None,
        conversation_id: Some(newest),
        key: None,
        flow: None,
    };
    let saturday = chrono::NaiveDateTime::parse_from_str("2026-09-26 19:00", "%Y-%m-%d %H:%M").unwrap();
    let request = maitre_domain::booking::ReservationRequest {
        starts_at: saturday,
        ..crate::analytics::request("Mia Sommer", 2)
    };
    let booked = tenant.reservations().create_reservation(&request, chrono_tz::Europe::Berlin, &flow).await;
    assert!(matches!(booked, Ok(maitre_store::Booking::Booked(_))), "{booked:?}");
    app.clock.advance(TimeDelta::minutes(5));
    owner.submit(&analytics, &runs, &[("name", "After the campaign"), ("range", "7")]).await;

    let page = owner.get(&runs).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    let first = body.find("Before the campaign</a>").unwrap();
    assert!(body.find("After the campaign</a>").unwrap() < first, "newest first in the list");
    assert!(body.contains("19 Sep 2026 to 25 Sep 2026") && body.contains("All channels"));
    assert_eq!(trend_row(body, "New conversations"), ["4", "5 ▲"], "oldest first, a rise marked");
    assert_eq!(trend_row(body, "Led to a booking"), ["25.0%", "40.0% ▲"]);
    assert_eq!(trend_row(body, "Replies"), ["3", "3"], "level: no mark");
    assert_eq!(trend_row(body, "Answered by flows alone"), ["25.0%", "20.0% ▼"], "a fall marked");
    assert!(body.contains("(better)"), "the mark is read out too");
    let open = format!("/a/{account}/analytics?range=custom&#38;from=2026-09-19&#38;to=2026-09-25");
    assert!(body.contains(&open), "a run opens its period again");

    // The API lists the same runs with their figures; agents' tokens get none.
    let token = app.token(&account, Role::Admin).await;
    let (status, json) = call(&app, reqwest::Method::GET, "/api/v1/analytics/runs?limit=1", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!((json["total"].as_i64(), json["runs"].as_array().map(Vec::len)), (Some(2), Some(1)));
    let newest = &json["runs"][0];
    assert_eq!((newest["name"].as_str(), newest["first"].as_str()), (Some("After the campaign"), Some("2026-09-19")));
    assert_eq!(newest["figures"]["conversations"], 5.0);
    assert_eq!(newest["figures"]["booking_conversion"], 40.0);
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/analytics/runs?limit=0", Some(&token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let agent_token = app.token(&account, Role::Agent).await;
    let (status, _) = call(&app, reqwest::Method::GET, "/api/v1/analytics/runs", Some(&agent_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Refused: a name too long, a faulty period; nothing saved.
    let long = "x".repeat(81);
    let refused = owner.submit(&analytics, &runs, &[("name", &long), ("range", "7")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let faulty = owner.submit(&analytics, &runs, &[("name", "Bad"), ("range", "8")]).await;
    assert_eq!(faulty.status, StatusCode::BAD_REQUEST);
    assert_eq!(tenant.insights().count().await.unwrap(), 2);

    // Agents neither see nor save runs; another business cannot remove them; the owner can.
    let agent = app.member(&account, "agent@example.com", Role::Agent).await;
    assert_eq!(agent.get(&runs).await.status, StatusCode::FORBIDDEN);
    let by_agent = agent.submit(&format!("/a/{account}/inbox"), &runs, &[("name", "Mine"), ("range", "7")]).await;
    assert_eq!(by_agent.status, StatusCode::FORBIDDEN);
    let id = tenant.insights().list(1, 0).await.unwrap().remove(0).id;
    let (other, other_account) = app.signup("Salon Luna", "luna@example.com").await;
    let elsewhere = format!("/a/{other_account}/analytics/runs/{id}/delete");
    let gone = other.submit(&format!("/a/{other_account}/analytics/runs"), &elsewhere, &[]).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let delete = format!("{runs}/{id}/delete");
    assert!(body.contains("Remove this run and its figures?"), "removing asks first");
    assert_eq!(owner.submit(&runs, &delete, &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(tenant.insights().count().await.unwrap(), 1);
}

#[tokio::test]
async fn runs_read_in_german_on_a_phone() {
    let Some(b) = Browser::start().await else { return };
    let (app, owner, account, _) = setup().await;
    let analytics = format!("/a/{account}/analytics?range=7");
    let runs = format!("/a/{account}/analytics/runs");
    for name in ["Woche 39", "Woche 39, später"] {
        owner.submit(&analytics, &runs, &[("name", name), ("range", "7")]).await;
    }
    let user = app.store.user_by_email("owner@example.com").await.unwrap();
    app.store.update_profile(user.id, "Ada", maitre_domain::Locale::De).await.unwrap();
    sign_in(&b, &app, "owner@example.com").await;
    let shots = crate::browser::screenshots();
    b.resize(LAPTOP).await;
    b.client.goto(&app.url(&runs)).await.unwrap();
    wait_for(&b, "main", |t| t.contains("Im Zeitverlauf")).await;
    assert!(!b.overflows_sideways().await, "the runs page fits a laptop: {}", b.past_the_right_edge().await);
    b.screenshot(&shots, "analytics_runs_de_laptop").await;
    b.resize(PHONE).await;
    b.client.goto(&app.url(&runs)).await.unwrap();
    let main = wait_for(&b, "main", |t| t.contains("Im Zeitverlauf")).await;
    assert!(main.contains("Woche 39, später") && main.contains("19.09.2026 bis 25.09.2026"), "{main}");
    assert!(main.contains("Neue Gespräche") && !main.contains("New conversations"), "no English in German");
    assert!(!b.overflows_sideways().await, "the runs page fits a phone: {}", b.past_the_right_edge().await);
    b.screenshot(&shots, "analytics_runs_de_phone").await;
    // The analytics page's save form, filled in and sent as a member would.
    b.client.goto(&app.url(&analytics)).await.unwrap();
    wait_for(&b, "main", |t| t.contains("Diese Zahlen als Auswertung speichern")).await;
    let form = b.client.find(fantoccini::Locator::Css("#save-run input[name=name]")).await.unwrap();
    form.clear().await.unwrap();
    form.send_keys("Nach dem Ruhetag").await.unwrap();
    b.client.find(fantoccini::Locator::Css("#save-run button")).await.unwrap().click().await.unwrap();
    let main = wait_for(&b, "main", |t| t.contains("Nach dem Ruhetag")).await;
    assert!(main.contains("Auswertung gespeichert."), "{main}");
    b.close().await;
}

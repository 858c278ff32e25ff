//! Bookings in depth after the scripted week of `analytics.rs` (three bookings made on Monday for Thursday
//! 20:00: Lena's four guests came, the walk-in's two did not, six cancelled): how far ahead, party sizes, and when
//! guests come against the seats; the table, its CSV and the API agree; in Chromium at laptop and phone size.
use maitre_domain::Role;
use maitre_testkit::{Browser, LAPTOP, PHONE};
use reqwest::StatusCode;

use crate::api::call;
use crate::inbox_browser::{sign_in, wait_for};

/// A table's body rows as text cells, the row's header first.
fn rows(body: &str, id: &str) -> Vec<Vec<String>> {
    let start = body.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no {id}"));
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let tbody = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    tbody
        .split("<tr>")
        .skip(1)
        .map(|row| {
            row.split("<t")
                .skip(1)
                .filter(|c| c.starts_with('h') || c.starts_with('d'))
                .map(|c| {
                    let text = &c[c.find('>').unwrap() + 1..];
                    text[..text.find('<').unwrap_or(text.len())].trim().to_owned()
                })
                .collect()
        })
        .collect()
}

/// The class of Thursday's cell at `hour` in the demand table.
fn thursday_class(body: &str, hour: &str) -> String {
    let start = body.find(&format!("<th scope=\"row\">{hour}</th>")).unwrap();
    let cells: Vec<&str> = body[start..].split("<td class=\"").skip(1).take(7).collect();
    cells[3][..cells[3].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn bookings_in_depth_show_how_far_ahead_party_sizes_and_when_guests_come() {
    let (app, owner, account, tenant) = crate::analytics::setup().await;
    // A guest asked the team to stop messages, and changed their mind; another stopped too.
    let conversations = tenant.conversations().conversation_ids().await.unwrap();
    for (n, opted_in) in [(0, false), (0, true), (1, false)] {
        let contact =
            tenant.inbox().conversation(conversations[n], maitre_domain::UserId::new()).await.unwrap().contact_id;
        tenant.contacts().set_contact_consent(contact, opted_in, "owner@example.com").await.unwrap();
    }
    let body = owner.get(&format!("/a/{account}/analytics?range=7")).await.body;
    let value = |id: &str| {
        let row = &body[body.find(&format!("id=\"figure-{id}\"")).unwrap()..];
        let cell = &row[row.find("class=\"value\"").unwrap()..];
        cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()].to_owned()
    };
    assert_eq!(value("lead-time"), "3 days ahead", "all three made on Monday for Thursday");
    assert_eq!(value("average-party"), "4.0", "Lena's four guests came; a no-show is no visit");
    assert_eq!((value("opt-outs"), value("opt-ins")), ("2".into(), "1".into()));
    // Each drills down to its guests: both who stopped, the one who took messages again.
    for (event, listed, said) in [("opted_out", 2, "Guests who opted out from"), ("opted_in", 1, "Guests who opted in")]
    {
        let href = format!("/a/{account}/contacts?from=2026-09-19&#38;to=2026-09-25&#38;event={event}");
        assert!(body.contains(&format!("<a href=\"{href}\">")), "{event} drills down");
        let list = owner.get(&href.replace("&#38;", "&")).await.body;
        assert_eq!(list.matches("<tr id=\"contact-").count(), listed, "{event}: {list}");
        assert!(list.contains(said), "{list}");
    }
    let before = owner.get(&format!("/a/{account}/contacts?from=2026-09-19&to=2026-09-24&event=opted_out")).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(before.body.matches("<tr id=\"contact-").count(), 0, "nobody stopped before Friday");
    for bad in ["event=opted_out", "from=2026-09-19&to=2026-09-25&event=left"] {
        let res = owner.get(&format!("/a/{account}/contacts?{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.body.contains("Unknown event"), "{bad}: {}", res.body);
    }
    // Ben's conversation led to Lena's booking and her visit; the walk-in was booked by hand, without one.
    assert_eq!((value("booking-conversion"), value("visit-conversion")), ("25.0% (1)".into(), "25.0% (1)".into()));
    let journey = rows(&body, "journey-table");
    assert_eq!(journey, [["New conversations", "4"], ["Led to a confirmed booking", "1"], ["The guests came", "1"]]);
    let lead = rows(&body, "lead-table");
    assert_eq!(lead.len(), 10, "every bucket, empty ones too");
    assert_eq!(lead[0], ["The same day", "0"]);
    assert_eq!(lead[3], ["3 days ahead", "3"], "the cancelled booking was made too");
    assert_eq!(lead[9], ["A month or more ahead", "0"]);
    let party = rows(&body, "party-table");
    assert_eq!(party, [["1", "0"], ["2", "1"], ["3", "0"], ["4", "1"]], "the no-show was due; the cancelled was not");

    // Tuesday to Saturday, lunch and dinner by default: 12:00 to 22:00; six guests from 20:00 for two hours.
    let demand = rows(&body, "demand-table");
    let hours: Vec<&str> = demand.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        hours,
        ["12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00", "21:00", "22:00"]
    );
    let at = |hour: &str| demand.iter().find(|r| r[0] == hour).unwrap()[1..].to_vec();
    assert_eq!(at("20:00"), ["–", "0", "0", "6", "0", "0", "–"], "closed Sundays and Mondays");
    assert_eq!(at("21:00")[3], "6", "a visit lasts the usual two hours");
    assert_eq!(at("22:00")[3], "0");
    assert_eq!(at("15:00")[1], "–", "closed between lunch and dinner");
    assert_eq!(thursday_class(&body, "20:00"), "heat-5", "without seats: the busiest hour");
    assert!(body.contains("set a limit of guests at once or tables"), "says what it compares with");

    // With 10 seats at once the same hour is 60 % full; the CSV says what the table shows, with the shares.
    let mut settings = tenant.reservations().booking_settings().await.unwrap();
    settings.rules.covers_per_slot = 10;
    tenant.reservations().put_booking_settings(&settings).await.unwrap();
    let body = owner.get(&format!("/a/{account}/analytics?range=7")).await.body;
    assert_eq!(thursday_class(&body, "20:00"), "heat-3");
    assert!(body.contains("out of 10 seats at once"));
    let csv = owner.get(&format!("/a/{account}/analytics/demand.csv?range=7")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<Vec<String>> = csv.body.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert_eq!(lines[0][..3], ["Hour", "Mon", "Mon (% of seats)"]);
    let table = rows(&body, "demand-table");
    for (line, row) in lines[1..].iter().zip(&table) {
        // The hour, then each weekday's guests (its share follows it).
        let shown: Vec<&String> = line.iter().enumerate().filter(|(i, _)| *i == 0 || i % 2 == 1).map(|c| c.1).collect();
        assert_eq!(shown, row.iter().collect::<Vec<_>>(), "the CSV's guests are the table's");
    }
    let evening = lines.iter().find(|l| l[0] == "20:00").unwrap();
    assert_eq!((evening[7].as_str(), evening[8].as_str()), ("6", "60"), "Thursday: 6 guests, 60 % of the seats");

    // The API gives the same numbers; agents get neither the section nor its CSV.
    let token = app.token(&account, Role::Admin).await;
    let url = "/api/v1/analytics/reservations?range=7";
    let (status, json) = call(&app, reqwest::Method::GET, url, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["lead_days"], serde_json::json!([{ "from_days": 3, "bookings": 3 }]));
    assert_eq!(json["party_sizes"], serde_json::json!([{ "guests": 2, "visits": 1 }, { "guests": 4, "visits": 1 }]));
    assert_eq!(json["seats_at_once"], 10);
    let thursday_eight = json["demand"].as_array().unwrap().iter().find(|c| c["weekday"] == 4 && c["hour"] == 20);
    assert_eq!(
        thursday_eight.unwrap(),
        &serde_json::json!({ "weekday": 4, "hour": 20, "guests": 6.0, "share": 60.0, "open": true })
    );
    let (_, summary) = call(&app, reqwest::Method::GET, "/api/v1/analytics/summary?range=7", Some(&token), None).await;
    let total = &summary["total"];
    assert_eq!((total["lead_days_median"].as_i64(), total["average_party"].as_f64()), (Some(3), Some(4.0)));
    assert_eq!((total["converted"].as_i64(), total["booking_conversion"].as_f64()), (Some(1), Some(25.0)));
    assert_eq!((total["visited"].as_i64(), total["visit_conversion"].as_f64()), (Some(1), Some(25.0)));
    assert_eq!((total["opt_outs"].as_i64(), total["opt_ins"].as_i64()), (Some(2), Some(1)));
    let agent = app.member(&account, "agent@example.com", Role::Agent).await;
    let page = agent.get(&format!("/a/{account}/analytics?range=7")).await;
    assert!(page.status == StatusCode::OK && !page.body.contains("section-bookings-depth"));
    assert_eq!(agent.get(&format!("/a/{account}/analytics/demand.csv")).await.status, StatusCode::FORBIDDEN);
    let agent_token = app.token(&account, Role::Agent).await;
    let (status, _) = call(&app, reqwest::Method::GET, url, Some(&agent_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) =
        call(&app, reqwest::Method::GET, "/api/v1/analytics/reservations?range=5", Some(&token), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn bookings_in_depth_read_in_french_and_german_and_fit_a_phone() {
    let Some(b) = Browser::start().await else { return };
    let (app, _, account, _) = crate::analytics::setup().await;
    let owner = app.store.user_by_email("owner@example.com").await.unwrap();
    app.store.update_profile(owner.id, "Ada", maitre_domain::Locale::Fr).await.unwrap();
    sign_in(&b, &app, "owner@example.com").await;
    let shots = crate::browser::screenshots();
    let cell = "return [...document.querySelectorAll('#demand-table tbody tr')]
        .find(r => r.cells[0].textContent === '20:00').cells[4].textContent;";
    for (size, name) in [(LAPTOP, "laptop"), (PHONE, "phone")] {
        b.resize(size).await;
        b.client.goto(&app.url(&format!("/a/{account}/analytics?range=7"))).await.unwrap();
        let main = wait_for(&b, "main", |t| t.contains("Quand les clients viennent")).await;
        assert!(main.contains("3 jours avant") && main.contains("Taille des groupes"), "{main}");
        assert!(!main.contains("days ahead") && !main.contains("Party sizes"), "no English in French");
        assert_eq!(b.client.execute(cell, vec![]).await.unwrap(), "6", "Thursday 20:00 in the business's time");
        assert!(!b.overflows_sideways().await, "the page fits at {name} size: {}", b.past_the_right_edge().await);
        b.client.execute("document.getElementById('section-bookings-depth').scrollIntoView();", vec![]).await.unwrap();
        b.screenshot(&shots, &format!("analytics_fr_{name}_journey")).await;
        b.client.execute("document.getElementById('demand-title').scrollIntoView();", vec![]).await.unwrap();
        b.screenshot(&shots, &format!("analytics_fr_{name}_depth")).await;
    }
    app.store.update_profile(owner.id, "Ada", maitre_domain::Locale::De).await.unwrap();
    b.client.refresh().await.unwrap();
    let main = wait_for(&b, "main", |t| t.contains("Wann Gäste kommen")).await;
    assert!(main.contains("3 Tage vorher") && main.contains("Gruppengrößen") && main.contains("Do"), "{main}");
    assert!(!b.overflows_sideways().await, "German fits a phone too");
    b.screenshot(&shots, "analytics_de_phone_depth").await;
    b.close().await;
}

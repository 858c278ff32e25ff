//! The analytics page, its CSV and the API after a scripted week in Berlin: the figures an owner checks, each
//! period and filter, the comparison, drill-down to the reservations behind a figure, roles and bad requests.
use chrono::{NaiveDateTime, TimeDelta};
use maitre_domain::booking::{ReservationRequest, ReservationStatus};
use maitre_domain::{Author, Role};
use maitre_store::{Booking, Origin, QueuedReply, Source, StepEffects, TenantStore};
use reqwest::StatusCode;

use crate::api::call;
use crate::helpers::{Client, TestApp};
use crate::webhooks::{WA, wa_text};

/// One figure's row: (this period, period before when compared).
pub(crate) fn figure(body: &str, id: &str) -> (String, Option<String>) {
    let start = body.find(&format!("id=\"figure-{id}\"")).unwrap_or_else(|| panic!("no figure {id} in {body}"));
    let row = &body[start..start + body[start..].find("</tr>").unwrap()];
    let cell = |class: &str| {
        row.find(&format!("class=\"{class}\"")).map(|i| {
            let rest = &row[i..];
            rest[rest.find('>').unwrap() + 1..rest.find("</td>").unwrap()].to_owned()
        })
    };
    (cell("value").unwrap(), cell("previous"))
}

/// The per-day table's rows, as text cells.
pub(crate) fn day_table(body: &str) -> Vec<Vec<String>> {
    let start = body.find("id=\"days-table\"").expect("the per-day table");
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..];
    body.split("<tr>")
        .skip(1)
        .map(|row| row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap().to_owned()).collect())
        .collect()
}

/// The team table's rows, as text cells (member first).
fn team_table(body: &str) -> Vec<Vec<String>> {
    let start = body.find("id=\"team-table\"").expect("the team's table");
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    let rows = &table[table.find("<tbody>").unwrap()..];
    rows.split("<tr>")
        .skip(1)
        .map(|row| {
            let name = &row[row.find("<th scope=\"row\">").unwrap() + 16..row.find("</th>").unwrap()];
            let cells =
                row.split("<td").skip(1).map(|c| c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()].to_owned());
            std::iter::once(name.to_owned()).chain(cells).collect()
        })
        .collect()
}

pub(crate) async fn guest_writes(app: &TestApp, id: &str, from: &str) {
    let at = app.clock.now().timestamp();
    assert_eq!(app.post_meta(&wa_text(id, from, "Hallo, ein Tisch?", at)).await.0, StatusCode::OK);
    app.drain().await;
}

/// A request for Thursday 24 September 2026, 20:00.
pub(crate) fn request(name: &str, party: u32) -> ReservationRequest {
    ReservationRequest {
        starts_at: NaiveDateTime::parse_from_str("2026-09-24 20:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: party,
        service: None,
        name: name.into(),
        phone: None,
        email: None,
        notes: String::new(),
    }
}

pub(crate) async fn book(
    tenant: &TenantStore,
    name: &str,
    party: u32,
    origin: &Origin<'_>,
) -> maitre_domain::ReservationId {
    let (req, berlin) = (request(name, party), chrono_tz::Europe::Berlin);
    let booked = tenant.reservations().create_reservation(&req, berlin, origin).await.unwrap();
    let Booking::Booked(r) = booked else { panic!("{name} not booked") };
    r.id
}

/// Monday 21 to Friday 25 September 2026 in Berlin: four guests, replies by the team and a flow, a handoff, three
/// bookings (one cancelled), a visit that took place and one nobody came to.
async fn scripted_week(app: &TestApp, tenant: &TenantStore) {
    let owner = app.store.user_by_email("owner@example.com").await.unwrap().id;
    for (n, from) in ["4917100000001", "4917100000002", "4917100000003"].into_iter().enumerate() {
        guest_writes(app, &format!("wamid.an{n}"), from).await;
    }
    let c = tenant.conversations().conversation_ids().await.unwrap();
    let (anna, ben) = (c[2], c[1]);
    app.clock.advance(TimeDelta::minutes(12));
    tenant.inbox().reply(anna, Some(owner), "Gerne!", None).await.unwrap();
    let input = tenant.flows().step_input(ben).await.unwrap();
    let handoff =
        StepEffects { key: "an:handoff".into(), handoff: true, expected_rev: input.rev, ..Default::default() };
    tenant.flows().apply_step(&input, &handoff).await.unwrap().unwrap();
    app.clock.advance(TimeDelta::minutes(30));
    tenant.inbox().reply(ben, Some(owner), "Hier ist das Team.", None).await.unwrap();
    let flow = Origin { source: Source::Flow, contact_id: None, conversation_id: Some(ben), key: None, flow: None };
    let lena = book(tenant, "Lena Vogel", 4, &flow).await;
    let walk_in = book(tenant, "By Hand", 2, &Origin::staff()).await;
    let gone = book(tenant, "Gone", 6, &flow).await;
    tenant.reservations().cancel_reservation(gone).await.unwrap();
    // Wednesday morning: a fourth guest, answered by a flow alone; Anna writes again.
    app.clock.advance(TimeDelta::days(1) + TimeDelta::hours(17));
    guest_writes(app, "wamid.an3", "4917100000004").await;
    let dora = tenant.conversations().conversation_ids().await.unwrap()[0];
    let input = tenant.flows().step_input(dora).await.unwrap();
    let reply = QueuedReply { body: "Gern, für wie viele?".into(), payload: String::new(), author: Author::Bot };
    let answer = StepEffects {
        key: "an:bot".into(),
        expected_rev: input.rev,
        read: input.pending.iter().map(|m| m.id).collect(),
        replies: vec![reply],
        flow_replied: true,
        ..Default::default()
    };
    tenant.flows().apply_step(&input, &answer).await.unwrap().unwrap();
    guest_writes(app, "wamid.an4", "4917100000001").await;
    // Friday: Lena came, the walk-in did not.
    app.clock.advance(TimeDelta::days(2));
    tenant.reservations().set_reservation_status(lena, ReservationStatus::Completed).await.unwrap();
    tenant.reservations().set_reservation_status(walk_in, ReservationStatus::NoShow).await.unwrap();
}

pub(crate) async fn setup() -> (TestApp, Client, String, TenantStore) {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.set_time_zone(&account, "Europe/Berlin").await;
    app.connect(&account, "whatsapp", WA, "WA-TOKEN-FAKE").await;
    scripted_week(&app, &tenant).await;
    (app, owner, account, tenant)
}

#[tokio::test]
async fn a_scripted_week_shows_the_figures_an_owner_checks() {
    let (app, owner, account, tenant) = setup().await;
    let page = owner.get(&format!("/a/{account}/analytics?range=7&compare=1")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("19 Sep 2026 to 25 Sep 2026"), "the last 7 days, in the business's days");
    let now = |id| figure(body, id);
    let both = |value: &str, before: &str| (value.to_owned(), Some(before.to_owned()));
    assert_eq!(now("conversations"), both("4", "0"));
    assert_eq!(now("guest-messages"), both("5", "0"), "Anna wrote twice");
    assert_eq!(now("team-replies"), both("2", "0"));
    assert_eq!(now("bot-replies"), both("1", "0"));
    assert_eq!(now("handoff-rate"), both("25.0%", "—"));
    assert_eq!(now("bot-resolved-rate"), both("25.0%", "—"), "Dora: a flow answered alone");
    let median = "10 min – 15 min";
    assert_eq!(now("first-response-team"), both(median, "—"), "the median of 12 and 30 minutes, in its bucket");
    assert_eq!(now("first-response-team-p90"), both("30 min – 35 min", "—"));
    // Anna waited 12 minutes and Ben 42 for the team; Dora's flow answered at once; nobody closed anything.
    assert_eq!(now("reply-time-team"), both(median, "—"));
    assert_eq!(now("reply-time-team-p90"), both("40 min – 45 min", "—"));
    assert_eq!(now("resolution-time"), both("—", "—"));
    assert_eq!(now("bookings"), both("3", "0"));
    assert_eq!(now("flow-bookings"), both("1 · 4 guests", "0 · 0 guests"), "the cancelled one does not count");
    assert_eq!(now("cancellation-rate"), both("33.3%", "—"));
    assert_eq!(now("visits"), both("1 · 4 guests", "0 · 0 guests"));
    assert_eq!(now("no-show-rate"), both("50.0%", "—"));
    assert_eq!(now("contacts"), both("4", "0"));
    assert_eq!(now("came-back"), both("1", "0"), "Anna wrote again on Wednesday");
    assert!(body.contains("Of the new conversations, those a flow handed to a person"), "definitions beside figures");
    assert!(body.contains("<svg class=\"chart\""), "the per-day chart");
    // Right now, whatever the period: nobody closed a conversation; Anna's second message, the third guest's and
    // Dora's wait (the step scripted for her flow's reply does not say it answered).
    let now = &body[body.find("id=\"section-now\"").unwrap()..];
    assert!(now.contains("?filter=needs_reply\">Guests waiting for an answer: 3</a>"), "{now}");
    assert!(now.contains(">Open conversations: 4</a>"), "{now}");

    // The per-day table and its CSV say the same; Monday holds the first three guests.
    let table = day_table(body);
    assert_eq!(table.len(), 7);
    assert_eq!(table[2], ["21 Sep 2026", "3", "2", "3", "3", "0"]);
    assert_eq!(table[5], ["24 Sep 2026", "0", "0", "0", "0", "4"], "Lena's visit on Thursday");
    let csv = owner.get(&format!("/a/{account}/analytics/days.csv?range=7")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<Vec<String>> = csv.body.lines().map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert_eq!(lines[0], ["Day", "Guest messages", "Replies", "New conversations", "Bookings made", "Guests expected"]);
    assert_eq!(lines[1..], table[..], "the CSV is the table");

    // The visits figure opens the reservations of the period.
    let href = format!("/a/{account}/reservations?from=2026-09-19&#38;to=2026-09-25");
    assert!(body.contains(&href), "visits drill down to their list");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert!(list.contains("Lena Vogel") && list.contains("By Hand"));
    // New conversations open the inbox's conversations begun in the period, closed or not.
    let href = format!("/a/{account}/inbox?filter=all&#38;from=2026-09-19&#38;to=2026-09-25");
    assert!(body.contains(&href), "new conversations drill down to the inbox");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert_eq!(list.matches("<li class=\"conversation").count(), 4, "{list}");
    assert!(list.contains("Conversations begun from 19 Sep 2026 to 25 Sep 2026."));
    // Guests who came back open Anna alone, who wrote again on Wednesday; nobody came back on Monday.
    let href = format!("/a/{account}/contacts?from=2026-09-19&#38;to=2026-09-25&#38;event=came_back");
    assert!(body.contains(&format!("<a href=\"{href}\">")), "came back drills down");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert_eq!(list.matches("<tr id=\"contact-").count(), 1, "{list}");
    assert!(list.contains("Guests who wrote again from 19 Sep 2026 to 25 Sep 2026"), "{list}");
    let monday = owner.get(&format!("/a/{account}/contacts?from=2026-09-21&to=2026-09-21&event=came_back")).await;
    assert_eq!(monday.status, StatusCode::OK);
    assert_eq!(monday.body.matches("<tr id=\"contact-").count(), 0, "{}", monday.body);
    // Anna wrote again on Wednesday, but her conversation began on Monday.
    for (day, begun) in [("2026-09-21", 3), ("2026-09-23", 1)] {
        let list = owner.get(&format!("/a/{account}/inbox?filter=all&from={day}&to={day}")).await.body;
        assert_eq!(list.matches("<li class=\"conversation").count(), begun, "{day}");
    }
    for bad in ["from=2026-09-23", "from=2026-09-25&to=2026-09-23", "from=23.09.2026&to=2026-09-23"] {
        for list in ["inbox?filter=all&", "contacts?"] {
            let res = owner.get(&format!("/a/{account}/{list}{bad}")).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{list}{bad}");
            assert!(res.body.contains("YYYY-MM-DD"), "{list}{bad}: {}", res.body);
        }
    }
    // New contacts open the guests added in the period; no-shows the visits nobody came to.
    let href = format!("/a/{account}/contacts?from=2026-09-19&#38;to=2026-09-25");
    assert!(body.contains(&href), "new contacts drill down to their list");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert_eq!(list.matches("<tr id=\"contact-").count(), 4, "{list}");
    assert!(list.contains("Guests added from 19 Sep 2026 to 25 Sep 2026."), "{list}");
    let wednesday = owner.get(&format!("/a/{account}/contacts?from=2026-09-23&to=2026-09-23")).await.body;
    assert_eq!(wednesday.matches("<tr id=\"contact-").count(), 1, "Wednesday's guest alone");
    let href = format!("/a/{account}/reservations?status=no_show&#38;from=2026-09-19&#38;to=2026-09-25");
    assert!(body.contains(&href), "no-shows drill down to their visits");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert!(list.contains("By Hand") && !list.contains("Lena Vogel"), "{list}");
    // Bookings made open those made in the period, whenever their visit; cancellations those of them cancelled.
    let href = format!("/a/{account}/reservations?from=&#38;made_from=2026-09-19&#38;made_to=2026-09-25");
    assert!(body.contains(&href), "bookings drill down to those made");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert!(["Lena Vogel", "By Hand", "Gone"].iter().all(|n| list.contains(n)), "{list}");
    assert!(list.contains("Bookings made from 19 Sep 2026 to 25 Sep 2026, whenever the visit."), "{list}");
    let href =
        format!("/a/{account}/reservations?status=cancelled&#38;from=&#38;made_from=2026-09-19&#38;made_to=2026-09-25");
    assert!(body.contains(&href), "cancellations drill down to theirs");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert!(list.contains("Gone") && !list.contains("Lena Vogel") && !list.contains("By Hand"), "{list}");
    // The rates open the conversations they counted: Ben's was handed over and led to Lena's booking and visit,
    // Dora's a flow answered alone.
    let ids = tenant.conversations().conversation_ids().await.unwrap();
    let (dora, ben) = (ids[0], ids[2]);
    let week = "from=2026-09-19&#38;to=2026-09-25";
    for (id, outcome, said, who) in [
        ("handoff-rate", "handed_off", "that a flow handed over to the team.", ben),
        ("bot-resolved-rate", "flow_alone", "that a flow answered alone.", dora),
        ("booking-conversion", "booked", "that led to a confirmed booking.", ben),
        ("visit-conversion", "visited", "that led to a visit.", ben),
    ] {
        let href = format!("/a/{account}/inbox?filter=all&#38;{week}&#38;outcome={outcome}");
        let row = &body[body.find(&format!("id=\"figure-{id}\"")).unwrap()..];
        assert!(row[..row.find("</tr>").unwrap()].contains(&format!("<a href=\"{href}\">")), "{id} drills down");
        let list = owner.get(&href.replace("&#38;", "&")).await.body;
        assert_eq!(list.matches("<li class=\"conversation").count(), 1, "{outcome}: {list}");
        assert!(list.contains(&format!("/inbox/{who}\"")), "{outcome}: {list}");
        assert!(list.contains(&format!("Conversations begun from 19 Sep 2026 to 25 Sep 2026 {said}")), "{list}");
        assert!(list.contains(&format!("name=\"outcome\" value=\"{outcome}\"")), "the search keeps it: {list}");
    }
    for bad in ["from=2026-09-19&to=2026-09-25&outcome=won", "outcome=booked"] {
        let res = owner.get(&format!("/a/{account}/inbox?filter=all&{bad}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(res.body.contains("Unknown outcome"), "{bad}: {}", res.body);
    }
    // Booked by maitre opens Lena's booking alone: the walk-in was booked by hand, Gone was cancelled.
    let href = format!("/a/{account}/reservations?from=&#38;made_from=2026-09-19&#38;made_to=2026-09-25&#38;by=maitre");
    assert!(body.contains(&href), "booked by maitre drills down");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    assert!(list.contains("Lena Vogel") && !list.contains("By Hand") && !list.contains("Gone"), "{list}");
    assert!(list.contains("Bookings your flows made from 19 Sep 2026 to 25 Sep 2026 that nobody cancelled"), "{list}");
    assert!(list.contains("name=\"by\" value=\"maitre\""), "the search keeps it");
    let odd = owner.get(&format!("/a/{account}/reservations?by=someone")).await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    let before = owner.get(&format!("/a/{account}/reservations?from=&made_from=2026-09-01&made_to=2026-09-20")).await;
    assert!(!before.body.contains("Lena Vogel"), "nothing made before Monday");
    let bad = owner.get(&format!("/a/{account}/reservations?made_from=2026-09-25&made_to=2026-09-19")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // The API gives the same numbers.
    let token = app.token(&account, Role::Admin).await;
    let (status, json) =
        call(&app, reqwest::Method::GET, "/api/v1/analytics/summary?range=7&compare=1", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!((json["first"].as_str(), json["last"].as_str()), (Some("2026-09-19"), Some("2026-09-25")));
    let total = &json["total"];
    assert_eq!(total["conversations"], 4);
    assert_eq!(total["handoff_rate"], 25.0);
    assert_eq!(total["returned"], 1);
    let bucket = |from: i64, to: i64| serde_json::json!({ "from_seconds": from, "to_seconds": to });
    assert_eq!(total["first_response_team_median"], bucket(600, 900));
    assert_eq!(total["first_response_team_p90"], bucket(1800, 2100));
    assert_eq!(total["reply_time_team_p90"], bucket(2400, 2700));
    assert_eq!(total["reply_time_bot_median"], bucket(0, 60));
    assert_eq!(total["resolution_median"], serde_json::Value::Null);
    assert_eq!((total["flow_bookings"].as_i64(), total["flow_covers"].as_i64()), (Some(1), Some(4)));
    assert_eq!(json["previous"]["conversations"], 0);
    assert_eq!(json["days"][2]["day"], "2026-09-21");
    assert_eq!(json["days"][2]["figures"]["guest_messages"], 3);

    // The team: the owner answered Anna after 12 minutes and Ben 30 minutes after the handoff.
    let team = team_table(body);
    assert_eq!(team[0][1..], ["2", "2", "10 min – 15 min"], "{team:?}");
    let (status, json) = call(&app, reqwest::Method::GET, "/api/v1/analytics/team?range=7", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let owner_id = app.store.user_by_email("owner@example.com").await.unwrap().id.to_string();
    assert_eq!(
        (json["members"][0]["user_id"].as_str(), json["members"][0]["replies"].as_i64()),
        (Some(owner_id.as_str()), Some(2))
    );
    assert_eq!(
        (json["members"][0]["answered_first"].as_i64(), json["members"].as_array().unwrap().len()),
        (Some(2), 1)
    );
    assert_eq!(json["members"][0]["first_response_median"], bucket(600, 900));

    // One channel, a platform, another platform.
    let channel = tenant.channels().list().await.unwrap().remove(0).id;
    let one = owner.get(&format!("/a/{account}/analytics?range=7&channel={channel}")).await.body;
    assert_eq!(figure(&one, "conversations").0, "4");
    let wa = owner.get(&format!("/a/{account}/analytics?range=7&channel=platform:whatsapp")).await.body;
    assert_eq!(figure(&wa, "guest-messages").0, "5");
    let tg = owner.get(&format!("/a/{account}/analytics?range=7&channel=platform:telegram")).await.body;
    assert_eq!((figure(&tg, "conversations").0, figure(&tg, "bookings").0), ("0".into(), "0".into()));
    // A custom period of Thursday alone.
    let thu = owner.get(&format!("/a/{account}/analytics?range=custom&from=2026-09-24&to=2026-09-24")).await.body;
    assert_eq!((figure(&thu, "visits").0, figure(&thu, "conversations").0), ("1 · 4 guests".into(), "0".into()));
}

#[tokio::test]
async fn closing_conversations_gives_the_time_to_close_on_the_day_they_began() {
    let (app, owner, account, tenant) = setup().await;
    // Friday evening the owner closes all four: Monday's three after 3 days 17 hours (Anna's reopened by her
    // Wednesday message, closed again now), Dora's after 2 days.
    for c in tenant.conversations().conversation_ids().await.unwrap() {
        tenant.inbox().set_closed(c, true, None).await.unwrap();
    }
    let body = owner.get(&format!("/a/{account}/analytics?range=7")).await.body;
    assert_eq!(figure(&body, "resolution-time").0, "3 d – 4 d");
    let monday = owner.get(&format!("/a/{account}/analytics?range=custom&from=2026-09-21&to=2026-09-21")).await.body;
    assert_eq!(figure(&monday, "resolution-time").0, "3 d – 4 d", "counted on the day the conversation began");
    let wednesday = "/a/{account}/analytics?range=custom&from=2026-09-23&to=2026-09-23".replace("{account}", &account);
    assert_eq!(figure(&owner.get(&wednesday).await.body, "resolution-time").0, "2 d – 3 d");
    // A guest writing again reopens and takes the close back until the next.
    guest_writes(&app, "wamid.again", "4917100000004").await;
    let body = owner.get(&wednesday).await.body;
    assert_eq!(figure(&body, "resolution-time").0, "—");
    let token = app.token(&account, Role::Admin).await;
    let (_, json) = call(&app, reqwest::Method::GET, "/api/v1/analytics/summary?range=7", Some(&token), None).await;
    let days = |d: i64| serde_json::json!({ "from_seconds": d * 86_400, "to_seconds": (d + 1) * 86_400 });
    assert_eq!((&json["total"]["resolution_median"], &json["total"]["resolution_p90"]), (&days(3), &days(3)));
}

#[tokio::test]
async fn a_guest_who_comes_again_within_90_days_counts_from_their_second_visit() {
    let (app, owner, account, tenant) = setup().await;
    let owner_id = app.store.user_by_email("owner@example.com").await.unwrap().id;
    let dora = tenant.conversations().conversation_ids().await.unwrap()[0];
    let contact_id = Some(tenant.inbox().conversation(dora, owner_id).await.unwrap().contact_id);
    let origin = Origin { source: Source::Flow, contact_id, conversation_id: Some(dora), key: None, flow: None };
    // Dora comes on Thursday 1 October and again a week later; a third booking of hers she cancels.
    let mut visits = Vec::new();
    for day in ["2026-10-01", "2026-10-08", "2026-10-15"] {
        let starts_at = NaiveDateTime::parse_from_str(&format!("{day} 20:00"), "%Y-%m-%d %H:%M").unwrap();
        let req = ReservationRequest { starts_at, ..request("Dora", 2) };
        let booked = tenant.reservations().create_reservation(&req, chrono_tz::Europe::Berlin, &origin).await;
        let Ok(Booking::Booked(r)) = booked else { panic!("Dora not booked on {day}") };
        visits.push(r.id);
    }
    for id in &visits[..2] {
        tenant.reservations().set_reservation_status(*id, ReservationStatus::Completed).await.unwrap();
    }
    tenant.reservations().cancel_reservation(visits[2]).await.unwrap();
    let october = format!("/a/{account}/analytics?range=custom&from=2026-10-01&to=2026-10-31");
    let page = owner.get(&october).await.body;
    assert_eq!(figure(&page, "came-again").0, "50.0% (1)", "the second of two visits");
    // It drills down to Dora; the first week alone had no guest who came again.
    let href = format!("/a/{account}/contacts?from=2026-10-01&#38;to=2026-10-31&#38;event=came_again");
    assert!(page.contains(&format!("<a href=\"{href}\">")), "came again drills down");
    let list = owner.get(&href.replace("&#38;", "&")).await.body;
    let dora_row = format!("<tr id=\"contact-{}\"", contact_id.unwrap());
    assert_eq!((list.matches("<tr id=\"contact-").count(), list.contains(&dora_row)), (1, true), "{list}");
    assert!(list.contains("Guests who came again from 1 Oct 2026 to 31 Oct 2026"), "{list}");
    let first_week = owner.get(&href.replace("&#38;", "&").replace("2026-10-31", "2026-10-07")).await;
    assert_eq!(first_week.status, StatusCode::OK);
    assert_eq!(first_week.body.matches("<tr id=\"contact-").count(), 0, "{}", first_week.body);
    // The first visit marked a no-show after all: the second is nobody's return.
    tenant.reservations().set_reservation_status(visits[0], ReservationStatus::NoShow).await.unwrap();
    assert_eq!(figure(&owner.get(&october).await.body, "came-again").0, "0.0% (0)");
    let token = app.token(&account, Role::Admin).await;
    let url = "/api/v1/analytics/summary?range=custom&from=2026-10-01&to=2026-10-31";
    let (_, json) = call(&app, reqwest::Method::GET, url, Some(&token), None).await;
    assert_eq!((json["total"]["repeat_visits"].as_i64(), json["total"]["completed"].as_i64()), (Some(0), Some(1)));
}

#[tokio::test]
async fn the_page_speaks_the_members_language_and_refuses_what_it_cannot_read() {
    let (app, owner, account, _) = setup().await;
    let de = owner.submit("/me", "/me", &[("name", "Ada"), ("locale", "de")]).await;
    assert_eq!(de.status, StatusCode::SEE_OTHER);
    let page = owner.get(&format!("/a/{account}/analytics?range=7")).await.body;
    assert!(page.contains("Auswertung") && page.contains("19.09.2026 bis 25.09.2026"));
    assert_eq!(figure(&page, "handoff-rate").0, "25,0\u{a0}%");
    for english in ["Handed to the team", "Bookings made", "This period", "Per day", "Last 7 days", "guests"] {
        assert!(!page.contains(english), "English left: {english}");
    }

    for (query, reason) in [
        ("range=8", "range must be"),
        ("range=custom&from=2026-09-25&to=2026-09-01", "from must not be after to"),
        ("range=custom&from=2024-01-01&to=2026-09-01", "at most 731 days"),
        ("range=custom&from=25.09.2026&to=2026-09-26", "YYYY-MM-DD"),
        ("compare=yes", "compare must be"),
        ("range=custom&from=2026-09-01", "a custom period needs to"),
        ("range=7&to=%C2%84", "to must be a date"),
        ("channel=platform:fax", "unknown platform"),
    ] {
        let res = owner.get(&format!("/a/{account}/analytics?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(res.body.contains(reason), "{query}: {}", res.body);
    }
    // Another business's channel is not found; their figures are theirs.
    let (other, elsewhere) = app.signup("Other Place", "eve@example.com").await;
    let theirs = app.store.tenant_for_operator(elsewhere.parse().unwrap()).await.unwrap();
    let channel = maitre_store::NewChannel {
        platform: maitre_domain::Platform::Telegram,
        external_id: "7000001",
        name: "Their bot",
        credentials: "sealed",
        webhook_secret_hash: "",
        token_expires_at: None,
        verified: false,
    };
    let their_channel = theirs.channels().create_channel(channel).await.unwrap().id;
    let res = owner.get(&format!("/a/{account}/analytics?channel={their_channel}")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(figure(&other.get(&format!("/a/{elsewhere}/analytics")).await.body, "conversations").0, "0");
    assert!(other.get(&format!("/a/{elsewhere}/analytics")).await.body.contains("id=\"analytics-empty\""));

    // Agents see their own activity, no business figures; their API tokens no figures at all.
    let agent = app.member(&account, "agent@example.com", Role::Agent).await;
    let own = agent.get(&format!("/a/{account}/analytics?range=7")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert!(own.body.contains("<h1>My activity</h1>") && own.body.contains("Your replies"), "{}", own.body);
    let rows = team_table(&own.body);
    assert_eq!(rows.len(), 1, "their own row alone: {rows:?}");
    assert_eq!(rows[0][1..], ["0", "0", "—"]);
    for business in ["id=\"figure-conversations\"", "id=\"section-flows\"", "id=\"days-csv\"", "Owner"] {
        assert!(!own.body.contains(business), "an agent sees no {business}");
    }
    assert!(agent.get(&format!("/a/{account}")).await.body.contains(">My activity</a>"), "their menu entry");
    let csv = agent.get(&format!("/a/{account}/analytics/days.csv")).await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN);
    let token = app.token(&account, Role::Agent).await;
    for path in ["/api/v1/analytics/summary", "/api/v1/analytics/team", "/api/v1/analytics/outreach"] {
        let (status, _) = call(&app, reqwest::Method::GET, path, Some(&token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let viewer = app.member(&account, "viewer@example.com", Role::Viewer).await;
    assert_eq!(viewer.get(&format!("/a/{account}/analytics")).await.status, StatusCode::FORBIDDEN);
    let admin = app.token(&account, Role::Admin).await;
    let (status, json) =
        call(&app, reqwest::Method::GET, "/api/v1/analytics/summary?range=custom&from=2026-09-02", Some(&admin), None)
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
}

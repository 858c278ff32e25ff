//! Reservations over real HTTP: booking by hand shows in the list, the calendar and the iCal feed; refusals
//! explain themselves and offer free times; the CSV export; roles and other accounts; booking settings on the
//! page and over the API; and the week calendar in a real browser.
use chrono::{NaiveDateTime, TimeZone, Utc};
use fantoccini::Locator;
use icalendar::{CalendarDateTime, Component, DatePerhapsTime};
use maitre_domain::Role;
use maitre_domain::booking::ReservationRequest;
use maitre_store::{Booking, Origin};
use maitre_testkit::Browser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Client, Page, TestApp};

/// The app's clock reads Monday 2026-09-21 16:15 in Berlin. The default rules open Tuesday to Saturday,
/// 12:00–14:30 and 17:30–22:30; Mondays are closed.
struct Setup {
    app: TestApp,
    owner: Client,
    account: String,
}

async fn setup() -> Setup {
    let app = TestApp::spawn().await;
    let (owner, account) = app.signup("Trattoria Roma", "owner@example.com").await;
    let tenant = app.store.tenant_for_operator(account.parse().unwrap()).await.unwrap();
    let mut settings = tenant.account().await.unwrap().settings;
    settings.time_zone = "Europe/Berlin".into();
    tenant.update_settings(&settings).await.unwrap();
    Setup { app, owner, account }
}

impl Setup {
    fn path(&self, rest: &str) -> String {
        format!("/a/{}{rest}", self.account)
    }

    /// Submits the new-reservation form as `client`.
    async fn book(&self, client: &Client, fields: &[(&str, &str)]) -> Page {
        client.submit(&self.path("/reservations"), &self.path("/reservations"), fields).await
    }

    /// Books as the owner and returns the new reservation's id.
    async fn book_ok(&self, date: &str, time: &str, party: &str, name: &str) -> String {
        let res =
            self.book(&self.owner, &[("date", date), ("time", time), ("party_size", party), ("name", name)]).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        res.location.unwrap().rsplit('/').next().unwrap().to_owned()
    }

    async fn api(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = reqwest::Client::new().request(method, self.app.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Makes a calendar feed on the settings page and returns its path.
    async fn new_feed(&self) -> String {
        let page = self.owner.submit(&self.path("/booking"), &self.path("/booking/ical"), &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let start = page.body.find("/ical/").expect("the feed address is shown");
        let end = page.body[start..].find(".ics").unwrap() + start + 4;
        page.body[start..end].to_owned()
    }
}

#[tokio::test]
async fn a_reservation_made_by_hand_shows_in_the_list_the_day_calendar_and_the_ical_feed() {
    let s = setup().await;
    let id = s.book_ok("2026-09-22", "19:00", "4", "Ada Lovelace").await;
    let page = s.owner.get(&s.path(&format!("/reservations/{id}"))).await;
    assert!(page.body.contains("Reservation created.") && page.body.contains("Confirmed"), "{}", page.body);

    let list = s.owner.get(&s.path("/reservations")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Ada Lovelace") && list.body.contains("22 Sep 2026, 19:00"), "{}", list.body);
    assert!(list.body.contains(&s.path("/reservations\"")), "the navigation links to reservations");

    let day = s.owner.get(&s.path("/calendar?view=day&date=2026-09-22")).await;
    assert_eq!(day.status, StatusCode::OK);
    assert!(day.body.contains(&s.path(&format!("/reservations/{id}"))) && day.body.contains("19:00 Ada Lovelace"));
    // Placed by classes (the content security policy allows no inline styles): 19:00 is the 33rd quarter hour
    // after 11:00, two hours are 8 quarters.
    assert!(day.body.contains("q-start-33 q-span-8 lane-1"), "{}", day.body);
    let css = s.owner.get("/static/calendar.css").await;
    assert!(css.status == StatusCode::OK && css.body.contains(".q-span-8{grid-row-end:span 8}"));
    let other_day = s.owner.get(&s.path("/calendar?view=day&date=2026-09-23")).await;
    assert!(!other_day.body.contains("Ada Lovelace") && other_day.body.contains("No reservations in this period."));

    let feed = s.new_feed().await;
    let res = reqwest::get(s.app.url(&feed)).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert_eq!(res.headers()["cache-control"], "no-store", "guests' details stay out of caches");
    let calendar: icalendar::Calendar = res.text().await.unwrap().parse().unwrap();
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_summary(), Some("Ada Lovelace · 4"));
    let starts = Utc.with_ymd_and_hms(2026, 9, 22, 17, 0, 0).unwrap();
    assert_eq!(events[0].get_start(), Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(starts))));
    assert_eq!(
        events[0].get_end(),
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(starts + chrono::TimeDelta::hours(2))))
    );

    // A new address replaces the old one; wrong tokens are not found.
    let renewed = s.new_feed().await;
    assert_ne!(renewed, feed);
    for path in [feed.as_str(), "/ical/cal_wrong.ics", "/ical/", "/ical/no-suffix"] {
        assert_eq!(reqwest::get(s.app.url(path)).await.unwrap().status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(reqwest::get(s.app.url(&renewed)).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn a_refused_slot_shows_the_reason_and_free_alternatives_that_book_with_one_click() {
    let s = setup().await;
    let monday = [("date", "2026-09-28"), ("time", "19:00"), ("party_size", "2"), ("name", "Bea")];
    let res = s.book(&s.owner, &monday).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("We are closed at that time."), "{}", res.body);
    assert!(res.body.contains("name=\"slot\" value=\"2026-09-29T19:00\""), "Tuesday at the same time: {}", res.body);
    assert!(res.body.contains("value=\"Bea\""), "the form keeps what was typed");

    let mut pick = monday.to_vec();
    pick.push(("slot", "2026-09-29T19:00"));
    let res = s.book(&s.owner, &pick).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let list = s.owner.get(&s.path("/reservations")).await;
    assert!(list.body.contains("29 Sep 2026, 19:00"));

    let big = s.book(&s.owner, &[("date", "2026-09-29"), ("time", "19:00"), ("party_size", "20"), ("name", "X")]).await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(big.body.contains("Parties of more than 8 cannot be booked."));
    let bad = s.book(&s.owner, &[("date", "soon"), ("time", "19:00"), ("party_size", "2"), ("name", "X")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Enter a date and a time."));
}

#[tokio::test]
async fn the_csv_export_holds_the_filtered_reservations_with_formulas_defused() {
    let s = setup().await;
    s.book_ok("2026-09-22", "19:00", "4", "Ada Lovelace").await;
    s.book_ok("2026-09-23", "12:30", "2", "=HYPERLINK(\"http://evil\")").await;
    s.book_ok("2026-09-24", "20:00", "3", "Cem").await;
    let res =
        s.owner.http.get(s.app.url(&s.path("/reservations.csv?from=2026-09-22&to=2026-09-23"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("reservations.csv"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().take(5).map(String::from).collect();
    assert_eq!(header, ["Date", "Time", "End", "Guests", "Name"], "headers in the member's language");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "{body}");
    assert_eq!(
        (&rows[0][0], &rows[0][1], &rows[0][2], &rows[0][3], &rows[0][4]),
        ("2026-09-22", "19:00", "21:00", "4", "Ada Lovelace")
    );
    assert_eq!((&rows[0][8], &rows[0][9]), ("", "Confirmed"), "no table set up; the status in words");
    assert_eq!(&rows[1][4], "'=HYPERLINK(\"http://evil\")", "a spreadsheet must not run a guest's name");
    let searched = s.owner.get(&s.path("/reservations.csv?from=&q=cem")).await;
    assert_eq!(searched.body.lines().count(), 2, "{}", searched.body);
}

/// With tables set up, a booking holds one: the list, the reservation's page, the calendar and the export name it.
#[tokio::test]
async fn the_table_a_booking_holds_shows_everywhere_the_booking_does() {
    let s = setup().await;
    let window = [("name", "Window"), ("kind", "table"), ("seats", "4")];
    let added = s.owner.submit(&s.path("/booking"), &s.path("/booking/resources"), &window).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let id = s.book_ok("2026-09-22", "19:00", "3", "Ada Lovelace").await;

    let list = s.owner.get(&s.path("/reservations?from=2026-09-22")).await;
    assert!(list.body.contains("Table / room") && list.body.contains(">Window</td>"), "{}", list.body);
    let detail = s.owner.get(&s.path(&format!("/reservations/{id}"))).await;
    assert!(detail.body.contains("Table / room: Window"), "{}", detail.body);
    let calendar = s.owner.get(&s.path("/calendar?view=day&date=2026-09-22")).await;
    assert!(calendar.body.contains("<span class=\"cal-resource\">· Window</span>"), "{}", calendar.body);
    let csv = s.owner.get(&s.path("/reservations.csv?from=2026-09-22&to=2026-09-22")).await;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[8], "Table / room");
    assert_eq!(&reader.records().next().unwrap().unwrap()[8], "Window");
}

#[tokio::test]
async fn viewers_see_but_cannot_book_and_other_accounts_reservations_are_not_found() {
    let s = setup().await;
    let id = s.book_ok("2026-09-22", "19:00", "2", "Ada").await;
    let viewer = s.app.member(&s.account, "viewer@example.com", Role::Viewer).await;
    assert_eq!(viewer.get(&s.path("/reservations")).await.status, StatusCode::OK);
    assert_eq!(viewer.get(&s.path(&format!("/reservations/{id}"))).await.status, StatusCode::OK);
    assert_eq!(viewer.get(&s.path("/calendar")).await.status, StatusCode::OK);
    assert_eq!(viewer.get(&s.path("/reservations/new")).await.status, StatusCode::FORBIDDEN);
    let fields = [("date", "2026-09-22"), ("time", "20:00"), ("party_size", "2"), ("name", "V")];
    let csrf = viewer.get(&s.path("/reservations")).await.csrf();
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(&fields);
    assert_eq!(viewer.post_form(&s.path("/reservations"), &all).await.status, StatusCode::FORBIDDEN);
    let status_path = s.path(&format!("/reservations/{id}/status"));
    let status = viewer.post_form(&status_path, &[("_csrf", &csrf), ("status", "cancelled")]).await;
    assert_eq!(status.status, StatusCode::FORBIDDEN);
    assert_eq!(viewer.get(&s.path("/booking")).await.status, StatusCode::FORBIDDEN);
    let agent = s.app.member(&s.account, "agent@example.com", Role::Agent).await;
    assert_eq!(agent.get(&s.path("/reservations/new")).await.status, StatusCode::OK);
    assert_eq!(agent.get(&s.path("/booking")).await.status, StatusCode::FORBIDDEN);

    let (other, other_account) = s.app.signup("Salon Bella", "bella@example.com").await;
    assert_eq!(other.get(&format!("/a/{other_account}/reservations/{id}")).await.status, StatusCode::NOT_FOUND);
    let csrf = other.get(&format!("/a/{other_account}/reservations")).await.csrf();
    let cancel = other
        .post_form(
            &format!("/a/{other_account}/reservations/{id}/status"),
            &[("_csrf", &csrf), ("status", "cancelled")],
        )
        .await;
    assert_eq!(cancel.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&s.path("/reservations")).await.status, StatusCode::NOT_FOUND, "not a member");
    let token = s.app.token(&other_account, Role::Owner).await;
    let (status, body) = s.api(&token, Method::GET, &format!("/api/v1/reservations/{id}"), None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    assert_eq!(s.owner.get(&s.path("/reservations/not-an-id")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.owner.get(&s.path("/reservations?status=gone")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(s.owner.get(&s.path("/calendar?date=tomorrow")).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn status_buttons_change_the_reservation_and_refuse_impossible_changes() {
    let s = setup().await;
    let id = s.book_ok("2026-09-22", "19:00", "2", "Ada").await;
    let page = s.path(&format!("/reservations/{id}"));
    let status_path = s.path(&format!("/reservations/{id}/status"));
    let res = s.owner.submit(&page, &status_path, &[("status", "no_show")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let shown = s.owner.get(&page).await;
    assert!(shown.body.contains("The reservation is now: No-show.") && shown.body.contains("id=\"status-completed\""));
    assert!(!shown.body.contains("id=\"status-cancelled\""), "a visit that is over cannot be cancelled");
    let res = s.owner.submit(&page, &status_path, &[("status", "cancelled")]).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("A reservation that is “No-show” cannot become “Cancelled”."), "{}", res.body);
    let res = s.owner.submit(&page, &status_path, &[("status", "lost")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("“lost” is not a reservation status."), "{}", res.body);

    let id = s.book_ok("2026-09-23", "19:00", "2", "Bea").await;
    let page = s.path(&format!("/reservations/{id}"));
    let res = s.owner.submit(&page, &s.path(&format!("/reservations/{id}/status")), &[("status", "cancelled")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let cancelled = s.owner.get(&s.path("/reservations?status=cancelled")).await;
    assert!(cancelled.body.contains("Bea") && !cancelled.body.contains(">Ada<"));
    let day = s.owner.get(&s.path("/calendar?view=day&date=2026-09-23")).await;
    assert!(!day.body.contains("Bea"), "cancelled reservations leave the calendar");
}

/// Staff may book a closed day anyway (a private party) once they give a reason, which the notes keep.
#[tokio::test]
async fn staff_book_a_closed_day_anyway_with_a_reason() {
    let s = setup().await;
    let monday = [("date", "2026-09-28"), ("time", "19:00"), ("party_size", "30"), ("name", "Firmenfeier")];
    let refused = s.book(&s.owner, &monday).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"book-anyway\"") && refused.body.contains("Book anyway"), "{}", refused.body);

    let mut forced = monday.to_vec();
    forced.push(("force", "1"));
    let no_reason = s.book(&s.owner, &forced).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("give a reason"), "{}", no_reason.body);

    forced.push(("anyway", "Private party, whole room"));
    let booked = s.book(&s.owner, &forced).await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER, "{}", booked.body);
    let page = s.owner.get(booked.location.as_deref().unwrap()).await.body;
    assert!(page.contains("Booked anyway: Private party, whole room"), "{page}");
    let list = s.owner.get(&s.path("/reservations?from=2026-09-28&to=2026-09-28")).await.body;
    assert!(list.contains("Firmenfeier") && list.contains("28 Sep 2026, 19:00"), "{list}");
}

/// A German owner's booking settings: closed days say so, exceptions and refusals are in German.
#[tokio::test]
async fn booking_settings_speak_the_members_language() {
    let s = setup().await;
    let owner = s.app.store.user_by_email("owner@example.com").await.unwrap().id;
    s.app.store.update_profile(owner, "Ada", maitre_domain::Locale::De).await.unwrap();
    let mut fields = vec![
        ("mon", ""),
        ("tue", "12:00-14:30"),
        ("wed", "12:00-14:30"),
        ("thu", "12:00-14:30"),
        ("fri", "12:00-14:30"),
        ("sat", "12:00-14:30"),
        ("sun", ""),
        ("exceptions", "2026-12-24 geschlossen Heiligabend\n2026-12-26 fermé"),
        ("slot_minutes", "30"),
        ("default_duration_minutes", "90"),
        ("lead_time_minutes", "120"),
        ("horizon_days", "30"),
        ("max_party_size", "12"),
        ("covers_per_slot", "40"),
        ("review_link", ""),
        ("reminder_hours", "6"),
        ("review_delay_hours", "2"),
    ];
    let res = s.owner.submit(&s.path("/booking"), &s.path("/booking"), &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = s.owner.get(&s.path("/booking")).await.body;
    assert!(page.contains("2026-12-24 geschlossen Heiligabend\n2026-12-26 geschlossen"), "{page}");
    assert_eq!(page.matches("<span class=\"badge closed-day\">Geschlossen</span>").count(), 2, "Monday and Sunday");
    assert!(!page.contains("12-26 closed") && !page.contains("placeholder=\"12:00"), "no English, no sample hours");

    fields[1] = ("tue", "12:00-14:30, 13:00-15:00");
    let res = s.owner.submit(&s.path("/booking"), &s.path("/booking"), &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Die Öffnungszeiten am Di überschneiden sich."), "{}", res.body);
    fields[1] = ("tue", "12:00-14:30");
    fields[7] = ("exceptions", "2026-12-24 shut");
    let res = s.owner.submit(&s.path("/booking"), &s.path("/booking"), &fields).await;
    assert!(res.body.contains("„2026-12-24 shut“ ist keine Ausnahme"), "{}", res.body);
}

#[tokio::test]
async fn booking_settings_round_trip_on_the_page_and_over_the_api() {
    let s = setup().await;
    let mut fields = vec![
        ("mon", "11:00-15:00"),
        ("tue", "12:00-14:30, 17:30-22:30"),
        ("wed", ""),
        ("thu", ""),
        ("fri", "18:00-02:00"),
        ("sat", ""),
        ("sun", ""),
        ("exceptions", "2026-12-24 closed Heiligabend\n2026-12-31 18:00-01:00 Silvester"),
        ("slot_minutes", "30"),
        ("default_duration_minutes", "90"),
        ("lead_time_minutes", "120"),
        ("horizon_days", "30"),
        ("max_party_size", "12"),
        ("covers_per_slot", "40"),
        ("review_link", "https://example.com/review"),
        ("reminder_hours", "6"),
        ("review_delay_hours", "2"),
    ];
    let res = s.owner.submit(&s.path("/booking"), &s.path("/booking"), &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = s.owner.get(&s.path("/booking")).await;
    assert!(page.body.contains("value=\"18:00-02:00\"") && page.body.contains("2026-12-24 closed Heiligabend"));
    assert!(page.body.contains("name=\"auto_confirm\">"), "unticked auto-confirm stays off");

    let token = s.app.token(&s.account, Role::Admin).await;
    let (status, got) = s.api(&token, Method::GET, "/api/v1/booking/settings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["rules"]["hours"]["mon"], json!(["11:00-15:00"]));
    assert_eq!(
        got["rules"]["exceptions"][1],
        json!({"date": "2026-12-31", "hours": ["18:00-01:00"], "label": "Silvester"})
    );
    assert_eq!(
        (got["rules"]["slot_minutes"].as_u64(), got["rules"]["auto_confirm"].as_bool()),
        (Some(30), Some(false))
    );
    assert_eq!(
        (got["reminder_hours"].as_u64(), got["review_link"].as_str()),
        (Some(6), Some("https://example.com/review"))
    );

    let mut changed = got.clone();
    changed["rules"]["hours"]["sun"] = json!(["10:00-16:00"]);
    changed["reminder_hours"] = json!(0);
    let (status, put) = s.api(&token, Method::PUT, "/api/v1/booking/settings", Some(changed.clone())).await;
    assert_eq!((status, &put), (StatusCode::OK, &changed));
    assert!(s.owner.get(&s.path("/booking")).await.body.contains("value=\"10:00-16:00\""));
    changed["rules"]["hours"]["sun"] = json!(["10:00-16:00", "15:00-18:00"]);
    let (status, body) = s.api(&token, Method::PUT, "/api/v1/booking/settings", Some(changed)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("overlap"), "{body}");
    let viewer_token = s.app.token(&s.account, Role::Viewer).await;
    let (status, _) = s.api(&viewer_token, Method::PUT, "/api/v1/booking/settings", Some(got)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    fields[0] = ("mon", "11-15");
    let res = s.owner.submit(&s.path("/booking"), &s.path("/booking"), &fields).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.body.contains("“11-15” is not an opening time") && res.body.contains("value=\"11-15\""),
        "{}",
        res.body
    );

    let (booking, resources) = (s.path("/booking"), s.path("/booking/resources"));
    let window = [("name", "Window"), ("kind", "table"), ("seats", "4")];
    let added = s.owner.submit(&booking, &resources, &window).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    assert_eq!(added.location.unwrap(), format!("{booking}#resources"), "the page keeps its place");
    let dup = s.owner.submit(&booking, &resources, &window).await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("This name is already used"), "{}", dup.body);
    let resource = s
        .app
        .store
        .tenant_for_operator(s.account.parse().unwrap())
        .await
        .unwrap()
        .reservations()
        .resources()
        .await
        .unwrap();
    let service = s
        .owner
        .submit(
            &s.path("/booking"),
            &s.path("/booking/services"),
            &[("name", "Tasting"), ("duration_minutes", "150"), ("resource", &resource[0].id)],
        )
        .await;
    assert_eq!(service.status, StatusCode::SEE_OTHER);
    let page = s.owner.get(&s.path("/booking")).await;
    assert!(
        page.body.contains("value=\"Tasting\"") && page.body.contains(&format!("value=\"{}\" checked", resource[0].id))
    );
}

#[tokio::test]
async fn the_api_books_lists_and_changes_reservations() {
    let s = setup().await;
    let token = s.app.token(&s.account, Role::Agent).await;
    let input = json!({"starts_at": "2026-09-22T19:30", "party_size": 3, "name": "Api Guest", "phone": "+49 1"});
    let (status, created) = s.api(&token, Method::POST, "/api/v1/reservations", Some(input)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        (created["local_start"].as_str(), created["starts_at"].as_str()),
        (Some("2026-09-22T19:30"), Some("2026-09-22T17:30:00+00:00"))
    );
    assert_eq!((created["status"].as_str(), created["source"].as_str()), (Some("confirmed"), Some("staff")));
    let id = created["id"].as_str().unwrap();

    let closed = json!({"starts_at": "2026-09-28T19:00", "party_size": 2, "name": "Monday"});
    let (status, refused) = s.api(&token, Method::POST, "/api/v1/reservations", Some(closed)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "slot_unavailable");
    assert_eq!(refused["slot"]["result"], "closed");
    assert_eq!(refused["slot"]["alternatives"][0], "2026-09-29T19:00:00");
    let bad = json!({"starts_at": "tomorrow", "party_size": 2, "name": "X"});
    assert_eq!(
        s.api(&token, Method::POST, "/api/v1/reservations", Some(bad)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let extra = json!({"starts_at": "2026-09-22T19:30", "party_size": 2, "name": "X", "vip": true});
    assert_eq!(
        s.api(&token, Method::POST, "/api/v1/reservations", Some(extra)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (status, page) = s.api(&token, Method::GET, "/api/v1/reservations?from=2026-09-22&to=2026-09-22", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["reservations"].as_array().unwrap().len(), 1);
    assert_eq!(page["next"], Value::Null);
    let (status, _) = s.api(&token, Method::GET, "/api/v1/reservations?after=garbage", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let path = format!("/api/v1/reservations/{id}");
    let (status, patched) = s.api(&token, Method::PATCH, &path, Some(json!({"status": "cancelled"}))).await;
    assert_eq!((status, patched["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    let (status, again) = s.api(&token, Method::PATCH, &path, Some(json!({"status": "confirmed"}))).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")));

    let viewer = s.app.token(&s.account, Role::Viewer).await;
    let input = json!({"starts_at": "2026-09-22T19:30", "party_size": 3, "name": "No"});
    assert_eq!(s.api(&viewer, Method::POST, "/api/v1/reservations", Some(input)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(s.api(&viewer, Method::GET, &path, None).await.0, StatusCode::OK);
    let (_, doc) = s.api(&viewer, Method::GET, "/api/v1/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/reservations/{id}"]["patch"].is_object());
}

#[tokio::test]
async fn the_week_calendar_shows_a_reservation_in_a_real_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let s = setup().await;
    let tenant = s.app.store.tenant_for_operator(s.account.parse().unwrap()).await.unwrap();
    let req = ReservationRequest {
        starts_at: NaiveDateTime::parse_from_str("2026-09-24 20:00", "%Y-%m-%d %H:%M").unwrap(),
        party_size: 5,
        service: None,
        name: "Grace Hopper".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    let booked =
        tenant.reservations().create_reservation(&req, chrono_tz::Europe::Berlin, &Origin::staff()).await.unwrap();
    let Booking::Booked(r) = booked else { panic!("{booked:?}") };

    crate::browser::sign_in(&b, &s.app, "owner@example.com").await;
    b.client.goto(&s.app.url(&s.path("/calendar?view=week&date=2026-09-22"))).await.unwrap();
    let heads = b.client.find_all(Locator::Css(".cal-head")).await.unwrap();
    assert_eq!(heads.len(), 8, "a time column and seven days");
    let block = b.client.find(Locator::Css(".cal-res")).await.unwrap();
    assert_eq!(block.text().await.unwrap(), "20:00 Grace Hopper (5)");
    let (_, _, _, height) = block.rectangle().await.unwrap();
    assert!((90.0..=100.0).contains(&height), "two hours are drawn 96 px tall, not {height}");
    let mut columns_with_it = vec![];
    for (i, day) in b.client.find_all(Locator::Css(".cal-day")).await.unwrap().into_iter().enumerate() {
        if day.find(Locator::Css(".cal-res")).await.is_ok() {
            columns_with_it.push(i);
        }
    }
    assert_eq!(columns_with_it, [3], "Thursday is the fourth day of the week");
    block.click().await.unwrap();
    let path = crate::browser::wait_for_path(&b, |p| p.ends_with(&r.id.to_string())).await;
    assert_eq!(path, s.path(&format!("/reservations/{}", r.id)));
    let name = b.client.find(Locator::Css("input[name='name']")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(name.as_deref(), Some("Grace Hopper"));
    b.close().await;
}

//! Reservations on both backends: settings, resources and services; booking with capacity re-checked in the
//! writing transaction (one winner among racers); refusals with alternatives; follow-up jobs; lists.
use chrono::{NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use maitre_domain::booking::{BookingRules, Interval, ReservationRequest, ReservationStatus, ResourceKind, SlotCheck};
use maitre_domain::{ContactId, ConversationId, ReservationId};
use maitre_store::{
    Booking, BookingError, BookingSettings, Clock, JobKind, NewResource, NewService, Origin, Reservation,
    ReservationQuery, Source, Store, StoreError, TenantStore,
};
use maitre_testkit::TestDb;

use super::{account, futures_join_all, store};

const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn request(at: &str, party: u32, name: &str) -> ReservationRequest {
    ReservationRequest {
        starts_at: local(at),
        party_size: party,
        service: None,
        name: name.into(),
        phone: Some("+49 170 000000".into()),
        email: None,
        notes: String::new(),
    }
}

/// The store's clock reads Tuesday 2026-03-10 12:00 in Berlin; the default rules open Tue–Sat for lunch and dinner.
async fn tenant() -> (Store, Clock, TestDb, TenantStore) {
    let (store, clock, db) = store().await;
    let (a, owner) = account(&store, "Trattoria", "t@example.com").await;
    let (tenant, _) = store.tenant_for_member(owner, a).await.unwrap();
    (store, clock, db, tenant)
}

fn booked(b: Booking) -> Reservation {
    match b {
        Booking::Booked(r) => *r,
        Booking::Refused(why) => panic!("refused: {why:?}"),
    }
}

/// Queued jobs of a reservation: (kind, run_at, payload), ordered by run time.
async fn jobs_of(db: &TestDb, reservation: ReservationId) -> Vec<(String, chrono::DateTime<Utc>, String)> {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT kind, run_at, payload FROM jobs WHERE status = 'queued' AND payload LIKE $1 ORDER BY run_at, kind",
    )
    .bind(format!("%{reservation}%"))
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.into_iter().map(|(k, at, p)| (k, Utc.timestamp_millis_opt(at).unwrap(), p)).collect()
}

#[tokio::test]
async fn booking_settings_resources_and_services_round_trip() {
    let (_store, _, _db, t) = tenant().await;
    assert_eq!(t.reservations().booking_settings().await.unwrap(), BookingSettings::default());
    let mut rules = BookingRules { covers_per_slot: 40, auto_confirm: false, ..BookingRules::default() };
    rules.hours.sun = Interval::parse_list("11:00-15:00").unwrap();
    let settings =
        BookingSettings { rules, review_link: "https://g.page/r/x".into(), reminder_hours: 6, review_delay_hours: 2 };
    t.reservations().put_booking_settings(&settings).await.unwrap();
    assert_eq!(t.reservations().booking_settings().await.unwrap(), settings);
    let bad = BookingSettings { review_link: "javascript:alert(1)".into(), ..settings.clone() };
    assert!(matches!(t.reservations().put_booking_settings(&bad).await, Err(BookingError::Invalid(_))));
    let mut overlapping = settings.clone();
    overlapping.rules.hours.mon = Interval::parse_list("10:00-12:00, 11:00-13:00").unwrap();
    assert!(matches!(t.reservations().put_booking_settings(&overlapping).await, Err(BookingError::Rules(_))));

    let window = t
        .reservations()
        .create_resource(&NewResource { name: "Window", kind: ResourceKind::Table, seats: 2 })
        .await
        .unwrap();
    let ada = t
        .reservations()
        .create_resource(&NewResource { name: "Ada", kind: ResourceKind::Staff, seats: 1 })
        .await
        .unwrap();
    let dup = t.reservations().create_resource(&NewResource { name: "Ada", kind: ResourceKind::Staff, seats: 1 }).await;
    assert!(matches!(dup, Err(BookingError::Store(StoreError::Conflict { .. }))), "{dup:?}");
    assert!(matches!(
        t.reservations().create_resource(&NewResource { name: "Huge", kind: ResourceKind::Table, seats: 0 }).await,
        Err(BookingError::Invalid(_))
    ));
    let renamed = NewResource { name: "Window 1", kind: ResourceKind::Table, seats: 4 };
    t.reservations().update_resource(&window.id, &renamed).await.unwrap();
    let ids = vec![ada.id.clone()];
    let cut = t
        .reservations()
        .create_service(&NewService { name: "Cut", duration_minutes: 45, resource_ids: &ids })
        .await
        .unwrap();
    let unknown = vec!["nope".to_owned()];
    let refused = t
        .reservations()
        .create_service(&NewService { name: "Dye", duration_minutes: 90, resource_ids: &unknown })
        .await;
    assert!(matches!(refused, Err(BookingError::Invalid(m)) if m.contains("nope")));
    let resources = t.reservations().resources().await.unwrap();
    assert_eq!((resources[0].name.as_str(), resources[0].seats), ("Window 1", 4));
    assert_eq!(t.reservations().services().await.unwrap()[0].resource_ids, ids);
    t.reservations().delete_resource(&ada.id).await.unwrap();
    assert_eq!(
        t.reservations().services().await.unwrap()[0].resource_ids,
        Vec::<String>::new(),
        "a deleted resource leaves services"
    );
    t.reservations().delete_service(&cut.id).await.unwrap();
    assert!(matches!(t.reservations().delete_service(&cut.id).await, Err(StoreError::NotFound)));
}

#[tokio::test]
async fn a_booking_is_stored_listed_and_found_only_by_its_account() {
    let (store, _, _db, t) = tenant().await;
    let rules = BookingRules { auto_confirm: false, ..BookingRules::default() };
    t.reservations().put_booking_settings(&BookingSettings { rules, ..BookingSettings::default() }).await.unwrap();
    let contact = ContactId::new();
    let origin = Origin {
        source: Source::Flow,
        contact_id: Some(contact),
        conversation_id: Some(ConversationId::new()),
        key: None,
        flow: None,
    };
    let r = booked(
        t.reservations()
            .create_reservation(&request("2026-03-11 19:30", 4, "Ada Lovelace"), BERLIN, &origin)
            .await
            .unwrap(),
    );
    assert_eq!(r.status, ReservationStatus::Pending, "guests wait for staff unless auto-confirmed");
    assert_eq!(r.starts_at.to_rfc3339(), "2026-03-11T18:30:00+00:00");
    assert_eq!(r.duration_minutes(), 120);
    assert_eq!(r.info().starts_at, local("2026-03-11 19:30"));
    let staff = booked(
        t.reservations()
            .create_reservation(&request("2026-03-12 12:00", 2, "Bea Bauer"), BERLIN, &Origin::staff())
            .await
            .unwrap(),
    );
    assert_eq!(staff.status, ReservationStatus::Confirmed);
    booked(
        t.reservations()
            .create_reservation(&request("2026-03-13 20:00", 2, "Cem Ada"), BERLIN, &Origin::staff())
            .await
            .unwrap(),
    );

    assert_eq!(t.reservations().reservation(r.id).await.unwrap(), r);
    let upcoming = t.reservations().upcoming_for_contact(contact).await.unwrap();
    assert_eq!(upcoming.iter().map(|u| u.id).collect::<Vec<_>>(), [r.id]);

    let page = |q: ReservationQuery<'static>| {
        let t = t.clone();
        async move { t.reservations().list(&q).await.unwrap() }
    };
    let all = page(ReservationQuery { limit: 2, ..Default::default() }).await;
    assert_eq!(all.items.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Ada Lovelace", "Bea Bauer"]);
    let rest = page(ReservationQuery { limit: 2, after: all.next, ..Default::default() }).await;
    assert_eq!((rest.items.len(), rest.items[0].name.as_str(), rest.next), (1, "Cem Ada", None));
    let ada = page(ReservationQuery { search: Some("ADA"), limit: 10, ..Default::default() }).await;
    assert_eq!(ada.items.len(), 2, "case-insensitive part of the name");
    let pct = page(ReservationQuery { search: Some("%"), limit: 10, ..Default::default() }).await;
    assert!(pct.items.is_empty(), "LIKE wildcards are taken literally");
    let pending = page(ReservationQuery { status: Some(ReservationStatus::Pending), limit: 10, ..Default::default() });
    assert_eq!(pending.await.items.len(), 1);
    let thursday = ReservationQuery {
        from: Some(Utc.with_ymd_and_hms(2026, 3, 11, 23, 0, 0).unwrap()),
        to: Some(Utc.with_ymd_and_hms(2026, 3, 12, 23, 0, 0).unwrap()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(page(thursday).await.items[0].name, "Bea Bauer");

    let (b, b_owner) = account(&store, "Other", "o@example.com").await;
    let (other, _) = store.tenant_for_member(b_owner, b).await.unwrap();
    assert!(matches!(other.reservations().reservation(r.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        other.reservations().cancel_reservation(r.id).await,
        Err(BookingError::Store(StoreError::NotFound))
    ));
    let moved = other
        .reservations()
        .modify_reservation(r.id, &request("2026-03-11 20:00", 2, "X"), BERLIN, Source::Staff)
        .await;
    assert!(matches!(moved, Err(BookingError::Store(StoreError::NotFound))));
    assert!(
        other
            .reservations()
            .list(&ReservationQuery { limit: 10, ..Default::default() })
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn refusals_say_why_and_offer_alternatives() {
    let (_store, _, _db, t) = tenant().await;
    let staff = Origin::staff();
    match t.reservations().create_reservation(&request("2026-03-11 16:00", 2, "Ada"), BERLIN, &staff).await.unwrap() {
        Booking::Refused(SlotCheck::Closed { alternatives }) => {
            // Nearest first; on a tie, the earlier.
            let expected = ["2026-03-11 17:30", "2026-03-11 14:15", "2026-03-11 17:45"].map(local);
            assert_eq!(alternatives, expected);
        }
        other => panic!("{other:?}"),
    }
    let too_big =
        t.reservations().create_reservation(&request("2026-03-11 19:00", 20, "Ada"), BERLIN, &staff).await.unwrap();
    assert_eq!(too_big, Booking::Refused(SlotCheck::TooLarge { max: 8 }));
    let guest = Origin { source: Source::Flow, contact_id: None, conversation_id: None, key: None, flow: None };
    let soon =
        t.reservations().create_reservation(&request("2026-03-10 12:30", 2, "Ada"), BERLIN, &guest).await.unwrap();
    assert_eq!(soon, Booking::Refused(SlotCheck::TooSoon { earliest: local("2026-03-10 13:00") }));
    assert!(matches!(
        t.reservations().create_reservation(&request("2026-03-10 12:30", 2, "Ada"), BERLIN, &staff).await.unwrap(),
        Booking::Booked(_)
    ));
    // The clocks go forward at 02:00 on 2026-03-29 in Berlin: 02:30 does not exist.
    let gap = t.reservations().create_reservation(&request("2026-03-29 02:30", 2, "Ada"), BERLIN, &staff).await;
    assert!(matches!(gap, Err(BookingError::Time(_))), "{gap:?}");
    let mut salon = request("2026-03-11 19:00", 1, "Ada");
    salon.service = Some("Perm".into());
    assert!(
        matches!(t.reservations().create_reservation(&salon, BERLIN, &staff).await, Err(BookingError::UnknownService(m)) if m == "Perm")
    );
    let nameless = request("2026-03-11 19:00", 2, "  ");
    assert!(matches!(
        t.reservations().create_reservation(&nameless, BERLIN, &staff).await,
        Err(BookingError::Invalid(_))
    ));
    assert!(
        t.reservations().list(&ReservationQuery { limit: 10, ..Default::default() }).await.unwrap().items.len() == 1
    );
}

#[tokio::test]
async fn services_take_their_staff_and_modifications_recheck_without_counting_themselves() {
    let (_store, _, _db, t) = tenant().await;
    let ada = t
        .reservations()
        .create_resource(&NewResource { name: "Ada", kind: ResourceKind::Staff, seats: 1 })
        .await
        .unwrap();
    let ids = vec![ada.id.clone()];
    t.reservations()
        .create_service(&NewService { name: "Cut", duration_minutes: 60, resource_ids: &ids })
        .await
        .unwrap();
    let mut cut = request("2026-03-11 12:00", 1, "Guest one");
    cut.service = Some("cut".into());
    let first = booked(t.reservations().create_reservation(&cut, BERLIN, &Origin::staff()).await.unwrap());
    assert_eq!((first.service.as_deref(), first.resource_id.as_deref()), (Some("Cut"), Some(ada.id.as_str())));
    cut.starts_at = local("2026-03-11 12:30");
    cut.name = "Guest two".into();
    assert!(matches!(
        t.reservations().create_reservation(&cut, BERLIN, &Origin::staff()).await.unwrap(),
        Booking::Refused(SlotCheck::Full { .. })
    ));
    // Moving the first by 30 minutes overlaps only itself.
    cut.name = "Guest one".into();
    let moved = booked(t.reservations().modify_reservation(first.id, &cut, BERLIN, Source::Staff).await.unwrap());
    assert_eq!((moved.id, moved.local_start), (first.id, local("2026-03-11 12:30")));
    assert_eq!(moved.ends_at - moved.starts_at, TimeDelta::minutes(60));
    t.reservations().cancel_reservation(first.id).await.unwrap();
    let again = t.reservations().modify_reservation(first.id, &cut, BERLIN, Source::Staff).await;
    assert!(matches!(again, Err(BookingError::Invalid(_))), "a cancelled reservation stays cancelled");
    let revive = t.reservations().set_reservation_status(first.id, ReservationStatus::Confirmed).await;
    assert!(matches!(revive, Err(BookingError::Transition { .. })));
}

#[tokio::test]
async fn follow_up_jobs_are_queued_moved_and_dropped_with_the_reservation() {
    let (_store, _, db, t) = tenant().await;
    let s = BookingSettings { reminder_hours: 24, review_delay_hours: 3, ..BookingSettings::default() };
    t.reservations().put_booking_settings(&s).await.unwrap();
    let r = booked(
        t.reservations()
            .create_reservation(&request("2026-03-13 19:00", 2, "Ada"), BERLIN, &Origin::staff())
            .await
            .unwrap(),
    );
    let jobs = jobs_of(&db, r.id).await;
    let kinds: Vec<&str> = jobs.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [JobKind::ReservationNotify.as_str(), JobKind::ReservationReminder.as_str(), JobKind::ReviewRequest.as_str()]
    );
    let payload: serde_json::Value = serde_json::from_str(&jobs[0].2).unwrap();
    assert_eq!(payload, serde_json::json!({"reservation_id": r.id, "change": "created"}));
    assert_eq!(jobs[1].1, r.starts_at - TimeDelta::hours(24));
    assert_eq!(jobs[2].1, r.ends_at + TimeDelta::hours(3));

    let moved = booked(
        t.reservations()
            .modify_reservation(r.id, &request("2026-03-14 19:00", 2, "Ada"), BERLIN, Source::Staff)
            .await
            .unwrap(),
    );
    let jobs = jobs_of(&db, r.id).await;
    let reminders: Vec<_> = jobs.iter().filter(|(k, _, _)| k == JobKind::ReservationReminder.as_str()).collect();
    assert_eq!(reminders.len(), 1, "the reminder moved, not doubled");
    assert_eq!(reminders[0].1, moved.starts_at - TimeDelta::hours(24));
    assert!(jobs.iter().any(|(_, _, p)| p.contains("\"changed\"")));

    t.reservations().cancel_reservation(r.id).await.unwrap();
    let jobs = jobs_of(&db, r.id).await;
    let kinds: Vec<&str> = jobs.iter().map(|(k, _, _)| k.as_str()).collect();
    assert_eq!(kinds, ["reservation_notify"; 3], "cancelled: no reminder, no review request");
    assert!(jobs.iter().any(|(_, _, p)| p.contains("\"cancelled\"")));

    // A visit tomorrow morning is too close for a 24-hour reminder; it still gets its review request.
    let soon = booked(
        t.reservations()
            .create_reservation(&request("2026-03-11 12:00", 2, "Bea"), BERLIN, &Origin::staff())
            .await
            .unwrap(),
    );
    let kinds: Vec<String> = jobs_of(&db, soon.id).await.into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds, [JobKind::ReservationNotify.as_str(), JobKind::ReviewRequest.as_str()]);
    t.reservations().set_reservation_status(soon.id, ReservationStatus::NoShow).await.unwrap();
    let kinds: Vec<String> = jobs_of(&db, soon.id).await.into_iter().map(|(k, _, _)| k).collect();
    assert_eq!(kinds, [JobKind::ReservationNotify.as_str()], "no review request after a no-show");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_the_last_table_book_it_once() {
    let (_store, _, _db, t) = tenant().await;
    t.reservations()
        .create_resource(&NewResource { name: "Only table", kind: ResourceKind::Table, seats: 4 })
        .await
        .unwrap();
    // With the settings row in place, only its lock (not the insert of the row) can order the racers.
    t.reservations().put_booking_settings(&BookingSettings::default()).await.unwrap();
    // Open the pool's connections first so that the racers start together instead of one per new connection.
    let warm = (0..8).map(|_| {
        let t = t.clone();
        async move { t.reservations().snapshot(BERLIN, Utc::now(), Utc::now()).await.map(|_| ()) }
    });
    futures_join_all(warm).await.into_iter().for_each(|r| r.unwrap());
    let racers = (0..8).map(|i| {
        let t = t.clone();
        async move {
            let guest = Origin { source: Source::Flow, contact_id: None, conversation_id: None, key: None, flow: None };
            t.reservations()
                .create_reservation(&request("2026-03-11 19:00", 2, &format!("Racer {i}")), BERLIN, &guest)
                .await
        }
    });
    let results = futures_join_all(racers).await;
    let won = results.iter().filter(|r| matches!(r, Ok(Booking::Booked(_)))).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results.iter().all(|r| matches!(r, Ok(Booking::Booked(_)) | Ok(Booking::Refused(SlotCheck::Full { .. })))),
        "{results:?}"
    );
    let stored = t.reservations().list(&ReservationQuery { limit: 50, ..Default::default() }).await.unwrap();
    assert_eq!(stored.items.len(), 1);
}

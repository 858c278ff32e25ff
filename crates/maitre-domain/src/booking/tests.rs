//! Capacity and slot search over hand-made snapshots, plus properties that must hold for any snapshot.
use chrono::{NaiveDateTime, TimeDelta};
use proptest::prelude::*;

use super::*;

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// Tuesday 2026-03-17, 10:00. The default rules: Tue–Sat 12:00–14:30 and 17:30–22:30, lead time 60 minutes.
const NOW: &str = "2026-03-17 10:00";

fn restaurant() -> Snapshot {
    Snapshot { rules: BookingRules::default(), resources: vec![], services: vec![], reservations: vec![], now: dt(NOW) }
}

fn table(id: &str, seats: u32) -> Resource {
    Resource { id: id.into(), name: format!("Table {id}"), kind: ResourceKind::Table, seats }
}

fn staff(id: &str) -> Resource {
    Resource { id: id.into(), name: id.into(), kind: ResourceKind::Staff, seats: 1 }
}

fn booked(id: &str, start: &str, minutes: i64, party: u32, resource: Option<&str>) -> Booked {
    Booked {
        id: id.into(),
        starts_at: dt(start),
        ends_at: dt(start) + TimeDelta::minutes(minutes),
        party_size: party,
        resource_id: resource.map(Into::into),
        status: ReservationStatus::Confirmed,
    }
}

fn guest() -> Ask<'static> {
    Ask::default()
}

#[test]
fn an_open_empty_restaurant_is_free_and_closed_times_are_refused_with_alternatives() {
    let s = restaurant();
    assert_eq!(s.check(dt("2026-03-17 19:00"), 4, None), SlotCheck::Free);
    assert!(s.is_open(dt("2026-03-17 13:00")));
    assert!(!s.is_open(dt("2026-03-17 15:00")));
    match s.check(dt("2026-03-17 15:00"), 2, None) {
        SlotCheck::Closed { alternatives } => {
            // Lunch ends at 14:30: its last starts are nearer to 15:00 than dinner's first at 17:30.
            assert_eq!(alternatives, vec![dt("2026-03-17 14:15"), dt("2026-03-17 14:00"), dt("2026-03-17 13:45")]);
        }
        other => panic!("{other:?}"),
    }
    // Mondays are closed: the next day offers the nearest times to the one asked for.
    match s.check(dt("2026-03-23 19:00"), 2, None) {
        SlotCheck::Closed { alternatives } => assert_eq!(alternatives[0], dt("2026-03-24 19:00")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn restaurants_may_sit_past_closing_but_services_must_end_by_it() {
    let mut s = restaurant();
    assert_eq!(s.check(dt("2026-03-17 22:15"), 2, None), SlotCheck::Free, "the last seating is before 22:30");
    assert!(matches!(s.check(dt("2026-03-17 22:30"), 2, None), SlotCheck::Closed { .. }));
    s.services.push(Service {
        id: "t".into(),
        name: "Tasting menu".into(),
        duration_minutes: 180,
        resource_ids: vec![],
    });
    assert_eq!(s.check(dt("2026-03-17 19:30"), 2, Some("tasting menu")), SlotCheck::Free, "ends 22:30 exactly");
    assert!(matches!(s.check(dt("2026-03-17 19:45"), 2, Some("Tasting menu")), SlotCheck::Closed { .. }));
}

#[test]
fn lead_time_horizon_and_party_size_are_enforced() {
    let s = restaurant();
    assert_eq!(s.check(dt("2026-03-17 10:30"), 2, None), SlotCheck::TooSoon { earliest: dt("2026-03-17 12:00") });
    let mut late = restaurant();
    late.now = dt("2026-03-17 12:10");
    assert_eq!(late.check(dt("2026-03-17 12:30"), 2, None), SlotCheck::TooSoon { earliest: dt("2026-03-17 13:15") });
    assert_eq!(
        late.check_for(dt("2026-03-17 12:30"), 2, Ask { staff: true, ..Ask::default() }),
        SlotCheck::Free,
        "staff booking by hand skip the lead time"
    );
    assert!(matches!(
        late.check_for(dt("2026-03-17 12:00"), 2, Ask { staff: true, ..Ask::default() }),
        SlotCheck::TooSoon { .. }
    ));
    assert_eq!(s.check(dt("2026-05-20 19:00"), 2, None), SlotCheck::TooFar { latest: dt("2026-05-16 10:00") });
    assert_eq!(s.check(dt("2026-03-18 19:00"), 9, None), SlotCheck::TooLarge { max: 8 });
    assert_eq!(s.check(dt("2026-03-18 19:00"), 0, None), SlotCheck::Free, "0 counts as 1");
}

#[test]
fn covers_count_the_guests_present_at_the_same_time() {
    let mut s = restaurant();
    s.rules.covers_per_slot = 10;
    s.reservations = vec![
        booked("a", "2026-03-17 18:00", 120, 6, None),
        // Leaves at 18:30 when the request arrives: does not count.
        booked("b", "2026-03-17 17:30", 60, 4, None),
        // Cancelled reservations hold nothing.
        Booked { status: ReservationStatus::Cancelled, ..booked("c", "2026-03-17 18:30", 120, 8, None) },
    ];
    assert_eq!(s.check(dt("2026-03-17 18:30"), 4, None), SlotCheck::Free, "6 + 4 = 10");
    assert!(matches!(s.check(dt("2026-03-17 18:30"), 5, None), SlotCheck::Full { .. }));
    // Two reservations that overlap the request but not each other: the peak is 6, not 6 + 6.
    s.reservations = vec![booked("a", "2026-03-17 18:00", 60, 6, None), booked("b", "2026-03-17 19:00", 60, 6, None)];
    assert_eq!(s.check(dt("2026-03-17 18:30"), 4, None), SlotCheck::Free);
    assert!(matches!(s.check(dt("2026-03-17 18:30"), 5, None), SlotCheck::Full { .. }));
    // A change to reservation a does not count a against itself.
    let ask = Ask { exclude: Some("a"), ..Ask::default() };
    assert_eq!(s.check_for(dt("2026-03-17 18:00"), 4, ask), SlotCheck::Free);
}

#[test]
fn the_smallest_free_table_that_fits_is_assigned() {
    let mut s = restaurant();
    s.resources = vec![table("big", 8), table("two", 2), table("four", 4), table("four-b", 4)];
    let at = dt("2026-03-17 19:00");
    assert_eq!(s.place(at, 2, guest()).unwrap().resource_id.as_deref(), Some("two"));
    assert_eq!(s.place(at, 3, guest()).unwrap().resource_id.as_deref(), Some("four"), "first listed on a tie");
    s.reservations = vec![booked("x", "2026-03-17 18:00", 120, 4, Some("four"))];
    assert_eq!(s.place(at, 3, guest()).unwrap().resource_id.as_deref(), Some("four-b"));
    s.reservations.push(booked("y", "2026-03-17 20:30", 120, 4, Some("four-b")));
    assert_eq!(s.place(at, 3, guest()).unwrap().resource_id.as_deref(), Some("big"));
    assert_eq!(s.place(at, 9, guest()), Err(SlotCheck::TooLarge { max: 8 }));
    s.reservations.push(booked("z", "2026-03-17 19:00", 120, 8, Some("big")));
    match s.check(at, 3, None) {
        SlotCheck::Full { alternatives } => {
            assert!(!alternatives.is_empty() && alternatives.iter().all(|a| s.place(*a, 3, guest()).is_ok()));
            assert_eq!(alternatives[0], dt("2026-03-17 18:30"), "four-b is free until 20:30");
        }
        other => panic!("{other:?}"),
    }
    // Staff members are never given to visits without a service.
    s.resources = vec![staff("ada")];
    s.reservations.clear();
    assert_eq!(s.place(at, 2, guest()).unwrap().resource_id, None);
}

#[test]
fn a_service_takes_one_of_its_allowed_staff() {
    let mut s = restaurant();
    s.rules.default_duration_minutes = 30;
    s.resources = vec![staff("ada"), staff("bea"), staff("cem")];
    s.services = vec![Service {
        id: "c".into(),
        name: "Cut".into(),
        duration_minutes: 45,
        resource_ids: vec!["bea".into(), "ada".into()],
    }];
    let at = dt("2026-03-17 12:30");
    let cut = Ask { service: Some("Cut"), ..Ask::default() };
    assert_eq!(
        s.place(at, 1, cut).unwrap(),
        Placement { starts_at: at, ends_at: dt("2026-03-17 13:15"), resource_id: Some("ada".into()) }
    );
    s.reservations = vec![booked("1", "2026-03-17 12:00", 45, 1, Some("ada"))];
    assert_eq!(s.place(at, 1, cut).unwrap().resource_id.as_deref(), Some("bea"));
    s.reservations.push(booked("2", "2026-03-17 13:00", 45, 1, Some("bea")));
    assert!(matches!(s.place(at, 1, cut), Err(SlotCheck::Full { .. })), "cem does not cut");
    assert_eq!(s.place(dt("2026-03-17 12:45"), 1, cut).unwrap().resource_id.as_deref(), Some("ada"));
}

#[test]
fn alternatives_are_nearest_first_then_following_days() {
    let mut s = restaurant();
    s.rules.covers_per_slot = 2;
    // Tuesday dinner is full from 17:30 to 22:30 (two guests all evening).
    s.reservations = vec![booked("a", "2026-03-17 15:30", 8 * 60, 2, None)];
    let alts = s.alternatives(dt("2026-03-17 19:00"), 2, guest(), 3);
    // Lunch visits that end by 15:30 fit; the latest of them are the nearest.
    assert_eq!(alts, vec![dt("2026-03-17 13:30"), dt("2026-03-17 13:15"), dt("2026-03-17 13:00")]);
    s.rules.hours.tue = Interval::parse_list("17:30-22:30").unwrap();
    let alts = s.alternatives(dt("2026-03-17 19:00"), 2, guest(), 3);
    assert_eq!(alts, vec![dt("2026-03-18 19:00"), dt("2026-03-18 18:45"), dt("2026-03-18 19:15")]);
    s.rules.hours.wed = vec![];
    let alts = s.alternatives(dt("2026-03-17 19:00"), 2, guest(), 2);
    assert_eq!(alts, vec![dt("2026-03-19 19:00"), dt("2026-03-19 18:45")], "closed Wednesday is skipped");
    assert_eq!(s.alternatives(dt("2026-03-17 19:00"), 2, guest(), 1).len(), 1);
    s.rules.horizon_days = 1;
    assert_eq!(s.alternatives(dt("2026-03-17 19:00"), 2, guest(), 3), vec![], "Wednesday 19:00 is past the horizon");
}

#[test]
fn statuses_parse_and_change_only_in_allowed_ways() {
    use ReservationStatus::*;
    for st in ReservationStatus::ALL {
        assert_eq!(st.as_str().parse::<ReservationStatus>().unwrap(), st);
        assert!(st.may_become(st));
    }
    assert!("gone".parse::<ReservationStatus>().is_err());
    assert!(Pending.may_become(Confirmed) && Confirmed.may_become(Cancelled) && Confirmed.may_become(NoShow));
    assert!(!Confirmed.may_become(Pending) && !Cancelled.may_become(Confirmed) && !Completed.may_become(Confirmed));
    assert!(NoShow.may_become(Completed) && Completed.may_become(NoShow));
    assert_eq!(ResourceKind::ALL.map(|k| k.as_str().parse::<ResourceKind>().unwrap()), ResourceKind::ALL);
}

fn arb_booked() -> impl Strategy<Value = Booked> {
    (0i64..(3 * 24 * 4), 1i64..16, 1u32..6, prop::option::of(0usize..4), prop::bool::ANY).prop_map(
        |(quarter, len, party, table, active)| {
            let start = dt("2026-03-17 00:00") + TimeDelta::minutes(quarter * 15);
            Booked {
                id: format!("r{quarter}-{len}-{party}"),
                starts_at: start,
                ends_at: start + TimeDelta::minutes(len * 15),
                party_size: party,
                resource_id: table.map(|t| format!("t{t}")),
                status: if active { ReservationStatus::Confirmed } else { ReservationStatus::Cancelled },
            }
        },
    )
}

proptest! {
    /// Whatever is booked, a placement never exceeds covers and never shares a table with an active visit.
    #[test]
    fn placements_respect_covers_and_tables(
        reservations in prop::collection::vec(arb_booked(), 0..25),
        covers in 0u32..20,
        quarter in 0i64..(3 * 24 * 4),
        party in 1u32..8,
    ) {
        let mut s = restaurant();
        s.rules.covers_per_slot = covers;
        s.resources = (0..4).map(|i| table(&format!("t{i}"), 2 + i)).collect();
        s.reservations = reservations;
        let start = dt("2026-03-17 00:00") + TimeDelta::minutes(quarter * 15);
        if let Ok(p) = s.place(start, party, guest()) {
            let active: Vec<&Booked> = s.reservations.iter().filter(|b| b.status.is_active()).collect();
            let overlaps = |b: &&&Booked| b.starts_at < p.ends_at && p.starts_at < b.ends_at;
            if covers > 0 {
                let mut minute = p.starts_at;
                while minute < p.ends_at {
                    let present: u32 = active.iter().filter(|b| b.starts_at <= minute && minute < b.ends_at)
                        .map(|b| b.party_size).sum();
                    prop_assert!(present + party <= covers, "{present} + {party} > {covers} at {minute}");
                    minute += TimeDelta::minutes(15);
                }
            }
            let table = p.resource_id.clone().expect("tables exist, so one is assigned");
            prop_assert!(!active.iter().filter(overlaps).any(|b| b.resource_id.as_deref() == Some(table.as_str())));
            prop_assert!(s.resources.iter().any(|r| r.id == table && r.seats >= party));
            prop_assert!(s.is_open(p.starts_at));
        }
    }

    /// Every alternative offered is itself bookable, differs from the request, and none repeats.
    #[test]
    fn alternatives_are_bookable(
        reservations in prop::collection::vec(arb_booked(), 0..25),
        covers in 1u32..12,
        quarter in 0i64..(3 * 24 * 4),
        party in 1u32..6,
    ) {
        let mut s = restaurant();
        s.rules.covers_per_slot = covers;
        s.rules.horizon_days = 4;
        s.reservations = reservations;
        let start = dt("2026-03-17 00:00") + TimeDelta::minutes(quarter * 15);
        let alts = s.alternatives(start, party, guest(), 3);
        prop_assert!(alts.len() <= 3);
        for (i, a) in alts.iter().enumerate() {
            prop_assert!(*a != start && !alts[..i].contains(a));
            prop_assert_eq!(s.check(*a, party, None), SlotCheck::Free);
        }
    }
}

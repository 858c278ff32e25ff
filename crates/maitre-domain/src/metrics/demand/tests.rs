use chrono::{NaiveDate, NaiveTime};

use super::*;
use crate::booking::Interval;
use crate::metrics::report::{Count, Fact, Period};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn arrivals(day: NaiveDate, hour: i64, guests: i64) -> Count {
    Count { day, fact: Fact::Arrival { hour }, n: 1, total: guests }
}

/// Open Fridays 18:00–23:00 only; visits last 90 minutes (two hours counted).
fn rules() -> BookingRules {
    let mut rules = BookingRules { default_duration_minutes: 90, covers_per_slot: 40, ..BookingRules::default() };
    rules.hours = Week { fri: vec![Interval::new(hm(18, 0), hm(23, 0))], ..Week::default() };
    rules
}

// Two weeks from Monday 2026-06-01: two Fridays (5th and 12th).
fn period() -> Period {
    Period { first: date(2026, 6, 1), last: date(2026, 6, 14) }
}

#[test]
fn guests_stay_for_the_usual_visit_and_are_averaged_over_the_weekdays_of_the_period() {
    let counts = [arrivals(date(2026, 6, 5), 19, 30), arrivals(date(2026, 6, 12), 19, 10)];
    let report = Report::new(period(), &counts);
    let demand = Demand::new(&report, &rules(), Some(40));
    let hours: Vec<u32> = demand.rows.iter().map(|(h, _)| *h).collect();
    assert_eq!(hours, [18, 19, 20, 21, 22], "from the first to the last open or busy hour");
    let friday = |hour: u32| demand.rows.iter().find(|(h, _)| *h == hour).unwrap().1[4];
    assert_eq!(friday(19), Cell { guests: 20.0, share: Some(50.0), open: true }, "40 guests over two Fridays");
    assert_eq!(friday(20).guests, 20.0, "a 90-minute visit is present in its second hour too");
    assert_eq!(friday(21).guests, 0.0);
    assert!(friday(18).open && !demand.rows[0].1[0].open, "Mondays are closed");
    assert_eq!(demand.busiest, 20.0);
    assert_eq!(demand.level(&friday(19)), 3);
    assert_eq!(demand.level(&friday(21)), 0);
}

#[test]
fn late_visits_run_into_the_next_weekday_and_hours_past_midnight_are_open() {
    let mut rules = rules();
    rules.hours.sat = vec![Interval::new(hm(22, 0), hm(2, 0))];
    let report = Report::new(period(), &[arrivals(date(2026, 6, 6), 23, 8)]);
    let demand = Demand::new(&report, &rules, None);
    let row = |hour: u32| demand.rows.iter().find(|(h, _)| *h == hour).unwrap().1;
    assert_eq!(row(23)[5].guests, 4.0, "Saturday 23:00, averaged over two Saturdays");
    assert_eq!(row(0)[6].guests, 4.0, "and Sunday just after midnight");
    assert!(row(1)[6].open && !row(2)[6].open, "Saturday's hours end at 2 on Sunday");
    assert_eq!(demand.rows.first().map(|r| r.0), Some(0), "the rows span midnight's hours too");
    assert_eq!((row(23)[5].share, demand.level(&row(23)[5])), (None, 5), "without seats: next to the busiest");
}

#[test]
fn a_period_without_visits_or_hours_has_no_rows() {
    let rules = BookingRules { hours: Week::default(), ..BookingRules::default() };
    let demand = Demand::new(&Report::new(period(), &[]), &rules, Some(10));
    assert!(demand.rows.is_empty());
    assert_eq!(demand.busiest, 0.0);
}

#[test]
fn full_and_overbooked_hours_are_the_highest_level() {
    let report = Report::new(period(), &[arrivals(date(2026, 6, 5), 19, 100)]);
    let demand = Demand::new(&report, &rules(), Some(40));
    let cell = demand.rows.iter().find(|(h, _)| *h == 19).unwrap().1[4];
    assert_eq!((cell.share, demand.level(&cell)), (Some(125.0), 5));
}

#[test]
fn seats_at_once_come_from_the_limit_else_the_places_else_the_staff() {
    let resource = |kind, seats| Resource { id: String::new(), name: String::new(), kind, seats };
    let tables = [resource(ResourceKind::Table, 4), resource(ResourceKind::Table, 6), resource(ResourceKind::Staff, 1)];
    let limited = BookingRules { covers_per_slot: 30, ..BookingRules::default() };
    assert_eq!(seats_at_once(&limited, &tables), Some(30));
    let open = BookingRules { covers_per_slot: 0, ..BookingRules::default() };
    assert_eq!(seats_at_once(&open, &tables), Some(10), "tables' seats; staff serve them");
    let staff = [resource(ResourceKind::Staff, 1), resource(ResourceKind::Staff, 1)];
    assert_eq!(seats_at_once(&open, &staff), Some(2), "a salon: one guest per stylist");
    assert_eq!(seats_at_once(&open, &[]), None);
}

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::{Asia, Australia, Europe, Tz};
use proptest::prelude::*;

use super::*;
use crate::metrics::{day_span, local_day, percentile};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The local day each slot of the spans names, checked against the zone's calendar slot by slot.
fn check_days(tz: Tz, first: NaiveDate, last: NaiveDate) {
    let (from, to) = (day_span(first, tz).0, day_span(last, tz).1);
    let spans = slot_spans(from, to, tz);
    assert_eq!(spans.first().unwrap().from, slot_of(from));
    assert_eq!(spans.last().unwrap().to, slot_of(to));
    for pair in spans.windows(2) {
        assert_eq!(pair[0].to, pair[1].from, "spans are contiguous");
    }
    for span in &spans {
        for slot in span.from..span.to {
            let at = Utc.timestamp_millis_opt(slot * SLOT_MS).unwrap();
            assert_eq!(date_of(span.day_number(slot)), local_day(at, tz), "{tz} slot at {at}");
        }
    }
}

#[test]
fn slots_make_local_days_across_daylight_saving_changes() {
    check_days(Europe::Berlin, date(2026, 3, 27), date(2026, 4, 2));
    check_days(Europe::Berlin, date(2026, 10, 23), date(2026, 10, 27));
    check_days(chrono_tz::America::New_York, date(2026, 3, 6), date(2026, 3, 10));
}

#[test]
fn slots_make_local_days_in_zones_a_half_or_three_quarters_of_an_hour_off() {
    check_days(Asia::Kolkata, date(2026, 1, 1), date(2026, 1, 3));
    check_days(Asia::Kathmandu, date(2026, 6, 1), date(2026, 6, 3));
    // Lord Howe Island moves its clocks by half an hour.
    check_days(Australia::Lord_Howe, date(2026, 4, 3), date(2026, 4, 7));
    check_days(Australia::Lord_Howe, date(2026, 10, 2), date(2026, 10, 6));
}

#[test]
fn a_year_is_a_few_spans() {
    let tz = Europe::Paris;
    let spans = slot_spans(day_span(date(2026, 1, 1), tz).0, day_span(date(2026, 12, 31), tz).1, tz);
    assert_eq!(spans.len(), 3, "winter, summer, winter: {spans:?}");
    let days: i64 = spans.iter().map(|s| s.to - s.from).sum::<i64>();
    assert_eq!(days, 365 * 96);
}

#[test]
fn facts_are_read_from_stored_words_and_unknown_ones_are_skipped() {
    assert_eq!(Fact::from_row("messages", "auto_reply", 0), Some(Fact::Message(Author::AutoReply)));
    assert_eq!(
        Fact::from_row("booked_flow", "no_show", 0),
        Some(Fact::Booked { by_flow: true, status: ReservationStatus::NoShow })
    );
    assert_eq!(Fact::from_row("first_response_person", "", 7), Some(Fact::FirstResponsePerson { minutes: 7 }));
    assert_eq!(Fact::from_row("messages", "robot", 0), None);
    assert_eq!(Fact::from_row("visits", "", 0), None);
    assert_eq!(Fact::from_row("something_new", "", 0), None);
}

#[test]
fn a_summary_follows_the_definitions() {
    use ReservationStatus::*;
    let day = date(2026, 5, 4);
    let count = |fact, n, total| Count { day, fact, n, total };
    let counts = [
        count(Fact::Conversation, 10, 0),
        count(Fact::Handoff, 3, 0),
        count(Fact::BotResolved, 5, 0),
        count(Fact::Booked { by_flow: true, status: Confirmed }, 4, 11),
        count(Fact::Booked { by_flow: true, status: Cancelled }, 1, 2),
        count(Fact::Booked { by_flow: false, status: Pending }, 2, 4),
        count(Fact::Visit { status: Completed }, 3, 8),
        count(Fact::Visit { status: Confirmed }, 1, 2),
        count(Fact::Visit { status: NoShow }, 1, 6),
        count(Fact::Visit { status: Pending }, 5, 10),
        count(Fact::Message(Author::AutoReply), 2, 0),
        count(Fact::Message(Author::Bot), 6, 0),
    ];
    let report = Report::new(Period { first: day, last: day + TimeDelta::days(1) }, &counts);
    let s = &report.total;
    assert_eq!(report.days.len(), 2);
    assert_eq!(report.days[0].1, *s);
    assert_eq!(report.days[1].1, Summary::default());
    assert_eq!((s.handoff_rate(), s.bot_resolved_rate()), (Some(30.0), Some(50.0)));
    assert_eq!((s.bookings, s.flow_bookings, s.flow_covers, s.cancelled), (7, 4, 11, 1));
    assert_eq!(s.cancellation_rate(), Some(14.3));
    assert_eq!((s.visits, s.covers, s.completed, s.no_shows), (4, 10, 3, 1));
    assert_eq!(s.no_show_rate(), Some(25.0));
    assert_eq!(s.replies(), 6, "an automatic reply answers nothing");
}

#[test]
fn counts_outside_the_period_are_ignored() {
    let counts = [Count { day: date(2026, 5, 9), fact: Fact::Contact, n: 1, total: 0 }];
    assert_eq!(Report::new(Period { first: date(2026, 5, 1), last: date(2026, 5, 8) }, &counts).total.contacts, 0);
}

proptest! {
    /// The percentile of the stored minutes is the percentile of the exact durations, cut to whole minutes.
    #[test]
    fn histogram_percentiles_equal_percentiles_of_the_durations(
        seconds in proptest::collection::vec(0i64..200_000, 0..60),
        p in 1u8..=100,
    ) {
        let durations: Vec<TimeDelta> = seconds.iter().map(|s| TimeDelta::seconds(*s)).collect();
        let mut histogram = Vec::new();
        for d in &durations {
            add_to(&mut histogram, d.num_minutes(), 1);
        }
        let exact = percentile(&durations, p).map(|d| TimeDelta::minutes(d.num_minutes()));
        prop_assert_eq!(histogram_percentile(&histogram, p), exact);
    }
}

#[test]
fn a_period_is_compared_with_as_many_days_before_it() {
    let p = Period::ending(date(2026, 3, 1), 7);
    assert_eq!(p, Period { first: date(2026, 2, 23), last: date(2026, 3, 1) });
    assert_eq!(p.days(), 7);
    assert_eq!(p.previous(), Period { first: date(2026, 2, 16), last: date(2026, 2, 22) });
}

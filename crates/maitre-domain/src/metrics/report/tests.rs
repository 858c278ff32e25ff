use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::{Asia, Australia, Europe, Tz};
use proptest::prelude::*;

use super::*;
use crate::metrics::{day_span, local_day, percentile};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The day every quarter hour of the days around `first`..`last` falls on, by the offsets, is the zone's calendar day.
fn check_days(tz: Tz, first: NaiveDate, last: NaiveDate) {
    let offsets = zone_offsets(tz);
    let (from, to) = (day_span(first, tz).0.timestamp_millis(), day_span(last, tz).1.timestamp_millis());
    for at in (from..to).step_by(15 * 60 * 1000) {
        let offset = offsets.iter().rev().find(|(since, _)| *since <= at).unwrap().1;
        let instant = Utc.timestamp_millis_opt(at).unwrap();
        assert_eq!(date_of(day_number(at, offset)), local_day(instant, tz), "{tz} at {instant}");
    }
    assert_eq!(number_of(date_of(12_345)), 12_345);
}

#[test]
fn offsets_make_local_days_across_daylight_saving_changes() {
    check_days(Europe::Berlin, date(2026, 3, 27), date(2026, 4, 2));
    check_days(Europe::Berlin, date(2026, 10, 23), date(2026, 10, 27));
    check_days(chrono_tz::America::New_York, date(2026, 3, 6), date(2026, 3, 10));
}

#[test]
fn offsets_make_local_days_in_zones_a_half_or_three_quarters_of_an_hour_off() {
    check_days(Asia::Kolkata, date(2026, 1, 1), date(2026, 1, 3));
    check_days(Asia::Kathmandu, date(2026, 6, 1), date(2026, 6, 3));
    // Lord Howe Island moves its clocks by half an hour.
    check_days(Australia::Lord_Howe, date(2026, 4, 3), date(2026, 4, 7));
    check_days(Australia::Lord_Howe, date(2026, 10, 2), date(2026, 10, 6));
}

#[test]
fn a_zone_has_an_offset_from_1970_and_one_per_change_of_its_clocks() {
    let paris = zone_offsets(Europe::Paris);
    assert_eq!(paris[0].0, 0);
    let in_2026: Vec<_> =
        paris.iter().filter(|(since, _)| (1_767_225_600_000..1_798_761_600_000).contains(since)).collect();
    assert_eq!(in_2026, [&(1_774_746_000_000, 7_200_000), &(1_792_890_000_000, 3_600_000)], "29 March and 25 October");
    assert_eq!(zone_offsets(Asia::Kolkata).last().unwrap().1, 19_800_000);
    assert_eq!(zone_offsets(chrono_tz::UTC), [(0, 0)]);
}

#[test]
fn first_responses_fall_in_buckets_that_widen_with_time() {
    let starts = [0, 1, 9, 10, 14, 15, 59, 60, 74, 75, 179, 180, 239, 240, 1439, 1440, 3000, -3];
    let buckets = [0, 1, 9, 10, 10, 15, 55, 60, 60, 75, 165, 180, 180, 240, 1380, 1440, 2880, 0];
    assert_eq!(starts.map(response_bucket), buckets);
    for m in 0..5000 {
        let b = response_bucket(m);
        assert!(b <= m && m < bucket_end(b), "{m} in [{b}, {})", bucket_end(b));
        assert_eq!(response_bucket(bucket_end(b)), bucket_end(b), "buckets follow each other");
    }
}

#[test]
fn facts_are_read_from_stored_words_and_unknown_ones_are_skipped() {
    assert_eq!(Fact::from_row("messages", "auto_reply", 0), Some(Fact::Message(Author::AutoReply)));
    assert_eq!(
        Fact::from_row("booked_flow", "no_show", 0),
        Some(Fact::Booked { by_flow: true, status: ReservationStatus::NoShow })
    );
    assert_eq!(
        Fact::from_row("first_response_person", "", 7),
        Some(Fact::FirstResponsePerson { minutes: 7, by: None })
    );
    let ada = crate::UserId::new();
    let by_ada = Fact::FirstResponsePerson { minutes: 7, by: Some(ada) };
    assert_eq!(Fact::from_row("first_response_person", &ada.to_string(), 7), Some(by_ada));
    assert_eq!(Fact::from_row("member_replies", &ada.to_string(), 0), Some(Fact::MemberReply { member: ada }));
    assert_eq!(Fact::from_row("member_replies", "someone", 0), None, "not a member's id");
    assert_eq!(Fact::from_row("messages", "robot", 0), None);
    assert_eq!(Fact::from_row("visits", "", 0), None);
    assert_eq!(Fact::from_row("something_new", "", 0), None);
    assert_eq!(Fact::from_row("lead", "", 14), Some(Fact::Lead { days: 14 }));
    assert_eq!(Fact::from_row("arrivals", "", 19), Some(Fact::Arrival { hour: 19 }));
    assert_eq!(Fact::from_row("party", "", 4), Some(Fact::Party { size: 4 }));
    assert_eq!(Fact::from_row("converted", "", 0), Some(Fact::Converted));
    assert_eq!(Fact::from_row("visited", "", 0), Some(Fact::Visited));
    assert_eq!(Fact::from_row("consents", "opted_out", 0), Some(Fact::Consent { opted_in: false }));
    assert_eq!(Fact::from_row("consents", "opted_in", 0), Some(Fact::Consent { opted_in: true }));
    assert_eq!(Fact::from_row("consents", "maybe", 0), None);
    assert_eq!(Fact::from_row("reply_time", "person", 45), Some(Fact::ReplyTime { minutes: 45, by_person: true }));
    assert_eq!(Fact::from_row("reply_time", "bot", 0), Some(Fact::ReplyTime { minutes: 0, by_person: false }));
    assert_eq!(Fact::from_row("reply_time", "", 0), None);
    assert_eq!(Fact::from_row("resolution", "", 120), Some(Fact::Resolution { minutes: 120 }));
    assert_eq!(Fact::from_row("returned", "", 0), Some(Fact::Returned));
    assert_eq!(Fact::from_row("repeat", "", 0), Some(Fact::Repeat));
}

#[test]
fn reply_and_resolution_times_are_read_from_their_buckets() {
    let mut s = Summary::default();
    for (minutes, n) in [(2, 3), (30, 1), (120, 1)] {
        s.add(Fact::ReplyTime { minutes, by_person: true }, n, 0);
    }
    s.add(Fact::ReplyTime { minutes: 0, by_person: false }, 4, 0);
    s.add(Fact::Resolution { minutes: 1440 }, 2, 0);
    s.add(Fact::Resolution { minutes: 1440 }, -1, 0);
    assert_eq!(histogram_percentile(&s.reply_person, 50), Some(TimeDelta::minutes(2)));
    assert_eq!(histogram_percentile(&s.reply_person, 90), Some(TimeDelta::minutes(120)));
    assert_eq!(s.reply_bot, [(0, 4)]);
    assert_eq!(s.resolution, [(1440, 1)], "a close taken back (reopened) leaves one");
}

#[test]
fn bookings_are_counted_by_days_ahead_in_buckets_that_widen() {
    let buckets: Vec<i64> = [-1, 0, 1, 6, 7, 13, 14, 29, 30, 400].into_iter().map(lead_bucket).collect();
    assert_eq!(buckets, [0, 0, 1, 6, 7, 7, 14, 14, 30, 30]);
}

#[test]
fn lead_times_party_sizes_and_arrivals_add_up() {
    let day = date(2026, 5, 2);
    let count = |fact, n, total| Count { day, fact, n, total };
    let counts = [
        count(Fact::Lead { days: 0 }, 2, 4),
        count(Fact::Lead { days: 3 }, 1, 2),
        count(Fact::Lead { days: 7 }, 3, 9),
        count(Fact::Party { size: 2 }, 4, 8),
        count(Fact::Party { size: 12 }, 1, 15),
        count(Fact::Arrival { hour: 19 }, 2, 6),
        count(Fact::Arrival { hour: 12 }, 1, 2),
        count(Fact::Arrival { hour: 19 }, 1, 4),
        count(Fact::Visit { status: ReservationStatus::Completed }, 4, 13),
    ];
    let s = Report::new(Period { first: day, last: day }, &counts).total;
    assert_eq!(s.lead_days, [(0, 2), (3, 1), (7, 3)]);
    assert_eq!(s.median_lead_days(), Some(3), "the third of six bookings");
    assert_eq!(s.party_sizes, [(2, 4), (12, 1)]);
    assert_eq!(s.arrivals, [(12, 2), (19, 10)], "guests, not bookings, by hour");
    assert_eq!(s.average_party(), Some(3.3), "13 guests in 4 visits");
    assert_eq!((Summary::default().median_lead_days(), Summary::default().average_party()), (None, None));
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
        count(Fact::Converted, 4, 0),
        count(Fact::Visited, 1, 0),
        count(Fact::Consent { opted_in: false }, 3, 0),
        count(Fact::Consent { opted_in: true }, 1, 0),
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
    assert_eq!((s.booking_conversion(), s.visit_conversion()), (Some(40.0), Some(10.0)));
    assert_eq!((s.opt_outs, s.opt_ins), (3, 1));
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
    /// The percentile of the stored buckets is the bucket of the percentile of the exact durations.
    #[test]
    fn histogram_percentiles_equal_percentiles_of_the_durations(
        seconds in proptest::collection::vec(0i64..200_000, 0..60),
        p in 1u8..=100,
    ) {
        let durations: Vec<TimeDelta> = seconds.iter().map(|s| TimeDelta::seconds(*s)).collect();
        let mut histogram = Vec::new();
        for d in &durations {
            add_to(&mut histogram, response_bucket(d.num_minutes()), 1);
        }
        let exact = percentile(&durations, p).map(|d| TimeDelta::minutes(response_bucket(d.num_minutes())));
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

/// Every period of up to 100 days starting on any day of 2027 and 2028 (a leap year): its whole months are exactly
/// the months all of whose days lie in it.
#[test]
fn whole_months_are_the_months_a_period_holds_every_day_of() {
    let mut first = date(2027, 1, 1);
    while first < date(2029, 1, 1) {
        for days in 1..=100 {
            let period = Period { first, last: first + TimeDelta::days(days - 1) };
            let within = |d: NaiveDate| (period.first..=period.last).contains(&d);
            let mut expected: Option<Period> = None;
            let mut day = period.first;
            while day <= period.last {
                let month_last =
                    day.with_day(1).unwrap().checked_add_months(chrono::Months::new(1)).unwrap().pred_opt();
                let month_last = month_last.unwrap();
                if day.day() == 1 && within(month_last) {
                    let from = expected.map_or(day, |e| e.first);
                    expected = Some(Period { first: from, last: month_last });
                }
                day = day.succ_opt().unwrap();
            }
            assert_eq!(period.whole_months(), expected, "{period:?}");
        }
        first = first.succ_opt().unwrap();
    }
}

use chrono::{NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::{America, Europe, Tz};

use super::*;

/// 2026-03-10 12:00 UTC plus `minutes`.
fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

fn guest(m: i64) -> Event {
    Event::Message { at: t(m), from: Sender::Guest }
}
fn bot(m: i64) -> Event {
    Event::Message { at: t(m), from: Sender::Bot }
}
fn auto(m: i64) -> Event {
    Event::Message { at: t(m), from: Sender::AutoReply }
}
fn member(m: i64, who: &str) -> Event {
    Event::Message { at: t(m), from: Sender::Member(who.into()) }
}
fn mins(m: i64) -> TimeDelta {
    TimeDelta::minutes(m)
}
/// How long each answered turn waited.
fn after(f: &ConversationFigures) -> Vec<TimeDelta> {
    f.replies.iter().map(|r| r.after).collect()
}

#[test]
fn a_conversation_the_bot_answers_alone_is_bot_resolved() {
    let f = conversation_figures(&[guest(0), bot(1), guest(3), bot(3), Event::Closed { at: t(10) }]);
    assert_eq!(f.first_response_bot, Some(mins(1)));
    assert_eq!(f.first_response_person, None);
    assert_eq!(after(&f), [mins(1), mins(0)]);
    assert_eq!(f.resolution, Some(mins(10)));
    assert!(f.bot_resolved && !f.handed_off);
}

#[test]
fn after_a_handoff_the_persons_clock_starts_at_the_handoff() {
    let events = [guest(0), bot(1), guest(2), Event::Handoff { at: t(2) }, auto(2), member(32, "ada")];
    let f = conversation_figures(&events);
    assert_eq!(f.first_response_person, Some(mins(30)), "from the handoff, not from the first message");
    assert_eq!(f.first_responder.as_deref(), Some("ada"));
    assert_eq!(f.first_response_bot, Some(mins(1)));
    assert_eq!(after(&f), [mins(1), mins(30)], "the automatic reply answers nothing");
    assert!(f.handed_off && !f.bot_resolved);
    assert_eq!(f.resolution, None, "still open");
}

#[test]
fn without_a_flow_the_persons_clock_starts_at_the_guests_first_message() {
    let f = conversation_figures(&[guest(0), auto(0), guest(5), member(45, "bea"), member(46, "ada")]);
    assert_eq!(f.first_response_person, Some(mins(45)));
    assert_eq!(f.first_responder.as_deref(), Some("bea"));
    assert_eq!(f.first_response_bot, None);
    assert_eq!(after(&f), [mins(45)], "one turn of two messages waits from its first");
    assert!(!f.bot_resolved);
}

#[test]
fn reopening_does_not_inflate_the_first_response_and_resolution_ends_at_the_last_close() {
    let events = [
        guest(0),
        member(10, "ada"),
        Event::Closed { at: t(20) },
        Event::Reopened { at: t(600) },
        guest(600),
        member(700, "bea"),
        Event::Closed { at: t(720) },
    ];
    let f = conversation_figures(&events);
    assert_eq!(f.first_response_person, Some(mins(10)));
    assert_eq!(f.first_responder.as_deref(), Some("ada"));
    assert_eq!(after(&f), [mins(10), mins(100)]);
    assert_eq!(f.resolution, Some(mins(720)));
    let reopened = conversation_figures(&events[..5]);
    assert_eq!(reopened.resolution, None, "reopened and not closed again");
}

#[test]
fn a_handoff_after_a_person_answered_does_not_restart_the_first_response() {
    let f =
        conversation_figures(&[guest(0), member(5, "ada"), guest(60), Event::Handoff { at: t(60) }, member(90, "ada")]);
    assert_eq!(f.first_response_person, Some(mins(5)));
    assert!(f.handed_off);
    assert_eq!(after(&f), [mins(5), mins(30)]);
}

#[test]
fn a_reply_from_the_platforms_own_app_answers_the_turn_but_is_no_members_first_response() {
    let echo = |m| Event::Message { at: t(m), from: Sender::Echo };
    let f = conversation_figures(&[guest(0), echo(7), guest(20), bot(21), guest(30), member(90, "ada")]);
    let by = |f: &ConversationFigures| f.replies.iter().map(|r| (r.at, r.after, r.by_person)).collect::<Vec<_>>();
    assert_eq!(by(&f), [(t(7), mins(7), true), (t(21), mins(1), false), (t(90), mins(60), true)]);
    assert_eq!(f.first_response_person, Some(mins(90)), "the echo's writer is unknown");
    assert_eq!(f.first_response_bot, Some(mins(21)));
    assert!(!f.bot_resolved);
}

#[test]
fn a_guest_writing_again_after_a_day_or_more_of_silence_comes_back() {
    let day = 24 * 60;
    let f = conversation_figures(&[guest(0), member(5, "ada"), guest(day - 1), guest(2 * day - 1), guest(4 * day)]);
    assert_eq!(f.returns, [t(2 * day - 1), t(4 * day)], "a day after their previous message, not their first");
    assert!(conversation_figures(&[guest(0), guest(day - 1)]).returns.is_empty());
}

#[test]
fn a_visit_counts_as_coming_again_when_another_took_place_within_90_days_before() {
    let day = 24 * 60;
    let visits = [t(200 * day), t(0), t(90 * day), t(91 * day), t(300 * day), t(300 * day)];
    assert_eq!(repeat_visits(&visits), [t(90 * day), t(91 * day), t(300 * day), t(300 * day)]);
    assert!(repeat_visits(&[t(0)]).is_empty() && repeat_visits(&[]).is_empty());
    assert!(repeat_visits(&[t(0), t(90 * day + 1)]).is_empty(), "90 days and a minute");
}

#[test]
fn messages_before_the_guest_wrote_start_no_clock_and_order_is_by_time() {
    let f = conversation_figures(&[member(0, "ada"), bot(1)]);
    assert_eq!(f, ConversationFigures { bot_resolved: false, ..ConversationFigures::default() });
    // Out of order in the input, in order in time.
    let f = conversation_figures(&[bot(4), guest(0)]);
    assert_eq!(f.first_response_bot, Some(mins(4)));
    assert!(conversation_figures(&[]).replies.is_empty());
    let unanswered = conversation_figures(&[guest(0), auto(0)]);
    assert!(!unanswered.bot_resolved, "an automatic reply answers nothing");
}

#[test]
fn first_moments_give_the_same_first_responses_as_the_whole_conversation() {
    let whole =
        [guest(0), bot(1), guest(2), Event::Handoff { at: t(2) }, member(32, "ada"), guest(40), member(41, "bea")];
    let moments = FirstMoments { guest: t(0), bot_reply: Some(t(1)), handoff: Some(t(2)), member_reply: Some(t(32)) };
    let (a, b) = (moments.figures(), conversation_figures(&whole));
    assert_eq!((a.first_response_person, a.first_response_bot), (b.first_response_person, b.first_response_bot));
    assert_eq!(a.first_response_person, Some(mins(30)));
    let waiting = FirstMoments { guest: t(0), bot_reply: None, handoff: None, member_reply: None }.figures();
    assert_eq!((waiting.first_response_person, waiting.first_response_bot), (None, None));
}

#[test]
fn percentiles_by_nearest_rank() {
    let v: Vec<TimeDelta> = [7, 1, 3, 9, 5].into_iter().map(mins).collect();
    assert_eq!(median(&v), Some(mins(5)));
    assert_eq!(percentile(&v, 90), Some(mins(9)));
    assert_eq!(percentile(&v, 0), Some(mins(1)));
    assert_eq!(percentile(&v, 100), Some(mins(9)));
    assert_eq!(median(&[mins(2), mins(8)]), Some(mins(2)), "the lower middle of an even count");
    assert_eq!(median(&[]), None);
    let hundred: Vec<TimeDelta> = (1..=100).map(mins).collect();
    assert_eq!(percentile(&hundred, 90), Some(mins(90)));
    assert_eq!(percentile(&hundred, 200), Some(mins(100)), "above 100 counts as 100");
}

#[test]
fn rates_in_percent_with_one_decimal() {
    assert_eq!(rate(1, 3), Some(33.3));
    assert_eq!(rate(2, 3), Some(66.7));
    assert_eq!(rate(0, 5), Some(0.0));
    assert_eq!(rate(5, 5), Some(100.0));
    assert_eq!(rate(3, 0), None);
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn hours((start, end): (DateTime<Utc>, DateTime<Utc>)) -> i64 {
    (end - start).num_hours()
}

#[test]
fn local_days_follow_the_clocks_of_each_zone() {
    let berlin: Tz = Europe::Berlin;
    assert_eq!(hours(day_span(day(2026, 3, 29), berlin)), 23, "spring forward");
    assert_eq!(hours(day_span(day(2026, 10, 25), berlin)), 25, "fall back");
    assert_eq!(hours(day_span(day(2026, 7, 1), berlin)), 24);
    assert_eq!(hours(day_span(day(2026, 3, 8), America::New_York)), 23);
    assert_eq!(hours(day_span(day(2026, 11, 1), America::New_York)), 25);
    // Havana's clocks jump at midnight: the day starts at 01:00.
    let (start, end) = day_span(day(2026, 3, 8), America::Havana);
    assert_eq!(start.with_timezone(&America::Havana).format("%H:%M").to_string(), "01:00");
    assert_eq!((end - start).num_hours(), 23);

    // 23:30 UTC on 31 Dec is already New Year's Day in Berlin, still New Year's Eve in New York.
    let late = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
    assert_eq!(local_day(late, berlin), day(2027, 1, 1));
    assert_eq!(local_day(late, America::New_York), day(2026, 12, 31));
    // Every instant of a span belongs to its day, and the next span starts where it ends.
    for d in days(day(2026, 3, 27), day(2026, 4, 1)).chain(days(day(2026, 10, 23), day(2026, 10, 27))) {
        let (start, end) = day_span(d, berlin);
        assert_eq!((local_day(start, berlin), local_day(end - TimeDelta::seconds(1), berlin)), (d, d));
        assert_eq!(day_span(d.succ_opt().unwrap(), berlin).0, end);
    }
    assert_eq!(days(day(2026, 1, 3), day(2026, 1, 1)).count(), 0);
    assert_eq!(days(day(2026, 1, 1), day(2026, 12, 31)).count(), 365);
}

mod props {
    use proptest::prelude::*;

    use super::*;

    fn event() -> impl Strategy<Value = Event> {
        (0i64..600, 0u8..7).prop_map(|(m, kind)| match kind {
            0 | 1 => guest(m),
            2 => bot(m),
            3 => auto(m),
            4 => member(m, if m % 2 == 0 { "ada" } else { "bea" }),
            5 if m % 3 == 0 => Event::Message { at: t(m), from: Sender::Echo },
            5 => Event::Handoff { at: t(m) },
            _ => Event::Closed { at: t(m) },
        })
    }

    proptest! {
        /// Whatever happened: no negative time, at most one reply per turn of the guest, the first response is
        /// one of the replies' members, and bot-resolved never goes with a handoff or a member's message.
        #[test]
        fn figures_stay_within_their_definitions(events in proptest::collection::vec(event(), 0..30)) {
            let f = conversation_figures(&events);
            let zero = TimeDelta::zero();
            prop_assert!(f.replies.iter().all(|r| r.after >= zero));
            prop_assert!(f.first_response_person.is_none_or(|d| d >= zero));
            prop_assert!(f.first_response_bot.is_none_or(|d| d >= zero));
            let guests = events.iter().filter(|e| matches!(e, Event::Message { from: Sender::Guest, .. })).count();
            prop_assert!(f.replies.len() <= guests);
            prop_assert!(f.returns.len() < guests.max(1));
            prop_assert_eq!(f.first_response_person.is_some(), f.first_responder.is_some());
            let members = events.iter().any(|e| matches!(e, Event::Message { from: Sender::Member(_), .. }));
            prop_assert!(!(f.bot_resolved && (f.handed_off || members)));
            // The input's order does not matter, only the times (equal times keep their order).
            let mut sorted = events.clone();
            sorted.sort_by_key(Event::at);
            prop_assert_eq!(conversation_figures(&sorted), conversation_figures(&events));
        }
    }
}

//! Saved insight runs: an owner names the analytics page's selection and keeps its figures as they were then, to
//! compare runs over time. A run keeps the measures below, each one of the report's figures by its definition in
//! `metrics.rs` and `report.rs`. No I/O.
use super::report::{Summary, histogram_rank};

/// What a run keeps of a period's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    Conversations,
    GuestMessages,
    Replies,
    HandoffRate,
    BotResolvedRate,
    /// The team's first reply, median, in minutes (its bucket's first minute).
    FirstResponseTeam,
    BookingConversion,
    Bookings,
    FlowBookings,
    Covers,
    CancellationRate,
    NoShowRate,
    Contacts,
}

impl Measure {
    pub const ALL: [Measure; 13] = [
        Measure::Conversations,
        Measure::GuestMessages,
        Measure::Replies,
        Measure::HandoffRate,
        Measure::BotResolvedRate,
        Measure::FirstResponseTeam,
        Measure::BookingConversion,
        Measure::Bookings,
        Measure::FlowBookings,
        Measure::Covers,
        Measure::CancellationRate,
        Measure::NoShowRate,
        Measure::Contacts,
    ];

    /// The stored word (also the API's name and the label's key).
    pub fn word(self) -> &'static str {
        match self {
            Measure::Conversations => "conversations",
            Measure::GuestMessages => "guest_messages",
            Measure::Replies => "replies",
            Measure::HandoffRate => "handoff_rate",
            Measure::BotResolvedRate => "bot_resolved_rate",
            Measure::FirstResponseTeam => "first_response_team_minutes",
            Measure::BookingConversion => "booking_conversion",
            Measure::Bookings => "bookings",
            Measure::FlowBookings => "flow_bookings",
            Measure::Covers => "covers",
            Measure::CancellationRate => "cancellation_rate",
            Measure::NoShowRate => "no_show_rate",
            Measure::Contacts => "contacts",
        }
    }

    /// The measure a stored word names; none for a word a newer version wrote.
    pub fn parse(word: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.word() == word)
    }

    /// A percentage (else a count, or minutes for the first reply).
    pub fn is_rate(self) -> bool {
        matches!(
            self,
            Measure::HandoffRate
                | Measure::BotResolvedRate
                | Measure::BookingConversion
                | Measure::CancellationRate
                | Measure::NoShowRate
        )
    }

    /// Lower is better (a faster reply, fewer cancellations), for saying whether a change is good.
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            Measure::HandoffRate | Measure::FirstResponseTeam | Measure::CancellationRate | Measure::NoShowRate
        )
    }

    /// The measure's value in a period's figures; none where there was nothing to measure.
    pub fn of(self, s: &Summary) -> Option<f64> {
        let count = |n: i64| Some(n as f64);
        match self {
            Measure::Conversations => count(s.conversations),
            Measure::GuestMessages => count(s.guest_messages),
            Measure::Replies => count(s.replies()),
            Measure::HandoffRate => s.handoff_rate(),
            Measure::BotResolvedRate => s.bot_resolved_rate(),
            Measure::FirstResponseTeam => histogram_rank(&s.first_response_person, 50).map(|m| m as f64),
            Measure::BookingConversion => s.booking_conversion(),
            Measure::Bookings => count(s.bookings),
            Measure::FlowBookings => count(s.flow_bookings),
            Measure::Covers => count(s.covers),
            Measure::CancellationRate => s.cancellation_rate(),
            Measure::NoShowRate => s.no_show_rate(),
            Measure::Contacts => count(s.contacts),
        }
    }
}

/// Every measure of a period's figures, as a run keeps them.
pub fn snapshot(s: &Summary) -> Vec<(Measure, Option<f64>)> {
    Measure::ALL.into_iter().map(|m| (m, m.of(s))).collect()
}

/// A run's name: trimmed, 1 to 80 characters, no control characters; none when it cannot be one.
pub fn run_name(name: &str) -> Option<String> {
    let name = name.trim();
    let fine = !name.is_empty() && name.chars().count() <= 80 && !name.chars().any(char::is_control);
    fine.then(|| name.to_owned())
}

/// How a measure moved from one run to the next: up, down or level, and whether that is good news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Better,
    Worse,
    Level,
}

/// The change from `before` to `after` of a measure; none when either was not measured.
pub fn change(measure: Measure, before: Option<f64>, after: Option<f64>) -> Option<Change> {
    let (before, after) = (before?, after?);
    Some(if (after - before).abs() < f64::EPSILON {
        Change::Level
    } else if (after < before) == measure.lower_is_better() {
        Change::Better
    } else {
        Change::Worse
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::report::{Count, Fact, Period, Report};
    use chrono::NaiveDate;

    #[test]
    fn every_measure_has_its_own_word_and_reads_back() {
        for m in Measure::ALL {
            assert_eq!(Measure::parse(m.word()), Some(m));
        }
        let mut words: Vec<&str> = Measure::ALL.iter().map(|m| m.word()).collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), Measure::ALL.len());
        assert_eq!(Measure::parse("something_new"), None);
    }

    #[test]
    fn a_snapshot_keeps_the_reports_figures_by_their_definitions() {
        let day = NaiveDate::from_ymd_opt(2026, 5, 2).unwrap();
        let count = |fact, n| Count { day, fact, n, total: 0 };
        let counts = [
            count(Fact::Conversation, 8),
            count(Fact::Handoff, 2),
            count(Fact::Converted, 2),
            count(Fact::FirstResponsePerson { minutes: 15, by: None }, 3),
            count(Fact::FirstResponsePerson { minutes: 60, by: None }, 2),
        ];
        let s = Report::new(Period { first: day, last: day }, &counts).total;
        let snap = snapshot(&s);
        let of = |m: Measure| snap.iter().find(|(x, _)| *x == m).unwrap().1;
        assert_eq!(of(Measure::Conversations), Some(8.0));
        assert_eq!(of(Measure::HandoffRate), Some(25.0));
        assert_eq!(of(Measure::BookingConversion), Some(25.0));
        assert_eq!(of(Measure::FirstResponseTeam), Some(15.0), "the median's bucket, in minutes");
        assert_eq!(of(Measure::NoShowRate), None, "no visit was due");
        assert_eq!(snap.len(), Measure::ALL.len());
    }

    #[test]
    fn a_change_is_good_news_when_it_goes_the_right_way() {
        assert_eq!(change(Measure::Bookings, Some(10.0), Some(12.0)), Some(Change::Better));
        assert_eq!(change(Measure::Bookings, Some(10.0), Some(8.0)), Some(Change::Worse));
        assert_eq!(change(Measure::FirstResponseTeam, Some(30.0), Some(10.0)), Some(Change::Better));
        assert_eq!(change(Measure::NoShowRate, Some(5.0), Some(7.5)), Some(Change::Worse));
        assert_eq!(change(Measure::Covers, Some(4.0), Some(4.0)), Some(Change::Level));
        assert_eq!(change(Measure::Covers, None, Some(4.0)), None);
    }

    #[test]
    fn a_run_name_is_trimmed_and_bounded() {
        assert_eq!(run_name("  Sommer  ").as_deref(), Some("Sommer"));
        assert_eq!(run_name("   "), None);
        assert_eq!(run_name(&"x".repeat(81)), None);
        assert_eq!(run_name(&"é".repeat(80)).map(|n| n.chars().count()), Some(80));
        assert_eq!(run_name("a\u{7}b"), None);
    }
}

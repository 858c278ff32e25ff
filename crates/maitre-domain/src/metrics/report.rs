//! A period's report from counted facts: the store counts every fact into quarter-hour slots and sums them per
//! local day (`slot_spans` says which slots make which day); this module turns those sums into the figures the
//! analytics and home pages show, by the definitions in `metrics.rs`. No I/O.
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::Author;
use crate::booking::ReservationStatus;

/// Length of a slot in milliseconds: every time zone's offset is a whole number of them, so a local day is a
/// whole number of slots.
pub const SLOT_MS: i64 = 15 * 60 * 1000;
const SLOTS_PER_DAY: i64 = 96;

/// What one counted row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Message(Author),
    /// A guest's first message: a conversation began.
    Conversation,
    /// Of the conversations begun: a flow handed the guest over before a person answered.
    Handoff,
    /// Of the conversations begun: a flow answered, nobody else wrote, no handoff.
    BotResolved,
    /// Of the conversations begun: closed now.
    Closed,
    /// Of the conversations begun: the first answer of a person, in whole minutes.
    FirstResponsePerson {
        minutes: i64,
    },
    FirstResponseBot {
        minutes: i64,
    },
    /// A booking made; `total` counts its guests.
    Booked {
        by_flow: bool,
        status: ReservationStatus,
    },
    /// A visit due; `total` counts its guests.
    Visit {
        status: ReservationStatus,
    },
    Contact,
}

impl Fact {
    /// The fact a stored row names, or none for a word this version does not know (a newer node wrote it).
    pub fn from_row(metric: &str, dim: &str, value: i64) -> Option<Fact> {
        let status = || dim.parse::<ReservationStatus>().ok();
        Some(match metric {
            "messages" => Fact::Message(dim.parse().ok()?),
            "conversations" => Fact::Conversation,
            "handoffs" => Fact::Handoff,
            "bot_resolved" => Fact::BotResolved,
            "closed" => Fact::Closed,
            "first_response_person" => Fact::FirstResponsePerson { minutes: value },
            "first_response_bot" => Fact::FirstResponseBot { minutes: value },
            "booked_flow" => Fact::Booked { by_flow: true, status: status()? },
            "booked_staff" => Fact::Booked { by_flow: false, status: status()? },
            "visits" => Fact::Visit { status: status()? },
            "contacts" => Fact::Contact,
            _ => return None,
        })
    }
}

/// Local days `first` to `last`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// The `days` days that end with `today`.
    pub fn ending(today: NaiveDate, days: i64) -> Period {
        Period { first: today - TimeDelta::days(days.max(1) - 1), last: today }
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// As many days, just before: what a period is compared with.
    pub fn previous(&self) -> Period {
        Period { first: self.first - TimeDelta::days(self.days()), last: self.first - TimeDelta::days(1) }
    }
}

/// A sum of counted facts of one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub day: NaiveDate,
    pub fact: Fact,
    pub n: i64,
    pub total: i64,
}

/// Slots [from, to) whose local time is `offset` slots ahead of UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSpan {
    pub from: i64,
    pub to: i64,
    pub offset: i64,
}

impl SlotSpan {
    /// The local day (days since 1970-01-01) of a slot in this span.
    pub fn day_number(&self, slot: i64) -> i64 {
        (slot + self.offset).div_euclid(SLOTS_PER_DAY)
    }
}

pub fn slot_of(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis().div_euclid(SLOT_MS)
}

fn offset_slots(slot: i64, tz: Tz) -> i64 {
    use chrono::{Offset, TimeZone};
    let at = DateTime::from_timestamp_millis(slot * SLOT_MS).unwrap_or_default();
    i64::from(tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()).div_euclid(15 * 60)
}

/// The slots from `from` to `to` in spans of one UTC offset (a span ends where the clocks change).
pub fn slot_spans(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Vec<SlotSpan> {
    let (first, end) = (slot_of(from), slot_of(to));
    let mut spans: Vec<SlotSpan> = Vec::new();
    let mut start = first;
    while start < end {
        let offset = offset_slots(start, tz);
        // Clocks change at most once a day: look a day ahead, then find the change's slot by halving.
        let mut next = (start + SLOTS_PER_DAY).min(end);
        if offset_slots(next - 1, tz) != offset {
            let (mut same, mut changed) = (start, next - 1);
            while changed - same > 1 {
                let mid = same + (changed - same) / 2;
                if offset_slots(mid, tz) == offset { same = mid } else { changed = mid }
            }
            next = changed;
        }
        match spans.last_mut() {
            Some(last) if last.offset == offset => last.to = next,
            _ => spans.push(SlotSpan { from: start, to: next, offset }),
        }
        start = next;
    }
    spans
}

/// The calendar date of a local day number.
pub fn date_of(day_number: i64) -> NaiveDate {
    NaiveDate::default() + TimeDelta::days(day_number)
}

/// The figures of a period or of one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub guest_messages: i64,
    pub bot_replies: i64,
    pub auto_replies: i64,
    pub member_replies: i64,
    /// Written by the business in the platform's own app.
    pub echoes: i64,
    pub notices: i64,
    pub conversations: i64,
    pub handoffs: i64,
    pub bot_resolved: i64,
    pub closed: i64,
    /// First responses as (whole minutes, how many).
    pub first_response_person: Vec<(i64, i64)>,
    pub first_response_bot: Vec<(i64, i64)>,
    /// Bookings made in the period, by anyone, whatever became of them.
    pub bookings: i64,
    /// Of those, made by a flow and not cancelled: maitre's bookings, and their guests.
    pub flow_bookings: i64,
    pub flow_covers: i64,
    pub cancelled: i64,
    /// Visits due in the period that were confirmed or took place, and their guests (covers).
    pub visits: i64,
    pub covers: i64,
    pub completed: i64,
    pub no_shows: i64,
    pub contacts: i64,
}

fn add_to(histogram: &mut Vec<(i64, i64)>, minutes: i64, n: i64) {
    match histogram.binary_search_by_key(&minutes, |(m, _)| *m) {
        Ok(i) => histogram[i].1 += n,
        Err(i) => histogram.insert(i, (minutes, n)),
    }
}

/// Nearest-rank percentile of a histogram of whole minutes: the same as `super::percentile` of the durations cut
/// to whole minutes.
pub fn histogram_percentile(histogram: &[(i64, i64)], p: u8) -> Option<TimeDelta> {
    let count: i64 = histogram.iter().map(|(_, n)| (*n).max(0)).sum();
    let rank = ((i64::from(p.min(100)) * count + 99) / 100).max(1);
    let mut seen = 0;
    histogram.iter().find_map(|(minutes, n)| {
        seen += (*n).max(0);
        (seen >= rank).then(|| TimeDelta::minutes(*minutes))
    })
}

impl Summary {
    pub fn add(&mut self, fact: Fact, n: i64, total: i64) {
        use ReservationStatus::*;
        match fact {
            Fact::Message(author) => {
                *match author {
                    Author::Guest => &mut self.guest_messages,
                    Author::Bot => &mut self.bot_replies,
                    Author::AutoReply => &mut self.auto_replies,
                    Author::Member => &mut self.member_replies,
                    Author::Echo => &mut self.echoes,
                    Author::Notice => &mut self.notices,
                } += n
            }
            Fact::Conversation => self.conversations += n,
            Fact::Handoff => self.handoffs += n,
            Fact::BotResolved => self.bot_resolved += n,
            Fact::Closed => self.closed += n,
            Fact::FirstResponsePerson { minutes } => add_to(&mut self.first_response_person, minutes, n),
            Fact::FirstResponseBot { minutes } => add_to(&mut self.first_response_bot, minutes, n),
            Fact::Booked { by_flow, status } => {
                self.bookings += n;
                if status == Cancelled {
                    self.cancelled += n;
                } else if by_flow {
                    self.flow_bookings += n;
                    self.flow_covers += total;
                }
            }
            Fact::Visit { status } => match status {
                Confirmed | Completed => {
                    self.visits += n;
                    self.covers += total;
                    self.completed += if status == Completed { n } else { 0 };
                }
                NoShow => self.no_shows += n,
                Pending | Cancelled => {}
            },
            Fact::Contact => self.contacts += n,
        }
    }

    /// Replies to guests by a flow or a person (automatic replies and notices answer nothing).
    pub fn replies(&self) -> i64 {
        self.bot_replies + self.member_replies + self.echoes
    }

    pub fn handoff_rate(&self) -> Option<f64> {
        super::rate(self.handoffs.max(0) as u64, self.conversations.max(0) as u64)
    }

    pub fn bot_resolved_rate(&self) -> Option<f64> {
        super::rate(self.bot_resolved.max(0) as u64, self.conversations.max(0) as u64)
    }

    pub fn cancellation_rate(&self) -> Option<f64> {
        super::rate(self.cancelled.max(0) as u64, self.bookings.max(0) as u64)
    }

    /// No-shows over visits that were due and are settled (completed or no-show).
    pub fn no_show_rate(&self) -> Option<f64> {
        super::rate(self.no_shows.max(0) as u64, (self.no_shows + self.completed).max(0) as u64)
    }
}

/// A period's figures: each local day's and the whole period's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub days: Vec<(NaiveDate, Summary)>,
    pub total: Summary,
}

impl Report {
    /// The report of a period from the counts of its days (others are ignored).
    pub fn new(period: Period, counts: &[Count]) -> Report {
        let first = period.first;
        let mut days: Vec<(NaiveDate, Summary)> =
            super::days(first, period.last).map(|d| (d, Summary::default())).collect();
        let mut total = Summary::default();
        for c in counts {
            let Some(i) = usize::try_from((c.day - first).num_days()).ok().filter(|i| *i < days.len()) else {
                continue;
            };
            days[i].1.add(c.fact, c.n, c.total);
            total.add(c.fact, c.n, c.total);
        }
        Report { days, total }
    }
}

#[cfg(test)]
mod tests;

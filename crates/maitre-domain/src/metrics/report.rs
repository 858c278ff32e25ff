//! A period's report from counted facts: the store counts every fact on the business's local day (by the zone's
//! offsets, `zone_offsets`) and first responses by bucket (`response_bucket`); this module turns those counts into
//! the figures the analytics and home pages show, by the definitions in `metrics.rs`. No I/O.
use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta};
use chrono_tz::Tz;

use super::outreach::OutreachStep;
use crate::booking::ReservationStatus;
use crate::{Author, Outreach, UserId};

/// What one counted row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    Message(Author),
    /// A guest's first message: a conversation began.
    Conversation,
    /// A guest wrote again a day or more after their previous message (`super::RETURN_AFTER`).
    Returned,
    /// Of the conversations begun: a flow handed the guest over before a person answered.
    Handoff,
    /// Of the conversations begun: a flow answered, nobody else wrote, no handoff.
    BotResolved,
    /// Of the conversations begun: closed now.
    Closed,
    /// Of the conversations begun: led to a booking that was confirmed (confirmed, completed or no-show now).
    Converted,
    /// Of the conversations begun: led to a visit that took place (a booking completed).
    Visited,
    /// Of the conversations begun: the first answer of a person, by bucket (`response_bucket`), and who of the
    /// team it was (unknown before the team's figures were kept).
    FirstResponsePerson {
        minutes: i64,
        by: Option<UserId>,
    },
    FirstResponseBot {
        minutes: i64,
    },
    /// A turn of the guest answered (on the reply's day), by bucket (`response_bucket`); by a person or a flow.
    ReplyTime {
        minutes: i64,
        by_person: bool,
    },
    /// Of the conversations begun: closed now, this long after the guest's first message (by bucket).
    Resolution {
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
    /// A visit that took place by a guest who had another within 90 days before (`super::REPEAT_WITHIN`).
    Repeat,
    /// A guest's consent changed: opted in again, or opted out (by their word or recorded by staff).
    Consent {
        opted_in: bool,
    },
    /// A reply a member wrote in maitre (also counted as `Message(Author::Member)`).
    MemberReply {
        member: UserId,
    },
    /// A booking made, by how many of the business's days ahead of the visit (`lead_bucket`); `total` counts its
    /// guests.
    Lead {
        days: i64,
    },
    /// A visit due (confirmed, completed, no-show) starting in this local hour; `total` counts its guests.
    Arrival {
        hour: i64,
    },
    /// A visit due of this many guests (`PARTY_SIZES` and more counted together).
    Party {
        size: i64,
    },
    /// A message maitre sent on its own or for the team, on the day it was queued, at a step it has reached now
    /// (`super::outreach`).
    Outreach {
        kind: Outreach,
        step: OutreachStep,
    },
}

impl Fact {
    /// The fact a stored row names, or none for a word this version does not know (a newer node wrote it).
    pub fn from_row(metric: &str, dim: &str, value: i64) -> Option<Fact> {
        let status = || dim.parse::<ReservationStatus>().ok();
        Some(match metric {
            "messages" => Fact::Message(dim.parse().ok()?),
            "conversations" => Fact::Conversation,
            "returned" => Fact::Returned,
            "handoffs" => Fact::Handoff,
            "bot_resolved" => Fact::BotResolved,
            "closed" => Fact::Closed,
            "converted" => Fact::Converted,
            "visited" => Fact::Visited,
            "first_response_person" => Fact::FirstResponsePerson { minutes: value, by: dim.parse().ok() },
            "first_response_bot" => Fact::FirstResponseBot { minutes: value },
            "reply_time" => Fact::ReplyTime {
                minutes: value,
                by_person: match dim {
                    "person" => true,
                    "bot" => false,
                    _ => return None,
                },
            },
            "resolution" => Fact::Resolution { minutes: value },
            "booked_flow" => Fact::Booked { by_flow: true, status: status()? },
            "booked_staff" => Fact::Booked { by_flow: false, status: status()? },
            "visits" => Fact::Visit { status: status()? },
            "contacts" => Fact::Contact,
            "repeat" => Fact::Repeat,
            "consents" => Fact::Consent {
                opted_in: match dim {
                    "opted_in" => true,
                    "opted_out" => false,
                    _ => return None,
                },
            },
            "member_replies" => Fact::MemberReply { member: dim.parse().ok()? },
            "lead" => Fact::Lead { days: value },
            "arrivals" => Fact::Arrival { hour: value },
            "party" => Fact::Party { size: value },
            "outreach" => {
                let (kind, step) = dim.split_once('/')?;
                Fact::Outreach { kind: kind.parse().ok()?, step: step.parse().ok()? }
            }
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

    /// The calendar months the period holds whole, from the first day of the first to the last day of the last
    /// (their sums can be read instead of their days); `None` when it holds no whole month.
    pub fn whole_months(&self) -> Option<Period> {
        let first = match self.first.day() {
            1 => self.first,
            _ => self.first.checked_add_months(Months::new(1))?.with_day(1)?,
        };
        let next_month_first = self.last.succ_opt()?.with_day(1)?;
        let last = next_month_first.pred_opt()?;
        (first <= last).then_some(Period { first, last })
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

/// A zone's offsets from UTC, in milliseconds, each from an instant (ms since 1970) on: the first from 1970, then
/// one at each change of its clocks until 2100. The store keeps them per business, so that its triggers put each
/// fact on the business's local day: `day_number(at + offset)`.
pub fn zone_offsets(tz: Tz) -> Vec<(i64, i64)> {
    use chrono::{Offset, TimeZone};
    let offset = |ms: i64| {
        let at = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        i64::from(tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc()) * 1000
    };
    const END: i64 = 4_102_444_800_000; // 2100-01-01
    let mut offsets = vec![(0, offset(0))];
    let mut day = 0;
    while day < END {
        let next = day + DAY_MS;
        // Clocks change at most once a day: find the second of a change by halving.
        if offset(next) != offsets[offsets.len() - 1].1 {
            let (mut same, mut changed) = (day / 1000, next / 1000);
            while changed - same > 1 {
                let mid = same + (changed - same) / 2;
                if offset(mid * 1000) == offsets[offsets.len() - 1].1 { same = mid } else { changed = mid }
            }
            offsets.push((changed * 1000, offset(changed * 1000)));
        }
        day = next;
    }
    offsets
}

const DAY_MS: i64 = 86_400_000;

/// The local day (days since 1970-01-01) of an instant `offset_ms` ahead of UTC, as the store's triggers count.
pub fn day_number(at_ms: i64, offset_ms: i64) -> i64 {
    (at_ms + offset_ms).div_euclid(DAY_MS)
}

/// The local day number of a date.
pub fn number_of(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

/// First responses are counted in buckets (each minute under 10, then 5, 15 and 60 minutes, then days), so that
/// a business's day has a few dozen of them at most and a year reads fast. The bucket's first minute; the
/// triggers of migration `figures` bucket alike.
pub fn response_bucket(minutes: i64) -> i64 {
    match minutes.max(0) {
        m if m < 10 => m,
        m if m < 60 => m / 5 * 5,
        m if m < 180 => m / 15 * 15,
        m if m < 1440 => m / 60 * 60,
        m => m / 1440 * 1440,
    }
}

/// The first minute after the bucket that starts at `start`.
pub fn bucket_end(start: i64) -> i64 {
    start
        + match start {
            s if s < 10 => 1,
            s if s < 60 => 5,
            s if s < 180 => 15,
            s if s < 1440 => 60,
            _ => 1440,
        }
}

/// Bookings are counted by how far ahead they were made in buckets of days: each day under a week, then one
/// and two weeks, then a month or more. The bucket's first day; migration `reservation_depth` buckets alike.
pub fn lead_bucket(days: i64) -> i64 {
    match days.max(0) {
        d if d < 7 => d,
        d if d < 14 => 7,
        d if d < 30 => 14,
        _ => 30,
    }
}

/// Party sizes counted one by one; larger parties together with this one.
pub const PARTY_SIZES: i64 = 12;

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
    /// Guests who came back: wrote again a day or more after their previous message.
    pub returned: i64,
    pub handoffs: i64,
    pub bot_resolved: i64,
    pub closed: i64,
    /// Conversations begun that led to a confirmed booking, and to a visit that took place.
    pub converted: i64,
    pub visited: i64,
    /// First responses as (bucket's first minute, how many).
    pub first_response_person: Vec<(i64, i64)>,
    pub first_response_bot: Vec<(i64, i64)>,
    /// Turns of guests answered, by a person and by a flow, as (bucket's first minute, how many).
    pub reply_person: Vec<(i64, i64)>,
    pub reply_bot: Vec<(i64, i64)>,
    /// Conversations begun and closed now, by how long after the guest's first message (bucket, how many).
    pub resolution: Vec<(i64, i64)>,
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
    /// Visits that took place by guests who had come within 90 days before.
    pub repeat_visits: i64,
    /// Changes of guests' consent in the period: opted out, opted in again.
    pub opt_outs: i64,
    pub opt_ins: i64,
    /// Bookings made, by how far ahead (`lead_bucket`'s first day, how many).
    pub lead_days: Vec<(i64, i64)>,
    /// Visits due (confirmed, completed, no-show) by party size (up to `PARTY_SIZES`), how many.
    pub party_sizes: Vec<(i64, i64)>,
    /// Guests of visits due, by the local hour the visit starts.
    pub arrivals: Vec<(i64, i64)>,
}

/// Adds `n` at `key`; a key whose count comes to nothing is left out (a fact counted, then taken back).
pub(super) fn add_to(histogram: &mut Vec<(i64, i64)>, key: i64, n: i64) {
    match histogram.binary_search_by_key(&key, |(k, _)| *k) {
        Ok(i) => {
            histogram[i].1 += n;
            if histogram[i].1 == 0 {
                histogram.remove(i);
            }
        }
        Err(i) if n != 0 => histogram.insert(i, (key, n)),
        Err(_) => {}
    }
}

/// Nearest-rank percentile of a histogram of buckets, as the bucket's first minute: the bucket of
/// `super::percentile` of the durations.
pub fn histogram_percentile(histogram: &[(i64, i64)], p: u8) -> Option<TimeDelta> {
    histogram_rank(histogram, p).map(TimeDelta::minutes)
}

/// Nearest-rank percentile of a histogram (key, how many): the key `p` percent of the counted are at or below.
pub fn histogram_rank(histogram: &[(i64, i64)], p: u8) -> Option<i64> {
    let count: i64 = histogram.iter().map(|(_, n)| (*n).max(0)).sum();
    let rank = ((i64::from(p.min(100)) * count + 99) / 100).max(1);
    let mut seen = 0;
    histogram.iter().find_map(|(key, n)| {
        seen += (*n).max(0);
        (seen >= rank).then_some(*key)
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
            Fact::Returned => self.returned += n,
            Fact::Handoff => self.handoffs += n,
            Fact::BotResolved => self.bot_resolved += n,
            Fact::Closed => self.closed += n,
            Fact::Converted => self.converted += n,
            Fact::Visited => self.visited += n,
            Fact::FirstResponsePerson { minutes, .. } => add_to(&mut self.first_response_person, minutes, n),
            Fact::FirstResponseBot { minutes } => add_to(&mut self.first_response_bot, minutes, n),
            Fact::ReplyTime { minutes, by_person: true } => add_to(&mut self.reply_person, minutes, n),
            Fact::ReplyTime { minutes, by_person: false } => add_to(&mut self.reply_bot, minutes, n),
            Fact::Resolution { minutes } => add_to(&mut self.resolution, minutes, n),
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
            Fact::Repeat => self.repeat_visits += n,
            Fact::Consent { opted_in: true } => self.opt_ins += n,
            Fact::Consent { opted_in: false } => self.opt_outs += n,
            // The team's figures (`super::team`); the business's count them as `Message(Author::Member)`.
            Fact::MemberReply { .. } => {}
            Fact::Lead { days } => add_to(&mut self.lead_days, days, n),
            Fact::Party { size } => add_to(&mut self.party_sizes, size, n),
            Fact::Arrival { hour } => add_to(&mut self.arrivals, hour, total),
            // What became of maitre's own messages (`super::outreach`).
            Fact::Outreach { .. } => {}
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

    /// Conversations that led to a confirmed booking, over conversations.
    pub fn booking_conversion(&self) -> Option<f64> {
        super::rate(self.converted.max(0) as u64, self.conversations.max(0) as u64)
    }

    /// Conversations that led to a visit that took place, over conversations.
    pub fn visit_conversion(&self) -> Option<f64> {
        super::rate(self.visited.max(0) as u64, self.conversations.max(0) as u64)
    }

    pub fn cancellation_rate(&self) -> Option<f64> {
        super::rate(self.cancelled.max(0) as u64, self.bookings.max(0) as u64)
    }

    /// The median booking's days ahead (its bucket's first day).
    pub fn median_lead_days(&self) -> Option<i64> {
        histogram_rank(&self.lead_days, 50)
    }

    /// Guests per visit that took place or is confirmed, one decimal.
    pub fn average_party(&self) -> Option<f64> {
        (self.visits > 0).then(|| (self.covers as f64 * 10.0 / self.visits as f64).round() / 10.0)
    }

    /// Visits that took place by guests who came again within 90 days, over visits that took place.
    pub fn repeat_rate(&self) -> Option<f64> {
        super::rate(self.repeat_visits.max(0) as u64, self.completed.max(0) as u64)
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

//! What each figure of the analytics and home pages means, defined once over a conversation's events and a
//! business's bookings. Rollups and reports compute with these functions; the property tests of the reports
//! compare against them. No I/O: callers hand in the events.
//!
//! Definitions (also in README):
//! - **First response (person)**: from the guest's first message of the conversation, or from the first handoff if
//!   a flow handed the guest over later, to the first message a team member wrote. Measured once per conversation:
//!   a reopened conversation keeps its first response.
//! - **First response (bot)**: from the guest's first message to the first reply of a flow.
//! - **Reply time**: for each turn of the guest (their message after someone else spoke, or their first), the time
//!   to the next reply from a person (in maitre or the platform's own app) or a flow, counted on the reply's day.
//!   An automatic "we will get back to you" or a notice such as a reminder is not a reply.
//! - **Resolution time**: from the guest's first message to the conversation's last close; none while open.
//! - **Returning guest**: a guest writing again `RETURN_AFTER` (a day) or more after their previous message: a new
//!   enquiry from someone who wrote before, counted on its day each time. New guests are conversations begun.
//! - **Came again**: a visit that took place (completed) by a guest who had another visit that took place in the
//!   `REPEAT_WITHIN` (90 days) before it, counted on its day; over the visits that took place.
//! - **Handed off**: a flow handed the guest to the team at least once (the stored figures: before a person
//!   answered, as the person's clock starts there). **Bot-resolved**: answered, never handed
//!   off, and no team member wrote.
//! - **Booking conversion**: conversations that led to a confirmed booking (confirmed, completed or no-show now),
//!   over conversations; **visit conversion**: those that led to a visit that took place (completed).
//! - **Outreach** (templates, reminders, review requests, the team's decisions, broadcasts): counted on the day
//!   each was queued. **Sent**: the platform accepted it (sent, delivered or read now); **delivered**: delivered or
//!   read; **read**; **failed**. **Replied**: the guest wrote within `outreach::ANSWER_WITHIN` (3 days) after it,
//!   the latest such message of the conversation counting; **opted out**: they said stop in that time (which
//!   overrides replied).
//! - **Cancellation rate**: cancelled bookings over bookings. **No-show rate**: no-shows over visits that were due
//!   (completed and no-show). **Covers**: guests of confirmed and completed bookings.
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::booking::tz::day_start;

/// Who sent a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Guest,
    /// A flow's reply.
    Bot,
    /// The channel's automatic "we will get back to you", or a notice such as a reminder: neither answers.
    AutoReply,
    /// A team member, by user id.
    Member(String),
    /// The business in the platform's own app: a person, though not known which.
    Echo,
}

/// One turn of the guest answered: when, after how long, and whether by a person (else by a flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub at: DateTime<Utc>,
    pub after: TimeDelta,
    pub by_person: bool,
}

/// What happened in a conversation, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Message { at: DateTime<Utc>, from: Sender },
    Handoff { at: DateTime<Utc> },
    Closed { at: DateTime<Utc> },
    Reopened { at: DateTime<Utc> },
}

impl Event {
    fn at(&self) -> DateTime<Utc> {
        match self {
            Event::Message { at, .. } | Event::Handoff { at } | Event::Closed { at } | Event::Reopened { at } => *at,
        }
    }
}

/// The figures of one conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationFigures {
    pub first_response_person: Option<TimeDelta>,
    /// The member who answered first.
    pub first_responder: Option<String>,
    pub first_response_bot: Option<TimeDelta>,
    pub replies: Vec<Reply>,
    pub resolution: Option<TimeDelta>,
    pub handed_off: bool,
    pub bot_resolved: bool,
    /// The guest's messages that came `RETURN_AFTER` or more after their previous one.
    pub returns: Vec<DateTime<Utc>>,
}

/// How long a guest is silent before their next message counts as coming back.
pub const RETURN_AFTER: TimeDelta = TimeDelta::days(1);

/// The figures of a conversation from its events (sorted here by time; equal times keep their order).
pub fn conversation_figures(events: &[Event]) -> ConversationFigures {
    let mut events = events.to_vec();
    events.sort_by_key(Event::at);
    let mut f = ConversationFigures::default();
    let (mut first_guest, mut last_guest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    let mut first_handoff: Option<DateTime<Utc>> = None;
    // The start of the guest's turn still waiting for a reply.
    let mut waiting_since: Option<DateTime<Utc>> = None;
    let (mut member_wrote, mut bot_answered, mut closed_at) = (false, false, None);
    for event in &events {
        match event {
            Event::Message { at, from: Sender::Guest } => {
                if last_guest.is_some_and(|last| *at - last >= RETURN_AFTER) {
                    f.returns.push(*at);
                }
                last_guest = Some(*at);
                first_guest.get_or_insert(*at);
                waiting_since.get_or_insert(*at);
            }
            Event::Message { at, from } => {
                let by_member = matches!(from, Sender::Member(_));
                if *from == Sender::AutoReply {
                    continue;
                }
                let by_person = by_member || *from == Sender::Echo;
                if let Some(since) = waiting_since.take() {
                    f.replies.push(Reply { at: *at, after: *at - since, by_person });
                }
                if *from == Sender::Echo {
                    // Whose it was is unknown: it answers the turn only (as the store counts it).
                    continue;
                }
                if let (Some(start), false) = (first_guest, by_member) {
                    f.first_response_bot.get_or_insert(*at - start);
                    bot_answered = true;
                }
                if let (Some(start), Sender::Member(who)) = (first_guest, from)
                    && f.first_response_person.is_none()
                {
                    let start = first_handoff.map_or(start, |h| h.max(start));
                    f.first_response_person = Some(*at - start);
                    f.first_responder = Some(who.clone());
                }
                member_wrote |= by_member;
            }
            Event::Handoff { at } => {
                f.handed_off = true;
                // Only a handoff before anyone answered for the team moves the person's clock.
                if f.first_response_person.is_none() {
                    first_handoff.get_or_insert(*at);
                }
            }
            Event::Closed { at } => closed_at = Some(*at),
            Event::Reopened { .. } => closed_at = None,
        }
    }
    f.resolution = first_guest.zip(closed_at).map(|(start, end)| end - start);
    f.bot_resolved = bot_answered && !f.handed_off && !member_wrote;
    f
}

/// A conversation's first moments, as the store keeps them (it never scans messages for figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstMoments {
    pub guest: DateTime<Utc>,
    pub bot_reply: Option<DateTime<Utc>>,
    /// A flow's first handoff before a person answered.
    pub handoff: Option<DateTime<Utc>>,
    pub member_reply: Option<DateTime<Utc>>,
}

impl FirstMoments {
    /// The first response times these moments give, by the same definition as a whole conversation's events.
    pub fn figures(&self) -> ConversationFigures {
        let mut events = vec![Event::Message { at: self.guest, from: Sender::Guest }];
        events.extend(self.handoff.map(|at| Event::Handoff { at }));
        events.extend(self.bot_reply.map(|at| Event::Message { at, from: Sender::Bot }));
        events.extend(self.member_reply.map(|at| Event::Message { at, from: Sender::Member(String::new()) }));
        conversation_figures(&events)
    }
}

/// How soon a guest's next visit counts as coming again.
pub const REPEAT_WITHIN: TimeDelta = TimeDelta::days(90);

/// Of one guest's visits that took place, those with another of them within `REPEAT_WITHIN` before (at the same
/// time too), in time order.
pub fn repeat_visits(visits: &[DateTime<Utc>]) -> Vec<DateTime<Utc>> {
    let mut sorted = visits.to_vec();
    sorted.sort();
    let again = |(i, at): (usize, &DateTime<Utc>)| {
        sorted.iter().enumerate().any(|(j, other)| j != i && other <= at && *at - *other <= REPEAT_WITHIN)
    };
    sorted.iter().enumerate().filter(|v| again(*v)).map(|(_, at)| *at).collect()
}

/// The value below which `p` percent of `values` lie (nearest rank); none of an empty list.
pub fn percentile(values: &[TimeDelta], p: u8) -> Option<TimeDelta> {
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = (usize::from(p.min(100)) * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

pub fn median(values: &[TimeDelta]) -> Option<TimeDelta> {
    percentile(values, 50)
}

/// `part` over `whole` in percent, one decimal; none when there is no whole.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The business's calendar day an instant belongs to.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The instants a local day spans, [start, end): 24 hours, or 23 and 25 on the days the clocks change.
pub fn day_span(day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(day, tz), day_start(day + TimeDelta::days(1), tz))
}

/// The local days from `first` to `last`, both included (none if `last` is before `first`).
pub fn days(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |d| *d <= last)
}

#[cfg(test)]
mod tests;

pub mod demand;
pub mod funnel;
pub mod insight;
pub mod outreach;
pub mod report;
pub mod team;

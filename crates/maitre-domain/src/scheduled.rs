//! Messages staff write now and maitre sends later ("send later"): which times and texts are accepted, and the
//! states a scheduled message goes through. Pure: the caller passes "now".
use chrono::{DateTime, TimeDelta, Utc};

use crate::kinds::{display_as_word, words};

/// How far ahead a message may be scheduled: far enough for a season's announcements, near enough that what was
/// written still holds when it goes.
pub const MAX_AHEAD: TimeDelta = TimeDelta::days(90);

/// The longest text, in characters (as a reply).
pub const MAX_TEXT_CHARS: usize = 4000;

words! {
    /// Where a scheduled message stands. Only `Scheduled` ones can be changed or cancelled.
    pub enum ScheduledStatus("scheduled message status") {
        Scheduled = "scheduled",
        /// Queued as a reply when it was due (the thread shows how its send went).
        Sent = "sent",
        Cancelled = "cancelled",
    }
}

display_as_word!(ScheduledStatus);

/// Why a scheduled message's time or text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the time to send is not in the future")]
    Past,
    #[error("the time to send is more than 90 days ahead")]
    TooFar,
    #[error("a message has 1 to 4000 characters")]
    TextLength,
}

/// Accepts a time to send after `now` and at most [`MAX_AHEAD`] later.
pub fn check_send_at(send_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if send_at <= now {
        Err(Refusal::Past)
    } else if send_at - now > MAX_AHEAD {
        Err(Refusal::TooFar)
    } else {
        Ok(())
    }
}

/// The text as it will be stored (trimmed), if it has 1 to [`MAX_TEXT_CHARS`] characters.
pub fn check_text(text: &str) -> Result<&str, Refusal> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS { Err(Refusal::TextLength) } else { Ok(text) }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 21, 14, 15, 0).unwrap()
    }

    #[test]
    fn a_time_to_come_within_ninety_days_is_accepted() {
        let now = now();
        assert_eq!(check_send_at(now + TimeDelta::seconds(1), now), Ok(()));
        assert_eq!(check_send_at(now + TimeDelta::hours(19), now), Ok(()));
        assert_eq!(check_send_at(now + MAX_AHEAD, now), Ok(()), "the 90th day is still in");
    }

    #[test]
    fn now_the_past_and_beyond_ninety_days_are_refused() {
        let now = now();
        assert_eq!(check_send_at(now, now), Err(Refusal::Past), "due at once is no schedule");
        assert_eq!(check_send_at(now - TimeDelta::minutes(1), now), Err(Refusal::Past));
        assert_eq!(check_send_at(now + MAX_AHEAD + TimeDelta::seconds(1), now), Err(Refusal::TooFar));
        assert_eq!(check_send_at(now + TimeDelta::days(365), now), Err(Refusal::TooFar));
    }

    #[test]
    fn texts_are_trimmed_and_between_one_and_4000_characters() {
        assert_eq!(check_text("  Bis morgen!\n"), Ok("Bis morgen!"));
        assert_eq!(check_text(" \n\t"), Err(Refusal::TextLength));
        assert_eq!(check_text(&"é".repeat(MAX_TEXT_CHARS)).map(|t| t.chars().count()), Ok(MAX_TEXT_CHARS));
        assert_eq!(check_text(&"é".repeat(MAX_TEXT_CHARS + 1)), Err(Refusal::TextLength));
    }

    #[test]
    fn statuses_are_stored_as_words() {
        for &s in ScheduledStatus::ALL {
            assert_eq!(s.as_str().parse::<ScheduledStatus>(), Ok(s));
        }
        assert_eq!(ScheduledStatus::Cancelled.to_string(), "cancelled");
        assert!("pending".parse::<ScheduledStatus>().is_err());
    }
}

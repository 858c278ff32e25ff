//! How times read on pages: in the business's time zone, never in UTC.
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::auth::Member;

/// The account's time zone (validated when it was saved).
pub(crate) fn account_tz(m: &Member) -> Tz {
    m.account.settings.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// A wall-clock time of the business (a reservation's start, a booking limit).
pub(crate) fn format_local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// Turns instants (a message, a note, a login) into the business's wall-clock time, as its team reads the hours
/// and its bookings.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    tz: Tz,
}

impl Times {
    pub fn of(m: &Member) -> Self {
        Times { tz: account_tz(m) }
    }

    /// For pages of a person rather than a business (their sign-ins): no business zone applies, so times say UTC.
    pub fn utc() -> Self {
        Times { tz: chrono_tz::UTC }
    }

    pub fn at(self, t: DateTime<Utc>) -> String {
        let local = format_local(t.with_timezone(&self.tz).naive_local());
        if self.tz == chrono_tz::UTC { format!("{local} UTC") } else { local }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn instants_read_in_the_business_zone_across_daylight_saving() {
        let berlin = Times { tz: chrono_tz::Europe::Berlin };
        assert_eq!(berlin.at(Utc.with_ymd_and_hms(2026, 12, 5, 12, 10, 0).unwrap()), "2026-12-05 13:10");
        assert_eq!(berlin.at(Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap()), "2026-07-02 00:30");
        let toronto = Times { tz: chrono_tz::America::Toronto };
        assert_eq!(toronto.at(Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()), "2026-03-08 03:00");
        assert_eq!(Times::utc().at(Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()), "2026-03-08 07:00 UTC");
    }
}

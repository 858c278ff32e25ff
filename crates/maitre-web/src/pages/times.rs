//! How times read on pages: in the business's time zone, never in UTC, written as the member's language writes
//! dates.
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use maitre_domain::Locale;

use crate::auth::Member;

/// The account's time zone (validated when it was saved).
pub(crate) fn account_tz(m: &Member) -> Tz {
    m.account.settings.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

/// A wall-clock time of the business (a reservation's start, a booking limit): day before month in German and
/// French; English spells the month, which no reader can take for the day.
pub(crate) fn format_local(t: NaiveDateTime, locale: Locale) -> String {
    let day = format_day(t.date(), locale);
    match locale {
        Locale::En => format!("{day}, {}", t.format("%H:%M")),
        Locale::De | Locale::Fr => format!("{day} {}", t.format("%H:%M")),
    }
}

/// A day of the business's calendar, as `format_local` writes it.
pub(crate) fn format_day(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::De => d.format("%d.%m.%Y"),
        Locale::Fr => d.format("%d/%m/%Y"),
        Locale::En => d.format("%-d %b %Y"),
    }
    .to_string()
}

/// Turns instants (a message, a note, a login) into the business's wall-clock time, as its team reads the hours
/// and its bookings, or into the member's own zone when they chose one (a bookkeeper abroad). Bookings stay in the
/// business's time: that is when the guest comes.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    tz: Tz,
    locale: Locale,
}

impl Times {
    /// In the member's own zone if they chose one on their profile, else the business's.
    pub fn of(m: &Member) -> Self {
        let own = m.signed.user.time_zone.parse().ok();
        Times { tz: own.unwrap_or_else(|| account_tz(m)), locale: m.signed.user.locale }
    }

    /// For pages of a person rather than a business (their sign-ins): no business zone applies, so times say UTC.
    pub fn utc(locale: Locale) -> Self {
        Times { tz: chrono_tz::UTC, locale }
    }

    pub fn at(self, t: DateTime<Utc>) -> String {
        let local = format_local(t.with_timezone(&self.tz).naive_local(), self.locale);
        if self.tz == chrono_tz::UTC { format!("{local} UTC") } else { local }
    }
}

/// A day within a week the reader sees whole (calendar columns): no year.
pub(crate) fn format_short_day(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::De => d.format("%d.%m."),
        Locale::Fr => d.format("%d/%m"),
        Locale::En => d.format("%-d %b"),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn instants_read_in_the_business_zone_across_daylight_saving() {
        let berlin = Times { tz: chrono_tz::Europe::Berlin, locale: Locale::De };
        assert_eq!(berlin.at(Utc.with_ymd_and_hms(2026, 12, 5, 12, 10, 0).unwrap()), "05.12.2026 13:10");
        assert_eq!(berlin.at(Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap()), "02.07.2026 00:30");
        let toronto = Times { tz: chrono_tz::America::Toronto, locale: Locale::En };
        assert_eq!(toronto.at(Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()), "8 Mar 2026, 03:00");
        let utc = Times::utc(Locale::Fr);
        assert_eq!(utc.at(Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap()), "08/03/2026 07:00 UTC");
    }

    #[test]
    fn each_language_writes_a_date_its_own_way() {
        let t = NaiveDateTime::parse_from_str("2026-09-25 19:30", "%Y-%m-%d %H:%M").unwrap();
        assert_eq!(format_local(t, Locale::De), "25.09.2026 19:30");
        assert_eq!(format_local(t, Locale::Fr), "25/09/2026 19:30");
        assert_eq!(format_local(t, Locale::En), "25 Sep 2026, 19:30");
        let d = t.date();
        assert_eq!([Locale::De, Locale::Fr, Locale::En].map(|l| format_short_day(d, l)), ["25.09.", "25/09", "25 Sep"]);
    }
}

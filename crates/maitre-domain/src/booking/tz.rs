//! Local wall-clock time ↔ UTC in an account's time zone, with daylight-saving transitions decided explicitly.
use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalTimeError {
    /// Skipped when the clocks went forward (e.g. 02:30 on the last Sunday of March in Europe).
    #[error("{local} does not exist in {tz}: the clocks go forward then; choose another time")]
    Nonexistent { local: NaiveDateTime, tz: String },
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
}

/// Parses an IANA time zone name.
pub fn zone(name: &str) -> Result<Tz, LocalTimeError> {
    name.trim().parse().map_err(|_| LocalTimeError::UnknownZone(name.to_owned()))
}

/// The UTC instant of a local time. A time that occurs twice (clocks going back) means its first occurrence;
/// a time that never occurs (clocks going forward) is refused.
pub fn to_utc(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, LocalTimeError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(LocalTimeError::Nonexistent { local, tz: tz.name().to_owned() }),
    }
}

/// The wall-clock time of an instant in `tz`.
pub fn to_local(utc: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    utc.with_timezone(&tz).naive_local()
}

/// The first instant of a local date: midnight, or when midnight is skipped by the clocks, the first half hour
/// after it that exists.
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(chrono::NaiveTime::MIN);
    (0..=8)
        .find_map(|half_hours| to_utc(midnight + TimeDelta::minutes(30 * half_hours), tz).ok())
        .unwrap_or_else(|| midnight.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn ordinary_times_convert_both_ways() {
        let berlin = zone("Europe/Berlin").unwrap();
        let utc = to_utc(dt("2026-07-01 19:30"), berlin).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-07-01T17:30:00+00:00", "summer time is UTC+2");
        assert_eq!(to_local(utc, berlin), dt("2026-07-01 19:30"));
        assert_eq!(to_utc(dt("2026-01-10 19:30"), berlin).unwrap().to_rfc3339(), "2026-01-10T18:30:00+00:00");
    }

    #[test]
    fn a_time_skipped_by_the_clocks_is_refused_with_a_reason() {
        let berlin = zone("Europe/Berlin").unwrap();
        let err = to_utc(dt("2026-03-29 02:30"), berlin).unwrap_err();
        assert_eq!(err, LocalTimeError::Nonexistent { local: dt("2026-03-29 02:30"), tz: "Europe/Berlin".into() });
        assert!(err.to_string().contains("does not exist in Europe/Berlin"), "{err}");
        assert!(to_utc(dt("2026-03-29 03:00"), berlin).is_ok());
    }

    #[test]
    fn a_time_that_happens_twice_takes_the_earlier() {
        let berlin = zone("Europe/Berlin").unwrap();
        let utc = to_utc(dt("2026-10-25 02:30"), berlin).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-10-25T00:30:00+00:00", "02:30 summer time (UTC+2) comes first");
        let new_york = zone("America/New_York").unwrap();
        assert_eq!(to_utc(dt("2026-11-01 01:30"), new_york).unwrap().to_rfc3339(), "2026-11-01T05:30:00+00:00");
    }

    #[test]
    fn a_day_starts_at_its_first_existing_instant() {
        let berlin = zone("Europe/Berlin").unwrap();
        let d = dt("2026-03-29 00:00").date();
        assert_eq!(day_start(d, berlin).to_rfc3339(), "2026-03-28T23:00:00+00:00");
        // Chile moves its clocks forward at midnight: 2026-09-06 begins at 01:00.
        let santiago = zone("America/Santiago").unwrap();
        let d = dt("2026-09-06 00:00").date();
        let start = day_start(d, santiago);
        assert_eq!(to_local(start, santiago).date(), d);
        assert!(to_local(start - TimeDelta::minutes(1), santiago).date() < d);
    }

    #[test]
    fn unknown_zones_are_named() {
        assert_eq!(zone("Mars/Olympus"), Err(LocalTimeError::UnknownZone("Mars/Olympus".into())));
    }
}

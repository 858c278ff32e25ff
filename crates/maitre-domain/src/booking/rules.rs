//! A business's booking rules: weekly opening hours, dated exceptions, slot grid, durations, limits.
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One opening interval of a day, `from` to `to` local time. `to <= from` means it ends on the next day
/// (18:00–02:00), so 00:00–00:00 is the whole day. An interval belongs to the day it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl Interval {
    pub fn new(from: NaiveTime, to: NaiveTime) -> Self {
        Self { from, to }
    }

    /// Length in minutes (1 to 1440).
    pub fn minutes(&self) -> i64 {
        let d = (self.to - self.from).num_minutes();
        if d <= 0 { d + 24 * 60 } else { d }
    }

    /// The concrete span when it starts on `date`.
    pub fn on(&self, date: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
        let start = date.and_time(self.from);
        (start, start + TimeDelta::minutes(self.minutes()))
    }

    /// A comma-separated list such as `12:00-14:30, 17:30-22:30`; empty means none (closed).
    pub fn parse_list(s: &str) -> Result<Vec<Interval>, RulesError> {
        s.split(',').map(str::trim).filter(|p| !p.is_empty()).map(str::parse).collect()
    }

    /// The inverse of [`Interval::parse_list`].
    pub fn format_list(list: &[Interval]) -> String {
        list.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.from.format("%H:%M"), self.to.format("%H:%M"))
    }
}

fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

impl FromStr for Interval {
    type Err = RulesError;
    fn from_str(s: &str) -> Result<Self, RulesError> {
        let bad = || RulesError::Interval(s.trim().to_owned());
        let (a, b) = s.split_once(['-', '–']).ok_or_else(bad)?;
        Ok(Interval { from: parse_hhmm(a).ok_or_else(bad)?, to: parse_hhmm(b).ok_or_else(bad)? })
    }
}

/// Stored as `"12:00-14:30"`: readable in the rules JSON and in API answers.
impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Regular opening hours, Monday to Sunday. An empty day is closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Week {
    pub mon: Vec<Interval>,
    pub tue: Vec<Interval>,
    pub wed: Vec<Interval>,
    pub thu: Vec<Interval>,
    pub fri: Vec<Interval>,
    pub sat: Vec<Interval>,
    pub sun: Vec<Interval>,
}

impl Week {
    pub const DAYS: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

    pub fn day(&self, d: Weekday) -> &[Interval] {
        match d {
            Weekday::Mon => &self.mon,
            Weekday::Tue => &self.tue,
            Weekday::Wed => &self.wed,
            Weekday::Thu => &self.thu,
            Weekday::Fri => &self.fri,
            Weekday::Sat => &self.sat,
            Weekday::Sun => &self.sun,
        }
    }

    pub fn day_mut(&mut self, d: Weekday) -> &mut Vec<Interval> {
        match d {
            Weekday::Mon => &mut self.mon,
            Weekday::Tue => &mut self.tue,
            Weekday::Wed => &mut self.wed,
            Weekday::Thu => &mut self.thu,
            Weekday::Fri => &mut self.fri,
            Weekday::Sat => &mut self.sat,
            Weekday::Sun => &mut self.sun,
        }
    }
}

/// Different hours on one date (a holiday, an event). No hours means closed that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub date: NaiveDate,
    #[serde(default)]
    pub hours: Vec<Interval>,
    #[serde(default)]
    pub label: String,
}

impl Exception {
    /// One line of the settings form: `2026-12-24 closed Heiligabend` or `2026-12-31 18:00-01:00 Silvester`
    /// (several intervals separated by commas without spaces).
    pub fn parse_line(line: &str) -> Result<Exception, RulesError> {
        let bad = || RulesError::ExceptionLine(line.trim().to_owned());
        let mut parts = line.trim().splitn(3, char::is_whitespace);
        let date = NaiveDate::parse_from_str(parts.next().unwrap_or_default(), "%Y-%m-%d").map_err(|_| bad())?;
        let hours = match parts.next().ok_or_else(bad)? {
            h if CLOSED_WORDS.iter().any(|w| h.to_lowercase() == *w) => vec![],
            h => Interval::parse_list(h).map_err(|_| bad())?,
        };
        Ok(Exception { date, hours, label: parts.next().unwrap_or_default().trim().to_owned() })
    }
}

impl Exception {
    /// The line `parse_line` reads back, with `closed` as the word for a closed day (the form's language).
    pub fn line(&self, closed: &str) -> String {
        let hours = if self.hours.is_empty() {
            closed.to_owned()
        } else {
            self.hours.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
        };
        let line = format!("{} {hours}", self.date.format("%Y-%m-%d"));
        if self.label.is_empty() { line } else { format!("{line} {}", self.label) }
    }
}

/// Words that mark an exception's day closed, in the dashboard's languages.
pub const CLOSED_WORDS: [&str; 6] = ["closed", "geschlossen", "zu", "fermé", "ferme", "fermée"];

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line("closed"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    #[error("{0:?} is not an opening interval: use HH:MM-HH:MM, e.g. 17:30-22:30")]
    Interval(String),
    #[error(
        "{0:?} is not an exception: use a date, then 'closed' or hours, then a label, e.g. 2026-12-24 closed Heiligabend"
    )]
    ExceptionLine(String),
    #[error("opening intervals on {0} overlap")]
    Overlap(String),
    #[error("{date} is listed twice among the exceptions")]
    DuplicateException { date: NaiveDate },
    #[error("an exception label may have at most 80 characters")]
    Label,
    #[error("{field} must be between {min} and {max}")]
    OutOfRange { field: &'static str, min: u32, max: u32 },
}

/// An account's booking rules. Stored as JSON; every field has a default so older JSON keeps loading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BookingRules {
    pub hours: Week,
    pub exceptions: Vec<Exception>,
    /// Grid of offered start times, counted from each interval's opening.
    pub slot_minutes: u32,
    /// How long a visit without a service lasts.
    pub default_duration_minutes: u32,
    /// How long before its start a guest may book at the latest (staff may book up to now).
    pub lead_time_minutes: u32,
    /// How many days ahead guests may book.
    pub horizon_days: u32,
    pub max_party_size: u32,
    /// Most guests present at the same time; 0 = no limit.
    pub covers_per_slot: u32,
    /// Bookings made by guests are confirmed at once instead of waiting for staff.
    pub auto_confirm: bool,
}

impl Default for BookingRules {
    /// A restaurant closed on Mondays, open for lunch and dinner Tuesday to Saturday.
    fn default() -> Self {
        let lunch_dinner = vec![Interval::new(hm(12, 0), hm(14, 30)), Interval::new(hm(17, 30), hm(22, 30))];
        let hours = Week {
            tue: lunch_dinner.clone(),
            wed: lunch_dinner.clone(),
            thu: lunch_dinner.clone(),
            fri: lunch_dinner.clone(),
            sat: lunch_dinner,
            ..Week::default()
        };
        BookingRules {
            hours,
            exceptions: vec![],
            slot_minutes: 15,
            default_duration_minutes: 120,
            lead_time_minutes: 60,
            horizon_days: 60,
            max_party_size: 8,
            covers_per_slot: 0,
            auto_confirm: true,
        }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

fn range(field: &'static str, v: u32, min: u32, max: u32) -> Result<(), RulesError> {
    if (min..=max).contains(&v) { Ok(()) } else { Err(RulesError::OutOfRange { field, min, max }) }
}

/// Intervals of one day must not overlap one another (each taken as its span from a common date).
fn check_overlap(list: &[Interval], what: impl Fn() -> String) -> Result<(), RulesError> {
    let day = NaiveDate::default();
    let mut spans: Vec<_> = list.iter().map(|i| i.on(day)).collect();
    spans.sort();
    if spans.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err(RulesError::Overlap(what()));
    }
    Ok(())
}

impl BookingRules {
    /// Refuses rules that cannot be meant (overlaps, zero slot length, absurd limits).
    pub fn validate(&self) -> Result<(), RulesError> {
        range("slot_minutes", self.slot_minutes, 5, 240)?;
        range("default_duration_minutes", self.default_duration_minutes, 5, 24 * 60)?;
        range("lead_time_minutes", self.lead_time_minutes, 0, 30 * 24 * 60)?;
        range("horizon_days", self.horizon_days, 1, 730)?;
        range("max_party_size", self.max_party_size, 1, 1000)?;
        range("covers_per_slot", self.covers_per_slot, 0, 100_000)?;
        for d in Week::DAYS {
            check_overlap(self.hours.day(d), || d.to_string())?;
        }
        let mut dates: Vec<NaiveDate> = vec![];
        for e in &self.exceptions {
            if dates.contains(&e.date) {
                return Err(RulesError::DuplicateException { date: e.date });
            }
            dates.push(e.date);
            if e.label.chars().count() > 80 {
                return Err(RulesError::Label);
            }
            check_overlap(&e.hours, || e.date.to_string())?;
        }
        Ok(())
    }

    /// The intervals that start on `date`: its exception's if it has one, else the weekday's.
    pub fn intervals_on(&self, date: NaiveDate) -> &[Interval] {
        match self.exceptions.iter().find(|e| e.date == date) {
            Some(e) => &e.hours,
            None => self.hours.day(date.weekday()),
        }
    }

    /// The exception for `date`, if any (its label is shown on calendars).
    pub fn exception_on(&self, date: NaiveDate) -> Option<&Exception> {
        self.exceptions.iter().find(|e| e.date == date)
    }

    /// The opening span containing `at`, looking at intervals of the day before (past midnight) and of the day.
    pub fn open_span_at(&self, at: NaiveDateTime) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let day = at.date();
        [day.pred_opt(), Some(day)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.intervals_on(d).iter().map(move |i| i.on(d)))
            .find(|(s, e)| *s <= at && at < *e)
    }

    /// Grid start times on `date` (from intervals of that day and the evening before), ascending.
    pub fn slots_on(&self, date: NaiveDate) -> Vec<NaiveDateTime> {
        let step = TimeDelta::minutes(self.slot_minutes.max(1).into());
        let mut out: Vec<NaiveDateTime> = [date.pred_opt(), Some(date)]
            .into_iter()
            .flatten()
            .flat_map(|d| self.intervals_on(d).iter().map(move |i| i.on(d)))
            .flat_map(|(start, end)| {
                std::iter::successors(Some(start), move |t| Some(*t + step)).take_while(move |t| *t < end)
            })
            .filter(|t| t.date() == date)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod exception_tests {
    use super::*;

    #[test]
    fn a_closed_day_is_written_in_any_of_the_dashboards_languages() {
        for word in ["closed", "Geschlossen", "zu", "fermé", "FERME"] {
            let e = Exception::parse_line(&format!("2026-12-24 {word} Heiligabend")).unwrap();
            assert!(e.hours.is_empty() && e.label == "Heiligabend", "{word}");
        }
        let e = Exception::parse_line("2026-12-24 geschlossen Heiligabend").unwrap();
        assert_eq!(e.line("geschlossen"), "2026-12-24 geschlossen Heiligabend");
        assert_eq!(Exception::parse_line(&e.line("fermé")).unwrap(), e);
        assert!(Exception::parse_line("2026-12-24 zu").unwrap().label.is_empty());
        assert!(Exception::parse_line("2026-12-24 shut").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn intervals_parse_format_and_cross_midnight() {
        let list = Interval::parse_list(" 12:00-14:30,17:30–22:30 ").unwrap();
        assert_eq!(Interval::format_list(&list), "12:00-14:30, 17:30-22:30");
        assert_eq!(Interval::parse_list("").unwrap(), vec![]);
        let late: Interval = "18:00-02:00".parse().unwrap();
        assert_eq!(late.minutes(), 8 * 60);
        assert_eq!(late.on(dt("2026-03-13 00:00").date()).1, dt("2026-03-14 02:00"));
        assert_eq!("00:00-00:00".parse::<Interval>().unwrap().minutes(), 24 * 60);
        for bad in ["12-14", "25:00-26:00", "noon", "12:00"] {
            assert!(matches!(bad.parse::<Interval>(), Err(RulesError::Interval(_))), "{bad}");
        }
    }

    #[test]
    fn rules_round_trip_as_json_and_old_json_gets_defaults() {
        let rules = BookingRules::default();
        let json = serde_json::to_string(&rules).unwrap();
        assert!(json.contains("\"17:30-22:30\""), "{json}");
        assert_eq!(serde_json::from_str::<BookingRules>(&json).unwrap(), rules);
        let partial: BookingRules = serde_json::from_str(r#"{"max_party_size": 4}"#).unwrap();
        assert_eq!(partial.max_party_size, 4);
        assert_eq!(partial.slot_minutes, 15);
    }

    #[test]
    fn exception_lines_parse_and_print() {
        let e = Exception::parse_line("2026-12-24 closed Heiligabend").unwrap();
        assert_eq!((e.hours.len(), e.label.as_str()), (0, "Heiligabend"));
        assert_eq!(e.to_string(), "2026-12-24 closed Heiligabend");
        let e = Exception::parse_line("2026-12-31 12:00-14:00,18:00-01:00 New Year's Eve").unwrap();
        assert_eq!(e.hours.len(), 2);
        assert_eq!(Exception::parse_line(&e.to_string()).unwrap(), e);
        assert_eq!(Exception::parse_line("2026-05-01 closed").unwrap().label, "");
        for bad in ["24.12.2026 closed", "2026-12-24", "2026-12-24 lunch"] {
            assert!(matches!(Exception::parse_line(bad), Err(RulesError::ExceptionLine(_))), "{bad}");
        }
    }

    #[test]
    fn validation_refuses_overlaps_duplicates_and_out_of_range_values() {
        assert_eq!(BookingRules::default().validate(), Ok(()));
        let mut r = BookingRules::default();
        r.hours.mon = Interval::parse_list("12:00-15:00, 14:00-16:00").unwrap();
        assert_eq!(r.validate(), Err(RulesError::Overlap("Mon".into())));
        let mut r = BookingRules::default();
        r.hours.fri = Interval::parse_list("18:00-02:00, 01:00-03:00").unwrap();
        assert_eq!(r.validate(), Ok(()), "01:00 on Friday is before 18:00 the same Friday");
        r.hours.fri = Interval::parse_list("18:00-02:00, 20:00-21:00").unwrap();
        assert!(r.validate().is_err());
        let mut r = BookingRules::default();
        let x = Exception::parse_line("2026-12-24 closed").unwrap();
        r.exceptions = vec![x.clone(), x];
        assert!(matches!(r.validate(), Err(RulesError::DuplicateException { .. })));
        let mut r = BookingRules { slot_minutes: 0, ..BookingRules::default() };
        assert!(matches!(r.validate(), Err(RulesError::OutOfRange { field: "slot_minutes", .. })));
        r.slot_minutes = 15;
        r.max_party_size = 0;
        assert!(matches!(r.validate(), Err(RulesError::OutOfRange { field: "max_party_size", .. })));
        let long = Exception { label: "x".repeat(81), ..Exception::parse_line("2026-01-01 closed").unwrap() };
        let r = BookingRules { exceptions: vec![long], ..BookingRules::default() };
        assert_eq!(r.validate(), Err(RulesError::Label));
    }

    #[test]
    fn open_spans_use_exceptions_and_the_evening_before() {
        let mut r = BookingRules::default();
        r.hours.sat = Interval::parse_list("18:00-02:00").unwrap();
        r.exceptions.push(Exception::parse_line("2026-03-15 closed Sunday off").unwrap());
        // 2026-03-14 is a Saturday.
        assert_eq!(r.open_span_at(dt("2026-03-15 01:00")), Some((dt("2026-03-14 18:00"), dt("2026-03-15 02:00"))));
        assert_eq!(r.open_span_at(dt("2026-03-15 02:00")), None, "the end is exclusive");
        assert_eq!(r.open_span_at(dt("2026-03-16 13:00")), None, "Monday is closed");
        assert!(r.open_span_at(dt("2026-03-17 12:00")).is_some());
        r.exceptions.push(Exception::parse_line("2026-03-17 16:00-18:00 Special").unwrap());
        assert_eq!(r.open_span_at(dt("2026-03-17 12:00")), None);
        assert!(r.open_span_at(dt("2026-03-17 17:59")).is_some());
    }

    #[test]
    fn slots_follow_the_grid_from_each_opening() {
        let mut r = BookingRules { slot_minutes: 30, ..BookingRules::default() };
        r.hours.tue = Interval::parse_list("12:10-13:10, 23:00-01:00").unwrap();
        let tue = dt("2026-03-17 00:00").date();
        let times: Vec<String> = r.slots_on(tue).iter().map(|t| t.format("%H:%M").to_string()).collect();
        assert_eq!(times, ["12:10", "12:40", "23:00", "23:30"]);
        let wed: Vec<String> =
            r.slots_on(tue.succ_opt().unwrap()).iter().map(|t| t.format("%H:%M").to_string()).collect();
        assert_eq!(wed[..2], ["00:00", "00:30"], "past midnight belongs to Wednesday's list");
    }
}

//! Reads a date, a time and a party size from a guest's message in German, English or French,
//! following the conventions in EXTRACTION.md. Deterministic and pure: the caller supplies `now`.
//!
//! Rules run in a fixed order over one token stream and claim the tokens they use, so a number is read
//! once: written dates, then written times, then days of month, then headcounts, then hours after a
//! preposition ("um 8"), whose reading depends on what the earlier rules left over.

mod date;
mod lexicon;
mod party;
mod time;
mod token;

#[cfg(test)]
mod tests;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

use crate::Locale;

/// The extractor's locales. en-GB and en-US differ only in numeric date order (5/12 vs 12/5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ExtractLocale {
    #[serde(rename = "de")]
    De,
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "en-GB")]
    EnGb,
    #[serde(rename = "en-US")]
    EnUs,
}

impl ExtractLocale {
    pub const ALL: [ExtractLocale; 4] = [Self::De, Self::Fr, Self::EnGb, Self::EnUs];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::Fr => "fr",
            Self::EnGb => "en-GB",
            Self::EnUs => "en-US",
        }
    }
}

impl fmt::Display for ExtractLocale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown extraction locale {0:?}: expected de, fr, en, en-GB or en-US")]
pub struct UnknownExtractLocale(pub String);

impl FromStr for ExtractLocale {
    type Err = UnknownExtractLocale;
    /// Case-insensitive; "en" alone is en-GB, and "en_US" is accepted for "en-US".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let tag = s.trim().replace('_', "-");
        if tag.eq_ignore_ascii_case("en") {
            return Ok(Self::EnGb);
        }
        Self::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(&tag))
            .ok_or_else(|| UnknownExtractLocale(s.to_owned()))
    }
}

/// An account's UI language as an extraction locale; plain English reads dates the British way.
impl From<Locale> for ExtractLocale {
    fn from(l: Locale) -> Self {
        match l {
            Locale::De => Self::De,
            Locale::Fr => Self::Fr,
            Locale::En => Self::EnGb,
        }
    }
}

/// The source words behind each field, for review screens and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub date: Option<String>,
    pub time: Option<String>,
    pub party_size: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extraction {
    pub date: Option<NaiveDate>,
    #[serde(serialize_with = "hh_mm")]
    pub time: Option<NaiveTime>,
    pub party_size: Option<u16>,
    /// The guest named a date that does not exist; `date` is then `None`.
    pub refuse: bool,
    pub evidence: Evidence,
}

fn hh_mm<S: Serializer>(time: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(t) => s.collect_str(&t.format("%H:%M")),
        None => s.serialize_none(),
    }
}

/// One reading of a field: where it starts (the earliest wins), its value and its source text.
#[derive(Debug, Clone)]
struct Found<T> {
    at: usize,
    value: T,
    text: String,
}

fn first<T>(found: Vec<Found<T>>) -> Option<Found<T>> {
    found.into_iter().min_by_key(|f| f.at)
}

/// Reads `text` as of `now`, the local wall-clock time of the account.
pub fn extract(text: &str, locale: ExtractLocale, now: NaiveDateTime) -> Extraction {
    let today = now.date();
    let mut t = token::Toks::new(text);

    let mut dates = date::explicit(&mut t, locale, today);
    let mut clocks = time::explicit(&mut t, locale);
    dates.extend(date::bare_day(&mut t, today));
    let party = party::read(&mut t, locale);
    clocks.extend(time::after_preposition(&mut t, locale));

    // A written date beats a relative day, which beats a weekday (rule 8: the date wins).
    let mut evidence = Evidence::default();
    let (date, refuse) = match first(dates) {
        Some(f) => {
            evidence.date = Some(f.text);
            (f.value.ok(), f.value.is_err())
        }
        None => {
            let f = date::relative(&t, today).or_else(|| date::weekday(&t, locale, today));
            evidence.date = f.as_ref().map(|f| f.text.clone());
            (f.map(|f| f.value), false)
        }
    };

    let parts = time::day_parts(&t);
    let time = match first(clocks) {
        Some(f) => f.value.resolve(time::nearest_part(&parts, f.at)).inspect(|_| evidence.time = Some(f.text)),
        // Noon words count only when no clock time is given ("Mittag um halb eins" is 12:30).
        None => parts.iter().find(|(_, p)| *p == lexicon::DayWord::Noon).and_then(|&(i, _)| {
            evidence.time = Some(t.text(i, i));
            NaiveTime::from_hms_opt(12, 0, 0)
        }),
    };

    evidence.party_size = party.as_ref().map(|f| f.text.clone());
    Extraction { date, time, party_size: party.map(|f| f.value), refuse, evidence }
}

/// Like [`extract`], with `now` given in UTC and converted to the account's time zone.
pub fn extract_at(
    text: &str,
    locale: ExtractLocale,
    tz: chrono_tz::Tz,
    now_utc: chrono::DateTime<chrono::Utc>,
) -> Extraction {
    extract(text, locale, now_utc.with_timezone(&tz).naive_local())
}

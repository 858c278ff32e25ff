//! Clock times, the restaurant PM rule, parts of the day and noon.

use super::lexicon::{self, DayWord, RANGE_AND, RANGE_LINKS, RANGE_OPENERS, TIME_PREPOSITIONS};
use super::token::Toks;
use super::{ExtractLocale, Found, date};
use chrono::NaiveTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Meridiem {
    Am,
    Pm,
}

/// A time as written, before the PM rule: "halb acht" is 7:30 here and 19:30 once resolved.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    hour: u32,
    minute: u32,
    meridiem: Option<Meridiem>,
    /// "09:30" is 24-hour time as written.
    zero_padded: bool,
}

impl Clock {
    fn new(hour: u32, minute: u32) -> Self {
        Self { hour, minute, meridiem: None, zero_padded: false }
    }

    /// am/pm decides first, then a leading zero (24-hour as written), then the nearest part of the day,
    /// then the restaurant rule: 1–10 is evening.
    pub fn resolve(self, part: Option<DayWord>) -> Option<NaiveTime> {
        let h = self.hour;
        let hour = match (self.meridiem, part) {
            (Some(Meridiem::Am), _) if h == 12 => 0,
            (Some(Meridiem::Pm), _) if h < 12 => h + 12,
            (Some(_), _) => h,
            (None, _) if self.zero_padded => h,
            (None, Some(DayWord::Morning)) => h,
            (None, Some(DayWord::Evening)) if (1..=11).contains(&h) => h + 12,
            (None, _) if (1..=10).contains(&h) => h + 12,
            (None, _) => h,
        };
        NaiveTime::from_hms_opt(hour, self.minute, 0)
    }
}

/// A word before a bare number that makes it an hour, and "à partir de"; in French also "à" (folded
/// "a", which in English is only an article).
pub(super) fn is_preposition(t: &Toks, p: usize, locale: ExtractLocale) -> bool {
    t.is(p, TIME_PREPOSITIONS)
        || (locale == ExtractLocale::Fr && t.is(p, &["a"]))
        || (t.is(p, &["de"]) && p > 0 && t.is(p - 1, &["partir"]))
}

/// am, pm, a.m., p.m. at `i`: which, and the last index. German "am" before a day is "on the".
pub(super) fn meridiem_at(t: &Toks, i: usize, locale: ExtractLocale) -> Option<(Meridiem, usize)> {
    if t.is(i, &["pm"]) {
        return Some((Meridiem::Pm, i));
    }
    if t.is(i, &["am"]) {
        let dateish = t.is_num(i + 1)
            || t.lookup(i + 1, lexicon::weekday_with_part).is_some()
            || t.lookup(i + 1, lexicon::month).is_some()
            || (locale == ExtractLocale::De && !t.glued(i) && t.is_word(i + 1));
        return (!dateish).then_some((Meridiem::Am, i));
    }
    let m = if t.is(i, &["a"]) {
        Meridiem::Am
    } else if t.is(i, &["p"]) {
        Meridiem::Pm
    } else {
        return None;
    };
    let dotted = t.sym(i + 1, '.') && t.glued(i + 1) && t.is(i + 2, &["m"]) && t.glued(i + 2);
    let end = if t.sym(i + 3, '.') && t.glued(i + 3) { i + 3 } else { i + 2 };
    dotted.then_some((m, end))
}

/// Something at `k` that makes the number before it a clock time: ":30", "Uhr", "h", "heures",
/// "o'clock", am/pm.
pub(super) fn suffix_at(t: &Toks, k: usize, locale: ExtractLocale) -> bool {
    (t.sym(k, ':') && t.glued(k) && t.is_num(k + 1))
        || t.is(k, &["uhr", "h", "heure", "heures"])
        || (t.is(k, &["o"]) && t.is(k + 1, &["clock"]))
        || meridiem_at(t, k, locale).is_some()
}

struct Hour {
    value: u32,
    zero_padded: bool,
    in_words: bool,
}

/// An hour written as digits (0–23) or as a word (1–12); articles ("une", "ein") only when `articles`.
fn hour_at(t: &Toks, i: usize, articles: bool) -> Option<Hour> {
    if let Some(n) = t.num(i) {
        let chained = t.glued(i) && i > 0 && [':', '.', '/'].iter().any(|&c| t.sym(i - 1, c));
        let hour = Hour { value: n.value, zero_padded: n.zero_padded, in_words: false };
        return (n.digits <= 2 && n.value <= 23 && !chained).then_some(hour);
    }
    let (value, article) = t.lookup(i, lexicon::cardinal)?;
    (articles || !article).then_some(Hour { value, zero_padded: false, in_words: true })
}

/// A two-digit minute count glued or spaced after an hour, not a headcount ("19 Uhr 15 Personen").
fn minutes_at(t: &Toks, i: usize) -> Option<u32> {
    let n = t.num(i).filter(|n| n.digits == 2 && n.value <= 59)?;
    t.lookup(i + 1, lexicon::people).is_none().then_some(n.value)
}

fn hour_before(h: u32) -> u32 {
    if h <= 1 { 12 } else { h - 1 }
}

/// "halb acht", "viertel nach/vor acht", "dreiviertel acht", "half 7", "half past 7",
/// "quarter past/to 8", "midi et demi": hour, minute, last index.
fn word_clock(t: &Toks, i: usize) -> Option<(u32, u32, usize)> {
    let h12 = |k: usize| Some(hour_at(t, k, true)?.value).filter(|h| (1..=12).contains(h));
    if t.is(i, &["halb"]) {
        return Some((hour_before(h12(i + 1)?), 30, i + 1));
    }
    if t.is(i, &["dreiviertel"]) {
        return Some((hour_before(h12(i + 1)?), 45, i + 1));
    }
    if t.is(i, &["viertel", "quarter"]) {
        let past = t.is(i + 1, &["nach", "past", "after"]);
        let to = t.is(i + 1, &["vor", "to", "of", "before"]);
        let h = h12(i + 2)?;
        return match (past, to) {
            (true, _) => Some((h, 15, i + 2)),
            (_, true) => Some((hour_before(h), 45, i + 2)),
            _ => None,
        };
    }
    if t.is(i, &["half"]) {
        // British "half 7" is 7:30, like "half past 7".
        let k = if t.is(i + 1, &["past"]) { i + 2 } else { i + 1 };
        return Some((h12(k)?, 30, k));
    }
    if t.is(i, &["midi"]) && t.is(i + 1, &["et"]) {
        let m = if t.is(i + 2, &["demi", "demie"]) {
            30
        } else if t.is(i + 2, &["quart"]) {
            15
        } else {
            return None;
        };
        return Some((12, m, i + 2));
    }
    None
}

/// A clock time starting at `i` that says it is one: 19:30, 19.30, 19h30, 20 Uhr, 8 heures et demie,
/// eight o'clock, 7pm, 10 a.m., halb acht. Returns it and its last index.
fn explicit_at(t: &Toks, i: usize, locale: ExtractLocale) -> Option<(Clock, usize)> {
    let (mut clock, mut end, mut marked) = if let Some((h, m, end)) = word_clock(t, i) {
        (Clock::new(h, m), end, true)
    } else {
        let hour = hour_at(t, i, true)?;
        let mut clock = Clock { zero_padded: hour.zero_padded, ..Clock::new(hour.value, 0) };
        let glued_minutes = |sep: char| {
            (!hour.in_words && t.sym(i + 1, sep) && t.glued(i + 1) && t.glued(i + 2))
                .then(|| minutes_at(t, i + 2))
                .flatten()
        };
        // "12.50 €" is a price.
        let money = (i > 0 && lexicon::is_money(t, i - 1)) || lexicon::is_money(t, i + 3);
        let (end, marked) = if let Some(m) = glued_minutes(':') {
            clock.minute = m;
            (i + 2, true)
        } else if let Some(m) = glued_minutes('.').filter(|_| !money) {
            clock.minute = m;
            (i + 2, true)
        } else {
            (i, false)
        };
        (clock, end, marked)
    };
    // Minutes may follow the unit: "19 Uhr 30", "19h30", "8 heures et demie", "8h moins le quart".
    let minutes_written = end > i;
    if t.is(end + 1, &["uhr", "h", "heure", "heures"]) {
        end += 1;
        marked = true;
        if !minutes_written {
            if let Some(m) = minutes_at(t, end + 1) {
                clock.minute = m;
                end += 1;
            } else if t.is(end + 1, &["et"]) && t.is(end + 2, &["demi", "demie", "quart"]) {
                clock.minute = if t.is(end + 2, &["quart"]) { 15 } else { 30 };
                end += 2;
            } else if t.is(end + 1, &["moins"]) && t.is(end + 2, &["le", "quart"]) {
                let k = if t.is(end + 2, &["le"]) { end + 3 } else { end + 2 };
                if t.is(k, &["quart"]) {
                    (clock.hour, clock.minute, end) = (hour_before(clock.hour), 45, k);
                }
            }
        }
    } else if t.is(end + 1, &["o"]) && t.is(end + 2, &["clock"]) {
        end += 2;
        marked = true;
    }
    if let Some((m, e)) = meridiem_at(t, end + 1, locale) {
        clock.meridiem = Some(m);
        end = e;
        marked = true;
    }
    marked.then_some((clock, end))
}

/// Whether `link` joins two hours into a range: "-", "bis", "to", "à", or "und/and/et" after "zwischen".
fn is_range_link(t: &Toks, link: usize) -> bool {
    t.sym(link, '-') || t.is(link, RANGE_LINKS) || (t.is(link, RANGE_AND) && link >= 2 && t.is(link - 2, RANGE_OPENERS))
}

/// Times that say they are times, including the start of a range ("19-20 Uhr", "7-7:30pm"),
/// which takes the end's am/pm. Claims their tokens.
pub(super) fn explicit(t: &mut Toks, locale: ExtractLocale) -> Vec<Found<Clock>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let Some((clock, end)) = explicit_at(t, i, locale).filter(|(_, end)| t.all_free(i, *end)) else {
            i += 1;
            continue;
        };
        if i >= 2 && is_range_link(t, i - 1) && t.all_free(i - 2, i - 1) {
            // Only a plausible span: "4 - 20 Uhr" is a headcount and a time, not 4 to 8 pm.
            if let Some(h) = hour_at(t, i - 2, false).filter(|h| clock.hour >= h.value && clock.hour - h.value <= 3) {
                let start = Clock { hour: h.value, minute: 0, zero_padded: h.zero_padded, ..clock };
                out.push(Found { at: i - 2, value: start, text: t.text(i - 2, end) });
                t.take(i - 2, i - 1);
            }
        }
        out.push(Found { at: i, value: clock, text: t.text(i, end) });
        t.take(i, end);
        i = end + 1;
    }
    out
}

/// "um 8", "at 7", "gegen 19", "vers 20", "around 7", "à partir de 19": an hour after a preposition.
/// Run after the headcount rules, so "für 2" and "à deux" are already taken.
pub(super) fn after_preposition(t: &mut Toks, locale: ExtractLocale) -> Vec<Found<Clock>> {
    let mut out = Vec::new();
    for i in 1..t.len() {
        let p = i - 1;
        if !t.free(i) || !is_preposition(t, p, locale) || super::party::is_quantity(t, i) {
            continue;
        }
        let Some(hour) = hour_at(t, i, false) else {
            continue;
        };
        // French "à" takes digits only: "à deux" is a headcount.
        if hour.in_words && t.is(p, &["a"]) {
            continue;
        }
        let clock = Clock { zero_padded: hour.zero_padded, ..Clock::new(hour.value, 0) };
        out.push(Found { at: p, value: clock, text: t.text(p, i) });
        t.take(i, i);
    }
    out
}

/// Morning, evening and noon words with their positions, greetings left out.
pub(super) fn day_parts(t: &Toks) -> Vec<(usize, DayWord)> {
    let first = t.first_word();
    (0..t.len())
        .filter_map(|i| {
            let greeting = i > 0 && t.is(i - 1, &["guten", "gute", "good", "bonne"]);
            let opener = Some(i) == first && t.is(i, &["morning", "evening", "afternoon"]);
            if greeting || opener {
                return None;
            }
            let part = if t.is(i, &["morgen"]) {
                // "morgen" as a noun: "heute Morgen", "am Morgen".
                (!date::morgen_is_tomorrow(t, i)).then_some(DayWord::Morning)?
            } else if t.is(i, &["midi"]) {
                // "après-midi" is the afternoon, "midi" alone is noon.
                let apres = (1..=2).any(|d| i >= d && t.is(i - d, &["apres"]) && t.past_hyphen(i - d + 1) == i);
                if apres { DayWord::Evening } else { DayWord::Noon }
            } else if t.is(i, &["apresmidi"]) {
                DayWord::Evening
            } else {
                t.lookup(i, lexicon::day_word)
                    .or_else(|| t.lookup(i, lexicon::weekday_with_part).and_then(|(_, p)| p))?
            };
            Some((i, part))
        })
        .collect()
}

/// The morning or evening word nearest to token `at`; on a tie, evening.
pub(super) fn nearest_part(parts: &[(usize, DayWord)], at: usize) -> Option<DayWord> {
    parts
        .iter()
        .filter(|(_, p)| *p != DayWord::Noon)
        .min_by_key(|(i, p)| (i.abs_diff(at), *p == DayWord::Morning))
        .map(|(_, p)| *p)
}

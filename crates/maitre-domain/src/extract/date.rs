//! Dates: numeric and month-name dates, named days, bare days of month, relative days and weekdays.

use super::lexicon::{self, AbbrevNeeds, NEXT_DE, ORDINAL_SUFFIXES, TOMORROW};
use super::token::Toks;
use super::{ExtractLocale, Found, time};
use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A date the guest wrote that does not exist (31.02., 31 November).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Impossible;

pub(super) type DateRead = Result<NaiveDate, Impossible>;

/// Day and month as the guest wrote them; a missing year means the next occurrence from today on.
fn resolve(day: u32, month: u32, year: Option<i32>, today: NaiveDate) -> DateRead {
    let year =
        year.unwrap_or(if (month, day) < (today.month(), today.day()) { today.year() + 1 } else { today.year() });
    NaiveDate::from_ymd_opt(year, month, day).ok_or(Impossible)
}

/// Numbers in day and month range. Outside it they are no date at all, so nothing to refuse.
fn date_shaped(day: u32, month: u32) -> bool {
    (1..=31).contains(&day) && (1..=12).contains(&month)
}

/// The number is glued to a separator before it, inside a chain such as "10.0.0.1" or "030/1234/56".
fn in_chain_before(t: &Toks, i: usize) -> bool {
    t.glued(i) && i.checked_sub(1).is_some_and(|p| [':', '.', '/', '-'].iter().any(|&c| t.sym(p, c)))
}

fn chain_continues(t: &Toks, end: usize) -> bool {
    t.glued(end + 1) && [':', '.', '/', '-'].iter().any(|&c| t.sym(end + 1, c)) && t.glued(end + 2) && t.is_num(end + 2)
}

/// Dates written out: numeric, with a month name, or a named day. Claims their tokens.
pub(super) fn explicit(t: &mut Toks, locale: ExtractLocale, today: NaiveDate) -> Vec<Found<DateRead>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.len() {
        let hit = numeric(t, i, locale, today)
            .or_else(|| day_month(t, i, today))
            .or_else(|| month_day(t, i, locale, today))
            .or_else(|| named(t, i, today));
        match hit {
            Some((end, value)) if t.all_free(i, end) => {
                out.push(Found { at: i, value, text: t.text(i, end) });
                t.take(i, end);
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// 21.3., 21.03.2026, 20/03, 3/21 (en-US), 2026-03-21.
fn numeric(t: &Toks, i: usize, locale: ExtractLocale, today: NaiveDate) -> Option<(usize, DateRead)> {
    let a = t.num(i)?;
    if in_chain_before(t, i) {
        return None;
    }
    let glued_num = |k: usize| t.num(k).filter(|_| t.glued(k));
    let glued_sym = |k: usize, c: char| t.sym(k, c) && t.glued(k);
    if a.digits == 4 && glued_sym(i + 1, '-') && glued_sym(i + 3, '-') {
        let (m, d) = (glued_num(i + 2)?.value, glued_num(i + 4)?.value);
        let year = i32::try_from(a.value).ok();
        return (date_shaped(d, m) && !chain_continues(t, i + 4)).then(|| (i + 4, resolve(d, m, year, today)));
    }
    let sep = ['.', '/'].into_iter().find(|&c| glued_sym(i + 1, c))?;
    let b = glued_num(i + 2)?;
    if a.digits > 2 || b.digits > 2 {
        return None;
    }
    let (mut end, mut year) = (i + 2, None);
    if glued_sym(i + 3, sep) {
        match glued_num(i + 4) {
            Some(y) if y.digits == 4 => (end, year) = (i + 4, Some(y.value)),
            Some(y) if y.digits == 2 => (end, year) = (i + 4, Some(2000 + y.value)),
            Some(_) => return None,
            // A trailing dot marks a date: "21.3."
            None if sep == '.' => end = i + 3,
            None => {}
        }
    }
    if chain_continues(t, end) {
        return None;
    }
    // Numeric order follows the locale; dotted dates are a European habit and always day first.
    let (day, month) =
        if sep == '/' && locale == ExtractLocale::EnUs { (b.value, a.value) } else { (a.value, b.value) };
    if sep == '.' && year.is_none() {
        // "19.30", "um 12.10", "12.10 Uhr" are clock times; leave them to the time rules.
        let clock_shaped = b.digits == 2 && a.value <= 23 && b.value <= 59;
        let time_context =
            i.checked_sub(1).is_some_and(|p| time::is_preposition(t, p, locale)) || time::suffix_at(t, end + 1, locale);
        if clock_shaped && time_context {
            return None;
        }
    }
    // "24/7" is about opening hours.
    if sep == '/' && (a.value, b.value) == (24, 7) {
        return None;
    }
    let year = year.and_then(|y| i32::try_from(y).ok());
    date_shaped(day, month).then(|| (end, resolve(day, month, year, today)))
}

/// A four-digit year after a month name: "3 janvier 2027", "January 9, 2027". Returns its index.
fn year_after(t: &Toks, end: usize) -> Option<(usize, i32)> {
    let k = if t.sym(end + 1, ',') { end + 2 } else { end + 1 };
    let y = t.num(k).filter(|n| n.digits == 4 && (1900..=2100).contains(&n.value))?;
    Some((k, i32::try_from(y.value).ok()?))
}

/// Skips a glued "." or ordinal suffix after a day number ("3.", "11th", "1er").
fn after_ordinal(t: &Toks, i: usize) -> usize {
    if t.glued(i + 1) && (t.sym(i + 1, '.') || t.is(i + 1, ORDINAL_SUFFIXES)) { i + 1 } else { i }
}

/// 11th December, 3. Januar, 4 avril, 1er mai, le premier mai, the 11th of December.
fn day_month(t: &Toks, i: usize, today: NaiveDate) -> Option<(usize, DateRead)> {
    let day = match t.num(i) {
        Some(n) if n.digits <= 2 && !in_chain_before(t, i) => n.value,
        Some(_) => return None,
        None if t.is(i, &["premier"]) => 1,
        None => return None,
    };
    let mut j = after_ordinal(t, i) + 1;
    if t.is(j, &["of"]) {
        j += 1;
    }
    let month = t.lookup(j, lexicon::month)?;
    let mut end = if t.sym(j + 1, '.') && t.glued(j + 1) { j + 1 } else { j };
    let year = year_after(t, end).map(|(k, y)| {
        end = k;
        y
    });
    date_shaped(day, month).then(|| (end, resolve(day, month, year, today)))
}

/// January 9th, jan 9, Dec. 5, March the 5th.
fn month_day(t: &Toks, i: usize, locale: ExtractLocale, today: NaiveDate) -> Option<(usize, DateRead)> {
    let month = t.lookup(i, lexicon::month)?;
    let mut j = if t.sym(i + 1, '.') && t.glued(i + 1) { i + 2 } else { i + 1 };
    if t.is(j, &["the"]) {
        j += 1;
    }
    let day = t.num(j).filter(|n| n.digits <= 2)?.value;
    let mut end = after_ordinal(t, j);
    // "mar. 12 mai" is Tuesday 12 May; "May 7pm" and "Dec 5:30" are times.
    if t.lookup(end + 1, lexicon::month).is_some() || (end == j && time::suffix_at(t, j + 1, locale)) {
        return None;
    }
    let year = year_after(t, end).map(|(k, y)| {
        end = k;
        y
    });
    date_shaped(day, month).then(|| (end, resolve(day, month, year, today)))
}

/// Silvester, New Year's Eve, la Saint-Sylvestre, Heiligabend, Christmas Eve.
fn named(t: &Toks, i: usize, today: NaiveDate) -> Option<(usize, DateRead)> {
    let (end, day, month) = if t.is(i, &["silvester", "silvesterabend", "nye"]) {
        (i, 31, 12)
    } else if t.is(i, &["new"]) && t.is(i + 1, &["year", "years"]) {
        let k = if t.is(i + 2, &["s"]) { i + 3 } else { i + 2 };
        (t.is(k, &["eve"]).then_some(k)?, 31, 12)
    } else if t.is(i, &["saint", "st"]) {
        let k = (i + 1..=i + 2).find(|&k| t.is(k, &["sylvestre"]))?;
        (k, 31, 12)
    } else if t.is(i, &["heiligabend"]) {
        (i, 24, 12)
    } else if t.is(i, &["christmas"]) && t.is(i + 1, &["eve"]) {
        (i + 1, 24, 12)
    } else {
        return None;
    };
    Some((end, resolve(day, month, None, today)))
}

/// "am 28.", "den 3.", "le 28", "le 1er", "the 28th", "on the 28th": this month if still ahead, else next.
pub(super) fn bare_day(t: &mut Toks, today: NaiveDate) -> Vec<Found<DateRead>> {
    let mut out = Vec::new();
    for i in 1..t.len() {
        let Some(n) = t.num(i).filter(|n| n.digits <= 2 && (1..=31).contains(&n.value)) else {
            continue;
        };
        let end = after_ordinal(t, i);
        let marked = end > i;
        let opened = t.is(i - 1, &["am", "den", "dem", "vom", "zum", "le"]) || (marked && t.is(i - 1, &["the", "on"]));
        if !opened || !t.all_free(i, end) || t.lookup(end + 1, lexicon::people).is_some() {
            continue;
        }
        let (y, m) = if n.value >= today.day() {
            (today.year(), today.month())
        } else if today.month() == 12 {
            (today.year() + 1, 1)
        } else {
            (today.year(), today.month() + 1)
        };
        let value = NaiveDate::from_ymd_opt(y, m, n.value).ok_or(Impossible);
        out.push(Found { at: i - 1, value, text: t.text(i - 1, end) });
        t.take(i, end);
    }
    out
}

/// "morgen" means tomorrow unless it is the morning: "Guten Morgen", "heute Morgen", "am Morgen".
pub(super) fn morgen_is_tomorrow(t: &Toks, i: usize) -> bool {
    t.is(i, &["morgen"])
        && !i
            .checked_sub(1)
            .is_some_and(|p| t.is(p, &["guten", "gute", "heute", "am", "jeden", "diesen", "den", "morgen"]))
}

/// Today, tomorrow and the day after, in the three languages. The first one mentioned counts.
pub(super) fn relative(t: &Toks, today: NaiveDate) -> Option<Found<NaiveDate>> {
    (0..t.len()).find_map(|i| {
        let (days, end) = if t.is(i, &["heute", "heut", "today", "tonight", "tonite", "aujourdhui"]) {
            (0, i)
        } else if (t.is(i, &["aujourd"]) && t.is(i + 1, &["hui"]))
            || (t.is(i, &["ce"]) && t.is(i + 1, &["soir", "midi"]))
            || (t.is(i, &["this"]) && t.is(i + 1, &["morning", "afternoon", "evening"]))
        {
            (0, i + 1)
        } else if t.is(i, &["ubermorgen", "apresdemain"]) {
            (2, i)
        } else if t.is(i, &["apres"]) && t.is(t.past_hyphen(i + 1), &["demain"]) {
            (2, t.past_hyphen(i + 1))
        } else if t.is(i, &["day"]) && t.is(i + 1, &["after"]) && t.is(i + 2, TOMORROW) {
            (2, i + 2)
        } else if t.is(i, TOMORROW) || t.is(i, &["demain"]) || morgen_is_tomorrow(t, i) {
            (1, i)
        } else {
            return None;
        };
        let value = today.checked_add_days(Days::new(days))?;
        Some(Found { at: i, value, text: t.text(i, end) })
    })
}

/// "nächste Woche", "next week", "(de) (la) semaine prochaine" starting at `k`: its last index.
fn next_week_from(t: &Toks, k: usize) -> Option<usize> {
    let k = if t.is(k, &["in"]) && t.is(k + 1, &["der"]) { k + 2 } else { k };
    let k = if t.is(k, &["de"]) && t.is(k + 1, &["la"]) { k + 1 } else { k };
    let k = if t.is(k, &["la"]) { k + 1 } else { k };
    let hit = (t.is(k, NEXT_DE) && t.is(k + 1, &["woche"]))
        || (t.is(k, &["next"]) && t.is(k + 1, &["week"]))
        || (t.is(k, &["semaine"]) && t.is(k + 1, &["prochaine"]));
    hit.then_some(k + 1)
}

/// The same phrases ending at `k`: their first index.
fn next_week_until(t: &Toks, k: usize) -> Option<usize> {
    let p = k.checked_sub(1)?;
    let hit = (t.is(k, &["woche"]) && t.is(p, NEXT_DE))
        || (t.is(k, &["week"]) && t.is(p, &["next"]))
        || (t.is(k, &["prochaine"]) && t.is(p, &["semaine"]));
    if !hit {
        return None;
    }
    Some(if p > 0 && t.is(p - 1, &["la"]) { p - 1 } else { p })
}

/// A weekday, full, as a German compound ("Samstagabend") or abbreviated the way its locale writes it.
fn weekday_at(t: &Toks, i: usize, locale: ExtractLocale) -> Option<(Weekday, usize)> {
    if let Some((d, _)) = t.lookup(i, lexicon::weekday_with_part) {
        return Some((d, i));
    }
    let (d, needs) = t.lookup(i, |w| lexicon::weekday_abbrev(w, locale))?;
    let dot = t.sym(i + 1, '.') && t.glued(i + 1);
    let ok = match needs {
        AbbrevNeeds::Nothing => true,
        AbbrevNeeds::Dot => dot,
        AbbrevNeeds::DotAndCapital => dot && t.capital(i),
        AbbrevNeeds::DotOrCapital => dot || t.capital(i),
    };
    ok.then_some((d, if dot { i + 1 } else { i }))
}

/// The first weekday: the next one strictly after today, or in next calendar week when the guest says so.
pub(super) fn weekday(t: &Toks, locale: ExtractLocale, today: NaiveDate) -> Option<Found<NaiveDate>> {
    (0..t.len()).filter(|&i| t.free(i)).find_map(|i| {
        let (day, end) = weekday_at(t, i, locale)?;
        // Between the weekday and the phrase: nothing, a comma, "am", "on" or "le".
        let skip = |k: usize| t.sym(k, ',') || t.is(k, &["am", "on", "le"]);
        let after = if skip(end + 1) { end + 2 } else { end + 1 };
        let before = match i.checked_sub(1) {
            Some(p) if p > 0 && skip(p) => Some(p - 1),
            p => p,
        };
        let target = u64::from(day.num_days_from_monday());
        let today_n = u64::from(today.weekday().num_days_from_monday());
        // Calendar weeks start on Monday.
        let next_week = || today.checked_sub_days(Days::new(today_n))?.checked_add_days(Days::new(7 + target));
        let (from, to, value) = if let Some(e) = next_week_from(t, after) {
            (i, e, next_week())
        } else if let Some(s) = before.and_then(|b| next_week_until(t, b)) {
            (s, end, next_week())
        } else {
            // Strictly after today: today's own weekday is a week ahead.
            let ahead = match (target + 7 - today_n) % 7 {
                0 => 7,
                n => n,
            };
            (i, end, today.checked_add_days(Days::new(ahead)))
        };
        Some(Found { at: from, value: value?, text: t.text(from, to) })
    })
}

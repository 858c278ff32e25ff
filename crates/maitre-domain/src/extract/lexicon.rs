//! Word lists for German, English and French. Words arrive folded: lower case, no accents, ß → ss.
//! All languages are read in every locale (guests write in whatever language they like); only the
//! ambiguous weekday abbreviations are tied to a locale.

use super::ExtractLocale;
use super::token::Toks;
use chrono::Weekday::{self, Fri, Mon, Sat, Sun, Thu, Tue, Wed};

/// Cardinals up to twelve; the flag marks words that are also indefinite articles ("une table").
pub(super) fn cardinal(w: &str) -> Option<(u32, bool)> {
    let n = match w {
        "ein" | "eine" | "un" | "une" => return Some((1, true)),
        "one" | "eins" => 1,
        "two" | "zwei" | "zwo" | "deux" => 2,
        "three" | "drei" | "trois" => 3,
        "four" | "vier" | "quatre" => 4,
        "five" | "funf" | "cinq" => 5,
        "six" | "sechs" => 6,
        "seven" | "sieben" | "sept" => 7,
        "eight" | "acht" | "huit" => 8,
        "nine" | "neun" | "neuf" => 9,
        "ten" | "zehn" | "dix" => 10,
        "eleven" | "elf" | "onze" => 11,
        "twelve" | "zwolf" | "douze" => 12,
        _ => return None,
    };
    Some((n, false))
}

pub(super) const DOZEN: &[&str] = &["dozen", "dutzend", "douzaine"];

/// "zu zweit", "zu dritt", … ("zu acht" uses the cardinal).
pub(super) fn zu_ordinal(w: &str) -> Option<u32> {
    Some(match w {
        "zweit" => 2,
        "dritt" => 3,
        "viert" => 4,
        "funft" => 5,
        "sechst" => 6,
        "siebt" => 7,
        "neunt" => 9,
        "zehnt" => 10,
        "elft" => 11,
        "zwolft" => 12,
        _ => return None,
    })
}

pub(super) fn month(w: &str) -> Option<u32> {
    Some(match w {
        "january" | "jan" | "januar" | "janner" | "janvier" | "janv" => 1,
        "february" | "feb" | "februar" | "fevrier" | "fev" | "fevr" => 2,
        "march" | "mar" | "marz" | "mars" => 3,
        "april" | "apr" | "avril" | "avr" => 4,
        "may" | "mai" => 5,
        "june" | "jun" | "juni" | "juin" => 6,
        "july" | "jul" | "juli" | "juillet" | "juil" => 7,
        "august" | "aug" | "aout" => 8,
        "september" | "sep" | "sept" | "septembre" => 9,
        "october" | "oct" | "oktober" | "okt" | "octobre" => 10,
        "november" | "nov" | "novembre" => 11,
        "december" | "dec" | "dezember" | "dez" | "decembre" => 12,
        _ => return None,
    })
}

pub(super) const TOMORROW: &[&str] = &["tomorrow", "tmrw", "tmr", "tomorow", "tommorow", "tommorrow"];

/// "nächste Woche", "kommende Woche".
pub(super) const NEXT_DE: &[&str] = &["nachste", "nachster", "nachsten", "kommende", "kommender", "kommenden"];

/// Suffixes after a day number: 1st, 2nd, 3rd, 4th, 3ten, 1er, 2e, 2eme.
pub(super) const ORDINAL_SUFFIXES: &[&str] = &["st", "nd", "rd", "th", "te", "ten", "ter", "er", "re", "e", "eme"];

const GERMAN_WEEKDAYS: [(&str, Weekday); 8] = [
    ("montag", Mon),
    ("dienstag", Tue),
    ("mittwoch", Wed),
    ("donnerstag", Thu),
    ("freitag", Fri),
    ("samstag", Sat),
    ("sonnabend", Sat),
    ("sonntag", Sun),
];

fn weekday(w: &str) -> Option<Weekday> {
    Some(match w {
        "monday" | "lundi" => Mon,
        "tuesday" | "mardi" => Tue,
        "wednesday" | "mercredi" => Wed,
        "thursday" | "jeudi" => Thu,
        "friday" | "vendredi" => Fri,
        "saturday" | "samedi" => Sat,
        "sunday" | "dimanche" => Sun,
        _ => {
            return GERMAN_WEEKDAYS.iter().find(|(n, _)| *n == w).map(|(_, d)| *d);
        }
    })
}

/// A full weekday name, or a German compound such as "samstagabend" / "sonntagmittag".
pub(super) fn weekday_with_part(w: &str) -> Option<(Weekday, Option<DayWord>)> {
    if let Some(d) = weekday(w) {
        return Some((d, None));
    }
    GERMAN_WEEKDAYS.iter().find_map(|(name, d)| {
        let rest = w.strip_prefix(name)?;
        let part = if rest == "morgen" { Some(DayWord::Morning) } else { day_word(rest) };
        part.map(|p| (*d, Some(p)))
    })
}

/// How an abbreviation must be written to count: these double as everyday words ("so", "do", "mer").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AbbrevNeeds {
    Nothing,
    Dot,
    DotAndCapital,
    DotOrCapital,
}

pub(super) fn weekday_abbrev(w: &str, locale: ExtractLocale) -> Option<(Weekday, AbbrevNeeds)> {
    use AbbrevNeeds::*;
    Some(match (locale, w) {
        (ExtractLocale::De, _) => {
            let d = match w {
                "mo" => Mon,
                "di" => Tue,
                "mi" => Wed,
                "do" => Thu,
                "fr" => Fri,
                "sa" => Sat,
                "so" => Sun,
                _ => return None,
            };
            (d, DotAndCapital)
        }
        (ExtractLocale::Fr, _) => {
            let d = match w {
                "lun" => Mon,
                "mar" => Tue,
                "mer" => Wed,
                "jeu" => Thu,
                "ven" => Fri,
                "sam" => Sat,
                "dim" => Sun,
                _ => return None,
            };
            (d, Dot)
        }
        (_, "mon") => (Mon, Nothing),
        (_, "tue" | "tues") => (Tue, Nothing),
        (_, "wed" | "weds") => (Wed, Nothing),
        (_, "thu" | "thur" | "thurs") => (Thu, Nothing),
        (_, "fri") => (Fri, Nothing),
        (_, "sat") => (Sat, Nothing),
        (_, "sun") => (Sun, DotOrCapital),
        _ => return None,
    })
}

/// Parts of the day that steer the restaurant PM rule, and noon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DayWord {
    Morning,
    Evening,
    Noon,
}

/// Day-part words whose meaning does not depend on context ("morgen", "midi" and greetings do).
pub(super) fn day_word(w: &str) -> Option<DayWord> {
    Some(match w {
        "morgens" | "vormittag" | "vormittags" | "fruh" | "fruhstuck" | "morning" | "breakfast" | "brunch"
        | "matin" | "matinee" => DayWord::Morning,
        "abend" | "abends" | "nachmittag" | "nachmittags" | "evening" | "afternoon" | "tonight" | "tonite" | "soir"
        | "soiree" => DayWord::Evening,
        "mittag" | "mittags" | "noon" | "midday" => DayWord::Noon,
        _ => return None,
    })
}

/// Who a headcount noun counts; adults and children are added up, a total stands alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    Total,
    Adults,
    Children,
}

pub(super) fn people(w: &str) -> Option<Who> {
    Some(match w {
        "personen" | "person" | "pers" | "leute" | "leuten" | "gaste" | "gasten" | "gast" | "gedecke" | "pax"
        | "people" | "persons" | "ppl" | "guests" | "guest" | "covers" | "diners" | "personnes" | "personne"
        | "couverts" | "convives" | "invites" => Who::Total,
        "erwachsene" | "erwachsenen" | "erwachsener" | "erw" | "adults" | "adult" | "adultes" | "adulte" => Who::Adults,
        "kinder" | "kindern" | "kind" | "kids" | "kid" | "children" | "child" | "enfants" | "enfant" | "baby"
        | "babys" | "babies" | "bebe" | "bebes" => Who::Children,
        _ => return None,
    })
}

/// Words after a number that make it a duration, not a headcount or an hour ("für 2 Stunden").
pub(super) const DURATIONS: &[&str] = &[
    "stunden", "stunde", "std", "hours", "hour", "hrs", "minuten", "minutes", "min", "mins", "nachte", "nacht",
    "nights", "night", "nuits", "nuit", "tage", "tagen", "days", "jours", "wochen", "weeks", "semaines", "jahre",
    "years", "ans",
];

/// A currency or percent sign or word at `k`: the number beside it is an amount.
pub(super) fn is_money(t: &Toks, k: usize) -> bool {
    ['€', '$', '£', '%'].iter().any(|&c| t.sym(k, c))
        || t.is(k, &["euro", "euros", "eur", "chf", "dollar", "dollars", "usd", "pounds", "gbp"])
}

/// Words before a bare number that make it a clock hour ("um 8", "around 7", "vers 20").
/// French "à" (folded "a") is handled apart: "à deux" is a headcount.
pub(super) const TIME_PREPOSITIONS: &[&str] =
    &["um", "gegen", "ab", "nach", "zwischen", "at", "around", "by", "after", "between", "vers", "entre"];

/// Words that tie two hours into a range ("19-20 Uhr", "7 to 8pm", "de 19 à 20h").
pub(super) const RANGE_LINKS: &[&str] = &["bis", "to", "till", "til", "until", "a", "or", "oder", "ou"];

/// "und"/"and"/"et" link a range only after these.
pub(super) const RANGE_OPENERS: &[&str] = &["zwischen", "between", "entre"];
pub(super) const RANGE_AND: &[&str] = &["und", "and", "et"];

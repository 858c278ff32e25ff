//! Dates and times as guests read them in each language.
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::Locale;

const WEEKDAYS_DE: [&str; 7] = ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAYS_FR: [&str; 7] = ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// The weekday and day without the year: de "Sa., 14.03.", en "Sat 14 Mar", fr "sam. 14/03".
fn day(d: NaiveDate, locale: Locale) -> String {
    let wd = d.weekday().num_days_from_monday() as usize;
    match locale {
        Locale::De => format!("{}, {:02}.{:02}.", WEEKDAYS_DE[wd], d.day(), d.month()),
        Locale::En => format!("{} {} {}", WEEKDAYS_EN[wd], d.day(), MONTHS_EN[d.month0() as usize]),
        Locale::Fr => format!("{} {:02}/{:02}", WEEKDAYS_FR[wd], d.day(), d.month()),
    }
}

/// de "Sa., 14.03.2026", en "Sat 14 Mar 2026", fr "sam. 14/03/2026".
pub fn format_date(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::De => format!("{}{}", day(d, locale), d.year()),
        Locale::En => format!("{} {}", day(d, locale), d.year()),
        Locale::Fr => format!("{}/{}", day(d, locale), d.year()),
    }
}

/// de "19:30", en "7:30 pm", fr "19h30" (whole hours "20h").
pub fn format_time(t: NaiveTime, locale: Locale) -> String {
    let (h, m) = (t.hour(), t.minute());
    match locale {
        Locale::De => format!("{h:02}:{m:02}"),
        Locale::En => {
            let half = if h < 12 { "am" } else { "pm" };
            let h12 = if h % 12 == 0 { 12 } else { h % 12 };
            format!("{h12}:{m:02} {half}")
        }
        Locale::Fr if m == 0 => format!("{h}h"),
        Locale::Fr => format!("{h}h{m:02}"),
    }
}

/// de "Sa., 14.03.2026 um 19:30", en "Sat 14 Mar 2026 at 7:30 pm", fr "sam. 14/03/2026 à 19h30".
pub fn format_datetime(dt: NaiveDateTime, locale: Locale) -> String {
    let link = match locale {
        Locale::De => "um",
        Locale::En => "at",
        Locale::Fr => "à",
    };
    format!("{} {link} {}", format_date(dt.date(), locale), format_time(dt.time(), locale))
}

/// A suggested start, short because several go in one message: de "Sa., 14.03. 19:30".
pub(super) fn format_slot(dt: NaiveDateTime, locale: Locale) -> String {
    format!("{} {}", day(dt.date(), locale), format_time(dt.time(), locale))
}

//! The conventions of EXTRACTION.md as a table, plus robustness checks on arbitrary input.

use super::*;
use chrono::{TimeZone, Utc};

/// Tuesday.
const TUE: &str = "2026-03-10T12:00";
/// Sunday, late in the year (for year rollover).
const SUN: &str = "2026-11-29T18:00";

/// (locale, now, message, date, time, party size, refuse)
type Case = (&'static str, &'static str, &'static str, Option<&'static str>, Option<&'static str>, Option<u16>, bool);

#[rustfmt::skip]
const CASES: &[Case] = &[
    // German: relative days, weekdays, greetings.
    ("de", TUE, "Habt ihr morgen um 8 einen Tisch für 2?", Some("2026-03-11"), Some("20:00"), Some(2), false),
    ("de", TUE, "Guten Morgen! Habt ihr vegane Optionen?", None, None, None, false),
    ("de", TUE, "Habt ihr vegane Optionen?", None, None, None, false),
    ("de", TUE, "Guten Morgen, morgen um 9 für 3?", Some("2026-03-11"), Some("21:00"), Some(3), false),
    ("de", TUE, "Guten Abend, morgen um 9?", Some("2026-03-11"), Some("21:00"), None, false),
    ("de", TUE, "Morgen! Zu zweit um 19 Uhr?", Some("2026-03-11"), Some("19:00"), Some(2), false),
    ("de", TUE, "heute Abend zu dritt", Some("2026-03-10"), None, Some(3), false),
    ("de", TUE, "heute um 22 Uhr", Some("2026-03-10"), Some("22:00"), None, false),
    ("de", TUE, "übermorgen um halb acht", Some("2026-03-12"), Some("19:30"), None, false),
    ("de", TUE, "uebermorgen 20 Uhr", Some("2026-03-12"), Some("20:00"), None, false),
    ("de", TUE, "ubermorgen", Some("2026-03-12"), None, None, false),
    ("de", TUE, "ÜBERMORGEN UM HALB ACHT", Some("2026-03-12"), Some("19:30"), None, false),
    ("de", TUE, "heute oder morgen?", Some("2026-03-10"), None, None, false),
    ("de", TUE, "Freitag", Some("2026-03-13"), None, None, false),
    ("de", TUE, "freitag", Some("2026-03-13"), None, None, false),
    ("de", TUE, "am Freitag zu zweit", Some("2026-03-13"), None, Some(2), false),
    ("de", TUE, "Dienstag um 19 Uhr", Some("2026-03-17"), Some("19:00"), None, false),
    ("de", SUN, "Sonntag 18 Uhr", Some("2026-12-06"), Some("18:00"), None, false),
    ("de", TUE, "Freitag nächste Woche, 19 Uhr, 4 Personen", Some("2026-03-20"), Some("19:00"), Some(4), false),
    ("de", TUE, "Freitag naechste Woche", Some("2026-03-20"), None, None, false),
    ("de", TUE, "nächste Woche Freitag", Some("2026-03-20"), None, None, false),
    ("de", TUE, "Dienstag in der nächsten Woche", Some("2026-03-17"), None, None, false),
    ("de", SUN, "Freitag nächste Woche", Some("2026-12-04"), None, None, false),
    ("de", TUE, "nächsten Freitag", Some("2026-03-13"), None, None, false),
    ("de", TUE, "Freitag oder Samstag", Some("2026-03-13"), None, None, false),
    ("de", TUE, "nächste Woche", None, None, None, false),
    ("de", TUE, "Am Wochenende zu zweit", None, None, Some(2), false),
    ("de", TUE, "bald", None, None, None, false),
    ("de", TUE, "Fr. 19 Uhr", Some("2026-03-13"), Some("19:00"), None, false),
    ("de", TUE, "Do. ab 18 Uhr", Some("2026-03-12"), Some("18:00"), None, false),
    ("de", TUE, "So. um 12 Uhr", Some("2026-03-15"), Some("12:00"), None, false),
    ("de", TUE, "Geht das so. Wir kommen um 8", None, Some("20:00"), None, false),
    ("de", TUE, "Samstagabend um 8", Some("2026-03-14"), Some("20:00"), None, false),
    ("de", TUE, "Sonntagmittag, 4 Erwachsene und 2 Kinder", Some("2026-03-15"), Some("12:00"), Some(6), false),
    // German: written dates.
    ("de", TUE, "am 21.3. um 19.30 Uhr für 4 Personen", Some("2026-03-21"), Some("19:30"), Some(4), false),
    ("de", TUE, "21.03.2026 19:30", Some("2026-03-21"), Some("19:30"), None, false),
    ("de", TUE, "am 21.3", Some("2026-03-21"), None, None, false),
    ("de", TUE, "21.3.26", Some("2026-03-21"), None, None, false),
    ("de", SUN, "Am 3.1. kommen wir zu viert", Some("2027-01-03"), None, Some(4), false),
    ("de", SUN, "3. Januar", Some("2027-01-03"), None, None, false),
    ("de", TUE, "14. Februar 2027 um 19 Uhr", Some("2027-02-14"), Some("19:00"), None, false),
    ("de", TUE, "am 5. März", Some("2027-03-05"), None, None, false),
    ("de", TUE, "am 10. März", Some("2026-03-10"), None, None, false),
    ("de", TUE, "Freitag, den 20.3.", Some("2026-03-20"), None, None, false),
    ("de", TUE, "Freitag, den 3.4.", Some("2026-04-03"), None, None, false),
    ("de", TUE, "Sa. 14.3. 18h", Some("2026-03-14"), Some("18:00"), None, false),
    ("de", TUE, "12.10 um 19 Uhr", Some("2026-10-12"), Some("19:00"), None, false),
    ("de", TUE, "morgen um 12.10", Some("2026-03-11"), Some("12:10"), None, false),
    ("de", TUE, "Donnerstag 18.30", Some("2026-03-12"), Some("18:30"), None, false),
    ("de", TUE, "am 28.", Some("2026-03-28"), None, None, false),
    ("de", TUE, "am 5.", Some("2026-04-05"), None, None, false),
    ("de", TUE, "für den 10.", Some("2026-03-10"), None, None, false),
    ("de", SUN, "am 2. um 19 Uhr", Some("2026-12-02"), Some("19:00"), None, false),
    ("de", TUE, "Silvester, 6 Personen", Some("2026-12-31"), None, Some(6), false),
    ("de", TUE, "Heiligabend zu fünft", Some("2026-12-24"), None, Some(5), false),
    ("de", TUE, "31.02. um 20 Uhr", None, Some("20:00"), None, true),
    ("de", TUE, "31. November, 2 Pers.", None, None, Some(2), true),
    ("de", TUE, "31.04.", None, None, None, true),
    ("de", TUE, "Am 29.02. bitte", None, None, None, true),
    ("de", TUE, "29.02.2028", Some("2028-02-29"), None, None, false),
    ("de", SUN, "am 31.", None, None, None, true),
    ("de", TUE, "am 32.", None, None, None, false),
    // German: times.
    ("de", TUE, "19 Uhr", None, Some("19:00"), None, false),
    ("de", TUE, "um 19:30h", None, Some("19:30"), None, false),
    ("de", TUE, "19.30h", None, Some("19:30"), None, false),
    ("de", TUE, "um 19 Uhr 30", None, Some("19:30"), None, false),
    ("de", TUE, "um 8", None, Some("20:00"), None, false),
    ("de", TUE, "um acht", None, Some("20:00"), None, false),
    ("de", TUE, "um acht Uhr", None, Some("20:00"), None, false),
    ("de", TUE, "um 11", None, Some("11:00"), None, false),
    ("de", TUE, "11:30", None, Some("11:30"), None, false),
    ("de", TUE, "09:30", None, Some("09:30"), None, false),
    ("de", TUE, "um 09 Uhr", None, Some("09:00"), None, false),
    ("de", TUE, "halb acht", None, Some("19:30"), None, false),
    ("de", TUE, "halb neun", None, Some("20:30"), None, false),
    ("de", TUE, "halb 8", None, Some("19:30"), None, false),
    ("de", TUE, "halb eins", None, Some("12:30"), None, false),
    ("de", TUE, "halb zwölf", None, Some("11:30"), None, false),
    ("de", TUE, "viertel nach acht", None, Some("20:15"), None, false),
    ("de", TUE, "viertel vor acht", None, Some("19:45"), None, false),
    ("de", TUE, "dreiviertel acht", None, Some("19:45"), None, false),
    ("de", TUE, "morgen gegen halb acht", Some("2026-03-11"), Some("19:30"), None, false),
    ("de", TUE, "morgen früh um 9", Some("2026-03-11"), Some("09:00"), None, false),
    ("de", TUE, "Termin morgen um 10 Uhr vormittags", Some("2026-03-11"), Some("10:00"), None, false),
    ("de", TUE, "um 8 Uhr morgens", None, Some("08:00"), None, false),
    ("de", TUE, "nachmittags um 3 für 5 Personen", None, Some("15:00"), Some(5), false),
    ("de", TUE, "abends um 10", None, Some("22:00"), None, false),
    ("de", TUE, "morgen mittag zu zweit", Some("2026-03-11"), Some("12:00"), Some(2), false),
    ("de", TUE, "Mittag um halb eins", None, Some("12:30"), None, false),
    ("de", TUE, "zwischen 19 und 20 Uhr", None, Some("19:00"), None, false),
    ("de", TUE, "19-20 Uhr", None, Some("19:00"), None, false),
    ("de", TUE, "so gegen 8", None, Some("20:00"), None, false),
    ("de", TUE, "ab 19 Uhr", None, Some("19:00"), None, false),
    ("de", TUE, "nach 21", None, Some("21:00"), None, false),
    ("de", TUE, "Tisch für 20 Uhr", None, Some("20:00"), None, false),
    ("de", TUE, "um 25 Uhr", None, None, None, false),
    // German: party size.
    ("de", TUE, "wir sind zwölf Leute", None, None, Some(12), false),
    ("de", TUE, "wir sind 7", None, None, Some(7), false),
    ("de", TUE, "zu fünft", None, None, Some(5), false),
    ("de", TUE, "zu fuenft", None, None, Some(5), false),
    ("de", TUE, "morgen Abend zu acht", Some("2026-03-11"), None, Some(8), false),
    ("de", TUE, "Wir kommen um 8 zu zweit", None, Some("20:00"), Some(2), false),
    ("de", TUE, "2 Pers.", None, None, Some(2), false),
    ("de", TUE, "4 Erwachsene und 2 Kinder", None, None, Some(6), false),
    ("de", TUE, "Zwei Erwachsene, ein Kind, Samstag 18 Uhr", Some("2026-03-14"), Some("18:00"), Some(3), false),
    ("de", TUE, "für 6 Personen, davon 2 Kinder", None, None, Some(6), false),
    ("de", TUE, "Geburtstag am 5.4. mit ca. 15 Gästen", Some("2026-04-05"), None, Some(15), false),
    ("de", TUE, "Können wir um 7 kommen? Wir sind 3 Erwachsene + 1 Baby", None, Some("19:00"), Some(4), false),
    ("de", TUE, "ein Tisch für eine Person", None, None, Some(1), false),
    ("de", TUE, "Tisch für 4 - 20 Uhr", None, Some("20:00"), Some(4), false),
    ("de", TUE, "zwischen 6 und 8 Personen", None, None, Some(8), false),
    ("de", TUE, "für 2 Stunden", None, None, None, false),
    ("de", TUE, "Ich möchte einen Termin zum Haareschneiden", None, None, None, false),
    ("de", TUE, "Ruft mich an: 0171 2345678", None, None, None, false),
    ("de", TUE, "Gutschein über 50 €", None, None, None, false),
    // English (GB).
    ("en-GB", TUE, "Table for 2 tomorrow at 7", Some("2026-03-11"), Some("19:00"), Some(2), false),
    ("en-GB", TUE, "Morning! Do you have space tonight for four?", Some("2026-03-10"), None, Some(4), false),
    ("en-GB", TUE, "Good morning, can we book for 6 at 8?", None, Some("20:00"), Some(6), false),
    ("en-GB", TUE, "Friday next week, 7:30pm, party of eight", Some("2026-03-20"), Some("19:30"), Some(8), false),
    ("en-GB", TUE, "next week on Friday", Some("2026-03-20"), None, None, false),
    ("en-GB", TUE, "next Friday at 8", Some("2026-03-13"), Some("20:00"), None, false),
    ("en-GB", TUE, "this weekend", None, None, None, false),
    ("en-GB", TUE, "5/12 at 7pm", Some("2026-12-05"), Some("19:00"), None, false),
    ("en-GB", TUE, "20/03 for two", Some("2026-03-20"), None, Some(2), false),
    ("en-GB", TUE, "31/04", None, None, None, true),
    ("en-GB", TUE, "11th December at half 7", Some("2026-12-11"), Some("19:30"), None, false),
    ("en-GB", TUE, "the 11th of December", Some("2026-12-11"), None, None, false),
    ("en-GB", SUN, "2nd Jan", Some("2027-01-02"), None, None, false),
    ("en-GB", SUN, "jan 9", Some("2027-01-09"), None, None, false),
    ("en-GB", TUE, "May 5th at 7", Some("2026-05-05"), Some("19:00"), None, false),
    ("en-GB", TUE, "May I book a table for 3?", None, None, Some(3), false),
    ("en-GB", TUE, "on the 28th", Some("2026-03-28"), None, None, false),
    ("en-GB", TUE, "on Friday the 13th", Some("2026-03-13"), None, None, false),
    ("en-GB", TUE, "the day after tomorrow", Some("2026-03-12"), None, None, false),
    ("en-GB", TUE, "tomorrow or the day after", Some("2026-03-11"), None, None, false),
    ("en-GB", TUE, "New Year's Eve for a dozen", Some("2026-12-31"), None, Some(12), false),
    ("en-GB", TUE, "Christmas Eve for 4", Some("2026-12-24"), None, Some(4), false),
    ("en-GB", TUE, "quarter past 8", None, Some("20:15"), None, false),
    ("en-GB", TUE, "a quarter to 8", None, Some("19:45"), None, false),
    ("en-GB", TUE, "half past seven", None, Some("19:30"), None, false),
    ("en-GB", TUE, "tonight at 9", Some("2026-03-10"), Some("21:00"), None, false),
    ("en-GB", TUE, "10am tomorrow, just me", Some("2026-03-11"), Some("10:00"), None, false),
    ("en-GB", TUE, "Tomorrow morning at 9", Some("2026-03-11"), Some("09:00"), None, false),
    ("en-GB", TUE, "Monday morning", Some("2026-03-16"), None, None, false),
    ("en-GB", TUE, "Brunch on Sunday for 5", Some("2026-03-15"), None, Some(5), false),
    ("en-GB", TUE, "dinner on Saturday, 4 people", Some("2026-03-14"), None, Some(4), false),
    ("en-GB", TUE, "Sunday lunch, 3 of us", Some("2026-03-15"), None, Some(3), false),
    ("en-GB", TUE, "at noon", None, Some("12:00"), None, false),
    ("en-GB", TUE, "Is 12:30 pm ok", None, Some("12:30"), None, false),
    ("en-GB", TUE, "at 6", None, Some("18:00"), None, false),
    ("en-GB", TUE, "at eight o'clock on Thursday", Some("2026-03-12"), Some("20:00"), None, false),
    ("en-GB", TUE, "between 7 and 8", None, Some("19:00"), None, false),
    ("en-GB", TUE, "7-7:30pm", None, Some("19:00"), None, false),
    ("en-GB", TUE, "around 7", None, Some("19:00"), None, false),
    ("en-GB", TUE, "by 8", None, Some("20:00"), None, false),
    ("en-GB", TUE, "today at 09:00", Some("2026-03-10"), Some("09:00"), None, false),
    ("en-GB", TUE, "thu 7pm", Some("2026-03-12"), Some("19:00"), None, false),
    ("en-GB", TUE, "Sat 8pm, 3 ppl", Some("2026-03-14"), Some("20:00"), Some(3), false),
    ("en-GB", TUE, "We'd like to sit in the sun", None, None, None, false),
    ("en-GB", TUE, "Do you do gluten-free?", None, None, None, false),
    ("en-GB", TUE, "ten of us at 8pm", None, Some("20:00"), Some(10), false),
    ("en-GB", TUE, "6 ppl", None, None, Some(6), false),
    ("en-GB", TUE, "table for 6", None, None, Some(6), false),
    ("en-GB", TUE, "We're a party of eight", None, None, Some(8), false),
    ("en-GB", TUE, "Morning!", None, None, None, false),
    ("en-GB", TUE, "Do you have vegan options?", None, None, None, false),
    ("en-GB", TUE, "sat", Some("2026-03-14"), None, None, false),
    ("en-GB", TUE, "We are 5", None, None, Some(5), false),
    ("en-GB", TUE, "we're two", None, None, Some(2), false),
    ("en-GB", TUE, "a table for 2 adults and 2 kids", None, None, Some(4), false),
    ("en-GB", TUE, "2 adults and a child", None, None, Some(3), false),
    ("en-GB", TUE, "for 2 hours", None, None, None, false),
    ("en", TUE, "table for one at 1", None, Some("13:00"), Some(1), false),
    // English (US).
    ("en-US", TUE, "12/5 at 7pm", Some("2026-12-05"), Some("19:00"), None, false),
    ("en-US", TUE, "3/21 for 4", Some("2026-03-21"), None, Some(4), false),
    ("en-US", TUE, "3/21/2027", Some("2027-03-21"), None, None, false),
    ("en-US", SUN, "11/30", Some("2026-11-30"), None, None, false),
    ("en-US", TUE, "2/30", None, None, None, true),
    ("en-US", TUE, "January 9th, 6 people", Some("2027-01-09"), None, Some(6), false),
    ("en-US", TUE, "March 21 at 7:30", Some("2026-03-21"), Some("19:30"), None, false),
    ("en-US", TUE, "Dec. 5 at 7 pm", Some("2026-12-05"), Some("19:00"), None, false),
    ("en-US", TUE, "table for 2 this friday at 6", Some("2026-03-13"), Some("18:00"), Some(2), false),
    ("en-US", TUE, "between 10 and 11am", None, Some("10:00"), None, false),
    ("en-US", TUE, "Saturday at 10 a.m.", Some("2026-03-14"), Some("10:00"), None, false),
    ("en-US", TUE, "7:30 p.m.", None, Some("19:30"), None, false),
    ("en-US", TUE, "party of 12 on the 3rd", Some("2026-04-03"), None, Some(12), false),
    ("en-US", TUE, "we'll be 4", None, None, Some(4), false),
    ("en-US", TUE, "Are you open 24/7?", None, None, None, false),
    // French.
    ("fr", TUE, "Bonjour, une table pour deux ce soir à 20h", Some("2026-03-10"), Some("20:00"), Some(2), false),
    ("fr", TUE, "aujourd'hui à 12h30", Some("2026-03-10"), Some("12:30"), None, false),
    ("fr", TUE, "AUJOURD’HUI", Some("2026-03-10"), None, None, false),
    ("fr", TUE, "demain midi", Some("2026-03-11"), Some("12:00"), None, false),
    ("fr", TUE, "demain à 8", Some("2026-03-11"), Some("20:00"), None, false),
    ("fr", TUE, "dimanche midi à quatre", Some("2026-03-15"), Some("12:00"), Some(4), false),
    ("fr", TUE, "ce midi pour 3", Some("2026-03-10"), Some("12:00"), Some(3), false),
    ("fr", TUE, "après-demain à 19h30", Some("2026-03-12"), Some("19:30"), None, false),
    ("fr", TUE, "apres-demain 20h", Some("2026-03-12"), Some("20:00"), None, false),
    ("fr", TUE, "apre\u{300}s-demain", Some("2026-03-12"), None, None, false),
    ("fr", TUE, "vendredi de la semaine prochaine", Some("2026-03-20"), None, None, false),
    ("fr", TUE, "vendredi prochain", Some("2026-03-13"), None, None, false),
    ("fr", TUE, "dimanche prochain", Some("2026-03-15"), None, None, false),
    ("fr", TUE, "mardi", Some("2026-03-17"), None, None, false),
    ("fr", TUE, "samedi soir", Some("2026-03-14"), None, None, false),
    ("fr", TUE, "ven. 20h", Some("2026-03-13"), Some("20:00"), None, false),
    ("fr", TUE, "mer. 19h", Some("2026-03-11"), Some("19:00"), None, false),
    ("fr", TUE, "le 4 avril à 20h15, nous serons 5", Some("2026-04-04"), Some("20:15"), Some(5), false),
    ("fr", SUN, "3 janvier", Some("2027-01-03"), None, None, false),
    ("fr", TUE, "le 1er mai", Some("2026-05-01"), None, None, false),
    ("fr", TUE, "le 28", Some("2026-03-28"), None, None, false),
    ("fr", TUE, "5/12 à 21h", Some("2026-12-05"), Some("21:00"), None, false),
    ("fr", TUE, "30 février", None, None, None, true),
    ("fr", TUE, "30 fevrier à 20h", None, Some("20:00"), None, true),
    ("fr", TUE, "31/11", None, None, None, true),
    ("fr", TUE, "réveillon du 31 décembre pour 8", Some("2026-12-31"), None, Some(8), false),
    ("fr", TUE, "la Saint-Sylvestre", Some("2026-12-31"), None, None, false),
    ("fr", TUE, "soir a 8h", None, Some("20:00"), None, false),
    ("fr", TUE, "10h du matin", None, Some("10:00"), None, false),
    ("fr", TUE, "14h30", None, Some("14:30"), None, false),
    ("fr", TUE, "huit heures et demie", None, Some("20:30"), None, false),
    ("fr", TUE, "8h moins le quart", None, Some("19:45"), None, false),
    ("fr", TUE, "midi et demi", None, Some("12:30"), None, false),
    ("fr", TUE, "entre 19h et 20h", None, Some("19:00"), None, false),
    ("fr", TUE, "vers 20h", None, Some("20:00"), None, false),
    ("fr", TUE, "à partir de 19h", None, Some("19:00"), None, false),
    ("fr", TUE, "à partir de 19", None, Some("19:00"), None, false),
    ("fr", TUE, "cet après-midi à 3h", None, Some("15:00"), None, false),
    ("fr", TUE, "déjeuner samedi", Some("2026-03-14"), None, None, false),
    ("fr", TUE, "samedi après-midi", Some("2026-03-14"), None, None, false),
    ("fr", TUE, "demain après-midi vers 3h", Some("2026-03-11"), Some("15:00"), None, false),
    ("fr", TUE, "on sera six", None, None, Some(6), false),
    ("fr", TUE, "une table à deux ce soir", Some("2026-03-10"), None, Some(2), false),
    ("fr", TUE, "ce soir", Some("2026-03-10"), None, None, false),
    ("fr", TUE, "nous sommes 4", None, None, Some(4), false),
    ("fr", TUE, "on sera à deux demain", Some("2026-03-11"), None, Some(2), false),
    ("fr", TUE, "2 couverts pour demain soir", Some("2026-03-11"), None, Some(2), false),
    ("fr", TUE, "pour cinq", None, None, Some(5), false),
    ("fr", TUE, "une table à 8 personnes", None, None, Some(8), false),
    ("fr", TUE, "4 adultes et 2 enfants", None, None, Some(6), false),
    ("fr", TUE, "une douzaine de personnes", None, None, Some(12), false),
    ("fr", TUE, "Avez-vous des options véganes ?", None, None, None, false),
    ("fr", TUE, "Je voudrais un rendez-vous pour une coupe", None, None, None, false),
    // Noise and odd input.
    ("de", TUE, "", None, None, None, false),
    ("de", TUE, "🎉🎉 19:30 🎉", None, Some("19:30"), None, false),
    ("de", TUE, "Tisch für 4️⃣", None, None, Some(4), false),
    ("de", TUE, "1.2.3.4", None, None, None, false),
    ("de", TUE, "99:99", None, None, None, false),
    ("en-GB", TUE, "!!!???...///:::---", None, None, None, false),
];

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("fixed test time")
}

#[test]
fn every_case_in_the_table_reads_as_expected() {
    assert!(CASES.len() >= 170, "the table has {} cases", CASES.len());
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|&(locale, now, text, date, time, party, refuse)| {
            let got = extract(text, locale.parse().expect("known locale"), at(now));
            let want = (date.map(str::to_owned), time.map(str::to_owned), party, refuse);
            let have = (
                got.date.map(|d| d.to_string()),
                got.time.map(|t| t.format("%H:%M").to_string()),
                got.party_size,
                got.refuse,
            );
            (want != have)
                .then(|| format!("{locale} {now} {text:?}\n  want {want:?}\n  got  {have:?} {:?}", got.evidence))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn evidence_quotes_the_source() {
    let got = extract("Hallo! Am 21.3. um halb acht, wir sind zu viert 🙂", ExtractLocale::De, at(TUE));
    assert_eq!(got.evidence.date.as_deref(), Some("21.3."));
    assert_eq!(got.evidence.time.as_deref(), Some("halb acht"));
    assert_eq!(got.evidence.party_size.as_deref(), Some("zu viert"));
    let refused = extract("le 31/11 à 20h", ExtractLocale::Fr, at(TUE));
    assert_eq!((refused.date, refused.refuse, refused.evidence.date.as_deref()), (None, true, Some("31/11")));
}

#[test]
fn locales_parse_and_display() {
    for (tag, want) in [
        ("de", ExtractLocale::De),
        ("FR", ExtractLocale::Fr),
        ("en", ExtractLocale::EnGb),
        ("en-GB", ExtractLocale::EnGb),
        ("en_us", ExtractLocale::EnUs),
        (" en-US ", ExtractLocale::EnUs),
    ] {
        assert_eq!(tag.parse::<ExtractLocale>(), Ok(want), "{tag}");
    }
    assert!("es".parse::<ExtractLocale>().is_err());
    for l in ExtractLocale::ALL {
        assert_eq!(l.to_string().parse::<ExtractLocale>(), Ok(l));
    }
    assert_eq!(ExtractLocale::from(Locale::En), ExtractLocale::EnGb);
}

#[test]
fn extract_at_reads_today_in_the_accounts_time_zone() {
    // 23:30 UTC on Monday is already Tuesday in Berlin, still Monday in London.
    let now = Utc.with_ymd_and_hms(2026, 3, 9, 23, 30, 0).single().expect("valid instant");
    let berlin = extract_at("heute", ExtractLocale::De, chrono_tz::Europe::Berlin, now);
    let london = extract_at("today", ExtractLocale::EnGb, chrono_tz::Europe::London, now);
    assert_eq!(berlin.date.map(|d| d.to_string()).as_deref(), Some("2026-03-10"));
    assert_eq!(london.date.map(|d| d.to_string()).as_deref(), Some("2026-03-09"));
}

/// Deterministic pseudo-random text: digits, separators, umlauts, emoji, combining marks and the
/// words the rules look for, glued together in every order.
fn noise(seed: &mut u64, len: usize) -> String {
    const PIECES: &str = "0|1|2|3|9|12|19|24|31|2026|.|/|:|-|,| | |h|am|pm|a|Uhr|halb|viertel|nach|vor|um|für|zu|\
        à|de|la|le|the|of|us|morgen|Guten|heute|Freitag|Fr|nächste|Woche|next|week|semaine|prochaine|März|\
        Dezember|avril|may|Personen|Kinder|dozen|une|et|demie|moins|quart|midi|après|o'clock|ß|é|\u{301}|ü|🎉|\
        👨‍👩‍👧|日本|İ|\u{feff}|\u{202e}|مرحبا|\n|’";
    let pieces: Vec<&str> = PIECES.split('|').collect();
    let mut out = String::new();
    for _ in 0..len {
        // xorshift64
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        out.push_str(pieces[(*seed % pieces.len() as u64) as usize]);
    }
    out
}

#[test]
fn arbitrary_input_never_panics_and_evidence_is_consistent() {
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    for round in 0..4000 {
        let text = noise(&mut seed, round % 60);
        for locale in ExtractLocale::ALL {
            let got = extract(&text, locale, at(if round % 2 == 0 { TUE } else { SUN }));
            assert!(!(got.refuse && got.date.is_some()), "{text:?}");
            assert_eq!(got.date.is_some() || got.refuse, got.evidence.date.is_some(), "{text:?}");
            assert_eq!(got.time.is_some(), got.evidence.time.is_some(), "{text:?}");
            assert_eq!(got.party_size.is_some(), got.evidence.party_size.is_some(), "{text:?}");
            for quote in [&got.evidence.date, &got.evidence.time, &got.evidence.party_size].into_iter().flatten() {
                assert!(text.contains(quote.as_str()), "{quote:?} not in {text:?}");
            }
        }
    }
}

#[test]
fn long_input_is_read_in_one_pass() {
    let text = "Hallo, am 21.3. um halb acht für 4 Personen? ".repeat(20_000) + &noise(&mut 7, 20_000);
    let got = extract(&text, ExtractLocale::De, at(TUE));
    assert_eq!(got.party_size, Some(4));
    assert_eq!(got.evidence.date.as_deref(), Some("21.3."));
}

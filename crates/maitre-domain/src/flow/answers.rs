//! Reading a guest's answer to a question, by the kind of value asked for.
use super::matching::pick;
use super::model::defaults::{DATE, PARTY, TIME};
use super::{Choice, Context, Value, VarKind};
use crate::Locale;
use crate::extract::{ExtractLocale, extract};

/// A valid answer.
#[derive(Debug, PartialEq)]
pub(super) struct Answer {
    pub value: Value,
    /// Other fields the message named ("Samstag um 8 für 4" to a date question), for the default vars.
    pub also: Vec<(&'static str, Value)>,
    /// A contact field to store (name, phone, email).
    pub contact: Option<(&'static str, String)>,
}

impl Answer {
    fn plain(value: Value) -> Self {
        Answer { value, also: Vec::new(), contact: None }
    }

    fn contact(field: &'static str, value: String) -> Self {
        Answer { value: Value::Text(value.clone()), also: Vec::new(), contact: Some((field, value)) }
    }
}

/// Kinds the extractor reads; a question of such a kind may be answered by the message that started the run.
pub(super) fn is_extracted(kind: VarKind) -> bool {
    matches!(kind, VarKind::Date | VarKind::Time | VarKind::DateTime | VarKind::PartySize)
}

/// Reads `text` (or the pressed button) as an answer of `kind`; `None` when it is not a valid one.
pub(super) fn read(
    kind: VarKind,
    text: &str,
    payload: Option<&str>,
    choices: &[Choice],
    ctx: &Context,
    locale: Locale,
) -> Option<Answer> {
    let chosen = pick(choices, text, payload);
    if kind == VarKind::Choice {
        return chosen.map(|c| Answer::plain(Value::Text(c.payload().to_owned())));
    }
    let text = chosen.map_or(text, Choice::payload).trim();
    match kind {
        VarKind::Text => (!text.is_empty()).then(|| Answer::plain(Value::Text(text.to_owned()))),
        VarKind::Number => text.parse().ok().map(|n| Answer::plain(Value::Number(n))),
        VarKind::Name => name(text).map(|n| Answer::contact("name", n)),
        VarKind::Phone => phone(text).map(|p| Answer::contact("phone", p)),
        VarKind::Email => email(text).map(|e| Answer::contact("email", e)),
        _ => when(kind, text, ctx, locale),
    }
}

/// Date, time, date-time and party size through the extractor, relative to the account's local time.
fn when(kind: VarKind, text: &str, ctx: &Context, locale: Locale) -> Option<Answer> {
    let now = ctx.now.with_timezone(&ctx.tz).naive_local();
    let locale = ExtractLocale::from(locale);
    let mut x = extract(text, locale, now);
    // A bare "8" or "vier" answers "what time?" or "how many?"; read it as the extractor would after "um"/"Personen".
    if !text.contains(char::is_whitespace) {
        if kind == VarKind::Time && x.time.is_none() {
            x.time = extract(&format!("um {text}"), locale, now).time;
        }
        if kind == VarKind::PartySize && x.party_size.is_none() {
            x.party_size = extract(&format!("{text} personen"), locale, now).party_size;
        }
    }
    let date = x.date.filter(|d| *d >= now.date());
    let party = x.party_size.filter(|p| (1..=99).contains(p)).map(i64::from);
    let value = match kind {
        VarKind::Date => Value::Date(date?),
        VarKind::Time => Value::Time(x.time?),
        VarKind::DateTime => Some(date?.and_time(x.time?)).filter(|dt| *dt >= now).map(Value::DateTime)?,
        _ => Value::Number(party?),
    };
    let also = [(DATE, date.map(Value::Date)), (TIME, x.time.map(Value::Time)), (PARTY, party.map(Value::Number))]
        .into_iter()
        .filter_map(|(var, v)| Some((var, v?)))
        .collect();
    Some(Answer { value, also, contact: None })
}

/// 2 to 80 characters of letters, spaces and name punctuation ("Anne-Marie O'Neil Jr.").
fn name(text: &str) -> Option<String> {
    let len = text.chars().count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let allowed = text.chars().all(|c| c.is_alphabetic() || c.is_whitespace() || "-'’.".contains(c));
    ((2..=80).contains(&len) && letters >= 2 && allowed).then(|| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Digits with spaces, dashes, slashes, dots or brackets and an optional leading +; 6 to 15 digits. Kept compact.
fn phone(text: &str) -> Option<String> {
    let rest = text.strip_prefix('+').unwrap_or(text);
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let allowed = rest.chars().all(|c| c.is_ascii_digit() || " -/.()".contains(c));
    let plus = if rest.len() < text.len() { "+" } else { "" };
    (allowed && (6..=15).contains(&digits.len())).then(|| format!("{plus}{digits}"))
}

/// local@domain.tld, no spaces; the mail server is the real check.
fn email(text: &str) -> Option<String> {
    let (local, domain) = text.split_once('@')?;
    let labels_ok = domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    let ok = !local.is_empty()
        && !local.contains(|c: char| c.is_whitespace() || c == '@')
        && domain.contains('.')
        && labels_ok;
    ok.then(|| text.to_owned())
}

/// The localized "didn't get that" put before a question asked again.
pub(super) fn not_understood(locale: Locale) -> &'static str {
    match locale {
        Locale::De => "Das habe ich leider nicht verstanden.",
        Locale::En => "Sorry, I didn't get that.",
        Locale::Fr => "Désolé, je n'ai pas compris.",
    }
}

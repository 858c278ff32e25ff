//! Placeholders in flow texts: `{{ vars.date | date }}`, `{{ contact.first_name | default: "Gast" }}`.
//!
//! A small renderer of our own rather than minijinja: authors write Liquid's `default: "Gast"` argument syntax,
//! which Jinja does not parse; texts need paths and filters only (flows branch with nodes, not in texts); and
//! rendering runs on every message inside a per-message CPU budget of a few hundred microseconds.
use std::collections::{BTreeMap, BTreeSet};

use super::Value;
use super::format::{format_date, format_datetime, format_time};
use crate::Locale;
use crate::booking::ReservationInfo;

/// What placeholders can read.
pub struct Scope<'a> {
    pub locale: Locale,
    pub contact_name: &'a str,
    pub account_name: &'a str,
    pub review_link: Option<&'a str>,
    pub vars: &'a BTreeMap<String, Value>,
    /// The contact's upcoming reservation; one the run booked itself (kept in its vars) takes precedence.
    pub reservation: Option<&'a ReservationInfo>,
}

/// One `{{ path | filter: "arg" }}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub path: String,
    pub filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub arg: Option<String>,
}

const CONTACT_FIELDS: [&str; 2] = ["name", "first_name"];
const ACCOUNT_FIELDS: [&str; 2] = ["name", "review_link"];
const RESERVATION_FIELDS: [&str; 7] = ["starts_at", "date", "time", "party_size", "name", "id", "service"];
const FILTERS: [&str; 4] = ["date", "time", "datetime", "default"];

/// The var that marks a reservation kept by [`keep_reservation`].
pub(super) const RESERVATION_ID: &str = "reservation_id";
/// The var holding the guest's latest message, read as `{{message.text}}`.
pub(super) const MESSAGE_VAR: &str = "message";
/// The vars [`keep_reservation`] writes.
pub(super) const RESERVATION_VARS: [&str; 5] =
    [RESERVATION_ID, "reservation_starts_at", "reservation_party_size", "reservation_name", "reservation_service"];

/// Keeps a reservation the run booked, moved or cancelled in its vars, so `{{reservation.*}}` shows it before
/// the caller's context knows about it, and stored state carries it to later steps.
pub(super) fn keep_reservation(vars: &mut BTreeMap<String, Value>, r: &ReservationInfo) {
    let [id, starts_at, party_size, name, service] = RESERVATION_VARS.map(str::to_owned);
    vars.insert(id, Value::Text(r.id.clone()));
    vars.insert(starts_at, Value::DateTime(r.starts_at));
    vars.insert(party_size, Value::Number(r.party_size.into()));
    vars.insert(name, Value::Text(r.name.clone()));
    match &r.service {
        Some(s) => vars.insert(service, Value::Text(s.clone())),
        None => vars.remove(&service),
    };
}

enum Piece<'t> {
    Text(&'t str),
    /// `Err` carries the source of a malformed placeholder.
    Expr(Result<Placeholder, &'t str>),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open + 2..].find("}}") else {
            break;
        };
        if open > 0 {
            out.push(Piece::Text(&rest[..open]));
        }
        let body = &rest[open + 2..open + 2 + len];
        out.push(Piece::Expr(parse(body).ok_or(body)));
        rest = &rest[open + 4 + len..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest));
    }
    out
}

/// The template with each placeholder shown as "…": what guests read, in outline (reports quote steps so).
pub fn outline(template: &str) -> String {
    pieces(template)
        .into_iter()
        .map(|p| match p {
            Piece::Text(t) => t,
            Piece::Expr(_) => "…",
        })
        .collect()
}

fn is_ident(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits at `sep` outside quotes.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (0, None);
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == sep => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            None => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn parse(body: &str) -> Option<Placeholder> {
    let mut parts = split_unquoted(body, '|').into_iter();
    let path = parts.next()?.trim();
    if !path.split('.').all(is_ident) {
        return None;
    }
    let filters = parts.map(parse_filter).collect::<Option<_>>()?;
    Some(Placeholder { path: path.to_owned(), filters })
}

fn parse_filter(src: &str) -> Option<Filter> {
    let (name, arg) = match split_unquoted(src, ':').as_slice() {
        [name] => (name.trim(), None),
        [name, arg] => (name.trim(), Some(unquote(arg.trim())?)),
        _ => return None,
    };
    is_ident(name).then(|| Filter { name: name.to_owned(), arg })
}

fn unquote(arg: &str) -> Option<String> {
    let quoted = ['"', '\''].into_iter().find_map(|q| arg.strip_prefix(q)?.strip_suffix(q));
    match quoted {
        Some(inner) => Some(inner.to_owned()),
        None if !arg.is_empty() && !arg.contains(['"', '\'']) => Some(arg.to_owned()),
        None => None,
    }
}

/// Each placeholder in `template`, or the source of a malformed one.
pub fn placeholders(template: &str) -> Vec<Result<Placeholder, String>> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Text(_) => None,
            Piece::Expr(e) => Some(e.map_err(str::to_owned)),
        })
        .collect()
}

/// Renders `template`; unknown or malformed placeholders render as nothing.
pub fn render(template: &str, scope: &Scope) -> String {
    if !template.contains("{{") {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len());
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Expr(Ok(p)) => out.push_str(&scope.eval(&p)),
            Piece::Expr(Err(_)) => {}
        }
    }
    out
}

/// A value as guests read it in `locale`.
pub(super) fn display(v: &Value, locale: Locale) -> String {
    match v {
        Value::Text(t) => t.clone(),
        Value::Number(n) => n.to_string(),
        Value::Date(d) => format_date(*d, locale),
        Value::Time(t) => format_time(*t, locale),
        Value::DateTime(dt) => format_datetime(*dt, locale),
    }
}

/// Why `p` can never resolve, given the vars the flow sets somewhere; `None` when it can.
pub(super) fn unresolvable(p: &Placeholder, vars: &BTreeSet<String>) -> Option<String> {
    let (root, field) = p.path.split_once('.').unwrap_or((&p.path, ""));
    let known = match root {
        "contact" => CONTACT_FIELDS.contains(&field),
        "account" => ACCOUNT_FIELDS.contains(&field),
        "reservation" => RESERVATION_FIELDS.contains(&field),
        "message" => field == "text",
        "vars" if vars.contains(field) => true,
        "vars" => return Some(format!("`{}` is never set in this flow", p.path)),
        _ => {
            return Some(format!(
                "unknown placeholder `{}` (use contact., account., vars., reservation. or message.text)",
                p.path
            ));
        }
    };
    if !known {
        return Some(format!("unknown placeholder `{}`", p.path));
    }
    p.filters.iter().find_map(|f| match (f.name.as_str(), &f.arg) {
        ("default", None) => Some("the `default` filter needs a text: default: \"…\"".to_owned()),
        (name, _) if !FILTERS.contains(&name) => Some(format!("unknown filter `{name}`")),
        _ => None,
    })
}

impl Scope<'_> {
    fn eval(&self, p: &Placeholder) -> String {
        let value = p.filters.iter().fold(self.lookup(&p.path), |v, f| apply(f, v));
        value.map(|v| display(&v, self.locale)).unwrap_or_default()
    }

    fn lookup(&self, path: &str) -> Option<Value> {
        let text = |s: &str| Some(Value::Text(s.to_owned()));
        match path.split_once('.')? {
            ("contact", "name") => text(self.contact_name),
            ("contact", "first_name") => text(self.contact_name.split_whitespace().next().unwrap_or_default()),
            ("account", "name") => text(self.account_name),
            ("account", "review_link") => self.review_link.and_then(text),
            ("vars", name) => self.vars.get(name).cloned(),
            ("message", "text") => self.vars.get(MESSAGE_VAR).cloned(),
            ("reservation", field) => self.reservation_field(field),
            _ => None,
        }
    }

    fn reservation_field(&self, field: &str) -> Option<Value> {
        let kept = self.vars.contains_key(RESERVATION_ID);
        let starts_at = if kept {
            match self.vars.get("reservation_starts_at") {
                Some(Value::DateTime(at)) => Some(*at),
                _ => None,
            }
        } else {
            self.reservation.map(|r| r.starts_at)
        };
        match field {
            "starts_at" => starts_at.map(Value::DateTime),
            "date" => starts_at.map(|at| Value::Date(at.date())),
            "time" => starts_at.map(|at| Value::Time(at.time())),
            _ if kept => self.vars.get(&format!("reservation_{field}")).cloned(),
            _ => {
                let r = self.reservation?;
                match field {
                    "id" => Some(Value::Text(r.id.clone())),
                    "party_size" => Some(Value::Number(r.party_size.into())),
                    "name" => Some(Value::Text(r.name.clone())),
                    "service" => r.service.clone().map(Value::Text),
                    _ => None,
                }
            }
        }
    }
}

fn apply(f: &Filter, v: Option<Value>) -> Option<Value> {
    match (f.name.as_str(), v) {
        ("date", Some(Value::DateTime(dt))) => Some(Value::Date(dt.date())),
        ("time", Some(Value::DateTime(dt))) => Some(Value::Time(dt.time())),
        ("default", None) => f.arg.clone().map(Value::Text),
        ("default", Some(Value::Text(t))) if t.trim().is_empty() => f.arg.clone().map(Value::Text),
        // `datetime` only names the intent: a date-time already shows as one.
        (_, v) => v,
    }
}

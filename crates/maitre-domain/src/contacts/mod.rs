//! What a contact holds besides its channel identity: phone and email in one canonical form, and custom fields
//! that each account defines with a type, so every stored value has been checked against that type.
pub mod import;
mod name;
mod tag;

pub use name::name_to_keep;
pub use tag::Tag;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest text value, name or label we store.
pub const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error(
        "{0:?} is not a phone number: give it with the country code (+49 170 1234567) or as a number of the business's country"
    )]
    Phone(String),
    #[error("{0:?} is not an email address")]
    Email(String),
    #[error("{field}: {reason}")]
    Field { field: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// A phone number in E.164 form (`+` and 7 to 15 digits). Spaces, dots, dashes, slashes and parentheses are
/// dropped; `00` stands for `+`. A national number ("0171 5556667") is read with the numbering plan of `country`
/// (the business's ISO code) and must be a valid number there; without a country it is refused, since guessing
/// would merge the wrong people.
pub fn parse_phone(raw: &str, country: Option<&str>) -> Result<String, ContactError> {
    let err = || ContactError::Phone(raw.chars().take(40).collect());
    let compact: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '(' | ')')).collect();
    let Some(digits) = compact.strip_prefix('+').or_else(|| compact.strip_prefix("00")) else {
        return national(&compact, country).ok_or_else(err);
    };
    if (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0') {
        Ok(format!("+{digits}"))
    } else {
        Err(err())
    }
}

/// A national number in E.164, by libphonenumber's rules for `country` (the `phonenumber` crate carries them).
fn national(digits: &str, country: Option<&str>) -> Option<String> {
    let region: phonenumber::country::Id = country?.trim().to_ascii_uppercase().parse().ok()?;
    // No national number is longer than 17 digits (with its trunk prefix); longer text never reaches the parser.
    if !(1..=17).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = phonenumber::parse(Some(region), digits).ok()?;
    phonenumber::is_valid(&number).then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An email address checked enough to catch typos (delivery proves the rest), lower-cased.
pub fn parse_email(raw: &str) -> Result<String, ContactError> {
    let e = raw.trim();
    let valid = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid { Ok(e.to_lowercase()) } else { Err(ContactError::Email(e.chars().take(60).collect())) }
}

/// A display name or text value: trimmed, one line, bounded.
pub fn parse_text(what: &str, raw: &str, max: usize) -> Result<String, ContactError> {
    let t = raw.trim();
    if t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(ContactError::Invalid(format!("{what} must be one line of at most {max} characters")));
    }
    Ok(t.to_owned())
}

/// A guest's id on a platform as staff or files give it: 1 to 200 characters without spaces.
pub fn parse_external_id(raw: &str) -> Result<String, ContactError> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > 200 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ContactError::Invalid("the external id must be 1 to 200 characters without spaces".into()));
    }
    Ok(v.to_owned())
}

/// Longest note on a contact, in characters.
pub const MAX_NOTE: usize = 4000;

/// A staff note on a contact: trimmed, 1 to `MAX_NOTE` characters; line breaks and tabs are kept.
pub fn parse_note(raw: &str) -> Result<String, ContactError> {
    let t = raw.trim();
    if t.is_empty()
        || t.chars().count() > MAX_NOTE
        || t.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ContactError::Invalid(format!("a note needs 1 to {MAX_NOTE} characters of text")));
    }
    Ok(t.to_owned())
}

/// The type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Boolean,
    Choice,
}

impl FieldKind {
    pub const ALL: [FieldKind; 5] =
        [FieldKind::Text, FieldKind::Number, FieldKind::Date, FieldKind::Boolean, FieldKind::Choice];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Boolean => "boolean",
            FieldKind::Choice => "choice",
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldKind {
    type Err = ContactError;
    fn from_str(s: &str) -> Result<Self, ContactError> {
        FieldKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| ContactError::Invalid(format!("unknown field type {s:?}")))
    }
}

/// A custom field of one account. `key` is the stable name (used in imports and the API), `label` what staff read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    /// The allowed values of a choice field (empty for other kinds).
    pub choices: Vec<String>,
}

impl FieldDef {
    /// A new definition from what staff typed: the key is derived from the label; choices are comma-separated.
    pub fn new(label: &str, kind: FieldKind, choices: &str) -> Result<Self, ContactError> {
        let label = parse_text("the label", label, 60)?;
        let key = field_key(&label);
        if key.is_empty() {
            return Err(ContactError::Invalid("the label needs at least one letter or digit".into()));
        }
        let mut list: Vec<String> = Vec::new();
        if kind == FieldKind::Choice {
            for c in choices.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                let c = parse_text("a choice", c, 60)?;
                if !list.iter().any(|x| x.eq_ignore_ascii_case(&c)) {
                    list.push(c);
                }
            }
            if list.is_empty() {
                return Err(ContactError::Invalid("a choice field needs at least one choice".into()));
            }
        }
        Ok(FieldDef { key, label, kind, choices: list })
    }

    /// Checks a value against the field's type and returns its canonical form; an empty value means "no value".
    pub fn parse(&self, raw: &str) -> Result<Option<String>, ContactError> {
        let v = raw.trim();
        if v.is_empty() {
            return Ok(None);
        }
        let bad = |reason: String| ContactError::Field { field: self.label.clone(), reason };
        let value = match self.kind {
            FieldKind::Text => parse_text(&self.label, v, MAX_TEXT).map_err(|e| bad(e.to_string()))?,
            FieldKind::Number => {
                let n: f64 = v
                    .replace(',', ".")
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| bad(format!("{v:?} is not a number")))?;
                n.to_string()
            }
            FieldKind::Date => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| bad(format!("{v:?} is not a date (YYYY-MM-DD)")))?
                .format("%Y-%m-%d")
                .to_string(),
            FieldKind::Boolean => match v.to_lowercase().as_str() {
                "true" | "yes" | "1" | "ja" | "y" => "true".to_owned(),
                "false" | "no" | "0" | "nein" | "n" => "false".to_owned(),
                _ => return Err(bad(format!("{v:?} is not yes or no"))),
            },
            FieldKind::Choice => self
                .choices
                .iter()
                .find(|c| c.eq_ignore_ascii_case(v))
                .cloned()
                .ok_or_else(|| bad(format!("{v:?} is not one of: {}", self.choices.join(", "))))?,
        };
        Ok(Some(value))
    }
}

/// `Favourite drink` → `favourite_drink`: lower-case ASCII letters and digits joined by underscores.
pub fn field_key(label: &str) -> String {
    let mut key = String::new();
    for word in label.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(&word.to_ascii_lowercase());
    }
    key.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_become_e164_or_are_refused() {
        assert_eq!(parse_phone("+49 170 123-4567", None).unwrap(), "+491701234567");
        assert_eq!(parse_phone("0049 (170) 1234567", Some("FR")).unwrap(), "+491701234567");
        for bad in ["", "0170 1234567", "+49 170 abc", "+123", "+1234567890123456", "+0 170 1234567"] {
            assert!(parse_phone(bad, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn national_numbers_are_read_in_the_businesss_country() {
        assert_eq!(parse_phone("0171 5556667", Some("DE")).unwrap(), "+491715556667");
        assert_eq!(parse_phone("030/12345678", Some("de")).unwrap(), "+493012345678");
        assert_eq!(parse_phone("06 12 34 56 78", Some("FR")).unwrap(), "+33612345678");
        assert_eq!(parse_phone("(415) 555-2671", Some("US")).unwrap(), "+14155552671");
        assert_eq!(parse_phone("07911 123456", Some("GB")).unwrap(), "+447911123456");
        for (bad, country) in [
            ("0171 5556667", None),
            ("0171", Some("DE")),
            ("0171 555 abc", Some("DE")),
            ("06 12", Some("FR")),
            ("0171 5556667", Some("XX")),
        ] {
            assert!(parse_phone(bad, country).is_err(), "{bad} in {country:?}");
        }
        assert!(parse_phone(&"1".repeat(5000), Some("DE")).is_err(), "no endless digits reach the parser");
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(parse_email(" Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in ["", "ada", "ada@", "@x.de", "a b@x.de", "ada@localhost", "ada@x.", "a@b@c.de"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_field_kind_validates_and_canonicalises() {
        let def = |kind, choices| FieldDef::new("Favourite Drink!", kind, choices).unwrap();
        assert_eq!(def(FieldKind::Text, "").key, "favourite_drink");
        assert_eq!(def(FieldKind::Text, "").parse("  Negroni ").unwrap().as_deref(), Some("Negroni"));
        assert!(def(FieldKind::Text, "").parse(&"x".repeat(MAX_TEXT + 1)).is_err());
        assert_eq!(def(FieldKind::Number, "").parse("2,50").unwrap().as_deref(), Some("2.5"));
        assert!(def(FieldKind::Number, "").parse("two").is_err());
        assert!(def(FieldKind::Number, "").parse("inf").is_err());
        assert_eq!(def(FieldKind::Date, "").parse("2026-02-28").unwrap().as_deref(), Some("2026-02-28"));
        assert!(def(FieldKind::Date, "").parse("2026-02-30").is_err());
        assert_eq!(def(FieldKind::Boolean, "").parse("Ja").unwrap().as_deref(), Some("true"));
        assert!(def(FieldKind::Boolean, "").parse("maybe").is_err());
        let choice = def(FieldKind::Choice, "Wine, Beer, wine");
        assert_eq!(choice.choices, ["Wine", "Beer"]);
        assert_eq!(choice.parse("beer").unwrap().as_deref(), Some("Beer"));
        let err = choice.parse("Cola").unwrap_err().to_string();
        assert!(err.contains("Favourite Drink!") && err.contains("Wine, Beer"), "{err}");
        assert_eq!(choice.parse("  ").unwrap(), None, "empty clears the value");
        assert!(FieldDef::new("Drink", FieldKind::Choice, " , ").is_err());
        assert!(FieldDef::new("!!!", FieldKind::Text, "").is_err());
    }

    #[test]
    fn notes_keep_their_lines_and_are_bounded() {
        assert_eq!(
            parse_note("  Allergic to nuts.\nPrefers the terrace.  ").unwrap(),
            "Allergic to nuts.\nPrefers the terrace."
        );
        for bad in ["", "   ", "bell\u{7}"] {
            assert!(parse_note(bad).is_err(), "{bad:?}");
        }
        assert!(parse_note(&"x".repeat(MAX_NOTE + 1)).is_err());
        assert!(parse_note(&"x".repeat(MAX_NOTE)).is_ok());
    }
}

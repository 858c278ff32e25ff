//! What an account (a business) is: name, IANA time zone, locale, country, currency — parsed, not validated later.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// UI and message languages. French is read by the extractor; the UI gains it by adding a locale file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    De,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::De, Locale::Fr];
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
        }
    }
    /// Picks the first supported language from an `Accept-Language` header, ignoring weights' order subtleties.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| tag.trim().get(..2))
            .find_map(|lang| lang.parse().ok())
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Locale {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| SettingsError::Locale(s.to_owned()))
    }
}

/// ISO 4217 code, three upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Currency(String);

impl Currency {
    pub fn parse(s: &str) -> Result<Self, SettingsError> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s))
        } else {
            Err(SettingsError::Currency(s))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("the business name must be 1 to 120 characters")]
    Name,
    #[error("unknown time zone {0:?}: use an IANA name such as Europe/Berlin")]
    TimeZone(String),
    #[error("unsupported locale {0:?}: use de, en or fr")]
    Locale(String),
    #[error("invalid country {0:?}: use a two-letter ISO code such as DE")]
    Country(String),
    #[error("invalid currency {0:?}: use a three-letter ISO code such as EUR")]
    Currency(String),
}

/// A business's settings, each field parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    pub name: String,
    pub time_zone: String,
    pub locale: Locale,
    pub country: String,
    pub currency: Currency,
}

impl AccountSettings {
    pub fn parse(
        name: &str,
        time_zone: &str,
        locale: &str,
        country: &str,
        currency: &str,
    ) -> Result<Self, SettingsError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
            return Err(SettingsError::Name);
        }
        let tz: chrono_tz::Tz = time_zone.trim().parse().map_err(|_| SettingsError::TimeZone(time_zone.to_owned()))?;
        let country = country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(SettingsError::Country(country));
        }
        Ok(Self {
            name: name.to_owned(),
            time_zone: tz.name().to_owned(),
            locale: locale.parse()?,
            country,
            currency: Currency::parse(currency)?,
        })
    }

    /// Sensible defaults for a new business, derived from the sign-up locale.
    pub fn defaults_for(name: &str, locale: Locale) -> Result<Self, SettingsError> {
        let (tz, country, currency) = match locale {
            Locale::De => ("Europe/Berlin", "DE", "EUR"),
            Locale::Fr => ("Europe/Paris", "FR", "EUR"),
            Locale::En => ("Europe/London", "GB", "GBP"),
        };
        Self::parse(name, tz, locale.as_str(), country, currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_good_business() {
        let s = AccountSettings::parse(" Trattoria Roma ", "Europe/Berlin", "DE", "de", "eur").unwrap();
        assert_eq!(s.name, "Trattoria Roma");
        assert_eq!(s.locale, Locale::De);
        assert_eq!(s.country, "DE");
        assert_eq!(s.currency.as_str(), "EUR");
    }

    #[test]
    fn refuses_each_bad_field_with_its_reason() {
        let ok = ["Salon", "Europe/Paris", "fr", "FR", "EUR"];
        let cases: [(usize, &str, SettingsError); 6] = [
            (0, "  ", SettingsError::Name),
            (1, "Mars/Olympus", SettingsError::TimeZone("Mars/Olympus".into())),
            (2, "es", SettingsError::Locale("es".into())),
            (3, "DEU", SettingsError::Country("DEU".into())),
            (4, "E1R", SettingsError::Currency("E1R".into())),
            (0, "a\u{0}b", SettingsError::Name),
        ];
        for (field, value, expected) in cases {
            let mut f = ok;
            f[field] = value;
            assert_eq!(AccountSettings::parse(f[0], f[1], f[2], f[3], f[4]), Err(expected));
        }
        let long = "x".repeat(121);
        assert_eq!(AccountSettings::parse(&long, ok[1], ok[2], ok[3], ok[4]), Err(SettingsError::Name));
    }

    #[test]
    fn defaults_are_valid_for_every_locale() {
        for l in Locale::ALL {
            assert_eq!(AccountSettings::defaults_for("X", l).unwrap().locale, l);
        }
    }

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(Locale::from_accept_language("es-ES,de-DE;q=0.8,en;q=0.5"), Some(Locale::De));
        assert_eq!(Locale::from_accept_language("fr"), Some(Locale::Fr));
        assert_eq!(Locale::from_accept_language("ja, zh"), None);
        assert_eq!(Locale::from_accept_language(""), None);
    }
}

//! Every UI string goes through Fluent. Locale files live in `locales/<lang>/main.ftl` and are embedded at build
//! time; a new language is a new directory (no code change). Missing keys fall back to English.
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use maitre_domain::Locale;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would show up in plain-text emails.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static LANGS: LazyLock<HashMap<&'static str, LanguageIdentifier>> =
    LazyLock::new(|| Locale::ALL.iter().filter_map(|l| Some((l.as_str(), l.as_str().parse().ok()?))).collect());

/// A translator for one language.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    fn lang(&self) -> &'static LanguageIdentifier {
        LANGS.get(self.locale.as_str()).or_else(|| LANGS.get("en")).expect("en is always present")
    }

    pub fn t(&self, key: &str) -> String {
        LOCALES.try_lookup(self.lang(), key).unwrap_or_else(|| key.to_owned())
    }

    /// Lookup with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.tn(key, &[(name, value)])
    }

    /// Lookup with named arguments.
    pub fn tn(&self, key: &str, named: &[(&str, &str)]) -> String {
        let args: HashMap<std::borrow::Cow<'static, str>, FluentValue> =
            named.iter().map(|(k, v)| ((*k).to_owned().into(), FluentValue::from((*v).to_owned()))).collect();
        LOCALES.try_lookup_with_args(self.lang(), key, &args).unwrap_or_else(|| key.to_owned())
    }
}

/// The UI languages that have a translation file (the language picker offers these).
pub fn ui_locales() -> Vec<Locale> {
    let available: Vec<String> = LOCALES.locales().map(|l| l.to_string()).collect();
    Locale::ALL.into_iter().filter(|l| available.iter().any(|a| a == l.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_german_exist_and_differ() {
        assert!(ui_locales().contains(&Locale::En) && ui_locales().contains(&Locale::De));
        let (en, de) = (Tr::new(Locale::En), Tr::new(Locale::De));
        assert_eq!(en.t("nav-sign-out"), "Sign out");
        assert_eq!(de.t("nav-sign-out"), "Abmelden");
    }

    #[test]
    fn every_english_key_is_translated_to_german() {
        let keys = |src: &str| -> Vec<String> {
            src.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or_default().to_owned())
                .collect()
        };
        let en = keys(include_str!("../locales/en/main.ftl"));
        let de = keys(include_str!("../locales/de/main.ftl"));
        let missing: Vec<_> = en.iter().filter(|k| !de.contains(k)).collect();
        assert!(missing.is_empty(), "missing in de: {missing:?}");
        assert!(en.len() > 40);
    }

    #[test]
    fn a_language_without_a_file_falls_back_to_english() {
        assert_eq!(Tr::new(Locale::Fr).t("nav-sign-out"), "Sign out");
        assert_eq!(Tr::new(Locale::En).t1("flash-welcome", "name", "Ada"), "Welcome, Ada!");
    }
}

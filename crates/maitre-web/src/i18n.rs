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

    /// The word of a fixed vocabulary in the reader's language: `prefix` and the word make the key.
    pub fn word(&self, prefix: &str, word: &str) -> String {
        self.t(&format!("{prefix}{word}"))
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
    fn english_german_and_french_exist_and_differ() {
        assert_eq!(ui_locales(), [Locale::En, Locale::De, Locale::Fr]);
        let (en, de, fr) = (Tr::new(Locale::En), Tr::new(Locale::De), Tr::new(Locale::Fr));
        assert_eq!(en.t("nav-sign-out"), "Sign out");
        assert_eq!(de.t("nav-sign-out"), "Abmelden");
        assert_eq!(fr.t("nav-sign-out"), "Se déconnecter");
        assert_eq!(fr.t1("flash-welcome", "name", "Ada"), "Bienvenue, Ada !");
    }

    /// Every language has exactly English's keys: none missing (it would show in English), none left over.
    #[test]
    fn every_language_has_the_same_keys() {
        let keys = |src: &str| -> std::collections::BTreeSet<String> {
            src.lines()
                .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
                .map(|l| l.split(" =").next().unwrap_or_default().to_owned())
                .collect()
        };
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert!(en.len() > 40);
        for (lang, src) in
            [("de", include_str!("../locales/de/main.ftl")), ("fr", include_str!("../locales/fr/main.ftl"))]
        {
            let other = keys(src);
            let missing: Vec<_> = en.difference(&other).collect();
            let extra: Vec<_> = other.difference(&en).collect();
            assert!(missing.is_empty() && extra.is_empty(), "{lang}: missing {missing:?}, extra {extra:?}");
        }
        // Every message without arguments parses: one Fluent could not read would show as its key.
        let plain: Vec<&str> = include_str!("../locales/en/main.ftl")
            .lines()
            .filter(|l| l.contains(" =") && !l.contains("{ $"))
            .filter_map(|l| l.split(" =").next().filter(|k| en.contains(*k)))
            .collect();
        assert!(plain.len() > 400);
        for locale in Locale::ALL {
            let unreadable: Vec<_> = plain.iter().filter(|k| Tr::new(locale).t(k) == **k).collect();
            assert!(unreadable.is_empty(), "{locale:?}: {unreadable:?}");
        }
    }

    #[test]
    fn a_label_and_its_value_are_set_apart_as_each_language_does() {
        let colon = |l| Tr::new(l).t("colon");
        assert_eq!([colon(Locale::En), colon(Locale::De), colon(Locale::Fr)], [": ", ": ", "\u{202F}: "]);
    }

    #[test]
    fn arguments_fill_in_and_an_unknown_key_shows_itself() {
        assert_eq!(Tr::new(Locale::En).t1("flash-welcome", "name", "Ada"), "Welcome, Ada!");
        assert_eq!(Tr::new(Locale::Fr).t("no-such-key"), "no-such-key");
    }
}

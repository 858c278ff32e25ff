//! Ready-made flows an account can start from, shipped as JSON in the flow format authors edit.
use serde::Serialize;

use super::FlowDef;
use crate::Locale;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub key: &'static str,
    pub name: &'static str,
    pub locale: Locale,
    pub def: FlowDef,
}

const SOURCES: [(&str, &str, Locale, &str); 5] = [
    ("restaurant_de", "Tischreservierung", Locale::De, include_str!("templates/restaurant_de.json")),
    ("restaurant_en", "Table reservation", Locale::En, include_str!("templates/restaurant_en.json")),
    ("salon_appointment", "Friseurtermin", Locale::De, include_str!("templates/salon_appointment.json")),
    ("practice_appointment", "Practice appointment", Locale::En, include_str!("templates/practice_appointment.json")),
    ("review_request", "Bewertung nach dem Besuch", Locale::De, include_str!("templates/review_request.json")),
];

/// All templates. They are part of the binary and covered by tests, so parsing cannot fail at run time.
pub fn templates() -> Vec<Template> {
    SOURCES
        .iter()
        .map(|&(key, name, locale, json)| {
            let def = serde_json::from_str(json).unwrap_or_else(|e| panic!("template {key} does not parse: {e}"));
            Template { key, name, locale, def }
        })
        .collect()
}

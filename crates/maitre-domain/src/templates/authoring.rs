//! From the texts a business writes (with maitre's placeholders) to a template in Meta's form with its examples.
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{
    ButtonAction, TemplateButton, TemplateCategory, TemplateContent, TemplateError, normalize_language, valid_name,
};
use crate::Locale;
use crate::booking::ReservationInfo;
use crate::flow::{Scope, placeholders};

/// A template as the business writes it: `{{contact.first_name}}` and the like where values go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authored {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<TemplateButton>,
    /// What each quick-reply button does when the template is about a booking, in order (missing: reply).
    pub actions: Vec<ButtonAction>,
}

/// What is submitted to Meta and what maitre keeps to fill it later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub name: String,
    pub language: String,
    pub category: TemplateCategory,
    /// Positional variables (`{{1}}`, `{{2}}` …, numbered per component as Meta does).
    pub content: TemplateContent,
    /// The placeholder (with its filters) behind each variable: the header's first, then the body's in order.
    pub bindings: Vec<String>,
    /// An example value per variable, in the same order (review rejects templates without them).
    pub examples: Vec<String>,
    /// What each quick-reply button does (see [`Authored::actions`]).
    pub actions: Vec<ButtonAction>,
}

/// The placeholders maitre fills for a guest outside a flow (templates, messages about a booking).
pub(crate) const KNOWN: [&str; 11] = [
    "contact.name",
    "contact.first_name",
    "account.name",
    "account.review_link",
    "reservation.date",
    "reservation.time",
    "reservation.starts_at",
    "reservation.party_size",
    "reservation.name",
    "reservation.service",
    "reservation.id",
];

/// Checks the template and turns its placeholders into Meta's variables. `locale` and `account_name` shape the
/// example values (a date as guests of that language read it).
pub fn compile(a: &Authored, locale: Locale, account_name: &str) -> Result<Compiled, TemplateError> {
    if !valid_name(&a.name) {
        return Err(TemplateError::Name);
    }
    let language = normalize_language(&a.language).ok_or_else(|| TemplateError::Language(a.language.clone()))?;
    // One-time-code templates need Meta's preset text and buttons, which maitre does not offer.
    if a.category == TemplateCategory::Authentication {
        return Err(TemplateError::Category(a.category.as_str().to_owned()));
    }
    let mut bindings = Vec::new();
    let clean = |t: &Option<String>| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let header = clean(&a.header).map(|h| numbered(&h, &mut bindings)).transpose()?;
    let body = numbered(a.body.trim(), &mut bindings)?;
    let content = TemplateContent {
        parameter_format: super::ParameterFormat::Positional,
        header,
        body,
        footer: clean(&a.footer),
        buttons: a.buttons.clone(),
    };
    content.validate()?;
    let owned = Sample::new(locale, account_name);
    let scope = owned.scope();
    let examples = bindings.iter().map(|b| example(b, &scope)).collect();
    let mut actions = a.actions.clone();
    actions.resize(content.quick_reply_count(), ButtonAction::Reply);
    Ok(Compiled { name: a.name.clone(), language, category: a.category, content, bindings, examples, actions })
}

/// Replaces each placeholder of `text` by the next positional variable of its component, noting its binding.
fn numbered(text: &str, bindings: &mut Vec<String>) -> Result<String, TemplateError> {
    let start = bindings.len();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(len) = rest[open + 2..].find("}}") else { break };
        let inner = rest[open + 2..open + 2 + len].trim();
        let path = match placeholders(&format!("{{{{{inner}}}}}")).pop() {
            Some(Ok(p)) => p.path,
            _ => return Err(TemplateError::UnknownPlaceholder(inner.to_owned())),
        };
        if !KNOWN.contains(&path.as_str()) {
            return Err(TemplateError::UnknownPlaceholder(inner.to_owned()));
        }
        bindings.push(inner.to_owned());
        out.push_str(&rest[..open]);
        out.push_str(&format!("{{{{{}}}}}", bindings.len() - start));
        rest = &rest[open + 4 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A binding's value for the sample guest; never empty, since review needs an example for every variable.
fn example(binding: &str, scope: &Scope) -> String {
    let value = super::bound_value(binding, scope);
    if value.trim().is_empty() { binding.rsplit('.').next().unwrap_or(binding).replace('_', " ") } else { value }
}

/// The sample guest and booking examples and previews are made with.
pub(super) struct Sample {
    locale: Locale,
    account_name: String,
    vars: BTreeMap<String, crate::flow::Value>,
    reservation: ReservationInfo,
}

impl Sample {
    pub(super) fn new(locale: Locale, account_name: &str) -> Self {
        let starts_at =
            NaiveDate::from_ymd_opt(2026, 12, 24).and_then(|d| d.and_hms_opt(19, 30, 0)).unwrap_or_default();
        let service = match locale {
            Locale::De => "Tisch im Garten",
            Locale::Fr => "Table en terrasse",
            Locale::En => "Garden table",
        };
        let reservation = ReservationInfo {
            id: "R-1042".into(),
            starts_at,
            duration: 120,
            party_size: 4,
            status: "confirmed".into(),
            name: "Alex Martin".into(),
            service: Some(service.into()),
        };
        Self { locale, account_name: account_name.to_owned(), vars: BTreeMap::new(), reservation }
    }

    pub(super) fn scope(&self) -> Scope<'_> {
        Scope {
            locale: self.locale,
            contact_name: "Alex Martin",
            account_name: &self.account_name,
            review_link: Some("https://g.page/r/example"),
            vars: &self.vars,
            reservation: Some(&self.reservation),
        }
    }
}

/// What a guest would read: a template whose variables maitre fills, for the sample guest; any other with "…" where
/// staff type values.
pub fn sample_preview(content: &TemplateContent, bindings: &[String], locale: Locale, account_name: &str) -> String {
    let filled = if bindings.len() == content.variable_count() {
        super::fill_by_hand(content, &sample_values(locale, account_name, bindings)).unwrap_or_default()
    } else {
        super::Filled::default()
    };
    super::preview(content, &filled)
}

/// The sample guest's values for `bindings` (a preview of a bound template).
pub fn sample_values(locale: Locale, account_name: &str, bindings: &[String]) -> Vec<String> {
    let owned = Sample::new(locale, account_name);
    let scope = owned.scope();
    bindings.iter().map(|b| example(b, &scope)).collect()
}

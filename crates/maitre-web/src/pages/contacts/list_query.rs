//! The contacts list's query string: search, tag, the days guests were added (an analytics figure's list) and the
//! page after which to list, read the same way by the list and its export.
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use maitre_domain::metrics::report::Period;
use maitre_store::{ContactQuery, InvalidCursor};
use serde::{Deserialize, Serialize};

use crate::auth::Member;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::pages::analytics_query::{drill_days, instants};
use crate::pages::reservations::account_tz;

/// The list's query string; the "Later" link and the export carry it forward.
#[derive(Deserialize, Serialize, Clone, Default)]
pub(super) struct Filters {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tag: String,
    /// Added on these days of the business (YYYY-MM-DD, both included): the analytics' new contacts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

impl Filters {
    pub fn query(&self, m: &Member, limit: i64) -> Result<ContactQuery<'_>, AppError> {
        let after = match self.after.as_str() {
            "" => None,
            s => Some(s.parse().map_err(|e: InvalidCursor| AppError::BadRequest(e.to_string()))?),
        };
        let added = self.added(m)?.map(|p| instants(p, account_tz(m)));
        Ok(ContactQuery { search: Some(&self.q), tag: Some(&self.tag), added, after, limit })
    }

    /// The business's days whose new contacts are listed.
    pub fn added(&self, m: &Member) -> Result<Option<Period>, AppError> {
        let bad = || AppError::BadRequest(Tr::new(m.signed.user.locale).t("inbox-bad-days"));
        drill_days(&self.from, &self.to).map_err(|_| bad())
    }
}

pub(super) fn filters(params: Result<Query<Filters>, QueryRejection>) -> Result<Filters, AppError> {
    params.map(|Query(f)| f).map_err(|e| AppError::BadRequest(e.body_text()))
}

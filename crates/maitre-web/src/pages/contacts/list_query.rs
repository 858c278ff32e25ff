//! The contacts list's query string: search, tag, segment, the days guests were added, opted out or in, came back or came
//! again (an analytics figure's list) and the page after which to list, read the same way by the list and its
//! export.
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use maitre_domain::metrics::report::Period;
use maitre_domain::segments::SegmentRules;
use maitre_store::{ContactEvent, ContactQuery, InvalidCursor};
use serde::{Deserialize, Serialize};

use crate::auth::Member;
use crate::error::{AppError, found};
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
    /// A segment's id: only its contacts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub segment: String,
    /// Did `event` (`maitre_store::ContactEvent`, added when empty) on these days of the business (YYYY-MM-DD,
    /// both included): the guests behind an analytics figure.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub after: String,
}

impl Filters {
    /// The list's query; `segment` is the rules of the segment named by `self.segment` (see `segment_rules`).
    pub fn query<'a>(
        &'a self,
        m: &Member,
        limit: i64,
        segment: Option<&'a SegmentRules>,
    ) -> Result<ContactQuery<'a>, AppError> {
        let after = match self.after.as_str() {
            "" => None,
            s => Some(s.parse().map_err(|e: InvalidCursor| AppError::BadRequest(e.to_string()))?),
        };
        let happened = self.happened(m)?.map(|(event, p)| {
            let (from, to) = instants(p, account_tz(m));
            (event, from, to)
        });
        Ok(ContactQuery { search: Some(&self.q), tag: Some(&self.tag), happened, after, limit, segment })
    }

    /// The rules of the segment the list is narrowed to; an unknown segment is NotFound.
    pub async fn segment_rules(&self, m: &Member) -> Result<Option<SegmentRules>, AppError> {
        if self.segment.is_empty() {
            return Ok(None);
        }
        Ok(Some(m.tenant.segments().get(found(&self.segment)?).await?.rules))
    }

    /// What the listed guests did, and on which of the business's days (an event needs days).
    pub fn happened(&self, m: &Member) -> Result<Option<(ContactEvent, Period)>, AppError> {
        let tr = Tr::new(m.signed.user.locale);
        let days = drill_days(&self.from, &self.to).map_err(|_| AppError::BadRequest(tr.t("inbox-bad-days")))?;
        let event = ContactEvent::parse(&self.event).filter(|_| days.is_some() || self.event.is_empty());
        let event = event.ok_or_else(|| AppError::BadRequest(tr.t("contacts-bad-event")))?;
        Ok(days.map(|d| (event, d)))
    }
}

pub(super) fn filters(params: Result<Query<Filters>, QueryRejection>) -> Result<Filters, AppError> {
    params.map(|Query(f)| f).map_err(|e| AppError::BadRequest(e.body_text()))
}

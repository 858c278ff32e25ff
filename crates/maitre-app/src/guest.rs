//! What placeholders read about one guest (`{{contact.first_name}}`, `{{account.name}}`, `{{reservation.time}}`),
//! loaded once for a reply by hand, a template or an automatic message.
use std::collections::BTreeMap;

use maitre_domain::booking::ReservationInfo;
use maitre_domain::flow::{Scope, Value};
use maitre_domain::{ContactId, Locale};
use maitre_store::{StoreError, TenantStore};

pub(crate) struct GuestFacts {
    locale: Locale,
    account_name: String,
    review_link: String,
    contact_name: String,
    reservation: Option<ReservationInfo>,
    vars: BTreeMap<String, Value>,
}

impl GuestFacts {
    /// The facts about `contact`, with `reservation`, or else the guest's next upcoming one.
    pub(crate) async fn load(
        tenant: &TenantStore,
        contact: ContactId,
        contact_name: &str,
        reservation: Option<ReservationInfo>,
    ) -> Result<Self, StoreError> {
        let account = tenant.account().await?;
        let review_link = tenant.reservations().booking_settings().await?.review_link;
        let reservation = match reservation {
            Some(r) => Some(r),
            None => tenant.reservations().upcoming_for_contact(contact).await?.first().map(|r| r.info()),
        };
        Ok(Self {
            locale: account.settings.locale,
            account_name: account.settings.name,
            review_link,
            contact_name: contact_name.to_owned(),
            reservation,
            vars: BTreeMap::new(),
        })
    }

    /// The business's language, which the facts read dates in unless told otherwise.
    pub(crate) fn locale(&self) -> Locale {
        self.locale
    }

    /// Dates and times as guests of `locale` read them (a message in the guest's language, not the business's).
    pub(crate) fn in_locale(mut self, locale: Locale) -> Self {
        self.locale = locale;
        self
    }

    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            locale: self.locale,
            contact_name: &self.contact_name,
            account_name: &self.account_name,
            review_link: Some(self.review_link.as_str()).filter(|l| !l.is_empty()),
            vars: &self.vars,
            reservation: self.reservation.as_ref(),
        }
    }
}

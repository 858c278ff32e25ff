//! The create and edit form: a refused slot is shown with its reason and the free starts nearby.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use maitre_domain::booking::{ReservationRequest, ReservationStatus};
use maitre_domain::{AccountId, Action};
use maitre_store::{Booking, GuestMessageEntry, GuestOutcome, Origin, Reservation, Source};
use serde::Deserialize;

use super::{Row, account_tz, alt_label, alternatives, refusal_text, row};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::url::filters;
use crate::pages::{Ctx, PageEnv, Times, render};

/// The create/edit form. `slot` is set by an alternative's button and wins over `date` and `time`.
#[derive(Deserialize, Default)]
pub(super) struct ReservationForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    party_size: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    notes: String,
    /// Why staff book outside the hours or capacity; with `force`, the slot is not checked.
    #[serde(default)]
    anyway: String,
    #[serde(default)]
    force: String,
}

impl ReservationForm {
    fn of(r: &Reservation) -> Self {
        ReservationForm {
            date: r.local_start.format("%Y-%m-%d").to_string(),
            time: r.local_start.format("%H:%M").to_string(),
            slot: String::new(),
            party_size: r.party_size.to_string(),
            service: r.service.clone().unwrap_or_default(),
            name: r.name.clone(),
            phone: r.phone.clone(),
            email: r.email.clone(),
            notes: r.notes.clone(),
            ..ReservationForm::default()
        }
    }

    fn request(&self, tr: &Tr) -> Result<ReservationRequest, String> {
        let starts_at = match self.slot.as_str() {
            "" => NaiveDate::parse_from_str(self.date.trim(), "%Y-%m-%d")
                .ok()
                .zip(NaiveTime::parse_from_str(self.time.trim(), "%H:%M").ok())
                .map(|(d, t)| d.and_time(t)),
            s => NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok(),
        }
        .ok_or_else(|| tr.t("res-error-when"))?;
        let party_size = self.party_size.trim().parse().map_err(|_| tr.t("res-error-party"))?;
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(ReservationRequest {
            starts_at,
            party_size,
            service: opt(&self.service),
            name: self.name.clone(),
            phone: opt(&self.phone),
            email: opt(&self.email),
            notes: self.notes.clone(),
        })
    }
}

struct Alternative {
    value: String,
    label: String,
}

#[derive(Template)]
#[template(path = "reservations/form.html")]
struct FormPage {
    ctx: Ctx,
    account: AccountId,
    /// None when creating.
    existing: Option<Row>,
    form: ReservationForm,
    services: Vec<String>,
    error: Option<String>,
    alternatives: Vec<Alternative>,
    /// The slot was refused: staff may book anyway, with a reason.
    can_force: bool,
    can_manage: bool,
    /// Status buttons offered for the existing reservation: (status, label).
    actions: Vec<(&'static str, String)>,
    /// What the guest was told about it (reminder, staff decisions), or why not: (when, what).
    told: Vec<(String, String)>,
}

impl FormPage {
    async fn new(
        state: &AppState,
        env: PageEnv,
        m: &Member,
        existing: Option<Reservation>,
        form: ReservationForm,
    ) -> Result<Self, AppError> {
        let tr = Tr::new(m.signed.user.locale);
        let actions = existing
            .as_ref()
            .map(|r| {
                [ReservationStatus::Confirmed, ReservationStatus::Completed, ReservationStatus::NoShow]
                    .into_iter()
                    .filter(|s| *s != r.status && r.status.may_become(*s))
                    .map(|s| (s.as_str(), tr.t(&format!("res-action-{s}"))))
                    .collect()
            })
            .unwrap_or_default();
        let resources = m.tenant.reservations().resources().await?;
        let told = match &existing {
            Some(r) => guest_lines(&tr, Times::of(m), m.tenant.reservations().guest_messages(r.id).await?),
            None => vec![],
        };
        Ok(FormPage {
            ctx: Ctx::member(env, state, m).await?,
            account: m.account.id,
            existing: existing.map(|r| row(&tr, account_tz(m), r).named(&resources)),
            form,
            services: m.tenant.reservations().services().await?.into_iter().map(|s| s.name).collect(),
            error: None,
            alternatives: vec![],
            can_force: false,
            can_manage: m.may(Action::ManageReservations),
            actions,
            told,
        })
    }
}

/// Each guest message as the booking shows it: when, and what went out or why nothing could.
fn guest_lines(tr: &Tr, times: Times, entries: Vec<GuestMessageEntry>) -> Vec<(String, String)> {
    entries
        .into_iter()
        .map(|e| {
            let purpose = tr.t(&format!("res-guest-{}", e.purpose));
            let what = match &e.outcome {
                GuestOutcome::Sent(text) => tr.tn("res-guest-sent", &[("purpose", &purpose), ("text", text)]),
                GuestOutcome::Template(name) => tr.tn("res-guest-template", &[("purpose", &purpose), ("name", name)]),
                GuestOutcome::NotPossible(platform) => {
                    let platform =
                        platform.parse::<maitre_domain::Platform>().map(|p| p.to_string()).unwrap_or_default();
                    tr.tn("res-guest-not-possible", &[("purpose", &purpose), ("platform", &platform)])
                }
            };
            (times.at(e.at), what)
        })
        .collect()
}

pub(super) async fn new_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ManageReservations)?;
    let form = ReservationForm { party_size: "2".into(), ..ReservationForm::default() };
    render(&FormPage::new(&state, env, &m, None, form).await?)
}

pub(super) async fn edit_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewReservations)?;
    let id = found(&id)?;
    let r = m.tenant.reservations().reservation(id).await?;
    let form = ReservationForm::of(&r);
    render(&FormPage::new(&state, env, &m, Some(r), form).await?)
}

pub(super) async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<ReservationForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageReservations)?;
    save(state, env, m, None, form).await
}

pub(super) async fn update(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReservationForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageReservations)?;
    let id = found(&id)?;
    let existing = m.tenant.reservations().reservation(id).await?;
    save(state, env, m, Some(existing), form).await
}

/// Books or changes; a refusal or invalid input re-shows the form (422) with the reason and free alternatives.
async fn save(
    state: AppState,
    env: PageEnv,
    m: Member,
    existing: Option<Reservation>,
    form: ReservationForm,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let tz = account_tz(&m);
    let outcome = match form.request(&tr) {
        Err(e) => Err((e, None)),
        Ok(req) if !form.force.is_empty() => anyway(&m, &tr, existing.as_ref(), req, &form.anyway).await?,
        Ok(req) => {
            let result = match &existing {
                Some(r) => m.tenant.reservations().modify_reservation(r.id, &req, tz, Source::Staff).await,
                None => m.tenant.reservations().create_reservation(&req, tz, &Origin::staff()).await,
            };
            match result {
                Ok(Booking::Booked(r)) => Ok(*r),
                Ok(Booking::Refused(check)) => Err((refusal_text(&tr, &check), Some(alternatives(&check).to_vec()))),
                Err(maitre_store::BookingError::Store(e)) => return Err(e.into()),
                Err(e) => Err((AppError::from(e).to_string(), None)),
            }
        }
    };
    match outcome {
        Ok(r) => {
            let key = if existing.is_some() { "flash-res-saved" } else { "flash-res-created" };
            let jar = CookieJar::new().add(flash(&state, &tr.t(key)));
            Ok((jar, Redirect::to(&format!("/a/{}/reservations/{}", m.account.id, r.id))).into_response())
        }
        Err((error, refused)) => {
            let mut page = FormPage::new(&state, env, &m, existing, form).await?;
            page.error = Some(error);
            page.can_force = refused.is_some();
            page.alternatives = refused
                .unwrap_or_default()
                .into_iter()
                .map(|t| Alternative { value: t.format("%Y-%m-%dT%H:%M").to_string(), label: alt_label(&tr, t) })
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Outcome of a form: the reservation, or the reason with the free alternatives when the slot itself was refused.
type Saved = Result<Reservation, (String, Option<Vec<NaiveDateTime>>)>;

/// Books outside the rules with the staff's reason, which goes first in the reservation's notes.
async fn anyway(
    m: &Member,
    tr: &Tr,
    existing: Option<&Reservation>,
    mut req: ReservationRequest,
    reason: &str,
) -> Result<Saved, PageError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Ok(Err((tr.t("res-anyway-needs-reason"), Some(vec![]))));
    }
    let line = tr.t1("res-anyway-note", "reason", reason);
    req.notes = if req.notes.trim().is_empty() { line } else { format!("{line}\n{}", req.notes.trim()) };
    match m.tenant.reservations().book_anyway(existing.map(|r| r.id), &req, account_tz(m)).await {
        Ok(r) => Ok(Ok(r)),
        Err(maitre_store::BookingError::Store(e)) => Err(AppError::from(e).into()),
        Err(e) => Ok(Err((AppError::from(e).to_string(), None))),
    }
}

//! Booking settings: opening hours and exceptions, limits, follow-up timing, resources, services, and the
//! calendar feed link (shown once when made). Owners and admins.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::booking::{BookingRules, Exception, Interval, ResourceKind, RulesError, Week};
use maitre_domain::{AccountId, Action};
use maitre_store::{BookingError, BookingSettings, NewResource, NewService};
use serde::Deserialize;

use super::url::filters;
use super::{Choice, Ctx, PageEnv, form_field, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/booking", get(settings_page).post(save_rules))
        .route("/a/{account}/booking/ical", post(new_feed))
        .route("/a/{account}/booking/resources", post(add_resource))
        .route("/a/{account}/booking/resources/{id}", post(save_resource))
        .route("/a/{account}/booking/resources/{id}/delete", post(delete_resource))
        .route("/a/{account}/booking/services", post(add_service))
        .route("/a/{account}/booking/services/{id}", post(save_service))
        .route("/a/{account}/booking/services/{id}/delete", post(delete_service))
}

const DAY_FIELDS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The rules form, kept as typed text so a refused form comes back as it was sent.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RulesForm {
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
    exceptions: String,
    slot_minutes: String,
    default_duration_minutes: String,
    lead_time_minutes: String,
    horizon_days: String,
    max_party_size: String,
    covers_per_slot: String,
    auto_confirm: Option<String>,
    review_link: String,
    reminder_hours: String,
    review_delay_hours: String,
}

impl RulesForm {
    fn of(s: &BookingSettings, tr: &Tr) -> Self {
        let r = &s.rules;
        let closed = tr.t("booking-closed-word");
        let day = |i: usize| Interval::format_list(r.hours.day(Week::DAYS[i]));
        RulesForm {
            mon: day(0),
            tue: day(1),
            wed: day(2),
            thu: day(3),
            fri: day(4),
            sat: day(5),
            sun: day(6),
            exceptions: r.exceptions.iter().map(|e| e.line(&closed)).collect::<Vec<_>>().join("\n"),
            slot_minutes: r.slot_minutes.to_string(),
            default_duration_minutes: r.default_duration_minutes.to_string(),
            lead_time_minutes: r.lead_time_minutes.to_string(),
            horizon_days: r.horizon_days.to_string(),
            max_party_size: r.max_party_size.to_string(),
            covers_per_slot: r.covers_per_slot.to_string(),
            auto_confirm: r.auto_confirm.then(|| "on".into()),
            review_link: s.review_link.clone(),
            reminder_hours: s.reminder_hours.to_string(),
            review_delay_hours: s.review_delay_hours.to_string(),
        }
    }

    fn days(&self) -> [&String; 7] {
        [&self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun]
    }

    fn settings(&self, tr: &Tr) -> Result<BookingSettings, String> {
        let num = |field: &str, v: &str| {
            v.trim().parse::<u32>().map_err(|_| tr.t1("booking-error-number", "field", &tr.t(field)))
        };
        let mut hours = Week::default();
        for (d, text) in Week::DAYS.into_iter().zip(self.days()) {
            *hours.day_mut(d) = Interval::parse_list(text).map_err(|e| rules_error(tr, &e))?;
        }
        let exceptions = self
            .exceptions
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(Exception::parse_line)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| rules_error(tr, &e))?;
        Ok(BookingSettings {
            rules: BookingRules {
                hours,
                exceptions,
                slot_minutes: num("booking-slot", &self.slot_minutes)?,
                default_duration_minutes: num("booking-duration", &self.default_duration_minutes)?,
                lead_time_minutes: num("booking-lead", &self.lead_time_minutes)?,
                horizon_days: num("booking-horizon", &self.horizon_days)?,
                max_party_size: num("booking-max-party", &self.max_party_size)?,
                covers_per_slot: num("booking-covers", &self.covers_per_slot)?,
                auto_confirm: self.auto_confirm.is_some(),
            },
            review_link: self.review_link.trim().to_owned(),
            reminder_hours: num("booking-reminder", &self.reminder_hours)?,
            review_delay_hours: num("booking-review-delay", &self.review_delay_hours)?,
        })
    }
}

/// Why the rules were refused, in the member's language.
fn rules_error(tr: &Tr, e: &RulesError) -> String {
    match e {
        RulesError::Interval(v) => tr.t1("booking-error-interval", "value", v),
        RulesError::ExceptionLine(v) => {
            tr.tn("booking-error-exception", &[("value", v), ("closed", &tr.t("booking-closed-word"))])
        }
        RulesError::Overlap(day) => {
            let named = Week::DAYS.iter().position(|d| d.to_string() == *day);
            tr.t1("booking-error-overlap", "day", &named.map_or(day.clone(), |i| tr.t(&format!("weekday-{i}"))))
        }
        RulesError::DuplicateException { date } => tr.t1("booking-error-duplicate", "date", &date.to_string()),
        RulesError::Label => tr.t("booking-error-label"),
        RulesError::OutOfRange { field, min, max } => {
            let label = FIELD_LABELS.iter().find(|(f, _)| f == field).map_or(*field, |(_, key)| key);
            tr.tn(
                "booking-error-range",
                &[("field", &tr.t(label)), ("min", &min.to_string()), ("max", &max.to_string())],
            )
        }
    }
}

/// The form label of each rule a range check names.
const FIELD_LABELS: [(&str, &str); 6] = [
    ("slot_minutes", "booking-slot"),
    ("default_duration_minutes", "booking-duration"),
    ("lead_time_minutes", "booking-lead"),
    ("horizon_days", "booking-horizon"),
    ("max_party_size", "booking-max-party"),
    ("covers_per_slot", "booking-covers"),
];

struct ResourceView {
    id: String,
    name: String,
    seats: u32,
    kinds: Vec<Choice>,
}

struct ServiceView {
    id: String,
    name: String,
    duration: u32,
    /// (resource id, name, checked)
    resources: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "reservations/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    account: AccountId,
    form: RulesForm,
    /// (field, weekday label, value)
    days: Vec<(&'static str, String, String)>,
    error: Option<String>,
    resources: Vec<ResourceView>,
    new_kinds: Vec<Choice>,
    services: Vec<ServiceView>,
    has_feed: bool,
    /// The feed address right after it was made; never shown again.
    feed_url: Option<String>,
}

async fn page(state: &AppState, env: PageEnv, m: &Member, form: RulesForm) -> Result<SettingsPage, AppError> {
    let tr = Tr::new(m.signed.user.locale);
    let kinds =
        |selected: &str| super::choices(&tr, "booking-kind", ResourceKind::ALL.map(ResourceKind::as_str), selected);
    let resources = m.tenant.reservations().resources().await?;
    let services = m.tenant.reservations().services().await?;
    let days = DAY_FIELDS
        .into_iter()
        .zip(form.days())
        .enumerate()
        .map(|(i, (field, value))| (field, tr.t(&format!("weekday-{i}")), value.clone()))
        .collect();
    Ok(SettingsPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        days,
        form,
        error: None,
        services: services
            .into_iter()
            .map(|s| ServiceView {
                resources: resources
                    .iter()
                    .map(|r| (r.id.clone(), r.name.clone(), s.resource_ids.contains(&r.id)))
                    .collect(),
                id: s.id,
                name: s.name,
                duration: s.duration_minutes,
            })
            .collect(),
        resources: resources
            .into_iter()
            .map(|r| ResourceView { kinds: kinds(r.kind.as_str()), id: r.id, name: r.name, seats: r.seats })
            .collect(),
        new_kinds: kinds("table"),
        has_feed: m.tenant.reservations().has_ical_feed().await?,
        feed_url: None,
    })
}

async fn settings_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let form = RulesForm::of(&m.tenant.reservations().booking_settings().await?, &Tr::new(m.signed.user.locale));
    render(&page(&state, env, &m, form).await?)
}

/// Back to the settings page at `section` (`#resources` …), so the page keeps its place after a change there.
fn back(state: &AppState, m: &Member, key: &str, section: &str) -> Response {
    let jar = CookieJar::new().add(flash(state, &Tr::new(m.signed.user.locale).t(key)));
    (jar, Redirect::to(&format!("/a/{}/booking{section}", m.account.id))).into_response()
}

/// A refused input shows the page again with the reason (422). Store failures stay errors.
async fn refused(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    form: RulesForm,
    e: String,
) -> Result<Response, PageError> {
    let mut p = page(state, env, m, form).await?;
    p.error = Some(e);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
}

async fn save_rules(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<RulesForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let tr = Tr::new(m.signed.user.locale);
    let result = match form.settings(&tr) {
        Ok(s) => m.tenant.reservations().put_booking_settings(&s).await,
        Err(e) => Err(BookingError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(back(&state, &m, "flash-saved", "")),
        Err(BookingError::Store(e)) => Err(e.into()),
        Err(BookingError::Rules(e)) => refused(&state, env, &m, form, rules_error(&tr, &e)).await,
        Err(e) => refused(&state, env, &m, form, e.to_string()).await,
    }
}

/// Resource and service forms refused for their input come back on the settings page as they are now.
async fn outcome<T>(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    result: Result<T, BookingError>,
    (flash_key, section): (&str, &str),
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(back(state, m, flash_key, section)),
        Err(e) => match AppError::from(e) {
            AppError::Validation(msg) | AppError::Conflict(msg) => {
                let form =
                    RulesForm::of(&m.tenant.reservations().booking_settings().await?, &Tr::new(m.signed.user.locale));
                refused(state, env, m, form, msg).await
            }
            other => Err(other.into()),
        },
    }
}

#[derive(Deserialize)]
struct ResourceForm {
    name: String,
    kind: String,
    seats: String,
}

impl ResourceForm {
    fn parse(&self) -> Result<NewResource<'_>, BookingError> {
        Ok(NewResource {
            name: &self.name,
            kind: self
                .kind
                .parse()
                .map_err(|e: maitre_domain::booking::UnknownValue| BookingError::Invalid(e.to_string()))?,
            seats: self
                .seats
                .trim()
                .parse()
                .map_err(|_| BookingError::Invalid("seats must be a whole number".into()))?,
        })
    }
}

async fn add_resource(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let result = match form.parse() {
        Ok(r) => m.tenant.reservations().create_resource(&r).await,
        Err(e) => Err(e),
    };
    outcome(&state, env, &m, result, ("flash-saved", "#resources")).await
}

async fn save_resource(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let result = match form.parse() {
        Ok(r) => m.tenant.reservations().update_resource(&id, &r).await,
        Err(e) => Err(e),
    };
    outcome(&state, env, &m, result, ("flash-saved", "#resources")).await
}

async fn delete_resource(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    m.tenant.reservations().delete_resource(&id).await?;
    Ok(back(&state, &m, "flash-removed", "#resources"))
}

/// Services carry a checkbox per resource (`resource=<id>`, repeated), so the form is read as pairs.
fn service_fields(fields: &[(String, String)]) -> (String, String, Vec<String>) {
    let get = |k: &str| form_field(fields, k).unwrap_or_default().to_owned();
    let resources = fields.iter().filter(|(f, _)| f == "resource").map(|(_, v)| v.clone()).collect();
    (get("name"), get("duration_minutes"), resources)
}

async fn store_service(m: &Member, id: Option<&str>, fields: &[(String, String)]) -> Result<(), BookingError> {
    let (name, duration, resource_ids) = service_fields(fields);
    let duration_minutes =
        duration.trim().parse().map_err(|_| BookingError::Invalid("the duration must be a whole number".into()))?;
    let s = NewService { name: &name, duration_minutes, resource_ids: &resource_ids };
    match id {
        Some(id) => m.tenant.reservations().update_service(id, &s).await.map(drop),
        None => m.tenant.reservations().create_service(&s).await.map(drop),
    }
}

async fn add_service(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let result = store_service(&m, None, &fields).await;
    outcome(&state, env, &m, result, ("flash-saved", "#services")).await
}

async fn save_service(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let result = store_service(&m, Some(&id), &fields).await;
    outcome(&state, env, &m, result, ("flash-saved", "#services")).await
}

async fn delete_service(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    m.tenant.reservations().delete_service(&id).await?;
    Ok(back(&state, &m, "flash-removed", "#services"))
}

/// Makes a new feed token and shows its address once; the previous address stops working.
async fn new_feed(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let token = m.tenant.reservations().regenerate_ical_token().await?;
    let form = RulesForm::of(&m.tenant.reservations().booking_settings().await?, &Tr::new(m.signed.user.locale));
    let mut p = page(&state, env, &m, form).await?;
    p.feed_url = Some(format!("{}/ical/{token}.ics", state.settings.public_url().trim_end_matches('/')));
    // The address is a secret: keep it out of caches and browser history.
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], render(&p)?).into_response())
}

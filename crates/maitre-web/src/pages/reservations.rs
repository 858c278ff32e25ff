//! Reservations by hand: the filtered list (with CSV export), the create/edit form that shows why a slot was
//! refused and which starts are free instead (`form`), and status changes. Times are the account's local time.
mod form;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use maitre_domain::booking::tz::{day_start, to_local};
use maitre_domain::booking::{ReservationStatus, Resource, SlotCheck};
use maitre_domain::metrics::report::Period;
use maitre_domain::{AccountId, Action};
use maitre_store::{BookingError, Cursor, InvalidCursor, Reservation, ReservationQuery};
use serde::{Deserialize, Serialize};

use super::analytics_query::{drill_days, instants};
use super::times::format_day;
use super::url::filters;
use super::{Choice, Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

const PAGE_SIZE: i64 = 50;
/// The export and the calendar read at most this many reservations at once.
pub(crate) const BULK_LIMIT: i64 = 2000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/reservations", get(list_page).post(form::create))
        .route("/a/{account}/reservations.csv", get(export))
        .route("/a/{account}/reservations/new", get(form::new_page))
        .route("/a/{account}/reservations/{id}", get(form::edit_page).post(form::update))
        .route("/a/{account}/reservations/{id}/status", post(change_status))
}

pub(crate) use super::times::{account_tz, format_local};

/// Why a slot was refused, in the reader's language.
pub(crate) fn refusal_text(tr: &Tr, check: &SlotCheck) -> String {
    match check {
        SlotCheck::Free => String::new(),
        SlotCheck::Closed { .. } => tr.t("res-refused-closed"),
        SlotCheck::Full { .. } => tr.t("res-refused-full"),
        SlotCheck::TooLarge { max } => tr.t1("res-refused-too-large", "max", &max.to_string()),
        SlotCheck::TooSoon { earliest } => tr.t1("res-refused-too-soon", "time", &format_local(*earliest, tr.locale)),
        SlotCheck::TooFar { latest } => tr.t1("res-refused-too-far", "time", &format_local(*latest, tr.locale)),
    }
}

fn alternatives(check: &SlotCheck) -> &[NaiveDateTime] {
    match check {
        SlotCheck::Closed { alternatives } | SlotCheck::Full { alternatives } => alternatives,
        _ => &[],
    }
}

/// The list's query string; also what the "Later" link and the export carry forward. An absent `from` means
/// today; an empty one means no lower bound.
#[derive(Deserialize, Serialize, Clone, Default)]
pub(crate) struct Filters {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    /// Made on these days of the business (YYYY-MM-DD, both included): the analytics' bookings of a period.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    made_from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    made_to: String,
    /// `maitre`: only bookings a flow made that nobody cancelled (the analytics' "booked by maitre").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    after: String,
}

impl Filters {
    pub(crate) fn new(
        status: Option<String>,
        from: Option<String>,
        to: Option<String>,
        q: Option<String>,
        after: Option<String>,
    ) -> Self {
        Filters {
            status: status.unwrap_or_default(),
            from,
            to: to.unwrap_or_default(),
            q: q.unwrap_or_default(),
            after: after.unwrap_or_default(),
            ..Filters::default()
        }
    }

    /// Only bookings a flow made that nobody cancelled.
    fn by_maitre(&self) -> Result<bool, AppError> {
        match self.by.as_str() {
            "" => Ok(false),
            "maitre" => Ok(true),
            _ => Err(AppError::BadRequest("by is maitre (bookings a flow made that nobody cancelled) or empty".into())),
        }
    }

    /// The business's days whose bookings made are listed.
    fn made(&self) -> Result<Option<Period>, AppError> {
        drill_days(&self.made_from, &self.made_to).map_err(|_| {
            AppError::BadRequest("made_from and made_to are YYYY-MM-DD days, from before to, at most two years".into())
        })
    }
}

fn parse_date(s: &str) -> Result<Option<NaiveDate>, AppError> {
    match s.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadRequest(format!("{d:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// Turns the list filters into a store query, `from`/`to` being whole local days.
pub(crate) fn query_of<'a>(
    f: &'a Filters,
    tz: Tz,
    today: NaiveDate,
    limit: i64,
) -> Result<ReservationQuery<'a>, AppError> {
    let status = match f.status.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|e: maitre_domain::booking::UnknownValue| AppError::BadRequest(e.to_string()))?),
    };
    let from = match &f.from {
        None => Some(today),
        Some(s) => parse_date(s)?,
    };
    let to = parse_date(&f.to)?;
    let after = match f.after.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|e: InvalidCursor| AppError::BadRequest(e.to_string()))?),
    };
    Ok(ReservationQuery {
        status,
        from: from.map(|d| day_start(d, tz)),
        to: to.and_then(|d| d.succ_opt()).map(|d| day_start(d, tz)),
        search: Some(f.q.as_str()),
        made: f.made()?.map(|p| instants(p, tz)),
        by_flow_kept: f.by_maitre()?,
        after,
        limit,
    })
}

/// A reservation as lists and calendars show it.
pub(crate) struct Row {
    pub id: String,
    pub when: String,
    pub date: String,
    pub time: String,
    pub end: String,
    pub party: u32,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub service: String,
    pub status: &'static str,
    pub status_label: String,
    pub source: String,
    pub notes: String,
    /// The table, room or staff member the booking holds (its name once `named`), or empty.
    pub resource: String,
    /// The conversation the guest booked in, or empty.
    pub conversation: String,
}

impl Row {
    /// Shows the held resource by its name.
    pub(crate) fn named(mut self, resources: &[Resource]) -> Self {
        self.resource = resource_name(resources, Some(&self.resource));
        self
    }
}

/// The name of the table, room or staff member `id` (a removed one, or none, has no name to show).
pub(crate) fn resource_name(resources: &[Resource], id: Option<&str>) -> String {
    resources.iter().find(|x| Some(x.id.as_str()) == id).map(|x| x.name.clone()).unwrap_or_default()
}

pub(crate) fn row(tr: &Tr, tz: Tz, r: Reservation) -> Row {
    let start = to_local(r.starts_at, tz);
    Row {
        when: format_local(start, tr.locale),
        date: start.format("%Y-%m-%d").to_string(),
        time: start.format("%H:%M").to_string(),
        end: to_local(r.ends_at, tz).format("%H:%M").to_string(),
        party: r.party_size,
        status: r.status.as_str(),
        status_label: tr.t(&format!("res-status-{}", r.status)),
        source: tr.t(&format!("res-source-{}", r.source)),
        service: r.service.unwrap_or_default(),
        id: r.id.to_string(),
        name: r.name,
        phone: r.phone,
        email: r.email,
        notes: r.notes,
        resource: r.resource_id.unwrap_or_default(),
        conversation: r.conversation_id.map(|c| c.to_string()).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "reservations/list.html")]
struct ListPage {
    ctx: Ctx,
    account: AccountId,
    statuses: Vec<Choice>,
    from: String,
    to: String,
    q: String,
    /// The days whose bookings made are listed, in words, and the list without them.
    made: Option<(String, String)>,
    made_from: String,
    made_to: String,
    by: String,
    narrowed: bool,
    can_manage: bool,
    rows: Vec<Row>,
    later: Option<String>,
    export: String,
}

fn filters(params: Result<Query<Filters>, QueryRejection>) -> Result<Filters, AppError> {
    params.map(|Query(f)| f).map_err(|e| AppError::BadRequest(e.body_text()))
}

async fn list_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    params: Result<Query<Filters>, QueryRejection>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewReservations)?;
    let f = filters(params)?;
    let tz = account_tz(&m);
    let today = to_local(state.store.clock().now(), tz).date();
    let page = m.tenant.reservations().list(&query_of(&f, tz, today, PAGE_SIZE)?).await?;
    let resources = m.tenant.reservations().resources().await?;
    let tr = Tr::new(m.signed.user.locale);
    let later = page.next.map(|c: Cursor| {
        serde_urlencoded::to_string(Filters { after: c.to_string(), ..f.clone() }).unwrap_or_default()
    });
    let from = f.from.clone().unwrap_or_else(|| today.format("%Y-%m-%d").to_string());
    let statuses = super::choices(
        &tr,
        "res-status",
        std::iter::once("all").chain(ReservationStatus::ALL.map(ReservationStatus::as_str)),
        if f.status.is_empty() { "all" } else { &f.status },
    );
    let made = f.made()?.map(|p| {
        let (first, last) = (format_day(p.first, tr.locale), format_day(p.last, tr.locale));
        let (made_from, made_to, by, after) = Default::default();
        let all = Filters { from: None, made_from, made_to, by, after, ..f.clone() };
        let all = format!("/a/{}/reservations?{}", m.account.id, serde_urlencoded::to_string(all).unwrap_or_default());
        let said = if f.by.is_empty() { "res-made" } else { "res-made-maitre" };
        (tr.tn(said, &[("first", &first), ("last", &last)]), all)
    });
    render(&ListPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        statuses,
        narrowed: !f.status.is_empty()
            || !f.q.trim().is_empty()
            || !f.to.is_empty()
            || made.is_some()
            || !f.by.is_empty(),
        made,
        made_from: f.made_from.clone(),
        made_to: f.made_to.clone(),
        by: f.by.clone(),
        export: serde_urlencoded::to_string(Filters { after: String::new(), from: Some(from.clone()), ..f.clone() })
            .unwrap_or_default(),
        from,
        to: f.to.clone(),
        q: f.q.clone(),
        can_manage: m.may(Action::ManageReservations),
        rows: page.items.into_iter().map(|r| row(&tr, tz, r).named(&resources)).collect(),
        later,
    })
}

/// Spreadsheet programs run cells that start like a formula; guests choose their own names.
pub(crate) fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() }
}

async fn export(
    State(state): State<AppState>,
    m: Member,
    params: Result<Query<Filters>, QueryRejection>,
) -> Result<Response, PageError> {
    m.require(Action::ViewReservations)?;
    let f = filters(params)?;
    let tz = account_tz(&m);
    let today = to_local(state.store.clock().now(), tz).date();
    let query = query_of(&f, tz, today, BULK_LIMIT)?;
    let items = m.tenant.reservations().list(&query).await?.items;
    let tr = Tr::new(m.signed.user.locale);
    let resources = m.tenant.reservations().resources().await?;
    let mut out = csv::Writer::from_writer(vec![]);
    let header = [
        "res-date",
        "res-time",
        "res-end",
        "res-col-party",
        "res-col-name",
        "res-phone",
        "field-email",
        "res-col-service",
        "res-col-resource",
        "res-col-status",
        "res-col-source",
        "res-notes",
    ];
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(header.map(|k| tr.t(k))).map_err(csv_err)?;
    for r in items {
        let r = row(&tr, tz, r).named(&resources);
        let party = r.party.to_string();
        let fields = [
            &r.date,
            &r.time,
            &r.end,
            &party,
            &r.name,
            &r.phone,
            &r.email,
            &r.service,
            &r.resource,
            &r.status_label,
            &r.source,
            &r.notes,
        ];
        out.write_record(fields.map(|f| cell(f))).map_err(csv_err)?;
    }
    super::csv_download(out, "reservations.csv")
}

/// "Tue 29 Sep 19:00" in the reader's language (weekday names come from the locale files).
pub(crate) fn alt_label(tr: &Tr, t: NaiveDateTime) -> String {
    use chrono::Datelike;
    let day = tr.t(&format!("weekday-{}", t.weekday().num_days_from_monday()));
    format!("{day} {}", format_local(t, tr.locale))
}

#[derive(Deserialize)]
struct StatusForm {
    status: String,
}

async fn change_status(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageReservations)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let status: ReservationStatus =
        form.status.parse().map_err(|_| AppError::Validation(tr.t1("res-unknown-status", "status", &form.status)))?;
    let r = match m.tenant.reservations().set_reservation_status(id, status).await {
        Err(BookingError::Transition { from, to }) => {
            let (from, to) = (tr.t(&format!("res-status-{from}")), tr.t(&format!("res-status-{to}")));
            return Err(AppError::Conflict(tr.tn("res-refused-transition", &[("from", &from), ("to", &to)])).into());
        }
        other => other?,
    };
    let message = tr.t1("flash-res-status", "status", &tr.t(&format!("res-status-{}", r.status)));
    let jar = CookieJar::new().add(flash(&state, &message));
    Ok((jar, Redirect::to(&format!("/a/{}/reservations/{}", m.account.id, r.id))).into_response())
}

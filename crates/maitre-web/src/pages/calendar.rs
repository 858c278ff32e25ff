//! Day and week calendars: a plain CSS grid of quarter hours with each reservation placed by its local start and
//! length, overlapping visits side by side. No JavaScript, and no inline styles (the content security policy
//! forbids them): placement uses classes from a stylesheet generated once.
use std::sync::LazyLock;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use maitre_domain::booking::tz::{day_start, to_local};
use maitre_domain::booking::{BookingRules, ReservationStatus, Resource};
use maitre_domain::{AccountId, Action};
use maitre_store::{Reservation, ReservationQuery};
use serde::Deserialize;

use super::reservations::{BULK_LIMIT, account_tz, resource_name};
use super::times::{format_day, format_short_day};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

/// Quarter hours in a day: the most grid rows a column has.
const QUARTERS: u32 = 96;
/// Overlapping visits shown side by side at most; more share the last lane.
const MAX_LANES: usize = 12;

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}/calendar", get(calendar_page))
}

#[derive(Deserialize)]
struct Params {
    /// `day` or `week` (default).
    #[serde(default)]
    view: String,
    /// Any date of the day or week to show (default: today).
    #[serde(default)]
    date: String,
}

struct Block {
    id: String,
    time: String,
    name: String,
    party: u32,
    status: &'static str,
    /// The table, room or staff member held, by name, or empty.
    resource: String,
    /// Grid placement classes within the day column.
    class: String,
}

struct DayColumn {
    label: String,
    exception: String,
    today: bool,
    /// `lanes-N`: how many visits overlap at most.
    lanes: String,
    blocks: Vec<Block>,
}

#[derive(Template)]
#[template(path = "reservations/calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    account: AccountId,
    week: bool,
    title: String,
    date: String,
    prev: String,
    next: String,
    hours: Vec<String>,
    /// Quarter-hour rows shown.
    rows: u32,
    days: Vec<DayColumn>,
    empty: bool,
}

/// The hours to draw: from the earliest opening or visit to the latest closing or visit end, at least 11–23.
fn hour_range(rules: &BookingRules, days: &[NaiveDate], visits: &[(NaiveDateTime, NaiveDateTime)]) -> (u32, u32) {
    let mut first = 11;
    let mut last = 23;
    for d in days {
        for (start, end) in rules.intervals_on(*d).iter().map(|i| i.on(*d)) {
            first = first.min(start.hour());
            last = last.max(if end.date() > *d { 24 } else { end.hour() + u32::from(end.minute() > 0) });
        }
    }
    for (start, end) in visits {
        first = first.min(start.hour());
        last = last.max(if end.date() > start.date() { 24 } else { end.hour() + u32::from(end.minute() > 0) });
    }
    (first, last.min(24))
}

/// Places one day's visits on quarter-hour rows counted from `h0`; overlapping ones get lanes side by side.
/// Returns the number of lanes and the blocks.
fn blocks(
    day: NaiveDate,
    visits: Vec<(NaiveDateTime, NaiveDateTime, Reservation)>,
    (h0, h1): (u32, u32),
    resources: &[Resource],
) -> (usize, Vec<Block>) {
    let rows = i64::from((h1 - h0) * 4);
    let origin = day.and_hms_opt(h0, 0, 0).unwrap_or_default();
    let quarter = |t: NaiveDateTime| ((t - origin).num_minutes() / 15).clamp(0, rows);
    let mut lane_ends: Vec<NaiveDateTime> = vec![];
    let blocks = visits
        .into_iter()
        .map(|(start, end, r)| {
            let lane = lane_ends.iter().position(|e| *e <= start).unwrap_or(lane_ends.len()).min(MAX_LANES - 1);
            match lane_ends.get_mut(lane) {
                Some(e) => *e = end.max(*e),
                None => lane_ends.push(end),
            }
            let first = quarter(start).min(rows - 1);
            let span = (quarter(end) - first).max(1);
            Block {
                class: format!("q-start-{} q-span-{span} lane-{}", first + 1, lane + 1),
                time: start.format("%H:%M").to_string(),
                party: r.party_size,
                status: r.status.as_str(),
                resource: resource_name(resources, r.resource_id.as_deref()),
                id: r.id.to_string(),
                name: r.name,
            }
        })
        .collect();
    (lane_ends.len().max(1), blocks)
}

/// Placement classes for every row, span and lane the calendar can use.
static CSS: LazyLock<String> = LazyLock::new(|| {
    let mut css = String::new();
    for q in 1..=QUARTERS + 1 {
        css += &format!(".q-start-{q}{{grid-row-start:{q}}}\n");
    }
    for q in 1..=QUARTERS {
        css += &format!(".q-span-{q}{{grid-row-end:span {q}}}\n");
    }
    for n in 1..=MAX_LANES {
        css +=
            &format!(".lanes-{n}{{grid-template-columns:repeat({n},minmax(0,1fr))}}\n.lane-{n}{{grid-column:{n}}}\n");
    }
    css
});

pub async fn css() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS.as_str(),
    )
}

async fn calendar_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewReservations)?;
    let Query(p) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let week = p.view != "day";
    let tz = account_tz(&m);
    let today = to_local(state.store.clock().now(), tz).date();
    let date = match p.date.trim() {
        "" => today,
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest(Tr::new(m.signed.user.locale).t1("error-bad-date", "value", d)))?,
    };
    let first = if week { date - TimeDelta::days(date.weekday().num_days_from_monday().into()) } else { date };
    let days: Vec<NaiveDate> = first.iter_days().take(if week { 7 } else { 1 }).collect();
    let end = days.last().and_then(|d| d.succ_opt()).unwrap_or(date);
    let query = ReservationQuery {
        from: Some(day_start(first, tz)),
        to: Some(day_start(end, tz)),
        limit: BULK_LIMIT,
        ..ReservationQuery::default()
    };
    let reservations = m.tenant.reservations();
    let visits: Vec<(NaiveDateTime, NaiveDateTime, Reservation)> = reservations
        .list(&query)
        .await?
        .items
        .into_iter()
        .filter(|r| r.status != ReservationStatus::Cancelled)
        .map(|r| (to_local(r.starts_at, tz), to_local(r.ends_at, tz), r))
        .collect();
    let rules = reservations.booking_settings().await?.rules;
    let resources = reservations.resources().await?;
    let spans: Vec<_> = visits.iter().map(|(s, e, _)| (*s, *e)).collect();
    let range = hour_range(&rules, &days, &spans);
    let tr = Tr::new(m.signed.user.locale);
    let empty = visits.is_empty();
    let mut by_day: Vec<Vec<_>> = days.iter().map(|_| vec![]).collect();
    for v in visits {
        if let Some(i) = days.iter().position(|d| *d == v.0.date()) {
            by_day[i].push(v);
        }
    }
    let columns = days
        .iter()
        .zip(by_day)
        .map(|(d, visits)| {
            let (lanes, blocks) = blocks(*d, visits, range, &resources);
            let weekday = tr.t(&format!("weekday-{}", d.weekday().num_days_from_monday()));
            DayColumn {
                label: format!("{weekday} {}", format_short_day(*d, tr.locale)),
                exception: rules.exception_on(*d).map(|e| e.label.clone()).unwrap_or_default(),
                today: *d == today,
                lanes: format!("lanes-{lanes}"),
                blocks,
            }
        })
        .collect();
    let step = TimeDelta::days(if week { 7 } else { 1 });
    let title =
        if week { tr.t1("cal-week-of", "date", &format_day(first, tr.locale)) } else { format_day(date, tr.locale) };
    render(&CalendarPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        week,
        title,
        date: date.format("%Y-%m-%d").to_string(),
        prev: (date - step).format("%Y-%m-%d").to_string(),
        next: (date + step).format("%Y-%m-%d").to_string(),
        hours: (range.0..range.1).map(|h| format!("{h:02}:00")).collect(),
        rows: (range.1 - range.0) * 4,
        days: columns,
        empty,
    })
}

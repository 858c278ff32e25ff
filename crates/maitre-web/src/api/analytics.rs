//! The analytics page's figures over the API: the same request (period, comparison, channel) and the same
//! numbers, read from the same counted facts (pages/analytics_query.rs).
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use maitre_domain::Action;
use maitre_domain::metrics::local_day;
use maitre_domain::metrics::report::{Summary, histogram_percentile};
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::pages::analytics_query::{AnalyticsParams, reports};

pub fn routes() -> Router<AppState> {
    Router::new().route("/analytics/summary", get(summary))
}

/// A period's figures (README "What the figures mean" defines each). Rates are percent with one decimal and
/// null when there was nothing to divide by; durations are whole seconds (first responses are counted in whole
/// minutes) and null when there was none.
#[derive(Serialize, ToSchema)]
pub(super) struct FiguresDto {
    guest_messages: i64,
    bot_replies: i64,
    auto_replies: i64,
    member_replies: i64,
    /// Written by the business in the platform's own app.
    echoes: i64,
    /// Reminders, review requests and other notices.
    notices: i64,
    conversations: i64,
    handoffs: i64,
    handoff_rate: Option<f64>,
    bot_resolved: i64,
    bot_resolved_rate: Option<f64>,
    closed: i64,
    first_response_team_median_seconds: Option<i64>,
    first_response_team_p90_seconds: Option<i64>,
    first_response_bot_median_seconds: Option<i64>,
    bookings: i64,
    flow_bookings: i64,
    flow_covers: i64,
    cancelled: i64,
    cancellation_rate: Option<f64>,
    visits: i64,
    covers: i64,
    completed: i64,
    no_shows: i64,
    no_show_rate: Option<f64>,
    contacts: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct DayDto {
    /// Local date, YYYY-MM-DD.
    day: String,
    figures: FiguresDto,
}

#[derive(Serialize, ToSchema)]
pub(super) struct AnalyticsDto {
    /// The period's first and last local dates.
    first: String,
    last: String,
    /// The business's time zone, whose days these are.
    time_zone: String,
    total: FiguresDto,
    /// The period just before, of as many days, when `compare=1`.
    previous: Option<FiguresDto>,
    days: Vec<DayDto>,
}

fn seconds(histogram: &[(i64, i64)], p: u8) -> Option<i64> {
    histogram_percentile(histogram, p).map(|d| d.num_seconds())
}

fn dto(s: &Summary) -> FiguresDto {
    FiguresDto {
        guest_messages: s.guest_messages,
        bot_replies: s.bot_replies,
        auto_replies: s.auto_replies,
        member_replies: s.member_replies,
        echoes: s.echoes,
        notices: s.notices,
        conversations: s.conversations,
        handoffs: s.handoffs,
        handoff_rate: s.handoff_rate(),
        bot_resolved: s.bot_resolved,
        bot_resolved_rate: s.bot_resolved_rate(),
        closed: s.closed,
        first_response_team_median_seconds: seconds(&s.first_response_person, 50),
        first_response_team_p90_seconds: seconds(&s.first_response_person, 90),
        first_response_bot_median_seconds: seconds(&s.first_response_bot, 50),
        bookings: s.bookings,
        flow_bookings: s.flow_bookings,
        flow_covers: s.flow_covers,
        cancelled: s.cancelled,
        cancellation_rate: s.cancellation_rate(),
        visits: s.visits,
        covers: s.covers,
        completed: s.completed,
        no_shows: s.no_shows,
        no_show_rate: s.no_show_rate(),
        contacts: s.contacts,
    }
}

#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics", params(AnalyticsParams),
    responses((status = 200, body = AnalyticsDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<AnalyticsDto>, ApiError> {
    caller.require(Action::ViewAnalytics)?;
    let p = super::params::query(params)?;
    let account = caller.tenant.account().await?;
    let tz = account.settings.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let channels = caller.tenant.channels().list().await?;
    let sel = p.select(local_day(state.store.clock().now(), tz), &channels)?;
    let (current, previous) = reports(&caller.tenant, &sel, tz).await?;
    Ok(Json(AnalyticsDto {
        first: sel.period.first.to_string(),
        last: sel.period.last.to_string(),
        time_zone: account.settings.time_zone,
        total: dto(&current.total),
        previous: previous.map(|r| dto(&r.total)),
        days: current.days.iter().map(|(d, s)| DayDto { day: d.to_string(), figures: dto(s) }).collect(),
    }))
}

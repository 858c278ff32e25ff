//! The analytics page's figures and flow funnels over the API: the same request (period, comparison, channel) and
//! the same numbers, read from the same counted facts (pages/analytics_query.rs).
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use maitre_domain::Action;
use maitre_domain::metrics::local_day;
use maitre_domain::metrics::report::{Summary, bucket_end, histogram_percentile};
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::ApiError;
use crate::pages::analytics_query::{AnalyticsParams, Days, Figures, FlowFunnel, Selection, demand, funnels, reports};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/analytics/summary", get(summary))
        .route("/analytics/flows", get(flows))
        .route("/analytics/team", get(team))
        .route("/analytics/outreach", get(outreach))
        .route("/analytics/reservations", get(reservations))
}

/// A period's figures (README "What the figures mean" defines each). Rates are percent with one decimal and
/// null when there was nothing to divide by; response times are null when there was none.
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
    /// Times a guest wrote again a day or more after their previous message.
    returned: i64,
    handoffs: i64,
    handoff_rate: Option<f64>,
    bot_resolved: i64,
    bot_resolved_rate: Option<f64>,
    closed: i64,
    /// New conversations that led to a confirmed booking (confirmed, completed or no-show now).
    converted: i64,
    booking_conversion: Option<f64>,
    /// New conversations that led to a visit that took place.
    visited: i64,
    visit_conversion: Option<f64>,
    first_response_team_median: Option<ResponseTimeDto>,
    first_response_team_p90: Option<ResponseTimeDto>,
    first_response_bot_median: Option<ResponseTimeDto>,
    /// Turns of guests answered by a person (in maitre or the platform's app), on the answer's day: how long they
    /// waited.
    reply_time_team_median: Option<ResponseTimeDto>,
    reply_time_team_p90: Option<ResponseTimeDto>,
    /// Turns of guests answered by a flow.
    reply_time_bot_median: Option<ResponseTimeDto>,
    /// New conversations closed now: from the guest's first message to the last close.
    resolution_median: Option<ResponseTimeDto>,
    resolution_p90: Option<ResponseTimeDto>,
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
    /// Days ahead the median booking was made (its bucket's first day: each day under a week, then 7, 14, 30).
    lead_days_median: Option<i64>,
    /// Guests per confirmed or completed visit.
    average_party: Option<f64>,
    contacts: i64,
    /// Visits that took place by guests who had another visit that took place in the 90 days before, and their
    /// share of the visits that took place.
    repeat_visits: i64,
    repeat_rate: Option<f64>,
    /// Changes of guests' consent to messages in the period: opted out, opted in again.
    opt_outs: i64,
    opt_ins: i64,
}

/// A response time's bucket, in seconds from and up to: each minute under 10 minutes, then 5, 15 and 60 minutes,
/// then days.
#[derive(Serialize, ToSchema)]
pub(super) struct ResponseTimeDto {
    from_seconds: i64,
    to_seconds: i64,
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

fn seconds(histogram: &[(i64, i64)], p: u8) -> Option<ResponseTimeDto> {
    histogram_percentile(histogram, p)
        .map(|d| ResponseTimeDto { from_seconds: d.num_seconds(), to_seconds: bucket_end(d.num_minutes()) * 60 })
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
        returned: s.returned,
        handoffs: s.handoffs,
        handoff_rate: s.handoff_rate(),
        bot_resolved: s.bot_resolved,
        bot_resolved_rate: s.bot_resolved_rate(),
        closed: s.closed,
        converted: s.converted,
        booking_conversion: s.booking_conversion(),
        visited: s.visited,
        visit_conversion: s.visit_conversion(),
        first_response_team_median: seconds(&s.first_response_person, 50),
        first_response_team_p90: seconds(&s.first_response_person, 90),
        first_response_bot_median: seconds(&s.first_response_bot, 50),
        reply_time_team_median: seconds(&s.reply_person, 50),
        reply_time_team_p90: seconds(&s.reply_person, 90),
        reply_time_bot_median: seconds(&s.reply_bot, 50),
        resolution_median: seconds(&s.resolution, 50),
        resolution_p90: seconds(&s.resolution, 90),
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
        lead_days_median: s.median_lead_days(),
        average_party: s.average_party(),
        contacts: s.contacts,
        repeat_visits: s.repeat_visits,
        repeat_rate: s.repeat_rate(),
        opt_outs: s.opt_outs,
        opt_ins: s.opt_ins,
    }
}

#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics", operation_id = "analytics_summary",
    params(AnalyticsParams),
    responses((status = 200, body = AnalyticsDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn summary(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<AnalyticsDto>, ApiError> {
    let (sel, time_zone) = selection(&state, &caller, params).await?;
    let Figures { current, previous, .. } = reports(&caller.tenant, &sel, Days::Every).await?;
    Ok(Json(AnalyticsDto {
        first: sel.period.first.to_string(),
        last: sel.period.last.to_string(),
        time_zone,
        total: dto(&current.total),
        previous: previous.map(|r| dto(&r.total)),
        days: current.days.iter().map(|(d, s)| DayDto { day: d.to_string(), figures: dto(s) }).collect(),
    }))
}

/// The request understood on the business's today, and the business's time zone.
async fn selection(
    state: &AppState,
    caller: &ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<(Selection, String), ApiError> {
    caller.require(Action::ViewAnalytics)?;
    let p = super::params::query(params)?;
    let account = caller.tenant.account().await?;
    let tz = account.settings.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let channels = caller.tenant.channels().list().await?;
    let flows: Vec<_> = caller.tenant.flows().list().await?.into_iter().map(|f| f.id).collect();
    Ok((p.select(local_day(state.store.clock().now(), tz), &channels, &flows)?, account.settings.time_zone))
}

/// One step of a flow's funnel: of the runs started in the period, how many entered the node and, for questions
/// and buttons, how many guests answered and how many stopped there.
#[derive(Serialize, ToSchema)]
pub(super) struct FunnelStepDto {
    node: String,
    /// The node's type (`message`, `ask`, …); null for a node the flow no longer has.
    #[serde(rename = "type")]
    kind: Option<String>,
    /// What the node says to the guest.
    text: String,
    entered: i64,
    answered: Option<i64>,
    stopped: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FlowFunnelDto {
    flow_id: String,
    name: String,
    started: i64,
    steps: Vec<FunnelStepDto>,
    /// Runs that reached a last step of the flow.
    completed: i64,
    /// Runs whose booking step made a reservation.
    booked: i64,
    /// Bookings the flow made in the period (whatever became of them), those cancelled, and the guests of those
    /// not cancelled.
    bookings: i64,
    cancelled: i64,
    covers: i64,
    /// Cancelled over bookings; null when it made none.
    cancellation_rate: Option<f64>,
    /// Of its bookings' visits due in the period: those that took place and no-shows; no-shows over both.
    completed_visits: i64,
    no_shows: i64,
    no_show_rate: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FunnelsDto {
    first: String,
    last: String,
    time_zone: String,
    /// The flows that ran in the period, busiest first.
    flows: Vec<FlowFunnelDto>,
}

#[utoipa::path(get, path = "/api/v1/analytics/flows", tag = "analytics", operation_id = "analytics_flows",
    params(AnalyticsParams),
    responses((status = 200, body = FunnelsDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn flows(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<FunnelsDto>, ApiError> {
    let (sel, time_zone) = selection(&state, &caller, params).await?;
    let flows =
        funnels(&caller.tenant, &sel).await?.into_iter().map(|FlowFunnel { id, name, funnel: f, bookings: b }| {
            let steps = f.steps.iter().map(|s| FunnelStepDto {
                node: s.node.clone(),
                kind: s.kind.map(str::to_owned),
                text: s.text.clone(),
                entered: s.entered,
                answered: s.answered,
                stopped: s.dropped(),
            });
            let steps = steps.collect();
            FlowFunnelDto {
                flow_id: id.to_string(),
                name,
                started: f.started,
                steps,
                completed: f.completed,
                booked: f.booked,
                bookings: b.bookings,
                cancelled: b.cancelled,
                covers: b.flow_covers,
                cancellation_rate: b.cancellation_rate(),
                completed_visits: b.completed,
                no_shows: b.no_shows,
                no_show_rate: b.no_show_rate(),
            }
        });
    Ok(Json(FunnelsDto {
        first: sel.period.first.to_string(),
        last: sel.period.last.to_string(),
        time_zone,
        flows: flows.collect(),
    }))
}

/// One member's figures: replies written in maitre, new conversations where they wrote the team's first answer,
/// and that first answer's time (median).
#[derive(Serialize, ToSchema)]
pub(super) struct MemberFiguresDto {
    user_id: String,
    /// Empty for someone no longer in the team.
    name: String,
    replies: i64,
    answered_first: i64,
    first_response_median: Option<ResponseTimeDto>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TeamDto {
    first: String,
    last: String,
    time_zone: String,
    /// Members who replied or answered first in the period, most replies first.
    members: Vec<MemberFiguresDto>,
}

#[utoipa::path(get, path = "/api/v1/analytics/team", tag = "analytics", operation_id = "analytics_team",
    params(AnalyticsParams),
    responses((status = 200, body = TeamDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn team(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<TeamDto>, ApiError> {
    let (sel, time_zone) = selection(&state, &caller, params).await?;
    let figures = reports(&caller.tenant, &Selection { compare: false, ..sel }, Days::AsPictured).await?;
    let names = caller.tenant.team().members().await?;
    let mut ranked: Vec<_> = figures.team.iter().collect();
    ranked.sort_by_key(|(_, f)| f.rank());
    let members = ranked
        .into_iter()
        .map(|(id, f)| MemberFiguresDto {
            user_id: id.to_string(),
            name: names.iter().find(|m| m.user_id == *id).map(|m| m.name.clone()).unwrap_or_default(),
            replies: f.replies,
            answered_first: f.answered_first(),
            first_response_median: seconds(&f.first_responses, 50),
        })
        .collect();
    Ok(Json(TeamDto { first: sel.period.first.to_string(), last: sel.period.last.to_string(), time_zone, members }))
}

/// What became of one kind of maitre's own messages queued in the period (README, "What maitre sent for you").
#[derive(Serialize, ToSchema)]
pub(super) struct OutreachKindDto {
    /// broadcast, reminder, review, decision or template.
    kind: &'static str,
    /// Accepted by the platform: sent, delivered or read now.
    sent: i64,
    delivered: i64,
    read: i64,
    failed: i64,
    /// The guest wrote within three days after it.
    replied: i64,
    /// The guest said stop within three days after it.
    opted_out: i64,
}

#[derive(Serialize, ToSchema)]
pub(super) struct OutreachDto {
    first: String,
    last: String,
    time_zone: String,
    /// Kinds with any message in the period.
    kinds: Vec<OutreachKindDto>,
}

#[utoipa::path(get, path = "/api/v1/analytics/outreach", tag = "analytics", operation_id = "analytics_outreach",
    params(AnalyticsParams),
    responses((status = 200, body = OutreachDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn outreach(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<OutreachDto>, ApiError> {
    let (sel, time_zone) = selection(&state, &caller, params).await?;
    let figures = reports(&caller.tenant, &Selection { compare: false, ..sel }, Days::AsPictured).await?;
    let kinds = figures.outreach.iter().map(|(kind, f)| OutreachKindDto {
        kind: kind.as_str(),
        sent: f.sent,
        delivered: f.delivered,
        read: f.read,
        failed: f.failed,
        replied: f.replied,
        opted_out: f.opted_out,
    });
    let (first, last) = (sel.period.first.to_string(), sel.period.last.to_string());
    Ok(Json(OutreachDto { first, last, time_zone, kinds: kinds.collect() }))
}

/// Bookings made in the period in a bucket of days ahead: from `from_days` (0: the same day) up to the next
/// bucket's (each day under a week, then 7, 14 and 30 or more).
#[derive(Serialize, ToSchema)]
pub(super) struct LeadDto {
    from_days: i64,
    bookings: i64,
}

/// Visits due in the period of `guests` guests (12: 12 or more).
#[derive(Serialize, ToSchema)]
pub(super) struct PartyDto {
    guests: i64,
    visits: i64,
}

/// One weekday's hour: guests present on an average such weekday of the period, and their share of the seats.
#[derive(Serialize, ToSchema)]
pub(super) struct DemandDto {
    /// 1 (Monday) to 7 (Sunday).
    weekday: u32,
    hour: u32,
    guests: f64,
    /// Percent of the seats at once; null when the booking settings say no seats.
    share: Option<f64>,
    /// The weekly opening hours include (part of) this hour.
    open: bool,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ReservationsDto {
    first: String,
    last: String,
    time_zone: String,
    lead_days: Vec<LeadDto>,
    party_sizes: Vec<PartyDto>,
    /// Guests the business seats at once (its limit, else its tables', areas' and rooms' seats, else its staff).
    seats_at_once: Option<u32>,
    /// The hours from the first to the last open or busy one, each weekday's.
    demand: Vec<DemandDto>,
}

#[utoipa::path(get, path = "/api/v1/analytics/reservations", tag = "analytics", operation_id = "analytics_reservations",
    params(AnalyticsParams),
    responses((status = 200, body = ReservationsDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn reservations(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<AnalyticsParams>, QueryRejection>,
) -> Result<Json<ReservationsDto>, ApiError> {
    let (sel, time_zone) = selection(&state, &caller, params).await?;
    let current = reports(&caller.tenant, &Selection { compare: false, ..sel }, Days::AsPictured).await?.current;
    let d = demand(&caller.tenant, &current).await?;
    let s = &current.total;
    let demand = d.rows.iter().flat_map(|(hour, cells)| {
        cells.iter().zip(1..).map(|(c, weekday)| DemandDto {
            weekday,
            hour: *hour,
            guests: c.guests,
            share: c.share,
            open: c.open,
        })
    });
    Ok(Json(ReservationsDto {
        first: sel.period.first.to_string(),
        last: sel.period.last.to_string(),
        time_zone,
        lead_days: s
            .lead_days
            .iter()
            .map(|(from_days, bookings)| LeadDto { from_days: *from_days, bookings: *bookings })
            .collect(),
        party_sizes: s
            .party_sizes
            .iter()
            .map(|(guests, visits)| PartyDto { guests: *guests, visits: *visits })
            .collect(),
        seats_at_once: d.seats,
        demand: demand.collect(),
    }))
}

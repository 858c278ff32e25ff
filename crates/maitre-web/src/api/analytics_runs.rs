//! Saved insight runs over the API: the runs an owner saved on the analytics page, newest first, each with its
//! selection and its figures as they were when saved (maitre-domain metrics/insight.rs names them).
use std::collections::BTreeMap;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::routing::get;
use axum::{Json, Router};
use maitre_domain::Action;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ErrorBody, params};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/analytics/runs", get(runs))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsParams {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// Runs to skip (newest first), 0–100000.
    #[param(minimum = 0, maximum = 100000)]
    offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InsightRunDto {
    id: String,
    name: String,
    /// The period's first and last local dates, YYYY-MM-DD.
    first: String,
    last: String,
    /// The preset's days (7, 30, 90, 365), or null for a custom period.
    preset: Option<i64>,
    /// The channel's id or `platform:<name>`; empty for all channels.
    channel: String,
    saved_at: String,
    /// Each measure (conversations, replies, handoff_rate, first_response_team_minutes, booking_conversion, …) and
    /// its value then: counts, percent with one decimal, minutes; null when there was nothing to measure.
    figures: BTreeMap<String, Option<f64>>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct InsightRunsDto {
    /// All runs the business keeps.
    total: i64,
    runs: Vec<InsightRunDto>,
}

#[utoipa::path(get, path = "/api/v1/analytics/runs", tag = "analytics", operation_id = "analytics_runs",
    params(RunsParams),
    responses((status = 200, body = InsightRunsDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub(super) async fn runs(
    caller: ApiCaller,
    query: Result<Query<RunsParams>, QueryRejection>,
) -> Result<Json<InsightRunsDto>, ApiError> {
    caller.require(Action::ViewAnalytics)?;
    let p = params::query(query)?;
    let limit = params::limit(p.limit)?;
    let offset = match p.offset.unwrap_or(0) {
        n @ 0..=100_000 => n,
        _ => return Err(AppError::BadRequest("offset must be between 0 and 100000".into()).into()),
    };
    let insights = caller.tenant.insights();
    let runs = insights.list(limit, offset).await?.into_iter().map(|r| InsightRunDto {
        id: r.id,
        name: r.name,
        first: r.period.first.to_string(),
        last: r.period.last.to_string(),
        preset: r.preset,
        channel: r.channel,
        saved_at: r.saved_at.to_rfc3339(),
        figures: r.figures.into_iter().map(|(m, v)| (m.word().to_owned(), v)).collect(),
    });
    Ok(Json(InsightRunsDto { total: insights.count().await?, runs: runs.collect() }))
}

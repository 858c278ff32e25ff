//! Operations over the API: dead and failing jobs, retrying one, and the redacted event log. Owners and admins.
use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use maitre_domain::Action;
use maitre_store::{JobQuery, LoggedEvent, TroubleFilter, TroubledJob};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ErrorBody;
use super::params;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/operations/jobs", get(list_jobs))
        .route("/operations/jobs/{job_id}/retry", post(retry_job))
        .route("/operations/events", get(list_events))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct JobParams {
    /// `dead` or `failing`; both when absent.
    #[param(pattern = "^(dead|failing)?$")]
    status: Option<String>,
    /// A platform event id, a contact's external id, a channel id, or part of a contact's name.
    #[param(max_length = 200)]
    q: Option<String>,
    /// The `next` value of the previous page.
    #[param(pattern = r"^([0-9]{1,15}\.[0-9A-Za-z-]{1,64})?$")]
    before: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct EventParams {
    /// The `next` value of the previous page.
    #[param(pattern = r"^([0-9]{1,15}\.[0-9A-Za-z-]{1,64})?$")]
    before: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct JobDto {
    id: String,
    /// `send` or `process_inbound`.
    kind: String,
    /// `dead` or `failing`.
    status: String,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
    /// When a failing job runs next.
    run_at: String,
    updated_at: String,
    channel_id: Option<String>,
    platform: Option<String>,
    contact_external_id: Option<String>,
    contact_name: Option<String>,
    /// The platform's id of the inbound event the job processes or answers.
    event_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct JobPage {
    jobs: Vec<JobDto>,
    /// Pass as `before` for the next (older) page; null on the last page.
    next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct EventDto {
    id: String,
    channel_id: String,
    platform: String,
    /// The platform's id of the event.
    dedupe_key: String,
    /// The normalized item, with texts, names, phone numbers, user ids and links replaced by `[redacted]` and the
    /// guest's id by a short per-account hash.
    #[schema(value_type = Object)]
    item: serde_json::Value,
    received_at: String,
    processed_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct EventPage {
    events: Vec<EventDto>,
    /// Pass as `before` for the next (older) page; null on the last page.
    next: Option<String>,
}

fn job_dto(j: TroubledJob) -> JobDto {
    JobDto {
        id: j.id.to_string(),
        kind: j.kind,
        status: j.status.to_owned(),
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        last_error: j.last_error,
        run_at: j.run_at.to_rfc3339(),
        updated_at: j.updated_at.to_rfc3339(),
        channel_id: j.channel_id,
        platform: j.platform,
        contact_external_id: j.contact_external_id,
        contact_name: j.contact_name,
        event_key: j.event_key,
    }
}

fn event_dto(e: LoggedEvent) -> EventDto {
    EventDto {
        id: e.id,
        channel_id: e.channel_id,
        platform: e.platform,
        dedupe_key: e.dedupe_key,
        item: e.item,
        received_at: e.received_at.to_rfc3339(),
        processed_at: e.processed_at.map(|t| t.to_rfc3339()),
    }
}

#[utoipa::path(get, path = "/api/v1/operations/jobs", tag = "operations", params(JobParams),
    responses((status = 200, body = JobPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_jobs(
    caller: ApiCaller,
    params: Result<Query<JobParams>, QueryRejection>,
) -> Result<Json<JobPage>, ApiError> {
    caller.require(Action::ViewOperations)?;
    let p = params::query(params)?;
    let filter = TroubleFilter::parse(p.status.as_deref().unwrap_or(""))
        .ok_or_else(|| AppError::BadRequest("status must be dead or failing".into()))?;
    let (before, limit) = (params::cursor(p.before.as_deref())?, params::limit(p.limit)?);
    let search = params::search(p.q.as_deref())?;
    let page = caller.tenant.operations().troubled_jobs_page(&JobQuery { filter, search, before, limit }).await?;
    Ok(Json(JobPage { jobs: page.items.into_iter().map(job_dto).collect(), next: page.next.map(|c| c.to_string()) }))
}

/// Queues a dead or failing job to run now with all its attempts again (a failed reply is sent again).
#[utoipa::path(post, path = "/api/v1/operations/jobs/{job_id}/retry", tag = "operations",
    params(("job_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(super) async fn retry_job(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ViewOperations)?;
    let id = found(&id)?;
    caller.tenant.operations().retry_job(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/operations/events", tag = "operations", params(EventParams),
    responses((status = 200, body = EventPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn list_events(
    caller: ApiCaller,
    params: Result<Query<EventParams>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    caller.require(Action::ViewOperations)?;
    let p = params::query(params)?;
    let (before, limit) = (params::cursor(p.before.as_deref())?, params::limit(p.limit)?);
    let page = caller.tenant.operations().event_log(before.as_ref(), limit).await?;
    Ok(Json(EventPage {
        events: page.items.into_iter().map(event_dto).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}

//! Scheduled messages ("send later") through the API: list a conversation's, schedule one, change its text or time,
//! cancel it. When due it is queued as a reply written then, under the messaging window of that moment. A token is
//! not a person: what it schedules gets automation's window (no human-agent tag), as its replies do. Refusals
//! answer once, through `AppError`: a time or text out of bounds 422, a message sent, cancelled or due 409.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use maitre_app::scheduled::{Change, ScheduleError};
use maitre_domain::{Action, ScheduledMessageId};
use maitre_store::{ScheduledMessage, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody, params};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scheduled-messages", get(list).post(create))
        .route("/scheduled-messages/{id}", axum::routing::patch(update).delete(remove))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// The conversation's id.
    #[param(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    conversation: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledMessageDto {
    id: String,
    conversation_id: String,
    text: String,
    /// When it goes (RFC 3339, UTC).
    send_at: String,
    /// scheduled (may still change), sent (queued as a reply: see message_id) or cancelled.
    status: String,
    /// The member who wrote it; null when written through the API.
    author_id: Option<String>,
    author: Option<String>,
    /// The reply it became once sent; the thread shows how its send went.
    message_id: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledMessageList {
    data: Vec<ScheduledMessageDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduledMessageInput {
    #[schema(format = Uuid)]
    conversation_id: String,
    #[schema(pattern = r"\S", max_length = 4000)]
    text: String,
    /// RFC 3339, e.g. 2026-09-22T09:00:00+02:00: in the future, at most 90 days ahead.
    #[schema(format = DateTime)]
    send_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduledMessagePatch {
    #[schema(pattern = r"\S", max_length = 4000)]
    text: Option<String>,
    /// RFC 3339: in the future, at most 90 days ahead.
    #[schema(format = DateTime)]
    send_at: Option<String>,
}

fn dto(m: ScheduledMessage) -> ScheduledMessageDto {
    ScheduledMessageDto {
        id: m.id.to_string(),
        conversation_id: m.conversation_id.to_string(),
        text: m.body,
        send_at: m.send_at.to_rfc3339(),
        status: m.status.to_string(),
        author_id: m.author_id.map(|a| a.to_string()),
        author: m.author,
        message_id: m.message_id.map(|id| id.to_string()),
        created_at: m.created_at.to_rfc3339(),
        updated_at: m.updated_at.to_rfc3339(),
    }
}

fn send_at(s: &str) -> Result<DateTime<Utc>, AppError> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::Validation("send_at: not an RFC 3339 time, e.g. 2026-09-22T09:00:00+02:00".into()))
}

#[utoipa::path(get, path = "/api/v1/scheduled-messages", tag = "scheduled", params(ListParams),
    responses((status = 200, description = "The conversation's scheduled messages, whatever their status, by time",
            body = ScheduledMessageList),
        (status = 404, description = "No such conversation in this account", body = ErrorBody)))]
async fn list(
    caller: ApiCaller,
    p: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ScheduledMessageList>, ApiError> {
    caller.require(Action::ViewInbox)?;
    let p = params::query(p)?;
    let conversation = super::inbox::conversation(&caller, &p.conversation).await?.id;
    let data = caller.tenant.scheduled().list(conversation).await?.into_iter().map(dto).collect();
    Ok(Json(ScheduledMessageList { data }))
}

#[utoipa::path(post, path = "/api/v1/scheduled-messages", tag = "scheduled", request_body = ScheduledMessageInput,
    responses((status = 201, description = "Scheduled", body = ScheduledMessageDto),
        (status = 404, description = "No such conversation in this account", body = ErrorBody),
        (status = 422, description = "send_at in the past or more than 90 days ahead, or the text empty or over \
            4000 characters", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<ScheduledMessageInput>,
) -> Result<(StatusCode, Json<ScheduledMessageDto>), ApiError> {
    caller.require(Action::WorkInbox)?;
    let conversation = input
        .conversation_id
        .parse()
        .map_err(|_| AppError::Validation("conversation_id: not a conversation id".into()))?;
    let at = send_at(&input.send_at)?;
    match state.app.schedule(&caller.tenant, conversation, None, &input.text, at).await {
        Ok(created) => Ok((StatusCode::CREATED, Json(dto(created)))),
        // The body's conversation, not the path, names nothing: 404 naming the field, as the other bodies do.
        Err(ScheduleError::Store(StoreError::NotFound)) => {
            Err(AppError::Unknown("conversation_id: there is no such conversation in this account".into()).into())
        }
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(patch, path = "/api/v1/scheduled-messages/{id}", tag = "scheduled", params(("id" = String, Path)),
    request_body = ScheduledMessagePatch,
    responses((status = 200, body = ScheduledMessageDto), (status = 404, body = ErrorBody),
        (status = 409, description = "Sent, cancelled or due already: it can no longer change", body = ErrorBody),
        (status = 422, description = "send_at in the past or more than 90 days ahead, or the text empty or over \
            4000 characters", body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScheduledMessagePatch>,
) -> Result<Json<ScheduledMessageDto>, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id: ScheduledMessageId = found(&id)?;
    let at = input.send_at.as_deref().map(send_at).transpose()?;
    let change = Change { text: input.text.as_deref(), send_at: at };
    Ok(Json(dto(state.app.reschedule(&caller.tenant, id, change).await?)))
}

#[utoipa::path(delete, path = "/api/v1/scheduled-messages/{id}", tag = "scheduled", params(("id" = String, Path)),
    responses((status = 204, description = "Cancelled: it will not be sent (the list keeps it as cancelled)"),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Sent, cancelled or due already", body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    state.app.cancel_scheduled(&caller.tenant, found(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

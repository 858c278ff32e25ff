//! Broadcasts through the API: write one for a segment, see a dry run (who would receive it, why the others would
//! not), send it now or schedule it, pause, resume or cancel it, and follow its progress recipient by recipient.
//! Only guests who said yes to marketing messages receive it, each within their platform's rules at the moment it
//! goes. A command the broadcast's state does not allow (or a change after it started) answers 409.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use maitre_app::broadcasts::{Written, create_broadcast, update_broadcast};
use maitre_domain::broadcasts::{Command, Route};
use maitre_domain::{Action, BroadcastId, MessageStatus};
use maitre_store::{Broadcast, BroadcastProgress, RecipientRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody, params};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/broadcasts", get(list).post(create))
        .route("/broadcasts/{id}", get(get_one).patch(update).delete(remove))
        .route("/broadcasts/{id}/dry-run", get(dry_run))
        .route("/broadcasts/{id}/recipients", get(recipients))
        .route("/broadcasts/{id}/schedule", post(schedule))
        .route("/broadcasts/{id}/{command}", post(command))
}

#[derive(Serialize, ToSchema)]
pub struct ProgressDto {
    /// Guests of the segment when it started.
    recipients: i64,
    /// Not taken care of yet.
    pending: i64,
    /// Not sent: see skipped_reasons.
    skipped: i64,
    /// Skipped guests by reason: not_opted_in, opted_out, window_closed, needs_template, template_unusable,
    /// template_values, no_conversation, channel_unavailable.
    #[schema(value_type = Object)]
    skipped_reasons: serde_json::Map<String, serde_json::Value>,
    /// Messages waiting for their send.
    queued: i64,
    sent: i64,
    delivered: i64,
    read: i64,
    /// Refused by the platform (the recipient's row says why).
    failed: i64,
    /// Not reached because the broadcast was cancelled first.
    cancelled: i64,
    /// Guests who wrote back after their message.
    replied: i64,
    /// Guests who said no to messages after it.
    opted_out: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BroadcastDto {
    id: String,
    name: String,
    segment_id: Option<String>,
    text: String,
    template_id: Option<String>,
    /// draft, scheduled, sending, paused, done or cancelled.
    status: String,
    /// When a scheduled broadcast starts (RFC 3339, UTC).
    send_at: Option<String>,
    /// Messages a second.
    rate: u32,
    created_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    progress: ProgressDto,
}

#[derive(Serialize, ToSchema)]
pub struct BroadcastList {
    data: Vec<BroadcastDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BroadcastInput {
    #[schema(pattern = r"\S", max_length = 80)]
    name: String,
    #[schema(format = Uuid)]
    segment_id: String,
    /// The message; placeholders such as {{contact.first_name}} are filled per guest.
    #[schema(pattern = r"\S", max_length = 1000)]
    text: String,
    /// An approved MARKETING or UTILITY template, for WhatsApp guests outside the 24-hour window.
    template_id: Option<String>,
    /// Messages a second, 1–80 (default 20).
    #[schema(minimum = 1, maximum = 80)]
    rate: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// RFC 3339: in the future, at most 90 days ahead.
    #[schema(format = DateTime)]
    send_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct DryRunDto {
    /// Guests the segment takes in now.
    recipients: u64,
    /// How many would receive it.
    reached: u64,
    /// …of them as the text (inside the window; Telegram).
    as_text: u64,
    /// …of them as the WhatsApp template.
    as_template: u64,
    /// Guests who would not, by reason.
    #[schema(value_type = Object)]
    skipped: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct RecipientDto {
    contact_id: String,
    name: String,
    platform: String,
    /// pending, queued, skipped or cancelled.
    status: String,
    /// Why a skipped guest was not sent it.
    reason: Option<String>,
    /// queued, sent, delivered, read or failed, once queued.
    message_status: Option<String>,
    /// Why the platform refused the message.
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecipientPage {
    items: Vec<RecipientDto>,
    /// Pass as `after` for the next page; absent on the last one.
    next: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientParams {
    /// `next` of the previous page.
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

fn counts<K: ToString>(pairs: impl IntoIterator<Item = (K, u64)>) -> serde_json::Map<String, serde_json::Value> {
    pairs.into_iter().map(|(k, n)| (k.to_string(), n.into())).collect()
}

fn progress_dto(p: &BroadcastProgress) -> ProgressDto {
    let n = |s| p.message_count(s);
    ProgressDto {
        recipients: p.recipients,
        pending: p.pending,
        skipped: p.skipped_count(),
        skipped_reasons: counts(p.skipped.iter().map(|(s, n)| (s, u64::try_from(*n).unwrap_or_default()))),
        queued: n(MessageStatus::Queued),
        sent: n(MessageStatus::Sent),
        delivered: n(MessageStatus::Delivered),
        read: n(MessageStatus::Read),
        failed: n(MessageStatus::Failed),
        cancelled: p.cancelled,
        replied: p.replied,
        opted_out: p.opted_out,
    }
}

async fn dto(caller: &ApiCaller, b: Broadcast) -> Result<BroadcastDto, ApiError> {
    let progress = caller.tenant.broadcasts().progress(b.id).await?;
    Ok(BroadcastDto {
        id: b.id.to_string(),
        name: b.name,
        segment_id: b.segment_id.map(|s| s.to_string()),
        text: b.body,
        template_id: b.template_id,
        status: b.status.to_string(),
        send_at: b.send_at.map(|t| t.to_rfc3339()),
        rate: b.rate,
        created_at: b.created_at.to_rfc3339(),
        started_at: b.started_at.map(|t| t.to_rfc3339()),
        finished_at: b.finished_at.map(|t| t.to_rfc3339()),
        progress: progress_dto(&progress),
    })
}

fn written(input: &BroadcastInput) -> Result<Written<'_>, AppError> {
    Ok(Written {
        name: &input.name,
        segment: input.segment_id.parse().map_err(|_| AppError::Validation("segment_id: not a segment id".into()))?,
        text: &input.text,
        template: input.template_id.as_deref().filter(|t| !t.is_empty()),
        rate: input.rate,
    })
}

#[utoipa::path(get, path = "/api/v1/broadcasts", tag = "broadcasts",
    responses((status = 200, description = "The latest 100 broadcasts, newest first", body = BroadcastList)))]
async fn list(caller: ApiCaller) -> Result<Json<BroadcastList>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let mut data = Vec::new();
    for b in caller.tenant.broadcasts().list(100).await? {
        data.push(dto(&caller, b).await?);
    }
    Ok(Json(BroadcastList { data }))
}

#[utoipa::path(get, path = "/api/v1/broadcasts/{id}", tag = "broadcasts", params(("id" = String, Path)),
    responses((status = 200, body = BroadcastDto), (status = 404, body = ErrorBody)))]
async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<BroadcastDto>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let b = caller.tenant.broadcasts().get(found(&id)?).await?;
    Ok(Json(dto(&caller, b).await?))
}

#[utoipa::path(post, path = "/api/v1/broadcasts", tag = "broadcasts", request_body = BroadcastInput,
    responses((status = 201, description = "Saved as a draft", body = BroadcastDto),
        (status = 404, description = "No such segment", body = ErrorBody),
        (status = 422, description = "Name or text empty or too long, a pace out of range, or a template that is \
            not this business's", body = ErrorBody)))]
async fn create(
    caller: ApiCaller,
    ApiJson(input): ApiJson<BroadcastInput>,
) -> Result<(StatusCode, Json<BroadcastDto>), ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let b = create_broadcast(&caller.tenant, &written(&input)?, None).await?;
    Ok((StatusCode::CREATED, Json(dto(&caller, b).await?)))
}

#[utoipa::path(patch, path = "/api/v1/broadcasts/{id}", tag = "broadcasts", params(("id" = String, Path)),
    request_body = BroadcastInput,
    responses((status = 200, body = BroadcastDto), (status = 404, body = ErrorBody),
        (status = 409, description = "It started already", body = ErrorBody),
        (status = 422, description = "As for creating", body = ErrorBody)))]
async fn update(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<BroadcastInput>,
) -> Result<Json<BroadcastDto>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    caller.tenant.broadcasts().get(id).await?;
    let b = update_broadcast(&caller.tenant, id, &written(&input)?).await?;
    Ok(Json(dto(&caller, b).await?))
}

#[utoipa::path(delete, path = "/api/v1/broadcasts/{id}", tag = "broadcasts", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted with its recipients (the messages sent stay in the threads)"),
        (status = 404, body = ErrorBody),
        (status = 409, description = "It is sending or paused: cancel it first", body = ErrorBody)))]
async fn remove(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    caller.tenant.broadcasts().delete(found(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/broadcasts/{id}/dry-run", tag = "broadcasts", params(("id" = String, Path)),
    responses((status = 200, description = "Who would receive it right now, and why the others would not",
        body = DryRunDto), (status = 404, body = ErrorBody)))]
async fn dry_run(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<DryRunDto>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let b = caller.tenant.broadcasts().get(found(&id)?).await?;
    let t = state.app.dry_run(&caller.tenant, &b).await?;
    Ok(Json(DryRunDto {
        recipients: t.total(),
        reached: t.reached(),
        as_text: t.routes.get(&Route::Text).copied().unwrap_or_default(),
        as_template: t.routes.get(&Route::Template).copied().unwrap_or_default(),
        skipped: counts(t.skipped.iter().map(|(s, n)| (s, *n))),
    }))
}

#[utoipa::path(post, path = "/api/v1/broadcasts/{id}/schedule", tag = "broadcasts", params(("id" = String, Path)),
    request_body = ScheduleInput,
    responses((status = 200, description = "Starts by itself at send_at", body = BroadcastDto),
        (status = 402, description = "The plan's broadcasts of the month are used up", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "It started already", body = ErrorBody),
        (status = 422, description = "send_at in the past or more than 90 days ahead", body = ErrorBody)))]
async fn schedule(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<BroadcastDto>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    let at: DateTime<Utc> = DateTime::parse_from_rfc3339(input.send_at.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| AppError::Validation("send_at: not an RFC 3339 time, e.g. 2026-09-22T09:00:00+02:00".into()))?;
    caller.tenant.broadcasts().get(id).await?;
    let b = state.app.schedule_broadcast(&caller.tenant, id, at).await?;
    Ok(Json(dto(&caller, b).await?))
}

#[utoipa::path(post, path = "/api/v1/broadcasts/{id}/{command}", tag = "broadcasts",
    params(("id" = String, Path), ("command" = String, Path, description = "send, pause, resume or cancel",
        pattern = "^(send|pause|resume|cancel)$")),
    responses((status = 200, body = BroadcastDto),
        (status = 402, description = "send: the plan's broadcasts of the month are used up", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Not in this state (e.g. pausing a draft, resuming a finished one)",
            body = ErrorBody)))]
async fn command(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, command)): Path<(String, String)>,
) -> Result<Json<BroadcastDto>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let command: Command = command.parse().ok().filter(|c| *c != Command::Schedule).ok_or(AppError::NotFound)?;
    let b = state.app.command_broadcast(&caller.tenant, found(&id)?, command).await?;
    Ok(Json(dto(&caller, b).await?))
}

fn recipient_dto(r: RecipientRow) -> RecipientDto {
    RecipientDto {
        contact_id: r.contact_id.to_string(),
        name: r.name,
        platform: r.platform.as_str().to_owned(),
        status: r.status,
        reason: r.skip.map(|s| s.to_string()),
        message_status: r.message_status.map(|s| s.as_str().to_owned()),
        error: Some(r.error).filter(|e| !e.is_empty()),
    }
}

#[utoipa::path(get, path = "/api/v1/broadcasts/{id}/recipients", tag = "broadcasts",
    params(("id" = String, Path), RecipientParams),
    responses((status = 200, body = RecipientPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn recipients(
    caller: ApiCaller,
    Path(id): Path<String>,
    p: Result<Query<RecipientParams>, QueryRejection>,
) -> Result<Json<RecipientPage>, ApiError> {
    caller.require(Action::SendBroadcasts)?;
    let p = params::query(p)?;
    let limit = params::limit(p.limit)?;
    let after = match p.after.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(a.parse().map_err(|_| AppError::BadRequest("after: not a contact id".into()))?),
        None => None,
    };
    let id: BroadcastId = found(&id)?;
    caller.tenant.broadcasts().get(id).await?;
    let mut rows = caller.tenant.broadcasts().recipients(id, after, limit + 1).await?;
    let next = (i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit).then(|| {
        rows.truncate(usize::try_from(limit).unwrap_or_default());
        rows.last().map(|r| r.contact_id.to_string()).unwrap_or_default()
    });
    Ok(Json(RecipientPage { items: rows.into_iter().map(recipient_dto).collect(), next }))
}

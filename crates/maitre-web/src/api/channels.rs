//! Channels through the API: list, connect Telegram and WhatsApp, check health, set the automatic reply,
//! disconnect. Tokens go in and are never returned.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use maitre_domain::Action;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels", get(list))
        .route("/channels/telegram", post(connect_telegram))
        .route("/channels/whatsapp", post(connect_whatsapp))
        .route("/channels/{channel_id}", axum::routing::patch(update).delete(remove))
        .route("/channels/{channel_id}/verify", post(verify))
}

#[derive(Serialize, ToSchema)]
pub struct ChannelDto {
    id: String,
    /// instagram, messenger, whatsapp or telegram.
    platform: String,
    external_id: String,
    name: String,
    /// connected, invalid, needs_attention or needs_reconnect.
    status: String,
    status_reason: String,
    checked_at: Option<String>,
    token_expires_at: Option<String>,
    auto_reply: String,
    /// The platform confirmed the token reads this account; another business cannot take it over then.
    verified: bool,
}

fn dto(c: maitre_store::Channel) -> ChannelDto {
    ChannelDto {
        id: c.id.to_string(),
        platform: c.platform.as_str().to_owned(),
        external_id: c.external_id,
        name: c.name,
        status: c.status.to_string(),
        status_reason: c.status_reason,
        checked_at: c.checked_at.map(|t| t.to_rfc3339()),
        token_expires_at: c.token_expires_at.map(|t| t.to_rfc3339()),
        auto_reply: c.auto_reply,
        verified: c.verified,
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TelegramInput {
    /// The bot token from @BotFather: the bot's number, a colon, its secret.
    #[schema(pattern = "^[0-9]{1,20}:[A-Za-z0-9_-]{1,100}$")]
    token: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppInput {
    /// The long number WhatsApp Manager shows for the phone number.
    #[schema(pattern = "^[0-9]{1,32}$")]
    phone_number_id: String,
    /// A system-user token with whatsapp_business_messaging.
    token: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    /// Sent to every new message of a guest in bot mode; empty turns it off.
    auto_reply: String,
}

#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = Vec<ChannelDto>), (status = 403, body = super::ErrorBody)))]
pub async fn list(caller: ApiCaller) -> Result<Json<Vec<ChannelDto>>, ApiError> {
    caller.require(Action::ManageChannels)?;
    Ok(Json(caller.tenant.channels().list().await?.into_iter().map(dto).collect()))
}

#[utoipa::path(post, path = "/api/v1/channels/telegram", tag = "channels", request_body = TelegramInput,
    responses((status = 201, body = ChannelDto), (status = 402, description = "The plan's channels are used up",
        body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn connect_telegram(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<TelegramInput>,
) -> Result<(StatusCode, Json<ChannelDto>), ApiError> {
    caller.require(Action::ManageChannels)?;
    let ch = state
        .app
        .connect_telegram(&caller.tenant, &input.token, &state.settings.public_url())
        .await
        .map_err(AppError::from)?;
    Ok((StatusCode::CREATED, Json(dto(ch))))
}

#[utoipa::path(post, path = "/api/v1/channels/whatsapp", tag = "channels", request_body = WhatsAppInput,
    responses((status = 201, body = ChannelDto), (status = 402, description = "The plan's channels are used up",
        body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn connect_whatsapp(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<WhatsAppInput>,
) -> Result<(StatusCode, Json<ChannelDto>), ApiError> {
    caller.require(Action::ManageChannels)?;
    let name = input.name.as_deref().unwrap_or_default();
    let ch = state
        .app
        .connect_whatsapp(&caller.tenant, &input.phone_number_id, &input.token, name)
        .await
        .map_err(AppError::from)?;
    Ok((StatusCode::CREATED, Json(dto(ch))))
}

#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/verify", tag = "channels", params(("channel_id" = String, Path)),
    responses((status = 200, body = ChannelDto), (status = 404, body = super::ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<ChannelDto>, ApiError> {
    caller.require(Action::ManageChannels)?;
    let ch = state.app.verify(&caller.tenant, found(&id)?).await.map_err(AppError::from)?;
    Ok(Json(dto(ch)))
}

#[utoipa::path(patch, path = "/api/v1/channels/{channel_id}", tag = "channels", params(("channel_id" = String, Path)),
    request_body = ChannelPatch,
    responses((status = 200, body = ChannelDto), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ChannelPatch>,
) -> Result<Json<ChannelDto>, ApiError> {
    caller.require(Action::ManageChannels)?;
    let id = found(&id)?;
    state.app.set_auto_reply(&caller.tenant, id, &input.auto_reply).await.map_err(AppError::from)?;
    Ok(Json(dto(caller.tenant.channels().channel(id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/channels/{channel_id}", tag = "channels", params(("channel_id" = String, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageChannels)?;
    caller.tenant.channels().delete_channel(found(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! WhatsApp message templates through the API: name a channel's business account (WABA) and sync its templates,
//! list and read them with a preview, create one written with maitre's placeholders (submitted to Meta for
//! review), delete one, and send an approved one in a conversation whatever the 24-hour window. Refusals answer
//! once, through `AppError`: the template's rules 422, Meta's own refusals 502 with Meta's words.
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use maitre_app::templates::{Synced, TemplateFailure};
use maitre_domain::templates::{self, Authored, ButtonAction, ParameterFormat, TemplateButton, TemplateCategory};
use maitre_domain::{Action, ChannelId};
use maitre_store::{StoreError, StoredTemplate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/templates", get(list).post(create))
        .route("/templates/{id}", get(get_one).delete(remove))
        .route("/channels/{channel_id}/waba", post(set_waba))
        .route("/channels/{channel_id}/templates/sync", post(sync))
        .route("/conversations/{id}/template", post(send))
}

#[derive(Serialize, ToSchema)]
pub struct MessageTemplateDto {
    id: String,
    /// The WhatsApp business account the template belongs to.
    waba_id: String,
    name: String,
    /// A WhatsApp language code, e.g. de or en_US.
    language: String,
    /// MARKETING, UTILITY or AUTHENTICATION (Meta may change the one asked for).
    category: String,
    /// PENDING, APPROVED, REJECTED, PAUSED, DISABLED, DELETED, or another state Meta names. Only APPROVED ones
    /// can be sent.
    status: String,
    /// Why it was rejected or paused, in Meta's words.
    status_reason: String,
    /// POSITIONAL (`{{1}}`) or NAMED (`{{first_name}}`).
    parameter_format: String,
    header: Option<String>,
    /// In Meta's form: variables are `{{1}}`, `{{2}}` … (or names).
    body: String,
    footer: Option<String>,
    buttons: Vec<ButtonDto>,
    /// How many values a send carries (header first, then body).
    variables: usize,
    /// Filled from the guest and their next booking when sent without values (templates made in maitre).
    bound: bool,
    /// The maitre placeholder behind each variable, e.g. contact.first_name; empty for templates made at Meta.
    bindings: Vec<String>,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ButtonDto {
    /// QUICK_REPLY, URL or PHONE_NUMBER.
    r#type: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageTemplateList {
    data: Vec<MessageTemplateDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageTemplateDetail {
    #[serde(flatten)]
    template: MessageTemplateDto,
    /// What a guest reads: a bound template filled for a sample guest, any other with … where values go.
    preview: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplateInput {
    /// The WhatsApp channel whose business account gets the template.
    #[schema(format = Uuid)]
    channel_id: String,
    /// Lowercase letters, digits and _, e.g. reservation_reminder.
    #[schema(pattern = "^[a-z0-9_]{1,512}$")]
    name: String,
    /// A WhatsApp language code, e.g. de, en_US, fr.
    #[schema(pattern = "^[A-Za-z]{2,3}([_-][A-Za-z]{2})?$")]
    language: String,
    #[schema(pattern = "^(MARKETING|UTILITY)$")]
    category: String,
    /// Up to 60 characters with at most one placeholder.
    #[schema(max_length = 60)]
    header: Option<String>,
    /// Written with maitre's placeholders, e.g. `See you on {{reservation.date}} at {{reservation.time}}!`;
    /// contact.*, account.* and reservation.* are known. It may not start or end with one.
    #[schema(max_length = 1024)]
    body: String,
    /// Up to 60 characters, no placeholders.
    #[schema(max_length = 60)]
    footer: Option<String>,
    /// Labels of quick-reply buttons, 1 to 25 characters each.
    quick_replies: Option<Vec<String>>,
    /// What each quick-reply button does when the template carries a message about a booking (a reminder, a
    /// decision): reply (the default), confirm or cancel the booking.
    quick_reply_actions: Option<Vec<ButtonActionDto>>,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ButtonActionDto {
    Reply,
    Confirm,
    Cancel,
}

impl From<ButtonActionDto> for ButtonAction {
    fn from(a: ButtonActionDto) -> Self {
        match a {
            ButtonActionDto::Reply => ButtonAction::Reply,
            ButtonActionDto::Confirm => ButtonAction::Confirm,
            ButtonActionDto::Cancel => ButtonAction::Cancel,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WabaInput {
    /// The long number WhatsApp Manager shows for the business account.
    #[schema(pattern = "^[0-9]{1,32}$")]
    waba_id: String,
}

#[derive(Serialize, ToSchema)]
pub struct SyncedDto {
    /// The templates the business account holds that maitre can send.
    templates: usize,
    /// Templates kept here that Meta no longer holds.
    removed: u64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSendInput {
    #[schema(format = Uuid)]
    template_id: String,
    /// A value per variable in order (header first). Leave out to fill a bound template from the guest and their
    /// next booking.
    values: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct QueuedDto {
    /// The message in the thread; its status follows the send.
    message_id: String,
}

fn dto(t: StoredTemplate) -> MessageTemplateDto {
    let (variables, bound) = (t.content.variable_count(), t.bound());
    let c = t.content;
    MessageTemplateDto {
        id: t.id,
        waba_id: t.waba_id,
        name: t.name,
        language: t.language,
        category: t.category.as_str().to_owned(),
        status: t.status.to_string(),
        status_reason: t.status_reason,
        parameter_format: match c.parameter_format {
            ParameterFormat::Positional => "POSITIONAL",
            ParameterFormat::Named => "NAMED",
        }
        .to_owned(),
        header: c.header,
        body: c.body,
        footer: c.footer,
        buttons: c.buttons.into_iter().map(button).collect(),
        variables,
        bound,
        bindings: t.bindings,
        updated_at: t.updated_at.to_rfc3339(),
    }
}

fn button(b: TemplateButton) -> ButtonDto {
    let (kind, text, url, phone_number) = match b {
        TemplateButton::QuickReply { text } => ("QUICK_REPLY", text, None, None),
        TemplateButton::Url { text, url } => ("URL", text, Some(url), None),
        TemplateButton::PhoneNumber { text, phone_number } => ("PHONE_NUMBER", text, None, Some(phone_number)),
    };
    ButtonDto { r#type: kind.to_owned(), text, url, phone_number }
}

/// A body's id that names nothing in this account: 404 naming the field, as the contacts API answers.
fn unknown(field: &'static str) -> impl FnOnce(TemplateFailure) -> ApiError {
    move |e| match e {
        TemplateFailure::Store(StoreError::NotFound) => {
            let what = field.trim_end_matches("_id");
            AppError::Unknown(format!("{field}: there is no such {what} in this account")).into()
        }
        e => e.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/templates", tag = "templates",
    responses((status = 200, body = MessageTemplateList), (status = 403, body = ErrorBody)))]
async fn list(caller: ApiCaller) -> Result<Json<MessageTemplateList>, ApiError> {
    caller.require(Action::ViewInbox)?;
    let data = caller.tenant.templates().list().await?.into_iter().map(dto).collect();
    Ok(Json(MessageTemplateList { data }))
}

#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = String, Path)),
    responses((status = 200, body = MessageTemplateDetail), (status = 404, body = ErrorBody)))]
async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<MessageTemplateDetail>, ApiError> {
    caller.require(Action::ViewInbox)?;
    let t = caller.tenant.templates().get(&id).await?;
    let account = caller.tenant.account().await?.settings;
    let preview = templates::sample_preview(&t.content, &t.bindings, account.locale, &account.name);
    Ok(Json(MessageTemplateDetail { template: dto(t), preview }))
}

#[utoipa::path(post, path = "/api/v1/templates", tag = "templates", request_body = MessageTemplateInput,
    responses((status = 201, description = "Submitted for review: PENDING", body = MessageTemplateDto),
        (status = 404, description = "No such channel in this account", body = ErrorBody),
        (status = 409, description = "The channel's credentials cannot be read; reconnect it", body = ErrorBody),
        (status = 422, description = "Not a WhatsApp channel, no business account ID yet, or the template breaks \
            a rule (unknown placeholder, name, lengths …)", body = ErrorBody),
        (status = 502, description = "WhatsApp refused the template", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<MessageTemplateInput>,
) -> Result<(StatusCode, Json<MessageTemplateDto>), ApiError> {
    caller.require(Action::ManageChannels)?;
    let channel: ChannelId =
        input.channel_id.parse().map_err(|_| AppError::Validation("channel_id: not a channel id".into()))?;
    // An AUTHENTICATION template is refused by `compile` with the other rules.
    let category: TemplateCategory = input.category.parse().map_err(TemplateFailure::from)?;
    let authored = Authored {
        name: input.name,
        language: input.language,
        category,
        header: input.header,
        body: input.body,
        footer: input.footer,
        buttons: input
            .quick_replies
            .unwrap_or_default()
            .into_iter()
            .map(|text| TemplateButton::QuickReply { text })
            .collect(),
        actions: input.quick_reply_actions.unwrap_or_default().into_iter().map(ButtonAction::from).collect(),
    };
    let t = state.app.create_template(&caller.tenant, channel, &authored).await.map_err(unknown("channel_id"))?;
    Ok((StatusCode::CREATED, Json(dto(t))))
}

#[utoipa::path(delete, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted at WhatsApp (this language) and here"),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The channel's credentials cannot be read; reconnect it", body = ErrorBody),
        (status = 422, description = "No channel names the template's business account any more", body = ErrorBody),
        (status = 502, description = "WhatsApp refused the deletion", body = ErrorBody)))]
async fn remove(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageChannels)?;
    state.app.delete_template(&caller.tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn synced(s: Synced) -> Json<SyncedDto> {
    Json(SyncedDto { templates: s.templates, removed: s.removed })
}

#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/waba", tag = "templates",
    params(("channel_id" = String, Path)), request_body = WabaInput,
    responses((status = 200, description = "Named, and its templates synced", body = SyncedDto),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The channel's credentials cannot be read; reconnect it", body = ErrorBody),
        (status = 422, description = "Not a WhatsApp channel, or not a business account ID", body = ErrorBody),
        (status = 502, description = "WhatsApp refused to list the account's templates", body = ErrorBody)))]
async fn set_waba(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<WabaInput>,
) -> Result<Json<SyncedDto>, ApiError> {
    caller.require(Action::ManageChannels)?;
    Ok(synced(state.app.set_waba(&caller.tenant, found(&id)?, &input.waba_id).await?))
}

#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/templates/sync", tag = "templates",
    params(("channel_id" = String, Path)),
    responses((status = 200, body = SyncedDto), (status = 404, body = ErrorBody),
        (status = 409, description = "The channel's credentials cannot be read; reconnect it", body = ErrorBody),
        (status = 422, description = "Not a WhatsApp channel, or no business account ID yet", body = ErrorBody),
        (status = 502, description = "WhatsApp refused to list the account's templates", body = ErrorBody)))]
async fn sync(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
) -> Result<Json<SyncedDto>, ApiError> {
    caller.require(Action::ManageChannels)?;
    Ok(synced(state.app.sync_templates(&caller.tenant, found(&id)?).await?))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/template", tag = "templates", params(("id" = String, Path)),
    request_body = TemplateSendInput,
    responses((status = 202, description = "Queued; the thread shows how the send went", body = QueuedDto),
        (status = 404, description = "Unknown conversation or template", body = ErrorBody),
        (status = 422, description = "Not a WhatsApp conversation, a template of another business account, not \
            approved (pending, paused …), or values missing", body = ErrorBody)))]
async fn send(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TemplateSendInput>,
) -> Result<(StatusCode, Json<QueuedDto>), ApiError> {
    caller.require(Action::WorkInbox)?;
    let conversation = super::inbox::conversation(&caller, &id).await?;
    let values = input.values.unwrap_or_default();
    let message = state
        .app
        .send_template(&caller.tenant, &conversation, None, &input.template_id, &values)
        .await
        .map_err(unknown("template_id"))?;
    Ok((StatusCode::ACCEPTED, Json(QueuedDto { message_id: message.to_string() })))
}

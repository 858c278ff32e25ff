//! The inbox over the API: conversations (filters, search, keyset pages), a thread, and the same actions as the
//! pages. A token is not a person: its replies get automation's messaging window (no human-agent tag), and the
//! trail records them as done by the API.
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use maitre_app::inbox::ReplyInput;
use maitre_domain::{Action, Locale, UserId};
use maitre_store::{ConversationView, Filter, InboxQuery, ThreadItem};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params;
use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};
use crate::i18n::Tr;
use crate::inbox::{hand_back as hand_back_to_bot, input_error, send_reply};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list))
        .route("/conversations/{id}", get(thread))
        .route("/conversations/{id}/reply", post(reply))
        .route("/conversations/{id}/notes", post(note))
        .route("/conversations/{id}/assign", post(assign))
        .route("/conversations/{id}/takeover", post(take_over))
        .route("/conversations/{id}/handback", post(hand_back))
        .route("/conversations/{id}/close", post(close))
        .route("/conversations/{id}/reopen", post(reopen))
}

/// API answers are in English.
const TR: Tr = Tr { locale: Locale::En };

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// open (default), unassigned, bot, human, closed or all.
    #[param(pattern = "^(open|unassigned|bot|human|closed|all)?$")]
    filter: Option<String>,
    /// A channel's id.
    #[param(pattern = "^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$")]
    channel: Option<String>,
    tag: Option<String>,
    /// Part of a message's text or of the contact's name.
    #[param(max_length = 200)]
    q: Option<String>,
    /// `next` of the previous page.
    #[param(pattern = r"^([0-9]{1,15}\.[0-9A-Za-z-]{1,64})?$")]
    after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDto {
    id: String,
    channel_id: String,
    platform: String,
    contact_id: String,
    contact_name: String,
    /// open, pending or closed.
    status: String,
    /// bot or human.
    mode: String,
    assignee: Option<String>,
    tags: Vec<String>,
    last_inbound_at: Option<String>,
    last_message_at: String,
    preview: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationPage {
    items: Vec<ConversationDto>,
    /// Pass as `after` for the next page; absent on the last one.
    next: Option<String>,
}

/// A message, note or trail entry.
#[derive(Serialize, ToSchema)]
pub struct ThreadItemDto {
    /// message, note or activity.
    r#type: String,
    id: Option<String>,
    /// Messages: in or out.
    direction: Option<String>,
    /// Messages: text, image, story_reply, …; activity: assigned, taken_over, closed, ….
    kind: Option<String>,
    text: String,
    /// Outbound messages: queued, sent, delivered, read or failed.
    status: Option<String>,
    error: Option<String>,
    /// Who wrote the note, sent the message by hand or did the action.
    by: Option<String>,
    at: String,
    /// Inbound messages: images, audio, video, documents, shared posts, story mentions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<AttachmentDto>,
    /// Inbound messages: the story a guest replied to, or the post they commented on.
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<ReferenceDto>,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    /// image, audio, video, document, sticker, share or story_mention.
    r#type: String,
    /// Only http(s) URLs are passed on; media without one (e.g. WhatsApp's, fetched by id) have none.
    url: Option<String>,
    mime_type: Option<String>,
    filename: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferenceDto {
    /// story or post.
    r#type: String,
    id: Option<String>,
    url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ThreadDto {
    conversation: ConversationDto,
    items: Vec<ThreadItemDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    #[schema(pattern = r"\S", max_length = 4000)]
    text: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HandBackInput {
    /// A flow to start from its start node (published, enabled, running on the conversation's channel).
    #[schema(format = Uuid)]
    flow: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// A member's user id, or null to unassign.
    #[schema(format = Uuid)]
    assignee: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: String,
}

fn dto(c: ConversationView) -> ConversationDto {
    ConversationDto {
        channel_id: c.channel_id.to_string(),
        platform: c.platform.as_str().to_owned(),
        contact_id: c.contact_id.to_string(),
        contact_name: c.contact_name,
        status: c.status.to_string(),
        mode: c.mode.to_string(),
        assignee: c.assignee.map(|a| a.to_string()),
        tags: c.tags,
        last_inbound_at: c.last_inbound_at.map(|t| t.to_rfc3339()),
        last_message_at: c.last_message_at.to_rfc3339(),
        preview: c.preview,
        id: c.id.to_string(),
    }
}

/// Tokens have no read markers: counts are relative to nobody.
fn nobody() -> UserId {
    UserId::from_uuid(uuid::Uuid::nil())
}

/// The conversation a path names, as a token sees it; another account's is NotFound.
pub(super) async fn conversation(caller: &ApiCaller, id: &str) -> Result<ConversationView, ApiError> {
    Ok(caller.tenant.inbox().conversation(found(id)?, nobody()).await?)
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "inbox", params(ListParams),
    responses((status = 200, body = ConversationPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list(
    caller: ApiCaller,
    p: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ConversationPage>, ApiError> {
    caller.require(Action::ViewInbox)?;
    let p = params::query(p)?;
    let filter = match Filter::parse(p.filter.as_deref().unwrap_or("")) {
        Some(Filter::Mine) | None => return Err(AppError::BadRequest(TR.t("inbox-bad-filter")).into()),
        Some(f) => f,
    };
    let channel = match p.channel.as_deref() {
        None | Some("") => None,
        Some(s) => Some(s.parse().map_err(|_| AppError::BadRequest(TR.t("inbox-bad-channel")))?),
    };
    let (after, limit) = (params::cursor(p.after.as_deref())?, params::limit(p.limit)?);
    let search = params::search(p.q.as_deref())?;
    let q = InboxQuery {
        filter,
        me: nobody(),
        channel,
        tag: p.tag.as_deref().filter(|t| !t.is_empty()),
        search,
        began: None,
        outcome: None,
        after,
        limit,
    };
    let page = caller.tenant.inbox().list(&q).await?;
    Ok(Json(ConversationPage {
        items: page.items.into_iter().map(dto).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}

fn item_dto(item: ThreadItem) -> ThreadItemDto {
    let at = item.at().to_rfc3339();
    match item {
        ThreadItem::Message(m) => ThreadItemDto {
            attachments: m
                .extras
                .attachments
                .iter()
                .map(|a| AttachmentDto {
                    r#type: a.kind.clone(),
                    url: a.http_url().map(str::to_owned),
                    mime_type: a.mime.clone(),
                    filename: a.name.clone(),
                })
                .collect(),
            reference: m.extras.reference.as_ref().map(|r| ReferenceDto {
                r#type: r.kind.clone(),
                id: r.id.clone(),
                url: r.http_url().map(str::to_owned),
            }),
            r#type: "message".into(),
            id: Some(m.id.to_string()),
            direction: Some(m.direction.to_string()),
            kind: Some(m.kind),
            text: m.body,
            status: Some(m.status.to_string()),
            error: Some(m.error).filter(|e| !e.is_empty()),
            by: m.sent_by,
            at,
        },
        ThreadItem::Note(n) => ThreadItemDto {
            r#type: "note".into(),
            id: Some(n.id),
            direction: None,
            kind: None,
            text: n.body,
            status: None,
            error: None,
            by: n.author,
            at,
            attachments: vec![],
            reference: None,
        },
        ThreadItem::Activity(a) => ThreadItemDto {
            r#type: "activity".into(),
            id: None,
            direction: None,
            kind: Some(a.kind),
            text: a.detail,
            status: None,
            error: None,
            by: a.actor,
            at,
            attachments: vec![],
            reference: None,
        },
    }
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "inbox", params(("id" = String, Path)),
    responses((status = 200, body = ThreadDto), (status = 404, body = ErrorBody)))]
async fn thread(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ThreadDto>, ApiError> {
    caller.require(Action::ViewInbox)?;
    let id = found(&id)?;
    let conversation = caller.tenant.inbox().conversation(id, nobody()).await?;
    let items = caller.tenant.inbox().thread(id).await?.into_iter().map(item_dto).collect();
    Ok(Json(ThreadDto { conversation: dto(conversation), items }))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reply", tag = "inbox", params(("id" = String, Path)),
    request_body = TextInput,
    responses((status = 201, body = Created), (status = 404, body = ErrorBody),
        (status = 422, description = "Outside the messaging window, or no text", body = ErrorBody)))]
async fn reply(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TextInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    caller.require(Action::WorkInbox)?;
    let conversation = conversation(&caller, &id).await?;
    let input = ReplyInput { text: &input.text, canned: None, by: None };
    let id = send_reply(&state, &caller.tenant, &TR, &conversation, input).await?.to_string();
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "inbox", params(("id" = String, Path)),
    request_body = TextInput,
    responses((status = 201, body = Created), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn note(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TextInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let id = caller.tenant.inbox().add_note(id, None, &input.text).await.map_err(|e| input_error(&TR, e))?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "inbox", params(("id" = String, Path)),
    request_body = AssignInput,
    responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn assign(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let not_member = || AppError::Unknown(TR.t("inbox-not-a-member"));
    let assignee = match input.assignee.as_deref() {
        None => None,
        Some(s) => Some(s.parse::<UserId>().map_err(|_| AppError::Validation(TR.t("inbox-not-a-member")))?),
    };
    caller.tenant.inbox().conversation(id, nobody()).await?;
    match caller.tenant.inbox().assign(id, assignee, None).await {
        Err(maitre_store::StoreError::NotFound) => Err(not_member().into()),
        other => other.map(|()| StatusCode::NO_CONTENT).map_err(Into::into),
    }
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/takeover", tag = "inbox", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn take_over(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    caller.tenant.inbox().take_over(id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/handback", tag = "inbox", params(("id" = String, Path)),
    request_body(content = HandBackInput, description = "Optional: a flow to start"),
    responses((status = 204), (status = 400, body = ErrorBody),
        (status = 404, description = "Unknown conversation or flow", body = ErrorBody),
        (status = 422, description = "The flow cannot start in this conversation", body = ErrorBody)))]
async fn hand_back(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    // The body is optional: a bare POST just hands back.
    let input: HandBackInput = if body.is_empty() {
        HandBackInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?
    };
    let conversation = caller.tenant.inbox().conversation(id, nobody()).await?;
    let flow = input.flow.as_deref().unwrap_or("");
    hand_back_to_bot(&state, &caller.tenant, &TR, &conversation, flow, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/close", tag = "inbox", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn close(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    caller.tenant.inbox().set_closed(id, true, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/reopen", tag = "inbox", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn reopen(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::WorkInbox)?;
    let id = found(&id)?;
    caller.tenant.inbox().set_closed(id, false, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! What the thread's forms do: reply, note, assign, take over, hand back, close and reopen, tag, retry a failed
//! send. Each answers with a redirect back to the thread, or the thread again with the reason it was refused.
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maitre_app::inbox::ReplyInput;
use maitre_domain::contacts::Tag;
use maitre_domain::{Action, ConversationId, UserId};
use serde::Deserialize;

use super::{base, thread_view};
use crate::AppState;
use crate::auth::Member;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::inbox::{input_error, send_reply};
use crate::pages::PageEnv;

pub(super) fn back(m: &Member, id: ConversationId) -> Response {
    Redirect::to(&format!("{}/{id}", base(m))).into_response()
}

/// A refused input re-renders the thread with the reason (422); anything else is an error page.
async fn refused(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: ConversationId,
    e: AppError,
) -> Result<Response, PageError> {
    match e {
        AppError::Validation(msg) | AppError::Conflict(msg) => thread_view(state, env, m, (id, None), Some(msg)).await,
        other => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    canned: String,
}

pub(super) async fn reply(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let conv = m.tenant.inbox().conversation(id, m.signed.user.id).await?;
    let input = ReplyInput { text: &form.text, canned: Some(form.canned.as_str()), by: Some(m.signed.user.id) };
    match send_reply(&state, &m.tenant, &tr, &conv, input).await {
        Ok(_) => Ok(back(&m, id)),
        Err(e) => refused(&state, env, &m, id, e).await,
    }
}

#[derive(Deserialize)]
pub(super) struct NoteForm {
    body: String,
}

pub(super) async fn note(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    match m.tenant.inbox().add_note(id, Some(m.signed.user.id), &form.body).await {
        Ok(_) => Ok(back(&m, id)),
        Err(e) => refused(&state, env, &m, id, input_error(&tr, e)).await,
    }
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    assignee: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let not_member = || AppError::Validation(tr.t("inbox-not-a-member"));
    let assignee: Option<UserId> = match form.assignee.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|_| not_member())?),
    };
    m.tenant.inbox().conversation(id, m.signed.user.id).await?;
    match m.tenant.inbox().assign(id, assignee, Some(m.signed.user.id)).await {
        Ok(()) => Ok(back(&m, id)),
        Err(maitre_store::StoreError::NotFound) => refused(&state, env, &m, id, not_member()).await,
        Err(e) => Err(AppError::from(e).into()),
    }
}

pub(super) async fn take_over(
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    m.tenant.inbox().take_over(id, Some(m.signed.user.id)).await?;
    Ok(back(&m, id))
}

#[derive(Deserialize)]
pub(super) struct HandBackForm {
    /// A flow to start; empty: the bot just listens again.
    #[serde(default)]
    flow: String,
}

pub(super) async fn hand_back(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<HandBackForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let conv = m.tenant.inbox().conversation(id, m.signed.user.id).await?;
    match crate::inbox::hand_back(&state, &m.tenant, &tr, &conv, &form.flow, Some(m.signed.user.id)).await {
        Ok(()) => Ok(back(&m, id)),
        Err(e) => refused(&state, env, &m, id, e).await,
    }
}

pub(super) async fn close(
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    m.tenant.inbox().set_closed(id, true, Some(m.signed.user.id)).await?;
    Ok(back(&m, id))
}

pub(super) async fn reopen(
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    m.tenant.inbox().set_closed(id, false, Some(m.signed.user.id)).await?;
    Ok(back(&m, id))
}

#[derive(Deserialize)]
pub(super) struct TagForm {
    tag: String,
}

pub(super) async fn add_tag(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TagForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let Ok(tag) = Tag::parse(&form.tag) else {
        return refused(&state, env, &m, id, AppError::Validation(tr.t("inbox-tag-invalid"))).await;
    };
    m.tenant.inbox().add_tag(id, &tag).await?;
    Ok(back(&m, id))
}

pub(super) async fn remove_tag(
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TagForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    m.tenant.inbox().remove_tag(id, &form.tag).await?;
    Ok(back(&m, id))
}

pub(super) async fn retry(
    m: Member,
    Path((_, id, message)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let message = found(&message)?;
    m.tenant.inbox().retry_message(message).await?;
    Ok(back(&m, found(&id)?))
}

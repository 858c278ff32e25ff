//! Canned responses: list for everyone who sees the inbox; create, edit and delete for those who may.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::Action;
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::inbox::input_error;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/canned", get(page).post(create))
        .route("/a/{account}/canned/{id}", post(update))
        .route("/a/{account}/canned/{id}/delete", post(delete))
}

struct CannedView {
    id: String,
    shortcut: String,
    body: String,
    uses: String,
}

#[derive(Template)]
#[template(path = "inbox/canned.html")]
struct CannedPage {
    ctx: Ctx,
    items: Vec<CannedView>,
    can_manage: bool,
    error: Option<String>,
}

async fn view(state: &AppState, env: PageEnv, m: &Member, error: Option<String>) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let items = m
        .tenant
        .inbox()
        .canned_responses()
        .await?
        .into_iter()
        .map(|c| CannedView {
            uses: tr.t1("canned-uses", "count", &c.usage_count.to_string()),
            id: c.id,
            shortcut: c.shortcut,
            body: c.body,
        })
        .collect();
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = CannedPage {
        ctx: Ctx::member(env, state, m).await?,
        items,
        can_manage: m.may(Action::ManageCannedResponses),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ViewInbox)?;
    view(&state, env, &m, None).await
}

#[derive(Deserialize)]
struct CannedForm {
    shortcut: String,
    body: String,
}

/// Saved: back to the list with a flash; refused input: the page again with the reason.
async fn finish(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    result: maitre_store::Result<()>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    match result.map_err(|e| input_error(&tr, e)) {
        Ok(()) => {
            let jar = CookieJar::new().add(flash(state, &tr.t("flash-saved")));
            Ok((jar, Redirect::to(&format!("/a/{}/canned", m.account.id))).into_response())
        }
        Err(AppError::Validation(msg) | AppError::Conflict(msg)) => view(state, env, m, Some(msg)).await,
        Err(e) => Err(e.into()),
    }
}

async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<CannedForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageCannedResponses)?;
    let result = m.tenant.inbox().create_canned_response(&form.shortcut, &form.body).await.map(|_| ());
    finish(&state, env, &m, result).await
}

async fn update(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CannedForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageCannedResponses)?;
    let result = m.tenant.inbox().update_canned_response(&id, &form.shortcut, &form.body).await;
    finish(&state, env, &m, result).await
}

async fn delete(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageCannedResponses)?;
    let result = m.tenant.inbox().delete_canned_response(&id).await;
    finish(&state, env, &m, result).await
}

//! A contact's data on request: the GDPR export, erasure after a confirmation step, and the audit of erasures.
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maitre_domain::{AccountId, Action};
use maitre_store::Actor;
use serde::Deserialize;

use super::{ContactRow, contact_row};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::url::filters;
use crate::pages::{Ctx, PageEnv, render};

/// Everything held about the contact, as a JSON download (GDPR access request).
pub(super) async fn gdpr_export(m: Member, Path((_, id)): Path<(String, String)>) -> Result<Response, PageError> {
    m.require(Action::EraseContact)?;
    let id = found(&id)?;
    let data = m.tenant.contacts().contact_export(id).await?;
    let body = serde_json::to_string_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    let disposition = format!("attachment; filename=\"contact-{id}.json\"");
    Ok(([(header::CONTENT_TYPE, "application/json".to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}

#[derive(Template)]
#[template(path = "contacts/erase.html")]
struct ErasePage {
    ctx: Ctx,
    account: AccountId,
    c: ContactRow,
    conversations: usize,
    messages: i64,
    reservations: usize,
}

/// The confirmation step: what erasing will remove.
pub(super) async fn erase_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::EraseContact)?;
    let id = found(&id)?;
    let c = m.tenant.contacts().contact(id).await?;
    let conversations = m.tenant.contacts().contact_conversations(id).await?;
    render(&ErasePage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        c: contact_row(c),
        messages: conversations.iter().map(|v| v.messages).sum(),
        conversations: conversations.len(),
        reservations: m.tenant.contacts().contact_reservations(id).await?.len(),
    })
}

#[derive(Deserialize)]
pub(super) struct EraseForm {
    #[serde(default)]
    confirm: String,
}

pub(super) async fn erase(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<EraseForm>,
) -> Result<Response, PageError> {
    m.require(Action::EraseContact)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    if form.confirm != "erase" {
        return Err(AppError::Validation(tr.t("erase-confirm-first")).into());
    }
    m.tenant.contacts().erase_contact(id, Actor::Member(m.signed.user.id)).await?;
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-contact-erased")));
    Ok((jar, Redirect::to(&format!("/a/{}/contacts", m.account.id))).into_response())
}

struct ErasureView {
    contact_id: String,
    by: String,
    summary: String,
    at: String,
}

#[derive(Template)]
#[template(path = "contacts/erasures.html")]
struct ErasuresPage {
    ctx: Ctx,
    account: AccountId,
    rows: Vec<ErasureView>,
}

pub(super) async fn erasures_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::EraseContact)?;
    let tr = Tr::new(m.signed.user.locale);
    let times = crate::pages::Times::of(&m);
    let rows = m
        .tenant
        .contacts()
        .erasures()
        .await?
        .into_iter()
        .map(|e| ErasureView {
            contact_id: e.contact_id.to_string(),
            by: match (e.erased_by, e.erased_by_name.is_empty()) {
                (Actor::Token(_), _) => tr.t1("contacts-by-api-token", "name", &e.erased_by_name),
                (Actor::Member(u), true) => u.to_string(),
                (Actor::Member(_), false) => e.erased_by_name,
            },
            summary: e.summary,
            at: times.at(e.at),
        })
        .collect();
    render(&ErasuresPage { ctx: Ctx::member(env, &state, &m).await?, account: m.account.id, rows })
}

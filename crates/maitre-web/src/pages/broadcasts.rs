//! Contacts → Broadcasts: the list, and the form that writes one (name, segment, text, WhatsApp template for guests
//! outside the window, pace). A saved broadcast opens its own page (broadcast_view.rs): dry run, send or schedule,
//! progress.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_app::broadcasts::{BroadcastFailure, Written, create_broadcast, update_broadcast};
use maitre_domain::broadcasts::{self, BroadcastError};
use maitre_domain::{AccountId, Action, BroadcastId, MessageStatus};
use maitre_store::Broadcast;
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::times::Times;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/broadcasts", get(list_page).post(create))
        .route("/a/{account}/broadcasts/new", get(new_page))
        .route("/a/{account}/broadcasts/{id}/edit", get(edit_page).post(update))
        .route("/a/{account}/broadcasts/{id}/delete", post(remove))
        .merge(super::broadcast_view::routes())
}

struct Row {
    id: String,
    name: String,
    segment: String,
    status: String,
    status_label: String,
    sent: i64,
    recipients: i64,
    created: String,
}

#[derive(Template)]
#[template(path = "broadcasts/list.html")]
struct ListPage {
    ctx: Ctx,
    account: AccountId,
    rows: Vec<Row>,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "broadcasts/form.html")]
struct FormPage {
    ctx: Ctx,
    account: AccountId,
    id: Option<String>,
    name: String,
    text: String,
    rate: String,
    segments: Vec<Choice>,
    templates: Vec<Choice>,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub(super) struct BroadcastForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    segment: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    template: String,
    #[serde(default)]
    rate: String,
}

async fn list_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let (tr, times) = (Tr::new(m.signed.user.locale), Times::of(&m));
    let mut rows = Vec::new();
    for b in m.tenant.broadcasts().list(100).await? {
        let p = m.tenant.broadcasts().progress(b.id).await?;
        let sent = [MessageStatus::Sent, MessageStatus::Delivered, MessageStatus::Read].map(|s| p.message_count(s));
        rows.push(Row {
            id: b.id.to_string(),
            segment: b.segment_name.clone().unwrap_or_else(|| tr.t("broadcasts-segment-gone")),
            status: b.status.to_string(),
            status_label: tr.t(&format!("broadcasts-status-{}", b.status)),
            sent: sent.iter().sum(),
            recipients: p.recipients,
            created: times.at(b.created_at),
            name: b.name,
        });
    }
    let page = ListPage { ctx: Ctx::member(env, &state, &m).await?, account: m.account.id, rows };
    Ok(render(&page)?.into_response())
}

/// The form, filled with `form`; templates offered are the approved marketing and utility ones.
async fn form_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: Option<BroadcastId>,
    form: BroadcastForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let segments = m.tenant.segments().list().await?;
    let chosen = if form.segment.is_empty() { segments.first().map(|s| s.id.to_string()) } else { Some(form.segment) };
    let segments = segments
        .into_iter()
        .map(|s| Choice { selected: Some(s.id.to_string()) == chosen, value: s.id.to_string(), label: s.name })
        .collect();
    let usable =
        m.tenant.templates().list().await?.into_iter().filter(|t| broadcasts::template_usable(&t.status, t.category));
    let templates = std::iter::once(Choice {
        value: String::new(),
        label: tr.t("broadcasts-no-template"),
        selected: form.template.is_empty(),
    })
    .chain(usable.map(|t| Choice {
        selected: t.id == form.template,
        label: format!("{} ({})", t.name, t.language),
        value: t.id,
    }))
    .collect();
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = FormPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        id: id.map(|i| i.to_string()),
        name: form.name,
        text: form.text,
        rate: if form.rate.is_empty() { broadcasts::DEFAULT_RATE.to_string() } else { form.rate },
        segments,
        templates,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn new_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    form_view(&state, env, &m, None, BroadcastForm::default(), None).await
}

fn form_of(b: &Broadcast) -> BroadcastForm {
    BroadcastForm {
        name: b.name.clone(),
        segment: b.segment_id.map(|s| s.to_string()).unwrap_or_default(),
        text: b.body.clone(),
        template: b.template_id.clone().unwrap_or_default(),
        rate: b.rate.to_string(),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let b = m.tenant.broadcasts().get(found(&id)?).await?;
    form_view(&state, env, &m, Some(b.id), form_of(&b), None).await
}

/// What a refusal says in the member's language; anything else is an error page.
pub(super) fn refusal(tr: &Tr, e: BroadcastFailure) -> Result<String, PageError> {
    Ok(match e {
        BroadcastFailure::Invalid(BroadcastError::Name) => tr.t("broadcasts-err-name"),
        BroadcastFailure::Invalid(BroadcastError::Text) => tr.t("broadcasts-err-text"),
        BroadcastFailure::Rate => tr.t("broadcasts-err-rate"),
        BroadcastFailure::UnknownTemplate => tr.t("broadcasts-err-template"),
        BroadcastFailure::Settled => tr.t("broadcasts-err-settled"),
        BroadcastFailure::OverPlan(o) => super::plan::plan_limit_text(tr, &o),
        BroadcastFailure::Time(maitre_domain::scheduled::Refusal::TooFar) => tr.t("later-error-too-far"),
        BroadcastFailure::Time(_) => tr.t("later-error-past"),
        BroadcastFailure::Store(maitre_store::StoreError::NotFound) => tr.t("broadcasts-err-segment"),
        e => return Err(AppError::from(e).into()),
    })
}

async fn saved(
    state: AppState,
    env: PageEnv,
    m: Member,
    id: Option<BroadcastId>,
    form: BroadcastForm,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let tr = Tr::new(m.signed.user.locale);
    let Ok(segment) = form.segment.parse() else {
        return form_view(&state, env, &m, id, form, Some(tr.t("broadcasts-err-segment"))).await;
    };
    let Ok(rate) = form.rate.trim().parse::<u32>() else {
        return form_view(&state, env, &m, id, form, Some(tr.t("broadcasts-err-rate"))).await;
    };
    let w = Written {
        name: &form.name,
        segment,
        text: &form.text,
        template: Some(form.template.as_str()).filter(|t| !t.is_empty()),
        rate: Some(rate),
    };
    let done = match id {
        None => create_broadcast(&m.tenant, &w, Some(m.signed.user.id)).await,
        Some(id) => update_broadcast(&m.tenant, id, &w).await,
    };
    match done {
        Ok(b) => {
            let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
            Ok((jar, Redirect::to(&format!("/a/{}/broadcasts/{}", m.account.id, b.id))).into_response())
        }
        Err(e) => {
            let error = refusal(&tr, e)?;
            form_view(&state, env, &m, id, form, Some(error)).await
        }
    }
}

async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<BroadcastForm>,
) -> Result<Response, PageError> {
    saved(state, env, m, None, form).await
}

async fn update(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<BroadcastForm>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    m.tenant.broadcasts().get(id).await?;
    saved(state, env, m, Some(id), form).await
}

async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    m.tenant.broadcasts().delete(found(&id)?).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("broadcasts-deleted")));
    Ok((jar, Redirect::to(&format!("/a/{}/broadcasts", m.account.id))).into_response())
}

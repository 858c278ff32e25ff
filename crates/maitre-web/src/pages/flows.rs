//! The flows list: what each flow is, whether it runs and where; new flows (blank or from a template), switching
//! on and off, choosing channels, deleting. The editor is in `flow_editor`.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_app::flows::install_template;
use maitre_domain::entitlements::Limited;
use maitre_domain::flow::templates;
use maitre_domain::{AccountId, Action, FlowId};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, flow_editor, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/flows", get(list_page).post(create))
        .route("/a/{account}/flows/templates", post(install))
        .route("/a/{account}/flows/{id}/enabled", post(set_enabled))
        .route("/a/{account}/flows/{id}/channels", post(set_channels))
        .route("/a/{account}/flows/{id}/delete", post(delete))
        .merge(flow_editor::routes())
}

/// Where a new blank flow starts: one empty message, so the editor has a node to show.
pub const BLANK: &str =
    r#"{"triggers": [], "start": "start", "nodes": [{"id": "start", "type": "message", "text": ""}]}"#;

/// The longest flow name the pages and the API accept.
pub const MAX_NAME_CHARS: usize = 80;

struct Row {
    id: String,
    name: String,
    template: String,
    version: Option<i64>,
    enabled: bool,
    channels: String,
}

struct TemplateOpt {
    key: &'static str,
    name: &'static str,
    locale: &'static str,
}

#[derive(Template)]
#[template(path = "flows/list.html")]
struct ListPage {
    ctx: Ctx,
    account: AccountId,
    can_manage: bool,
    rows: Vec<Row>,
    templates: Vec<TemplateOpt>,
}

/// A template's display name by key (empty for flows not made from one).
pub fn template_name(key: &str) -> String {
    templates().into_iter().find(|t| t.key == key).map(|t| t.name.to_owned()).unwrap_or_default()
}

/// The names of the channels a flow runs on, or "all channels".
pub fn channel_names(tr: &Tr, ids: &[String], channels: &[maitre_store::Channel]) -> String {
    if ids.is_empty() {
        return tr.t("flows-all-channels");
    }
    let names: Vec<&str> =
        channels.iter().filter(|c| ids.contains(&c.id.to_string())).map(|c| c.name.as_str()).collect();
    names.join(", ")
}

async fn list_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewFlows)?;
    let tr = Tr::new(m.signed.user.locale);
    let channels = m.tenant.channels().list().await?;
    let rows = m
        .tenant
        .flows()
        .list()
        .await?
        .into_iter()
        .map(|f| Row {
            template: template_name(&f.template),
            channels: channel_names(&tr, &f.channel_ids, &channels),
            version: f.published_version,
            enabled: f.enabled,
            id: f.id.to_string(),
            name: f.name,
        })
        .collect();
    let templates =
        templates().into_iter().map(|t| TemplateOpt { key: t.key, name: t.name, locale: t.locale.as_str() }).collect();
    render(&ListPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        can_manage: m.may(Action::ManageFlows),
        rows,
        templates,
    })
}

/// A flow name: trimmed, not empty, not too long; refusals in `tr`'s language.
pub fn flow_name<'a>(tr: &Tr, name: &'a str) -> Result<&'a str, AppError> {
    match name.trim() {
        "" => Err(AppError::Validation(tr.t("flows-name-missing"))),
        n if n.chars().count() > MAX_NAME_CHARS => {
            Err(AppError::Validation(tr.t1("flows-name-too-long", "max", &MAX_NAME_CHARS.to_string())))
        }
        n => Ok(n),
    }
}

#[derive(Deserialize)]
struct NewForm {
    name: String,
}

fn to_editor(state: &AppState, m: &Member, id: FlowId, message: &str) -> Response {
    let jar = CookieJar::new().add(flash(state, message));
    (jar, Redirect::to(&format!("/a/{}/flows/{id}", m.account.id))).into_response()
}

async fn create(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    super::plan::entitle(&state, &m, Limited::Flow).await?;
    let tr = Tr::new(m.signed.user.locale);
    let flow = m.tenant.flows().create_flow(flow_name(&tr, &form.name)?, BLANK, "").await?;
    Ok(to_editor(&state, &m, flow.id, &tr.t("flash-flow-created")))
}

#[derive(Deserialize)]
struct InstallForm {
    key: String,
}

async fn install(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<InstallForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    super::plan::entitle(&state, &m, Limited::Flow).await?;
    let flow = install_template(&m.tenant, &form.key).await?;
    let tr = Tr::new(m.signed.user.locale);
    Ok(to_editor(&state, &m, flow.id, &tr.t1("flash-flow-installed", "name", &flow.name)))
}

#[derive(Deserialize)]
struct EnabledForm {
    enabled: String,
}

async fn set_enabled(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<EnabledForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let enabled = match form.enabled.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::Validation("enabled must be 1 or 0".into()).into()),
    };
    m.tenant.flows().set_flow_enabled(id, enabled).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t(if enabled { "flash-flow-on" } else { "flash-flow-off" })));
    Ok((jar, Redirect::to(&format!("/a/{}/flows", m.account.id))).into_response())
}

async fn set_channels(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let known = m.tenant.channels().list().await?;
    let mut chosen = Vec::new();
    for (_, v) in fields.iter().filter(|(k, _)| k == "channel") {
        if !known.iter().any(|c| c.id.to_string() == *v) {
            return Err(AppError::Validation(format!("{v:?} is not a channel of this account")).into());
        }
        chosen.push(v.clone());
    }
    m.tenant.flows().set_flow_channels(id, &chosen).await?;
    Ok(to_editor(&state, &m, id, &Tr::new(m.signed.user.locale).t("flash-saved")))
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    let id = found(&id)?;
    m.tenant.flows().delete_flow(id).await?;
    let jar = CookieJar::new().add(flash(&state, &Tr::new(m.signed.user.locale).t("flash-flow-deleted")));
    Ok((jar, Redirect::to(&format!("/a/{}/flows", m.account.id))).into_response())
}

//! One broadcast's page: before it starts, a dry run (who would receive it, why the others would not) with "Send
//! now" and "Schedule" (a time of the business); once started, its progress — live while it sends — with pause,
//! resume and cancel, and its recipients page by page with what became of each message.
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use maitre_domain::booking::tz::to_local;
use maitre_domain::broadcasts::{BroadcastStatus, Command, Route};
use maitre_domain::scheduled::MAX_AHEAD;
use maitre_domain::{AccountId, Action, BroadcastId, MessageStatus};
use maitre_store::{Broadcast, BroadcastProgress};
use serde::{Deserialize, Serialize};

use super::broadcasts::refusal;
use super::inbox::later::{FIELD, instant};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::times::{Times, account_tz};

/// Recipients a page lists.
const PAGE: i64 = 50;

pub(super) fn routes() -> axum::Router<AppState> {
    Router::new()
        .route("/a/{account}/broadcasts/{id}", get(page))
        .route("/a/{account}/broadcasts/{id}/progress", get(progress_json))
        .route("/a/{account}/broadcasts/{id}/command", post(command))
        .route("/a/{account}/broadcasts/{id}/schedule", post(schedule))
        .route("/static/broadcast.js", get(js))
}

async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/broadcast.js"))
}

/// A figure with its label and the id the live update finds it by.
struct Figure {
    id: &'static str,
    label: String,
    value: i64,
}

struct RecipientLine {
    name: String,
    platform: String,
    state: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "broadcasts/show.html")]
struct ShowPage {
    ctx: Ctx,
    account: AccountId,
    b: Broadcast,
    status_label: String,
    segment: String,
    template: Option<String>,
    /// Before it starts: (would receive, how many by text and by template when a template is used, reasons of the
    /// others).
    dry: Option<(u64, Option<String>, Vec<(String, u64)>)>,
    figures: Vec<Figure>,
    starts: Option<String>,
    min: String,
    max: String,
    zone: String,
    lines: Vec<RecipientLine>,
    later: Option<String>,
    live: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    after: String,
}

#[derive(Serialize)]
struct ProgressJson {
    status: String,
    figures: Vec<(String, i64)>,
}

fn figures(tr: &Tr, p: &BroadcastProgress) -> Vec<Figure> {
    let n = |s| p.message_count(s);
    let sent = n(MessageStatus::Sent) + n(MessageStatus::Delivered) + n(MessageStatus::Read);
    [
        ("recipients", p.recipients),
        ("pending", p.pending + n(MessageStatus::Queued)),
        ("sent", sent),
        ("delivered", n(MessageStatus::Delivered) + n(MessageStatus::Read)),
        ("read", n(MessageStatus::Read)),
        ("failed", n(MessageStatus::Failed)),
        ("replied", p.replied),
        ("opted-out", p.opted_out),
        ("skipped", p.skipped_count()),
        ("cancelled", p.cancelled),
    ]
    .into_iter()
    .map(|(id, value)| Figure { id, label: tr.t(&format!("broadcasts-fig-{id}")), value })
    .collect()
}

async fn view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: BroadcastId,
    after: &str,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let b = m.tenant.broadcasts().get(id).await?;
    let tz = account_tz(m);
    let dry = if b.status.editable() {
        let t = state.app.dry_run(&m.tenant, &b).await?;
        let reasons = t.skipped.iter().map(|(s, n)| (tr.t(&format!("broadcasts-skip-{s}")), *n)).collect();
        let routes = |r| t.routes.get(&r).copied().unwrap_or_default().to_string();
        let by = (routes(Route::Template) != "0").then(|| {
            tr.tn("broadcasts-by-route", &[("text", &routes(Route::Text)), ("template", &routes(Route::Template))])
        });
        Some((t.reached(), by, reasons))
    } else {
        None
    };
    let progress = m.tenant.broadcasts().progress(id).await?;
    let after = after.parse().ok();
    let mut rows = m.tenant.broadcasts().recipients(id, after, PAGE + 1).await?;
    let later = (i64::try_from(rows.len()).unwrap_or(i64::MAX) > PAGE).then(|| {
        rows.truncate(usize::try_from(PAGE).unwrap_or_default());
        rows.last().map(|r| r.contact_id.to_string()).unwrap_or_default()
    });
    let lines = rows
        .into_iter()
        .map(|r| {
            let (state, detail) = match (r.status.as_str(), r.message_status, r.skip) {
                ("skipped", _, Some(skip)) => {
                    (tr.t("broadcasts-state-skipped"), tr.t(&format!("broadcasts-skip-{skip}")))
                }
                ("queued", Some(s), _) => (tr.t(&format!("broadcasts-msg-{}", s.as_str())), r.error),
                (other, _, _) => (tr.t(&format!("broadcasts-state-{other}")), String::new()),
            };
            RecipientLine { name: r.name, platform: r.platform.to_string(), state, detail }
        })
        .collect();
    let template = match &b.template_id {
        Some(t) => m.tenant.templates().get(t).await.ok().map(|t| format!("{} ({})", t.name, t.language)),
        None => None,
    };
    let now = m.tenant.now();
    let page = ShowPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        status_label: tr.t(&format!("broadcasts-status-{}", b.status)),
        segment: b.segment_name.clone().unwrap_or_else(|| tr.t("broadcasts-segment-gone")),
        template,
        dry,
        figures: figures(&tr, &progress),
        starts: b.send_at.filter(|_| b.status == BroadcastStatus::Scheduled).map(|t| Times::of(m).at(t)),
        min: to_local(now, tz).format(FIELD).to_string(),
        max: to_local(now + MAX_AHEAD, tz).format(FIELD).to_string(),
        zone: tz.name().to_owned(),
        lines,
        later,
        live: b.status == BroadcastStatus::Sending,
        error,
        b,
    };
    let status =
        if page.error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

async fn page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    q: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let q = q.map(|Query(q)| q).map_err(|e| AppError::BadRequest(e.body_text()))?;
    view(&state, env, &m, found(&id)?, &q.after, None).await
}

/// The figures the page shows, for its live update while the broadcast sends.
async fn progress_json(m: Member, Path((_, id)): Path<(String, String)>) -> Result<Json<ProgressJson>, PageError> {
    m.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    let b = m.tenant.broadcasts().get(id).await?;
    let tr = Tr::new(m.signed.user.locale);
    let p = m.tenant.broadcasts().progress(id).await?;
    let figures = figures(&tr, &p).into_iter().map(|f| (f.id.to_owned(), f.value)).collect();
    Ok(Json(ProgressJson { status: b.status.to_string(), figures }))
}

#[derive(Deserialize)]
struct CommandForm {
    command: String,
}

async fn command(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<CommandForm>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let command: Command = form.command.parse().map_err(|_| AppError::BadRequest(tr.t("broadcasts-err-command")))?;
    match state.app.command_broadcast(&m.tenant, id, command).await {
        Ok(_) => {
            let jar = CookieJar::new().add(flash(&state, &tr.t(&format!("broadcasts-done-{command}"))));
            Ok((jar, Redirect::to(&format!("/a/{}/broadcasts/{id}", m.account.id))).into_response())
        }
        Err(e) => {
            let error = refusal(&tr, e)?;
            view(&state, env, &m, id, "", Some(error)).await
        }
    }
}

#[derive(Deserialize)]
struct ScheduleForm {
    #[serde(default)]
    at: String,
}

async fn schedule(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ScheduleForm>,
) -> Result<Response, PageError> {
    m.require(Action::SendBroadcasts)?;
    let id: BroadcastId = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let at = match instant(&tr, account_tz(&m), &form.at) {
        Ok(at) => at,
        Err(error) => return view(&state, env, &m, id, "", Some(error)).await,
    };
    match state.app.schedule_broadcast(&m.tenant, id, at).await {
        Ok(_) => {
            let jar = CookieJar::new().add(flash(&state, &tr.t("broadcasts-done-schedule")));
            Ok((jar, Redirect::to(&format!("/a/{}/broadcasts/{id}", m.account.id))).into_response())
        }
        Err(e) => {
            let error = refusal(&tr, e)?;
            view(&state, env, &m, id, "", Some(error)).await
        }
    }
}

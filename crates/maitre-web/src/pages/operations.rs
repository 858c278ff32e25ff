//! Operations: the account's dead and failing jobs (search, filter, retry one or all) and the redacted log of
//! accepted webhook events. Owners and admins only.
use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::{AccountId, Action};
use maitre_store::{Cursor, JobKind, JobQuery, LoggedEvent, TroubleFilter, TroubledJob};
use serde::{Deserialize, Serialize};

use super::url::filters;
use super::{Choice, Ctx, PageEnv, Times, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

const PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/operations", get(operations_page))
        .route("/a/{account}/operations/jobs/{job}/retry", post(retry))
        .route("/a/{account}/operations/retry-all", post(retry_all))
}

/// The page's query string; also what the "Older" link carries forward.
#[derive(Deserialize, Serialize, Clone)]
struct Params {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    view: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    before: String,
}

#[derive(Template)]
#[template(path = "account/operations.html")]
struct OperationsPage {
    ctx: Ctx,
    account: AccountId,
    events_view: bool,
    statuses: Vec<Choice>,
    q: String,
    /// Whether a search or filter narrows the list (changes the empty-state text).
    narrowed: bool,
    jobs: Vec<JobView>,
    events: Vec<EventView>,
    /// Query string of the next (older) page.
    older: Option<String>,
    /// Whether this is a later page (offers the way back to the newest).
    paged: bool,
}

struct JobView {
    id: String,
    kind: String,
    status: &'static str,
    status_label: String,
    attempts: String,
    reason: String,
    channel: String,
    contact: String,
    event_key: String,
    updated: String,
    /// Empty for dead jobs.
    next_run: String,
}

struct EventView {
    received: String,
    processed: String,
    channel: String,
    dedupe_key: String,
    summary: String,
    item: String,
}

fn job_view(tr: &Tr, times: Times, j: TroubledJob) -> JobView {
    let kind = match j.kind.parse() {
        Ok(JobKind::Send) => tr.t("ops-kind-send"),
        Ok(JobKind::ProcessInbound) => tr.t("ops-kind-process-inbound"),
        _ => j.kind,
    };
    let channel = match (j.channel_name, j.platform) {
        (Some(name), Some(platform)) => format!("{name} ({platform})"),
        _ => "—".into(),
    };
    let contact = j.contact_name.filter(|n| !n.is_empty()).or(j.contact_external_id).unwrap_or_else(|| "—".into());
    JobView {
        kind,
        status: j.status,
        status_label: tr.t(&format!("ops-status-{}", j.status)),
        attempts: format!("{} / {}", j.attempts, j.max_attempts),
        reason: j.last_error.unwrap_or_else(|| "—".into()),
        channel,
        contact,
        event_key: j.event_key.unwrap_or_else(|| "—".into()),
        updated: times.at(j.updated_at),
        next_run: if j.status == "failing" { times.at(j.run_at) } else { String::new() },
        id: j.id.to_string(),
    }
}

fn event_view(tr: &Tr, times: Times, e: LoggedEvent) -> EventView {
    EventView {
        received: times.at(e.received_at),
        processed: e.processed_at.map(|t| times.at(t)).unwrap_or_else(|| tr.t("ops-not-processed")),
        channel: format!("{} ({})", e.channel_name, e.platform),
        dedupe_key: e.dedupe_key,
        summary: e.summary,
        item: serde_json::to_string_pretty(&e.item).unwrap_or_default(),
    }
}

async fn operations_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewOperations)?;
    let Query(params) = params.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let tr = Tr::new(m.signed.user.locale);
    let filter = TroubleFilter::parse(&params.status).ok_or_else(|| AppError::BadRequest(tr.t("ops-bad-status")))?;
    let before: Option<Cursor> = match params.before.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|e: maitre_store::InvalidCursor| AppError::BadRequest(e.to_string()))?),
    };
    let events_view = params.view == "events";
    let times = Times::of(&m);
    let (jobs, events, next) = if events_view {
        let page = m.tenant.operations().event_log(before.as_ref(), PAGE_SIZE).await?;
        (vec![], page.items.into_iter().map(|e| event_view(&tr, times, e)).collect(), page.next)
    } else {
        let query = JobQuery { filter, search: Some(&params.q), before: before.clone(), limit: PAGE_SIZE };
        let page = m.tenant.operations().troubled_jobs_page(&query).await?;
        (page.items.into_iter().map(|j| job_view(&tr, times, j)).collect(), vec![], page.next)
    };
    // Plain strings always encode.
    let older = next
        .map(|c| serde_urlencoded::to_string(Params { before: c.to_string(), ..params.clone() }).unwrap_or_default());
    let statuses = super::choices(&tr, "ops-status", ["all", "dead", "failing"], filter.as_str());
    render(&OperationsPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        events_view,
        statuses,
        narrowed: filter != TroubleFilter::All || !params.q.trim().is_empty(),
        q: params.q,
        jobs,
        events,
        older,
        paged: before.is_some(),
    })
}

fn back(state: &AppState, account: AccountId, message: &str) -> Response {
    (CookieJar::new().add(flash(state, message)), Redirect::to(&format!("/a/{account}/operations"))).into_response()
}

async fn retry(
    State(state): State<AppState>,
    m: Member,
    Path((_, job)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ViewOperations)?;
    let job = found(&job)?;
    m.tenant.operations().retry_job(job).await?;
    let tr = Tr::new(m.signed.user.locale);
    Ok(back(&state, m.account.id, &tr.t("flash-job-retried")))
}

async fn retry_all(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ViewOperations)?;
    let count = m.tenant.operations().retry_all_dead().await?;
    let tr = Tr::new(m.signed.user.locale);
    Ok(back(&state, m.account.id, &tr.t1("flash-jobs-retried", "count", &count.to_string())))
}

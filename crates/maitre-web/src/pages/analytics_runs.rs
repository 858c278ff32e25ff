//! Saved insight runs: an owner saves the analytics page's selection under a name with its figures as they are,
//! and compares the runs over time: a list of runs (newest first, a page at a time) and, for the newest runs, each
//! measure's values from oldest to newest with a trend line and whether each change is good news.
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::Action;
use maitre_domain::metrics::insight::{Change, Measure, change, snapshot};
use maitre_store::{InsightRun, NewInsightRun};
use serde::Deserialize;

use super::analytics::{channel_label, rate, selection};
use super::analytics_query::{AnalyticsParams, Days, Selection, reports};
use super::charts::trend_line;
use super::home_figures::duration;
use super::times::{Times, format_day};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

/// Runs listed per page; the trend compares the newest of them.
const PER_PAGE: i64 = 12;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/analytics/runs", get(page).post(save))
        .route("/a/{account}/analytics/runs/{id}/delete", post(delete))
}

pub struct RunView {
    id: String,
    name: String,
    period: String,
    channel: String,
    saved: String,
    /// The analytics page of the same period and channel, as it reads today.
    href: String,
}

pub struct TrendView {
    label: String,
    line: String,
    /// Oldest first: the value and, from the second run on, whether it moved the right way.
    cells: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "account/analytics_runs.html")]
struct RunsPage {
    ctx: Ctx,
    runs: Vec<RunView>,
    /// The trend's column heads (the runs' names, oldest first).
    heads: Vec<String>,
    trends: Vec<TrendView>,
    newer: Option<String>,
    older: Option<String>,
}

#[derive(Deserialize, Default)]
struct PageQuery {
    #[serde(default)]
    page: Option<u32>,
}

/// A measure's value as the page writes it.
fn value(tr: &Tr, measure: Measure, v: Option<f64>) -> String {
    match (measure, v) {
        (_, None) => "—".to_owned(),
        (Measure::FirstResponseTeam, Some(minutes)) => duration(tr, Some(chrono::TimeDelta::minutes(minutes as i64))),
        (m, v) if m.is_rate() => rate(tr, v),
        (_, Some(n)) => format!("{n:.0}"),
    }
}

fn trends(tr: &Tr, runs: &[InsightRun]) -> Vec<TrendView> {
    let oldest_first: Vec<&InsightRun> = runs.iter().rev().collect();
    Measure::ALL
        .into_iter()
        .map(|m| {
            let values: Vec<Option<f64>> =
                oldest_first.iter().map(|r| r.figures.iter().find(|(x, _)| *x == m).and_then(|(_, v)| *v)).collect();
            let cells = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let moved = i.checked_sub(1).and_then(|p| change(m, values[p], *v));
                    let class = match moved {
                        Some(Change::Better) => "better",
                        Some(Change::Worse) => "worse",
                        _ => "",
                    };
                    (value(tr, m, *v), class)
                })
                .collect();
            TrendView { label: tr.t(&format!("an-measure-{}", m.word())), line: trend_line(&values), cells }
        })
        .collect()
}

async fn page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    m.require(Action::ViewAnalytics)?;
    let tr = Tr::new(m.signed.user.locale);
    let number = i64::from(q.page.unwrap_or(1).max(1));
    let total = m.tenant.insights().count().await?;
    let runs = m.tenant.insights().list(PER_PAGE, (number - 1) * PER_PAGE).await?;
    let channels = m.tenant.channels().list().await?;
    let times = Times::of(&m);
    let base = format!("/a/{}/analytics", m.account.id);
    let views = runs
        .iter()
        .map(|r| RunView {
            id: r.id.clone(),
            name: r.name.clone(),
            period: tr.tn(
                "an-period-short",
                &[("first", &format_day(r.period.first, tr.locale)), ("last", &format_day(r.period.last, tr.locale))],
            ),
            channel: channel_label(&tr, &channels, &r.channel),
            saved: times.at(r.saved_at),
            href: format!(
                "{base}?{}",
                serde_urlencoded::to_string(AnalyticsParams {
                    range: "custom".into(),
                    from: r.period.first.to_string(),
                    to: r.period.last.to_string(),
                    channel: r.channel.clone(),
                    ..AnalyticsParams::default()
                })
                .unwrap_or_default()
            ),
        })
        .collect();
    let link = |n: i64| format!("{base}/runs?page={n}");
    let page = RunsPage {
        heads: runs.iter().rev().map(|r| r.name.clone()).collect(),
        trends: if runs.is_empty() { vec![] } else { trends(&tr, &runs) },
        runs: views,
        newer: (number > 1).then(|| link(number - 1)),
        older: (number * PER_PAGE < total).then(|| link(number + 1)),
        ctx: Ctx::member(env, &state, &m).await?,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
struct SaveForm {
    name: String,
    #[serde(flatten)]
    params: AnalyticsParams,
}

/// Saves the selection the form names with its figures as they are now; back to the runs.
async fn save(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<SaveForm>,
) -> Result<Response, PageError> {
    let (sel, _) = selection(&m, &state, &form.params, Action::ViewAnalytics).await?;
    let tr = Tr::new(m.signed.user.locale);
    // A run keeps the business's figures (the page offers no saving while one flow is shown).
    if sel.filter.flow.is_some() {
        return Err(AppError::BadRequest("a saved run has the figures of all flows: leave out flow".into()).into());
    }
    let name = maitre_domain::metrics::insight::run_name(&form.name)
        .ok_or_else(|| AppError::Validation(tr.t("an-runs-name-invalid")))?;
    let current = reports(&m.tenant, &Selection { compare: false, ..sel }, Days::AsPictured).await?.current;
    let run = NewInsightRun {
        name,
        period: sel.period,
        preset: sel.preset,
        channel: form.params.channel.trim().to_owned(),
        figures: snapshot(&current.total),
    };
    m.tenant.insights().save(&run, Some(m.signed.user.id)).await?;
    let jar = CookieJar::new().add(flash(&state, &tr.t("an-runs-saved")));
    Ok((jar, Redirect::to(&format!("/a/{}/analytics/runs", m.account.id))).into_response())
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ViewAnalytics)?;
    m.tenant.insights().delete(&id).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("an-runs-deleted")));
    Ok((jar, Redirect::to(&format!("/a/{}/analytics/runs", m.account.id))).into_response())
}

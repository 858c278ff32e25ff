//! The flows' funnels on the analytics page (of the runs started in the period: how many entered each step,
//! answered each question, reached an end, booked) and the drill-down from a question to the runs that stopped
//! there, with what their guests wrote instead of an answer.
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use maitre_domain::metrics::funnel::{Funnel, FunnelStep};
use maitre_domain::metrics::report::Summary;
use maitre_domain::{Action, FlowId};
use serde::{Deserialize, Serialize};

use super::analytics::{guests, rate_of};
use super::analytics_query::{AnalyticsParams, FlowFunnel, Selection, funnels, instants};
use super::charts::share_bar;
use super::times::{Times, account_tz, format_day};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

/// Runs listed on a drill-down page, latest first.
const STOPPED_SHOWN: i64 = 50;
/// A step's text shown at most, in characters.
const TEXT_SHOWN: usize = 90;

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}/analytics/flows/{flow}/stopped", get(stopped_page))
}

/// One row of a funnel table.
pub struct FunnelRow {
    pub label: String,
    /// What the step says to the guest, shortened.
    pub detail: String,
    pub runs: i64,
    /// The runs' share of those started, drawn as a bar.
    pub bar: String,
    pub answered: Option<i64>,
    pub stopped: Option<i64>,
    /// The runs that stopped here, when some did.
    pub stopped_href: Option<String>,
}

pub struct FunnelView {
    pub id: String,
    pub name: String,
    pub rows: Vec<FunnelRow>,
    /// What became of the bookings it made: (id, "label: value").
    pub outcome: Vec<(&'static str, String)>,
}

/// A flow's bookings in the period, its cancellations and its guests' no-shows, in the reader's words.
fn outcome(tr: &Tr, b: &Summary) -> Vec<(&'static str, String)> {
    [
        ("bookings", "an-flow-bookings", guests(tr, b.flow_bookings, b.flow_covers)),
        ("cancelled", "an-cancellation-rate", rate_of(tr, b.cancelled, b.cancellation_rate())),
        ("no-shows", "an-no-show-rate", rate_of(tr, b.no_shows, b.no_show_rate())),
    ]
    .into_iter()
    .map(|(id, label, value)| (id, format!("{}{}{value}", tr.t(label), tr.t("colon"))))
    .collect()
}

/// The funnels of the page's selection as tables.
pub async fn funnel_views(
    tr: &Tr,
    m: &Member,
    sel: &Selection,
    params: &AnalyticsParams,
) -> Result<Vec<FunnelView>, AppError> {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    Ok(funnels(&m.tenant, sel)
        .await?
        .into_iter()
        .map(|FlowFunnel { id, name, funnel, bookings }| {
            let base = format!("/a/{}/analytics/flows/{id}/stopped?{query}", m.account.id);
            FunnelView { id: id.to_string(), name, rows: rows(tr, &funnel, &base), outcome: outcome(tr, &bookings) }
        })
        .collect())
}

fn rows(tr: &Tr, f: &Funnel, stopped_base: &str) -> Vec<FunnelRow> {
    let row = |label: String, detail: String, runs: i64| FunnelRow {
        label,
        detail,
        runs,
        bar: share_bar(runs, f.started),
        answered: None,
        stopped: None,
        stopped_href: None,
    };
    let mut rows = vec![row(tr.t("an-funnel-started"), String::new(), f.started)];
    for step in &f.steps {
        let stopped = step.dropped();
        let href = stopped.filter(|n| *n > 0).map(|_| {
            let node: String = url::form_urlencoded::byte_serialize(step.node.as_bytes()).collect();
            format!("{stopped_base}&node={node}")
        });
        let mut r = row(step_label(tr, step), shorten(&step.text), step.entered);
        (r.answered, r.stopped, r.stopped_href) = (step.answered, stopped, href);
        rows.push(r);
    }
    rows.push(row(tr.t("an-funnel-completed"), tr.t("an-funnel-completed-help"), f.completed));
    rows.push(row(tr.t("an-funnel-booked"), tr.t("an-funnel-booked-help"), f.booked));
    rows
}

fn step_label(tr: &Tr, step: &FunnelStep) -> String {
    match step.kind {
        Some(kind) => tr.t(&format!("flows-type-{kind}")),
        None => tr.t1("an-funnel-gone-step", "node", &step.node),
    }
}

fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(TEXT_SHOWN).collect();
    if chars.next().is_some() { format!("{}…", short.trim_end()) } else { short }
}

/// The analytics query plus the question whose stopped runs are listed.
#[derive(Debug, Default, Deserialize, Serialize)]
struct StoppedParams {
    #[serde(default)]
    node: String,
    #[serde(flatten)]
    params: AnalyticsParams,
}

pub struct StoppedView {
    pub guest: String,
    pub href: Option<String>,
    pub reached: String,
    pub wrote: Vec<String>,
}

#[derive(Template)]
#[template(path = "account/analytics_stopped.html")]
struct StoppedPage {
    ctx: Ctx,
    flow: String,
    step: String,
    period: String,
    back: String,
    runs: Vec<StoppedView>,
    limit: i64,
}

async fn stopped_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, flow)): Path<(String, String)>,
    Query(q): Query<StoppedParams>,
) -> Result<impl IntoResponse, PageError> {
    let (sel, _) = super::analytics::selection(&m, &state, &q.params, Action::ViewAnalytics).await?;
    let flow_id: FlowId = found(&flow)?;
    let record = m.tenant.flows().flow(flow_id).await?;
    let funnel = funnels(&m.tenant, &sel).await?.into_iter().find(|f| f.id == flow_id);
    let step = funnel.as_ref().and_then(|f| f.funnel.steps.iter().find(|s| s.node == q.node && s.answered.is_some()));
    let Some(step) = step else {
        return Err(AppError::Unknown("no question of this flow was reached in this period".into()).into());
    };
    let tr = Tr::new(m.signed.user.locale);
    let span = instants(sel.period, account_tz(&m));
    let stopped = m.tenant.stopped_runs(&flow_id.to_string(), &q.node, span, sel.filter, STOPPED_SHOWN).await?;
    let (times, inbox) = (Times::of(&m), m.may(Action::ViewInbox));
    let runs = stopped
        .into_iter()
        .map(|r| StoppedView {
            guest: if r.contact_name.is_empty() { tr.t("an-stopped-unnamed") } else { r.contact_name },
            href: inbox.then(|| format!("/a/{}/inbox/{}", m.account.id, r.conversation_id)),
            reached: times.at(r.reached_at),
            wrote: r.wrote,
        })
        .collect();
    let p = sel.period;
    render(&StoppedPage {
        flow: record.name,
        step: format!("{}: {}", step_label(&tr, step), shorten(&step.text)),
        period: tr
            .tn("an-period", &[("first", &format_day(p.first, tr.locale)), ("last", &format_day(p.last, tr.locale))]),
        back: format!(
            "/a/{}/analytics?{}#section-flows",
            m.account.id,
            serde_urlencoded::to_string(&q.params).unwrap_or_default()
        ),
        runs,
        limit: STOPPED_SHOWN,
        ctx: Ctx::member(env, &state, &m).await?,
    })
}

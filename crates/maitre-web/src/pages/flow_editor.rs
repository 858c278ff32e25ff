//! The flow editor: the draft as node and trigger cards (or as one JSON text), its issues, the graph, publishing,
//! and the simulator as a chat panel. Saving keeps a draft even when it has errors; publishing refuses with the
//! errors or the failing flow tests. The simulator's conversation travels in a hidden field between turns, so it
//! needs no server-side session and works without JavaScript.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_app::flows::{self, FlowError};
use maitre_domain::flow::{Cond, Issue, Severity, Simulator, TestResult, Turn, Way};
use maitre_domain::{AccountId, Action, FlowId, Locale};
use maitre_store::FlowRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::flow_form::{self, NODE_TYPES, NodeCard, Op, TRIGGER_TYPES, TriggerCard};
use super::flows::{flow_name, template_name};
use super::times::format_local;
use super::url::filters;
use super::{Ctx, PageEnv, flow_graph, form_field, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/flows/{id}", get(editor_page).post(save_form))
        .route("/a/{account}/flows/{id}/json", post(save_json))
        .route("/a/{account}/flows/{id}/simulate", post(simulate))
}

/// Bubbles kept in the simulator's hidden state; older ones scroll away.
const MAX_BUBBLES: usize = 60;
/// The longest guest message the simulator takes (as the platforms' own limits are of this order).
const MAX_GUEST_CHARS: usize = 1000;

#[derive(Serialize, Deserialize, Clone)]
struct Bubble {
    guest: bool,
    text: String,
    #[serde(default)]
    buttons: Vec<String>,
}

/// The simulated conversation as it travels in the form.
#[derive(Serialize, Deserialize)]
struct SimState {
    sim: Simulator,
    log: Vec<Bubble>,
}

#[derive(Default)]
struct SimPanel {
    /// `SimState` as JSON, empty before the first message.
    state: String,
    bubbles: Vec<Bubble>,
    /// The last reply's quick replies: pressing one sends its title.
    buttons: Vec<String>,
    vars: Vec<(String, String)>,
    booked: Option<String>,
    error: Option<String>,
}

/// What a POST adds to the page it re-shows.
#[derive(Default)]
struct Extras {
    error: Option<String>,
    failures: Vec<TestResult>,
    /// The JSON text as typed, when it could not be saved.
    json: Option<String>,
    sim: SimPanel,
}

struct ChannelOpt {
    id: String,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "flows/editor.html")]
struct EditorPage {
    ctx: Ctx,
    account: AccountId,
    id: String,
    name: String,
    template: String,
    version: Option<i64>,
    enabled: bool,
    can_manage: bool,
    start: String,
    nodes: Vec<NodeCard>,
    triggers: Vec<TriggerCard>,
    /// Issues not shown on a card (the flow's own, or about nodes that do not exist).
    general: Vec<Issue>,
    errors: usize,
    warnings: usize,
    json: String,
    graph: Option<String>,
    channels: Vec<ChannelOpt>,
    node_types: [&'static str; 13],
    trigger_types: [&'static str; 9],
    /// Every node as "next" and "start" lists offer it: its id, and its type and text in plain words.
    targets: Vec<Target>,
    extras: Extras,
}

struct Target {
    id: String,
    label: String,
}

impl EditorPage {
    /// Whether `id` names a node of the draft (a dangling edge is still offered, marked missing, so saving the
    /// form never changes it unasked).
    fn known(&self, id: &str) -> bool {
        id.is_empty() || self.targets.iter().any(|t| t.id == id)
    }
}

impl flow_graph::Words for Tr {
    fn node_type(&self, ty: &str) -> String {
        self.word("flows-type-", ty)
    }

    fn way(&self, way: &Way<'_>) -> String {
        match way {
            Way::Next => String::new(),
            Way::Button(title) => (*title).to_owned(),
            Way::MaxRetries => self.t("flows-way-max-retries"),
            Way::NoAnswer => self.t("flows-way-no-answer"),
            Way::When(Cond::VarEquals { var, value }) => self.tn("flows-way-equals", &[("var", var), ("value", value)]),
            Way::When(Cond::VarSet { var }) => self.t1("flows-way-set", "var", var),
            Way::When(Cond::HasTag { tag }) => self.t1("flows-way-tag", "tag", tag),
            Way::When(Cond::IsOpen { .. }) => self.t("flows-way-open"),
            Way::When(Cond::Available) => self.t("flows-way-available"),
            Way::Otherwise => self.t("flows-way-otherwise"),
            Way::Unavailable => self.t("flows-way-unavailable"),
            Way::NoReservation => self.t("flows-way-none"),
            Way::After { minutes } => self.t1("flows-way-after", "minutes", &minutes.to_string()),
        }
    }
}

/// A node as a person reads it: "Question: Für welchen Tag …" rather than `ask_date`.
fn target(tr: &Tr, n: &NodeCard) -> Target {
    let words: String = n.text.as_deref().unwrap_or_default().chars().take(40).collect();
    let said = if words.trim().is_empty() { n.id.clone() } else { format!("{}…", words.trim()) };
    Target { id: n.id.clone(), label: format!("{}: {said}", tr.word("flows-type-", &n.ty)) }
}

/// The stored draft as JSON (a draft is only ever saved as a JSON object).
fn draft_value(flow: &FlowRecord) -> Value {
    serde_json::from_str(&flow.draft).unwrap_or_else(|_| Value::Object(Default::default()))
}

async fn show(state: &AppState, env: PageEnv, m: &Member, id: FlowId, extras: Extras) -> Result<EditorPage, AppError> {
    let flow = m.tenant.flows().flow(id).await?;
    let draft = draft_value(&flow);
    let tr = Tr::new(m.signed.user.locale);
    let (issues, graph) = match flow_form::read(&draft) {
        Ok(def) => {
            let issues = flows::check(&m.tenant, &def).await?;
            let bad: Vec<&str> =
                issues.iter().filter(|i| i.severity == Severity::Error).filter_map(|i| i.node.as_deref()).collect();
            let graph = flow_graph::svg(&def, &bad, &tr);
            (issues, Some(graph))
        }
        Err(issues) => (issues, None),
    };
    let nodes = flow_form::node_cards(&draft, &issues);
    let targets = nodes.iter().map(|n| target(&tr, n)).collect();
    let general = issues.iter().filter(|i| !nodes.iter().any(|n| Some(&n.id) == i.node.as_ref())).cloned().collect();
    let chosen = &flow.channel_ids;
    let channels = m
        .tenant
        .channels()
        .list()
        .await?
        .into_iter()
        .map(|c| ChannelOpt { checked: chosen.contains(&c.id.to_string()), id: c.id.to_string(), name: c.name })
        .collect();
    Ok(EditorPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        template: template_name(&flow.template),
        version: flow.published_version,
        enabled: flow.enabled,
        can_manage: m.may(Action::ManageFlows),
        start: draft.get("start").and_then(Value::as_str).unwrap_or_default().to_owned(),
        triggers: flow_form::trigger_cards(&draft),
        errors: issues.iter().filter(|i| i.severity == Severity::Error).count(),
        warnings: issues.iter().filter(|i| i.severity == Severity::Warning).count(),
        nodes,
        general,
        json: flow.draft.clone(),
        graph,
        channels,
        node_types: NODE_TYPES,
        trigger_types: TRIGGER_TYPES,
        targets,
        extras,
        id: flow.id.to_string(),
        name: flow.name,
    })
}

async fn respond(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: FlowId,
    status: StatusCode,
    extras: Extras,
) -> Result<Response, PageError> {
    let mut page = show(state, env, m, id, extras).await?;
    if let Some(json) = page.extras.json.take() {
        page.json = json;
    }
    Ok((status, render(&page)?).into_response())
}

async fn editor_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    m.require(Action::ViewFlows)?;
    respond(&state, env, &m, found(&id)?, StatusCode::OK, Extras::default()).await
}

/// The structured form: every card as posted, then the pressed button (save, publish, add or delete a card).
async fn save_form(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let op =
        form_field(&fields, "op").and_then(Op::parse).ok_or(AppError::BadRequest("Unknown editor action.".into()))?;
    let flow = m.tenant.flows().flow(id).await?;
    let name = flow_name(&Tr::new(m.signed.user.locale), form_field(&fields, "name").unwrap_or(&flow.name))?.to_owned();
    let mut draft = draft_value(&flow);
    if let Err(e) = flow_form::apply(&mut draft, &fields, &op) {
        let extras = Extras { error: Some(e), ..Extras::default() };
        return respond(&state, env, &m, id, StatusCode::UNPROCESSABLE_ENTITY, extras).await;
    }
    m.tenant.flows().save_flow_draft(id, &name, &flow_form::stored(&draft)).await?;
    finish(&state, env, &m, id, op == Op::Publish, flow_form::anchor(&draft, &op)).await
}

/// The whole flow as JSON, for authors who prefer it. Anything but a JSON object is refused and shown again.
async fn save_json(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let publish = match form_field(&fields, "op") {
        Some("save") => false,
        Some("publish") => true,
        _ => return Err(AppError::BadRequest("Unknown editor action.".into()).into()),
    };
    let flow = m.tenant.flows().flow(id).await?;
    let text = form_field(&fields, "json").unwrap_or_default();
    match serde_json::from_str::<Value>(text) {
        Ok(draft @ Value::Object(_)) => {
            m.tenant.flows().save_flow_draft(id, &flow.name, &flow_form::stored(&draft)).await?;
            finish(&state, env, &m, id, publish, None).await
        }
        parsed => {
            let tr = Tr::new(m.signed.user.locale);
            let reason = parsed.err().map(|e| e.to_string()).unwrap_or_else(|| tr.t("flows-json-not-object"));
            let error = Some(tr.t1("flows-json-invalid", "reason", &reason));
            let extras = Extras { error, json: Some(text.to_owned()), ..Extras::default() };
            respond(&state, env, &m, id, StatusCode::UNPROCESSABLE_ENTITY, extras).await
        }
    }
}

/// After a save: back to the editor (at `anchor`, the card the change was about), or publish and say how that went.
async fn finish(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: FlowId,
    publish: bool,
    anchor: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let message = if publish {
        match flows::publish(&m.tenant, id, &m.signed.user.email).await {
            Ok(v) => tr.t1("flash-flow-published", "version", &v.to_string()),
            Err(e) => {
                let extras = match e {
                    FlowError::Store(e) => return Err(e.into()),
                    FlowError::TestsFailed(failures) => {
                        Extras { error: Some(tr.t("flows-tests-failed")), failures, ..Extras::default() }
                    }
                    FlowError::Invalid(_) => Extras { error: Some(tr.t("flows-not-published")), ..Extras::default() },
                    e => Extras { error: Some(e.to_string()), ..Extras::default() },
                };
                return respond(state, env, m, id, StatusCode::UNPROCESSABLE_ENTITY, extras).await;
            }
        }
    } else {
        tr.t("flash-flow-saved")
    };
    let jar = CookieJar::new().add(flash(state, &message));
    let at = anchor.map(|a| format!("#{a}")).unwrap_or_default();
    Ok((jar, Redirect::to(&format!("/a/{}/flows/{id}{at}", m.account.id))).into_response())
}

#[derive(Deserialize)]
struct SimForm {
    #[serde(default)]
    text: String,
    /// A pressed quick reply's title; wins over `text`.
    #[serde(default)]
    reply: Option<String>,
    #[serde(default)]
    state: String,
    /// Start a new conversation.
    #[serde(default)]
    reset: Option<String>,
}

pub async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/flows.js"))
}

/// One simulator turn against the saved draft and the account's real calendar (nothing is booked or sent).
async fn simulate(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<SimForm>,
) -> Result<Response, PageError> {
    m.require(Action::ViewFlows)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let previous: Option<SimState> = match (form.reset.is_some(), form.state.trim()) {
        (true, _) | (_, "") => None,
        (false, s) => Some(serde_json::from_str(s).map_err(|_| AppError::BadRequest(tr.t("flows-sim-unreadable")))?),
    };
    let text = form.reply.as_deref().unwrap_or(&form.text).trim().to_owned();
    let flow = m.tenant.flows().flow(id).await?;
    let checked = match text.chars().count() {
        0 => Err("flows-sim-empty"),
        n if n > MAX_GUEST_CHARS => Err("flows-sim-too-long"),
        _ => flow_form::read(&draft_value(&flow)).map_err(|_| "flows-sim-unreadable-draft"),
    };
    let (status, sim) = match checked {
        _ if form.reset.is_some() && text.is_empty() => (StatusCode::OK, SimPanel::default()),
        Ok(def) => {
            let (sim, log) = previous.map(|p| (Some(p.sim), p.log)).unwrap_or_default();
            let (sim, turn) = flows::simulate(&m.tenant, &id.to_string(), &def, sim, &text).await?;
            (StatusCode::OK, SimPanel::after(sim, log, &text, turn, tr.locale))
        }
        Err(key) => {
            (StatusCode::UNPROCESSABLE_ENTITY, SimPanel { error: Some(tr.t(key)), ..SimPanel::resume(previous) })
        }
    };
    respond(&state, env, &m, id, status, Extras { sim, ..Extras::default() }).await
}

impl SimPanel {
    /// The conversation so far, unchanged (after a message that could not be simulated).
    fn resume(previous: Option<SimState>) -> Self {
        let Some(p) = previous else { return SimPanel::default() };
        SimPanel { state: serde_json::to_string(&p).unwrap_or_default(), bubbles: p.log, ..SimPanel::default() }
    }

    fn after(sim: Simulator, mut log: Vec<Bubble>, text: &str, turn: Turn, locale: Locale) -> Self {
        log.push(Bubble { guest: true, text: text.to_owned(), buttons: vec![] });
        log.extend(turn.replies.iter().map(|r| Bubble {
            guest: false,
            text: r.text.clone(),
            buttons: r.quick_replies.iter().map(|(title, _)| title.clone()).collect(),
        }));
        let excess = log.len().saturating_sub(MAX_BUBBLES);
        log.drain(..excess);
        let buttons = turn.replies.last().map(|r| r.quick_replies.iter().map(|(t, _)| t.clone()).collect());
        let booked =
            turn.booked.map(|r| format!("{} · {} · {}", format_local(r.starts_at, locale), r.party_size, r.name));
        let state = SimState { sim, log };
        SimPanel {
            state: serde_json::to_string(&state).unwrap_or_default(),
            bubbles: state.log,
            buttons: buttons.unwrap_or_default(),
            vars: turn.vars.iter().map(|(k, v)| (k.clone(), v.plain())).collect(),
            booked,
            error: None,
        }
    }
}

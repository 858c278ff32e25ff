//! The shared inbox: the conversation list (filters, search, unread counts, keyset pages) and the thread (messages
//! with delivery ticks, notes, the trail, takeover, assignment, tags, close/reopen, the composer with the window
//! rule). Both update live: `inbox.js` hears the page's event stream (`live.js`) and swaps in `/inbox/rows` or
//! `/inbox/{id}/live`. Every form works without JavaScript; what the thread's forms do is in `actions`.
mod actions;
mod guest;
pub(crate) mod later;
mod template;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use maitre_domain::metrics::report::Period;
use maitre_domain::{Action, ChannelId, ConversationId, ConversationMode, ConversationStatus};
use maitre_store::{ConversationView, Cursor, Filter, InboxQuery, Outcome};
use serde::{Deserialize, Serialize};

use super::analytics_query::{drill_days, instants};
use super::inbox_items::{ItemView, item_view, kind_label};
use super::times::{account_tz, format_day};
use super::url::filters;
use super::{Ctx, PageEnv, Times, render};
use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::inbox::{WindowRule, window_rule};

const PAGE_SIZE: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/inbox", get(list_page))
        .route("/a/{account}/inbox/rows", get(rows))
        .route("/a/{account}/inbox/{conversation}", get(thread_page))
        .route("/a/{account}/inbox/{conversation}/live", get(live))
        .route("/a/{account}/inbox/{conversation}/reply", post(actions::reply))
        .route("/a/{account}/inbox/{conversation}/template", post(template::send))
        .route("/a/{account}/inbox/{conversation}/note", post(actions::note))
        .route("/a/{account}/inbox/{conversation}/assign", post(actions::assign))
        .route("/a/{account}/inbox/{conversation}/takeover", post(actions::take_over))
        .route("/a/{account}/inbox/{conversation}/handback", post(actions::hand_back))
        .route("/a/{account}/inbox/{conversation}/close", post(actions::close))
        .route("/a/{account}/inbox/{conversation}/reopen", post(actions::reopen))
        .route("/a/{account}/inbox/{conversation}/tags", post(actions::add_tag))
        .route("/a/{account}/inbox/{conversation}/tags/remove", post(actions::remove_tag))
        .route("/a/{account}/inbox/{conversation}/messages/{message}/retry", post(actions::retry))
        .merge(later::routes())
}

pub async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/inbox.js"))
}

/// One `<option>` whose value is data (ids, tags), unlike the fixed options of `super::Choice`.
struct Opt {
    value: String,
    label: String,
    selected: bool,
}

// ---- the list ----

/// The list's query string; the "older" link and live refreshes carry it forward.
#[derive(Deserialize, Serialize, Clone, Default)]
struct ListParams {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    filter: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    tag: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    q: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    after: String,
    /// Conversations begun on these days of the business (YYYY-MM-DD, both included): an analytics figure's
    /// drill-down.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    from: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    to: String,
    /// Of those, the ones an analytics rate counted (`maitre_store::Outcome`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    outcome: String,
    /// The conversation open beside the list (the thread page's list), highlighted.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    current: String,
}

struct FilterLink {
    href: String,
    label: String,
    current: bool,
}

struct RowView {
    href: String,
    id: String,
    contact: String,
    channel: String,
    preview: String,
    time: String,
    unread: i64,
    mode: String,
    human: bool,
    assignee: String,
    tags: Vec<String>,
    closed: bool,
    needs_reply: bool,
}

#[derive(Template)]
#[template(path = "inbox/rows_partial.html")]
struct RowsPartial {
    tr: Tr,
    rows: Vec<RowView>,
    narrowed: bool,
    current: String,
}

#[derive(Template)]
#[template(path = "inbox/list.html")]
struct ListPage {
    ctx: Ctx,
    base: String,
    filters: Vec<FilterLink>,
    channels: Vec<Opt>,
    tags: Vec<Opt>,
    q: String,
    /// The days of begun conversations shown (kept by the search form), and what the list says of them with the
    /// link that shows every conversation again.
    from: String,
    to: String,
    outcome: String,
    began: Option<(String, String)>,
    filter: String,
    rows_html: String,
    /// Query string for live refreshes; None on later pages (they stay as loaded).
    live_query: Option<String>,
    older: Option<String>,
}

fn base(m: &Member) -> String {
    format!("/a/{}/inbox", m.account.id)
}

fn row_view(tr: &Tr, times: Times, base: &str, c: ConversationView) -> Result<RowView, AppError> {
    let needs_reply = waits(&c);
    let preview = if c.preview.is_empty() { kind_label(tr, &c.preview_kind) } else { c.preview };
    Ok(RowView {
        href: format!("{base}/{}", c.id),
        contact: if c.contact_name.is_empty() { c.contact_external_id } else { c.contact_name },
        channel: format!("{} · {}", c.channel_name, c.platform),
        preview: preview.chars().take(120).collect(),
        time: times.at(c.last_message_at),
        unread: c.unread,
        mode: tr.t(&format!("inbox-mode-{}", c.mode)),
        human: c.mode == ConversationMode::Human,
        assignee: c.assignee_name.unwrap_or_default(),
        tags: c.tags,
        closed: c.status == ConversationStatus::Closed,
        needs_reply,
        id: c.id.to_string(),
    })
}

/// A guest's message waits for a person in a conversation not closed.
fn waits(c: &ConversationView) -> bool {
    c.needs_reply_since.is_some() && c.status != ConversationStatus::Closed
}

struct Listed {
    rows: Vec<RowView>,
    older: Option<Cursor>,
    narrowed: bool,
    /// The days whose begun conversations are listed, when asked, and which of them.
    began: Option<(Period, Option<Outcome>)>,
}

async fn query_rows(m: &Member, tr: &Tr, p: &ListParams) -> Result<Listed, AppError> {
    let filter = Filter::parse(&p.filter).ok_or_else(|| AppError::BadRequest(tr.t("inbox-bad-filter")))?;
    let channel: Option<ChannelId> = match p.channel.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|_| AppError::BadRequest(tr.t("inbox-bad-channel")))?),
    };
    let after: Option<Cursor> = match p.after.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|e: maitre_store::InvalidCursor| AppError::BadRequest(e.to_string()))?),
    };
    if p.q.chars().count() > 200 {
        return Err(AppError::BadRequest(tr.t("inbox-search-too-long")));
    }
    let began = began(tr, p)?;
    let query = InboxQuery {
        filter,
        me: m.signed.user.id,
        channel,
        tag: Some(p.tag.as_str()).filter(|t| !t.is_empty()),
        search: Some(p.q.as_str()).filter(|q| !q.trim().is_empty()),
        began: began.map(|(p, _)| instants(p, account_tz(m))),
        outcome: began.and_then(|(_, o)| o),
        after,
        limit: PAGE_SIZE,
    };
    let page = m.tenant.inbox().list(&query).await?;
    let (base, times) = (base(m), Times::of(m));
    Ok(Listed {
        rows: page.items.into_iter().map(|c| row_view(tr, times, &base, c)).collect::<Result<_, _>>()?,
        older: page.next,
        narrowed: filter != Filter::Open
            || query.channel.is_some()
            || query.tag.is_some()
            || query.search.is_some()
            || began.is_some(),
        began,
    })
}

/// The business's days whose begun conversations the list shows, and which of them (an outcome needs days).
fn began(tr: &Tr, p: &ListParams) -> Result<Option<(Period, Option<Outcome>)>, AppError> {
    let days = drill_days(&p.from, &p.to).map_err(|_| AppError::BadRequest(tr.t("inbox-bad-days")))?;
    let bad = || AppError::BadRequest(tr.t("inbox-bad-outcome"));
    let outcome = match p.outcome.as_str() {
        "" => None,
        o => Some(Outcome::parse(o).filter(|_| days.is_some()).ok_or_else(bad)?),
    };
    Ok(days.map(|d| (d, outcome)))
}

fn params(p: Result<Query<ListParams>, QueryRejection>) -> Result<ListParams, AppError> {
    p.map(|Query(p)| p).map_err(|e| AppError::BadRequest(e.body_text()))
}

fn query_string(p: &ListParams) -> String {
    serde_urlencoded::to_string(p).unwrap_or_default()
}

async fn list_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    p: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, PageError> {
    m.require(Action::ViewInbox)?;
    let p = params(p)?;
    let tr = Tr::new(m.signed.user.locale);
    let listed = query_rows(&m, &tr, &p).await?;
    let base = base(&m);
    let current = Filter::parse(&p.filter).unwrap_or(Filter::Open);
    let filters = Filter::ALL
        .into_iter()
        .map(|f| {
            let link = ListParams { filter: f.as_str().into(), ..ListParams::default() };
            let href = format!("{base}?{}", query_string(&link));
            FilterLink { href, label: tr.t(&format!("inbox-filter-{}", f.as_str())), current: f == current }
        })
        .collect();
    let mut channels =
        vec![Opt { value: String::new(), label: tr.t("inbox-all-channels"), selected: p.channel.is_empty() }];
    for c in m.tenant.channels().list().await? {
        let value = c.id.to_string();
        channels.push(Opt { selected: value == p.channel, label: format!("{} · {}", c.name, c.platform), value });
    }
    let mut tags = vec![Opt { value: String::new(), label: tr.t("inbox-all-tags"), selected: p.tag.is_empty() }];
    for t in m.tenant.inbox().tags().await? {
        tags.push(Opt { selected: t == p.tag, label: t.clone(), value: t });
    }
    let began = listed.began.map(|(period, outcome)| {
        let (first, last) = (format_day(period.first, tr.locale), format_day(period.last, tr.locale));
        let all = ListParams { from: String::new(), to: String::new(), outcome: String::new(), ..p.clone() };
        let said =
            outcome.map_or("inbox-began".to_owned(), |o| format!("inbox-began-{}", o.as_str().replace('_', "-")));
        (tr.tn(&said, &[("first", &first), ("last", &last)]), format!("{base}?{}", query_string(&all)))
    });
    let rows_html =
        render(&RowsPartial { tr, rows: listed.rows, narrowed: listed.narrowed, current: p.current.clone() })?.0;
    let older = listed.older.map(|c| query_string(&ListParams { after: c.to_string(), ..p.clone() }));
    let live_query = p.after.is_empty().then(|| query_string(&p));
    let page = ListPage {
        ctx: Ctx::member(env, &state, &m).await?,
        base,
        filters,
        channels,
        tags,
        q: p.q.clone(),
        from: p.from.clone(),
        to: p.to.clone(),
        outcome: p.outcome.clone(),
        began,
        filter: current.as_str().into(),
        rows_html,
        live_query,
        older,
    };
    Ok(render(&page)?.into_response())
}

/// The list's rows alone, for live refreshes.
async fn rows(m: Member, p: Result<Query<ListParams>, QueryRejection>) -> Result<Html<String>, PageError> {
    m.require(Action::ViewInbox)?;
    let p = params(p)?;
    let tr = Tr::new(m.signed.user.locale);
    let listed = query_rows(&m, &tr, &p).await?;
    render(&RowsPartial { tr, rows: listed.rows, narrowed: listed.narrowed, current: p.current })
}

// ---- the thread ----

struct Header {
    id: String,
    contact: String,
    channel: String,
    human: bool,
    closed: bool,
    mode: String,
    assignee: String,
    tags: Vec<String>,
    needs_reply: bool,
}

#[derive(Template)]
#[template(path = "inbox/thread_partial.html")]
struct ThreadPartial {
    tr: Tr,
    csrf: String,
    base: String,
    conv: Header,
    items: Vec<ItemView>,
    window: WindowRule,
    /// Flows a hand-back may start (only while a member has the conversation).
    flows: Vec<Opt>,
    can_work: bool,
}

struct CannedView {
    id: String,
    shortcut: String,
    body: String,
}

#[derive(Template)]
#[template(path = "inbox/thread.html")]
struct ThreadPage {
    ctx: Ctx,
    base: String,
    id: String,
    contact: String,
    live_html: String,
    /// The open conversations beside the thread (wide screens), and where their live refresh comes from.
    list_html: String,
    list_refresh: String,
    guest_html: String,
    can_work: bool,
    canned: Vec<CannedView>,
    /// Sending an approved WhatsApp template (empty elsewhere).
    template_html: String,
    /// "Send later" and the conversation's scheduled messages.
    later_html: String,
    error: Option<String>,
}

/// The live part of a thread for `m`, which also marks the conversation read for them.
async fn thread_partial(
    state: &AppState,
    env_csrf: String,
    m: &Member,
    conv: &ConversationView,
) -> Result<ThreadPartial, AppError> {
    let me = m.signed.user.id;
    let (tr, times) = (Tr::new(m.signed.user.locale), Times::of(m));
    let base = format!("{}/{}", base(m), conv.id);
    let can_work = m.may(Action::WorkInbox);
    let items =
        m.tenant.inbox().thread(conv.id).await?.into_iter().map(|i| item_view(&tr, times, can_work, i)).collect();
    m.tenant.inbox().mark_read(conv.id, me).await?;
    let window = window_rule(&tr, conv.platform, conv.last_inbound_at, state.store.clock().now(), true);
    let flows = if can_work && conv.mode == ConversationMode::Human {
        let startable = maitre_app::inbox::startable_flows(&m.tenant, conv.channel_id).await?;
        startable.into_iter().map(|f| Opt { value: f.id.to_string(), label: f.name, selected: false }).collect()
    } else {
        vec![]
    };
    Ok(ThreadPartial {
        tr,
        csrf: env_csrf,
        conv: Header {
            id: conv.id.to_string(),
            contact: if conv.contact_name.is_empty() {
                conv.contact_external_id.clone()
            } else {
                conv.contact_name.clone()
            },
            channel: format!("{} · {}", conv.channel_name, conv.platform),
            human: conv.mode == ConversationMode::Human,
            closed: conv.status == ConversationStatus::Closed,
            mode: tr.t(&format!("inbox-mode-{}", conv.mode)),
            assignee: conv.assignee_name.clone().unwrap_or_default(),
            tags: conv.tags.clone(),
            needs_reply: waits(conv),
        },
        base,
        items,
        window,
        flows,
        can_work,
    })
}

/// The thread page; `chosen` is the template picked for the template composer.
async fn thread_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    (id, chosen): (ConversationId, Option<&str>),
    error: Option<String>,
) -> Result<Response, PageError> {
    let conv = m.tenant.inbox().conversation(id, m.signed.user.id).await?;
    let partial = thread_partial(state, env.csrf.clone(), m, &conv).await?;
    let template_html = match partial.can_work {
        true => template::composer(state, m, &env.csrf, &conv, chosen).await?,
        false => String::new(),
    };
    let canned = if partial.can_work {
        m.tenant
            .inbox()
            .canned_responses()
            .await?
            .into_iter()
            .map(|c| CannedView { id: c.id, shortcut: c.shortcut, body: c.body })
            .collect()
    } else {
        vec![]
    };
    let guest_html = render(&guest::panel(m, env.csrf.clone(), &conv).await?)?.0;
    let later_html = later::panel(state, m, &env.csrf, &conv, partial.can_work).await?;
    // Listed after the thread marked itself read, so its row shows no unread badge.
    let beside = ListParams { current: conv.id.to_string(), ..ListParams::default() };
    let tr = Tr::new(m.signed.user.locale);
    let listed = query_rows(m, &tr, &beside).await?;
    let list_html = render(&RowsPartial { tr, rows: listed.rows, narrowed: false, current: beside.current.clone() })?.0;
    let page = ThreadPage {
        base: partial.base.clone(),
        id: partial.conv.id.clone(),
        contact: partial.conv.contact.clone(),
        can_work: partial.can_work,
        live_html: render(&partial)?.0,
        list_html,
        list_refresh: format!("{}/rows?{}", base(m), query_string(&beside)),
        guest_html,
        ctx: Ctx::member(env, state, m).await?,
        canned,
        template_html,
        later_html,
        error: error.clone(),
    };
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize, Default)]
struct ThreadQuery {
    template: Option<String>,
}

async fn thread_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ThreadQuery>,
) -> Result<Response, PageError> {
    m.require(Action::ViewInbox)?;
    thread_view(&state, env, &m, (found(&id)?, q.template.as_deref()), None).await
}

async fn live(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Html<String>, PageError> {
    m.require(Action::ViewInbox)?;
    let conv = m.tenant.inbox().conversation(found(&id)?, m.signed.user.id).await?;
    render(&thread_partial(&state, env.csrf, &m, &conv).await?)
}

// ---- actions ----

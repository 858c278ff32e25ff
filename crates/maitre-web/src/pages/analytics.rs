//! The analytics page: what maitre did for the business in a period (conversations, replies, handoffs, first
//! responses, bookings, visits), optionally beside the period before, for all channels or one channel or platform,
//! and for all flows or one (its bookings alone); a chart per day with its table, and that table as CSV; the flows'
//! funnels with what became of their bookings, and the team's figures. Each figure's definition is shown next to
//! it (they are maitre-domain metrics.rs's). An agent sees their own activity alone.
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maitre_domain::Action;
use maitre_domain::metrics::local_day;
use maitre_domain::metrics::report::{Report, Summary, histogram_percentile};
use maitre_store::{ContactEvent, Outcome};

use super::analytics_flows::{FunnelView, funnel_views};
use super::analytics_outreach::{OutreachRow, outreach_rows};
use super::analytics_query::{AnalyticsParams, Days, Figures, PRESETS, Selection, reports};
use super::analytics_reservations::{self, DepthView, average_party, depth_view, median_lead};
use super::analytics_team::{TeamRow, team_rows};
use super::charts::{Series, bars};
use super::home_figures::response_time;
use super::times::{account_tz, format_day, format_short_day};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/analytics", get(page))
        .route("/a/{account}/analytics/days.csv", get(days_csv))
        .route("/a/{account}/analytics/demand.csv", get(analytics_reservations::demand_csv))
}

/// One figure: its value now and, when compared, before.
pub struct FigureView {
    pub id: &'static str,
    pub label: String,
    pub help: String,
    pub value: String,
    pub previous: String,
    /// The list behind the figure, when the member may open it.
    pub href: Option<String>,
}

pub struct SectionView {
    pub id: &'static str,
    pub title: String,
    pub figures: Vec<FigureView>,
}

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "account/analytics.html")]
struct AnalyticsPage {
    ctx: Ctx,
    ranges: Vec<OptionView>,
    channels: Vec<OptionView>,
    flows: Vec<OptionView>,
    /// The flow chosen: the page shows its runs and bookings alone; and the query that shows all flows.
    flow_name: Option<String>,
    all_flows: String,
    from: String,
    to: String,
    compare: bool,
    /// The channel and comparison, for the preset links.
    keep: String,
    period: String,
    /// Nothing was counted in the period.
    empty: bool,
    /// The business's figures (owners, admins); else the member's own activity alone.
    full: bool,
    sections: Vec<SectionView>,
    funnels: Vec<FunnelView>,
    /// Reservations in depth (owners, admins).
    depth: Option<DepthView>,
    team: Vec<TeamRow>,
    /// What became of maitre's own messages, per kind (owners, admins; all flows).
    outreach: Vec<OutreachRow>,
    /// Right now (not of the period): guests waiting for the team and open conversations, each with its list.
    now: Vec<(String, Option<String>)>,
    chart: String,
    /// Each bar's name and class.
    legend: Vec<(String, &'static str)>,
    /// The selection as the save form sends it back, and a name to suggest.
    range: String,
    channel: String,
    run_name: String,
    days: Vec<Vec<String>>,
    columns: Vec<String>,
    csv: String,
}

/// The business's channels and flows, which a request may choose from.
pub(super) struct Choices {
    pub channels: Vec<maitre_store::Channel>,
    pub flows: Vec<maitre_store::FlowRecord>,
}

/// The request understood, for a member allowed `action`.
pub(super) async fn selection(
    m: &Member,
    state: &AppState,
    params: &AnalyticsParams,
    action: Action,
) -> Result<(Selection, Choices), PageError> {
    m.require(action)?;
    let today = local_day(state.store.clock().now(), account_tz(m));
    let choices = Choices { channels: m.tenant.channels().list().await?, flows: m.tenant.flows().list().await? };
    let flow_ids: Vec<_> = choices.flows.iter().map(|f| f.id).collect();
    Ok((params.select(today, &choices.channels, &flow_ids)?, choices))
}

async fn page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Query(params): Query<AnalyticsParams>,
) -> Result<impl IntoResponse, PageError> {
    // Owners and admins see the business's figures; an agent their own activity only.
    let full = m.may(Action::ViewAnalytics);
    let (sel, choices) =
        selection(&m, &state, &params, if full { Action::ViewAnalytics } else { Action::ViewOwnActivity }).await?;
    let flow = sel.filter.flow.is_some();
    let tr = Tr::new(m.signed.user.locale);
    let Figures { current, previous, team, outreach } = reports(&m.tenant, &sel, Days::AsPictured).await?;
    let links = Links::new(&m, &sel);
    let labels: Vec<String> = current.days.iter().map(|(d, _)| format_short_day(*d, tr.locale)).collect();
    let names = ["an-col-guest-messages", "an-col-replies", "an-col-bookings"].map(|k| tr.t(k));
    let mut series = vec![
        Series { name: &names[0], class: "bar-in", values: column(&current, |s| s.guest_messages) },
        Series { name: &names[1], class: "bar-out", values: column(&current, Summary::replies) },
        Series { name: &names[2], class: "bar-booked", values: column(&current, |s| s.bookings) },
    ];
    // A flow's figures are its bookings alone.
    if flow {
        series.drain(..2);
    }
    let chart = bars(&tr.t("an-chart-title"), &labels, &series);
    let legend = series.iter().map(|s| (s.name.to_owned(), s.class)).collect();
    let p = sel.period;
    render(&AnalyticsPage {
        ranges: ranges(&tr, sel.preset),
        channels: channel_options(&tr, &choices.channels, &params.channel),
        flows: flow_options(&tr, &choices.flows, sel.filter.flow),
        flow_name: choices.flows.iter().find(|f| Some(f.id) == sel.filter.flow).map(|f| f.name.clone()),
        all_flows: serde_urlencoded::to_string(AnalyticsParams { flow: String::new(), ..params.clone() })
            .unwrap_or_default(),
        from: p.first.to_string(),
        to: p.last.to_string(),
        compare: sel.compare,
        keep: keep(&params),
        empty: current.total == Summary::default(),
        period: tr
            .tn("an-period", &[("first", &format_day(p.first, tr.locale)), ("last", &format_day(p.last, tr.locale))]),
        full,
        sections: if full {
            sections(&tr, &current.total, previous.as_ref().map(|r| &r.total), &links, flow)
        } else {
            vec![]
        },
        funnels: if full { funnel_views(&tr, &m, &sel, &params).await? } else { vec![] },
        depth: if full { Some(depth_view(&tr, &m, &current, &params).await?) } else { None },
        team: if flow { vec![] } else { team_rows(&tr, &m, &team).await? },
        outreach: if full && !flow { outreach_rows(&tr, &outreach) } else { vec![] },
        now: if full { right_now(&tr, &m).await? } else { vec![] },
        chart,
        legend,
        range: sel.preset.map_or_else(|| "custom".to_owned(), |d| d.to_string()),
        channel: params.channel.trim().to_owned(),
        run_name: tr.tn(
            "an-runs-suggested-name",
            &[("first", &format_day(p.first, tr.locale)), ("last", &format_day(p.last, tr.locale))],
        ),
        days: day_rows(&tr, &current, flow),
        columns: columns(&tr, flow),
        csv: format!(
            "/a/{}/analytics/days.csv?{}",
            m.account.id,
            serde_urlencoded::to_string(&params).unwrap_or_default()
        ),
        ctx: Ctx::member(env, &state, &m).await?,
    })
}

/// The selected period's report alone (no comparison), for a member allowed the business's figures: what the
/// page's downloads export.
pub(super) async fn period_report(m: &Member, state: &AppState, params: &AnalyticsParams) -> Result<Report, PageError> {
    let (sel, _) = selection(m, state, params, Action::ViewAnalytics).await?;
    Ok(reports(&m.tenant, &Selection { compare: false, ..sel }, Days::AsPictured).await?.current)
}

/// Exactly the page's table per day.
async fn days_csv(
    State(state): State<AppState>,
    m: Member,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, PageError> {
    let current = period_report(&m, &state, &params).await?;
    let tr = Tr::new(m.signed.user.locale);
    let flow = !params.flow.trim().is_empty();
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(columns(&tr, flow)).map_err(csv_err)?;
    for row in day_rows(&tr, &current, flow) {
        out.write_record(row).map_err(csv_err)?;
    }
    super::csv_download(out, "maitre-days.csv")
}

/// What waits for the team this moment, whatever the period: each count with the inbox list behind it.
async fn right_now(tr: &Tr, m: &Member) -> Result<Vec<(String, Option<String>)>, AppError> {
    let overview = m.tenant.overview().await?;
    let inbox = m.may(Action::ViewInbox).then(|| format!("/a/{}/inbox", m.account.id));
    Ok(vec![
        (
            tr.t1("home-needs-waiting", "count", &overview.waiting.to_string()),
            inbox.as_ref().map(|i| format!("{i}?filter=needs_reply")),
        ),
        (tr.t1("an-now-open", "count", &overview.open.to_string()), inbox),
    ])
}

/// The query string's channel, flow and comparison, appended to a preset's link.
fn keep(params: &AnalyticsParams) -> String {
    let rest = AnalyticsParams {
        channel: params.channel.clone(),
        compare: params.compare.clone(),
        flow: params.flow.clone(),
        ..AnalyticsParams::default()
    };
    let query = serde_urlencoded::to_string(&rest).unwrap_or_default();
    if query.is_empty() { query } else { format!("&{query}") }
}

fn column(r: &Report, value: impl Fn(&Summary) -> i64) -> Vec<i64> {
    r.days.iter().map(|(_, s)| value(s)).collect()
}

/// The columns of the table per day; a flow's are its bookings alone.
fn columns(tr: &Tr, flow: bool) -> Vec<String> {
    let all = ["an-col-guest-messages", "an-col-replies", "an-col-conversations", "an-col-bookings", "an-col-covers"];
    let shown = if flow { &all[3..] } else { &all[..] };
    std::iter::once("an-col-day").chain(shown.iter().copied()).map(|k| tr.t(k)).collect()
}

fn day_rows(tr: &Tr, r: &Report, flow: bool) -> Vec<Vec<String>> {
    r.days
        .iter()
        .map(|(d, s)| {
            let all = [s.guest_messages, s.replies(), s.conversations, s.bookings, s.covers];
            let shown = if flow { &all[3..] } else { &all[..] };
            std::iter::once(format_day(*d, tr.locale)).chain(shown.iter().map(i64::to_string)).collect()
        })
        .collect()
}

/// The preset periods, the chosen one marked.
fn ranges(tr: &Tr, preset: Option<i64>) -> Vec<OptionView> {
    PRESETS
        .iter()
        .map(|d| OptionView {
            value: d.to_string(),
            label: tr.t1("an-range-days", "days", &d.to_string()),
            selected: preset == Some(*d),
        })
        .collect()
}

/// What a channel filter of the query string names, in the reader's words (a channel removed since says so).
pub(super) fn channel_label(tr: &Tr, channels: &[maitre_store::Channel], value: &str) -> String {
    channel_options(tr, channels, value)
        .into_iter()
        .find(|o| o.selected)
        .map_or_else(|| tr.t("an-channel-removed"), |o| o.label)
}

/// All flows, then each of the business's flows by name.
fn flow_options(tr: &Tr, flows: &[maitre_store::FlowRecord], chosen: Option<maitre_domain::FlowId>) -> Vec<OptionView> {
    let all = OptionView { value: String::new(), label: tr.t("an-all-flows"), selected: chosen.is_none() };
    let each = flows.iter().map(|f| OptionView {
        value: f.id.to_string(),
        label: f.name.clone(),
        selected: Some(f.id) == chosen,
    });
    std::iter::once(all).chain(each).collect()
}

fn channel_options(tr: &Tr, channels: &[maitre_store::Channel], chosen: &str) -> Vec<OptionView> {
    let option = |value: String, label: String| OptionView { selected: value == chosen.trim(), value, label };
    let mut options = vec![option(String::new(), tr.t("an-all-channels"))];
    let mut platforms: Vec<_> = channels.iter().map(|c| c.platform).collect();
    platforms.sort();
    platforms.dedup();
    options.extend(
        platforms
            .into_iter()
            .map(|p| option(format!("platform:{}", p.as_str()), tr.t1("an-platform", "platform", &p.to_string()))),
    );
    options.extend(channels.iter().map(|c| option(c.id.to_string(), c.name.clone())));
    options
}

/// Where the figures' lists are, for a member who may open them.
struct Links {
    reservations: Option<String>,
    no_shows: Option<String>,
    /// The bookings made in the period, and those of them cancelled.
    made: Option<String>,
    cancelled: Option<String>,
    /// Those a flow made that nobody cancelled.
    by_maitre: Option<String>,
    inbox: Option<String>,
    /// The conversations begun in the period that a rate counted.
    handed_off: Option<String>,
    flow_alone: Option<String>,
    booked: Option<String>,
    visited: Option<String>,
    /// The guests added in the period, and those who did what a guests' figure counts.
    contacts: Option<String>,
    came_back: Option<String>,
    came_again: Option<String>,
    opted_out: Option<String>,
    opted_in: Option<String>,
}

impl Links {
    fn new(m: &Member, sel: &Selection) -> Links {
        let base = format!("/a/{}", m.account.id);
        let (first, last) = (sel.period.first, sel.period.last);
        let inbox = m.may(Action::ViewInbox).then(|| format!("{base}/inbox?filter=all&from={first}&to={last}"));
        let began = |o: Outcome| inbox.as_ref().map(|inbox| format!("{inbox}&outcome={}", o.as_str()));
        let contacts = m.may(Action::ViewContacts).then(|| format!("{base}/contacts?from={first}&to={last}"));
        let did = |e: ContactEvent| contacts.as_ref().map(|contacts| format!("{contacts}&event={}", e.as_str()));
        Links {
            came_back: did(ContactEvent::CameBack),
            came_again: did(ContactEvent::CameAgain),
            opted_out: did(ContactEvent::OptedOut),
            opted_in: did(ContactEvent::OptedIn),
            handed_off: began(Outcome::HandedOff),
            flow_alone: began(Outcome::FlowAlone),
            booked: began(Outcome::Booked),
            visited: began(Outcome::Visited),
            reservations: m
                .may(Action::ViewReservations)
                .then(|| format!("{base}/reservations?from={first}&to={last}")),
            no_shows: m
                .may(Action::ViewReservations)
                .then(|| format!("{base}/reservations?status=no_show&from={first}&to={last}")),
            made: m
                .may(Action::ViewReservations)
                .then(|| format!("{base}/reservations?from=&made_from={first}&made_to={last}")),
            by_maitre: m
                .may(Action::ViewReservations)
                .then(|| format!("{base}/reservations?from=&made_from={first}&made_to={last}&by=maitre")),
            cancelled: m
                .may(Action::ViewReservations)
                .then(|| format!("{base}/reservations?status=cancelled&from=&made_from={first}&made_to={last}")),
            inbox,
            contacts,
        }
    }
}

/// A rate as the reader writes it: "12.5%", "12,5 %"; a dash when there was nothing to count.
pub(super) fn rate(tr: &Tr, r: Option<f64>) -> String {
    match (r, tr.locale) {
        (None, _) => "—".to_owned(),
        (Some(r), maitre_domain::account::Locale::En) => format!("{}%", decimal(tr, r)),
        (Some(r), _) => format!("{}\u{a0}%", decimal(tr, r)),
    }
}

/// A number with one decimal as the reader writes it: "4.5" in English, "4,5" in German and French.
pub(super) fn decimal(tr: &Tr, v: f64) -> String {
    let written = format!("{v:.1}");
    if tr.locale == maitre_domain::account::Locale::En { written } else { written.replace('.', ",") }
}

/// A rate with the count it is of: "40.0% (4)".
pub(super) fn rate_of(tr: &Tr, n: i64, r: Option<f64>) -> String {
    match r {
        Some(_) => format!("{} ({n})", rate(tr, r)),
        None => rate(tr, r),
    }
}

type Value = fn(&Tr, &Summary) -> String;

/// The page's figures; of a flow, its bookings alone.
fn sections(tr: &Tr, now: &Summary, before: Option<&Summary>, links: &Links, flow: bool) -> Vec<SectionView> {
    let figure = |id: &'static str, value: Value, href: &Option<String>| FigureView {
        id,
        label: tr.t(&format!("an-{id}")),
        help: tr.t(&format!("an-{id}-help")),
        value: value(tr, now),
        previous: before.map(|b| value(tr, b)).unwrap_or_default(),
        href: href.clone(),
    };
    let none = None;
    let all = vec![
        SectionView {
            id: "conversations",
            title: tr.t("an-section-conversations"),
            figures: vec![
                figure("conversations", |_, s| s.conversations.to_string(), &links.inbox),
                figure("guest-messages", |_, s| s.guest_messages.to_string(), &none),
                figure("bot-replies", |_, s| s.bot_replies.to_string(), &none),
                figure("team-replies", |_, s| (s.member_replies + s.echoes).to_string(), &none),
                figure("auto-replies", |_, s| s.auto_replies.to_string(), &none),
                figure("handoff-rate", |tr, s| rate(tr, s.handoff_rate()), &links.handed_off),
                figure("bot-resolved-rate", |tr, s| rate(tr, s.bot_resolved_rate()), &links.flow_alone),
                figure(
                    "first-response-team",
                    |tr, s| response_time(tr, histogram_percentile(&s.first_response_person, 50)),
                    &none,
                ),
                figure(
                    "first-response-team-p90",
                    |tr, s| response_time(tr, histogram_percentile(&s.first_response_person, 90)),
                    &none,
                ),
                figure(
                    "first-response-bot",
                    |tr, s| response_time(tr, histogram_percentile(&s.first_response_bot, 50)),
                    &none,
                ),
                figure("reply-time-team", |tr, s| response_time(tr, histogram_percentile(&s.reply_person, 50)), &none),
                figure(
                    "reply-time-team-p90",
                    |tr, s| response_time(tr, histogram_percentile(&s.reply_person, 90)),
                    &none,
                ),
                figure("resolution-time", |tr, s| response_time(tr, histogram_percentile(&s.resolution, 50)), &none),
            ],
        },
        SectionView {
            id: "people",
            title: tr.t("an-section-guests"),
            figures: vec![
                figure("contacts", |_, s| s.contacts.to_string(), &links.contacts),
                figure("came-back", |_, s| s.returned.to_string(), &links.came_back),
                figure("came-again", |tr, s| rate_of(tr, s.repeat_visits, s.repeat_rate()), &links.came_again),
                figure("opt-outs", |_, s| s.opt_outs.to_string(), &links.opted_out),
                figure("opt-ins", |_, s| s.opt_ins.to_string(), &links.opted_in),
            ],
        },
        SectionView {
            id: "reservations",
            title: tr.t("an-section-reservations"),
            figures: vec![
                figure("booking-conversion", |tr, s| rate_of(tr, s.converted, s.booking_conversion()), &links.booked),
                figure("visit-conversion", |tr, s| rate_of(tr, s.visited, s.visit_conversion()), &links.visited),
                figure("bookings", |_, s| s.bookings.to_string(), &links.made),
                figure("flow-bookings", |tr, s| guests(tr, s.flow_bookings, s.flow_covers), &links.by_maitre),
                figure("cancellation-rate", |tr, s| rate(tr, s.cancellation_rate()), &links.cancelled),
                figure("visits", |tr, s| guests(tr, s.visits, s.covers), &links.reservations),
                figure("no-show-rate", |tr, s| rate(tr, s.no_show_rate()), &links.no_shows),
                figure("lead-time", median_lead, &none),
                figure("average-party", average_party, &none),
            ],
        },
    ];
    if flow { of_flow(all) } else { all }
}

/// Of one flow: what its bookings became (its conversations are not told apart), with no list behind them.
fn of_flow(sections: Vec<SectionView>) -> Vec<SectionView> {
    let counted = |f: &FigureView| !f.id.ends_with("conversion");
    sections
        .into_iter()
        .filter(|s| s.id == "reservations")
        .map(|s| SectionView {
            figures: s.figures.into_iter().filter(counted).map(|f| FigureView { href: None, ..f }).collect(),
            ..s
        })
        .collect()
}

pub(super) fn guests(tr: &Tr, bookings: i64, covers: i64) -> String {
    tr.tn("home-figure-booked-value", &[("bookings", &bookings.to_string()), ("covers", &covers.to_string())])
}

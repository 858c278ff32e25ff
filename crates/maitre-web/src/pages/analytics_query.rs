//! What an analytics request asks for (period, comparison, channel or platform, flow), read the same way by the
//! page, its CSV and the API, and the reports it gets: both read the counted facts (maitre-store figures.rs), so
//! they show the same numbers.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use maitre_domain::booking::tz::day_start;
use maitre_domain::flow::{FlowDef, Stage};
use maitre_domain::metrics::demand::{Demand, seats_at_once};
use maitre_domain::metrics::funnel::Funnel;
use maitre_domain::metrics::outreach::{OutreachFigures, outreach};
use maitre_domain::metrics::report::{Count, Period, Report, Summary};
use maitre_domain::metrics::team::{MemberFigures, team};
use maitre_domain::{ChannelId, FlowId, Outreach, Platform, UserId};
use maitre_store::{Channel, DayDetail, FigureFilter, TenantStore};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::error::AppError;

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 731;
/// The preset periods, in days ending today.
pub const PRESETS: [i64; 4] = [7, 30, 90, 365];
const DEFAULT_DAYS: i64 = 30;

/// The query string as sent; empty means the default (the last 30 days, all channels, no comparison).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// Days ending today in the business's time zone (7, 30, 90, 365), or `custom` for `from` to `to`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(pattern = "^(7|30|90|365|custom)?$")]
    pub range: String,
    /// First local date of a custom period (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))?$")]
    pub from: String,
    /// Last local date of a custom period, included; at most 731 days after `from`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))?$")]
    pub to: String,
    /// 1: also the figures of as many days just before.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(pattern = "^(0|1)?$")]
    pub compare: String,
    /// A channel's id, or `platform:<instagram|messenger|whatsapp|telegram>`; all channels when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(
        pattern = "^(platform:(instagram|messenger|whatsapp|telegram)|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    )]
    pub channel: String,
    /// A flow's id: only its runs and the bookings it made (the conversations', guests' and team's figures count
    /// nothing then); all flows when absent.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    #[param(pattern = "^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$")]
    pub flow: String,
}

/// A request understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub period: Period,
    /// The preset chosen, or none for a custom period.
    pub preset: Option<i64>,
    pub compare: bool,
    pub filter: FigureFilter,
}

fn date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::BadRequest(format!("{field} must be a date written YYYY-MM-DD")))
}

impl AnalyticsParams {
    /// The selection these parameters make on `today` (the business's day), checked against its channels and
    /// flows.
    pub fn select(&self, today: NaiveDate, channels: &[Channel], flows: &[FlowId]) -> Result<Selection, AppError> {
        // Dates are checked even when a preset period leaves them unused: a faulty parameter is never ignored.
        let given = |field, value: &str| (!value.trim().is_empty()).then(|| date(field, value)).transpose();
        let (from, to) = (given("from", &self.from)?, given("to", &self.to)?);
        let (period, preset) = match self.range.trim() {
            "custom" => {
                let missing = |field: &str| AppError::BadRequest(format!("a custom period needs {field}"));
                let period =
                    Period { first: from.ok_or_else(|| missing("from"))?, last: to.ok_or_else(|| missing("to"))? };
                if period.first > period.last {
                    return Err(AppError::BadRequest("from must not be after to".into()));
                }
                if period.days() > MAX_DAYS {
                    return Err(AppError::BadRequest(format!("a period has at most {MAX_DAYS} days")));
                }
                (period, None)
            }
            "" => (Period::ending(today, DEFAULT_DAYS), Some(DEFAULT_DAYS)),
            days => {
                let days = days
                    .parse()
                    .ok()
                    .filter(|d| PRESETS.contains(d))
                    .ok_or_else(|| AppError::BadRequest("range must be 7, 30, 90, 365 or custom".into()))?;
                (Period::ending(today, days), Some(days))
            }
        };
        let compare = match self.compare.as_str() {
            "" | "0" => false,
            "1" => true,
            _ => return Err(AppError::BadRequest("compare must be 1 or 0".into())),
        };
        let flow = match self.flow.trim() {
            "" => None,
            id => {
                let id: FlowId = id.parse().map_err(|_| AppError::BadRequest("flow must be a flow's id".into()))?;
                if !flows.contains(&id) {
                    return Err(AppError::Unknown("no such flow in this business".into()));
                }
                Some(id)
            }
        };
        Ok(Selection { period, preset, compare, filter: FigureFilter { flow, ..filter(&self.channel, channels)? } })
    }
}

/// The channel or platform named, among the business's own.
fn filter(value: &str, channels: &[Channel]) -> Result<FigureFilter, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(FigureFilter::default());
    }
    if let Some(name) = value.strip_prefix("platform:") {
        let platform: Platform = name.parse().map_err(|_| AppError::BadRequest("unknown platform".into()))?;
        return Ok(FigureFilter { platform: Some(platform), ..FigureFilter::default() });
    }
    let id: ChannelId = value.parse().map_err(|_| AppError::BadRequest("channel must be a channel's id".into()))?;
    if !channels.iter().any(|c| c.id == id) {
        return Err(AppError::Unknown("no such channel in this business".into()));
    }
    Ok(FigureFilter { channel: Some(id), ..FigureFilter::default() })
}

/// A selection's figures: the business's report and its members', for the period and, when compared, the one
/// before.
pub struct Figures {
    pub current: Report,
    pub previous: Option<Report>,
    pub team: BTreeMap<UserId, MemberFigures>,
    /// What became of maitre's own messages of the period, per kind.
    pub outreach: Vec<(Outreach, OutreachFigures)>,
}

/// What a report's days must say: every figure of every day (the API's days), or only what the page pictures
/// per day (its chart and table), which reads far fewer rows for the same totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    Every,
    AsPictured,
}

/// The selected period's figures and, when asked, the previous period's report: one read covers both.
pub async fn reports(tenant: &TenantStore, s: &Selection, days: Days) -> Result<Figures, AppError> {
    let before = s.compare.then(|| s.period.previous());
    let read = Period { first: before.map_or(s.period.first, |b| b.first), last: s.period.last };
    let detail = match days {
        Days::Every => DayDetail::Every,
        Days::AsPictured => DayDetail::Page { current: s.period.first },
    };
    let counts = tenant.figure_counts(read, s.filter, detail).await?;
    let within: Vec<Count> = counts.iter().filter(|c| c.day >= s.period.first).copied().collect();
    Ok(Figures {
        current: Report::new(s.period, &within),
        previous: before.map(|b| Report::new(b, &counts)),
        team: team(&within),
        outreach: outreach(&within),
    })
}

/// When guests come in a report's days, against the business's seats at once.
pub async fn demand(tenant: &TenantStore, report: &Report) -> Result<Demand, AppError> {
    let reservations = tenant.reservations();
    let rules = reservations.booking_settings().await?.rules;
    let seats = seats_at_once(&rules, &reservations.resources().await?);
    Ok(Demand::new(report, &rules, seats))
}

/// A flow's funnel over the selection: its name, and its steps as its published version has them; and the
/// bookings it made in the period (made, cancelled, their guests) and their visits due (completed, no-shows).
pub struct FlowFunnel {
    pub id: FlowId,
    pub name: String,
    pub funnel: Funnel,
    pub bookings: Summary,
}

/// The funnels of the flows that ran or booked in the selection's period (its comparison aside), busiest first.
/// Runs of flows deleted since are left out.
pub async fn funnels(tenant: &TenantStore, s: &Selection) -> Result<Vec<FlowFunnel>, AppError> {
    let mut by_flow: HashMap<String, Vec<(Stage, i64)>> = HashMap::new();
    let counts = tenant.flow_counts(s.period, s.filter).await?;
    for (flow, stage, n) in counts.stages {
        by_flow.entry(flow).or_default().push((stage, n));
    }
    let mut booked: HashMap<String, Summary> = HashMap::new();
    for (flow, fact, n, total) in counts.bookings {
        booked.entry(flow).or_default().add(fact, n, total);
    }
    let mut funnels = Vec::new();
    for flow in tenant.flows().list().await? {
        let id = flow.id.to_string();
        let bookings = booked.remove(&id).unwrap_or_default();
        let counts = by_flow.remove(&id).unwrap_or_default();
        if counts.is_empty() && bookings == Summary::default() {
            continue;
        }
        let definition = match flow.published_version {
            Some(v) => tenant.flows().flow_version(flow.id, v).await?,
            None => flow.draft,
        };
        // Published versions always parse; a draft may not: its runs' steps are then shown by their ids.
        let def = serde_json::from_str(&definition).unwrap_or_else(|_| FlowDef {
            triggers: Vec::new(),
            start: String::new(),
            nodes: Vec::new(),
            settings: Default::default(),
            tests: Vec::new(),
        });
        funnels.push(FlowFunnel { id: flow.id, name: flow.name, funnel: Funnel::new(&def, &counts), bookings });
    }
    funnels.sort_by_key(|f| std::cmp::Reverse(f.funnel.started));
    Ok(funnels)
}

/// The business's days a list opened from an analytics figure shows (`from` to `to`, YYYY-MM-DD, both included):
/// both or neither, the first not after the last, as long as an analytics period at most.
pub fn drill_days(from: &str, to: &str) -> Result<Option<Period>, InvalidDays> {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| InvalidDays);
    match (from, to) {
        ("", "") => Ok(None),
        (from, to) => {
            let period = Period { first: day(from)?, last: day(to)? };
            if period.first > period.last || period.days() > MAX_DAYS {
                return Err(InvalidDays);
            }
            Ok(Some(period))
        }
    }
}

/// Days a list cannot show (each list words this in the member's language).
#[derive(Debug)]
pub struct InvalidDays;

/// The UTC instants a period's local days span.
pub fn instants(period: Period, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(period.first, tz), day_start(period.last + chrono::TimeDelta::days(1), tz))
}

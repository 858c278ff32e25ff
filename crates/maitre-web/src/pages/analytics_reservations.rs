//! The analytics page's reservations in depth: how far ahead guests book, party sizes, and when guests come against
//! the seats (maitre-domain metrics/demand.rs), each as a table; the demand table also as CSV, exactly as shown.
use axum::extract::{Query, State};
use axum::response::Response;
use maitre_domain::metrics::demand::Cell;
use maitre_domain::metrics::report::{PARTY_SIZES, Report, Summary};

use super::analytics::{decimal, period_report};
use super::analytics_query::{AnalyticsParams, demand};
use super::charts::share_bar;
use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

/// One row of a spread: what, how many, and a bar of its share.
pub struct SpreadRow {
    pub label: String,
    pub count: i64,
    pub bar: String,
}

pub struct DemandCell {
    pub text: String,
    /// `heat-0` to `heat-5`, and `closed` outside the weekly hours.
    pub class: String,
}

pub struct DemandView {
    pub weekdays: Vec<String>,
    pub rows: Vec<(String, Vec<DemandCell>)>,
    /// What the colours measure against: the seats at once, or the busiest hour.
    pub scale: String,
    pub csv: String,
}

pub struct DepthView {
    /// From first message to visit: new conversations, those that led to a booking, those that led to a visit.
    pub journey: Vec<SpreadRow>,
    pub lead: Vec<SpreadRow>,
    pub party: Vec<SpreadRow>,
    pub demand: DemandView,
}

/// How far ahead a bucket of lead times is (`lead_bucket`'s first day), in the reader's words.
pub fn lead_label(tr: &Tr, days: i64) -> String {
    match days {
        0 | 1 | 7 | 14 | 30 => tr.t(&format!("an-lead-{days}")),
        d => tr.t1("an-lead-days", "days", &d.to_string()),
    }
}

/// The median booking's days ahead, or a dash when nothing was booked.
pub fn median_lead(tr: &Tr, s: &Summary) -> String {
    s.median_lead_days().map_or_else(|| "—".to_owned(), |d| lead_label(tr, d))
}

/// Guests per visit, as the reader writes a decimal.
pub fn average_party(tr: &Tr, s: &Summary) -> String {
    s.average_party().map_or_else(|| "—".to_owned(), |a| decimal(tr, a))
}

/// The journey's rows, each with a bar of its share of the new conversations.
fn journey(tr: &Tr, s: &Summary) -> Vec<SpreadRow> {
    [("an-journey-conversations", s.conversations), ("an-journey-booked", s.converted), ("an-journey-came", s.visited)]
        .into_iter()
        .map(|(key, count)| SpreadRow { label: tr.t(key), count, bar: share_bar(count, s.conversations) })
        .collect()
}

fn spread(rows: Vec<(String, i64)>) -> Vec<SpreadRow> {
    let whole: i64 = rows.iter().map(|(_, n)| n).sum();
    rows.into_iter().map(|(label, count)| SpreadRow { bar: share_bar(count, whole), label, count }).collect()
}

/// Guests present, whole; a dash for a closed hour nobody was in.
fn cell_text(c: &Cell) -> String {
    if !c.open && c.guests == 0.0 { "–".to_owned() } else { format!("{:.0}", c.guests) }
}

fn hour(h: u32) -> String {
    format!("{h:02}:00")
}

/// The reservations in depth of a report, for a member allowed the business's figures.
pub async fn depth_view(tr: &Tr, m: &Member, report: &Report, params: &AnalyticsParams) -> Result<DepthView, AppError> {
    let s = &report.total;
    let lead = [0, 1, 2, 3, 4, 5, 6, 7, 14, 30]
        .into_iter()
        .map(|d| (lead_label(tr, d), s.lead_days.iter().find(|(b, _)| *b == d).map_or(0, |(_, n)| *n)))
        .collect();
    let largest = s.party_sizes.iter().filter(|(_, n)| *n > 0).map(|(size, _)| *size).max().unwrap_or(0);
    let party = (1..=largest)
        .map(|size| {
            let label =
                if size == PARTY_SIZES { tr.t1("an-party-more", "size", &size.to_string()) } else { size.to_string() };
            (label, s.party_sizes.iter().find(|(p, _)| *p == size).map_or(0, |(_, n)| *n))
        })
        .collect();
    let d = demand(&m.tenant, report).await?;
    let rows = d
        .rows
        .iter()
        .map(|(h, cells)| {
            let cells = cells
                .iter()
                .map(|c| DemandCell {
                    text: cell_text(c),
                    class: format!("heat-{}{}", d.level(c), if c.open { "" } else { " closed" }),
                })
                .collect();
            (hour(*h), cells)
        })
        .collect();
    let scale = match d.seats {
        Some(seats) => tr.t1("an-demand-seats", "seats", &seats.to_string()),
        None => tr.t("an-demand-no-seats"),
    };
    Ok(DepthView {
        // A flow's figures do not tell its conversations apart: no journey from first message then.
        journey: if params.flow.trim().is_empty() { journey(tr, s) } else { vec![] },
        lead: spread(lead),
        party: spread(party),
        demand: DemandView {
            weekdays: (0..7).map(|w| tr.t(&format!("weekday-{w}"))).collect(),
            rows,
            scale,
            csv: format!(
                "/a/{}/analytics/demand.csv?{}",
                m.account.id,
                serde_urlencoded::to_string(params).unwrap_or_default()
            ),
        },
    })
}

/// The demand table as CSV: an hour per row, per weekday the guests present and their share of the seats.
pub async fn demand_csv(
    State(state): State<AppState>,
    m: Member,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, PageError> {
    let current = period_report(&m, &state, &params).await?;
    let tr = Tr::new(m.signed.user.locale);
    let d = demand(&m.tenant, &current).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    let mut head = vec![tr.t("an-demand-hour")];
    for w in 0..7 {
        let day = tr.t(&format!("weekday-{w}"));
        head.push(day.clone());
        head.push(tr.t1("an-demand-share-of", "day", &day));
    }
    out.write_record(&head).map_err(csv_err)?;
    for (h, cells) in &d.rows {
        let mut row = vec![hour(*h)];
        for c in cells {
            row.push(cell_text(c));
            row.push(c.share.map(|s| format!("{s:.0}")).unwrap_or_default());
        }
        out.write_record(&row).map_err(csv_err)?;
    }
    super::csv_download(out, "maitre-demand.csv")
}

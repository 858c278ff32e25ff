//! The home's figures for today and this week (Monday to now), in the business's calendar days: new conversations,
//! bookings and covers flows made, handoffs, and the team's median first response. They come from the same counted
//! facts as the analytics page (maitre-store figures.rs), by the definitions of maitre-domain metrics.rs.
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use maitre_domain::Action;
use maitre_domain::metrics::local_day;
use maitre_domain::metrics::report::{Period, Report, Summary, bucket_end, histogram_percentile};
use maitre_store::{DayDetail, FigureFilter};

use super::times::account_tz;

use crate::auth::Member;
use crate::error::PageError;
use crate::i18n::Tr;

pub struct FigureRow {
    pub id: &'static str,
    pub label: String,
    pub today: String,
    pub week: String,
    /// The list behind the figure, when the member may open it.
    pub href: Option<String>,
}

pub async fn figures(m: &Member, tr: &Tr, now: DateTime<Utc>) -> Result<Vec<FigureRow>, PageError> {
    let tz = account_tz(m);
    let today = local_day(now, tz);
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let week = Period { first: monday, last: today };
    let report = Report::new(week, &m.tenant.figure_counts(week, FigureFilter::default(), DayDetail::Every).await?);
    let (day, week) = (&report.days.last().expect("a week has today").1, &report.total);
    let base = format!("/a/{}", m.account.id);
    let inbox = m.may(Action::ViewInbox);
    let link = |allowed: bool, path: &str| allowed.then(|| format!("{base}/{path}"));
    let row = |id, key: &str, value: &dyn Fn(&Summary) -> String, href| FigureRow {
        id,
        label: tr.t(key),
        today: value(day),
        week: value(week),
        href,
    };
    let booked = |s: &Summary| {
        tr.tn(
            "home-figure-booked-value",
            &[("bookings", s.flow_bookings.to_string().as_str()), ("covers", s.flow_covers.to_string().as_str())],
        )
    };
    let first_response = |s: &Summary| response_time(tr, histogram_percentile(&s.first_response_person, 50));
    Ok(vec![
        row("conversations", "home-figure-conversations", &|s| s.conversations.to_string(), link(inbox, "inbox")),
        row("booked", "home-figure-booked", &booked, link(m.may(Action::ViewReservations), "reservations")),
        row("handoffs", "home-figure-handoffs", &|s| s.handoffs.to_string(), link(inbox, "inbox?filter=human")),
        row("first-response", "home-figure-first-response", &first_response, None),
    ])
}

/// A first response time as counted: its bucket (maitre-domain `response_bucket`), "12 min" or "10 min – 15 min".
pub(super) fn response_time(tr: &Tr, start: Option<TimeDelta>) -> String {
    let Some(start) = start else { return duration(tr, None) };
    let end = bucket_end(start.num_minutes());
    if end - start.num_minutes() == 1 {
        return duration(tr, Some(start));
    }
    format!("{} – {}", duration(tr, Some(start)), duration(tr, Some(TimeDelta::minutes(end))))
}

/// A response time as the reader takes it in: under a minute, minutes, hours and minutes, or whole days (from a
/// day on, times are counted by the day); a dash for none.
pub(super) fn duration(tr: &Tr, d: Option<TimeDelta>) -> String {
    match d {
        None => "—".to_owned(),
        Some(d) if d >= TimeDelta::days(1) && d.num_minutes() % 1440 == 0 => {
            tr.t1("home-figure-days", "days", &d.num_days().to_string())
        }
        Some(d) if d < TimeDelta::minutes(1) => tr.t("home-figure-under-a-minute"),
        Some(d) if d < TimeDelta::hours(1) => tr.t1("home-figure-minutes", "minutes", &d.num_minutes().to_string()),
        Some(d) => tr.tn(
            "home-figure-hours",
            &[("hours", d.num_hours().to_string().as_str()), ("minutes", (d.num_minutes() % 60).to_string().as_str())],
        ),
    }
}

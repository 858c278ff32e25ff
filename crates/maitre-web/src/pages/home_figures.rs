//! The home's figures for today and this week (Monday to now), in the business's calendar days: new conversations,
//! bookings and covers flows made, handoffs, and the team's median first response (maitre-domain metrics.rs says
//! what each means; the store keeps each conversation's first moments, so nothing scans messages).
use chrono::{DateTime, Datelike, TimeDelta, Utc};
use maitre_domain::Action;
use maitre_domain::booking::tz::zone;
use maitre_domain::metrics::{day_span, local_day, median};
use maitre_store::Activity;

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
    let tz = zone(&m.account.settings.time_zone).unwrap_or(chrono_tz::UTC);
    let today = local_day(now, tz);
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    let (day_start, end) = day_span(today, tz);
    let week_start = day_span(monday, tz).0;
    let week = m.tenant.activity(week_start, end).await?;
    let day = week.since(day_start);
    let base = format!("/a/{}", m.account.id);
    let inbox = m.may(Action::ViewInbox);
    let link = |allowed: bool, path: &str| allowed.then(|| format!("{base}/{path}"));
    let row = |id, key: &str, value: &dyn Fn(&Activity) -> String, href| FigureRow {
        id,
        label: tr.t(key),
        today: value(&day),
        week: value(&week),
        href,
    };
    let booked = |a: &Activity| {
        tr.tn(
            "home-figure-booked-value",
            &[("bookings", a.bookings.len().to_string().as_str()), ("covers", a.covers().to_string().as_str())],
        )
    };
    Ok(vec![
        row("conversations", "home-figure-conversations", &|a| a.conversations.len().to_string(), link(inbox, "inbox")),
        row("booked", "home-figure-booked", &booked, link(m.may(Action::ViewReservations), "reservations")),
        row(
            "handoffs",
            "home-figure-handoffs",
            &|a| a.conversations.iter().filter(|c| c.handoff.is_some()).count().to_string(),
            link(inbox, "inbox?filter=human"),
        ),
        row("first-response", "home-figure-first-response", &|a| first_response(tr, a), None),
    ])
}

/// The team's median first response, or a dash when nobody answered yet.
fn first_response(tr: &Tr, a: &Activity) -> String {
    let times: Vec<TimeDelta> = a.conversations.iter().filter_map(|c| c.figures().first_response_person).collect();
    match median(&times) {
        None => "—".to_owned(),
        Some(d) if d < TimeDelta::minutes(1) => tr.t("home-figure-under-a-minute"),
        Some(d) if d < TimeDelta::hours(1) => tr.t1("home-figure-minutes", "minutes", &d.num_minutes().to_string()),
        Some(d) => tr.tn(
            "home-figure-hours",
            &[("hours", d.num_hours().to_string().as_str()), ("minutes", (d.num_minutes() % 60).to_string().as_str())],
        ),
    }
}

//! The per-account calendar feed that Google, Apple and Outlook calendars subscribe to: `GET /ical/{token}.ics`.
//! The token is the only credential, so an unknown one answers 404 like any missing page.
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::TimeDelta;
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use maitre_domain::booking::ReservationStatus;
use maitre_store::{ReservationQuery, StoreError};

use crate::AppState;
use crate::error::{AppError, PageError};
use crate::pages::reservations::BULK_LIMIT;

pub fn routes() -> Router<AppState> {
    Router::new().route("/ical/{file}", get(feed))
}

/// How far back the feed reaches; calendars keep what they already showed.
const PAST_DAYS: i64 = 30;

async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, PageError> {
    let token = file.strip_suffix(".ics").filter(|t| !t.is_empty() && t.len() < 200).ok_or(AppError::NotFound)?;
    let tenant = match state.store.tenant_for_ical_token(token).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Err(AppError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let account = tenant.account().await?;
    let now = state.store.clock().now();
    let query =
        ReservationQuery { from: Some(now - TimeDelta::days(PAST_DAYS)), limit: BULK_LIMIT, ..Default::default() };
    let mut calendar = Calendar::new();
    calendar.name(&account.settings.name).timezone(account.settings.time_zone.as_str());
    for r in tenant.reservations().list(&query).await?.items {
        let status = match r.status {
            ReservationStatus::Pending => EventStatus::Tentative,
            ReservationStatus::Cancelled | ReservationStatus::NoShow => EventStatus::Cancelled,
            ReservationStatus::Confirmed | ReservationStatus::Completed => EventStatus::Confirmed,
        };
        let mut description = vec![format!("{} ({})", r.name, r.party_size)];
        description.extend([r.phone.clone(), r.email.clone(), r.notes.clone()].into_iter().filter(|s| !s.is_empty()));
        let summary = match &r.service {
            Some(s) => format!("{} · {} · {s}", r.name, r.party_size),
            None => format!("{} · {}", r.name, r.party_size),
        };
        calendar.push(
            Event::new()
                .uid(&format!("{}@maitre", r.id))
                .summary(&summary)
                .description(&description.join("\n"))
                .starts(r.starts_at)
                .ends(r.ends_at)
                .timestamp(r.updated_at)
                .status(status)
                .done(),
        );
    }
    // Not cached anywhere (the default `no-store`): it lists guests' names and phone numbers.
    Ok(([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], calendar.done().to_string()).into_response())
}

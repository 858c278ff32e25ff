//! Reservations and booking settings over the API. Times in requests are the account's local time
//! (`2026-03-17T19:30`); answers give both the local start and UTC instants.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDateTime;
use chrono_tz::Tz;
use maitre_domain::Action;
use maitre_domain::booking::tz::to_local;
use maitre_domain::booking::{BookingRules, ReservationRequest, ReservationStatus, SlotCheck, UnknownValue};
use maitre_store::{Booking, BookingSettings, Origin, Reservation, TenantStore};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};
use crate::i18n::Tr;
use crate::pages::reservations::{Filters, query_of, refusal_text};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reservations", get(list).post(create))
        .route("/reservations/{id}", get(get_one).patch(update_status))
        .route("/booking/settings", get(get_settings).put(put_settings))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListParams {
    /// pending, confirmed, cancelled, no_show or completed; all when absent.
    #[param(pattern = "^(pending|confirmed|cancelled|no_show|completed)?$")]
    status: Option<String>,
    /// First local date (YYYY-MM-DD); today when absent, no limit when empty.
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))?$")]
    from: Option<String>,
    /// Last local date (YYYY-MM-DD), inclusive.
    #[param(pattern = "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8]))?$")]
    to: Option<String>,
    /// Part of the guest's name.
    #[param(max_length = 200)]
    q: Option<String>,
    /// The `next` value of the previous page.
    #[param(pattern = r"^([0-9]{1,15}\.[0-9A-Za-z-]{1,64})?$")]
    after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ReservationDto {
    id: String,
    /// Local start in the account's time zone, e.g. 2026-03-17T19:30.
    local_start: String,
    starts_at: String,
    ends_at: String,
    duration_minutes: i64,
    party_size: u32,
    /// pending, confirmed, cancelled, no_show or completed.
    status: String,
    name: String,
    phone: String,
    email: String,
    notes: String,
    service: Option<String>,
    resource_id: Option<String>,
    /// flow or staff.
    source: String,
    contact_id: Option<String>,
    conversation_id: Option<String>,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ReservationPage {
    reservations: Vec<ReservationDto>,
    /// Pass as `after` for the next (later) page; null on the last page.
    next: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ReservationInput {
    /// Local start in the account's time zone, e.g. 2026-03-17T19:30.
    #[schema(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]$")]
    starts_at: String,
    #[schema(minimum = 1)]
    party_size: u32,
    /// One of the business's services, by name.
    service: Option<String>,
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 120)]
    name: String,
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]*$", max_length = 200)]
    phone: Option<String>,
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]*$", max_length = 200)]
    email: Option<String>,
    #[schema(pattern = r"^[^\x00-\x09\x0b-\x1f\x7f-\x9f]*$", max_length = 2000)]
    notes: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct StatusInput {
    #[schema(pattern = "^(confirmed|cancelled|no_show|completed)$")]
    status: String,
}

/// A refused slot: the reason, and for closed or full slots the nearest free local starts.
#[derive(Serialize, ToSchema)]
pub(super) struct RefusedBody {
    error: RefusedDetail,
    /// `{"result": "closed" | "full" | "too_large" | "too_soon" | "too_far", …}` with `alternatives`, `max`,
    /// `earliest` or `latest`.
    #[schema(value_type = Object)]
    slot: SlotCheck,
}

#[derive(Serialize, ToSchema)]
pub(super) struct RefusedDetail {
    /// Always `slot_unavailable`.
    code: String,
    message: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct BookingSettingsDto {
    /// Opening hours (`hours.mon` … `hours.sun`: lists of "HH:MM-HH:MM"), `exceptions` ({date, hours, label}),
    /// `slot_minutes`, `default_duration_minutes`, `lead_time_minutes`, `horizon_days`, `max_party_size`,
    /// `covers_per_slot` (0 = no limit), `auto_confirm`.
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "super::json::object")]
    rules: BookingRules,
    /// An http(s) address, or empty for none.
    #[schema(max_length = 500)]
    review_link: String,
    /// Hours before the visit for the reminder; 0 = none.
    #[schema(maximum = 336)]
    reminder_hours: u32,
    /// Hours after the visit for the review request.
    #[schema(maximum = 720)]
    review_delay_hours: u32,
}

fn tz_of(account: &maitre_store::Account) -> Tz {
    account.settings.time_zone.parse().unwrap_or(chrono_tz::UTC)
}

fn dto(r: Reservation) -> ReservationDto {
    ReservationDto {
        local_start: r.local_start.format("%Y-%m-%dT%H:%M").to_string(),
        starts_at: r.starts_at.to_rfc3339(),
        ends_at: r.ends_at.to_rfc3339(),
        duration_minutes: r.duration_minutes(),
        party_size: r.party_size,
        status: r.status.to_string(),
        source: r.source.to_string(),
        created_at: r.created_at.to_rfc3339(),
        updated_at: r.updated_at.to_rfc3339(),
        id: r.id.to_string(),
        name: r.name,
        phone: r.phone,
        email: r.email,
        notes: r.notes,
        service: r.service,
        resource_id: r.resource_id,
        contact_id: r.contact_id.map(|id| id.to_string()),
        conversation_id: r.conversation_id.map(|id| id.to_string()),
    }
}

async fn account_tz(tenant: &TenantStore) -> Result<Tz, ApiError> {
    Ok(tz_of(&tenant.account().await?))
}

#[utoipa::path(get, path = "/api/v1/reservations", tag = "reservations", params(ListParams),
    responses((status = 200, body = ReservationPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(super) async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ReservationPage>, ApiError> {
    caller.require(Action::ViewReservations)?;
    let p = super::params::query(params)?;
    let limit = super::params::limit(p.limit)?;
    super::params::search(p.q.as_deref())?;
    let tz = account_tz(&caller.tenant).await?;
    let filters = Filters::new(p.status, p.from, p.to, p.q, p.after);
    let today = to_local(state.store.clock().now(), tz).date();
    let page = caller.tenant.reservations().list(&query_of(&filters, tz, today, limit)?).await?;
    Ok(Json(ReservationPage {
        reservations: page.items.into_iter().map(dto).collect(),
        next: page.next.map(|c| c.to_string()),
    }))
}

/// Books by hand (as staff: the lead time does not apply). A refused slot answers 409 with the reason.
#[utoipa::path(post, path = "/api/v1/reservations", tag = "reservations", request_body = ReservationInput,
    responses((status = 201, body = ReservationDto), (status = 404, description = "No such service", body = ErrorBody),
        (status = 409, body = RefusedBody), (status = 422, body = ErrorBody)))]
pub(super) async fn create(caller: ApiCaller, ApiJson(input): ApiJson<ReservationInput>) -> Result<Response, ApiError> {
    caller.require(Action::ManageReservations)?;
    let starts_at = NaiveDateTime::parse_from_str(input.starts_at.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| AppError::Validation("starts_at must be a local time like 2026-03-17T19:30".into()))?;
    let req = ReservationRequest {
        starts_at,
        party_size: input.party_size,
        service: input.service,
        name: input.name,
        phone: input.phone,
        email: input.email,
        notes: input.notes.unwrap_or_default(),
    };
    let tz = account_tz(&caller.tenant).await?;
    Ok(match caller.tenant.reservations().create_reservation(&req, tz, &Origin::staff()).await? {
        Booking::Booked(r) => (StatusCode::CREATED, Json(dto(*r))).into_response(),
        Booking::Refused(slot) => {
            let message = refusal_text(&Tr::new(maitre_domain::Locale::En), &slot);
            let body = RefusedBody { error: RefusedDetail { code: "slot_unavailable".into(), message }, slot };
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
    })
}

#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "reservations", params(("id" = String, Path)),
    responses((status = 200, body = ReservationDto), (status = 404, body = ErrorBody)))]
pub(super) async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ReservationDto>, ApiError> {
    caller.require(Action::ViewReservations)?;
    let id = found(&id)?;
    Ok(Json(dto(caller.tenant.reservations().reservation(id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/reservations/{id}", tag = "reservations", request_body = StatusInput,
    params(("id" = String, Path)),
    responses((status = 200, body = ReservationDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn update_status(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<Json<ReservationDto>, ApiError> {
    caller.require(Action::ManageReservations)?;
    let id = found(&id)?;
    let status: ReservationStatus =
        input.status.parse().map_err(|e: UnknownValue| AppError::Validation(e.to_string()))?;
    Ok(Json(dto(caller.tenant.reservations().set_reservation_status(id, status).await?)))
}

#[utoipa::path(get, path = "/api/v1/booking/settings", tag = "reservations",
    responses((status = 200, body = BookingSettingsDto), (status = 403, body = ErrorBody)))]
pub(super) async fn get_settings(caller: ApiCaller) -> Result<Json<BookingSettingsDto>, ApiError> {
    caller.require(Action::ViewReservations)?;
    let s = caller.tenant.reservations().booking_settings().await?;
    Ok(Json(BookingSettingsDto {
        rules: s.rules,
        review_link: s.review_link,
        reminder_hours: s.reminder_hours,
        review_delay_hours: s.review_delay_hours,
    }))
}

#[utoipa::path(put, path = "/api/v1/booking/settings", tag = "reservations", request_body = BookingSettingsDto,
    responses((status = 200, body = BookingSettingsDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_settings(
    caller: ApiCaller,
    ApiJson(input): ApiJson<BookingSettingsDto>,
) -> Result<Json<BookingSettingsDto>, ApiError> {
    caller.require(Action::ManageBookingSettings)?;
    let settings = BookingSettings {
        rules: input.rules,
        review_link: input.review_link,
        reminder_hours: input.reminder_hours,
        review_delay_hours: input.review_delay_hours,
    };
    caller.tenant.reservations().put_booking_settings(&settings).await?;
    get_settings(caller).await
}

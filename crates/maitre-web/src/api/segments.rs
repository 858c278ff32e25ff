//! Segments through the API: saved contact filters with their live count. The contacts list takes `segment=<id>`
//! to list a segment's contacts. Rules are checked against the business's custom fields: an unknown field, a value
//! a field cannot hold, or windows nobody can match answer 422 naming the rule; a name in use 409.
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use maitre_app::segments::save_segment;
use maitre_domain::contacts::Tag;
use maitre_domain::segments::{ConsentRule, FieldRule, SegmentRules};
use maitre_domain::{Action, Locale, Platform, SegmentId};
use maitre_store::Segment;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/segments", get(list).post(create))
        .route("/segments/{id}", get(get_one).patch(update).delete(remove))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum PlatformDto {
    Whatsapp,
    Instagram,
    Messenger,
    Telegram,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ConsentDto {
    /// Said yes to marketing messages and did not withdraw it: whom a broadcast reaches.
    OptedIn,
    /// Never said no.
    NotOptedOut,
    OptedOut,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum LanguageDto {
    De,
    En,
    Fr,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldRuleDto {
    /// A custom field's key.
    #[schema(max_length = 40)]
    key: String,
    /// Absent: the field has any value; given: it has this one (case-insensitive).
    #[schema(max_length = 500)]
    equals: Option<String>,
}

/// Every rule given narrows the segment; none is every contact.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SegmentRulesDto {
    /// Has all of these tags.
    #[schema(max_items = 10)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// Writes on one of these platforms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    platforms: Vec<PlatformDto>,
    /// Writes on this channel.
    #[schema(format = Uuid)]
    #[serde(skip_serializing_if = "Option::is_none")]
    channel_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consent: Option<ConsentDto>,
    #[schema(max_items = 10)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldRuleDto>,
    /// The language of the guest's latest message that showed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<LanguageDto>,
    /// Wrote or was written to within this many days (longer than silent_for_days when both are given).
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(skip_serializing_if = "Option::is_none")]
    messaged_within_days: Option<u32>,
    /// Nothing written either way for at least this many days.
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(skip_serializing_if = "Option::is_none")]
    silent_for_days: Option<u32>,
    /// Came (a completed booking) within this many days (longer than away_for_days when both are given).
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(skip_serializing_if = "Option::is_none")]
    visited_within_days: Option<u32>,
    /// Came before, but not for at least this many days.
    #[schema(minimum = 1, maximum = 3650)]
    #[serde(skip_serializing_if = "Option::is_none")]
    away_for_days: Option<u32>,
    /// Has (true) or has not (false) a booking still to come.
    #[serde(skip_serializing_if = "Option::is_none")]
    upcoming_booking: Option<bool>,
    /// Booked at least this many times; cancelled bookings do not count.
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_bookings: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct SegmentDto {
    id: String,
    name: String,
    rules: SegmentRulesDto,
    /// How many contacts it takes in right now.
    contacts: i64,
    created_at: String,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct SegmentList {
    data: Vec<SegmentDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentInput {
    #[schema(pattern = r"\S", max_length = 80)]
    name: String,
    #[serde(default)]
    rules: SegmentRulesDto,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SegmentPatch {
    #[schema(pattern = r"\S", max_length = 80)]
    name: Option<String>,
    /// Replaces all rules.
    rules: Option<SegmentRulesDto>,
}

fn platform(p: PlatformDto) -> Platform {
    match p {
        PlatformDto::Whatsapp => Platform::WhatsApp,
        PlatformDto::Instagram => Platform::Instagram,
        PlatformDto::Messenger => Platform::Messenger,
        PlatformDto::Telegram => Platform::Telegram,
    }
}

fn platform_dto(p: Platform) -> PlatformDto {
    match p {
        Platform::WhatsApp => PlatformDto::Whatsapp,
        Platform::Instagram => PlatformDto::Instagram,
        Platform::Messenger => PlatformDto::Messenger,
        Platform::Telegram => PlatformDto::Telegram,
    }
}

impl SegmentRulesDto {
    /// The domain's rules, or 422 naming what does not parse (the domain checks the rest).
    fn into_rules(self) -> Result<SegmentRules, AppError> {
        let invalid = |what: String| AppError::Validation(format!("rules: {what}"));
        let tags: Result<Vec<Tag>, AppError> =
            self.tags.iter().map(|t| Tag::parse(t).map_err(|e| invalid(e.to_string()))).collect();
        let channel = match self.channel_id {
            Some(c) => Some(c.parse().map_err(|_| invalid(format!("channel_id: {c:?} is not a channel id")))?),
            None => None,
        };
        Ok(SegmentRules {
            tags: tags?,
            platforms: self.platforms.into_iter().map(platform).collect(),
            channel,
            consent: self.consent.map(|c| match c {
                ConsentDto::OptedIn => ConsentRule::OptedIn,
                ConsentDto::NotOptedOut => ConsentRule::NotOptedOut,
                ConsentDto::OptedOut => ConsentRule::OptedOut,
            }),
            fields: self.fields.into_iter().map(|f| FieldRule { key: f.key, equals: f.equals }).collect(),
            language: self.language.map(|l| match l {
                LanguageDto::De => Locale::De,
                LanguageDto::En => Locale::En,
                LanguageDto::Fr => Locale::Fr,
            }),
            messaged_within_days: self.messaged_within_days,
            silent_for_days: self.silent_for_days,
            visited_within_days: self.visited_within_days,
            away_for_days: self.away_for_days,
            upcoming_booking: self.upcoming_booking,
            min_bookings: self.min_bookings,
        })
    }

    fn of(r: SegmentRules) -> SegmentRulesDto {
        SegmentRulesDto {
            tags: r.tags.iter().map(|t| t.to_string()).collect(),
            platforms: r.platforms.into_iter().map(platform_dto).collect(),
            channel_id: r.channel.map(|c| c.to_string()),
            consent: r.consent.map(|c| match c {
                ConsentRule::OptedIn => ConsentDto::OptedIn,
                ConsentRule::NotOptedOut => ConsentDto::NotOptedOut,
                ConsentRule::OptedOut => ConsentDto::OptedOut,
            }),
            fields: r.fields.into_iter().map(|f| FieldRuleDto { key: f.key, equals: f.equals }).collect(),
            language: r.language.map(|l| match l {
                Locale::De => LanguageDto::De,
                Locale::En => LanguageDto::En,
                Locale::Fr => LanguageDto::Fr,
            }),
            messaged_within_days: r.messaged_within_days,
            silent_for_days: r.silent_for_days,
            visited_within_days: r.visited_within_days,
            away_for_days: r.away_for_days,
            upcoming_booking: r.upcoming_booking,
            min_bookings: r.min_bookings,
        }
    }
}

async fn dto(caller: &ApiCaller, s: Segment) -> Result<SegmentDto, ApiError> {
    Ok(SegmentDto {
        contacts: caller.tenant.segments().count(&s.rules).await?,
        id: s.id.to_string(),
        name: s.name,
        rules: SegmentRulesDto::of(s.rules),
        created_at: s.created_at.to_rfc3339(),
        updated_at: s.updated_at.to_rfc3339(),
    })
}

#[utoipa::path(get, path = "/api/v1/segments", tag = "segments",
    responses((status = 200, description = "The business's segments by name, each with its live count",
        body = SegmentList)))]
async fn list(caller: ApiCaller) -> Result<Json<SegmentList>, ApiError> {
    caller.require(Action::ViewContacts)?;
    let mut data = Vec::new();
    for s in caller.tenant.segments().list().await? {
        data.push(dto(&caller, s).await?);
    }
    Ok(Json(SegmentList { data }))
}

#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "segments", params(("id" = String, Path)),
    responses((status = 200, body = SegmentDto), (status = 404, body = ErrorBody)))]
async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<SegmentDto>, ApiError> {
    caller.require(Action::ViewContacts)?;
    let segment = caller.tenant.segments().get(found(&id)?).await?;
    Ok(Json(dto(&caller, segment).await?))
}

#[utoipa::path(post, path = "/api/v1/segments", tag = "segments", request_body = SegmentInput,
    responses((status = 201, description = "Saved", body = SegmentDto),
        (status = 409, description = "A segment with this name exists already", body = ErrorBody),
        (status = 422, description = "An unknown custom field, a value the field cannot hold, a tag that is not \
            one, or windows nobody can match", body = ErrorBody)))]
async fn create(
    caller: ApiCaller,
    ApiJson(input): ApiJson<SegmentInput>,
) -> Result<(StatusCode, Json<SegmentDto>), ApiError> {
    caller.require(Action::ManageContacts)?;
    let saved = save_segment(&caller.tenant, None, &input.name, input.rules.into_rules()?).await?;
    Ok((StatusCode::CREATED, Json(dto(&caller, saved).await?)))
}

#[utoipa::path(patch, path = "/api/v1/segments/{id}", tag = "segments", params(("id" = String, Path)),
    request_body = SegmentPatch,
    responses((status = 200, body = SegmentDto), (status = 404, body = ErrorBody),
        (status = 409, description = "A segment with this name exists already", body = ErrorBody),
        (status = 422, description = "Rules as for creating", body = ErrorBody)))]
async fn update(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SegmentPatch>,
) -> Result<Json<SegmentDto>, ApiError> {
    caller.require(Action::ManageContacts)?;
    let id: SegmentId = found(&id)?;
    let old = caller.tenant.segments().get(id).await?;
    let rules = match input.rules {
        Some(r) => r.into_rules()?,
        None => old.rules,
    };
    let saved = save_segment(&caller.tenant, Some(id), input.name.as_deref().unwrap_or(&old.name), rules).await?;
    Ok(Json(dto(&caller, saved).await?))
}

#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "segments", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted; its contacts stay"), (status = 404, body = ErrorBody)))]
async fn remove(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageContacts)?;
    caller.tenant.segments().delete(found(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

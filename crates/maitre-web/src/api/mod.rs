//! The JSON API under `/api/v1`, authenticated by account API tokens (`Authorization: Bearer …`) and described
//! by an OpenAPI document generated from these handlers.
mod analytics;
mod analytics_runs;
mod broadcasts;
mod channels;
mod contacts;
mod contract;
mod flow_simulate;
mod flows;
mod inbox;
mod json;
mod operations;
mod params;
mod reservations;
mod scheduled;
mod segments;
mod templates;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch};
use axum::{Json, Router};
use maitre_domain::permissions::can_assign_role;
use maitre_domain::{AccountSettings, Action, ApiTokenId, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use self::contract::CommonAnswers;
pub use self::json::ApiJson;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/account", get(get_account).patch(update_account))
        .route("/members", get(list_members))
        .route("/members/{user_id}", patch(update_member).delete(remove_member))
        .route("/tokens", get(list_tokens))
        .route("/tokens/{token_id}", delete(revoke_token))
        .merge(operations::routes())
        .merge(analytics::routes())
        .merge(analytics_runs::routes())
        .merge(channels::routes())
        .merge(reservations::routes())
        .merge(inbox::routes())
        .merge(flows::routes())
        .merge(contacts::routes())
        .merge(templates::routes())
        .merge(scheduled::routes())
        .merge(segments::routes())
        .merge(broadcasts::routes())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "maitre API", version = "1", description = "Account-scoped API. Create a token under Settings → API tokens."),
    paths(get_account, update_account, list_members, update_member, remove_member, list_tokens, revoke_token,
        operations::list_jobs, operations::retry_job, operations::list_events,
        channels::list, channels::connect_telegram, channels::connect_whatsapp, channels::verify, channels::update,
        channels::remove,
        reservations::list, reservations::create, reservations::get_one, reservations::update_status,
        reservations::get_settings, reservations::put_settings,
        inbox::list, inbox::thread, inbox::reply, inbox::note, inbox::assign, inbox::take_over, inbox::hand_back,
        inbox::close, inbox::reopen,
        flows::list, flows::create, flows::get_one, flows::update, flows::remove, flows::set_enabled, flows::publish,
        flows::list_templates, flows::install, flows::validate, flow_simulate::simulate, flows::get_automation,
        flows::put_automation,
        contacts::list, contacts::get_one, contacts::create, contacts::update, contacts::erase,
        contacts::list_notes, contacts::add_note, contacts::edit_note, contacts::delete_note, analytics::summary, analytics::flows, analytics::team, analytics::outreach,
        analytics::reservations, analytics_runs::runs,
        templates::list, templates::get_one, templates::create, templates::remove, templates::set_waba,
        templates::sync, templates::send,
        scheduled::list, scheduled::create, scheduled::update, scheduled::remove,
        segments::list, segments::get_one, segments::create, segments::update, segments::remove,
        broadcasts::list, broadcasts::get_one, broadcasts::create, broadcasts::update, broadcasts::remove,
        broadcasts::dry_run, broadcasts::schedule, broadcasts::command, broadcasts::recipients),
    components(schemas(contract::TimeZoneName, AccountDto, AccountInput, MemberDto, RoleInput, TokenDto, ErrorBody, ErrorDetail,
        operations::JobDto, operations::JobPage, operations::EventDto, operations::EventPage,
        channels::ChannelDto, channels::TelegramInput, channels::WhatsAppInput, channels::ChannelPatch,
        reservations::ReservationDto, reservations::ReservationPage, reservations::ReservationInput,
        reservations::StatusInput, reservations::RefusedBody, reservations::RefusedDetail,
        reservations::BookingSettingsDto,
        inbox::ConversationDto, inbox::ConversationPage, inbox::ThreadItemDto, inbox::ThreadDto, inbox::TextInput,
        inbox::AssignInput, inbox::HandBackInput, inbox::AttachmentDto, inbox::ReferenceDto, inbox::Created,
        flows::FlowDto, flows::FlowDetail, flows::IssueDto, flows::FlowInput, flows::NewFlow, flows::EnabledInput,
        flows::TemplateInput, flows::TemplateDto, flows::DraftInput, flows::IssuesDto, flows::PublishedDto,
        flows::PublishRefused, flows::RefusalDetail, flows::TestFailureDto, flow_simulate::SimulateInput, flow_simulate::SimulateDto,
        flow_simulate::ReplyDto, flow_simulate::QuickReplyDto, flow_simulate::BookedDto, flows::AutomationDto, flows::AutomationPut,
        contacts::ContactDto, contacts::ContactPage, contacts::IdentityDto, contacts::ConsentDto,
        contacts::ContactDetail, contacts::ContactInput, contacts::ContactPatch, contacts::NoteDto,
        contacts::NoteInput, analytics::FiguresDto, analytics::DayDto, analytics::AnalyticsDto,
        analytics::ResponseTimeDto, analytics::FunnelsDto, analytics::FlowFunnelDto, analytics::FunnelStepDto,
        analytics::TeamDto, analytics::MemberFiguresDto, analytics::OutreachDto, analytics::OutreachKindDto, analytics::LeadDto, analytics::PartyDto,
        analytics::DemandDto, analytics::ReservationsDto, analytics_runs::InsightRunDto,
        analytics_runs::InsightRunsDto, templates::MessageTemplateDto, templates::ButtonDto,
        templates::MessageTemplateList, templates::MessageTemplateDetail, templates::MessageTemplateInput,
        templates::WabaInput, templates::SyncedDto, templates::TemplateSendInput, templates::QueuedDto,
        scheduled::ScheduledMessageDto, scheduled::ScheduledMessageList, scheduled::ScheduledMessageInput,
        scheduled::ScheduledMessagePatch, segments::PlatformDto, segments::ConsentDto, segments::LanguageDto,
        segments::FieldRuleDto, segments::SegmentRulesDto, segments::SegmentDto, segments::SegmentList,
        segments::SegmentInput, segments::SegmentPatch, broadcasts::ProgressDto, broadcasts::BroadcastDto,
        broadcasts::BroadcastList, broadcasts::BroadcastInput, broadcasts::ScheduleInput, broadcasts::DryRunDto,
        broadcasts::RecipientDto, broadcasts::RecipientPage)),
    modifiers(&BearerAuth, &CommonAnswers),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;
impl Modify for BearerAuth {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The error shape of every `/api` answer that is not a success.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}
#[derive(Serialize, ToSchema)]
struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `validation`.
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
struct AccountDto {
    id: String,
    name: String,
    /// IANA time zone, e.g. Europe/Berlin.
    time_zone: String,
    /// de, en or fr.
    locale: String,
    country: String,
    currency: String,
    created_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct AccountInput {
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$", max_length = 120)]
    name: Option<String>,
    #[schema(value_type = Option<contract::TimeZoneName>)]
    time_zone: Option<String>,
    #[schema(pattern = "^(de|en|fr)$")]
    locale: Option<String>,
    /// ISO 3166 two-letter code.
    #[schema(pattern = "^[A-Za-z]{2}$")]
    country: Option<String>,
    /// ISO 4217 three-letter code.
    #[schema(pattern = "^[A-Za-z]{3}$")]
    currency: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct MemberDto {
    user_id: String,
    email: String,
    name: String,
    role: String,
    joined_at: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RoleInput {
    #[schema(pattern = "^(owner|admin|agent|viewer)$")]
    role: String,
}

#[derive(Serialize, ToSchema)]
struct TokenDto {
    id: String,
    name: String,
    role: String,
    created_at: String,
    last_used_at: Option<String>,
}

fn account_dto(a: maitre_store::Account) -> AccountDto {
    let s = a.settings;
    AccountDto {
        id: a.id.to_string(),
        name: s.name,
        time_zone: s.time_zone,
        locale: s.locale.to_string(),
        country: s.country,
        currency: s.currency.as_str().to_owned(),
        created_at: a.created_at.to_rfc3339(),
    }
}

#[utoipa::path(get, path = "/api/v1/account", tag = "account",
    responses((status = 200, body = AccountDto), (status = 401, body = ErrorBody)))]
async fn get_account(caller: ApiCaller) -> Result<Json<AccountDto>, ApiError> {
    caller.require(Action::ViewAccount)?;
    Ok(Json(account_dto(caller.tenant.account().await?)))
}

#[utoipa::path(patch, path = "/api/v1/account", tag = "account", request_body = AccountInput,
    responses((status = 200, body = AccountDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_account(
    caller: ApiCaller,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<Json<AccountDto>, ApiError> {
    caller.require(Action::EditAccountSettings)?;
    let cur = caller.tenant.account().await?.settings;
    let settings = AccountSettings::parse(
        input.name.as_deref().unwrap_or(&cur.name),
        input.time_zone.as_deref().unwrap_or(&cur.time_zone),
        input.locale.as_deref().unwrap_or(cur.locale.as_str()),
        input.country.as_deref().unwrap_or(&cur.country),
        input.currency.as_deref().unwrap_or(cur.currency.as_str()),
    )
    .map_err(|e| AppError::Validation(e.to_string()))?;
    caller.tenant.update_settings(&settings).await?;
    Ok(Json(account_dto(caller.tenant.account().await?)))
}

fn member_dto(m: maitre_store::Member) -> MemberDto {
    MemberDto {
        user_id: m.user_id.to_string(),
        email: m.email,
        name: m.name,
        role: m.role.to_string(),
        joined_at: m.joined_at.to_rfc3339(),
    }
}

#[utoipa::path(get, path = "/api/v1/members", tag = "team",
    responses((status = 200, body = Vec<MemberDto>), (status = 403, body = ErrorBody)))]
async fn list_members(caller: ApiCaller) -> Result<Json<Vec<MemberDto>>, ApiError> {
    caller.require(Action::ViewTeam)?;
    Ok(Json(caller.tenant.team().members().await?.into_iter().map(member_dto).collect()))
}

fn user_id(s: &str) -> Result<UserId, ApiError> {
    s.parse().map_err(|_| ApiError(AppError::NotFound))
}

#[utoipa::path(patch, path = "/api/v1/members/{user_id}", tag = "team", request_body = RoleInput,
    params(("user_id" = String, Path)),
    responses((status = 200, body = MemberDto), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn update_member(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RoleInput>,
) -> Result<Json<MemberDto>, ApiError> {
    caller.require(Action::ManageTeam)?;
    let user = user_id(&id)?;
    let role: Role =
        input.role.parse().map_err(|e: maitre_domain::permissions::UnknownRole| AppError::Validation(e.to_string()))?;
    let current = caller.tenant.team().member(user).await?;
    if !can_assign_role(caller.role, role) || !can_assign_role(caller.role, current.role) {
        return Err(AppError::forbidden().into());
    }
    caller.tenant.team().set_role(user, role).await?;
    Ok(Json(member_dto(caller.tenant.team().member(user).await?)))
}

#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = "team", params(("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn remove_member(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageTeam)?;
    let user = user_id(&id)?;
    let current = caller.tenant.team().member(user).await?;
    if !can_assign_role(caller.role, current.role) {
        return Err(AppError::forbidden().into());
    }
    caller.tenant.team().remove_member(user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    responses((status = 200, body = Vec<TokenDto>), (status = 403, body = ErrorBody)))]
async fn list_tokens(caller: ApiCaller) -> Result<Json<Vec<TokenDto>>, ApiError> {
    caller.require(Action::ManageApiTokens)?;
    let tokens = caller.tenant.team().api_tokens().await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenDto {
                id: t.id.to_string(),
                name: t.name,
                role: t.role.to_string(),
                created_at: t.created_at.to_rfc3339(),
                last_used_at: t.last_used_at.map(|t| t.to_rfc3339()),
            })
            .collect(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{token_id}", tag = "tokens", params(("token_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn revoke_token(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageApiTokens)?;
    let id: ApiTokenId = id.parse().map_err(|_| AppError::NotFound)?;
    caller.tenant.team().revoke_api_token(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Flows over the API: drafts (saved even with errors, which are returned as issues), publishing (422 with the
//! issues or failing flow tests), templates, validation, the simulator, and the automation settings (the AI key
//! can be set or cleared, never read).
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use maitre_app::flows::{self, AutomationInput, FlowError, KeyChange};
use maitre_domain::Action;
use maitre_domain::entitlements::Limited;
use maitre_domain::flow::{Issue, TestResult, templates};
use maitre_store::{FlowRecord, TenantStore};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};
use crate::pages::flow_form::{read, stored};
use crate::pages::flows::{BLANK, flow_name};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/flows", get(list).post(create))
        .route("/flows/templates", get(list_templates).post(install))
        .route("/flows/validate", post(validate))
        .route("/flows/{id}", get(get_one).put(update).delete(remove))
        .route("/flows/{id}/enabled", put(set_enabled))
        .route("/flows/{id}/publish", post(publish))
        .route("/flows/{id}/simulate", post(super::flow_simulate::simulate))
        .route("/automation", get(get_automation).put(put_automation))
}

#[derive(Serialize, ToSchema)]
pub(super) struct FlowDto {
    id: String,
    name: String,
    /// The template key it was installed from; empty for flows made from scratch.
    template: String,
    /// null until first published.
    published_version: Option<i64>,
    enabled: bool,
    /// Channel ids the flow runs on; empty = all.
    channel_ids: Vec<String>,
    updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct FlowDetail {
    #[serde(flatten)]
    flow: FlowDto,
    /// The draft in the flow format (triggers, start, nodes, settings, tests).
    #[schema(value_type = Object)]
    draft: Value,
    /// Errors and warnings of the draft; publishing needs no errors.
    issues: Vec<IssueDto>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct IssueDto {
    /// error or warning.
    severity: String,
    /// The node the issue is about, if any.
    node: Option<String>,
    message: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct FlowInput {
    /// A new name; absent keeps the name.
    #[schema(pattern = r"\S", max_length = 80)]
    name: Option<String>,
    /// A draft in the flow format; absent keeps the draft.
    #[schema(value_type = Option<Object>)]
    draft: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewFlow {
    #[schema(pattern = r"\S", max_length = 80)]
    name: String,
    /// A draft in the flow format; without one the flow starts with a single empty message.
    #[schema(value_type = Option<Object>)]
    draft: Option<Value>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct EnabledInput {
    enabled: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TemplateInput {
    #[schema(pattern = "^(restaurant_de|restaurant_en|salon_appointment|practice_appointment|review_request)$")]
    key: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TemplateDto {
    key: String,
    name: String,
    locale: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DraftInput {
    #[schema(value_type = Object)]
    draft: Value,
}

#[derive(Serialize, ToSchema)]
pub(super) struct IssuesDto {
    issues: Vec<IssueDto>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct PublishedDto {
    version: i64,
}

/// Why a draft was not published: its errors, or its failing tests.
#[derive(Serialize, ToSchema)]
pub(super) struct PublishRefused {
    error: RefusalDetail,
    issues: Vec<IssueDto>,
    test_failures: Vec<TestFailureDto>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct RefusalDetail {
    /// `invalid_flow` or `tests_failed`.
    code: String,
    message: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct TestFailureDto {
    name: String,
    failures: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct AutomationDto {
    /// null: the server's default pause.
    read_together_ms: Option<i64>,
    ai_base_url: String,
    ai_model: String,
    /// Whether an AI key is stored. The key itself is never returned.
    ai_key_set: bool,
    ai_timeout_ms: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AutomationPut {
    #[schema(minimum = 0, maximum = 60000)]
    read_together_ms: Option<i64>,
    #[serde(default)]
    ai_base_url: String,
    #[serde(default)]
    ai_model: String,
    #[schema(minimum = 500, maximum = 60000)]
    ai_timeout_ms: i64,
    /// A new key; absent keeps the stored one.
    ai_key: Option<String>,
    /// Remove the stored key.
    #[serde(default)]
    clear_ai_key: bool,
}

fn dto(f: FlowRecord) -> FlowDto {
    FlowDto {
        updated_at: f.updated_at.to_rfc3339(),
        published_version: f.published_version,
        enabled: f.enabled,
        channel_ids: f.channel_ids,
        template: f.template,
        id: f.id.to_string(),
        name: f.name,
    }
}

fn issue_dtos(issues: Vec<Issue>) -> Vec<IssueDto> {
    issues
        .into_iter()
        .map(|i| IssueDto {
            severity: if i.is_error() { "error" } else { "warning" }.to_owned(),
            node: i.node,
            message: i.message,
        })
        .collect()
}

/// Every issue of a draft: why it does not read as a flow, or what validation finds.
async fn issues_of(tenant: &TenantStore, draft: &Value) -> Result<Vec<Issue>, ApiError> {
    Ok(match read(draft) {
        Ok(def) => flows::check(tenant, &def).await?,
        Err(issues) => issues,
    })
}

async fn detail(tenant: &TenantStore, f: FlowRecord) -> Result<FlowDetail, ApiError> {
    let draft: Value = serde_json::from_str(&f.draft).unwrap_or(Value::Null);
    let issues = issue_dtos(issues_of(tenant, &draft).await?);
    Ok(FlowDetail { flow: dto(f), draft, issues })
}

fn object(draft: Value) -> Result<Value, ApiError> {
    match draft {
        d @ Value::Object(_) => Ok(d),
        _ => Err(AppError::Validation("draft must be a JSON object in the flow format".into()).into()),
    }
}

#[utoipa::path(get, path = "/api/v1/flows", tag = "flows",
    responses((status = 200, body = Vec<FlowDto>), (status = 403, body = ErrorBody)))]
pub(super) async fn list(caller: ApiCaller) -> Result<Json<Vec<FlowDto>>, ApiError> {
    caller.require(Action::ViewFlows)?;
    Ok(Json(caller.tenant.flows().list().await?.into_iter().map(dto).collect()))
}

#[utoipa::path(post, path = "/api/v1/flows", tag = "flows", request_body = NewFlow,
    responses((status = 201, body = FlowDetail), (status = 402, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<NewFlow>,
) -> Result<Response, ApiError> {
    caller.require(Action::ManageFlows)?;
    state.app.entitle(&caller.tenant, Limited::Flow).await.map_err(AppError::from)?;
    let name = flow_name(&crate::i18n::Tr::new(maitre_domain::Locale::En), &input.name)?;
    let draft = match input.draft {
        Some(d) => stored(&object(d)?),
        None => BLANK.to_owned(),
    };
    let flow = caller.tenant.flows().create_flow(name, &draft, "").await?;
    Ok((StatusCode::CREATED, Json(detail(&caller.tenant, flow).await?)).into_response())
}

#[utoipa::path(get, path = "/api/v1/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = FlowDetail), (status = 404, body = ErrorBody)))]
pub(super) async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<FlowDetail>, ApiError> {
    caller.require(Action::ViewFlows)?;
    let id = found(&id)?;
    let flow = caller.tenant.flows().flow(id).await?;
    Ok(Json(detail(&caller.tenant, flow).await?))
}

/// Saves the draft (and name). A draft with errors is saved too; the answer lists its issues.
#[utoipa::path(put, path = "/api/v1/flows/{id}", tag = "flows", request_body = FlowInput, params(("id" = String, Path)),
    responses((status = 200, body = FlowDetail), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn update(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FlowInput>,
) -> Result<Json<FlowDetail>, ApiError> {
    caller.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let flow = caller.tenant.flows().flow(id).await?;
    let name =
        flow_name(&crate::i18n::Tr::new(maitre_domain::Locale::En), input.name.as_deref().unwrap_or(&flow.name))?;
    let draft = match input.draft {
        Some(d) => stored(&object(d)?),
        None => flow.draft.clone(),
    };
    caller.tenant.flows().save_flow_draft(id, name, &draft).await?;
    Ok(Json(detail(&caller.tenant, caller.tenant.flows().flow(id).await?).await?))
}

#[utoipa::path(delete, path = "/api/v1/flows/{id}", tag = "flows", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub(super) async fn remove(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::ManageFlows)?;
    let id = found(&id)?;
    caller.tenant.flows().delete_flow(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/flows/{id}/enabled", tag = "flows", request_body = EnabledInput,
    params(("id" = String, Path)), responses((status = 200, body = FlowDto), (status = 404, body = ErrorBody)))]
pub(super) async fn set_enabled(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EnabledInput>,
) -> Result<Json<FlowDto>, ApiError> {
    caller.require(Action::ManageFlows)?;
    let id = found(&id)?;
    caller.tenant.flows().set_flow_enabled(id, input.enabled).await?;
    Ok(Json(dto(caller.tenant.flows().flow(id).await?)))
}

/// Publishes the saved draft as the next version after validating it and running its tests. A draft with issues
/// or failing tests is refused with 409 (the flow's state, not the request, is at fault) naming them.
#[utoipa::path(post, path = "/api/v1/flows/{id}/publish", tag = "flows", params(("id" = String, Path)),
    responses((status = 200, body = PublishedDto), (status = 404, body = ErrorBody), (status = 409, body = PublishRefused)))]
pub(super) async fn publish(caller: ApiCaller, Path(id): Path<String>) -> Result<Response, ApiError> {
    caller.require(Action::ManageFlows)?;
    let id = found(&id)?;
    let refused = |code: &str, message: String, issues: Vec<Issue>, tests: Vec<TestResult>| {
        let test_failures = tests.into_iter().map(|t| TestFailureDto { name: t.name, failures: t.failures }).collect();
        let body = PublishRefused {
            error: RefusalDetail { code: code.to_owned(), message },
            issues: issue_dtos(issues),
            test_failures,
        };
        (StatusCode::CONFLICT, Json(body)).into_response()
    };
    let e = match flows::publish(&caller.tenant, id, "api").await {
        Ok(version) => return Ok(Json(PublishedDto { version }).into_response()),
        Err(e) => e,
    };
    let message = e.to_string();
    Ok(match e {
        FlowError::Invalid(issues) => refused("invalid_flow", message, issues, vec![]),
        FlowError::TestsFailed(tests) => refused("tests_failed", message, vec![], tests),
        FlowError::Unreadable(_) => {
            // Name the nodes whose fields are wrong, as the editor does.
            let draft: Value =
                serde_json::from_str(&caller.tenant.flows().flow(id).await?.draft).unwrap_or(Value::Null);
            refused("invalid_flow", message, read(&draft).err().unwrap_or_default(), vec![])
        }
        e => return Err(e.into()),
    })
}

#[utoipa::path(get, path = "/api/v1/flows/templates", tag = "flows",
    responses((status = 200, body = Vec<TemplateDto>)))]
pub(super) async fn list_templates(caller: ApiCaller) -> Result<Json<Vec<TemplateDto>>, ApiError> {
    caller.require(Action::ViewFlows)?;
    let all = templates().into_iter();
    Ok(Json(
        all.map(|t| TemplateDto { key: t.key.into(), name: t.name.into(), locale: t.locale.to_string() }).collect(),
    ))
}

/// Installs a template as a new flow, published as version 1. Its tests run against the business's hours and
/// capacity: when those make a test fail, the answer is 409 naming it.
#[utoipa::path(post, path = "/api/v1/flows/templates", tag = "flows", request_body = TemplateInput,
    responses((status = 201, body = FlowDto), (status = 402, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(super) async fn install(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Response, ApiError> {
    caller.require(Action::ManageFlows)?;
    state.app.entitle(&caller.tenant, Limited::Flow).await.map_err(AppError::from)?;
    let flow = flows::install_published(&caller.tenant, &input.key, "api").await?;
    Ok((StatusCode::CREATED, Json(dto(flow))).into_response())
}

/// Checks a draft without saving it.
#[utoipa::path(post, path = "/api/v1/flows/validate", tag = "flows", request_body = DraftInput,
    responses((status = 200, body = IssuesDto), (status = 422, body = ErrorBody)))]
pub(super) async fn validate(
    caller: ApiCaller,
    ApiJson(input): ApiJson<DraftInput>,
) -> Result<Json<IssuesDto>, ApiError> {
    caller.require(Action::ViewFlows)?;
    let draft = object(input.draft)?;
    Ok(Json(IssuesDto { issues: issue_dtos(issues_of(&caller.tenant, &draft).await?) }))
}

#[utoipa::path(get, path = "/api/v1/automation", tag = "flows",
    responses((status = 200, body = AutomationDto), (status = 403, body = ErrorBody)))]
pub(super) async fn get_automation(caller: ApiCaller) -> Result<Json<AutomationDto>, ApiError> {
    caller.require(Action::ManageAutomation)?;
    let s = caller.tenant.flows().automation_settings().await?;
    Ok(Json(AutomationDto {
        read_together_ms: s.read_together_ms,
        ai_key_set: !s.ai_key.is_empty(),
        ai_base_url: s.ai_base_url,
        ai_model: s.ai_model,
        ai_timeout_ms: s.ai_timeout_ms,
    }))
}

#[utoipa::path(put, path = "/api/v1/automation", tag = "flows", request_body = AutomationPut,
    responses((status = 200, body = AutomationDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn put_automation(
    axum::extract::State(state): axum::extract::State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<AutomationPut>,
) -> Result<Json<AutomationDto>, ApiError> {
    caller.require(Action::ManageAutomation)?;
    let ai_key = match (input.clear_ai_key, input.ai_key) {
        (true, _) => KeyChange::Clear,
        (false, Some(key)) => KeyChange::Set(key),
        (false, None) => KeyChange::Keep,
    };
    let change = AutomationInput {
        read_together_ms: input.read_together_ms,
        ai_base_url: input.ai_base_url,
        ai_model: input.ai_model,
        ai_timeout_ms: input.ai_timeout_ms,
        ai_key,
    };
    state.app.set_automation(&caller.tenant, change).await?;
    get_automation(caller).await
}

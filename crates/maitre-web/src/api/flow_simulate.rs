//! `POST /api/v1/flows/{id}/simulate`: one guest message to a flow's saved draft, as the flow editor's simulator.
use axum::Json;
use axum::extract::Path;
use maitre_app::flows;
use maitre_domain::Action;
use maitre_domain::flow::Simulator;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody};
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};
use crate::pages::flow_form::read;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SimulateInput {
    /// What the guest writes.
    #[schema(pattern = r"\S", max_length = 1000)]
    text: String,
    /// The `state` of the previous answer; absent starts a new conversation.
    #[schema(value_type = Option<Object>)]
    state: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct SimulateDto {
    replies: Vec<ReplyDto>,
    /// The run's variables as plain text (dates `2026-03-14`, times `20:00`).
    vars: std::collections::BTreeMap<String, String>,
    /// What would have been booked in this turn.
    booked: Option<BookedDto>,
    /// Pass back as `state` with the next message.
    #[schema(value_type = Object)]
    state: Value,
}

#[derive(Serialize, ToSchema)]
pub(super) struct ReplyDto {
    text: String,
    quick_replies: Vec<QuickReplyDto>,
}

#[derive(Serialize, ToSchema)]
pub(super) struct QuickReplyDto {
    title: String,
    payload: String,
}

#[derive(Serialize, ToSchema)]
pub(super) struct BookedDto {
    /// Local start, e.g. 2026-03-17T19:30.
    starts_at: String,
    party_size: u32,
    name: String,
}

/// One guest message to the flow's saved draft, against the account's real calendar; nothing is booked or sent.
#[utoipa::path(post, path = "/api/v1/flows/{id}/simulate", tag = "flows", request_body = SimulateInput,
    params(("id" = String, Path)),
    responses((status = 200, body = SimulateDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(super) async fn simulate(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SimulateInput>,
) -> Result<Json<SimulateDto>, ApiError> {
    caller.require(Action::ViewFlows)?;
    let id = found(&id)?;
    let text = input.text.trim();
    if text.is_empty() || text.chars().count() > 1000 {
        return Err(AppError::Validation("text must have 1 to 1000 characters".into()).into());
    }
    let sim: Option<Simulator> = input
        .state
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| AppError::Validation(format!("state is not a simulator state from this API: {e}")))?;
    let flow = caller.tenant.flows().flow(id).await?;
    let draft: Value = serde_json::from_str(&flow.draft).unwrap_or(Value::Null);
    let def = read(&draft).map_err(|issues| {
        let first = issues.first().map(|i| i.message.as_str()).unwrap_or_default();
        AppError::Validation(format!("the draft cannot run: {first}"))
    })?;
    let (sim, turn) = flows::simulate(&caller.tenant, &id.to_string(), &def, sim, text).await?;
    let replies = turn
        .replies
        .into_iter()
        .map(|r| ReplyDto {
            text: r.text,
            quick_replies: r
                .quick_replies
                .into_iter()
                .map(|(title, payload)| QuickReplyDto { title, payload })
                .collect(),
        })
        .collect();
    Ok(Json(SimulateDto {
        replies,
        vars: turn.vars.iter().map(|(k, v)| (k.clone(), v.plain())).collect(),
        booked: turn.booked.map(|b| BookedDto {
            starts_at: b.starts_at.format("%Y-%m-%dT%H:%M").to_string(),
            party_size: b.party_size,
            name: b.name,
        }),
        state: serde_json::to_value(&sim).map_err(|e| AppError::Internal(e.into()))?,
    }))
}

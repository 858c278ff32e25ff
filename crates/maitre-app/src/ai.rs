//! The optional AI step: the account's OpenAI-compatible endpoint, model and sealed key.
use std::time::Duration;

use maitre_channels::ai::{AiRequest, complete as ask};
use maitre_store::{AutomationSettings, TenantStore};

use crate::App;

/// Tells the model who it speaks for; the flow's prompt says what to answer.
const SYSTEM: &str = "You answer guests of a business in direct messages on its behalf. Answer in the guest's \
     language, briefly (at most three sentences). Never confirm a booking yourself.";

/// An AI answer to `prompt` with the account's settings `s`, or `None` when the account has no AI set up or the
/// provider failed (the caller then sends the flow's fallback text).
pub async fn complete(gw: &App, tenant: &TenantStore, s: &AutomationSettings, prompt: &str) -> Option<String> {
    if s.ai_base_url.is_empty() || s.ai_model.is_empty() {
        return None;
    }
    let key = match s.ai_key.as_str() {
        "" => None,
        sealed => Some(gw.vault.open(tenant.account_id(), sealed).ok()?.access_token),
    };
    let req = AiRequest {
        base_url: &s.ai_base_url,
        api_key: key.as_deref(),
        model: &s.ai_model,
        system: SYSTEM,
        prompt,
        timeout: Duration::from_millis(s.ai_timeout_ms.clamp(500, 60_000) as u64),
    };
    match ask(&gw.egress, &req).await {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::warn!(account = %tenant.account_id(), error = %e, "AI step failed; sending the fallback");
            None
        }
    }
}

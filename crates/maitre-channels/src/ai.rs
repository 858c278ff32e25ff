//! An OpenAI-compatible chat-completions client (OpenAI, OpenRouter, Ollama, vLLM all speak it): one prompt in,
//! one answer out. The base URL, model and key are the account's; every failure is an error the caller answers
//! with its fallback text.
use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::egress::{Egress, EgressError};

#[derive(Debug, thiserror::Error)]
pub enum AiError {
    #[error("AI provider refused: {0}")]
    Refused(#[from] EgressError),
    #[error("AI provider unreachable or too slow: {0}")]
    Transport(String),
    #[error("AI provider answered {0} with a redirect, which maitre does not follow")]
    Redirect(u16),
    #[error("AI provider answered {status}: {message}")]
    Provider { status: u16, message: String },
    #[error("AI provider's answer has no text")]
    Empty,
}

/// Where and what to ask.
pub struct AiRequest<'a> {
    /// e.g. `https://openrouter.ai/api/v1` or `http://localhost:11434/v1`; `/chat/completions` is appended.
    pub base_url: &'a str,
    pub api_key: Option<&'a str>,
    pub model: &'a str,
    pub system: &'a str,
    pub prompt: &'a str,
    pub timeout: Duration,
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<CompletionChoice>,
}

#[derive(Deserialize)]
struct CompletionChoice {
    message: CompletionMessage,
}

#[derive(Deserialize)]
struct CompletionMessage {
    content: Option<String>,
}

/// Asks for one completion, through `egress` as the base URL is the account's. Errors carry the provider's own
/// message (never the key).
pub async fn complete(egress: &Egress, req: &AiRequest<'_>) -> Result<String, AiError> {
    let url = format!("{}/chat/completions", req.base_url.trim_end_matches('/'));
    let http = egress.client_for(&url)?;
    let mut messages = Vec::new();
    if !req.system.is_empty() {
        messages.push(json!({ "role": "system", "content": req.system }));
    }
    messages.push(json!({ "role": "user", "content": req.prompt }));
    let body = json!({ "model": req.model, "messages": messages, "temperature": 0.3, "max_tokens": 300 });
    let mut call = http.post(url).timeout(req.timeout).json(&body);
    if let Some(key) = req.api_key.filter(|k| !k.is_empty()) {
        call = call.bearer_auth(key);
    }
    let resp = call.send().await.map_err(transport)?;
    let status = resp.status();
    if status.is_redirection() {
        return Err(AiError::Redirect(status.as_u16()));
    }
    let text = resp.text().await.map_err(transport)?;
    if !status.is_success() {
        return Err(AiError::Provider { status: status.as_u16(), message: provider_message(&text) });
    }
    let completion: Completion = serde_json::from_str(&text).map_err(|_| AiError::Empty)?;
    completion
        .choices
        .into_iter()
        .find_map(|c| c.message.content)
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(AiError::Empty)
}

/// A failed request, or the resolver's refusal of a private address found in its causes.
fn transport(e: reqwest::Error) -> AiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(refused) = c.downcast_ref::<EgressError>() {
            return AiError::Refused(refused.clone());
        }
        cause = c.source();
    }
    AiError::Transport(e.without_url().to_string())
}

/// The `error.message` of an OpenAI- or OpenRouter-style error body, shortened.
fn provider_message(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let msg = v["error"]["message"].as_str().unwrap_or("no error message");
    msg.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::provider_message;

    #[test]
    fn error_messages_of_both_dialects_are_read() {
        let openai = include_str!("../tests/fixtures/openai/error_429_openai.json");
        assert!(provider_message(openai).starts_with("Rate limit reached"));
        let openrouter = include_str!("../tests/fixtures/openai/error_429_openrouter.json");
        assert_eq!(provider_message(openrouter), "Rate limit exceeded: free-models-per-min.");
        assert_eq!(provider_message("<html>"), "no error message");
    }
}

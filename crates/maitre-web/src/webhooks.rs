//! Platform webhooks. Verify the signature over the raw bytes, parse, route every item to its channel, then in
//! one transaction store the new items (deduplicated on the platform's id) and enqueue their processing, and only
//! then answer 200. Unusable items in a signed body are recorded with a reason and still answered 200, because
//! Meta retries anything else for days and unsubscribes apps that keep failing.
use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maitre_channels::inbound::{Event, InboundBatch, MAX_BODY_BYTES, parse_meta, parse_telegram};
use maitre_channels::signature::{META_SIGNATURE_HEADER, SignatureError, TELEGRAM_SECRET_HEADER, verify_meta};
use maitre_domain::Platform;
use maitre_store::{Channel, IgnoredItem, RoutedItem, StoreError};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::metrics::WebhookLabels;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/meta", get(meta_handshake).post(meta))
        .route("/webhooks/telegram/{channel}", post(telegram))
        // Platforms batch events: allow more than the default body limit, up to the parser's own cap.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

fn answer(status: StatusCode, reason: &'static str) -> Response {
    (status, reason).into_response()
}

#[derive(Deserialize)]
struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's subscription check: echo the challenge when the verify token matches.
async fn meta_handshake(State(state): State<AppState>, Query(q): Query<Handshake>) -> Response {
    let Some(expected) = &state.settings.meta.verify_token else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "meta.verify_token is not configured");
    };
    let token_ok =
        q.verify_token.as_deref().is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected.expose().as_bytes())));
    match (q.mode.as_deref(), token_ok, q.challenge) {
        (Some("subscribe"), true, Some(challenge)) => challenge.into_response(),
        _ => answer(StatusCode::FORBIDDEN, "verify token mismatch"),
    }
}

async fn meta(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.settings.meta.app_secret else {
        return answer(StatusCode::SERVICE_UNAVAILABLE, "meta.app_secret is not configured");
    };
    let signature = headers.get(META_SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match verify_meta(secret.expose().as_bytes(), &body, signature) {
        Ok(()) => {}
        Err(SignatureError::Missing) => return answer(StatusCode::UNAUTHORIZED, "missing X-Hub-Signature-256"),
        Err(_) => return answer(StatusCode::FORBIDDEN, "signature does not match"),
    }
    match parse_meta(&body) {
        Ok(batch) => accept(&state, batch, None).await,
        Err(e) => (StatusCode::BAD_REQUEST, format!("unreadable webhook body: {e}")).into_response(),
    }
}

async fn telegram(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Not an id: no such channel. Never handed to the database (PostgreSQL refuses a NUL byte with an error).
    if channel.parse::<maitre_domain::ChannelId>().is_err() {
        return answer(StatusCode::NOT_FOUND, "no such Telegram channel");
    }
    let channel = match state.store.route_by_channel_id(Platform::Telegram, &channel).await {
        Ok(ch) => ch,
        Err(StoreError::NotFound) => return answer(StatusCode::NOT_FOUND, "no such Telegram channel"),
        Err(e) => {
            tracing::error!(error = %e, "routing a Telegram webhook failed");
            return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
        }
    };
    let Some(sent) = headers.get(TELEGRAM_SECRET_HEADER).and_then(|v| v.to_str().ok()) else {
        return answer(StatusCode::UNAUTHORIZED, "missing X-Telegram-Bot-Api-Secret-Token");
    };
    let expected = channel.webhook_secret_hash.as_bytes();
    if expected.is_empty() || !bool::from(maitre_store::hash_token(sent).as_bytes().ct_eq(expected)) {
        return answer(StatusCode::FORBIDDEN, "secret token does not match");
    }
    match parse_telegram(&body, &channel.external_id) {
        Ok(batch) => accept(&state, batch, Some(channel)).await,
        Err(e) => (StatusCode::BAD_REQUEST, format!("unreadable update: {e}")).into_response(),
    }
}

/// Routes each item, stores the batch in one transaction, and answers 200 once it is durable.
async fn accept(state: &AppState, batch: InboundBatch, known: Option<Channel>) -> Response {
    // One lookup per recipient, not per item: a batch nearly always addresses one business.
    let mut routes: HashMap<String, Option<Channel>> = HashMap::new();
    // Template changes name the WhatsApp business account, not a number (PROTOCOLS.md §9.3): routed apart.
    let mut waba_routes: HashMap<String, Option<Channel>> = HashMap::new();
    if let Some(ch) = known {
        routes.insert(ch.external_id.clone(), Some(ch));
    }
    let mut routed = Vec::with_capacity(batch.items.len());
    let mut ignored: Vec<(&str, String, String)> =
        batch.skipped.iter().map(|s| ("unknown", s.reason.clone(), s.location.clone())).collect();
    for item in &batch.items {
        let platform = item.platform;
        let by_waba = matches!(item.event, Event::Template(_));
        let routes = if by_waba { &mut waba_routes } else { &mut routes };
        if !routes.contains_key(&item.account_key) {
            let route = if by_waba {
                state.store.route_by_waba(&item.account_key).await
            } else {
                state.store.route(platform, &item.account_key).await
            };
            let found = match route {
                Ok(ch) => Some(ch),
                Err(StoreError::NotFound) => None,
                Err(e) => {
                    tracing::error!(error = %e, "routing a webhook item failed");
                    return answer(StatusCode::SERVICE_UNAVAILABLE, "try again");
                }
            };
            routes.insert(item.account_key.clone(), found);
        }
        match (&routes[&item.account_key], serde_json::to_string(item)) {
            (Some(ch), Ok(json)) => routed.push((ch.account_id, ch.id, item.dedupe_key.as_str(), json)),
            (Some(_), Err(e)) => ignored.push((platform.as_str(), format!("not storable: {e}"), String::new())),
            (None, _) => ignored.push((
                platform.as_str(),
                format!("ignored: unknown recipient {}", truncate(&item.account_key, 40)),
                String::new(),
            )),
        }
    }
    let items: Vec<RoutedItem> = routed
        .iter()
        .map(|(account_id, channel_id, dedupe_key, item)| RoutedItem {
            account_id: *account_id,
            channel_id: *channel_id,
            dedupe_key,
            item,
        })
        .collect();
    let skipped: Vec<IgnoredItem> =
        ignored.iter().map(|(platform, reason, location)| IgnoredItem { platform, reason, location }).collect();
    match state.store.accept_webhook(&items, &skipped).await {
        Ok(accepted) => {
            let count = |platform: &str, outcome, n: usize| {
                let labels = WebhookLabels { platform: platform.into(), outcome };
                state.metrics().webhook_items.get_or_create(&labels).inc_by(n as u64);
            };
            if let Some(item) = batch.items.first() {
                count(item.platform.as_str(), "accepted", accepted.new);
                count(item.platform.as_str(), "duplicate", accepted.duplicates);
            }
            for (platform, ..) in &ignored {
                count(platform, "ignored", 1);
            }
            answer(StatusCode::OK, "ok")
        }
        Err(e) => {
            // Not stored, so not acknowledged: the platform will deliver it again.
            tracing::error!(error = %e, "storing webhook items failed");
            answer(StatusCode::SERVICE_UNAVAILABLE, "try again")
        }
    }
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

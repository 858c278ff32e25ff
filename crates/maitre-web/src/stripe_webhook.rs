//! `POST /webhooks/stripe`: Stripe's billing events. The signature is checked over the raw body (PROTOCOLS.md §8:
//! any `v1` of `<t>.<body>` under the endpoint's secret, `t` within 5 minutes); a verified event is stored once by
//! its id with its job, then answered 200 before any work. Refusals are 400 with a reason, as Stripe expects, and
//! store nothing.
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use maitre_channels::signature::{STRIPE_SIGNATURE_HEADER, SignatureError, verify_stripe};
use serde::Deserialize;

use crate::AppState;

/// Stripe's events are a few KiB; a body past this is no event of theirs.
const MAX_EVENT_BYTES: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new().route("/webhooks/stripe", post(stripe)).layer(DefaultBodyLimit::max(MAX_EVENT_BYTES))
}

/// The envelope of an event (PROTOCOLS §8).
#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    object: String,
}

async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.settings.billing.stripe_webhook_secret else {
        return (StatusCode::NOT_FOUND, "billing.stripe_webhook_secret is not configured").into_response();
    };
    let signature = headers.get(STRIPE_SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    let now = state.store.clock().now().timestamp();
    if let Err(e) = verify_stripe(secret.expose().as_bytes(), &body, signature, now) {
        let reason = match e {
            SignatureError::Missing => "missing Stripe-Signature",
            SignatureError::Expired => "signature timestamp outside the tolerance",
            _ => "signature does not match",
        };
        return (StatusCode::BAD_REQUEST, reason).into_response();
    }
    let event = match serde_json::from_slice::<Envelope>(&body) {
        Ok(e) if e.object == "event" && !e.id.is_empty() && e.id.len() <= 255 => e,
        _ => return (StatusCode::BAD_REQUEST, "not a Stripe event").into_response(),
    };
    let text = String::from_utf8_lossy(&body);
    match state.store.record_billing_event(&event.id, &event.kind, event.created, &text).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            // Not stored, so not acknowledged: Stripe delivers it again.
            tracing::error!(error = %e, "storing a Stripe event failed");
            (StatusCode::SERVICE_UNAVAILABLE, "try again").into_response()
        }
    }
}

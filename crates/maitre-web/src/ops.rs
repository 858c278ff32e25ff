//! Operational endpoints: liveness, readiness, metrics.
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// `/metrics`, on the main listener or on its own (`metrics.listen`).
pub fn metrics_routes() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and its schema is the one this binary expects.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.migrations_current().await {
        Ok(true) => (StatusCode::OK, "ready"),
        Ok(false) => (StatusCode::SERVICE_UNAVAILABLE, "migrations pending: run `maitre migrate`"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.settings.metrics.token
        && !bearer_matches(&headers, token.expose())
    {
        let challenge = [(header::WWW_AUTHENTICATE, "Bearer")];
        return (StatusCode::UNAUTHORIZED, challenge, "a bearer token is required for /metrics").into_response();
    }
    match state.store.job_queue_depth().await {
        Ok(depth) => {
            state.metrics().queue_depth.set(depth);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the job queue depth"),
    }
    let collisions = &state.metrics().platform_id_collisions;
    collisions.inc_by(state.store.platform_id_collisions().saturating_sub(collisions.get()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics().encode()).into_response()
}

/// Whether the request carries `Authorization: Bearer <expected>`, compared in constant time (over digests, so
/// the length is not told either).
fn bearer_matches(headers: &HeaderMap, expected: &str) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())).into()
}

//! Operational endpoints: liveness, readiness, metrics.
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
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

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.job_queue_depth().await {
        Ok(depth) => {
            state.metrics().queue_depth.set(depth);
        }
        Err(e) => tracing::warn!(error = %e, "could not read the job queue depth"),
    }
    let collisions = &state.metrics().platform_id_collisions;
    collisions.inc_by(state.store.platform_id_collisions().saturating_sub(collisions.get()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics().encode())
}

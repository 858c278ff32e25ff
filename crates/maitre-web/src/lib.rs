//! maitre's HTTP side: dashboard pages, the JSON API, auth, health and metrics.
#![forbid(unsafe_code)]

mod api;
mod auth;
mod error;
pub mod i18n;
mod ical;
mod inbox;
mod metrics;
mod middleware;
mod nul;
mod ops;
mod pages;
mod state;
mod stripe_webhook;
mod webhooks;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;

pub use error::{ApiError, AppError, PageError};
pub use state::{AppState, SecretKey, Services};

/// Builds the whole HTTP application.
pub fn router(state: AppState) -> Router {
    // With its own listener, `/metrics` is not served here.
    let metrics = match state.settings.metrics.listen {
        None => ops::metrics_routes(),
        Some(_) => Router::new(),
    };
    let app = Router::new()
        .merge(ops::routes())
        .merge(metrics)
        .merge(pages::routes(&state))
        .merge(webhooks::routes())
        .merge(stripe_webhook::routes())
        .merge(ical::routes())
        .nest("/api/v1", api::routes())
        .fallback(pages::not_found);
    middleware::apply(app, &state).with_state(state)
}

/// The one entry point `main` and every test call: serve on a bound listener until `shutdown` resolves, then
/// stop accepting and finish in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// Serves only `/metrics` on `listener` (the `metrics.listen` address) until `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, ops::metrics_routes().with_state(state)).with_graceful_shutdown(shutdown).await
}

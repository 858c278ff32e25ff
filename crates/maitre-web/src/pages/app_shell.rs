//! What makes the dashboard installable on a phone: the web app manifest, its icon, and a service worker whose only
//! cache is the offline page (nothing with guests' data is kept on the device).
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manifest.webmanifest", get(manifest))
        .route("/sw.js", get(worker))
        .route("/offline", get(offline))
        .route("/static/icon.svg", get(icon))
}

async fn manifest() -> impl IntoResponse {
    let body = serde_json::json!({
        "name": "maitre",
        "short_name": "maitre",
        "description": "Inbox, bookings and flows for restaurants, salons and practices",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f5f2",
        "theme_color": "#8a3b12",
        "icons": [{ "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any" }],
    });
    (
        [(header::CONTENT_TYPE, "application/manifest+json"), (header::CACHE_CONTROL, "public, max-age=3600")],
        body.to_string(),
    )
}

/// Served from the root so its scope is the whole dashboard; never cached, so a new version takes over at once.
async fn worker() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../../static/sw.js"),
    )
}

async fn offline() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../../static/offline.html"),
    )
}

async fn icon() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")],
        include_str!("../../static/icon.svg"),
    )
}

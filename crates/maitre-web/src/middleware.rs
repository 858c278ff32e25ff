//! The layers every request passes: request id, tracing, panic catching, security headers, metrics, timeout,
//! body size limit, refusal of NUL characters.
use std::borrow::Cow;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::error::{ApiError, AppError, PageError};
use crate::metrics::{RequestLabels, RouteLabels};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn apply(app: Router<AppState>, state: &AppState) -> Router<AppState> {
    let timeout = Duration::from_secs(state.settings.http.request_timeout_secs);
    let headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        // Pages, exports and feeds carry personal data: no cache keeps them unless a response says otherwise
        // (static assets do).
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let hsts = state.cookie_secure().then(|| {
        SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        )
    });
    app.layer(middleware::from_fn_with_state(state.clone(), crate::nul::refuse_nul))
        .layer(DefaultBodyLimit::max(state.settings.http.body_limit_bytes))
        .layer(middleware::from_fn(map_framework_rejections))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(headers)
        .layer(tower::util::option_layer(hsts))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req.extensions().get::<RequestId>().and_then(|id| id.header_value().to_str().ok());
            let path = loggable_path(req.uri().path());
            tracing::info_span!("request", method = %req.method(), %path, request_id = id)
        }))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

/// Paths whose next segment is a credential: a calendar feed's token, an invitation's.
const SECRET_SEGMENT_AFTER: [&str; 2] = ["/ical/", "/invites/"];

/// The request path as logs may keep it: credential segments masked.
fn loggable_path(path: &str) -> Cow<'_, str> {
    for prefix in SECRET_SEGMENT_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}***{tail}").into();
        }
    }
    path.into()
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    // The matched route, not the raw path: ids in paths would explode the label set.
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let res = next.run(req).await;
    let m = state.metrics();
    m.requests
        .get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status: res.status().as_u16() })
        .inc();
    m.latency.get_or_create(&RouteLabels { method, route }).observe(started.elapsed().as_secs_f64());
    res
}

/// axum answers some failures itself in plain text (unknown method, body over the limit before a handler
/// reads it). Under `/api` those become our JSON error shape too.
async fn map_framework_rejections(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let plain = res.headers().get(header::CONTENT_TYPE).is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !is_api || !plain {
        return res;
    }
    let err = match res.status() {
        StatusCode::METHOD_NOT_ALLOWED => AppError::BadRequest("This method is not allowed on this path.".into()),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::NOT_FOUND => AppError::NotFound,
        _ => return res,
    };
    let status = res.status();
    let mut out = ApiError(err).into_response();
    *out.status_mut() = status;
    out
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    PageError(AppError::Internal(anyhow::anyhow!("handler panicked"))).into_response()
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn credential_segments_never_reach_the_logs() {
        assert_eq!(loggable_path("/ical/cal_s3cret.ics"), "/ical/***");
        assert_eq!(loggable_path("/invites/mi_s3cret"), "/invites/***");
        assert_eq!(loggable_path("/invites/mi_s3cret/accept"), "/invites/***/accept");
        assert_eq!(loggable_path("/a/0190/team/invites"), "/a/0190/team/invites", "not a credential");
        assert_eq!(loggable_path("/signin"), "/signin");
    }
}

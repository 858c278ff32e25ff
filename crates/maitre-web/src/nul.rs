//! The one gate for U+0000 in what pages and the API receive. PostgreSQL `text` cannot hold it (a write with it
//! fails there, while SQLite stores it and may even send it on), so text with it is refused before any handler
//! runs, the same on both backends: in the path, the query, and form and JSON bodies. Webhook bodies are signed
//! and must not be refused for it; their parser removes it (`maitre_channels::inbound`). Uploaded files are
//! checked where they are read (the contact import).
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, AppError, PageError};

const REFUSED: &str = "Text must not contain NUL characters (U+0000).";

pub(crate) async fn refuse_nul(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/webhooks/") {
        return next.run(req).await;
    }
    let api = path.starts_with("/api/");
    let refuse = |err: AppError| if api { ApiError(err).into_response() } else { PageError(err).into_response() };
    let query = req.uri().query().unwrap_or_default();
    if encodes_nul(path) || encodes_nul(query) {
        return refuse(AppError::BadRequest(REFUSED.into()));
    }
    let kind = match req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(t) if t.starts_with("application/x-www-form-urlencoded") => Kind::Form,
        Some(t) if t.starts_with("application/json") || t.contains("+json") => Kind::Json,
        _ => return next.run(req).await,
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, state.settings.http.body_limit_bytes).await else {
        return refuse(AppError::PayloadTooLarge);
    };
    let nul = match kind {
        Kind::Form => bytes.contains(&0) || encodes_nul(&String::from_utf8_lossy(&bytes)),
        Kind::Json => bytes.contains(&0) || json_escapes_nul(&bytes),
    };
    if nul {
        return refuse(AppError::BadRequest(REFUSED.into()));
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

enum Kind {
    Form,
    Json,
}

/// `%00` in a percent-encoded path, query or form.
fn encodes_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

/// `\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is the six characters, not a NUL).
fn json_escapes_nul(bytes: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && b == b'u' && bytes.get(i + 1..i + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_nul_escapes_are_found_and_escaped_backslashes_are_not() {
        assert!(json_escapes_nul(br#"{"a":"x\u0000y"}"#));
        assert!(json_escapes_nul(br#"{"a\u0000":1}"#));
        assert!(json_escapes_nul(br#"{"a":"\\\u0000"}"#));
        assert!(!json_escapes_nul(br#"{"a":"\\u0000"}"#));
        assert!(json_escapes_nul(br#"{"a":"\u00001"}"#));
        assert!(!json_escapes_nul(br#"{"a":"\u0001 u0000"}"#));
    }

    #[test]
    fn percent_encoded_nul_is_found() {
        assert!(encodes_nul("/a/x%00y"));
        assert!(encodes_nul("q=%00"));
        assert!(!encodes_nul("q=%2500"));
        assert!(!encodes_nul("q=100%"));
    }
}

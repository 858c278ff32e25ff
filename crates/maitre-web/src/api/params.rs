//! Query parameters the list operations share, checked the same way everywhere: any fault in the URL's parameters
//! (unparsable, out of range, too long, a cursor not from us) is 400 with the reason, whichever list it is.
use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use maitre_store::{Cursor, InvalidCursor};

use crate::error::{ApiError, AppError};

pub(super) const MAX_SEARCH: usize = 200;

fn bad(message: impl Into<String>) -> ApiError {
    AppError::BadRequest(message.into()).into()
}

/// The parameters, or 400 naming the one that did not parse.
pub(super) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(|e| bad(e.body_text()))
}

/// A page size: 1 to 200, 50 when absent.
pub(super) fn limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(bad("limit must be between 1 and 200")),
    }
}

/// The `next` of an earlier page; none when absent or empty.
pub(super) fn cursor(cursor: Option<&str>) -> Result<Option<Cursor>, ApiError> {
    match cursor {
        None | Some("") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|e: InvalidCursor| bad(e.to_string())),
    }
}

/// A search text of at most 200 characters.
pub(super) fn search(q: Option<&str>) -> Result<Option<&str>, ApiError> {
    match q {
        Some(q) if q.chars().count() > MAX_SEARCH => Err(bad(format!("q must be at most {MAX_SEARCH} characters"))),
        q => Ok(q),
    }
}

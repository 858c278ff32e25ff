//! CSRF protection by signed double submit: a random `maitre_csrf` cookie (SameSite=Lax, HttpOnly), and in every
//! state-changing form a `_csrf` field holding the cookie's HMAC under the secret key. Another site can make a
//! browser send the cookie but can neither read it nor, without the key, compute the field — not even if it
//! manages to plant a cookie. Checked in one extractor, `CsrfForm`, which every form handler uses.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::{AppError, PageError};

pub const COOKIE: &str = "maitre_csrf";

/// The `_csrf` value that matches a cookie value.
pub fn form_token(state: &AppState, cookie: &str) -> String {
    state.secret.mac("csrf", cookie)
}

/// The form token of the current request, put in request extensions by the page-cookie middleware.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// For forms that carry nothing but the CSRF token (sign out, revoke, remove).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Checks a form's `_csrf` value against the request's cookie (file uploads call this for their multipart field).
pub fn verify(state: &AppState, jar: &CookieJar, sent: Option<&str>) -> Result<(), AppError> {
    let expected = jar.get(COOKIE).map(|c| form_token(state, c.value()));
    match (sent, expected) {
        (Some(s), Some(e)) if !s.is_empty() && bool::from(s.as_bytes().ct_eq(e.as_bytes())) => Ok(()),
        _ => Err(AppError::Forbidden(
            "This form has expired or was not sent from maitre (CSRF check failed). Reload the page and try again."
                .into(),
        )),
    }
}

/// A URL-encoded form whose `_csrf` field matched the cookie.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(req.headers());
        let body = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest(e.body_text())
            }
        })?;
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|_| AppError::BadRequest("The form data could not be read.".into()))?;
        let sent = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
        verify(state, &jar, sent)?;
        let value = serde_urlencoded::from_bytes(&body)
            .map_err(|e| AppError::Validation(format!("The form is incomplete or invalid: {e}")))?;
        Ok(CsrfForm(value))
    }
}

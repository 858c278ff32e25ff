//! CSRF protection by signed double submit: a random `maitre_csrf` cookie (SameSite=Lax, HttpOnly; named
//! `__Host-maitre_csrf` behind https, so no subdomain can set it), and in every state-changing form a `_csrf` field
//! holding the HMAC, under the secret key, of that cookie and of the session cookie. Another site can make a browser
//! send the cookies but can neither read them nor, without the key, compute the field; and a pair of cookie and
//! token that someone fetched with their own session does not fit another person's session, even if they manage
//! to plant the cookie. Signing in starts a new session and a new cookie, so tokens from before do not carry over.
//! Checked in one extractor, `CsrfForm`, which every form handler uses.
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::SESSION_COOKIE;
use crate::AppState;
use crate::error::{AppError, PageError};

/// The cookie's name: with the `__Host-` prefix when cookies are `Secure` (the browser insists on both).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.cookie_secure() { "__Host-maitre_csrf" } else { "maitre_csrf" }
}

/// The request's CSRF cookie value, if it has a usable one.
pub fn cookie_value(state: &AppState, jar: &CookieJar) -> Option<String> {
    jar.get(cookie_name(state)).map(|c| c.value().to_owned()).filter(|v| v.len() >= 32)
}

/// A new CSRF cookie value.
pub fn new_cookie_value() -> String {
    maitre_store::new_token("csrf")
}

/// The `_csrf` value that matches a CSRF cookie value together with the request's session cookie (if any).
pub fn form_token(state: &AppState, cookie: &str, jar: &CookieJar) -> String {
    let session = jar.get(SESSION_COOKIE).map(|c| c.value()).unwrap_or_default();
    state.secret.mac("csrf", &format!("{cookie}|{session}"))
}

/// The form token of the current request, put in request extensions by the page-cookie middleware.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// For forms that carry nothing but the CSRF token (sign out, revoke, remove).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// Checks a form's `_csrf` value against the request's cookie (file uploads call this for their multipart field).
pub fn verify(state: &AppState, jar: &CookieJar, sent: Option<&str>) -> Result<(), AppError> {
    let expected = cookie_value(state, jar).map(|c| form_token(state, &c, jar));
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

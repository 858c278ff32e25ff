//! Cookies for pages: the CSRF cookie (issued on first visit) and one-shot flash messages shown after a redirect.
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use time::Duration;

use super::csrf::{self, CsrfToken};
use crate::AppState;

pub const FLASH_COOKIE: &str = "maitre_flash";

/// The flash message carried over from the previous response, if any.
#[derive(Clone, Debug, Default)]
pub struct Flash(pub Option<String>);

/// A cookie with our defaults: HttpOnly, SameSite=Lax, path /, Secure behind https.
pub fn cookie(state: &AppState, name: &'static str, value: String, max_age: Option<Duration>) -> Cookie<'static> {
    let mut c =
        Cookie::build((name, value)).http_only(true).same_site(SameSite::Lax).path("/").secure(state.cookie_secure());
    if let Some(age) = max_age {
        c = c.max_age(age);
    }
    c.build()
}

pub fn removal(state: &AppState, name: &'static str) -> Cookie<'static> {
    cookie(state, name, String::new(), Some(Duration::ZERO))
}

/// A flash message for the next page.
pub fn flash(state: &AppState, message: &str) -> Cookie<'static> {
    let encoded: String = url_escape(message);
    cookie(state, FLASH_COOKIE, encoded, Some(Duration::minutes(5)))
}

fn url_escape(s: &str) -> String {
    serde_urlencoded::to_string([("m", s)]).unwrap_or_default().trim_start_matches("m=").to_owned()
}

fn url_unescape(s: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={s}")).ok()?.pop().map(|(_, v)| v)
}

/// Makes sure every page visitor has a CSRF cookie, and consumes the flash message once it has been shown.
pub async fn page_cookies(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let existing = csrf::cookie_value(&state, &jar);
    let token = existing.clone().unwrap_or_else(csrf::new_cookie_value);
    req.extensions_mut().insert(CsrfToken(csrf::form_token(&state, &token, &jar)));
    let flash = jar.get(FLASH_COOKIE).and_then(|c| url_unescape(c.value()));
    let had_flash = flash.is_some();
    req.extensions_mut().insert(Flash(flash));

    let mut res = next.run(req).await;
    let sets = |name: &str| res.headers().get_all(SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(name.as_bytes()));
    let (sets_flash, sets_csrf) = (sets(FLASH_COOKIE), sets(csrf::cookie_name(&state)));
    let mut add = Vec::new();
    if existing.is_none() && !sets_csrf {
        add.push(cookie(&state, csrf::cookie_name(&state), token, None));
    }
    if had_flash && !sets_flash && res.status().is_success() {
        add.push(removal(&state, FLASH_COOKIE));
    }
    for c in add {
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(SET_COOKIE, v);
        }
    }
    res
}

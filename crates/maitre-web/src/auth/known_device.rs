//! Known devices: a browser where someone signed in carries a long-lived cookie, signed with the secret key, that
//! names them. A sign-in from it is paced under its own key, so a lock others ran up on that email address (or
//! from a shared IP) does not keep the account's own people out.
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use maitre_domain::UserId;
use subtle::ConstantTimeEq;

use super::cookies::cookie;
use crate::AppState;

pub const DEVICE_COOKIE: &str = "maitre_device";
/// As long as browsers keep a cookie (400 days).
const DAYS: i64 = 400;

fn mac(state: &AppState, user: UserId) -> String {
    state.secret.mac("known-device", &user.to_string())
}

/// Set at a successful sign-in.
pub fn device_cookie(state: &AppState, user: UserId) -> Cookie<'static> {
    cookie(state, DEVICE_COOKIE, format!("{user}.{}", mac(state, user)), Some(time::Duration::days(DAYS)))
}

/// Whether the request comes from a browser where `user` signed in before.
pub fn is_known_device(state: &AppState, jar: &CookieJar, user: UserId) -> bool {
    let Some((named, sent)) =
        jar.get(DEVICE_COOKIE).and_then(|c| c.value().split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())))
    else {
        return false;
    };
    named == user.to_string() && bool::from(sent.as_bytes().ct_eq(mac(state, user).as_bytes()))
}

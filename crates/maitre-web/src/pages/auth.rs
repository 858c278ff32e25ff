//! Sign in, sign out, password reset.
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::TimeDelta;
use maitre_store::Throttle;
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::cookies::{cookie, flash, removal};
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::known_device::{device_cookie, is_known_device};
use crate::auth::{SESSION_COOKIE, SignedIn, client_ip};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use maitre_app::password::{self, PasswordError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset", get(reset_page).post(reset))
}

#[derive(Template)]
#[template(path = "auth/signin.html")]
struct SigninPage {
    ctx: Ctx,
    error: Option<String>,
    email: String,
}

#[derive(Deserialize)]
struct SigninForm {
    email: String,
    password: String,
}

async fn signin_page(env: PageEnv) -> Result<impl IntoResponse, PageError> {
    render(&SigninPage { ctx: Ctx::anonymous(env), error: None, email: String::new() })
}

/// Verifies a password, paced per email address and per client IP (or, from a known device, per that device's
/// person) in the database, so every node shares the counts. The attempt takes its slot before the password is
/// checked: parallel attempts cannot all reach the check.
async fn signin(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    CsrfForm(form): CsrfForm<SigninForm>,
) -> Result<Response, PageError> {
    let tr = Tr::new(env.browser_locale);
    let auth = &state.settings.auth;
    let store = &state.store;
    let email = form.email.trim().to_lowercase();
    let (user, hash) = match store.credentials(&email).await {
        Ok((user, hash)) => (Some(user), Some(hash)),
        Err(maitre_store::StoreError::NotFound) => (None, None),
        Err(e) => return Err(e.into()),
    };
    let jar = CookieJar::from_headers(&parts.headers);
    let known = user.as_ref().filter(|u| is_known_device(&state, &jar, u.id));
    let max_delay = TimeDelta::minutes(auth.throttle_window_minutes.into());
    let ip_key = format!("ip:{}", client_ip(&parts, &state));
    let (account_key, ip) = match known {
        Some(u) => (format!("device:{}", u.id), None),
        None => (format!("email:{email}"), Some(ip_key.as_str())),
    };
    let mut keys = vec![(account_key.as_str(), Throttle { free: auth.max_failures_per_email, max_delay })];
    keys.extend(ip.map(|ip| (ip, Throttle { free: auth.max_failures_per_ip, max_delay })));
    let fail = |status, msg: String| {
        let page = SigninPage { ctx: Ctx::anonymous(env), error: Some(msg), email: form.email.clone() };
        Ok::<_, PageError>((status, render(&page)?).into_response())
    };
    if let Some(wait) = store.take_login_attempt(&keys).await? {
        let seconds = crate::error::whole_seconds(wait).to_string();
        let mut res = fail(StatusCode::TOO_MANY_REQUESTS, tr.t1("signin-throttled", "seconds", &seconds))?;
        crate::error::retry_after(&mut res, &AppError::too_many_requests(wait));
        return Ok(res);
    }
    state.metrics().password_checks.inc();
    let ok = password::verify(&form.password, hash).await?;
    match user {
        Some(user) if ok => {
            store.login_succeeded(&account_key, ip).await?;
            let jar = start_session(&state, &parts, user.id).await?;
            Ok((jar, Redirect::to("/")).into_response())
        }
        _ => fail(StatusCode::UNAUTHORIZED, tr.t("signin-failed")),
    }
}

pub(crate) async fn start_session(
    state: &AppState,
    parts: &Parts,
    user: maitre_domain::UserId,
) -> Result<CookieJar, AppError> {
    let token = maitre_store::new_token("ms");
    let agent = parts.headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    state.store.create_session(user, &token, agent, &client_ip(parts, state)).await?;
    let age = time::Duration::days(state.settings.auth.session_idle_days.into());
    // The browser becomes a known device of this person (see `known_device`); its CSRF cookie is renewed, so no
    // token from before the sign-in works after it.
    let csrf = cookie(state, crate::auth::csrf::cookie_name(state), crate::auth::csrf::new_cookie_value(), None);
    Ok(CookieJar::new().add(cookie(state, SESSION_COOKIE, token, Some(age))).add(device_cookie(state, user)).add(csrf))
}

async fn signout(
    State(state): State<AppState>,
    signed: SignedIn,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    // Already gone (signed out elsewhere) is fine: the goal is reached.
    let _ = state.store.delete_session(signed.user.id, &signed.session.id).await;
    let jar = CookieJar::new().add(removal(&state, SESSION_COOKIE));
    let msg = Tr::new(signed.user.locale).t("flash-signed-out");
    Ok((jar.add(flash(&state, &msg)), Redirect::to("/signin")).into_response())
}

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    sent: bool,
}

#[derive(Deserialize)]
struct ForgotForm {
    email: String,
}

async fn forgot_page(env: PageEnv) -> Result<impl IntoResponse, PageError> {
    render(&ForgotPage { ctx: Ctx::anonymous(env), sent: false })
}

/// Always answers the same way, whether or not the email exists, so the form reveals no accounts.
async fn forgot(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<impl IntoResponse, PageError> {
    super::abuse::take(&state, &parts, super::abuse::Form::PasswordReset, Some(&form.email)).await?;
    match state.store.user_by_email(&form.email).await {
        Ok(user) => send_reset_link(&state, &user).await?,
        Err(maitre_store::StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    render(&ForgotPage { ctx: Ctx::anonymous(env), sent: true })
}

/// Queues the mail: the answer must not wait for SMTP (nor tell by its timing that the address exists).
async fn send_reset_link(state: &AppState, user: &maitre_store::User) -> Result<(), AppError> {
    let token = maitre_store::new_token("pr");
    let minutes = state.settings.auth.reset_link_minutes;
    state.store.create_password_reset(user.id, &token, TimeDelta::minutes(minutes.into())).await?;
    let tr = Tr::new(user.locale);
    let link = format!("{}/password/reset?token={token}", state.settings.public_url());
    let body = format!(
        "{}\n\n{link}\n\n{}\n",
        tr.t1("reset-mail-body", "name", &user.name),
        tr.t1("reset-mail-expiry", "minutes", &minutes.to_string())
    );
    let mail = maitre_app::QueuedMail { to: user.email.clone(), subject: tr.t("reset-mail-subject"), body };
    Ok(state.app.queue_mail(None, &mail).await?)
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    ctx: Ctx,
    token: String,
    valid: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
struct ResetForm {
    token: String,
    password: String,
}

async fn reset_page(
    State(state): State<AppState>,
    env: PageEnv,
    Query(q): Query<TokenQuery>,
) -> Result<impl IntoResponse, PageError> {
    let valid = state.store.password_reset_user(&q.token).await.is_ok();
    render(&ResetPage { ctx: Ctx::anonymous(env), token: q.token, valid, error: None })
}

async fn reset(
    State(state): State<AppState>,
    env: PageEnv,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    let tr = Tr::new(env.browser_locale);
    let checked = match state.store.password_reset_user(&form.token).await {
        Ok(user) if is_current_password(&state, user, &form.password).await? => Err(PasswordError::Unchanged.into()),
        // An unknown or used link: redeeming below says so.
        _ => password::hash(&form.password).await.map_err(AppError::from),
    };
    let hash = match checked {
        Ok(h) => h,
        Err(AppError::Validation(msg)) => {
            let page = ResetPage { ctx: Ctx::anonymous(env), token: form.token, valid: true, error: Some(msg) };
            return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    match state.store.redeem_password_reset(&form.token, &hash).await {
        Ok(_) => Ok((CookieJar::new().add(flash(&state, &tr.t("flash-password-reset"))), Redirect::to("/signin"))
            .into_response()),
        Err(maitre_store::StoreError::NotFound) => {
            let page = ResetPage { ctx: Ctx::anonymous(env), token: String::new(), valid: false, error: None };
            Ok((axum::http::StatusCode::GONE, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `password` is `user`'s current one.
async fn is_current_password(state: &AppState, user: maitre_domain::UserId, password: &str) -> Result<bool, AppError> {
    let email = state.store.user_by_id(user).await?.email;
    let (_, stored) = state.store.credentials(&email).await?;
    Ok(password::verify(password, Some(stored)).await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn locale_default_is_english() {
        assert_eq!(maitre_domain::Locale::default(), maitre_domain::Locale::En);
    }
}

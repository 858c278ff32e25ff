//! Sign up. The form answers the same whether or not the email is registered ("check your inbox"), so it tells
//! nobody which addresses have accounts: a new address gets a link that creates the business, a registered one a
//! note with links to sign in or reset the password.
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use chrono::TimeDelta;
use maitre_app::QueuedMail;
use maitre_domain::Locale;
use maitre_store::{NewSignup, StoreError};
use serde::Deserialize;

use super::auth::start_session;
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use maitre_app::accounts::{CheckedSignUp, SignUp, check_sign_up};

/// How long a confirmation link works.
const LINK_HOURS: i64 = 24;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/signup/confirm", get(confirm_page).post(confirm))
}

#[derive(Template)]
#[template(path = "auth/signup.html")]
struct SignupPage {
    ctx: Ctx,
    error: Option<String>,
    business_name: String,
    name: String,
    email: String,
}

#[derive(Template)]
#[template(path = "auth/signup_sent.html")]
struct SentPage {
    ctx: Ctx,
    email: String,
    hours: String,
}

#[derive(Deserialize)]
struct SignupForm {
    business_name: String,
    name: String,
    email: String,
    password: String,
}

async fn signup_page(env: PageEnv) -> Result<impl IntoResponse, PageError> {
    render(&SignupPage {
        ctx: Ctx::anonymous(env),
        error: None,
        business_name: String::new(),
        name: String::new(),
        email: String::new(),
    })
}

async fn signup(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Result<Response, PageError> {
    super::abuse::take(&state, &parts, super::abuse::Form::SignUp, Some(&form.email)).await?;
    let locale = env.browser_locale;
    let fields = SignUp {
        business_name: &form.business_name,
        name: &form.name,
        email: &form.email,
        password: &form.password,
        locale,
    };
    // The password is hashed either way, so the answer takes as long for a registered address as for a new one.
    match check_sign_up(fields).await.map_err(AppError::from) {
        Ok(checked) => {
            mail_link(&state, &checked, locale).await?;
            Ok(render(&SentPage { ctx: Ctx::anonymous(env), email: checked.email, hours: LINK_HOURS.to_string() })?
                .into_response())
        }
        Err(e @ AppError::Validation(_)) => {
            let page = SignupPage {
                ctx: Ctx::anonymous(env),
                error: Some(e.to_string()),
                business_name: form.business_name,
                name: form.name,
                email: form.email,
            };
            Ok((e.status(), render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Queues the mail for `checked.email`: the confirmation link, or, for a registered address, where to sign in.
async fn mail_link(state: &AppState, checked: &CheckedSignUp, locale: Locale) -> Result<(), AppError> {
    let base = state.settings.public_url();
    let mail = match state.store.user_by_email(&checked.email).await {
        Ok(user) => {
            let tr = Tr::new(user.locale);
            let body = format!(
                "{}\n\n{base}/signin\n\n{}\n\n{base}/password/forgot\n\n{}\n",
                tr.t1("signup-exists-mail-body", "name", &user.name),
                tr.t("signup-exists-mail-forgot"),
                tr.t("signup-mail-ignore")
            );
            QueuedMail { to: user.email, subject: tr.t("signup-exists-mail-subject"), body }
        }
        Err(StoreError::NotFound) => {
            let token = maitre_store::new_token("su");
            let new = NewSignup {
                email: &checked.email,
                name: &checked.name,
                business_name: &checked.settings.name,
                locale,
                password_hash: &checked.password_hash,
            };
            state.store.create_signup_request(new, &token, TimeDelta::hours(LINK_HOURS)).await?;
            let tr = Tr::new(locale);
            let body = format!(
                "{}\n\n{base}/signup/confirm?token={token}\n\n{}\n",
                tr.t1("signup-mail-body", "business", &checked.settings.name),
                tr.t1("signup-mail-expiry", "hours", &LINK_HOURS.to_string())
            );
            QueuedMail { to: checked.email.clone(), subject: tr.t("signup-mail-subject"), body }
        }
        Err(e) => return Err(e.into()),
    };
    Ok(state.app.queue_mail(None, &mail).await?)
}

#[derive(Template)]
#[template(path = "auth/signup_confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    token: String,
    /// What the link creates; `None` when the link is unknown, used or expired.
    intro: Option<String>,
}

impl ConfirmPage {
    fn new(env: PageEnv, token: String, request: Option<&maitre_store::SignupRequest>) -> Self {
        let ctx = Ctx::anonymous(env);
        let intro =
            request.map(|r| ctx.tr.tn("signup-confirm-body", &[("business", &r.business_name), ("email", &r.email)]));
        Self { ctx, token, intro }
    }
}

#[derive(Deserialize)]
struct TokenField {
    #[serde(default)]
    token: String,
}

/// Shows what the link creates and asks for a click: mail scanners that open links must not create accounts.
async fn confirm_page(
    State(state): State<AppState>,
    env: PageEnv,
    Query(q): Query<TokenField>,
) -> Result<Response, PageError> {
    let request = match state.store.signup_request(&q.token).await {
        Ok(r) => Some(r),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(AppError::from(e).into()),
    };
    let status = if request.is_some() { StatusCode::OK } else { StatusCode::GONE };
    Ok((status, render(&ConfirmPage::new(env, q.token, request.as_ref()))?).into_response())
}

async fn confirm(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    CsrfForm(form): CsrfForm<TokenField>,
) -> Result<Response, PageError> {
    match state.store.confirm_signup(&form.token).await {
        Ok((account, user, request)) => {
            let jar = start_session(&state, &parts, user).await?;
            let welcome = Tr::new(request.locale).t1("flash-welcome", "name", &request.name);
            Ok((jar.add(flash(&state, &welcome)), Redirect::to(&format!("/a/{account}"))).into_response())
        }
        Err(StoreError::NotFound) => {
            Ok((StatusCode::GONE, render(&ConfirmPage::new(env, form.token, None))?).into_response())
        }
        // Registered meanwhile (an earlier link of the same address was used): that account is theirs.
        Err(StoreError::Conflict { .. }) => {
            let msg = Tr::new(env.browser_locale).t("flash-signup-exists");
            Ok((CookieJar::new().add(flash(&state, &msg)), Redirect::to("/signin")).into_response())
        }
        Err(e) => Err(AppError::from(e).into()),
    }
}

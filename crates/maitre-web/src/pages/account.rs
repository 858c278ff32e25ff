//! An account's settings, and creating another account.
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maitre_domain::{AccountSettings, Action, Locale};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::auth::{Member, SignedIn};
use crate::error::{AppError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/settings", get(settings_page).post(save_settings))
        .route("/accounts/new", get(new_page).post(create))
}

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    form: SettingsForm,
    locales: Vec<super::Choice>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct SettingsForm {
    name: String,
    time_zone: String,
    locale: String,
    country: String,
    currency: String,
}

impl From<&AccountSettings> for SettingsForm {
    fn from(s: &AccountSettings) -> Self {
        SettingsForm {
            name: s.name.clone(),
            time_zone: s.time_zone.clone(),
            locale: s.locale.as_str().to_owned(),
            country: s.country.clone(),
            currency: s.currency.as_str().to_owned(),
        }
    }
}

fn locale_choices(m: &Member, selected: &str) -> Vec<super::Choice> {
    super::choices(&crate::i18n::Tr::new(m.signed.user.locale), "lang", Locale::ALL.map(Locale::as_str), selected)
}

async fn settings_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::EditAccountSettings)?;
    let form = SettingsForm::from(&m.account.settings);
    let locales = locale_choices(&m, &form.locale);
    render(&SettingsPage { ctx: Ctx::member(env, &state, &m).await?, form, locales, error: None })
}

async fn save_settings(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<Response, PageError> {
    m.require(Action::EditAccountSettings)?;
    match AccountSettings::parse(&form.name, &form.time_zone, &form.locale, &form.country, &form.currency) {
        Ok(settings) => {
            m.tenant.update_settings(&settings).await?;
            let saved = crate::i18n::Tr::new(m.signed.user.locale).t("flash-saved");
            let jar = CookieJar::new().add(flash(&state, &saved));
            Ok((jar, Redirect::to(&format!("/a/{}/settings", m.account.id))).into_response())
        }
        Err(e) => {
            let page = SettingsPage {
                ctx: Ctx::member(env, &state, &m).await?,
                locales: locale_choices(&m, &form.locale),
                form,
                error: Some(e.to_string()),
            };
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "account/new.html")]
struct NewAccountPage {
    ctx: Ctx,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NewAccountForm {
    business_name: String,
}

async fn new_page(State(state): State<AppState>, env: PageEnv, s: SignedIn) -> Result<impl IntoResponse, PageError> {
    render(&NewAccountPage { ctx: Ctx::signed(env, &state, &s).await?, error: None })
}

/// A user may run several businesses; the new one is owned by them.
async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    s: SignedIn,
    CsrfForm(form): CsrfForm<NewAccountForm>,
) -> Result<Response, PageError> {
    match AccountSettings::defaults_for(&form.business_name, s.user.locale) {
        Ok(settings) => {
            let id = state.store.create_account_for(&settings, s.user.id).await?;
            Ok(Redirect::to(&format!("/a/{id}/settings")).into_response())
        }
        Err(e) => {
            let page = NewAccountPage { ctx: Ctx::signed(env, &state, &s).await?, error: Some(e.to_string()) };
            Ok((AppError::Validation(String::new()).status(), render(&page)?).into_response())
        }
    }
}

//! Automation settings: how long to wait for a guest's quick follow-up messages, and the optional AI provider.
//! The AI key is write-only: the page says whether one is set, never what it is.
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maitre_app::flows::{AutomationInput, KeyChange};
use maitre_domain::{AccountId, Action};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}/automation", get(page).post(save))
}

/// The form as typed (numbers as text, so a bad one is shown back with its reason).
#[derive(Deserialize, Default)]
struct Form {
    #[serde(default)]
    read_together_ms: String,
    #[serde(default)]
    ai_base_url: String,
    #[serde(default)]
    ai_model: String,
    /// Write-only: blank keeps the stored key.
    #[serde(default)]
    ai_key: String,
    #[serde(default)]
    clear_key: Option<String>,
    #[serde(default)]
    ai_timeout_ms: String,
}

#[derive(Template)]
#[template(path = "flows/automation.html")]
struct AutomationPage {
    ctx: Ctx,
    account: AccountId,
    form: Form,
    key_set: bool,
    default_pause: u64,
    error: Option<String>,
}

async fn page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ManageAutomation)?;
    let s = m.tenant.flows().automation_settings().await?;
    let form = Form {
        read_together_ms: s.read_together_ms.map(|ms| ms.to_string()).unwrap_or_default(),
        ai_base_url: s.ai_base_url,
        ai_model: s.ai_model,
        ai_timeout_ms: s.ai_timeout_ms.to_string(),
        ..Form::default()
    };
    render(&AutomationPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        form,
        key_set: !s.ai_key.is_empty(),
        default_pause: state.settings.automation.read_together_ms,
        error: None,
    })
}

fn input(form: &Form, tr: &Tr) -> Result<AutomationInput, String> {
    let read_together_ms = match form.read_together_ms.trim() {
        "" => None,
        ms => Some(ms.parse().map_err(|_| tr.t("automation-error-number"))?),
    };
    let ai_key = match (form.clear_key.is_some(), form.ai_key.trim()) {
        (true, _) => KeyChange::Clear,
        (false, "") => KeyChange::Keep,
        (false, key) => KeyChange::Set(key.to_owned()),
    };
    Ok(AutomationInput {
        read_together_ms,
        ai_base_url: form.ai_base_url.clone(),
        ai_model: form.ai_model.clone(),
        ai_timeout_ms: form.ai_timeout_ms.trim().parse().map_err(|_| tr.t("automation-error-number"))?,
        ai_key,
    })
}

async fn save(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(mut form): CsrfForm<Form>,
) -> Result<Response, PageError> {
    m.require(Action::ManageAutomation)?;
    let tr = Tr::new(m.signed.user.locale);
    let result = match input(&form, &tr) {
        Ok(i) => state.app.set_automation(&m.tenant, i).await.map_err(AppError::from),
        Err(e) => Err(AppError::Validation(e)),
    };
    match result {
        Ok(()) => {
            let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
            Ok((jar, Redirect::to(&format!("/a/{}/automation", m.account.id))).into_response())
        }
        Err(AppError::Validation(e)) => {
            // Never echo a key back into the page, not even the one just typed.
            form.ai_key.clear();
            let key_set = !m.tenant.flows().automation_settings().await?.ai_key.is_empty();
            let page = AutomationPage {
                ctx: Ctx::member(env, &state, &m).await?,
                account: m.account.id,
                form,
                key_set,
                default_pause: state.settings.automation.read_together_ms,
                error: Some(e),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

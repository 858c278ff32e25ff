//! The signed-in person's own pages: profile and language, password, sessions.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::Locale;
use maitre_store::Session;
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::cookies::{flash, removal};
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{SESSION_COOKIE, SignedIn};
use crate::error::{AppError, PageError};
use crate::i18n::{Tr, ui_locales};
use maitre_app::password::{self, PasswordError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(profile_page).post(save_profile))
        .route("/me/password", post(change_password))
        .route("/me/sessions", get(sessions_page))
        .route("/me/sessions/{session}/revoke", post(revoke_session))
}

#[derive(Template)]
#[template(path = "me/profile.html")]
struct ProfilePage {
    ctx: Ctx,
    name: String,
    locales: Vec<super::Choice>,
    /// The member's zone ("" = the business's) and every zone to choose from.
    time_zone: String,
    zones: &'static [&'static str],
    error: Option<String>,
}

/// Every IANA zone name, sorted, for the profile's time zone list.
fn zone_names() -> &'static [&'static str] {
    static NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect();
        names.sort_unstable();
        names
    });
    &NAMES
}

#[derive(Deserialize)]
struct ProfileForm {
    name: String,
    locale: String,
    /// Empty: the business's zone.
    #[serde(default)]
    time_zone: String,
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn profile_view(
    state: &AppState,
    env: PageEnv,
    s: &SignedIn,
    error: Option<String>,
) -> Result<Response, PageError> {
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = ProfilePage {
        ctx: Ctx::signed(env, state, s).await?,
        name: s.user.name.clone(),
        locales: super::choices(
            &Tr::new(s.user.locale),
            "lang",
            ui_locales().into_iter().map(Locale::as_str),
            s.user.locale.as_str(),
        ),
        time_zone: s.user.time_zone.clone(),
        zones: zone_names(),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

async fn profile_page(State(state): State<AppState>, env: PageEnv, s: SignedIn) -> Result<Response, PageError> {
    profile_view(&state, env, &s, None).await
}

async fn save_profile(
    State(state): State<AppState>,
    env: PageEnv,
    s: SignedIn,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let locale: Locale = match form.locale.parse() {
        Ok(l) => l,
        Err(e) => return profile_view(&state, env, &s, Some(e.to_string())).await,
    };
    let name = match maitre_app::accounts::parse_person_name(&form.name) {
        Ok(n) => n,
        Err(e) => return profile_view(&state, env, &s, Some(e.to_string())).await,
    };
    let zone = form.time_zone.trim();
    if !zone.is_empty() && zone.parse::<chrono_tz::Tz>().is_err() {
        return profile_view(&state, env, &s, Some(Tr::new(s.user.locale).t1("me-bad-time-zone", "zone", zone))).await;
    }
    state.store.update_profile(s.user.id, name, locale).await?;
    state.store.set_time_zone(s.user.id, zone).await?;
    let jar = CookieJar::new().add(flash(&state, &Tr::new(locale).t("flash-saved")));
    Ok((jar, Redirect::to("/me")).into_response())
}

/// Changing the password ends every session of the user, this one included: sign in again with the new one.
async fn change_password(
    State(state): State<AppState>,
    env: PageEnv,
    s: SignedIn,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let tr = Tr::new(s.user.locale);
    let (_, stored) = state.store.credentials(&s.user.email).await?;
    if !password::verify(&form.current_password, Some(stored)).await? {
        return profile_view(&state, env, &s, Some(tr.t("password-current-wrong"))).await;
    }
    if form.new_password == form.current_password {
        return profile_view(&state, env, &s, Some(PasswordError::Unchanged.to_string())).await;
    }
    let hash = match password::hash(&form.new_password).await.map_err(AppError::from) {
        Ok(h) => h,
        Err(AppError::Validation(msg)) => return profile_view(&state, env, &s, Some(msg)).await,
        Err(e) => return Err(e.into()),
    };
    state.store.set_password(s.user.id, &hash).await?;
    let jar = CookieJar::new().add(removal(&state, SESSION_COOKIE)).add(flash(&state, &tr.t("flash-password-changed")));
    Ok((jar, Redirect::to("/signin")).into_response())
}

#[derive(Template)]
#[template(path = "me/sessions.html")]
struct SessionsPage {
    ctx: Ctx,
    sessions: Vec<SessionView>,
}

struct SessionView {
    id: String,
    agent: String,
    ip: String,
    started: String,
    last_seen: String,
    current: bool,
}

async fn sessions_page(
    State(state): State<AppState>,
    env: PageEnv,
    s: SignedIn,
) -> Result<impl IntoResponse, PageError> {
    let times = super::Times::utc(s.user.locale);
    let sessions = state
        .store
        .sessions_of(s.user.id)
        .await?
        .into_iter()
        .map(|x: Session| SessionView {
            current: x.id == s.session.id,
            started: times.at(x.created_at),
            last_seen: times.at(x.last_seen_at),
            agent: x.user_agent,
            ip: x.ip,
            id: x.id,
        })
        .collect();
    render(&SessionsPage { ctx: Ctx::signed(env, &state, &s).await?, sessions })
}

async fn revoke_session(
    State(state): State<AppState>,
    s: SignedIn,
    Path(session): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    state.store.delete_session(s.user.id, &session).await?;
    let tr = Tr::new(s.user.locale);
    if session == s.session.id {
        let jar = CookieJar::new().add(removal(&state, SESSION_COOKIE)).add(flash(&state, &tr.t("flash-signed-out")));
        return Ok((jar, Redirect::to("/signin")).into_response());
    }
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-session-ended")));
    Ok((jar, Redirect::to("/me/sessions")).into_response())
}

//! Meta logins for Instagram and Messenger: send the browser to the login dialog with a signed `state`, take the
//! code on the way back, and connect what was granted. The state binds the login to one user, one account and
//! ten minutes, so a code cannot be injected into someone else's session.
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use chrono::Utc;
use maitre_channels::outbound::OAuthApp;
use maitre_domain::{AccountId, Action, UserId};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::cookies::flash;
use crate::auth::{Member, SignedIn};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/channels/connect/{login}", get(start))
        .route("/oauth/{login}/callback", get(callback))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Login {
    Facebook,
    Instagram,
}

impl Login {
    fn parse(s: &str) -> Result<Self, AppError> {
        match s {
            "facebook" => Ok(Login::Facebook),
            "instagram" => Ok(Login::Instagram),
            _ => Err(AppError::NotFound),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Login::Facebook => "facebook",
            Login::Instagram => "instagram",
        }
    }
}

fn redirect_uri(state: &AppState, login: Login) -> String {
    format!("{}/oauth/{}/callback", state.settings.public_url(), login.name())
}

/// The app credentials a login needs, or a clear error naming the missing settings.
fn app(state: &AppState, login: Login) -> Result<(String, String), AppError> {
    let meta = &state.settings.meta;
    let (id, secret, keys) = match login {
        Login::Facebook => (&meta.app_id, &meta.app_secret, "meta.app_id, meta.app_secret and meta.login_config_id"),
        Login::Instagram => {
            (&meta.instagram_app_id, &meta.instagram_app_secret, "meta.instagram_app_id and meta.instagram_app_secret")
        }
    };
    let missing = id.is_empty() || secret.is_none() || (login == Login::Facebook && meta.login_config_id.is_empty());
    match secret {
        Some(s) if !missing => Ok((id.clone(), s.expose().to_owned())),
        _ => Err(AppError::Validation(format!("This login is not set up on this server: configure {keys}."))),
    }
}

fn sign(state: &AppState, login: Login, account: AccountId, user: UserId, expires: i64) -> String {
    let data = format!("{}.{account}.{user}.{expires}", login.name());
    format!("{account}.{user}.{expires}.{}", state.secret.mac("oauth-state", &data))
}

async fn start(
    State(state): State<AppState>,
    m: Member,
    Path((_, login)): Path<(String, String)>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let login = Login::parse(&login)?;
    let (app_id, _) = app(&state, login)?;
    let expires = Utc::now().timestamp() + 600;
    let signed = sign(&state, login, m.account.id, m.signed.user.id, expires);
    let p = &state.settings.platforms;
    let (base, params): (&str, Vec<(&str, String)>) = match login {
        Login::Facebook => (
            &p.facebook_dialog_url,
            vec![
                ("client_id", app_id),
                ("redirect_uri", redirect_uri(&state, login)),
                ("config_id", state.settings.meta.login_config_id.clone()),
                ("response_type", "code".into()),
                ("override_default_response_type", "true".into()),
                ("state", signed),
            ],
        ),
        Login::Instagram => (
            &p.instagram_dialog_url,
            vec![
                ("client_id", app_id),
                ("redirect_uri", redirect_uri(&state, login)),
                ("response_type", "code".into()),
                (
                    "scope",
                    "instagram_business_basic,instagram_business_manage_messages,instagram_business_manage_comments"
                        .into(),
                ),
                ("state", signed),
            ],
        ),
    };
    let query = serde_urlencoded::to_string(&params).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Redirect::to(&format!("{base}?{query}")).into_response())
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    signed: SignedIn,
    Path(login): Path<String>,
    Query(q): Query<Callback>,
) -> Result<Response, PageError> {
    let login = Login::parse(&login)?;
    let tr = Tr::new(signed.user.locale);
    let invalid = || AppError::BadRequest(tr.t("oauth-state-invalid"));
    let parts: Vec<&str> = q.state.as_deref().unwrap_or_default().split('.').collect();
    let [account, user, expires, mac] = parts[..] else { return Err(invalid().into()) };
    let (account, user, expires): (AccountId, UserId, i64) = match (account.parse(), user.parse(), expires.parse()) {
        (Ok(a), Ok(u), Ok(e)) => (a, u, e),
        _ => return Err(invalid().into()),
    };
    let expected = sign(&state, login, account, user, expires);
    let genuine = bool::from(expected.as_bytes().ct_eq(format!("{account}.{user}.{expires}.{mac}").as_bytes()));
    if !genuine || user != signed.user.id || expires < Utc::now().timestamp() {
        return Err(invalid().into());
    }
    let (tenant, role) = state.store.tenant_for_member(user, account).await.map_err(AppError::from)?;
    if !maitre_domain::allowed(role, Action::ManageChannels) {
        return Err(AppError::forbidden().into());
    }
    let back = format!("/a/{account}/channels");
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        // The person cancelled or Meta refused: say so on the Channels page.
        let why = q.error_description.unwrap_or_else(|| tr.t("oauth-cancelled"));
        let msg = tr.t1("oauth-failed", "reason", &why);
        return Ok((CookieJar::new().add(flash(&state, &msg)), Redirect::to(&back)).into_response());
    };
    let (app_id, app_secret) = app(&state, login)?;
    let uri = redirect_uri(&state, login);
    let oauth = OAuthApp { app_id: &app_id, app_secret: &app_secret, redirect_uri: &uri };
    let result = match login {
        Login::Facebook => state.app.connect_facebook(&tenant, &oauth, &code).await,
        Login::Instagram => state.app.connect_instagram(&tenant, &oauth, &code).await,
    };
    let msg = match result {
        Ok(done) => {
            let mut msg = tr.t1("oauth-connected", "names", &done.new.join(", "));
            if !done.already.is_empty() {
                msg = format!("{msg} {}", tr.t1("oauth-already", "names", &done.already.join(", ")));
            }
            msg
        }
        Err(maitre_app::ConnectError::Rejected(reason)) => tr.t1("oauth-failed", "reason", &reason),
        Err(e) => return Err(AppError::from(e).into()),
    };
    Ok((CookieJar::new().add(flash(&state, &msg)), Redirect::to(&back)).into_response())
}

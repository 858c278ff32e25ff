//! Who is asking: the signed-in user (session cookie), their membership in the account named by the path, or an
//! API token. Permission checks go through `maitre_domain::allowed`, never inline role comparisons.
mod client_ip;
pub mod cookies;
pub mod csrf;
pub mod known_device;

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use chrono::TimeDelta;
use maitre_domain::{AccountId, Action, ApiTokenId, Role, allowed};
use maitre_store::{Account, Session, TenantStore, User};

pub use self::client_ip::client_ip;
use crate::AppState;
use crate::error::{ApiError, AppError, PageError};

pub const SESSION_COOKIE: &str = "maitre_session";

/// A signed-in user with a live session.
pub struct SignedIn {
    pub user: User,
    pub session: Session,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        signed_in(parts, state).await?.ok_or(PageError(AppError::Unauthorized))
    }
}

/// The session, if the request carries a valid one.
pub async fn signed_in(parts: &Parts, state: &AppState) -> Result<Option<SignedIn>, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    let idle = TimeDelta::days(state.settings.auth.session_idle_days.into());
    match state.store.session_by_token(&token, idle).await {
        Ok((session, user)) => Ok(Some(SignedIn { user, session })),
        Err(maitre_store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A signed-in member of the account in the path (`/a/{account}/…`). A non-member gets 404 — the same answer
/// as for an account that does not exist.
pub struct Member {
    pub signed: SignedIn,
    pub tenant: TenantStore,
    pub role: Role,
    pub account: Account,
}

impl Member {
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if allowed(self.role, action) { Ok(()) } else { Err(AppError::forbidden()) }
    }
    pub fn may(&self, action: Action) -> bool {
        allowed(self.role, action)
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let signed = SignedIn::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        let account: AccountId =
            params.iter().find(|(k, _)| *k == "account").and_then(|(_, v)| v.parse().ok()).ok_or(AppError::NotFound)?;
        let (tenant, role) = state.store.tenant_for_member(signed.user.id, account).await.map_err(AppError::from)?;
        let account = tenant.account().await.map_err(AppError::from)?;
        Ok(Member { signed, tenant, role, account })
    }
}

/// An API caller authenticated by `Authorization: Bearer <token>`; the token belongs to one account.
pub struct ApiCaller {
    pub tenant: TenantStore,
    pub role: Role,
    /// The token itself, for audits that name who did something.
    pub token: ApiTokenId,
}

impl ApiCaller {
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        if allowed(self.role, action) { Ok(()) } else { Err(ApiError(AppError::forbidden())) }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() < 200)
            .ok_or(AppError::Unauthorized)?;
        let (tenant, role, token) = match state.store.tenant_for_api_token(token).await {
            Ok(found) => found,
            Err(maitre_store::StoreError::NotFound) => return Err(AppError::Unauthorized.into()),
            Err(e) => return Err(e.into()),
        };
        // Each token has its own budget, shared by every node on PostgreSQL.
        let auth = &state.settings.auth;
        let rate = maitre_store::Rate { per_second: f64::from(auth.api_per_second), burst: f64::from(auth.api_burst) };
        if let Some(wait) = state.store.take_tokens(&[(&format!("api:{token}"), rate)]).await? {
            return Err(AppError::too_many_requests(wait).into());
        }
        Ok(ApiCaller { tenant, role, token })
    }
}

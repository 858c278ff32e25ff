//! Team invitations: owners and admins invite by email with a role; the emailed link works once, expires, and
//! can be revoked. Whoever opens it joins the account: a signed-in user at once (if the invitation is for
//! their address), a new person by choosing a name and password, an existing user after signing in.
use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use chrono::TimeDelta;
use maitre_domain::entitlements::Limited;
use maitre_domain::permissions::can_assign_role;
use maitre_domain::{AccountId, Action, Role};
use maitre_store::{InviteLink, InviteState, StoreError};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::auth::{Member, SignedIn, signed_in};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use maitre_app::accounts::{parse_email, parse_person_name};
use maitre_app::password;

/// How long an invitation link works.
pub const INVITE_DAYS: i64 = 7;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/team/invites", post(invite))
        .route("/a/{account}/team/invites/{id}/revoke", post(revoke))
        .route("/invites/{token}", axum::routing::get(invite_page).post(sign_up))
        .route("/invites/{token}/accept", post(accept))
}

/// A pending invitation on the team page.
pub struct InviteView {
    pub id: String,
    pub email: String,
    pub role: String,
    pub expires: String,
    pub expired: bool,
}

pub async fn pending(state: &AppState, m: &Member, tr: &Tr) -> Result<Vec<InviteView>, AppError> {
    let (now, times) = (state.store.clock().now(), super::Times::of(m));
    Ok(m.tenant
        .team()
        .pending_invites()
        .await?
        .into_iter()
        .map(|i| InviteView {
            id: i.id,
            email: i.email,
            role: tr.t(&format!("role-{}", i.role)),
            expires: times.at(i.expires_at),
            expired: i.expires_at <= now,
        })
        .collect())
}

#[derive(Deserialize)]
struct InviteForm {
    email: String,
    role: String,
}

fn to_team(state: &AppState, account: AccountId, message: &str) -> Response {
    (CookieJar::new().add(flash(state, message)), Redirect::to(&format!("/a/{account}/team"))).into_response()
}

async fn invite(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    m.require(Action::InviteMembers)?;
    let email = parse_email(&form.email)?;
    let role: Role =
        form.role.parse().map_err(|e: maitre_domain::permissions::UnknownRole| AppError::Validation(e.to_string()))?;
    if !can_assign_role(m.role, role) {
        return Err(AppError::forbidden().into());
    }
    if m.tenant.team().members().await?.iter().any(|x| x.email == email) {
        let tr = crate::i18n::Tr::new(m.signed.user.locale);
        return Err(AppError::Conflict(tr.t("invite-already-member")).into());
    }
    super::plan::entitle(&state, &m, Limited::Member).await?;
    let token = maitre_store::new_token("mi");
    let valid = TimeDelta::days(INVITE_DAYS);
    m.tenant.team().create_invite(&email, role, m.signed.user.id, &token, valid).await?;
    let tr = Tr::new(m.account.settings.locale);
    let link = format!("{}/invites/{token}", state.settings.public_url());
    let business = &m.account.settings.name;
    let body = format!(
        "{}\n\n{link}\n\n{}\n",
        tr.t1("invite-mail-body", "business", business),
        tr.t1("invite-mail-expiry", "days", &INVITE_DAYS.to_string())
    );
    let subject = tr.t1("invite-mail-subject", "business", business);
    let mail = maitre_app::QueuedMail { to: email.clone(), subject, body };
    state.app.queue_mail(Some(m.account.id), &mail).await?;
    let me = Tr::new(m.signed.user.locale);
    Ok(to_team(&state, m.account.id, &me.t1("flash-invite-sent", "email", &email)))
}

async fn revoke(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::InviteMembers)?;
    m.tenant.team().revoke_invite(&id).await?;
    Ok(to_team(&state, m.account.id, &Tr::new(m.signed.user.locale).t("flash-invite-revoked")))
}

#[derive(Template)]
#[template(path = "auth/invite.html")]
struct InvitePage {
    ctx: Ctx,
    token: String,
    /// None when the link is unknown.
    link: Option<InviteLink>,
    /// The link can no longer be used: why.
    gone: Option<String>,
    role: String,
    /// Signed in as someone else than the invited address.
    other_user: Option<String>,
    signed: bool,
    /// The invited address already has a maitre user: they sign in first.
    existing_user: bool,
    error: Option<String>,
    name: String,
}

async fn invite_view(
    state: &AppState,
    env: PageEnv,
    parts: &Parts,
    token: &str,
    error: Option<String>,
) -> Result<(StatusCode, InvitePage), AppError> {
    let signed = signed_in(parts, state).await?;
    let link = match state.store.invite_by_token(token).await {
        Ok(link) => Some(link),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let ctx = match &signed {
        Some(s) => Ctx::signed(env, state, s).await?,
        None => Ctx::anonymous(env),
    };
    let gone = match link.as_ref().map(|l| l.state) {
        None => Some(ctx.tr.t("invite-unknown")),
        Some(InviteState::Expired) => Some(ctx.tr.t("invite-expired")),
        Some(InviteState::Used) => Some(ctx.tr.t("invite-used")),
        Some(InviteState::Revoked) => Some(ctx.tr.t("invite-revoked")),
        Some(InviteState::Open) => None,
    };
    let status = match (&link, &gone) {
        (None, _) => StatusCode::NOT_FOUND,
        (Some(_), Some(_)) => StatusCode::GONE,
        _ if error.is_some() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let existing_user = match &link {
        Some(l) if signed.is_none() => state.store.user_by_email(&l.email).await.is_ok(),
        _ => false,
    };
    let other_user = match (&signed, &link) {
        (Some(s), Some(l)) if s.user.email != l.email => Some(s.user.email.clone()),
        _ => None,
    };
    Ok((
        status,
        InvitePage {
            role: link.as_ref().map(|l| ctx.tr.t(&format!("role-{}", l.role))).unwrap_or_default(),
            ctx,
            token: token.to_owned(),
            link,
            gone,
            other_user,
            signed: signed.is_some(),
            existing_user,
            error,
            name: String::new(),
        },
    ))
}

/// The token of an invitation link. One that is not even text (bad percent-encoding) is an unknown link: a 404
/// page rather than the framework's plain-text rejection.
struct LinkToken(String);

impl<S: Send + Sync> FromRequestParts<S> for LinkToken {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        let Path(token) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| AppError::NotFound)?;
        Ok(LinkToken(token))
    }
}

async fn invite_page(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    LinkToken(token): LinkToken,
) -> Result<Response, PageError> {
    let (status, page) = invite_view(&state, env, &parts, &token, None).await?;
    Ok((status, render(&page)?).into_response())
}

/// A signed-in user joins.
async fn accept(
    State(state): State<AppState>,
    signed: SignedIn,
    LinkToken(token): LinkToken,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let account = match state.store.accept_invite(&token, signed.user.id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return Ok(Redirect::to(&format!("/invites/{token}")).into_response()),
        Err(e) => return Err(e.into()),
    };
    let msg = Tr::new(signed.user.locale).t("flash-invite-joined");
    Ok((CookieJar::new().add(flash(&state, &msg)), Redirect::to(&format!("/a/{account}"))).into_response())
}

#[derive(Deserialize)]
struct SignUpForm {
    name: String,
    password: String,
}

/// A new person chooses a name and password; their user gets the invited email.
async fn sign_up(
    State(state): State<AppState>,
    env: PageEnv,
    parts: Parts,
    LinkToken(token): LinkToken,
    CsrfForm(form): CsrfForm<SignUpForm>,
) -> Result<Response, PageError> {
    super::abuse::take(&state, &parts, super::abuse::Form::InvitationSignUp, None).await?;
    let locale = env.browser_locale;
    let checked = match parse_person_name(&form.name) {
        Ok(name) => password::hash(&form.password).await.map(|hash| (name.to_owned(), hash)).map_err(AppError::from),
        Err(e) => Err(AppError::from(e)),
    };
    let (name, hash) = match checked {
        Ok(ok) => ok,
        Err(AppError::Validation(msg)) => {
            let (status, mut page) = invite_view(&state, env, &parts, &token, Some(msg)).await?;
            page.name = form.name;
            return Ok((status, render(&page)?).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    match state.store.accept_invite_as_new_user(&token, &name, &hash, locale).await {
        Ok((account, user)) => {
            let jar = super::auth::start_session(&state, &parts, user).await?;
            let msg = Tr::new(locale).t("flash-invite-joined");
            Ok((jar.add(flash(&state, &msg)), Redirect::to(&format!("/a/{account}"))).into_response())
        }
        // Used, expired or revoked meanwhile: the link's page says which.
        Err(StoreError::NotFound) => Ok(Redirect::to(&format!("/invites/{token}")).into_response()),
        Err(e) => Err(e.into()),
    }
}

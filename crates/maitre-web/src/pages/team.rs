//! The team (members and roles) and the account's API tokens.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::permissions::can_assign_role;
use maitre_domain::{AccountId, Action, ApiTokenId, Role, UserId};
use maitre_store::{ApiToken, Member as TeamMember, TokenCreator, Withdrawn};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/team", get(team_page))
        .route("/a/{account}/team/{user}/role", post(change_role))
        .route("/a/{account}/team/{user}/remove", post(remove))
        .route("/a/{account}/tokens", get(tokens_page).post(create_token))
        .route("/a/{account}/tokens/{token}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "account/team.html")]
struct TeamPage {
    ctx: Ctx,
    members: Vec<MemberView>,
    can_manage: bool,
    can_invite: bool,
    invites: Vec<super::invites::InviteView>,
    /// Roles the viewer may invite with.
    roles: Vec<super::Choice>,
}

struct MemberView {
    account: AccountId,
    user_id: UserId,
    name: String,
    email: String,
    role: &'static str,
    roles: Vec<super::Choice>,
    is_me: bool,
    /// Whether the viewer may change this member (admins cannot touch owners).
    assignable: bool,
}

async fn team_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewTeam)?;
    let tr = crate::i18n::Tr::new(m.signed.user.locale);
    let members = m
        .tenant
        .team()
        .members()
        .await?
        .into_iter()
        .map(|x: TeamMember| MemberView {
            account: m.account.id,
            user_id: x.user_id,
            is_me: x.user_id == m.signed.user.id,
            assignable: can_assign_role(m.role, x.role),
            roles: super::choices(&tr, "role", assignable_roles(m.role), x.role.as_str()),
            role: x.role.as_str(),
            name: x.name,
            email: x.email,
        })
        .collect();
    let can_invite = m.may(Action::InviteMembers);
    let invites = if can_invite { super::invites::pending(&state, &m, &tr).await? } else { vec![] };
    let roles = super::choices(&tr, "role", assignable_roles(m.role), "agent");
    render(&TeamPage {
        can_manage: m.may(Action::ManageTeam),
        ctx: Ctx::member(env, &state, &m).await?,
        members,
        can_invite,
        invites,
        roles,
    })
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

fn parse_user(id: &str) -> Result<UserId, AppError> {
    id.parse().map_err(|_| AppError::NotFound)
}

fn back_to_team(state: &AppState, account: AccountId, message: &str) -> Response {
    (CookieJar::new().add(flash(state, message)), Redirect::to(&format!("/a/{account}/team"))).into_response()
}

async fn change_role(
    State(state): State<AppState>,
    m: Member,
    Path((_, user)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageTeam)?;
    let user = parse_user(&user)?;
    let role: Role =
        form.role.parse().map_err(|e: maitre_domain::permissions::UnknownRole| AppError::Validation(e.to_string()))?;
    let current = m.tenant.team().member(user).await?;
    if !can_assign_role(m.role, role) || !can_assign_role(m.role, current.role) {
        return Err(AppError::forbidden().into());
    }
    let withdrawn = m.tenant.team().set_role(user, role).await?;
    let tr = crate::i18n::Tr::new(m.signed.user.locale);
    Ok(back_to_team(&state, m.account.id, &with_withdrawn(&tr, tr.t("flash-saved"), &withdrawn)))
}

async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, user)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageTeam)?;
    let user = parse_user(&user)?;
    let current = m.tenant.team().member(user).await?;
    if !can_assign_role(m.role, current.role) {
        return Err(AppError::forbidden().into());
    }
    let withdrawn = m.tenant.team().remove_member(user).await?;
    let tr = crate::i18n::Tr::new(m.signed.user.locale);
    let removed = tr.t1("flash-member-removed", "email", &current.email);
    Ok(back_to_team(&state, m.account.id, &with_withdrawn(&tr, removed, &withdrawn)))
}

/// The flash after a removal or role change: what was done, then what the member lost with it.
fn with_withdrawn(tr: &crate::i18n::Tr, done: String, w: &Withdrawn) -> String {
    let lost = [("flash-tokens-withdrawn", "names", &w.tokens), ("flash-invites-withdrawn", "emails", &w.invites)];
    lost.into_iter()
        .filter(|(_, _, names)| !names.is_empty())
        .fold(done, |msg, (key, arg, names)| format!("{msg} {}", tr.t1(key, arg, &names.join(", "))))
}

#[derive(Template)]
#[template(path = "account/tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenView>,
    roles: Vec<super::Choice>,
    /// The secret of a token just created: shown on this one response, never again.
    created: Option<String>,
    error: Option<String>,
}

struct TokenView {
    account: AccountId,
    id: ApiTokenId,
    name: String,
    role: &'static str,
    created: String,
    last_used: String,
}

fn assignable_roles(actor: Role) -> Vec<&'static str> {
    Role::ALL.iter().filter(|r| can_assign_role(actor, **r)).map(|r| r.as_str()).collect()
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
    role: String,
}

async fn tokens_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    created: Option<String>,
    error: Option<String>,
) -> Result<axum::response::Html<String>, PageError> {
    let times = super::Times::of(m);
    let tokens = m
        .tenant
        .team()
        .api_tokens()
        .await?
        .into_iter()
        .map(|t: ApiToken| TokenView {
            account: m.account.id,
            id: t.id,
            name: t.name,
            role: t.role.as_str(),
            created: times.at(t.created_at),
            last_used: t.last_used_at.map(|t| times.at(t)).unwrap_or_else(|| "—".into()),
        })
        .collect();
    let ctx = Ctx::member(env, state, m).await?;
    let roles = super::choices(&ctx.tr, "role", assignable_roles(m.role), "agent");
    render(&TokensPage { ctx, tokens, roles, created, error })
}

async fn tokens_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ManageApiTokens)?;
    tokens_view(&state, env, &m, None, None).await
}

async fn create_token(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageApiTokens)?;
    let role = form.role.parse::<Role>().ok().filter(|r| can_assign_role(m.role, *r));
    let name = form.name.trim();
    let (Some(role), false) = (role, name.is_empty() || name.chars().count() > 80) else {
        let error = Some("Give the token a name (up to 80 characters) and a role you may grant.".to_owned());
        let page = tokens_view(&state, env, &m, None, error).await?;
        return Ok((AppError::Validation(String::new()).status(), page).into_response());
    };
    let (_, secret) = m.tenant.team().create_api_token(name, role, TokenCreator::Member(m.signed.user.id)).await?;
    Ok(tokens_view(&state, env, &m, Some(secret), None).await?.into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    m: Member,
    Path((_, token)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageApiTokens)?;
    let id: ApiTokenId = token.parse().map_err(|_| AppError::NotFound)?;
    m.tenant.team().revoke_api_token(id).await?;
    let tr = crate::i18n::Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-token-revoked")));
    Ok((jar, Redirect::to(&format!("/a/{}/tokens", m.account.id))).into_response())
}

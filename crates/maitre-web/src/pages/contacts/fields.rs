//! The account's custom contact fields: listed, defined and deleted by those who may configure contacts.
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use maitre_domain::contacts::{FieldDef, FieldKind};
use maitre_domain::{AccountId, Action};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;
use crate::pages::url::filters;
use crate::pages::{Ctx, PageEnv, render};

#[derive(Template)]
#[template(path = "contacts/fields.html")]
struct FieldsPage {
    ctx: Ctx,
    account: AccountId,
    fields: Vec<FieldDef>,
    kinds: Vec<crate::pages::Choice>,
    error: Option<String>,
}

async fn fields_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    error: Option<String>,
) -> Result<FieldsPage, AppError> {
    let ctx = Ctx::member(env, state, m).await?;
    let kinds = crate::pages::choices(&ctx.tr, "contacts-kind", FieldKind::ALL.map(FieldKind::as_str), "text");
    Ok(FieldsPage { ctx, account: m.account.id, fields: m.tenant.contacts().contact_fields().await?, kinds, error })
}

pub(super) async fn fields_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::DefineContactFields)?;
    render(&fields_view(&state, env, &m, None).await?)
}

#[derive(Deserialize)]
pub(super) struct FieldForm {
    label: String,
    kind: String,
    #[serde(default)]
    choices: String,
}

pub(super) async fn define_field(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<FieldForm>,
) -> Result<Response, PageError> {
    m.require(Action::DefineContactFields)?;
    let def = form.kind.parse::<FieldKind>().and_then(|kind| FieldDef::new(&form.label, kind, &form.choices));
    let result = match def {
        Ok(def) => m.tenant.contacts().define_contact_field(&def).await.map_err(AppError::from),
        Err(e) => Err(AppError::Validation(e.to_string())),
    };
    match result {
        Ok(()) => {
            let tr = Tr::new(m.signed.user.locale);
            let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
            Ok((jar, Redirect::to(&format!("/a/{}/contacts/fields", m.account.id))).into_response())
        }
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let status = e.status();
            Ok((status, render(&fields_view(&state, env, &m, Some(e.to_string())).await?)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn delete_field(
    State(state): State<AppState>,
    m: Member,
    Path((_, key)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::DefineContactFields)?;
    m.tenant.contacts().delete_contact_field(&key).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
    Ok((jar, Redirect::to(&format!("/a/{}/contacts/fields", m.account.id))).into_response())
}

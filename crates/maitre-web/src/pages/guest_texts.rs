//! What guests hear about the team's decisions (booking confirmed, cancelled, moved), in each language a guest may
//! write in: the business's own wording, or maitre's when it leaves the text as it is. Owners and admins.
use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maitre_domain::booking::guest_messages::{GuestMessage, TextError, check_text};
use maitre_domain::{Action, Locale};

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}/booking/messages", get(page).post(save))
}

struct Field {
    name: String,
    label: String,
    text: String,
}

struct Group {
    title: String,
    fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "reservations/guest_texts.html")]
struct TextsPage {
    ctx: Ctx,
    groups: Vec<Group>,
    error: Option<String>,
}

fn field_name(purpose: GuestMessage, locale: Locale) -> String {
    format!("{purpose}_{}", locale.as_str())
}

async fn view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    sent: Option<&HashMap<String, String>>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let mut groups = Vec::new();
    for purpose in GuestMessage::WORDED {
        let mut fields = Vec::new();
        for locale in Locale::ALL {
            let name = field_name(purpose, locale);
            let text = match sent.and_then(|s| s.get(&name)) {
                Some(text) => text.clone(),
                None => m
                    .tenant
                    .reservations()
                    .guest_text(purpose, locale)
                    .await?
                    .unwrap_or_else(|| purpose.default_text(locale).to_owned()),
            };
            fields.push(Field { label: tr.t(&format!("language-{}", locale.as_str())), name, text });
        }
        groups.push(Group { title: tr.t(&format!("guest-texts-{purpose}")), fields });
    }
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = TextsPage { ctx: Ctx::member(env, state, m).await?, groups, error };
    Ok((status, render(&page)?).into_response())
}

async fn page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    view(&state, env, &m, None, None).await
}

/// Saves every text; one left as maitre wrote it (or emptied) goes back to maitre's. Nothing is saved while one is
/// refused, and the form comes back as sent.
async fn save(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageBookingSettings)?;
    let tr = Tr::new(m.signed.user.locale);
    let mut chosen = Vec::new();
    for purpose in GuestMessage::WORDED {
        for locale in Locale::ALL {
            let text = form.get(&field_name(purpose, locale)).map(|t| t.trim()).unwrap_or_default();
            if let Err(e) = check_text(text) {
                let title = tr.t(&format!("guest-texts-{purpose}"));
                let why = match e {
                    TextError::TooLong(n) => tr.t1("guest-texts-too-long", "n", &n.to_string()),
                    TextError::Placeholder(p) => tr.t1("tpl-err-placeholder", "name", &format!("{{{{{p}}}}}")),
                };
                return view(&state, env, &m, Some(&form), Some(format!("{title} ({}): {why}", locale.as_str()))).await;
            }
            let own = Some(text).filter(|t| !t.is_empty() && *t != purpose.default_text(locale));
            chosen.push((purpose, locale, own.map(str::to_owned)));
        }
    }
    for (purpose, locale, own) in chosen {
        m.tenant.reservations().set_guest_text(purpose, locale, own.as_deref()).await.map_err(AppError::from)?;
    }
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
    Ok((jar, Redirect::to(&format!("/a/{}/booking/messages", m.account.id))).into_response())
}

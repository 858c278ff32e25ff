//! The Channels page: connect Telegram bots and WhatsApp numbers (Instagram and Messenger through Meta's login),
//! check token health, set the automatic reply, disconnect.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{TimeDelta, Utc};
use maitre_app::ConnectError;
use maitre_domain::{Action, ChannelId, Locale};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/channels", get(page))
        .route("/a/{account}/channels/telegram", post(connect_telegram))
        .route("/a/{account}/channels/whatsapp", post(connect_whatsapp))
        .route("/a/{account}/channels/{channel}/verify", post(verify))
        .route("/a/{account}/channels/{channel}/auto-reply", post(auto_reply))
        .route("/a/{account}/channels/{channel}/delete", post(delete))
}

struct ChannelView {
    id: ChannelId,
    platform: String,
    name: String,
    external_id: String,
    status: String,
    status_label: String,
    reason: String,
    checked: String,
    expiry: String,
    /// The token expires within 7 days (or has expired).
    expiry_warning: bool,
    auto_reply: String,
    /// The reply in each language but the business's, for guests who write in it.
    translations: Vec<TranslationView>,
}

struct TranslationView {
    /// The form field: `text_de`, `text_en`, `text_fr`.
    field: String,
    label: String,
    text: String,
}

#[derive(Template)]
#[template(path = "account/channels.html")]
struct ChannelsPage {
    ctx: Ctx,
    channels: Vec<ChannelView>,
    error: Option<String>,
    webhook_url: String,
}

async fn view(state: &AppState, env: PageEnv, m: &Member, error: Option<String>) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let times = super::Times::of(m);
    let now = Utc::now();
    let saved = m.tenant.channels().all_auto_reply_translations().await?;
    let mut channels = Vec::new();
    for c in m.tenant.channels().list().await? {
        let own: Vec<(Locale, String)> =
            saved.iter().filter(|(ch, ..)| *ch == c.id).map(|(_, l, t)| (*l, t.clone())).collect();
        channels.push(ChannelView {
            translations: translation_views(&tr, m.account.settings.locale, &own),
            status_label: tr.t(&format!("channel-status-{}", c.status.as_str().replace('_', "-"))),
            checked: c.checked_at.map(|t| times.at(t)).unwrap_or_else(|| "—".into()),
            expiry: c.token_expires_at.map(|t| times.at(t)).unwrap_or_default(),
            expiry_warning: c.token_expires_at.is_some_and(|t| t - now < TimeDelta::days(7)),
            id: c.id,
            platform: c.platform.as_str().to_owned(),
            name: c.name,
            external_id: c.external_id,
            status: c.status.to_string(),
            reason: c.status_reason,
            auto_reply: c.auto_reply,
        });
    }
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = ChannelsPage {
        ctx: Ctx::member(env, state, m).await?,
        channels,
        error,
        webhook_url: format!("{}/webhooks/meta", state.settings.public_url()),
    };
    Ok((status, render(&page)?).into_response())
}

async fn page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    view(&state, env, &m, None).await
}

fn back(state: &AppState, m: &Member, key: &str) -> Response {
    let msg = Tr::new(m.signed.user.locale).t(key);
    (CookieJar::new().add(flash(state, &msg)), Redirect::to(&format!("/a/{}/channels", m.account.id))).into_response()
}

/// A connect attempt: success flashes, a refusal re-renders the page with the reason.
async fn finish(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    result: Result<maitre_store::Channel, ConnectError>,
) -> Result<Response, PageError> {
    let refusal = match result {
        Ok(_) => return Ok(back(state, m, "flash-channel-connected")),
        Err(ConnectError::InvalidPhoneNumberId) => Tr::new(m.signed.user.locale).t("channel-whatsapp-id-invalid"),
        Err(ConnectError::OverPlan(o)) => super::plan::plan_limit_text(&Tr::new(m.signed.user.locale), &o),
        Err(e) => match AppError::from(e) {
            AppError::Validation(msg) | AppError::Conflict(msg) => msg,
            other => return Err(other.into()),
        },
    };
    view(state, env, m, Some(refusal)).await
}

#[derive(Deserialize)]
struct TelegramForm {
    token: String,
}

async fn connect_telegram(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<TelegramForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let result = state.app.connect_telegram(&m.tenant, &form.token, &state.settings.public_url()).await;
    finish(&state, env, &m, result).await
}

#[derive(Deserialize)]
struct WhatsAppForm {
    phone_number_id: String,
    token: String,
    #[serde(default)]
    name: String,
}

async fn connect_whatsapp(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<WhatsAppForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let result = state.app.connect_whatsapp(&m.tenant, &form.phone_number_id, &form.token, &form.name).await;
    finish(&state, env, &m, result).await
}

async fn verify(
    State(state): State<AppState>,
    m: Member,
    Path((_, channel)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    state.app.verify(&m.tenant, found(&channel)?).await.map_err(AppError::from)?;
    Ok(back(&state, &m, "flash-channel-checked"))
}

/// The languages other than the business's, each with the text saved for it.
fn translation_views(tr: &Tr, own: Locale, saved: &[(Locale, String)]) -> Vec<TranslationView> {
    Locale::ALL
        .into_iter()
        .filter(|l| *l != own)
        .map(|l| TranslationView {
            field: format!("text_{l}"),
            label: tr.t1("channels-auto-reply-in", "language", &tr.t(&format!("language-{l}"))),
            text: saved.iter().find(|(s, _)| *s == l).map(|(_, t)| t.clone()).unwrap_or_default(),
        })
        .collect()
}

#[derive(Deserialize)]
struct AutoReplyForm {
    text: String,
    text_de: Option<String>,
    text_en: Option<String>,
    text_fr: Option<String>,
}

impl AutoReplyForm {
    /// The translations the form held (the business's own language has no field).
    fn translations(&self) -> Vec<(Locale, String)> {
        [(Locale::De, &self.text_de), (Locale::En, &self.text_en), (Locale::Fr, &self.text_fr)]
            .into_iter()
            .filter_map(|(l, t)| t.as_ref().map(|t| (l, t.clone())))
            .collect()
    }
}

async fn auto_reply(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, channel)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<AutoReplyForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    match state.app.set_auto_replies(&m.tenant, found(&channel)?, &form.text, &form.translations()).await {
        Ok(()) => Ok(back(&state, &m, "flash-saved")),
        Err(ConnectError::Rejected(msg)) => view(&state, env, &m, Some(msg)).await,
        Err(e) => Err(AppError::from(e).into()),
    }
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, channel)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    m.tenant.channels().delete_channel(found(&channel)?).await?;
    Ok(back(&state, &m, "flash-channel-removed"))
}

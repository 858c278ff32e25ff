//! WhatsApp message templates: name each WhatsApp channel's business account, sync, write a template with the
//! placeholders flows use and preview it, submit it for review, delete it, and choose the reminder's template.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_app::templates::TemplateFailure;
use maitre_domain::booking::guest_messages::GuestMessage;
use maitre_domain::templates::{self, Authored, ButtonAction, TemplateButton, TemplateCategory};
use maitre_domain::{Action, ChannelId, Platform};
use maitre_store::StoredTemplate;
use serde::Deserialize;

use super::template_words::{failure, status_label};
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/templates", get(page).post(create))
        .route("/a/{account}/templates/{id}/delete", post(delete))
        .route("/a/{account}/templates/waba", post(set_waba))
        .route("/a/{account}/templates/uses", post(set_uses))
}

#[derive(Clone)]
struct ChannelView {
    id: String,
    name: String,
    waba: String,
}

struct TemplateView {
    id: String,
    name: String,
    language: String,
    category: String,
    status: String,
    status_label: String,
    reason: String,
    preview: String,
    buttons: Vec<String>,
    /// Made in WhatsApp Manager: staff type its values when sending.
    by_hand: bool,
}

struct Choice {
    id: String,
    label: String,
    selected: bool,
}

/// A quick-reply button of the new-template form, with what it may do.
struct ButtonField {
    n: usize,
    label: String,
    actions: Vec<Choice>,
}

/// One automatic message and the templates that may carry it.
struct UseView {
    purpose: &'static str,
    label: String,
    options: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "account/templates.html")]
struct TemplatesPage {
    ctx: Ctx,
    channels: Vec<ChannelView>,
    /// WhatsApp channels whose business account is known: a template can be made on these.
    ready: Vec<ChannelView>,
    templates: Vec<TemplateView>,
    uses: Vec<UseView>,
    button_fields: Vec<ButtonField>,
    draft: Draft,
    /// The draft as the guest would read it, with sample values.
    preview: Option<String>,
    error: Option<String>,
}

/// The new-template form as submitted, shown again with a preview or a refusal.
#[derive(Deserialize, Default)]
struct Draft {
    #[serde(default)]
    channel: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    header: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    footer: String,
    #[serde(default)]
    button1: String,
    #[serde(default)]
    button2: String,
    #[serde(default)]
    button3: String,
    /// What each button does when the template carries a message about a booking: reply, confirm, cancel.
    #[serde(default)]
    action1: String,
    #[serde(default)]
    action2: String,
    #[serde(default)]
    action3: String,
    /// Set by the "Preview" button: show, do not submit.
    #[serde(default)]
    preview: Option<String>,
}

impl Draft {
    fn authored(&self) -> Authored {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Authored {
            name: self.name.trim().to_owned(),
            language: self.language.trim().to_owned(),
            category: self.category.parse().unwrap_or(TemplateCategory::Utility),
            header: text(&self.header),
            body: self.body.trim().to_owned(),
            footer: text(&self.footer),
            buttons: self.buttons().map(|(label, _)| TemplateButton::QuickReply { text: label.to_owned() }).collect(),
            actions: self.buttons().map(|(_, action)| action.parse().unwrap_or_default()).collect(),
        }
    }

    /// The form's three button rows as sent.
    fn button_fields(&self, tr: &Tr) -> Vec<ButtonField> {
        self.rows()
            .into_iter()
            .enumerate()
            .map(|(i, (label, action))| ButtonField {
                n: i + 1,
                label: label.clone(),
                actions: [ButtonAction::Reply, ButtonAction::Confirm, ButtonAction::Cancel]
                    .into_iter()
                    .map(|a| Choice {
                        id: a.as_str().to_owned(),
                        label: tr.t(&format!("tpl-action-{}", a.as_str())),
                        selected: a.as_str() == action.as_str(),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The form's (label, action) rows.
    fn rows(&self) -> [(&String, &String); 3] {
        [(&self.button1, &self.action1), (&self.button2, &self.action2), (&self.button3, &self.action3)]
    }

    /// The buttons given, each with its action.
    fn buttons(&self) -> impl Iterator<Item = (&str, &str)> {
        self.rows().into_iter().map(|(b, a)| (b.trim(), a.as_str())).filter(|(b, _)| !b.is_empty())
    }
}

async fn view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    draft: Draft,
    preview: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let account = m.tenant.account().await?;
    let channels: Vec<ChannelView> = m
        .tenant
        .channels()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.platform == Platform::WhatsApp && !c.released())
        .map(|c| ChannelView { id: c.id.to_string(), name: c.name, waba: c.waba_id.unwrap_or_default() })
        .collect();
    let stored = m.tenant.templates().list().await?;
    let chosen = m.tenant.templates().uses().await?;
    // Only templates maitre can fill for each guest may carry an automatic message.
    let eligible: Vec<&StoredTemplate> = stored.iter().filter(|t| t.status.sendable() && t.bound()).collect();
    let uses = PURPOSES
        .into_iter()
        .map(|purpose| {
            let used = chosen.iter().find(|(p, _)| *p == purpose).map(|(_, id)| id.as_str());
            let options = eligible
                .iter()
                .map(|t| Choice {
                    id: t.id.clone(),
                    label: format!("{} ({})", t.name, t.language),
                    selected: used == Some(t.id.as_str()),
                })
                .collect();
            UseView { purpose: purpose.as_str(), label: tr.t(&format!("tpl-use-{purpose}")), options }
        })
        .collect();
    let (locale, name) = (account.settings.locale, account.settings.name.as_str());
    let templates = stored.iter().map(|t| template_view(&tr, t, locale, name)).collect();
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let page = TemplatesPage {
        ctx: Ctx::member(env, state, m).await?,
        ready: channels.iter().filter(|c| !c.waba.is_empty()).cloned().collect(),
        channels,
        templates,
        uses,
        button_fields: draft.button_fields(&tr),
        draft,
        preview,
        error,
    };
    Ok((status, render(&page)?).into_response())
}

fn template_view(tr: &Tr, t: &StoredTemplate, locale: maitre_domain::Locale, account: &str) -> TemplateView {
    TemplateView {
        id: t.id.clone(),
        name: t.name.clone(),
        language: t.language.clone(),
        category: tr.t(&format!("tpl-kind-{}", t.category.as_str().to_ascii_lowercase())),
        status: t.status.as_str().to_ascii_lowercase(),
        status_label: status_label(tr, t.status.as_str()),
        reason: t.status_reason.clone(),
        preview: templates::sample_preview(&t.content, &t.bindings, locale, account),
        buttons: t.content.buttons.iter().map(|b| b.label().to_owned()).collect(),
        by_hand: !t.bound(),
    }
}

async fn page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    view(&state, env, &m, Draft { language: default_language(&m).await?, ..Draft::default() }, None, None).await
}

/// A new template is written in the business's language unless the form says otherwise.
async fn default_language(m: &Member) -> Result<String, AppError> {
    Ok(m.tenant.account().await?.settings.locale.as_str().to_owned())
}

async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(draft): CsrfForm<Draft>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let tr = Tr::new(m.signed.user.locale);
    let authored = draft.authored();
    if draft.preview.is_some() {
        let account = m.tenant.account().await?;
        let (locale, name) = (account.settings.locale, account.settings.name);
        return match templates::compile(&authored, locale, &name) {
            Ok(c) => {
                let text = templates::sample_preview(&c.content, &c.bindings, locale, &name);
                view(&state, env, &m, draft, Some(text), None).await
            }
            Err(e) => view(&state, env, &m, draft, None, Some(super::template_words::error(&tr, &e))).await,
        };
    }
    let channel: ChannelId = draft.channel.parse().map_err(|_| AppError::Validation(tr.t("tpl-err-no-waba")))?;
    match state.app.create_template(&m.tenant, channel, &authored).await {
        Ok(t) => done(&state, &m, &tr.t1("tpl-flash-submitted", "name", &t.name)),
        Err(TemplateFailure::Store(e)) => Err(AppError::from(e).into()),
        Err(f) => view(&state, env, &m, draft, None, Some(failure(&tr, &f))).await,
    }
}

fn done(state: &AppState, m: &Member, message: &str) -> Result<Response, PageError> {
    let jar = CookieJar::new().add(flash(state, message));
    Ok((jar, Redirect::to(&format!("/a/{}/templates", m.account.id))).into_response())
}

/// An action's refusal shown on the page (with an empty form), or its success as a flash.
async fn finish(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    result: Result<String, TemplateFailure>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    match result {
        Ok(message) => done(state, m, &message),
        Err(TemplateFailure::Store(e)) => Err(AppError::from(e).into()),
        Err(f) => {
            let draft = Draft { language: default_language(m).await?, ..Draft::default() };
            view(state, env, m, draft, None, Some(failure(&tr, &f))).await
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let tr = Tr::new(m.signed.user.locale);
    let result = state.app.delete_template(&m.tenant, &id).await.map(|()| tr.t("tpl-flash-deleted"));
    finish(&state, env, &m, result).await
}

#[derive(Deserialize)]
struct WabaForm {
    channel: String,
    #[serde(default)]
    waba: String,
    /// Set by the "Load templates" button: sync the account already named.
    #[serde(default)]
    sync: Option<String>,
}

/// Names a channel's business account (and loads its templates), or loads them again.
async fn set_waba(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<WabaForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let tr = Tr::new(m.signed.user.locale);
    let channel: ChannelId = form.channel.parse().map_err(|_| AppError::NotFound)?;
    let result = match form.sync {
        Some(_) => state.app.sync_templates(&m.tenant, channel).await,
        None => state.app.set_waba(&m.tenant, channel, &form.waba).await,
    };
    let result = result.map(|s| tr.t1("tpl-flash-synced", "n", &s.templates.to_string()));
    finish(&state, env, &m, result).await
}

/// The automatic messages a template may carry when the guest's window is closed.
const PURPOSES: [GuestMessage; 4] =
    [GuestMessage::Reminder, GuestMessage::Confirmed, GuestMessage::Cancelled, GuestMessage::Moved];

async fn set_uses(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageChannels)?;
    let tr = Tr::new(m.signed.user.locale);
    for purpose in PURPOSES {
        let chosen = form.get(purpose.as_str()).map(|v| v.trim()).filter(|v| !v.is_empty());
        m.tenant.templates().set_use(purpose, chosen).await.map_err(AppError::from)?;
    }
    done(&state, &m, &tr.t("flash-saved"))
}

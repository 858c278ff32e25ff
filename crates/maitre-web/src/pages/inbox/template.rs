//! Sending an approved WhatsApp template from a thread: the only message that reaches a guest once the 24-hour
//! window is closed. Picking a template is a plain GET (`?template=`), so the composer works without script.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use maitre_app::templates::{TemplateFailure, draft_values};
use maitre_channels::policy;
use maitre_domain::templates;
use maitre_domain::{Action, Platform};
use maitre_store::ConversationView;

use super::actions::back;
use super::{base, thread_view};
use crate::AppState;
use crate::auth::Member;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::template_words::failure;
use crate::pages::url::filters;
use crate::pages::{PageEnv, render};

/// The most values the composer reads back (`v1` … `v20`); the templates it offers take fewer.
const MAX_VALUES: usize = 20;

struct TemplateOption {
    id: String,
    label: String,
    selected: bool,
}

struct Field {
    n: usize,
    label: String,
    value: String,
}

struct Chosen {
    id: String,
    fields: Vec<Field>,
    preview: String,
}

#[derive(Template)]
#[template(path = "inbox/template_composer.html")]
struct Composer {
    tr: Tr,
    csrf: String,
    account: String,
    base: String,
    options: Vec<TemplateOption>,
    chosen: Option<Chosen>,
    open: bool,
    window_open: bool,
    can_manage: bool,
}

/// The composer for a WhatsApp conversation whose number has a business account; empty elsewhere.
pub(super) async fn composer(
    state: &AppState,
    m: &Member,
    csrf: &str,
    conv: &ConversationView,
    chosen: Option<&str>,
) -> Result<String, PageError> {
    if conv.platform != Platform::WhatsApp {
        return Ok(String::new());
    }
    let Some(waba) = m.tenant.channels().channel(conv.channel_id).await?.waba_id else { return Ok(String::new()) };
    let tr = Tr::new(m.signed.user.locale);
    let sendable: Vec<_> =
        m.tenant.templates().list().await?.into_iter().filter(|t| t.waba_id == waba && t.status.sendable()).collect();
    let picked = chosen.and_then(|id| sendable.iter().find(|t| t.id == id));
    let chosen = match picked {
        Some(t) => {
            let values = draft_values(&m.tenant, conv, t).await?;
            let shown: Vec<String> =
                values.iter().map(|v| if v.trim().is_empty() { "…".to_owned() } else { v.clone() }).collect();
            let preview = templates::fill_by_hand(&t.content, &shown)
                .map(|f| templates::preview(&t.content, &f))
                .unwrap_or_else(|_| t.content.body.clone());
            let fields = values
                .into_iter()
                .enumerate()
                .map(|(i, value)| Field { n: i + 1, label: tr.t1("tpl-value", "n", &(i + 1).to_string()), value })
                .collect();
            Some(Chosen { id: t.id.clone(), fields, preview })
        }
        None => None,
    };
    let window_open = policy::window(conv.platform, conv.last_inbound_at, state.store.clock().now(), true).is_ok();
    let options = sendable
        .iter()
        .map(|t| TemplateOption {
            id: t.id.clone(),
            label: format!("{} ({})", t.name, t.language),
            selected: picked.is_some_and(|p| p.id == t.id),
        })
        .collect();
    let composer = Composer {
        tr,
        csrf: csrf.to_owned(),
        account: m.account.id.to_string(),
        base: format!("{}/{}", base(m), conv.id),
        options,
        open: chosen.is_some() || !window_open,
        chosen,
        window_open,
        can_manage: m.may(Action::ManageChannels),
    };
    Ok(render(&composer)?.0)
}

/// Sends the chosen template with the values typed (`v1`, `v2` …); a refusal shows on the thread with what to do.
pub(super) async fn send(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let conv = m.tenant.inbox().conversation(id, m.signed.user.id).await?;
    let template = form.get("template").map(String::as_str).unwrap_or_default();
    let values: Vec<String> = (1..=MAX_VALUES).map_while(|n| form.get(&format!("v{n}")).cloned()).collect();
    match state.app.send_template(&m.tenant, &conv, Some(m.signed.user.id), template, &values).await {
        Ok(_) => Ok(back(&m, id)),
        Err(TemplateFailure::Store(maitre_store::StoreError::NotFound)) => Err(AppError::NotFound.into()),
        Err(TemplateFailure::Store(e)) => Err(AppError::from(e).into()),
        Err(f) => thread_view(&state, env, &m, (id, Some(template)), Some(failure(&tr, &f))).await,
    }
}

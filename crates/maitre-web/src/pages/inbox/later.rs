//! "Send later" in a thread: write a message and a date and time of the business (its time zone, whatever the
//! member's own), see the conversation's scheduled messages, change one or cancel it until it is due. The job that
//! sends them is `maitre_app::scheduled::due`.
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use maitre_app::scheduled::{Change, ScheduleError};
use maitre_domain::booking::tz::{to_local, to_utc};
use maitre_domain::scheduled::{MAX_AHEAD, Refusal, ScheduledStatus};
use maitre_domain::{Action, ConversationId, ScheduledMessageId};
use maitre_store::ConversationView;
use serde::Deserialize;

use super::actions::back;
use super::{base, thread_view};
use crate::AppState;
use crate::auth::Member;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::times::{account_tz, format_local};
use crate::pages::{PageEnv, render};

/// How a `datetime-local` field writes a time (seconds only when a step asks for them).
pub(crate) const FIELD: &str = "%Y-%m-%dT%H:%M";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/inbox/{conversation}/later", post(schedule))
        .route("/a/{account}/inbox/{conversation}/later/{scheduled}", post(edit))
        .route("/a/{account}/inbox/{conversation}/later/{scheduled}/cancel", post(cancel))
}

struct Item {
    id: String,
    /// When it goes, in the business's time as the member's language writes it.
    when: String,
    /// The same time as the edit form's field holds it.
    field: String,
    text: String,
    author: Option<String>,
}

#[derive(Template)]
#[template(path = "inbox/later.html")]
struct Panel {
    tr: Tr,
    csrf: String,
    base: String,
    items: Vec<Item>,
    can_work: bool,
    /// The field's bounds: now and 90 days on, in the business's time.
    min: String,
    max: String,
    zone: String,
}

/// The panel under the composer (members who may work the inbox), or the bare list for those who only read it.
pub(super) async fn panel(
    state: &AppState,
    m: &Member,
    csrf: &str,
    conv: &ConversationView,
    can_work: bool,
) -> Result<String, PageError> {
    let (tr, tz) = (Tr::new(m.signed.user.locale), account_tz(m));
    let waiting =
        m.tenant.scheduled().list(conv.id).await?.into_iter().filter(|s| s.status == ScheduledStatus::Scheduled);
    let items: Vec<Item> = waiting
        .map(|s| Item {
            id: s.id.to_string(),
            when: format_local(to_local(s.send_at, tz), tr.locale),
            field: to_local(s.send_at, tz).format(FIELD).to_string(),
            text: s.body,
            author: s.author,
        })
        .collect();
    if !can_work && items.is_empty() {
        return Ok(String::new());
    }
    let now = state.store.clock().now();
    let panel = Panel {
        tr,
        csrf: csrf.to_owned(),
        base: format!("{}/{}", base(m), conv.id),
        items,
        can_work,
        min: to_local(now, tz).format(FIELD).to_string(),
        max: to_local(now + MAX_AHEAD, tz).format(FIELD).to_string(),
        zone: tz.name().to_owned(),
    };
    Ok(render(&panel)?.0)
}

#[derive(Deserialize)]
pub(super) struct LaterForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    at: String,
}

/// A time typed in the business's zone, as an instant; the refusal in the member's words.
pub(crate) fn instant(tr: &Tr, tz: Tz, field: &str) -> Result<DateTime<Utc>, String> {
    let field = field.trim();
    let local = NaiveDateTime::parse_from_str(field, FIELD)
        .or_else(|_| NaiveDateTime::parse_from_str(field, &format!("{FIELD}:%S")))
        .map_err(|_| tr.t("later-error-when"))?;
    // A time the clocks skip (spring forward) exists nowhere.
    to_utc(local, tz).map_err(|_| tr.t("later-error-skipped"))
}

/// What the thread says when a change is refused; anything but a refusal is an error page.
fn refusal(tr: &Tr, e: ScheduleError) -> Result<String, PageError> {
    Ok(match e {
        ScheduleError::Refused(Refusal::Past) => tr.t("later-error-past"),
        ScheduleError::Refused(Refusal::TooFar) => tr.t("later-error-too-far"),
        ScheduleError::Refused(Refusal::TextLength) => tr.t("inbox-text-length"),
        ScheduleError::Settled => tr.t("later-error-settled"),
        e => return Err(AppError::from(e).into()),
    })
}

/// Answers a form: back to the thread when done, or the thread with the reason (422).
async fn answer<T>(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: ConversationId,
    done: Result<T, ScheduleError>,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(back(m, id)),
        Err(e) => {
            let said = refusal(&Tr::new(m.signed.user.locale), e)?;
            thread_view(state, env, m, (id, None), Some(said)).await
        }
    }
}

async fn schedule(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<LaterForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let id: ConversationId = found(&id)?;
    let tr = Tr::new(m.signed.user.locale);
    let at = match instant(&tr, account_tz(&m), &form.at) {
        Ok(at) => at,
        Err(said) => return thread_view(&state, env, &m, (id, None), Some(said)).await,
    };
    let done = state.app.schedule(&m.tenant, id, Some(m.signed.user.id), &form.text, at).await;
    answer(&state, env, &m, id, done).await
}

/// The scheduled message a path names, in the conversation it names; any other is NotFound.
async fn in_conversation(
    m: &Member,
    conversation: &str,
    scheduled: &str,
) -> Result<(ConversationId, ScheduledMessageId), PageError> {
    let (conversation, scheduled): (ConversationId, ScheduledMessageId) = (found(conversation)?, found(scheduled)?);
    if m.tenant.scheduled().get(scheduled).await?.conversation_id != conversation {
        return Err(AppError::NotFound.into());
    }
    Ok((conversation, scheduled))
}

async fn edit(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, conversation, scheduled)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<LaterForm>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let (id, scheduled) = in_conversation(&m, &conversation, &scheduled).await?;
    let tr = Tr::new(m.signed.user.locale);
    let at = match instant(&tr, account_tz(&m), &form.at) {
        Ok(at) => at,
        Err(said) => return thread_view(&state, env, &m, (id, None), Some(said)).await,
    };
    let change = Change { text: Some(&form.text), send_at: Some(at) };
    let done = state.app.reschedule(&m.tenant, scheduled, change).await;
    answer(&state, env, &m, id, done).await
}

async fn cancel(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, conversation, scheduled)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::WorkInbox)?;
    let (id, scheduled) = in_conversation(&m, &conversation, &scheduled).await?;
    let done = state.app.cancel_scheduled(&m.tenant, scheduled).await;
    answer(&state, env, &m, id, done).await
}

//! A member's notifications in one account (handoffs, assignments to them, new reservations): the list, newest
//! first in pages, opening one (marks it read, then goes where it points), "mark all read", and which of them the
//! member also wants by email or pushed to their devices (`devices.rs` adds and removes those). The bell in the layout
//! links here; `live.js` keeps its count current.
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_store::{Choice, Cursor, Prefs, UNREAD_CAP};
use serde::Deserialize;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

const PAGE_SIZE: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/notifications", get(list_page))
        .route("/a/{account}/notifications/count", get(count))
        .route("/a/{account}/notifications/read", post(read_all))
        .route("/a/{account}/notifications/email", post(save_email))
        .route("/a/{account}/notifications/push", post(save_push))
        .route("/a/{account}/notifications/{id}/open", post(open))
}

/// The bell's text for `n` unread notifications.
pub fn unread_label(n: i64) -> String {
    match n {
        0 => String::new(),
        n if n >= UNREAD_CAP => format!("{}+", UNREAD_CAP - 1),
        n => n.to_string(),
    }
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default)]
    after: String,
}

struct ItemView {
    id: String,
    text: String,
    time: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications/list.html")]
struct ListPage {
    ctx: Ctx,
    items: Vec<ItemView>,
    older: Option<String>,
    prefs: Prefs,
    devices: Vec<super::devices::DeviceView>,
    /// The server's VAPID key, for `push.js` to subscribe this browser with.
    push_key: String,
}

async fn list_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Query(p): Query<ListParams>,
) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let times = super::Times::of(&m);
    let after: Option<Cursor> = match p.after.as_str() {
        "" => None,
        s => Some(s.parse().map_err(|_| AppError::BadRequest(tr.t("notifications-bad-page")))?),
    };
    let user = m.signed.user.id;
    let page = m.tenant.notifications().list(user, after.as_ref(), PAGE_SIZE).await?;
    let items = page
        .items
        .into_iter()
        .map(|n| ItemView {
            text: tr.t1(&format!("notification-{}", n.kind.as_str()), "text", &n.text),
            time: times.at(n.created_at),
            unread: !n.read,
            id: n.id,
        })
        .collect();
    let page = ListPage {
        older: page.next.map(|c| format!("/a/{}/notifications?after={c}", m.account.id)),
        prefs: m.tenant.notifications().prefs(user).await?,
        devices: super::devices::views(&m, &tr, times).await?,
        push_key: state.app.push.public_key(),
        items,
        ctx: Ctx::member(env, &state, &m).await?,
    };
    Ok(render(&page)?.into_response())
}

/// The bell's text, for `live.js` to catch up after a reconnect.
async fn count(m: Member) -> Result<Response, PageError> {
    let n = m.tenant.notifications().unread_notifications(m.signed.user.id).await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], unread_label(n))
        .into_response())
}

/// Marks the notification read and follows its link. Someone else's or an unknown id is 404.
async fn open(
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let n = m.tenant.notifications().open_notification(m.signed.user.id, &id).await?;
    // Links are written by maitre, but only ever follow one inside the dashboard.
    let to = if n.link.starts_with('/') && !n.link.starts_with("//") {
        n.link
    } else {
        format!("/a/{}/notifications", m.account.id)
    };
    Ok(Redirect::to(&to).into_response())
}

async fn read_all(
    State(state): State<AppState>,
    m: Member,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.tenant.notifications().mark_all_notifications_read(m.signed.user.id).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-notifications-read")));
    Ok((jar, Redirect::to(&format!("/a/{}/notifications", m.account.id))).into_response())
}

/// Checkboxes: present when ticked.
#[derive(Deserialize)]
struct ChoiceForm {
    handoff: Option<String>,
    assigned: Option<String>,
    reservation: Option<String>,
}

impl ChoiceForm {
    fn choice(&self) -> Choice {
        Choice {
            handoff: self.handoff.is_some(),
            assigned: self.assigned.is_some(),
            reservation: self.reservation.is_some(),
        }
    }
}

async fn save_email(
    state: State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<ChoiceForm>,
) -> Result<Response, PageError> {
    save(state, m, |prefs| prefs.email = form.choice()).await
}

async fn save_push(
    state: State<AppState>,
    m: Member,
    CsrfForm(form): CsrfForm<ChoiceForm>,
) -> Result<Response, PageError> {
    save(state, m, |prefs| prefs.push = form.choice()).await
}

/// Changes one way of the member's choices, keeping the other.
async fn save(
    State(state): State<AppState>,
    m: Member,
    change: impl FnOnce(&mut Prefs),
) -> Result<Response, PageError> {
    let user = m.signed.user.id;
    let mut prefs = m.tenant.notifications().prefs(user).await?;
    change(&mut prefs);
    m.tenant.notifications().set_prefs(user, prefs).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
    Ok((jar, Redirect::to(&format!("/a/{}/notifications", m.account.id))).into_response())
}

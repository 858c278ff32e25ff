//! The live event stream of an account page: Server-Sent Events carrying what this member may see (their own
//! notifications, and conversation events when their role opens the inbox) as JSON `data` lines. `live.js` on
//! every account page bumps the bell with it and hands each event to the inbox's script.
use std::convert::Infallible;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use maitre_domain::Action;
use maitre_store::LiveEvent;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::auth::Member;
use crate::error::{AppError, PageError};

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}/events", get(events))
}

pub async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/live.js"))
}

async fn events(
    State(state): State<AppState>,
    m: Member,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, PageError> {
    stream(&state, &m).await
}

/// This member's events for as long as the connection and the session behind it live (signing out, on any node,
/// ends it); keep-alive comments stop proxies from closing it.
async fn stream(
    state: &AppState,
    m: &Member,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, PageError> {
    let rx = state.store.subscribe().await.map_err(AppError::from)?;
    let (account, user, inbox) = (m.account.id, m.signed.user.id, m.may(Action::ViewInbox));
    let session = m.signed.session.id.clone();
    let stream = futures_util::stream::unfold((rx, session), move |(mut rx, session)| async move {
        loop {
            let event = match rx.recv().await {
                Ok(e) if e.event.ends_session(user, &session) => return None,
                Ok(e) if e.visible_to(account, user) && (inbox || e.event.conversation_id().is_none()) => e.event,
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => LiveEvent::Resync,
                Err(RecvError::Closed) => return None,
            };
            let data = serde_json::to_string(&event).unwrap_or_default();
            return Some((Ok(Event::default().data(data)), (rx, session)));
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

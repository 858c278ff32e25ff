//! Staff notes on the contact page: add, edit and delete (after a confirmation step). Anyone who may manage
//! contacts writes notes and changes their own; moderators change anyone's (`can_change_note`).
use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use maitre_domain::contacts::parse_note;
use maitre_domain::permissions::can_change_note;
use maitre_domain::{Action, ContactId, NoteId};
use maitre_store::{Actor, ContactNote};
use serde::Deserialize;

use super::back_to;
use crate::AppState;
use crate::auth::Member;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use crate::pages::Times;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/contacts/{id}/notes", post(add))
        .route("/a/{account}/contacts/{id}/notes/{note}", post(edit))
        .route("/a/{account}/contacts/{id}/notes/{note}/delete", post(delete))
}

/// A note as the contact page shows it.
pub(super) struct NoteView {
    pub id: String,
    pub author: String,
    pub at: String,
    pub edited: bool,
    pub body: String,
    pub can_change: bool,
}

/// Who wrote a note, in words: the member, the API token, or a member who has since left.
pub(crate) fn author_label(tr: &Tr, n: &ContactNote) -> String {
    match n.author {
        Some(Actor::Token(_)) => tr.t1("contacts-by-api-token", "name", &n.author_name),
        Some(Actor::Member(_)) if !n.author_name.is_empty() => n.author_name.clone(),
        _ => tr.t("contacts-note-by-former-member"),
    }
}

pub(super) fn note_view(tr: &Tr, times: Times, m: &Member, n: ContactNote) -> NoteView {
    NoteView {
        author: author_label(tr, &n),
        at: times.at(n.created_at),
        edited: n.edited_at.is_some(),
        can_change: may_change(m, &n),
        id: n.id.to_string(),
        body: n.body,
    }
}

fn may_change(m: &Member, n: &ContactNote) -> bool {
    can_change_note(m.role, n.author == Some(Actor::Member(m.signed.user.id)))
}

#[derive(Deserialize)]
struct NoteForm {
    #[serde(default)]
    body: String,
}

fn checked(body: &str) -> Result<String, AppError> {
    parse_note(body).map_err(|e| AppError::Validation(e.to_string()))
}

async fn add(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let id = found(&id)?;
    let body = checked(&form.body)?;
    m.tenant.contacts().add_contact_note(id, Actor::Member(m.signed.user.id), &body).await?;
    Ok(back_to(&state, &m, id, "flash-note-added"))
}

/// The note to change, if this member may change it: unknown ids are 404 before permission is weighed.
async fn changeable(m: &Member, id: ContactId, note: NoteId) -> Result<(), AppError> {
    m.require(Action::ManageContacts)?;
    let n = m.tenant.contacts().contact_note(id, note).await?;
    if may_change(m, &n) { Ok(()) } else { Err(AppError::forbidden()) }
}

async fn edit(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, note)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    let note = found(&note)?;
    let id = found(&id)?;
    changeable(&m, id, note).await?;
    let body = checked(&form.body)?;
    m.tenant.contacts().edit_contact_note(id, note, &body).await?;
    Ok(back_to(&state, &m, id, "flash-saved"))
}

async fn delete(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, note)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let note = found(&note)?;
    let id = found(&id)?;
    changeable(&m, id, note).await?;
    m.tenant.contacts().delete_contact_note(id, note).await?;
    Ok(back_to(&state, &m, id, "flash-note-deleted"))
}

//! Contacts over the API: the list (search, tag, keyset pages), one contact with its other identities and consent
//! history, create, patch (values checked against their types), delete as GDPR erasure (audited with the token),
//! and staff notes (a token changes the notes it wrote; an admin's or owner's token, anyone's). Invalid values answer
//! 422 with the input named first: `email: "x" is not an email address`.
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use maitre_domain::contacts::{FieldDef, parse_external_id, parse_note};
use maitre_domain::permissions::can_change_note;
use maitre_domain::{Action, ChannelId, ContactId, NoteId};
use maitre_store::{Actor, Contact, ContactNote, ContactQuery, StoreError, TenantStore};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::params;
use super::{ApiJson, ErrorBody};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, AppError, found};
use crate::pages::contacts::{Invalid, check_edit};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/{id}", get(get_one).patch(update).delete(erase))
        .route("/contacts/{id}/notes", get(list_notes).post(add_note))
        .route("/contacts/{id}/notes/{note}", patch(edit_note).delete(delete_note))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Part of the name, email, phone number or platform id.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Only contacts with this tag.
    tag: Option<String>,
    /// Only the contacts of this segment (its id).
    #[param(pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    segment: Option<String>,
    /// `next` of the previous page.
    #[param(pattern = r"^([0-9]{1,15}\.[0-9A-Za-z-]{1,64})?$")]
    after: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    id: String,
    channel_id: String,
    /// whatsapp, instagram, messenger or telegram.
    platform: String,
    /// The guest's id on the platform (a WhatsApp contact's is its phone number's digits).
    external_id: String,
    name: String,
    /// E.164; a WhatsApp contact's own number when none was stored.
    phone: String,
    email: String,
    tags: Vec<String>,
    /// Custom field values by field key, in their canonical text form.
    #[schema(value_type = Object)]
    fields: Map<String, Value>,
    /// False once the guest opted out of messages.
    opted_in: bool,
    opted_out_at: Option<String>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContactPage {
    items: Vec<ContactDto>,
    /// Pass as `after` for the next page; absent on the last one.
    next: Option<String>,
}

/// Another identity of the same person (same phone number or email address) on this or another channel.
#[derive(Serialize, ToSchema)]
pub struct IdentityDto {
    id: String,
    channel_id: String,
    platform: String,
    external_id: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentDto {
    /// opted_in or opted_out.
    state: String,
    /// guest (a keyword in a message) or staff.
    source: String,
    detail: String,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ContactDetail {
    contact: ContactDto,
    identities: Vec<IdentityDto>,
    /// Opt-in/opt-out history, newest first.
    consents: Vec<ConsentDto>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    #[schema(format = Uuid)]
    channel_id: String,
    /// Required except on WhatsApp, where the phone number is the identity.
    external_id: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    tags: Option<Vec<String>>,
    /// Values by field key: text, number or boolean as the field's type wants.
    #[schema(value_type = Option<Object>)]
    fields: Option<Map<String, Value>>,
}

/// Only what is given changes; `""` clears phone or email, `null` clears a custom field, `tags` replace all tags.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    fields: Option<Map<String, Value>>,
}

#[derive(Serialize, ToSchema)]
pub struct NoteDto {
    id: String,
    text: String,
    /// The member's name, or the API token's name.
    author: String,
    /// Written through the API.
    via_api: bool,
    created_at: String,
    edited_at: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteInput {
    /// Text with at least one visible character; no control characters but line breaks and tabs.
    #[schema(
        pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$",
        max_length = 4000
    )]
    text: String,
}

fn dto(c: Contact) -> ContactDto {
    ContactDto {
        phone: c.phone_key(),
        fields: c.fields.into_iter().map(|(k, v)| (k, Value::String(v))).collect(),
        opted_in: c.opted_out_at.is_none(),
        opted_out_at: c.opted_out_at.map(|t| t.to_rfc3339()),
        created_at: c.created_at.to_rfc3339(),
        id: c.id.to_string(),
        channel_id: c.channel_id.to_string(),
        platform: c.platform.as_str().to_owned(),
        external_id: c.external_id,
        name: c.name,
        email: c.email,
        tags: c.tags,
    }
}

fn note_dto(n: ContactNote) -> NoteDto {
    NoteDto {
        via_api: matches!(n.author, Some(Actor::Token(_))),
        created_at: n.created_at.to_rfc3339(),
        edited_at: n.edited_at.map(|t| t.to_rfc3339()),
        id: n.id.to_string(),
        text: n.body,
        author: n.author_name,
    }
}

fn invalid(e: Invalid) -> ApiError {
    AppError::Validation(format!("{}: {}", e.field, e.reason)).into()
}

#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ListParams),
    responses((status = 200, body = ContactPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such segment", body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list(caller: ApiCaller, p: Result<Query<ListParams>, QueryRejection>) -> Result<Json<ContactPage>, ApiError> {
    caller.require(Action::ViewContacts)?;
    let p = params::query(p)?;
    let (after, limit) = (params::cursor(p.after.as_deref())?, params::limit(p.limit)?);
    let segment = match p.segment.as_deref() {
        Some(id) => Some(caller.tenant.segments().get(found(id)?).await?.rules),
        None => None,
    };
    let q = ContactQuery {
        search: params::search(p.q.as_deref())?,
        tag: p.tag.as_deref(),
        after,
        limit,
        happened: None,
        segment: segment.as_ref(),
    };
    let page = caller.tenant.contacts().list(&q).await?;
    Ok(Json(ContactPage { items: page.items.into_iter().map(dto).collect(), next: page.next.map(|c| c.to_string()) }))
}

async fn detail(tenant: &TenantStore, id: ContactId) -> Result<ContactDetail, ApiError> {
    let c = tenant.contacts().contact(id).await?;
    let identities = tenant
        .contacts()
        .same_person(&c)
        .await?
        .into_iter()
        .map(|o| IdentityDto {
            id: o.id.to_string(),
            channel_id: o.channel_id.to_string(),
            platform: o.platform.as_str().to_owned(),
            external_id: o.external_id,
            name: o.name,
        })
        .collect();
    let consents = tenant
        .contacts()
        .consents(id)
        .await?
        .into_iter()
        .map(|k| ConsentDto { state: k.state, source: k.source, detail: k.detail, at: k.at.to_rfc3339() })
        .collect();
    Ok(ContactDetail { contact: dto(c), identities, consents })
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = ContactDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<ContactDetail>, ApiError> {
    caller.require(Action::ViewContacts)?;
    Ok(Json(detail(&caller.tenant, found(&id)?).await?))
}

/// JSON values of custom fields as text (`null` clears); every key must be one of the account's fields.
fn raw_fields<'a>(
    defs: &'a [FieldDef],
    given: &'a Map<String, Value>,
) -> Result<Vec<(&'a FieldDef, String)>, ApiError> {
    given
        .iter()
        .map(|(key, v)| {
            let bad = |reason: &str| AppError::Validation(format!("fields.{key}: {reason}"));
            let def =
                defs.iter().find(|d| d.key == *key).ok_or_else(|| bad("there is no custom field with this key"))?;
            let raw = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(bad("must be text, a number, true/false or null").into()),
            };
            Ok((def, raw))
        })
        .collect()
}

#[utoipa::path(post, path = "/api/v1/contacts", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = ContactDetail), (status = 403, body = ErrorBody),
        (status = 404, description = "No such channel in this account", body = ErrorBody),
        (status = 409, description = "The channel already knows this identity", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn create(
    caller: ApiCaller,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<(StatusCode, Json<ContactDetail>), ApiError> {
    caller.require(Action::ManageContacts)?;
    let no_channel = || AppError::Unknown("channel_id: there is no such channel in this account".into());
    let channel: ChannelId =
        input.channel_id.parse().map_err(|_| AppError::Validation("channel_id: not a channel id".into()))?;
    let channel = match caller.tenant.channels().channel(channel).await {
        Err(StoreError::NotFound) => return Err(no_channel().into()),
        other => other?,
    };
    let defs = caller.tenant.contacts().contact_fields().await?;
    let given = input.fields.unwrap_or_default();
    let raw = raw_fields(&defs, &given)?;
    let raw: Vec<(&FieldDef, &str)> = raw.iter().map(|(d, v)| (*d, v.as_str())).collect();
    let edit = check_edit(
        input.name.as_deref().unwrap_or(""),
        input.phone.as_deref().unwrap_or(""),
        input.email.as_deref().unwrap_or(""),
        &raw,
        input.tags.as_deref(),
        &caller.tenant.account().await?.settings.country,
    )
    .map_err(invalid)?;
    let external_id = match (channel.platform.as_str(), input.external_id.as_deref()) {
        ("whatsapp", _) if edit.phone.is_empty() => {
            return Err(
                AppError::Validation("phone: a WhatsApp contact is identified by its phone number".into()).into()
            );
        }
        ("whatsapp", Some(e)) if e.trim() != edit.phone.trim_start_matches('+') => {
            return Err(AppError::Validation(
                "external_id: on WhatsApp it is the phone number's digits; leave it out".into(),
            )
            .into());
        }
        ("whatsapp", _) => edit.phone.trim_start_matches('+').to_owned(),
        (_, raw) => parse_external_id(raw.unwrap_or("")).map_err(|e| invalid(Invalid::new("external_id", e)))?,
    };
    let id = match caller.tenant.contacts().create_contact(channel.id, &external_id, &edit).await {
        Err(StoreError::Conflict { constraint }) if constraint == "contact_identity" => {
            return Err(
                AppError::Conflict("A contact with this identity exists already in this channel.".into()).into()
            );
        }
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(detail(&caller.tenant, id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    request_body = ContactPatch,
    responses((status = 200, body = ContactDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn update(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ContactPatch>,
) -> Result<Json<ContactDetail>, ApiError> {
    caller.require(Action::ManageContacts)?;
    let id = found(&id)?;
    let current = caller.tenant.contacts().contact(id).await?;
    let defs = caller.tenant.contacts().contact_fields().await?;
    let given = input.fields.unwrap_or_default();
    let raw = raw_fields(&defs, &given)?;
    let raw: Vec<(&FieldDef, &str)> = raw.iter().map(|(d, v)| (*d, v.as_str())).collect();
    let edit = check_edit(
        input.name.as_deref().unwrap_or(&current.name),
        input.phone.as_deref().unwrap_or(&current.phone),
        input.email.as_deref().unwrap_or(&current.email),
        &raw,
        input.tags.as_deref(),
        &caller.tenant.account().await?.settings.country,
    )
    .map_err(invalid)?;
    caller.tenant.contacts().update_contact(id, &edit).await?;
    Ok(Json(detail(&caller.tenant, id).await?))
}

/// GDPR erasure, as on the contact page: messages blanked, reservations stripped, the identity anonymised;
/// the audit names this token.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn erase(caller: ApiCaller, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    caller.require(Action::EraseContact)?;
    let id = found(&id)?;
    caller.tenant.contacts().erase_contact(id, Actor::Token(caller.token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/contacts/{id}/notes", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Vec<NoteDto>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn list_notes(caller: ApiCaller, Path(id): Path<String>) -> Result<Json<Vec<NoteDto>>, ApiError> {
    caller.require(Action::ViewContacts)?;
    let id = found(&id)?;
    caller.tenant.contacts().contact(id).await?;
    Ok(Json(caller.tenant.contacts().contact_notes(id).await?.into_iter().map(note_dto).collect()))
}

#[utoipa::path(post, path = "/api/v1/contacts/{id}/notes", tag = "contacts", params(("id" = String, Path)),
    request_body = NoteInput,
    responses((status = 201, body = NoteDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn add_note(
    caller: ApiCaller,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Result<(StatusCode, Json<NoteDto>), ApiError> {
    caller.require(Action::ManageContacts)?;
    let id = found(&id)?;
    caller.tenant.contacts().contact(id).await?;
    let text = parse_note(&input.text).map_err(|e| invalid(Invalid::new("text", e)))?;
    let note = caller.tenant.contacts().add_contact_note(id, Actor::Token(caller.token), &text).await?;
    Ok((StatusCode::CREATED, Json(note_dto(caller.tenant.contacts().contact_note(id, note).await?))))
}

/// The note to change, if this token may change it (the notes it wrote; an admin's or owner's token, anyone's). An
/// unknown note is 404 before permission is weighed, as on the contact page.
async fn changeable_note(caller: &ApiCaller, id: ContactId, note: NoteId) -> Result<(), ApiError> {
    caller.require(Action::ManageContacts)?;
    let n = caller.tenant.contacts().contact_note(id, note).await?;
    if can_change_note(caller.role, n.author == Some(Actor::Token(caller.token))) {
        Ok(())
    } else {
        Err(ApiError(AppError::forbidden()))
    }
}

#[utoipa::path(patch, path = "/api/v1/contacts/{id}/notes/{note}", tag = "contacts",
    params(("id" = String, Path), ("note" = String, Path)), request_body = NoteInput,
    responses((status = 200, body = NoteDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn edit_note(
    caller: ApiCaller,
    Path((id, note)): Path<(String, String)>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Result<Json<NoteDto>, ApiError> {
    let note = found(&note)?;
    let id = found(&id)?;
    changeable_note(&caller, id, note).await?;
    let text = parse_note(&input.text).map_err(|e| invalid(Invalid::new("text", e)))?;
    caller.tenant.contacts().edit_contact_note(id, note, &text).await?;
    Ok(Json(note_dto(caller.tenant.contacts().contact_note(id, note).await?)))
}

#[utoipa::path(delete, path = "/api/v1/contacts/{id}/notes/{note}", tag = "contacts",
    params(("id" = String, Path), ("note" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete_note(caller: ApiCaller, Path((id, note)): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    let note = found(&note)?;
    let id = found(&id)?;
    changeable_note(&caller, id, note).await?;
    caller.tenant.contacts().delete_contact_note(id, note).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! Contacts: the searchable list (with CSV export), one contact with everything known about them, edits, tags,
//! consent by staff, staff notes (`notes`), GDPR export and erasure, and the account's custom fields.
mod fields;
mod list_query;
pub(crate) mod notes;
mod privacy;

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_domain::contacts::{FieldDef, Tag, parse_email, parse_phone, parse_text};
use maitre_domain::{AccountId, Action, ContactId};
use maitre_store::{Contact, ContactEdit, Cursor};
use serde::Deserialize;

use super::reservations::{Row as ReservationRow, account_tz, cell, row as reservation_row};
use super::times::format_day;
use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::{CsrfForm, NoFields};
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;
use list_query::{Filters, filters};

const PAGE_SIZE: i64 = 50;
/// The export reads the filtered list in pages of this size.
const EXPORT_PAGE: i64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/contacts", get(list_page))
        .route("/a/{account}/contacts.csv", get(export))
        .route("/a/{account}/contacts/fields", get(fields::fields_page).post(fields::define_field))
        .route("/a/{account}/contacts/fields/{key}/delete", post(fields::delete_field))
        .route("/a/{account}/contacts/erasures", get(privacy::erasures_page))
        .route("/a/{account}/contacts/{id}", get(contact_page).post(update))
        .route("/a/{account}/contacts/{id}/tags", post(add_tag))
        .route("/a/{account}/contacts/{id}/tags/{tag}/remove", post(remove_tag))
        .route("/a/{account}/contacts/{id}/consent", post(consent))
        .route("/a/{account}/contacts/{id}/export.json", get(privacy::gdpr_export))
        .route("/a/{account}/contacts/{id}/erase", get(privacy::erase_page).post(privacy::erase))
        .merge(notes::routes())
}

/// A contact as lists show it.
struct ContactRow {
    id: String,
    name: String,
    phone: String,
    email: String,
    platform: String,
    external_id: String,
    tags: String,
    opted_out: bool,
}

fn contact_row(c: Contact) -> ContactRow {
    ContactRow {
        phone: c.phone_key(),
        tags: c.tags.join(", "),
        opted_out: c.opted_out_at.is_some(),
        id: c.id.to_string(),
        name: c.name,
        email: c.email,
        platform: c.platform.as_str().to_owned(),
        external_id: c.external_id,
    }
}

#[derive(Template)]
#[template(path = "contacts/list.html")]
struct ListPage {
    ctx: Ctx,
    account: AccountId,
    q: String,
    tag: String,
    /// The days whose new contacts are listed, in words, and the list without them.
    added: Option<(String, String)>,
    from: String,
    to: String,
    event: String,
    /// (chosen, id, name) of each segment, for the filter.
    segments: Vec<(bool, String, String)>,
    narrowed: bool,
    rows: Vec<ContactRow>,
    later: Option<String>,
    export: String,
    can_import: bool,
    can_define: bool,
    can_erase: bool,
    can_broadcast: bool,
}

async fn list_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    params: Result<Query<Filters>, QueryRejection>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewContacts)?;
    let f = filters(params)?;
    let rules = f.segment_rules(&m).await?;
    let page = m.tenant.contacts().list(&f.query(&m, PAGE_SIZE, rules.as_ref())?).await?;
    let later = page.next.map(|c: Cursor| {
        serde_urlencoded::to_string(Filters { after: c.to_string(), ..f.clone() }).unwrap_or_default()
    });
    let tr = Tr::new(m.signed.user.locale);
    let added = f.happened(&m)?.map(|(event, p)| {
        let (first, last) = (format_day(p.first, tr.locale), format_day(p.last, tr.locale));
        let all =
            Filters { from: String::new(), to: String::new(), event: String::new(), after: String::new(), ..f.clone() };
        let all = format!("/a/{}/contacts?{}", m.account.id, serde_urlencoded::to_string(all).unwrap_or_default());
        let said = format!("contacts-{}", event.as_str().replace('_', "-"));
        (tr.tn(&said, &[("first", &first), ("last", &last)]), all)
    });
    render(&ListPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        narrowed: !f.q.trim().is_empty() || !f.tag.trim().is_empty() || !f.segment.is_empty() || added.is_some(),
        segments: m
            .tenant
            .segments()
            .list()
            .await?
            .into_iter()
            .map(|s| (s.id.to_string() == f.segment, s.id.to_string(), s.name))
            .collect(),
        added,
        from: f.from.clone(),
        to: f.to.clone(),
        event: f.event.clone(),
        export: serde_urlencoded::to_string(Filters { after: String::new(), ..f.clone() }).unwrap_or_default(),
        q: f.q,
        tag: f.tag,
        rows: page.items.into_iter().map(contact_row).collect(),
        later,
        can_import: m.may(Action::ImportContacts),
        can_define: m.may(Action::DefineContactFields),
        can_erase: m.may(Action::EraseContact),
        can_broadcast: m.may(Action::SendBroadcasts),
    })
}

/// The whole filtered list (every page). Column names match what the import recognises, so an export can be
/// imported again; phone numbers are not escaped (`+49…` is how the import reads them).
async fn export(m: Member, params: Result<Query<Filters>, QueryRejection>) -> Result<Response, PageError> {
    m.require(Action::ViewContacts)?;
    let mut f = filters(params)?;
    f.after.clear();
    let rules = f.segment_rules(&m).await?;
    let fields = m.tenant.contacts().contact_fields().await?;
    let mut out = csv::Writer::from_writer(vec![]);
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    let mut header = vec!["name", "phone", "email", "tags", "platform", "external_id", "opted_out", "created_at"];
    header.extend(fields.iter().map(|f| f.key.as_str()));
    out.write_record(&header).map_err(csv_err)?;
    loop {
        let page = m.tenant.contacts().list(&f.query(&m, EXPORT_PAGE, rules.as_ref())?).await?;
        for c in &page.items {
            let mut record = vec![
                cell(&c.name),
                c.phone_key(),
                cell(&c.email),
                cell(&c.tags.join(", ")),
                c.platform.as_str().to_owned(),
                cell(&c.external_id),
                c.opted_out_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                c.created_at.to_rfc3339(),
            ];
            record.extend(fields.iter().map(|d| {
                cell(c.fields.iter().find(|(k, _)| *k == d.key).map(|(_, v)| v.as_str()).unwrap_or_default())
            }));
            out.write_record(&record).map_err(csv_err)?;
        }
        match page.next {
            Some(next) => f.after = next.to_string(),
            None => break,
        }
    }
    super::csv_download(out, "contacts.csv")
}

/// A custom field on the contact page: its definition and the value shown or edited.
struct FieldView {
    key: String,
    label: String,
    kind: &'static str,
    choices: Vec<String>,
    value: String,
}

struct ConversationView {
    id: String,
    platform: String,
    channel: String,
    status: String,
    mode: String,
    last: String,
    messages: i64,
}

struct ConsentView {
    state: String,
    source: String,
    detail: String,
    at: String,
}

#[derive(Template)]
#[template(path = "contacts/show.html")]
struct ContactPage {
    ctx: Ctx,
    account: AccountId,
    c: ContactRow,
    created: String,
    fields: Vec<FieldView>,
    tags: Vec<String>,
    same_person: Vec<ContactRow>,
    conversations: Vec<ConversationView>,
    reservations: Vec<ReservationRow>,
    consents: Vec<ConsentView>,
    notes: Vec<notes::NoteView>,
    error: Option<String>,
    can_manage: bool,
    can_erase: bool,
}

/// The edit form; custom fields come as `field.<key>`.
#[derive(Deserialize)]
struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

async fn contact_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    id: ContactId,
    form: Option<&ContactForm>,
) -> Result<ContactPage, AppError> {
    let t = m.tenant.contacts();
    let contact = t.contact(id).await?;
    let tr = Tr::new(m.signed.user.locale);
    let times = super::Times::of(m);
    let tz = account_tz(m);
    let fields = t
        .contact_fields()
        .await?
        .into_iter()
        .map(|d| FieldView {
            value: match form {
                Some(f) => f.rest.get(&format!("field.{}", d.key)).cloned().unwrap_or_default(),
                None => contact.fields.iter().find(|(k, _)| *k == d.key).map(|(_, v)| v.clone()).unwrap_or_default(),
            },
            kind: d.kind.as_str(),
            key: d.key,
            label: d.label,
            choices: d.choices,
        })
        .collect();
    let conversations = t
        .contact_conversations(id)
        .await?
        .into_iter()
        .map(|v| ConversationView {
            id: v.id.to_string(),
            platform: v.platform.as_str().to_owned(),
            channel: v.channel_name,
            status: v.status.to_string(),
            mode: v.mode.to_string(),
            last: times.at(v.last_message_at),
            messages: v.messages,
        })
        .collect();
    let consents = t
        .consents(id)
        .await?
        .into_iter()
        .map(|k| ConsentView {
            state: tr.t(&format!("contacts-consent-{}", k.state)),
            source: k.source,
            detail: k.detail,
            at: times.at(k.at),
        })
        .collect();
    let notes = t.contact_notes(id).await?.into_iter().map(|n| notes::note_view(&tr, times, m, n)).collect();
    let same_person = t.same_person(&contact).await?.into_iter().map(contact_row).collect();
    let reservations = t.contact_reservations(id).await?.into_iter().map(|r| reservation_row(&tr, tz, r)).collect();
    let created = times.at(contact.created_at);
    let tags = contact.tags.clone();
    let mut c = contact_row(contact);
    if let Some(f) = form {
        (c.name, c.phone, c.email) = (f.name.clone(), f.phone.clone(), f.email.clone());
    }
    Ok(ContactPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        c,
        created,
        fields,
        tags,
        same_person,
        conversations,
        reservations,
        consents,
        notes,
        error: None,
        can_manage: m.may(Action::ManageContacts),
        can_erase: m.may(Action::EraseContact),
    })
}

async fn contact_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewContacts)?;
    render(&contact_view(&state, env, &m, found(&id)?, None).await?)
}

/// A field-level problem with a contact's values: the input (`email`, `fields.seating`, …) and why.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub field: String,
    pub reason: String,
    cause: maitre_domain::contacts::ContactError,
}

impl Invalid {
    pub(crate) fn new(field: &str, e: maitre_domain::contacts::ContactError) -> Self {
        Invalid { field: field.to_owned(), reason: e.to_string(), cause: e }
    }

    /// The reason in the member's language where the page knows the words (the API answers in English).
    fn worded(&self, tr: &Tr) -> String {
        use maitre_domain::contacts::ContactError;
        match &self.cause {
            ContactError::Phone(v) => tr.t1("contacts-error-phone", "value", v),
            ContactError::Email(v) => tr.t1("contacts-error-email", "value", v),
            _ => self.reason.clone(),
        }
    }
}

/// Checks a contact's values: name, phone (a national number in the business's `country`) and email (empty means
/// none), raw values of the given custom fields (empty clears one) and, if given, the full tag set. The first
/// problem is the answer.
pub(crate) fn check_edit(
    name: &str,
    phone: &str,
    email: &str,
    fields: &[(&FieldDef, &str)],
    tags: Option<&[String]>,
    country: &str,
) -> Result<ContactEdit, Invalid> {
    let opt = |field: &str, v: &str, parse: &dyn Fn(&str) -> Result<String, _>| match v.trim() {
        "" => Ok(String::new()),
        v => parse(v).map_err(|e| Invalid::new(field, e)),
    };
    let fields = fields
        .iter()
        .map(|(d, raw)| Ok((d.key.clone(), d.parse(raw).map_err(|e| Invalid::new(&format!("fields.{}", d.key), e))?)))
        .collect::<Result<_, Invalid>>()?;
    let tags = match tags {
        None => None,
        Some(list) => {
            let mut out: Vec<Tag> = Vec::new();
            for t in list {
                let tag = Tag::parse(t).map_err(|e| Invalid::new("tags", e))?;
                if !out.contains(&tag) {
                    out.push(tag);
                }
            }
            Some(out)
        }
    };
    Ok(ContactEdit {
        name: parse_text("the name", name, 120).map_err(|e| Invalid::new("name", e))?,
        phone: opt("phone", phone, &|v| parse_phone(v, Some(country)))?,
        email: opt("email", email, &parse_email)?,
        fields,
        tags,
    })
}

/// Checks the form against the account's field definitions (a field left out of the form is cleared).
fn edit_of(form: &ContactForm, defs: &[FieldDef], country: &str) -> Result<ContactEdit, Invalid> {
    let raw: Vec<(&FieldDef, &str)> =
        defs.iter().map(|d| (d, form.rest.get(&format!("field.{}", d.key)).map_or("", String::as_str))).collect();
    check_edit(&form.name, &form.phone, &form.email, &raw, None, country)
}

fn back_to(state: &AppState, m: &Member, id: ContactId, key: &str) -> Response {
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(state, &tr.t(key)));
    (jar, Redirect::to(&format!("/a/{}/contacts/{id}", m.account.id))).into_response()
}

async fn update(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let id = found(&id)?;
    let defs = m.tenant.contacts().contact_fields().await?;
    match edit_of(&form, &defs, &m.account.settings.country) {
        Ok(edit) => {
            m.tenant.contacts().update_contact(id, &edit).await?;
            Ok(back_to(&state, &m, id, "flash-saved"))
        }
        Err(invalid) => {
            let mut page = contact_view(&state, env, &m, id, Some(&form)).await?;
            page.error = Some(invalid.worded(&Tr::new(m.signed.user.locale)));
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

#[derive(Deserialize)]
struct TagForm {
    tag: String,
}

async fn add_tag(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TagForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let id = found(&id)?;
    let tag = Tag::parse(&form.tag).map_err(|e| AppError::Validation(e.to_string()))?;
    m.tenant.contacts().add_contact_tag(id, &tag).await?;
    Ok(back_to(&state, &m, id, "flash-saved"))
}

async fn remove_tag(
    State(state): State<AppState>,
    m: Member,
    Path((_, id, tag)): Path<(String, String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let id = found(&id)?;
    m.tenant.contacts().remove_contact_tag(id, &tag).await?;
    Ok(back_to(&state, &m, id, "flash-saved"))
}

#[derive(Deserialize)]
struct ConsentForm {
    /// `opted_in` or `opted_out`.
    state: String,
}

async fn consent(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<ConsentForm>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let id = found(&id)?;
    let opted_in = match form.state.as_str() {
        "opted_in" => true,
        "opted_out" => false,
        other => return Err(AppError::Validation(format!("unknown consent state {other:?}")).into()),
    };
    m.tenant.contacts().set_contact_consent(id, opted_in, &m.signed.user.email).await?;
    Ok(back_to(&state, &m, id, "flash-saved"))
}

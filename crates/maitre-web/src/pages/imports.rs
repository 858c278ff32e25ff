//! Contact import from a CSV file in three steps: upload (into one of the account's channels), map the columns
//! (with the first rows shown), then the import runs as a job while its page shows progress, and finally the
//! counts and every rejected row with its line number and reason. With JavaScript, `imports.js` polls the
//! `progress` JSON once a second and swaps in the report when the job ends; without it, the page refreshes.
//!
//! A contact is a channel identity, so an import targets one channel: for WhatsApp the phone number is the
//! identity (a guest who writes later is recognised as the same contact); for other platforms the file needs
//! the guest's platform id in an `external_id` column.
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use maitre_domain::contacts::import::{RowProblem, Target, check_mapping, read_csv};
use maitre_domain::{AccountId, Action, ChannelId, Platform};
use maitre_store::{Channel, ContactImport};
use serde::Serialize;

use super::url::filters;
use super::{Ctx, PageEnv, Times, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::csrf::{self, CsrfForm};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

/// Largest file accepted (about 200,000 typical rows).
const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Rows shown on the mapping step.
const PREVIEW_ROWS: usize = 5;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/a/{account}/contacts/import",
            get(upload_page).post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 64 * 1024)),
        )
        .route("/a/{account}/contacts/imports/{id}", get(import_page).post(start))
        .route("/a/{account}/contacts/imports/{id}/progress", get(progress))
        .route("/static/imports.js", get(js))
}

async fn js() -> impl IntoResponse {
    super::script(include_str!("../../static/imports.js"))
}

fn running(i: &ContactImport) -> bool {
    matches!(i.status.as_str(), "queued" | "running")
}

/// What the status shows: while every row is staged and the job still runs, it is publishing them.
fn status_label(tr: &Tr, i: &ContactImport) -> String {
    if i.status == "running" && i.total_rows > 0 && i.processed_rows >= i.total_rows {
        tr.t("import-publishing")
    } else {
        tr.t(&format!("import-status-{}", i.status))
    }
}

/// "1,000 of 5,000 rows".
fn count_label(tr: &Tr, i: &ContactImport) -> String {
    tr.tn("import-progress", &[("processed", &i.processed_rows.to_string()), ("total", &i.total_rows.to_string())])
}

/// The live state of an import, polled by the status page.
#[derive(Serialize)]
struct Progress {
    /// uploaded, queued, running, done or failed.
    status: String,
    label: String,
    total: i64,
    processed: i64,
    count: String,
    /// Done or failed: the page shows the report now.
    finished: bool,
}

async fn progress(m: Member, Path((_, id)): Path<(String, String)>) -> Result<Json<Progress>, PageError> {
    m.require(Action::ImportContacts)?;
    let i = m.tenant.contacts().contact_import(&id).await?;
    let tr = Tr::new(m.signed.user.locale);
    Ok(Json(Progress {
        label: status_label(&tr, &i),
        count: count_label(&tr, &i),
        finished: matches!(i.status.as_str(), "done" | "failed"),
        total: i.total_rows,
        processed: i.processed_rows,
        status: i.status,
    }))
}

struct ImportView {
    id: String,
    file_name: String,
    status: String,
    created: String,
    imported: i64,
    rejected: i64,
}

fn import_view(i: ContactImport, times: Times) -> ImportView {
    ImportView {
        id: i.id,
        file_name: i.file_name,
        status: i.status,
        created: times.at(i.created_at),
        imported: i.imported,
        rejected: i.rejected,
    }
}

#[derive(Template)]
#[template(path = "contacts/import.html")]
struct UploadPage {
    ctx: Ctx,
    account: AccountId,
    channels: Vec<Channel>,
    imports: Vec<ImportView>,
    error: Option<String>,
}

async fn upload_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    error: Option<String>,
) -> Result<UploadPage, AppError> {
    let times = Times::of(m);
    Ok(UploadPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        channels: m.tenant.channels().list().await?,
        imports: m.tenant.contacts().contact_imports().await?.into_iter().map(|i| import_view(i, times)).collect(),
        error,
    })
}

async fn upload_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ImportContacts)?;
    render(&upload_view(&state, env, &m, None).await?)
}

/// The multipart form's parts: `_csrf`, `channel`, `file`.
async fn read_upload(mut form: Multipart) -> Result<(Option<String>, String, String, Vec<u8>), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        _ => AppError::BadRequest(e.body_text()),
    };
    let (mut csrf, mut channel, mut name, mut data) = (None, String::new(), String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("_csrf") => csrf = Some(field.text().await.map_err(bad)?),
            Some("channel") => channel = field.text().await.map_err(bad)?,
            Some("file") => {
                name = field.file_name().unwrap_or("contacts.csv").to_owned();
                data = field.bytes().await.map_err(bad)?.to_vec();
            }
            _ => {}
        }
    }
    Ok((csrf, channel, name, data))
}

async fn upload(
    State(state): State<AppState>,
    env: PageEnv,
    jar: CookieJar,
    m: Member,
    form: Multipart,
) -> Result<Response, PageError> {
    let (sent, channel, name, data) = read_upload(form).await?;
    csrf::verify(&state, &jar, sent.as_deref())?;
    m.require(Action::ImportContacts)?;
    let tr = Tr::new(m.signed.user.locale);
    let channel: ChannelId = channel.parse().map_err(|_| AppError::Validation(tr.t("import-choose-channel")))?;
    let checked = match std::str::from_utf8(&data) {
        Ok(_) if data.is_empty() => Err(tr.t("import-choose-file")),
        Ok(text) => {
            read_csv(text.as_bytes()).map(|_| text).map_err(|e| tr.t1("import-unreadable", "reason", &e.to_string()))
        }
        Err(_) => Err(tr.t("import-not-utf8")),
    };
    match checked {
        Ok(text) => {
            let id = m.tenant.contacts().create_import(channel, &name, text, &m.signed.user.id.to_string()).await?;
            Ok(Redirect::to(&format!("/a/{}/contacts/imports/{id}", m.account.id)).into_response())
        }
        Err(e) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&upload_view(&state, env, &m, Some(e)).await?)?)
                .into_response())
        }
    }
}

/// One column on the mapping step: its header and the target choices (value, label, preselected).
struct ColumnView {
    index: usize,
    header: String,
    options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "contacts/mapping.html")]
struct MappingPage {
    ctx: Ctx,
    account: AccountId,
    id: String,
    file_name: String,
    rows: usize,
    identity_hint: String,
    columns: Vec<ColumnView>,
    /// The first rows, cell by cell.
    preview: Vec<Vec<String>>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "contacts/import_status.html")]
struct StatusPage {
    ctx: Ctx,
    account: AccountId,
    run: ImportView,
    status_label: String,
    running: bool,
    count: String,
    total: i64,
    processed: i64,
    updated: i64,
    error: String,
    report: Vec<(u64, String)>,
    more_rejected: i64,
}

async fn mapping_view(
    state: &AppState,
    env: PageEnv,
    m: &Member,
    import: ContactImport,
    error: Option<String>,
) -> Result<MappingPage, AppError> {
    let (data, _) = m.tenant.contacts().import_source(&import.id).await?;
    let table = read_csv(data.as_bytes()).map_err(|e| AppError::Validation(e.to_string()))?;
    let fields = m.tenant.contacts().contact_fields().await?;
    let channel = m.tenant.channels().channel(import.channel_id.parse().map_err(|_| AppError::NotFound)?).await?;
    let ctx = Ctx::member(env, state, m).await?;
    let mut targets = vec![Target::Ignore, Target::Name, Target::Phone, Target::Email, Target::Tags];
    if channel.platform != Platform::WhatsApp {
        targets.push(Target::ExternalId);
    }
    targets.extend(fields.iter().map(|f| Target::Field(f.key.clone())));
    let label = |t: &Target| match t {
        Target::Field(key) => fields.iter().find(|f| &f.key == key).map_or(key.clone(), |f| f.label.clone()),
        other => ctx.tr.t(&format!("import-target-{other}")),
    };
    let columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let guess = Target::guess(header, &fields);
            ColumnView {
                index,
                header: header.clone(),
                options: targets.iter().map(|t| (t.to_string(), label(t), *t == guess)).collect(),
            }
        })
        .collect();
    let hint =
        if channel.platform == Platform::WhatsApp { "import-identity-phone" } else { "import-identity-external" };
    Ok(MappingPage {
        identity_hint: ctx.tr.t(hint),
        ctx,
        account: m.account.id,
        id: import.id,
        file_name: import.file_name,
        rows: table.rows.len() + table.unreadable.len(),
        columns,
        preview: table.rows.into_iter().take(PREVIEW_ROWS).map(|(_, cells)| cells).collect(),
        error,
    })
}

async fn import_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    m.require(Action::ImportContacts)?;
    let import = m.tenant.contacts().contact_import(&id).await?;
    if import.status == "uploaded" {
        return Ok(render(&mapping_view(&state, env, &m, import, None).await?)?.into_response());
    }
    let more_rejected = import.rejected - import.report.len() as i64;
    let ctx = Ctx::member(env, &state, &m).await?;
    let report = import.report.iter().map(|r| (r.line, problem_text(&ctx.tr, &r.problem))).collect();
    let page = StatusPage {
        status_label: status_label(&ctx.tr, &import),
        count: count_label(&ctx.tr, &import),
        ctx,
        account: m.account.id,
        running: running(&import),
        total: import.total_rows,
        processed: import.processed_rows,
        updated: import.updated,
        error: import.error.clone(),
        report,
        more_rejected,
        run: import_view(import, Times::of(&m)),
    };
    Ok(render(&page)?.into_response())
}

/// The mapping form: `col.<index>` = a target for every column.
async fn start(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    m.require(Action::ImportContacts)?;
    let import = m.tenant.contacts().contact_import(&id).await?;
    if import.status != "uploaded" {
        return Err(AppError::Conflict("This import has already been started.".into()).into());
    }
    let (data, _) = m.tenant.contacts().import_source(&id).await?;
    let width = read_csv(data.as_bytes()).map_err(|e| AppError::Validation(e.to_string()))?.headers.len();
    let mapping: Result<Vec<Target>, _> =
        (0..width).map(|i| form.get(&format!("col.{i}")).map_or("", String::as_str).parse()).collect();
    let fields = m.tenant.contacts().contact_fields().await?;
    let channel = m.tenant.channels().channel(import.channel_id.parse().map_err(|_| AppError::NotFound)?).await?;
    let checked =
        mapping.and_then(|map| check_mapping(&map, &fields, channel.platform == Platform::WhatsApp).map(|_| map));
    match checked {
        Ok(mapping) => {
            let mapping: Vec<String> = mapping.iter().map(Target::to_string).collect();
            m.tenant.contacts().queue_import(&id, &mapping).await?;
            Ok(Redirect::to(&format!("/a/{}/contacts/imports/{id}", m.account.id)).into_response())
        }
        Err(e) => {
            let page = mapping_view(&state, env, &m, import, Some(e.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Why a row was refused, in the member's language. A custom field's or a name's own complaint stays as the check
/// wrote it (in English) after the translated part.
fn problem_text(tr: &Tr, problem: &RowProblem) -> String {
    match problem {
        RowProblem::Unreadable { .. } => tr.t("import-problem-unreadable"),
        RowProblem::Cells { found, expected } => tr.tn(
            "import-problem-cells",
            &[("found", found.to_string().as_str()), ("expected", expected.to_string().as_str())],
        ),
        RowProblem::Duplicate { first_line, by_phone } => {
            let key = if *by_phone { "import-problem-same-phone" } else { "import-problem-same-id" };
            tr.t1(key, "line", &first_line.to_string())
        }
        RowProblem::NoPhone => tr.t("import-problem-no-phone"),
        RowProblem::NoExternalId => tr.t("import-problem-no-id"),
        RowProblem::UnknownField { key } => tr.t1("import-problem-unknown-field", "key", key),
        RowProblem::Phone { value } => tr.t1("import-problem-phone", "value", value),
        RowProblem::Email { value } => tr.t1("import-problem-email", "value", value),
        RowProblem::Field { field, reason } => {
            tr.tn("import-problem-field", &[("field", field.as_str()), ("reason", reason.as_str())])
        }
        RowProblem::Invalid { detail } => detail.clone(),
    }
}

//! Contacts → Segments: saved filters with their live counts. The form shows the count of what it describes
//! before saving ("Count"), a segment's contacts are the contacts list filtered by it, and deleting asks first.
use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maitre_app::segments::{SegmentFailure, save_segment};
use maitre_domain::contacts::Tag;
use maitre_domain::segments::{ConsentRule, FieldRule, SegmentError, SegmentRules};
use maitre_domain::{AccountId, Action, Locale, Platform, SegmentId};
use maitre_store::Segment;

use super::url::filters;
use super::{Ctx, PageEnv, render};
use crate::AppState;
use crate::auth::Member;
use crate::auth::cookies::flash;
use crate::auth::csrf::CsrfForm;
use crate::error::{AppError, PageError, found};
use crate::i18n::Tr;

/// Field conditions the form offers (the API takes up to ten).
const FIELD_ROWS: usize = 3;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/a/{account}/segments", get(list_page).post(create))
        .route("/a/{account}/segments/new", get(new_page))
        .route("/a/{account}/segments/{id}", get(edit_page).post(update))
        .route("/a/{account}/segments/{id}/delete", post(remove))
}

struct Row {
    id: String,
    name: String,
    count: i64,
}

#[derive(Template)]
#[template(path = "contacts/segments.html")]
struct ListPage {
    ctx: Ctx,
    account: AccountId,
    rows: Vec<Row>,
    can_manage: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct FieldRow {
    keys: Vec<Choice>,
    value: String,
}

#[derive(Template)]
#[template(path = "contacts/segment.html")]
struct FormPage {
    ctx: Ctx,
    account: AccountId,
    /// None: a new segment.
    id: Option<String>,
    form: HashMap<String, String>,
    platforms: Vec<Choice>,
    channels: Vec<Choice>,
    consents: Vec<Choice>,
    languages: Vec<Choice>,
    upcoming: Vec<Choice>,
    fields: Vec<FieldRow>,
    /// The live count of what the form describes.
    count: Option<i64>,
    error: Option<String>,
}

async fn list_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ViewContacts)?;
    let mut rows = Vec::new();
    for s in m.tenant.segments().list().await? {
        let count = m.tenant.segments().count(&s.rules).await?;
        rows.push(Row { id: s.id.to_string(), name: s.name, count });
    }
    let page = ListPage {
        ctx: Ctx::member(env, &state, &m).await?,
        account: m.account.id,
        rows,
        can_manage: m.may(Action::ManageContacts),
    };
    Ok(render(&page)?.into_response())
}

fn choices(options: Vec<(String, String)>, chosen: &str) -> Vec<Choice> {
    options.into_iter().map(|(value, label)| Choice { selected: value == chosen, value, label }).collect()
}

/// The form's values of a stored segment (what `rules_of` reads back).
fn form_of(s: &Segment) -> HashMap<String, String> {
    let r = &s.rules;
    let mut f = HashMap::from([("name".to_owned(), s.name.clone())]);
    let tags: Vec<&str> = r.tags.iter().map(Tag::as_str).collect();
    f.insert("tags".into(), tags.join(", "));
    for p in &r.platforms {
        f.insert(format!("p_{}", p.as_str()), "on".into());
    }
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            f.insert(k.into(), v);
        }
    };
    put("channel", r.channel.map(|c| c.to_string()));
    put("consent", r.consent.map(consent_word).map(str::to_owned));
    put("language", r.language.map(|l| l.as_str().to_owned()));
    put("messaged_within_days", r.messaged_within_days.map(|d| d.to_string()));
    put("silent_for_days", r.silent_for_days.map(|d| d.to_string()));
    put("visited_within_days", r.visited_within_days.map(|d| d.to_string()));
    put("away_for_days", r.away_for_days.map(|d| d.to_string()));
    put("upcoming", r.upcoming_booking.map(|u| if u { "yes" } else { "no" }.to_owned()));
    put("min_bookings", r.min_bookings.map(|n| n.to_string()));
    for (i, rule) in r.fields.iter().enumerate() {
        f.insert(format!("field_{i}"), rule.key.clone());
        f.insert(format!("value_{i}"), rule.equals.clone().unwrap_or_default());
    }
    f
}

fn consent_word(c: ConsentRule) -> &'static str {
    match c {
        ConsentRule::OptedIn => "opted_in",
        ConsentRule::NotOptedOut => "not_opted_out",
        ConsentRule::OptedOut => "opted_out",
    }
}

/// A number of days or times from the form; empty is no rule, anything else but a whole number is refused.
fn number(form: &HashMap<String, String>, key: &str, tr: &Tr) -> Result<Option<u32>, String> {
    match form.get(key).map(|v| v.trim()).unwrap_or_default() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| tr.t1("segments-err-number", "value", v)),
    }
}

/// The rules the form describes (unchecked: `SegmentRules::check` decides), or what cannot be read, in words.
fn rules_of(form: &HashMap<String, String>, tr: &Tr) -> Result<SegmentRules, String> {
    let get = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or_default();
    let mut tags = Vec::new();
    for t in get("tags").split(',').map(str::trim).filter(|t| !t.is_empty()) {
        tags.push(Tag::parse(t).map_err(|_| tr.t1("segments-err-tag", "tag", t))?);
    }
    let channel = match get("channel") {
        "" => None,
        c => Some(c.parse().map_err(|_| tr.t("segments-err-channel"))?),
    };
    let fields = (0..FIELD_ROWS)
        .filter(|i| !get(&format!("field_{i}")).is_empty())
        .map(|i| FieldRule {
            key: get(&format!("field_{i}")).to_owned(),
            equals: Some(get(&format!("value_{i}")).to_owned()).filter(|v| !v.is_empty()),
        })
        .collect();
    Ok(SegmentRules {
        tags,
        platforms: Platform::ALL.iter().copied().filter(|p| form.contains_key(&format!("p_{}", p.as_str()))).collect(),
        channel,
        consent: [ConsentRule::OptedIn, ConsentRule::NotOptedOut, ConsentRule::OptedOut]
            .into_iter()
            .find(|c| consent_word(*c) == get("consent")),
        fields,
        language: get("language").parse::<Locale>().ok().filter(|_| !get("language").is_empty()),
        messaged_within_days: number(form, "messaged_within_days", tr)?,
        silent_for_days: number(form, "silent_for_days", tr)?,
        visited_within_days: number(form, "visited_within_days", tr)?,
        away_for_days: number(form, "away_for_days", tr)?,
        upcoming_booking: match get("upcoming") {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
        min_bookings: number(form, "min_bookings", tr)?,
    })
}

/// A refusal of the domain's, in the member's language.
fn refusal(e: &SegmentError, tr: &Tr) -> String {
    match e {
        SegmentError::Name => tr.t("segments-err-name"),
        SegmentError::TooMany(_) => tr.t("segments-err-too-many"),
        SegmentError::OutOfRange(..) => tr.t("segments-err-range"),
        SegmentError::UnknownField(key) => tr.t1("segments-err-field", "field", key),
        SegmentError::FieldValue(value, label) => tr.tn("segments-err-value", &[("value", value), ("field", label)]),
        SegmentError::SilentAndMessaged => tr.t("segments-err-silent"),
        SegmentError::AwayAndVisited => tr.t("segments-err-away"),
    }
}

/// What the form page shows: the segment (None: a new one), the values, its count or why it was refused.
struct Shown {
    id: Option<SegmentId>,
    form: HashMap<String, String>,
    count: Option<i64>,
    error: Option<String>,
    status: axum::http::StatusCode,
}

async fn view(state: &AppState, env: PageEnv, m: &Member, shown: Shown) -> Result<Response, PageError> {
    let tr = Tr::new(m.signed.user.locale);
    let f = &shown.form;
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let any = || (String::new(), tr.t("segments-any"));
    let mut channels = vec![any()];
    for c in m.tenant.channels().list().await? {
        channels.push((c.id.to_string(), format!("{} ({})", c.name, c.platform)));
    }
    let defs = m.tenant.contacts().contact_fields().await?;
    let fields = (0..FIELD_ROWS)
        .map(|i| {
            let keys = std::iter::once((String::new(), tr.t("segments-no-field")))
                .chain(defs.iter().map(|d| (d.key.clone(), d.label.clone())))
                .collect();
            FieldRow { keys: choices(keys, &get(&format!("field_{i}"))), value: get(&format!("value_{i}")) }
        })
        .collect();
    let word = |prefix: &str, w: &str| (w.to_owned(), tr.t(&format!("{prefix}-{w}")));
    let page = FormPage {
        ctx: Ctx::member(env, state, m).await?,
        account: m.account.id,
        id: shown.id.map(|i| i.to_string()),
        platforms: Platform::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().to_owned(),
                label: p.to_string(),
                selected: f.contains_key(&format!("p_{}", p.as_str())),
            })
            .collect(),
        channels: choices(channels, &get("channel")),
        consents: choices(
            std::iter::once(any())
                .chain(["opted_in", "not_opted_out", "opted_out"].map(|w| word("segments-consent", w)))
                .collect(),
            &get("consent"),
        ),
        languages: choices(
            std::iter::once(any())
                .chain(Locale::ALL.map(|l| (l.as_str().to_owned(), tr.t(&format!("language-{}", l.as_str())))))
                .collect(),
            &get("language"),
        ),
        upcoming: choices(
            std::iter::once(any()).chain(["yes", "no"].map(|w| word("segments-upcoming", w))).collect(),
            &get("upcoming"),
        ),
        fields,
        count: shown.count,
        error: shown.error,
        form: shown.form,
    };
    Ok((shown.status, render(&page)?).into_response())
}

fn shown(id: Option<SegmentId>, form: HashMap<String, String>) -> Shown {
    Shown { id, form, count: None, error: None, status: axum::http::StatusCode::OK }
}

async fn new_page(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let mut s = shown(None, HashMap::new());
    s.count = Some(m.tenant.segments().count(&SegmentRules::default()).await?);
    view(&state, env, &m, s).await
}

async fn edit_page(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    m.require(Action::ViewContacts)?;
    let segment = m.tenant.segments().get(found(&id)?).await?;
    let mut s = shown(Some(segment.id), form_of(&segment));
    s.count = Some(m.tenant.segments().count(&segment.rules).await?);
    view(&state, env, &m, s).await
}

async fn create(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    submitted(state, env, m, None, form).await
}

async fn update(
    State(state): State<AppState>,
    env: PageEnv,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let id: SegmentId = found(&id)?;
    m.tenant.segments().get(id).await?;
    submitted(state, env, m, Some(id), form).await
}

/// "Count" shows what the form describes; "Save" stores it. A refusal brings the form back as sent.
async fn submitted(
    state: AppState,
    env: PageEnv,
    m: Member,
    id: Option<SegmentId>,
    form: HashMap<String, String>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    let tr = Tr::new(m.signed.user.locale);
    let defs = m.tenant.contacts().contact_fields().await?;
    let checked = rules_of(&form, &tr).and_then(|r| r.check(&defs).map_err(|e| refusal(&e, &tr)));
    let rules = match checked {
        Ok(rules) => rules,
        Err(error) => {
            let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return view(&state, env, &m, Shown { error: Some(error), status, ..shown(id, form) }).await;
        }
    };
    if form.contains_key("preview") {
        let count = Some(m.tenant.segments().count(&rules).await?);
        return view(&state, env, &m, Shown { count, ..shown(id, form) }).await;
    }
    let name = form.get("name").map(String::as_str).unwrap_or_default();
    let error = match save_segment(&m.tenant, id, name, rules).await {
        Ok(saved) => {
            let jar = CookieJar::new().add(flash(&state, &tr.t("flash-saved")));
            let to = format!("/a/{}/segments/{}", m.account.id, saved.id);
            return Ok((jar, Redirect::to(&to)).into_response());
        }
        Err(SegmentFailure::Store(e)) => return Err(AppError::from(e).into()),
        Err(SegmentFailure::NameTaken) => tr.t("segments-err-taken"),
        Err(SegmentFailure::Invalid(e)) => refusal(&e, &tr),
    };
    let status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    view(&state, env, &m, Shown { error: Some(error), status, ..shown(id, form) }).await
}

async fn remove(
    State(state): State<AppState>,
    m: Member,
    Path((_, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    m.require(Action::ManageContacts)?;
    m.tenant.segments().delete(found(&id)?).await?;
    let tr = Tr::new(m.signed.user.locale);
    let jar = CookieJar::new().add(flash(&state, &tr.t("segments-deleted")));
    Ok((jar, Redirect::to(&format!("/a/{}/segments", m.account.id))).into_response())
}

//! Server-rendered dashboard pages (askama templates in `templates/`, strings from `locales/`).
mod abuse;
mod account;
mod analytics;
mod analytics_flows;
mod analytics_outreach;
pub(crate) mod analytics_query;
pub(crate) mod analytics_reservations;
mod analytics_runs;
mod analytics_team;
mod app_shell;
mod auth;
mod automation;
mod booking;
mod broadcast_view;
mod broadcasts;
mod calendar;
mod canned;
mod channels;
mod charts;
pub(crate) mod contacts;
mod devices;
mod flow_editor;
pub(crate) mod flow_form;
mod flow_graph;
pub(crate) mod flows;
mod guest_texts;
mod home;
mod home_figures;
mod imports;
pub(crate) mod inbox;
mod inbox_items;
mod invites;
mod live;
mod me;
mod notifications;
mod oauth;
mod operations;
mod plan;
pub(crate) mod reservations;
mod segments;
mod signup;
mod team;
mod template_words;
mod templates;
mod times;
mod url;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use maitre_domain::{AccountId, Action, Locale};
use maitre_store::{AccountSummary, User};

pub use times::Times;

use crate::AppState;
use crate::auth::cookies::{Flash, page_cookies};
use crate::auth::csrf::CsrfToken;
use crate::auth::{Member, SignedIn, signed_in};
use crate::error::{AppError, PageError};
use crate::i18n::Tr;

pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .merge(auth::routes())
        .merge(signup::routes())
        .merge(account::routes())
        .merge(home::routes())
        .merge(analytics::routes())
        .merge(analytics_flows::routes())
        .merge(analytics_runs::routes())
        .merge(team::routes())
        .merge(channels::routes())
        .merge(templates::routes())
        .merge(guest_texts::routes())
        .merge(oauth::routes())
        .merge(me::routes())
        .merge(operations::routes())
        .merge(reservations::routes())
        .merge(calendar::routes())
        .merge(booking::routes())
        .merge(inbox::routes())
        .merge(canned::routes())
        .merge(flows::routes())
        .merge(automation::routes())
        .merge(contacts::routes())
        .merge(segments::routes())
        .merge(broadcasts::routes())
        .merge(imports::routes())
        .merge(invites::routes())
        .merge(live::routes())
        .merge(notifications::routes())
        .merge(devices::routes())
        // Pages only: the API and webhooks carry no cookies of ours.
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), page_cookies))
        .route("/static/app.css", get(css))
        .route("/static/calendar.css", get(calendar::css))
        .route("/static/inbox.js", get(inbox::js))
        .route("/static/live.js", get(live::js))
        .route("/static/flows.js", get(flow_editor::js))
        .merge(app_shell::routes())
}

/// What every page's layout needs.
pub struct Ctx {
    pub tr: Tr,
    pub csrf: String,
    pub flash: Option<String>,
    pub user: Option<User>,
    pub accounts: Vec<AccountSummary>,
    pub current: Option<Current>,
}

/// The account being viewed and which navigation entries the member's role opens.
pub struct Current {
    pub id: AccountId,
    pub name: String,
    pub role: String,
    pub settings: bool,
    pub team: bool,
    pub tokens: bool,
    pub channels: bool,
    pub operations: bool,
    pub reservations: bool,
    pub booking: bool,
    pub inbox: bool,
    pub flows: bool,
    pub automation: bool,
    pub contacts: bool,
    pub analytics: bool,
    /// An agent's own figures, where others have the business's.
    pub own_activity: bool,
    /// The bell's unread count as shown: empty for none, "99+" beyond the cap.
    pub unread: String,
}

/// Request facts that need no database: CSRF token, flash message, browser language.
pub struct PageEnv {
    csrf: String,
    flash: Option<String>,
    browser_locale: Locale,
}

impl<S: Send + Sync> FromRequestParts<S> for PageEnv {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let browser_locale = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(Locale::from_accept_language)
            .unwrap_or_default();
        Ok(PageEnv {
            csrf: parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default(),
            flash: parts.extensions.get::<Flash>().and_then(|f| f.0.clone()),
            browser_locale,
        })
    }
}

impl Ctx {
    /// The id of the account being viewed, for form actions (empty outside an account).
    pub fn current_id(&self) -> String {
        self.current.as_ref().map(|c| c.id.to_string()).unwrap_or_default()
    }

    pub fn anonymous(env: PageEnv) -> Self {
        Ctx {
            tr: Tr::new(env.browser_locale),
            csrf: env.csrf,
            flash: env.flash,
            user: None,
            accounts: vec![],
            current: None,
        }
    }

    pub async fn signed(env: PageEnv, state: &AppState, signed: &SignedIn) -> Result<Self, AppError> {
        Ok(Ctx {
            tr: Tr::new(signed.user.locale),
            csrf: env.csrf,
            flash: env.flash,
            user: Some(signed.user.clone()),
            accounts: state.store.accounts_of(signed.user.id).await?,
            current: None,
        })
    }

    pub async fn member(env: PageEnv, state: &AppState, m: &Member) -> Result<Self, AppError> {
        let mut ctx = Self::signed(env, state, &m.signed).await?;
        ctx.current = Some(Current {
            id: m.account.id,
            name: m.account.settings.name.clone(),
            role: ctx.tr.t(&format!("role-{}", m.role)),
            settings: m.may(Action::EditAccountSettings),
            team: m.may(Action::ViewTeam),
            tokens: m.may(Action::ManageApiTokens),
            operations: m.may(Action::ViewOperations),
            channels: m.may(Action::ManageChannels),
            reservations: m.may(Action::ViewReservations),
            booking: m.may(Action::ManageBookingSettings),
            inbox: m.may(Action::ViewInbox),
            flows: m.may(Action::ViewFlows),
            automation: m.may(Action::ManageAutomation),
            contacts: m.may(Action::ViewContacts),
            analytics: m.may(Action::ViewAnalytics),
            own_activity: !m.may(Action::ViewAnalytics) && m.may(Action::ViewOwnActivity),
            unread: notifications::unread_label(m.tenant.notifications().unread_notifications(m.signed.user.id).await?),
        });
        Ok(ctx)
    }
}

/// One `<option>` of a `<select>`, prepared in Rust so templates stay free of comparisons.
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

/// Options labelled by `<prefix>-<value>` translations.
pub fn choices(tr: &Tr, prefix: &str, values: impl IntoIterator<Item = &'static str>, selected: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| Choice { value, label: tr.t(&format!("{prefix}-{value}")), selected: value == selected })
        .collect()
}

/// The first value of `name` in a form read as pairs (forms with repeated fields are read that way).
pub fn form_field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Renders a template or turns a rendering failure into a logged 500.
/// A finished CSV as a download named `filename`.
pub(crate) fn csv_download(out: csv::Writer<Vec<u8>>, filename: &str) -> Result<Response, PageError> {
    let body = out.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

pub fn render(t: &impl Template) -> Result<Html<String>, PageError> {
    t.render().map(Html).map_err(|e| PageError(AppError::Internal(anyhow::anyhow!("template: {e}"))))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

pub fn error_page(status: StatusCode, message: &str) -> Html<String> {
    Html(ErrorPage { status: status.as_u16(), message }.render().unwrap_or_else(|_| message.to_owned()))
}

pub async fn not_found(req: axum::extract::Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        crate::error::ApiError(AppError::NotFound).into_response()
    } else {
        PageError(AppError::NotFound).into_response()
    }
}

/// `/`: the dashboard of the first account when signed in, the sign-up page otherwise.
async fn root(State(state): State<AppState>, parts: Parts) -> Result<Response, PageError> {
    let Some(signed) = signed_in(&parts, &state).await? else {
        return Ok(Redirect::to("/signup").into_response());
    };
    let accounts = state.store.accounts_of(signed.user.id).await?;
    Ok(match accounts.first() {
        Some(a) => Redirect::to(&format!("/a/{}", a.id)).into_response(),
        None => Redirect::to("/accounts/new").into_response(),
    })
}

/// One of the dashboard's own small scripts, cached for an hour like the stylesheet.
pub(crate) fn script(body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

#[cfg(test)]
mod tests {
    /// Every colour is a variable (dark mode overrides them): each one used must be defined, light and dark, and a
    /// `var(…)` must stand alone (`var(--card)be8` is not a colour, and the browser drops the whole rule).
    #[test]
    fn the_stylesheet_uses_only_defined_variables_standing_alone() {
        let css = include_str!("../../static/app.css");
        let dark = &css[css.find("prefers-color-scheme: dark").expect("a dark scheme")..];
        let mut rest = css;
        while let Some(at) = rest.find("var(--") {
            let tail = &rest[at + 4..];
            let end = tail.find(')').expect("var( closes");
            let name = &tail[..end];
            assert!(css.contains(&format!("{name}:")), "{name} is used but never defined");
            assert!(dark.contains(&format!("{name}:")), "{name} has no dark value");
            let next = tail[end + 1..].chars().next().unwrap_or(';');
            assert!(!next.is_ascii_alphanumeric(), "var({name}) runs into {next:?}");
            rest = &tail[end..];
        }
    }
}

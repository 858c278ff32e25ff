//! A business's home: until it is set up, the steps left; then what waits for the team right now, each with the
//! list it is in.
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use maitre_domain::Action;
use maitre_domain::setup::SetupStep;
use maitre_store::{ChannelAlert, Overview};

use super::url::filters;
use super::{Ctx, PageEnv, Times, render};
use crate::AppState;
use crate::auth::Member;
use crate::error::PageError;
use crate::i18n::Tr;

pub fn routes() -> Router<AppState> {
    Router::new().route("/a/{account}", get(home))
}

#[derive(Template)]
#[template(path = "account/home.html")]
struct HomePage {
    ctx: Ctx,
    time_zone: String,
    /// Channels whose last check found they need the team, worded.
    channel_alerts: Vec<String>,
    /// The member may open the Channels page to fix them.
    manage_channels: bool,
    /// The setup steps while any is left, and "n of m done".
    checklist: Vec<StepView>,
    progress: String,
    /// What waits for the team, worded with its count; empty when nothing does.
    needs: Vec<Link>,
    /// Today's and this week's figures.
    figures: Vec<super::home_figures::FigureRow>,
}

struct StepView {
    key: &'static str,
    label: String,
    done: bool,
    /// Where the step is taken, when the member may go there.
    href: Option<String>,
}

struct Link {
    id: &'static str,
    label: String,
    href: String,
}

async fn home(State(state): State<AppState>, env: PageEnv, m: Member) -> Result<impl IntoResponse, PageError> {
    m.require(Action::ViewAccount)?;
    let tr = Tr::new(m.signed.user.locale);
    let overview = m.tenant.overview().await?;
    let channel_alerts = channel_alerts(&m, &tr).await?;
    let (done, all) = overview.setup.progress();
    let checklist = if overview.setup.complete() { Vec::new() } else { checklist(&m, &tr, &overview) };
    render(&HomePage {
        ctx: Ctx::member(env, &state, &m).await?,
        time_zone: m.account.settings.time_zone.clone(),
        channel_alerts,
        manage_channels: m.may(Action::ManageChannels),
        checklist,
        progress: tr.tn("home-setup-progress", &[("done", &done.to_string()), ("all", &all.to_string())]),
        needs: needs(&m, &tr, &overview),
        figures: super::home_figures::figures(&m, &tr, state.store.clock().now()).await?,
    })
}

async fn channel_alerts(m: &Member, tr: &Tr) -> Result<Vec<String>, PageError> {
    let times = Times::of(m);
    let channels = m.tenant.channels().list().await?;
    Ok(channels
        .into_iter()
        .filter_map(|c| {
            let key = match c.alert {
                ChannelAlert::Fine => return None,
                ChannelAlert::Expiring => "home-channel-expiring",
                ChannelAlert::Reconnect => "home-channel-reconnect",
            };
            let expiry = c.token_expires_at.map(|t| times.at(t)).unwrap_or_default();
            Some(tr.tn(key, &[("name", &c.name), ("platform", c.platform.as_str()), ("expiry", &expiry)]))
        })
        .collect())
}

fn checklist(m: &Member, tr: &Tr, overview: &Overview) -> Vec<StepView> {
    let base = format!("/a/{}", m.account.id);
    SetupStep::ALL
        .iter()
        .map(|&step| {
            let (page, allowed) = match step {
                SetupStep::Hours => ("booking", m.may(Action::ManageBookingSettings)),
                SetupStep::Channel => ("channels", m.may(Action::ManageChannels)),
                SetupStep::Flow => ("flows", m.may(Action::ViewFlows)),
                SetupStep::FirstMessage => ("inbox", m.may(Action::ViewInbox)),
                SetupStep::Team => ("team", m.may(Action::ViewTeam)),
            };
            StepView {
                key: step.as_str(),
                label: tr.t(&format!("home-step-{}", step.as_str())),
                done: overview.setup.done(step),
                href: allowed.then(|| format!("{base}/{page}")),
            }
        })
        .collect()
}

/// The counts that ask for the team, each linking to the list that holds them (for members who may see it).
fn needs(m: &Member, tr: &Tr, overview: &Overview) -> Vec<Link> {
    let base = format!("/a/{}", m.account.id);
    let failed_list = if m.may(Action::ViewOperations) { "operations" } else { "inbox" };
    [
        ("waiting", overview.waiting, m.may(Action::ViewInbox), format!("{base}/inbox?filter=needs_reply")),
        ("failed", overview.failed_sends, m.may(Action::ViewInbox), format!("{base}/{failed_list}")),
        (
            "confirm",
            overview.to_confirm,
            m.may(Action::ViewReservations),
            format!("{base}/reservations?status=pending"),
        ),
    ]
    .into_iter()
    .filter(|(_, count, allowed, _)| *count > 0 && *allowed)
    .map(|(id, count, _, href)| Link {
        id,
        label: tr.tn(&format!("home-needs-{id}"), &[("count", &count.to_string())]),
        href,
    })
    .collect()
}

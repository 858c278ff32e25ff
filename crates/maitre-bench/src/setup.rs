//! The businesses a run talks to: one owner, N accounts, each with an Instagram and a WhatsApp channel, and the
//! automation the scenario needs. Created through the store and the app (the same code `maitre admin
//! create-account` and `connect-channel` run), in-process: 10,000 accounts through the CLI would be 20,000
//! process starts.
use std::sync::Arc;

use maitre_app::{App, Grant, Platform, flows};
use maitre_config::Settings;
use maitre_domain::booking::{Interval, RulesError, Week};
use maitre_domain::{AccountSettings, ChannelId, Locale};
use maitre_store::{Store, TenantStore};
use tokio::task::JoinSet;

use crate::server::Server;
use crate::traffic::Ids;
use crate::{Error, Result};

/// What the guests do and what the businesses answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Acknowledgement only: no business answers; text, quick-reply and status webhooks.
    Ack,
    /// Every guest message is answered (keyword → reply); text, quick-reply and status webhooks.
    Reply,
    /// Five-turn reservation conversations per guest with the restaurant template (table and party size, day,
    /// time, name → booked, then a greeting the keyword flow answers).
    Conversation,
    /// `reply` with 10 accounts, then with --accounts (default 10,000), at the same total rate.
    Tenants,
    /// `reply` while 30% of platform sends fail transiently (HTTP 500 / rate limits) and are retried.
    Errors,
    /// `reply` with every webhook delivered three times: stored once, answered once.
    Duplicates,
}

impl Scenario {
    pub fn answers(self) -> bool {
        self != Scenario::Ack
    }

    /// How many times the platform delivers each webhook.
    pub fn deliveries(self) -> u64 {
        if self == Scenario::Duplicates { 3 } else { 1 }
    }

    pub fn default_error_rate(self) -> f64 {
        if self == Scenario::Errors { 0.3 } else { 0.0 }
    }
}

/// The automatic reply of every bench channel.
pub const AUTO_REPLY: &str = "Thanks for your message! We will get back to you shortly.";

/// Creates the owner, `accounts` businesses and their channels; returns their tenant handles, index = account.
pub async fn create(
    store: &Store,
    server: &Server,
    ids: &Ids,
    scenario: Scenario,
    accounts: usize,
) -> Result<Vec<TenantStore>> {
    // The owner cannot sign in (a stored hash that is not a hash verifies nothing); give them a password with
    // `maitre admin reset-password` to look at a bench account on the dashboard.
    let owner = store.create_user(&format!("bench-{}@example.com", ids.run), "Bench Owner", "!", Locale::En).await?;
    let app = Arc::new(make_app(store, server)?);
    let mut tenants: Vec<Option<TenantStore>> = vec![None; accounts];
    let mut tasks = JoinSet::new();
    // A few at a time: PostgreSQL commits in parallel, SQLite's single writer takes them in turn either way.
    let mut next = 0;
    while next < accounts || !tasks.is_empty() {
        while next < accounts && tasks.len() < 8 {
            let (store, app, ids) = (store.clone(), app.clone(), ids.clone());
            tasks.spawn(async move {
                let tenant = business(&store, &app, &ids, owner.id, next, scenario).await;
                (next, tenant)
            });
            next += 1;
        }
        if let Some(done) = tasks.join_next().await {
            let (i, tenant) = done.map_err(|e| Error::Setup(e.to_string()))?;
            tenants[i] = Some(tenant?);
        }
    }
    Ok(tenants.into_iter().flatten().collect())
}

/// The application layer as the server builds it, sealing channel tokens with the server's secret key.
fn make_app(store: &Store, server: &Server) -> Result<App> {
    App::new(store, &Settings::default(), server.secret_key.as_bytes()).map_err(|e| Error::Setup(e.to_string()))
}

/// Connects a Telegram bot to `tenant`, its updates signed with `webhook_secret`.
pub async fn connect_telegram(
    store: &Store,
    server: &Server,
    tenant: &TenantStore,
    bot: &str,
    webhook_secret: &str,
) -> Result<ChannelId> {
    let grant = Grant {
        platform: Platform::Telegram,
        external_id: bot,
        name: bot,
        access_token: &format!("{bot}:BENCH-TOKEN-FAKE"),
        instagram_login: Default::default(),
        expires_at: None,
    };
    let channel = make_app(store, server)?
        .add_channel(tenant, &grant, Some(webhook_secret))
        .await
        .map_err(|e| Error::Setup(e.to_string()))?;
    Ok(channel.id)
}

async fn business(
    store: &Store,
    app: &App,
    ids: &Ids,
    owner: maitre_domain::UserId,
    index: usize,
    scenario: Scenario,
) -> Result<TenantStore> {
    let settings = AccountSettings::defaults_for(&format!("Bench Bistro {index}"), Locale::En)
        .map_err(|e| Error::Setup(e.to_string()))?;
    let account = store.create_account_for(&settings, owner).await?;
    let tenant = store.tenant_for_operator(account).await?;
    let mut channels = Vec::new();
    for (platform, external_id) in
        [(Platform::WhatsApp, ids.whatsapp_number(index)), (Platform::Instagram, ids.instagram_account(index))]
    {
        let grant = Grant {
            platform,
            external_id: &external_id,
            name: &external_id,
            access_token: "BENCH-TOKEN-FAKE",
            instagram_login: Default::default(),
            expires_at: None,
        };
        let channel = app.add_channel(&tenant, &grant, None).await.map_err(|e| Error::Setup(e.to_string()))?;
        channels.push(channel.id);
    }
    automate(&tenant, scenario).await?;
    Ok(tenant)
}

/// How a business answers its guests: the one place where scenarios install automation. Every answering scenario
/// publishes a keyword flow (the guests' messages carry one of its words); `conversation` adds the restaurant
/// template and opens every day, so each turn of the script gets exactly one answer.
async fn automate(tenant: &TenantStore, scenario: Scenario) -> Result<()> {
    if !scenario.answers() {
        return Ok(());
    }
    let setup = |e: maitre_app::flows::FlowError| Error::Setup(e.to_string());
    let keywords = serde_json::json!({
        "triggers": [{"type": "keyword", "words": crate::traffic::KEYWORDS, "mode": "contains"}],
        "start": "answer",
        "nodes": [{"id": "answer", "type": "message", "text": AUTO_REPLY}]
    });
    let flow = tenant.flows().create_flow("Bench keywords", &keywords.to_string(), "").await?;
    flows::publish(tenant, flow.id, "maitre-bench").await.map_err(setup)?;
    if scenario == Scenario::Conversation {
        let mut booking = tenant.reservations().booking_settings().await?;
        let all_day: Vec<Interval> = vec!["00:00-00:00".parse().map_err(|e: RulesError| Error::Setup(e.to_string()))?];
        booking.rules.hours = Week {
            mon: all_day.clone(),
            tue: all_day.clone(),
            wed: all_day.clone(),
            thu: all_day.clone(),
            fri: all_day.clone(),
            sat: all_day.clone(),
            sun: all_day,
        };
        tenant.reservations().put_booking_settings(&booking).await.map_err(|e| Error::Setup(e.to_string()))?;
        flows::install_published(tenant, "restaurant_en", "maitre-bench").await.map_err(setup)?;
    }
    Ok(())
}

//! maitre's application layer: the use cases that combine the store, the platform clients and the domain, called
//! alike by pages, the JSON API and the CLI. Signing up and adding members (with the password policy), connecting
//! a channel, replying by hand and handing back, publishing flows; and the channel gateway behind the webhooks:
//! what happens to an accepted event (normalize into contacts, conversations and messages; let automation answer)
//! and how a reply leaves (policy, credentials, platform client, classified retry). Both run as durable jobs, so a
//! crash at any point loses nothing.
#![forbid(unsafe_code)]

pub mod accounts;
mod ai;
mod automation;
mod billing;
mod bookings;
pub mod broadcasts;
pub mod connect;
pub mod entitlements;
pub mod flows;
mod followups;
mod guest;
mod guest_messages;
mod imports;
pub mod inbox;
pub mod mail;
mod notices;
pub mod password;
mod process;
mod replies;
pub mod scheduled;
pub mod segments;
mod send;
pub mod templates;
pub mod upkeep;
pub mod vault;

use std::sync::Arc;

use std::time::Duration;

use maitre_channels::egress::Egress;
use maitre_channels::outbound::{ClientBuildError, PlatformUrls, Sender};
use maitre_config::{RateLimitSettings, Settings};
use maitre_domain::jobs::Payload;
use maitre_jobs::{JobError, Registry};
use maitre_store::{Job, JobKind, Store};

pub use connect::{ConnectError, Connected, Grant};
pub use maitre_channels::inbound::Platform;
pub use vault::{Credentials, QueuedMail, Vault, VaultError};

/// What the use cases and the gateway's jobs need. Shared by every request and job run.
pub struct App {
    pub store: Store,
    pub sender: Sender,
    /// The client for URLs a business sets (its AI endpoint), kept off private and local networks.
    pub egress: Egress,
    pub vault: Vault,
    pub rates: RateLimitSettings,
    /// How long a WhatsApp send cut off by a crash waits for the platform's word on it.
    pub interrupted_send_wait: Duration,
    /// Plans and their limits (`entitlements`).
    pub billing: maitre_config::BillingSettings,
    /// The server's default read-together pause for a guest's quick messages.
    pub read_together_ms: u64,
    /// Where reservation and notification emails go; `None` in processes that send no mail.
    pub mailer: Option<maitre_notify::Mailer>,
    /// The server's web push identity, for members' devices.
    pub push: maitre_notify::push::WebPush,
    flow_defs: automation::FlowDefs,
    /// The URL users reach maitre at, for links in emails.
    pub public_url: String,
}

impl App {
    /// Platform clients at the configured base URLs, and the vault keyed by the secret key (plus earlier keys).
    pub fn new(store: &Store, settings: &Settings, secret: &[u8]) -> Result<Self, ClientBuildError> {
        let p = &settings.platforms;
        let urls = PlatformUrls {
            graph: p.graph_url.clone(),
            instagram_graph: p.instagram_graph_url.clone(),
            instagram_api: p.instagram_api_url.clone(),
            telegram: p.telegram_url.clone(),
        };
        let mut sender = Sender::new(urls, Duration::from_secs(p.timeout_secs))?;
        if let (false, Some(app_secret)) = (settings.meta.app_id.is_empty(), &settings.meta.app_secret) {
            sender = sender.with_meta_app(settings.meta.app_id.clone(), app_secret.expose().to_owned());
        }
        let previous: Vec<&[u8]> = settings.previous_secret_keys.iter().map(|k| k.expose().as_bytes()).collect();
        Ok(App {
            store: store.clone(),
            sender,
            egress: Egress::new(&settings.ai.allowed_hosts)?,
            vault: Vault::new(secret, &previous),
            rates: settings.rate_limits.clone(),
            interrupted_send_wait: Duration::from_secs(p.interrupted_send_wait_secs),
            billing: settings.billing.clone(),
            read_together_ms: settings.automation.read_together_ms,
            mailer: None,
            push: maitre_notify::push::WebPush::from_secret(secret, push_contact(&settings.mail.from)),
            flow_defs: Default::default(),
            public_url: settings.public_url().trim_end_matches('/').to_owned(),
        })
    }

    /// `path` (a dashboard path such as `/a/…/inbox/…`) as a link for emails.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Sends reservation and notification emails through `mailer`.
    pub fn with_mailer(mut self, mailer: maitre_notify::Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// Adds the gateway's job kinds to a worker's registry.
    pub fn register(self: &Arc<Self>, registry: Registry) -> Registry {
        registry
            .on(JobKind::ProcessInbound, self.handler(process::run))
            .on(JobKind::Send, self.handler(send::run))
            .on(JobKind::FlowStep, self.handler(automation::step))
            .on(JobKind::FlowTimer, self.handler(automation::timer))
            .on(JobKind::FlowStart, self.handler(automation::start))
            .on(JobKind::ReservationNotify, self.handler(followups::notify))
            .on(JobKind::NotificationEmail, self.handler(notices::email))
            .on(JobKind::NotificationPush, self.handler(notices::push))
            .on(JobKind::QueuedMail, self.handler(mail::send))
            .on(JobKind::ReservationReminder, self.handler(followups::remind))
            .on(JobKind::ReviewRequest, self.handler(followups::review))
            .on(JobKind::ContactImport, self.handler(imports::run))
            .on(JobKind::ChannelSweep, self.handler(upkeep::sweep))
            .on(JobKind::ChannelCheck, self.handler(upkeep::check))
            .on(JobKind::ScheduledSend, self.handler(scheduled::due))
            .on(JobKind::BroadcastStart, self.handler(broadcasts::start))
            .on(JobKind::BroadcastSend, self.handler(broadcasts::round))
            .on(JobKind::BillingEvent, self.handler(billing::event))
    }

    fn handler<Fut>(self: &Arc<Self>, run: fn(Arc<App>, Job) -> Fut) -> impl Fn(Job) -> Fut + Send + Sync + 'static
    where
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let gw = self.clone();
        move |job| run(gw.clone(), job)
    }
}

/// The contact push services may write to about our pushes: the sender address of maitre's mail.
fn push_contact(from: &str) -> String {
    let address = match (from.rfind('<'), from.rfind('>')) {
        (Some(start), Some(end)) if start < end => &from[start + 1..end],
        _ => from.trim(),
    };
    format!("mailto:{address}")
}

/// The business a job belongs to; a job of a business that lacks one can never run.
fn job_tenant(gw: &App, job: &Job) -> Result<maitre_store::TenantStore, JobError> {
    gw.store.tenant_for_job(job).map_err(|_| JobError::Permanent("job has no account".into()))
}

/// A job's payload as its kind's type; one that cannot be read never will be.
fn payload<P: Payload>(job: &Job) -> Result<P, JobError> {
    job.payload().map_err(|e| JobError::Permanent(e.to_string()))
}

/// Storage failures are worth retrying: the database may be back in a moment.
fn retry(e: maitre_store::StoreError) -> maitre_jobs::JobError {
    maitre_jobs::JobError::retry(e.to_string())
}

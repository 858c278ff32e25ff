//! The channel gateway behind the webhooks: what happens to an accepted event (normalize into contacts,
//! conversations and messages; let automation answer) and how a reply leaves (policy, credentials, platform
//! client, classified retry). Both run as durable jobs, so a crash at any point loses nothing.
#![forbid(unsafe_code)]

pub mod connect;
mod process;
mod send;
pub mod vault;

use std::sync::Arc;

use std::time::Duration;

use maitre_channels::outbound::{ClientBuildError, PlatformUrls, Sender};
use maitre_config::{RateLimitSettings, Settings};
use maitre_jobs::Registry;
use maitre_store::{PROCESS_INBOUND, SEND, Store};

pub use connect::{ConnectError, Connected, Grant};
pub use maitre_channels::inbound::Platform;
pub use vault::{Credentials, Vault, VaultError};

/// What the gateway's jobs need. Shared by every job run.
pub struct Gateway {
    pub store: Store,
    pub sender: Sender,
    pub vault: Vault,
    pub rates: RateLimitSettings,
}

impl Gateway {
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
        Ok(Gateway {
            store: store.clone(),
            sender,
            vault: Vault::new(secret, &previous),
            rates: settings.rate_limits.clone(),
        })
    }

    /// Adds the gateway's job kinds to a worker's registry.
    pub fn register(self: &Arc<Self>, registry: Registry) -> Registry {
        let (inbound, outbound) = (self.clone(), self.clone());
        registry
            .on(PROCESS_INBOUND, move |job| {
                let gw = inbound.clone();
                async move { process::run(&gw, job).await }
            })
            .on(SEND, move |job| {
                let gw = outbound.clone();
                async move { send::run(&gw, job).await }
            })
    }
}

/// Storage failures are worth retrying: the database may be back in a moment.
fn retry(e: maitre_store::StoreError) -> maitre_jobs::JobError {
    maitre_jobs::JobError::retry(e.to_string())
}

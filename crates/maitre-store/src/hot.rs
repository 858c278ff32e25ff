//! What every flow step reads about its account and channel — account settings, automation settings, the review
//! link, the channel, the published flows — cached per process for [`TTL`]: it changes rarely, and loading it
//! costs five queries per guest message. A change made through this process takes effect at once (its writer
//! forgets the account); one made by another node or process, within `TTL`.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use maitre_domain::{AccountId, ChannelId};

use crate::{Account, AutomationSettings, Channel, PublishedFlow, Result, TenantStore};

/// How long another node's change may go unseen.
pub const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most (one per account and channel that wrote lately); beyond it expired ones are dropped.
const MAX_ENTRIES: usize = 20_000;

/// The configuration a flow step runs with.
#[derive(Debug)]
pub struct AutomationConfig {
    pub account: Account,
    pub automation: AutomationSettings,
    /// The booking settings' Google review link (empty when none).
    pub review_link: String,
    pub channel: Channel,
    /// Published, enabled flows of the channel, in a stable order.
    pub flows: Vec<PublishedFlow>,
}

type Key = (AccountId, ChannelId);

#[derive(Default)]
pub(crate) struct HotCache {
    entries: Mutex<HashMap<Key, (Instant, Arc<AutomationConfig>)>>,
    /// Bumped by every forget: a load that started before a change must not cache what it read.
    generation: AtomicU64,
}

impl HotCache {
    fn get(&self, key: &Key) -> Option<Arc<AutomationConfig>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, c)| c.clone())
    }

    fn put(&self, key: Key, loaded_in: u64, config: Arc<AutomationConfig>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::SeqCst) != loaded_in {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        entries.insert(key, (Instant::now(), config));
    }

    fn forget(&self, account: AccountId) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.retain(|(a, _), _| *a != account);
    }
}

impl TenantStore {
    /// The configuration a flow step on `channel` runs with (see the module's note on freshness).
    pub async fn automation_config(&self, channel: ChannelId) -> Result<Arc<AutomationConfig>> {
        let hot = &self.store().hot;
        let key = (self.account_id(), channel);
        if let Some(config) = hot.get(&key) {
            return Ok(config);
        }
        let generation = hot.generation.load(Ordering::SeqCst);
        let config = Arc::new(AutomationConfig {
            account: self.account().await?,
            automation: self.automation_settings().await?,
            review_link: self.booking_settings().await?.review_link,
            channel: self.channel(channel).await?,
            flows: self.active_flows(channel).await?,
        });
        hot.put(key, generation, config.clone());
        Ok(config)
    }

    /// Called by every writer of what [`AutomationConfig`] holds, after its change.
    pub(crate) fn config_changed(&self) {
        self.store().hot.forget(self.account_id());
    }
}

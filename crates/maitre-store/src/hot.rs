//! What every flow step reads about its account and channel — account settings, automation settings, the review
//! link, the channel, the published flows — and which channel a webhook's recipient is, cached per process for
//! [`TTL`]: it changes rarely, and loading it costs five queries per guest message and one per webhook. A change
//! made through this process takes effect at once (its writer forgets the account); one made by another node or
//! process, within `TTL`.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use maitre_domain::{AccountId, ChannelId, Platform};

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
    /// The channel's automatic reply in other languages than the business's.
    pub auto_reply_translations: Vec<(maitre_domain::Locale, String)>,
    /// Published, enabled flows of the channel, in a stable order.
    pub flows: Vec<PublishedFlow>,
}

type Key = (AccountId, ChannelId);
/// A webhook's recipient: (platform, its account id there).
type Route = (Platform, String);

#[derive(Default)]
pub(crate) struct HotCache {
    configs: Expiring<Key, Arc<AutomationConfig>>,
    /// Channels found for webhook recipients (unknown recipients are not remembered: a channel connected on
    /// another node is routed at once).
    routes: Expiring<Route, Channel>,
    /// Bumped by every forget: a load that started before a change must not cache what it read.
    generation: AtomicU64,
}

/// Entries that are good for [`TTL`].
struct Expiring<K, V>(Mutex<HashMap<K, (Instant, V)>>);

impl<K, V> Default for Expiring<K, V> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Expiring<K, V> {
    fn get(&self, key: &K) -> Option<V> {
        let entries = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    /// Keeps `value` unless the cache was told of a change since `loaded_in` (checked under the lock that
    /// `retain` takes after the change is counted).
    fn put(&self, generation: &AtomicU64, loaded_in: u64, key: K, value: V) {
        let mut entries = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if generation.load(Ordering::SeqCst) != loaded_in {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn retain(&self, keep: impl Fn(&K, &V) -> bool) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).retain(|k, (_, v)| keep(k, v));
    }
}

impl HotCache {
    pub(crate) fn forget(&self, account: AccountId) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.configs.retain(|(a, _), _| *a != account);
        self.routes.retain(|_, channel| channel.account_id != account);
    }
}

impl crate::Store {
    /// The channel of a webhook's recipient, cached like the configuration (see the module's note).
    pub(crate) async fn cached_route(
        &self,
        platform: Platform,
        external_id: &str,
        load: impl Future<Output = Result<Channel>>,
    ) -> Result<Channel> {
        let key = (platform, external_id.to_owned());
        if let Some(channel) = self.hot.routes.get(&key) {
            return Ok(channel);
        }
        let generation = self.hot.generation.load(Ordering::SeqCst);
        let channel = load.await?;
        self.hot.routes.put(&self.hot.generation, generation, key, channel.clone());
        Ok(channel)
    }
}

impl TenantStore {
    /// The configuration a flow step on `channel` runs with (see the module's note on freshness).
    pub async fn automation_config(&self, channel: ChannelId) -> Result<Arc<AutomationConfig>> {
        let hot = &self.store().hot;
        let key = (self.account_id(), channel);
        if let Some(config) = hot.configs.get(&key) {
            return Ok(config);
        }
        let generation = hot.generation.load(Ordering::SeqCst);
        let config = Arc::new(AutomationConfig {
            account: self.account().await?,
            automation: self.flows().automation_settings().await?,
            review_link: self.reservations().booking_settings().await?.review_link,
            channel: self.channels().channel(channel).await?,
            auto_reply_translations: self.channels().auto_reply_translations(channel).await?,
            flows: self.flows().active_flows(channel).await?,
        });
        hot.configs.put(&hot.generation, generation, key, config.clone());
        Ok(config)
    }

    /// Called by every writer of what [`AutomationConfig`] holds, after its change.
    pub(crate) fn config_changed(&self) {
        self.store().hot.forget(self.account_id());
    }
}

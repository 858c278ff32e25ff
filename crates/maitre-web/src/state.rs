use std::sync::Arc;

use maitre_app::App;
use maitre_config::Settings;
use maitre_store::Store;

use crate::metrics::Metrics;

/// Key material derived from the configured or generated secret key. Never logged (no Debug).
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
    /// HMAC-SHA256 of `data` under this key, separated by `purpose` so one MAC never stands in for another.
    pub(crate) fn mac(&self, purpose: &str, data: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256>>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(data.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Shared by every request. Cheap to clone; holds no state that must be global across nodes
/// (sessions, throttling and data live in the database).
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// Everything a server needs, built once by `main` (or a test).
pub struct Services {
    pub store: Store,
    pub settings: Settings,
    pub secret: SecretKey,
    pub app: Arc<App>,
}

struct Inner {
    services: Services,
    metrics: Metrics,
}

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(Inner { services, metrics: Metrics::new() }))
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// Cookies get `Secure` when users reach maitre over https.
    pub fn cookie_secure(&self) -> bool {
        self.settings.public_url().starts_with("https://")
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.0.services
    }
}

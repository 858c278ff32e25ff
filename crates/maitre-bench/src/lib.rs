//! The load, chaos and abuse harness. It runs a real `maitre serve` process (or targets a running one) against
//! the fake platforms of `maitre-testkit`, creates businesses with Instagram and WhatsApp channels, fires
//! correctly signed webhooks at a fixed arrival rate, and measures what a platform and a guest would see: how
//! fast webhooks are acknowledged, how fast replies reach the platform, what got lost or duplicated, and what the
//! server process cost in memory and CPU.
//!
//! The binary `maitre-bench` is a thin command line over [`run`] and [`hostile::run`]; the smoke tests of
//! `crates/maitre/tests/bench.rs` call the same functions with small sizes.
#![forbid(unsafe_code)]

pub mod analytics;
pub mod broadcast;
mod bulk;
mod chaos;
pub mod hostile;
mod load;
mod report;
mod server;
mod setup;
mod statuses;
mod traffic;

use std::path::PathBuf;
use std::time::Duration;

pub use report::{Latency, Report, ServerUsage, Verdict};
pub use server::{DEFAULT_APP_SECRET, Server, ServerConfig};
pub use setup::Scenario;

/// Why a run could not produce figures. What the server did wrong is not an error: it is in the [`Report`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    #[error("database: {0}")]
    Store(#[from] maitre_store::StoreError),
    #[error("setting up the bench accounts: {0}")]
    Setup(String),
    #[error("maitre serve: {0}")]
    Server(String),
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Error::Io { context, source }
    }
}

/// How webhooks arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrival {
    /// Open loop: delivery `i` is due at `start + i / rate`, sent then whatever happened to earlier ones, and its
    /// latency counts from that due moment, so a stall is charged to every delivery it delays.
    Rate(u32),
    /// Closed loop, as fast as the server answers: this many senders, each posting its next delivery when the
    /// previous one was answered. Latency counts from the actual send (there is no schedule to fall behind).
    Max { concurrency: usize },
}

/// Kill `maitre serve` this many times at seeded random moments during the load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chaos {
    pub kills: usize,
    pub seed: u64,
}

/// One run of the load tool.
#[derive(Debug, Clone)]
pub struct Options {
    pub scenario: Scenario,
    pub accounts: usize,
    /// Guests per account and channel.
    pub contacts: usize,
    pub arrival: Arrival,
    pub duration: Duration,
    /// Share of platform sends that fail (transiently) at the fake platforms. `None`: the scenario's default.
    pub error_rate: Option<f64>,
    pub chaos: Option<Chaos>,
    /// How long to wait for outstanding replies after the last delivery once none arrive any more.
    pub drain_idle: Duration,
    /// A broadcast to this many other guests of the first business at this pace (messages a second, 0: unpaced),
    /// started with the load.
    pub with_broadcast: Option<(usize, u32)>,
    pub server: ServerConfig,
}

/// Where the maitre binary is by default: next to this executable (both are built into the same target dir).
pub fn default_maitre_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    // Test binaries live one level deeper, in `deps/`.
    let dir = if dir.ends_with("deps") { dir.parent().map(PathBuf::from).unwrap_or(dir) } else { dir };
    dir.join("maitre")
}

/// Runs one scenario (or, for [`Scenario::Tenants`], its two halves) and returns its figures.
pub async fn run(options: &Options) -> Result<Vec<Report>> {
    match options.scenario {
        Scenario::Tenants => {
            // The same total rate spread over 10 and over `accounts` businesses: the cost per message must not grow.
            let few = Options { accounts: 10, ..options.clone() };
            let many = Options { accounts: options.accounts, ..options.clone() };
            Ok(vec![load::run(&few).await?, load::run(&many).await?])
        }
        _ => Ok(vec![load::run(options).await?]),
    }
}

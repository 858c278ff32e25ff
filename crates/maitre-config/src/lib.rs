//! Settings: defaults in code → a TOML file → `MAITRE_*` environment variables (`__` nests, e.g.
//! `MAITRE_MAIL__SMTP_URL`). `DATABASE_URL` is honoured too, as most hosting platforms set it.
#![forbid(unsafe_code)]

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

mod billing;
pub use billing::BillingSettings;

/// A value that must never appear in logs, pages or API answers: `Debug` and `Display` redact it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite file, the generated secret key and the mail outbox live.
    pub data_dir: PathBuf,
    /// Address the HTTP server binds.
    pub listen: SocketAddr,
    /// The URL users reach maitre at (links in emails, Secure cookies when https). Defaults to http://<listen>.
    pub public_url: Option<String>,
    /// `sqlite://…` or `postgres://…`. Defaults to `sqlite://<data_dir>/maitre.db`.
    pub database_url: Option<Secret>,
    /// 32+ bytes (hex or text) used to derive keys. Generated and saved in `<data_dir>/secret.key` when absent.
    pub secret_key: Option<Secret>,
    /// Earlier secret keys, still accepted to open channel credentials sealed before a rotation.
    pub previous_secret_keys: Vec<Secret>,
    pub log: LogSettings,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub mail: MailSettings,
    pub meta: MetaSettings,
    pub platforms: PlatformSettings,
    pub rate_limits: RateLimitSettings,
    pub automation: AutomationDefaults,
    pub jobs: JobSettings,
    pub ai: AiSettings,
    pub metrics: MetricsSettings,
    pub billing: BillingSettings,
}

/// Outbound calls to URLs a business sets (the AI step's endpoint).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct AiSettings {
    /// Hosts (`name` or `name:port`) a business may point its AI step at even though they are on a private or
    /// local network, e.g. `localhost:11434` for an Ollama next to maitre. Every other loopback, private,
    /// link-local or metadata address is refused.
    pub allowed_hosts: Vec<String>,
}

/// Who may read `/metrics`. By default the main listener serves it to anyone who can reach it.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// A second address serving only `/metrics`; the main listener then no longer serves it.
    pub listen: Option<SocketAddr>,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <token>`.
    pub token: Option<Secret>,
}

/// The background worker of each node.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobSettings {
    /// Jobs (message processing, flow steps, sends, emails) one node runs at the same time. Most of a job's time
    /// is spent waiting (for the database's commit, for a platform's answer), so this is far above the core count.
    pub concurrency: usize,
}

impl Default for JobSettings {
    fn default() -> Self {
        Self { concurrency: 32 }
    }
}

/// Server-wide automation defaults; accounts may override them in their automation settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutomationDefaults {
    /// Guests often type one request in several quick messages: a flow reads a guest's messages once this long
    /// has passed without another one, and answers them together.
    pub read_together_ms: u64,
}

impl Default for AutomationDefaults {
    fn default() -> Self {
        Self { read_together_ms: 2000 }
    }
}

/// Send pacing per platform, shared by all nodes (PROTOCOLS.md §6 gives the platforms' own limits).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    pub instagram: PlatformRate,
    pub messenger: PlatformRate,
    pub whatsapp: PlatformRate,
    pub telegram: PlatformRate,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformRate {
    /// Sends per second per channel, and how many may go at once after a quiet spell.
    pub per_second: f64,
    pub burst: f64,
    /// Sends per second to one recipient, and the burst allowed to one recipient.
    pub recipient_per_second: f64,
    pub recipient_burst: f64,
}

impl Default for PlatformRate {
    fn default() -> Self {
        Self { per_second: 80.0, burst: 80.0, recipient_per_second: 1.0, recipient_burst: 5.0 }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        let rate = |per_second: f64, recipient_per_second: f64, recipient_burst: f64| PlatformRate {
            per_second,
            burst: per_second,
            recipient_per_second,
            recipient_burst,
        };
        Self {
            // Instagram: 100/s per account (the lower of two documented figures).
            instagram: rate(100.0, 1.0, 5.0),
            // Messenger: 300/s per Page.
            messenger: rate(300.0, 1.0, 5.0),
            // WhatsApp: 80/s per number; one message per 6 s to one user, bursts of up to 45.
            whatsapp: rate(80.0, 1.0 / 6.0, 45.0),
            // Telegram: about 30/s per bot and 1/s per chat.
            telegram: rate(30.0, 1.0, 3.0),
        }
    }
}

/// The Meta app (Facebook developer app) that receives Instagram, Messenger and WhatsApp webhooks.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct MetaSettings {
    pub app_id: String,
    /// Verifies `X-Hub-Signature-256` on every webhook. Without it Meta webhooks are refused (503).
    pub app_secret: Option<Secret>,
    /// The "Verify token" entered in the app's webhook settings, echoed in the GET handshake.
    pub verify_token: Option<Secret>,
    /// Facebook Login for Business configuration id (Pages and their Instagram accounts).
    pub login_config_id: String,
    /// The Instagram app of Business Login for Instagram (Instagram accounts without a Page).
    pub instagram_app_id: String,
    pub instagram_app_secret: Option<Secret>,
}

/// Base URLs of the platforms' APIs: production by default, fakes in tests and local trials.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlatformSettings {
    pub graph_url: String,
    pub instagram_graph_url: String,
    /// Business Login for Instagram's code exchange.
    pub instagram_api_url: String,
    pub telegram_url: String,
    /// Login dialogs the browser is sent to.
    pub facebook_dialog_url: String,
    pub instagram_dialog_url: String,
    /// Per-request timeout for platform calls.
    pub timeout_secs: u64,
    /// How long a WhatsApp send cut off by a crash waits for the platform's status webhook (which names the
    /// message, so an accepted send is recognised) before it is sent again.
    pub interrupted_send_wait_secs: u64,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            graph_url: "https://graph.facebook.com/v25.0".into(),
            instagram_graph_url: "https://graph.instagram.com/v25.0".into(),
            instagram_api_url: "https://api.instagram.com".into(),
            telegram_url: "https://api.telegram.org".into(),
            facebook_dialog_url: "https://www.facebook.com/v25.0/dialog/oauth".into(),
            instagram_dialog_url: "https://www.instagram.com/oauth/authorize".into(),
            timeout_secs: 10,
            interrupted_send_wait_secs: 120,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `maitre=debug,info`. `RUST_LOG` wins when set.
    pub level: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// How long graceful shutdown waits for in-flight requests and jobs.
    pub shutdown_grace_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// A session ends after this many days without use.
    pub session_idle_days: u32,
    /// Sign-in attempts per email address that go at once; from then on each attempt makes the next one wait
    /// twice as long (a known device is paced on its own).
    pub max_failures_per_email: u32,
    /// The same per client IP.
    pub max_failures_per_ip: u32,
    /// The longest wait between two sign-in attempts; a key left alone this long after its wait starts over.
    pub throttle_window_minutes: u32,
    /// How long a password-reset link stays valid.
    pub reset_link_minutes: u32,
    /// Take the client IP from `X-Forwarded-For` (only behind proxies you control).
    pub trust_forwarded_for: bool,
    /// How many proxies you run in front of maitre, each appending to `X-Forwarded-For`: the client IP is that
    /// many entries from the right (entries further left are whatever the client sent).
    pub trusted_proxies: u32,
    /// Requests one API token may make per second, on average, shared by all nodes.
    pub api_per_second: u32,
    /// Requests one API token may make in a burst above that rate.
    pub api_burst: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    /// e.g. `smtps://user:pass@smtp.example.com` (TLS from the start, port 465), `smtp://user:pass@host?tls=required`
    /// (STARTTLS, port 587) or `smtp://localhost:2525`. Without it, mail goes to `outbox_dir`.
    pub smtp_url: Option<Secret>,
    /// Allows a plain `smtp://` URL to name a server beyond this machine (credentials and mail unencrypted).
    pub allow_plaintext: bool,
    pub from: String,
    /// Where mail is written as .eml files when no SMTP server is configured. Defaults to `<data_dir>/mail`.
    pub outbox_dir: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            database_url: None,
            secret_key: None,
            previous_secret_keys: Vec::new(),
            log: LogSettings::default(),
            http: HttpSettings::default(),
            auth: AuthSettings::default(),
            mail: MailSettings::default(),
            meta: MetaSettings::default(),
            platforms: PlatformSettings::default(),
            rate_limits: RateLimitSettings::default(),
            automation: AutomationDefaults::default(),
            jobs: JobSettings::default(),
            ai: AiSettings::default(),
            metrics: MetricsSettings::default(),
            billing: BillingSettings::default(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self { format: LogFormat::Text, level: "info".into() }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self { body_limit_bytes: 256 * 1024, request_timeout_secs: 30, shutdown_grace_secs: 20 }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_days: 30,
            max_failures_per_email: 5,
            max_failures_per_ip: 30,
            throttle_window_minutes: 15,
            reset_link_minutes: 60,
            trust_forwarded_for: false,
            trusted_proxies: 1,
            api_per_second: 10,
            api_burst: 100,
        }
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self { smtp_url: None, allow_plaintext: false, from: "maitre <noreply@localhost>".into(), outbox_dir: None }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Settings {
    /// Loads settings. `file` is an explicit config path; without it `./maitre.toml` is read if present.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::figment(file).extract().map_err(|e| ConfigError(Box::new(e)))
    }

    fn figment(file: Option<&Path>) -> Figment {
        let toml = match file {
            Some(path) => Toml::file_exact(path),
            None => Toml::file("maitre.toml"),
        };
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(toml)
            .merge(Env::raw().only(&["DATABASE_URL"]).map(|_| "database_url".into()))
            .merge(
                // MAITRE_CONFIG names the file; MAITRE_TEST_* belong to the test suite, MAITRE_ADMIN_* to `admin`.
                Env::prefixed("MAITRE_")
                    .filter(|k| {
                        let k = k.as_str().to_ascii_lowercase();
                        k != "config" && !k.starts_with("test_") && !k.starts_with("admin_")
                    })
                    .split("__"),
            )
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!("sqlite://{}?mode=rwc", self.data_dir.join("maitre.db").display()),
        }
    }

    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    pub fn outbox_dir(&self) -> PathBuf {
        self.mail.outbox_dir.clone().unwrap_or_else(|| self.data_dir.join("mail"))
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures must return figment's own (large) error type.
mod tests {
    use super::*;
    use figment::Jail;

    fn load() -> figment::Result<Settings> {
        Settings::load(None).map_err(|e| *e.0)
    }

    #[test]
    fn defaults_make_the_first_run_work() {
        Jail::expect_with(|_| {
            let s = load()?;
            assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
            assert_eq!(s.data_dir, PathBuf::from("./data"));
            assert!(s.database_url().starts_with("sqlite://./data/maitre.db"));
            assert_eq!(s.public_url(), "http://127.0.0.1:8080");
            Ok(())
        });
    }

    #[test]
    fn env_overrides_file_and_nests_with_double_underscore() {
        Jail::expect_with(|jail| {
            jail.create_file("maitre.toml", "listen = \"0.0.0.0:9000\"\n[mail]\nfrom = \"file@x\"\n")?;
            jail.set_env("MAITRE_MAIL__FROM", "env@x");
            jail.set_env("DATABASE_URL", "postgres://u@h/db");
            let s = load()?;
            assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
            assert_eq!(s.mail.from, "env@x");
            assert_eq!(s.database_url(), "postgres://u@h/db");
            Ok(())
        });
    }

    #[test]
    fn maitre_database_url_wins_over_database_url() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://a/a");
            jail.set_env("MAITRE_DATABASE_URL", "postgres://b/b");
            assert_eq!(load()?.database_url(), "postgres://b/b");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        Jail::expect_with(|jail| {
            jail.create_file("maitre.toml", "lisen = \"0.0.0.0:1\"\n")?;
            let err = Settings::load(None).unwrap_err().to_string();
            assert!(err.contains("lisen"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn test_suite_variables_are_not_settings() {
        Jail::expect_with(|jail| {
            jail.set_env("MAITRE_TEST_DATABASE_URL", "postgres://t/t");
            jail.set_env("MAITRE_CONFIG", "elsewhere.toml");
            assert!(load().is_ok());
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let metrics = MetricsSettings { token: Some(Secret::new("scrape-me")), ..Default::default() };
        let s = Settings { secret_key: Some(Secret::new("hunter2")), metrics, ..Default::default() };
        let debug = format!("{s:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("scrape-me"), "{debug}");
    }

    #[test]
    fn ai_hosts_and_metrics_come_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("MAITRE_AI__ALLOWED_HOSTS", "[localhost:11434, ollama]");
            jail.set_env("MAITRE_METRICS__LISTEN", "127.0.0.1:9100");
            jail.set_env("MAITRE_METRICS__TOKEN", "scrape-me");
            let s = load()?;
            assert_eq!(s.ai.allowed_hosts, ["localhost:11434", "ollama"]);
            assert_eq!(s.metrics.listen, Some(SocketAddr::from(([127, 0, 0, 1], 9100))));
            assert_eq!(s.metrics.token.as_ref().map(Secret::expose), Some("scrape-me"));
            Ok(())
        });
    }
}

//! The maitre under test: a `maitre serve` process this harness starts, kills and restarts on a fixed port and
//! database, or one already running elsewhere. Either way the fake platforms run inside this process.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use maitre_testkit::{FakePlatforms, TestDb};
use rand::Rng;

use crate::report::ServerUsage;
use crate::{Error, Result};

/// Every Meta webhook is signed with this (the spawned server is given it); a target must be started with the
/// same `MAITRE_META__APP_SECRET`, or pass its own.
pub const DEFAULT_APP_SECRET: &str = "maitre-bench-app-secret";
/// The `hub.verify_token` of the spawned server: with it configured, a handshake with a wrong token is a 403, not
/// a 503 "not configured".
const VERIFY_TOKEN: &str = "maitre-bench-verify-token";

#[derive(Debug, Clone)]
pub enum ServerConfig {
    /// Start `maitre serve` from this binary on a fresh database: a SQLite file in a temporary directory, or a new
    /// database on the PostgreSQL server of `database_url` (dropped afterwards).
    Spawn { maitre_bin: PathBuf, database_url: Option<String> },
    /// A maitre that is already running. The bench creates its accounts in that database (sealing channel tokens
    /// with the target's secret key) and serves the fake platforms on `fakes_listen`, where the target's
    /// `MAITRE_PLATFORMS__*` URLs must point. With `pid`, its memory and CPU are read from /proc.
    Target {
        url: String,
        database_url: String,
        secret_key: String,
        app_secret: String,
        fakes_listen: SocketAddr,
        pid: Option<u32>,
    },
}

/// A `maitre serve` this harness runs.
struct Process {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

pub struct Server {
    base: String,
    pub app_secret: String,
    pub secret_key: String,
    pub database_url: String,
    pub fakes: FakePlatforms,
    process: Option<Process>,
    target_pid: Option<u32>,
    /// Peak memory and CPU of processes already killed (chaos restarts).
    finished: ServerUsage,
    http: reqwest::Client,
    _db: Option<TestDb>,
}

impl Server {
    /// Fakes and database ready; nothing started yet (accounts are created first).
    pub async fn prepare(config: &ServerConfig) -> Result<Self> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
        match config {
            ServerConfig::Spawn { maitre_bin, database_url } => {
                if !maitre_bin.is_file() {
                    return Err(Error::Server(format!(
                        "no maitre binary at {} (build it with `cargo build --release -p maitre`, or pass --maitre)",
                        maitre_bin.display()
                    )));
                }
                let db = TestDb::create(database_url.as_deref()).await;
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .map_err(Error::io("finding a free port"))?
                    .port();
                let dir = tempfile::tempdir().map_err(Error::io("creating a data directory"))?;
                Ok(Server {
                    base: format!("http://127.0.0.1:{port}"),
                    app_secret: DEFAULT_APP_SECRET.to_owned(),
                    secret_key: hex_secret(),
                    database_url: db.url.clone(),
                    fakes: FakePlatforms::start().await,
                    process: Some(Process { bin: maitre_bin.clone(), dir, port, child: None }),
                    target_pid: None,
                    finished: ServerUsage::default(),
                    http,
                    _db: Some(db),
                })
            }
            ServerConfig::Target { url, database_url, secret_key, app_secret, fakes_listen, pid } => {
                let listener = tokio::net::TcpListener::bind(fakes_listen)
                    .await
                    .map_err(Error::io(format!("binding the fake platforms to {fakes_listen}")))?;
                Ok(Server {
                    base: url.trim_end_matches('/').to_owned(),
                    app_secret: app_secret.clone(),
                    secret_key: secret_key.clone(),
                    database_url: database_url.clone(),
                    fakes: FakePlatforms::start_on(listener),
                    process: None,
                    target_pid: *pid,
                    finished: ServerUsage::default(),
                    http,
                    _db: None,
                })
            }
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// True when this harness runs the server (and so can kill it).
    pub fn is_spawned(&self) -> bool {
        self.process.is_some()
    }

    /// Starts `serve` (or, for a target, checks that it answers) and waits until it is ready.
    pub async fn start(&mut self) -> Result<()> {
        if let Some(p) = &mut self.process {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p.dir.path().join("serve.log"))
                .map_err(Error::io("opening serve.log"))?;
            let mut cmd = Command::new(&p.bin);
            cmd.arg("serve").current_dir(p.dir.path()).stdout(Stdio::null()).stderr(log);
            for (key, value) in serve_env(&self.database_url, &self.secret_key, &self.app_secret, p, &self.fakes) {
                cmd.env(key, value);
            }
            cmd.env_remove("DATABASE_URL").env_remove("RUST_LOG").env_remove("MAITRE_CONFIG");
            // The bench's own settings share the server's `MAITRE_` prefix, which refuses keys it does not know.
            for (key, _) in std::env::vars_os() {
                if key.to_str().is_some_and(|k| k.starts_with("MAITRE_BENCH_")) {
                    cmd.env_remove(key);
                }
            }
            p.child = Some(cmd.spawn().map_err(Error::io(format!("starting {}", p.bin.display())))?);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready = self.http.get(format!("{}/readyz", self.base)).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if let Some(child) = self.process.as_mut().and_then(|p| p.child.as_mut())
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(Error::Server(format!("exited with {status}:\n{}", self.log_tail())));
            }
            if Instant::now() > deadline {
                return Err(Error::Server(format!("not ready after 30 s:\n{}", self.log_tail())));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// SIGKILL, and wait until the process is gone. Its peak memory and CPU are kept for the report.
    pub fn kill(&mut self) -> Result<()> {
        let Some(child) = self.process.as_mut().and_then(|p| p.child.take()) else { return Ok(()) };
        let mut child = child;
        if let Some(usage) = proc_usage(child.id()) {
            self.finished = self.finished.merge(&usage);
        }
        child.kill().map_err(Error::io("killing maitre serve"))?;
        child.wait().map_err(Error::io("waiting for maitre serve"))?;
        Ok(())
    }

    /// SIGTERM (graceful shutdown), waiting at most `grace` before SIGKILL. True when it exited cleanly.
    pub async fn stop(&mut self, grace: Duration) -> Result<bool> {
        let Some(mut child) = self.process.as_mut().and_then(|p| p.child.take()) else { return Ok(true) };
        if let Some(usage) = proc_usage(child.id()) {
            self.finished = self.finished.merge(&usage);
        }
        // std offers only SIGKILL; `kill` is on every system this runs on.
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + grace;
        loop {
            if let Some(status) = child.try_wait().map_err(Error::io("waiting for maitre serve"))? {
                return Ok(status.success());
            }
            if Instant::now() > deadline {
                child.kill().map_err(Error::io("killing maitre serve"))?;
                child.wait().map_err(Error::io("waiting for maitre serve"))?;
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Peak memory and CPU so far, over every process this server has been (restarts included).
    pub fn usage(&self) -> ServerUsage {
        let pid = self.process.as_ref().and_then(|p| p.child.as_ref().map(Child::id)).or(self.target_pid);
        match pid.and_then(proc_usage) {
            Some(current) => self.finished.merge(&current),
            None => self.finished.clone(),
        }
    }

    /// The last lines of the spawned server's log, for error messages.
    pub fn log_tail(&self) -> String {
        let Some(p) = &self.process else { return String::new() };
        let log = std::fs::read_to_string(p.dir.path().join("serve.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

fn serve_env(
    db: &str,
    secret_key: &str,
    app_secret: &str,
    p: &Process,
    fakes: &FakePlatforms,
) -> Vec<(String, String)> {
    let mut env = vec![
        ("MAITRE_DATABASE_URL".into(), db.to_owned()),
        ("MAITRE_DATA_DIR".into(), p.dir.path().join("data").display().to_string()),
        ("MAITRE_LISTEN".into(), format!("127.0.0.1:{}", p.port)),
        ("MAITRE_SECRET_KEY".into(), secret_key.to_owned()),
        ("MAITRE_META__APP_SECRET".into(), app_secret.to_owned()),
        ("MAITRE_META__VERIFY_TOKEN".into(), VERIFY_TOKEN.to_owned()),
        ("MAITRE_PLATFORMS__GRAPH_URL".into(), fakes.graph_url()),
        ("MAITRE_PLATFORMS__INSTAGRAM_GRAPH_URL".into(), fakes.instagram_graph_url()),
        ("MAITRE_PLATFORMS__TELEGRAM_URL".into(), fakes.telegram_url()),
        ("MAITRE_LOG__LEVEL".into(), "warn".into()),
        // Each bench message is a whole request: flows answer at once instead of waiting for follow-ups.
        ("MAITRE_AUTOMATION__READ_TOGETHER_MS".into(), "0".into()),
        // Kill runs deliver the fake's status webhooks within a second of a restart: a send a kill cut off need not
        // wait the production default for its word.
        ("MAITRE_PLATFORMS__INTERRUPTED_SEND_WAIT_SECS".into(), "10".into()),
    ];
    // The platforms' real send budgets (WhatsApp: 80/s per number, one message per 6 s per guest) would measure
    // the pacing, not maitre: lift them far above any rate the bench offers.
    for platform in ["INSTAGRAM", "MESSENGER", "WHATSAPP", "TELEGRAM"] {
        for key in ["PER_SECOND", "BURST", "RECIPIENT_PER_SECOND", "RECIPIENT_BURST"] {
            env.push((format!("MAITRE_RATE_LIMITS__{platform}__{key}"), "1000000".into()));
        }
    }
    env
}

fn hex_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Peak resident memory (VmHWM) and CPU time (user + system) of a live process, from /proc.
fn proc_usage(pid: u32) -> Option<ServerUsage> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let peak_rss_kib = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ServerUsage { peak_rss_kib: peak_rss_kib.parse().ok()?, cpu_seconds: ticks as f64 / clock_ticks() })
}

/// Units of /proc/<pid>/stat times (USER_HZ), asked of `getconf` once; 100 on every common Linux.
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// This process's own CPU time, to show what the load generator and the fakes cost on the same machine.
pub fn own_cpu_seconds() -> f64 {
    proc_usage(std::process::id()).map_or(0.0, |u| u.cpu_seconds)
}

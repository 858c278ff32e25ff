//! `maitre-bench`: the command line of the load, chaos and abuse harness.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use maitre_bench::analytics::{self, AnalyticsOptions};
use maitre_bench::broadcast::{self, BroadcastOptions};
use maitre_bench::hostile::{self, HostileOptions};
use maitre_bench::{Arrival, Chaos, Options, Scenario, ServerConfig, default_maitre_bin};

/// Load, chaos and abuse harness for maitre.
///
/// Starts `maitre serve` on a fresh database (or targets a running one), runs fake Graph/Instagram/Telegram APIs
/// in this process, creates businesses with an Instagram and a WhatsApp channel each, and fires correctly signed
/// webhooks at a fixed rate (open loop: latency counts from each webhook's planned moment). Prints webhook ack
/// latency, end-to-end latency to the reply at the fake platform, throughput, errors, exactly-once checks and the
/// server's peak memory and CPU. Exits with 1 when a check fails.
///
/// Example: maitre-bench --scenario reply --rate 1000 --duration 10s --json reply.json
#[derive(Parser)]
#[command(name = "maitre-bench", version, about, long_about)]
struct Cli {
    #[arg(long, value_enum, default_value_t = Scenario::Reply)]
    scenario: Scenario,
    /// Businesses, each with an Instagram and a WhatsApp channel [default: 10; 10000 for --scenario tenants].
    #[arg(long)]
    accounts: Option<usize>,
    /// Guests per business and channel; each writes again only after all others did.
    #[arg(long, default_value_t = 100)]
    contacts: usize,
    /// Events per second, offered open loop (duplicates: each event is delivered 3 times).
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// How long events are offered (e.g. 10s, 500ms, 2m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// As fast as possible instead of --rate: closed loop, --concurrency senders.
    #[arg(long)]
    max: bool,
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Share of platform sends the fakes fail transiently [default: 0.3 for --scenario errors, else 0].
    #[arg(long)]
    error_rate: Option<f64>,
    /// SIGKILL and restart `maitre serve` --kills times at random moments, then check that every accepted
    /// event was stored once and answered once. Every event comes from a new guest in this mode.
    #[arg(long)]
    chaos: bool,
    #[arg(long, default_value_t = 5)]
    kills: usize,
    /// Seed of the kill moments.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// After the load, how long to wait for outstanding replies once none arrive any more.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    drain: Duration,
    /// Instead of a load scenario, send this many hostile requests (bad signatures, huge and deep bodies,
    /// unknown tenants, malformed paths, wrong methods…) and report how the server answered.
    #[arg(long)]
    hostile: Option<usize>,
    /// Instead of a load scenario, fill one business with a year of history (--history-messages and the two
    /// below) and time its analytics page for 30 and 365 days (--requests each).
    #[arg(long)]
    analytics: bool,
    #[arg(long, default_value_t = 1_000_000)]
    history_messages: usize,
    #[arg(long, default_value_t = 100_000)]
    history_conversations: usize,
    #[arg(long, default_value_t = 50_000)]
    history_reservations: usize,
    /// Instead of a load scenario, one business with this many WhatsApp guests (a fifth never said yes to
    /// marketing messages) and a broadcast to them, timed until done; with --chaos, --kills SIGKILLs during it.
    #[arg(long)]
    broadcast: Option<usize>,
    /// With --broadcast or --with-broadcast: messages a second the broadcast paces itself to (0: unpaced).
    #[arg(long, default_value_t = 0)]
    broadcast_rate: u32,
    /// With a load scenario: also a broadcast (at --broadcast-rate) to this many other guests of the first
    /// business, started with the load (what a broadcast does to the replies of ordinary conversations).
    #[arg(long)]
    with_broadcast: Option<usize>,
    /// With --analytics: requests per period.
    #[arg(long, default_value_t = 100)]
    requests: usize,
    /// The maitre binary to start [default: `maitre` next to this executable].
    #[arg(long, env = "MAITRE_BENCH_MAITRE")]
    maitre: Option<PathBuf>,
    /// A PostgreSQL server (any database URL there; a fresh database is created and dropped). Without it: a
    /// fresh SQLite file. With --target: the target's own database.
    #[arg(long)]
    database_url: Option<String>,
    /// Use a running maitre at this URL instead of starting one. Its MAITRE_PLATFORMS__* URLs must point at
    /// --fakes-listen, and its rate limits should be raised (the bench measures maitre, not the pacing).
    #[arg(long, requires_all = ["database_url", "secret_key"])]
    target: Option<String>,
    /// The target's secret key (channel tokens are sealed with it).
    #[arg(long, env = "MAITRE_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// The target's Meta app secret (webhooks are signed with it).
    #[arg(long, env = "MAITRE_META__APP_SECRET", hide_env_values = true,
          default_value = maitre_bench::DEFAULT_APP_SECRET)]
    app_secret: String,
    /// With --target: where the fake platforms listen.
    #[arg(long, default_value = "127.0.0.1:9090")]
    fakes_listen: SocketAddr,
    /// With --target: its process id, to report its memory and CPU.
    #[arg(long)]
    pid: Option<u32>,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = number.parse().map_err(|_| format!("{s:?} is not a duration like 10s, 500ms or 2m"))?;
    let seconds = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} (ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| e.to_string())
}

impl Cli {
    fn server(&self) -> ServerConfig {
        match &self.target {
            Some(url) => ServerConfig::Target {
                url: url.clone(),
                database_url: self.database_url.clone().unwrap_or_default(),
                secret_key: self.secret_key.clone().unwrap_or_default(),
                app_secret: self.app_secret.clone(),
                fakes_listen: self.fakes_listen,
                pid: self.pid,
            },
            None => ServerConfig::Spawn {
                maitre_bin: self.maitre.clone().unwrap_or_else(default_maitre_bin),
                database_url: self.database_url.clone(),
            },
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (text, json, ok) = match cli.hostile {
        None if cli.broadcast.is_some() => {
            let options = BroadcastOptions {
                recipients: cli.broadcast.unwrap_or_default().max(1),
                rate: cli.broadcast_rate,
                kills: if cli.chaos { cli.kills } else { 0 },
                server: cli.server(),
            };
            let report = broadcast::run(&options).await.context("broadcast run")?;
            (report.table(), serde_json::to_string_pretty(&report)?, report.is_exact())
        }
        None if cli.analytics => {
            let options = AnalyticsOptions {
                messages: cli.history_messages,
                conversations: cli.history_conversations.max(1),
                reservations: cli.history_reservations,
                requests: cli.requests.max(1),
                server: cli.server(),
            };
            let report = analytics::run(&options).await.context("analytics run")?;
            (report.table(), serde_json::to_string_pretty(&report)?, true)
        }
        Some(requests) => {
            let options = HostileOptions { requests, concurrency: cli.concurrency.min(16), server: cli.server() };
            let report = hostile::run(&options).await.context("hostile run")?;
            let ok = report.server_errors == 0 && report.no_answer == 0 && report.ready_after;
            (report.table(), serde_json::to_string_pretty(&report)?, ok)
        }
        None => {
            let default_accounts = if cli.scenario == Scenario::Tenants { 10_000 } else { 10 };
            let options = Options {
                scenario: cli.scenario,
                accounts: cli.accounts.unwrap_or(default_accounts).max(1),
                contacts: cli.contacts,
                arrival: if cli.max { Arrival::Max { concurrency: cli.concurrency } } else { Arrival::Rate(cli.rate) },
                duration: cli.duration,
                error_rate: cli.error_rate,
                chaos: cli.chaos.then_some(Chaos { kills: cli.kills, seed: cli.seed }),
                drain_idle: cli.drain,
                with_broadcast: cli.with_broadcast.map(|n| (n, cli.broadcast_rate)),
                server: cli.server(),
            };
            let reports = maitre_bench::run(&options).await.context("load run")?;
            let mut text: String = reports.iter().map(|r| r.table()).collect::<Vec<_>>().join("\n");
            if let [few, many] = reports.as_slice() {
                let change = (many.server_cpu_us_per_event / few.server_cpu_us_per_event - 1.0) * 100.0;
                text.push_str(&format!(
                    "\nserver CPU per event: {:.0} µs with {} accounts, {:.0} µs with {} ({change:+.0}%)\n",
                    few.server_cpu_us_per_event, few.accounts, many.server_cpu_us_per_event, many.accounts
                ));
            }
            let ok = reports.iter().all(|r| r.verdict.is_exact());
            (text, serde_json::to_string_pretty(&reports)?, ok)
        }
    };
    print!("{text}");
    if let Some(path) = &cli.json {
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

//! The figures of a run: what it printed as a table and writes as JSON.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::setup::Scenario;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    /// From a histogram of microseconds.
    pub fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }
}

/// A histogram for latencies from 1 µs to 10 minutes at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// The server process's cost. Over restarts: the highest peak and the summed CPU.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServerUsage {
    /// VmHWM: the most resident memory the process ever had.
    pub peak_rss_kib: u64,
    /// User + system CPU time.
    pub cpu_seconds: f64,
}

impl ServerUsage {
    pub fn merge(&self, other: &ServerUsage) -> ServerUsage {
        ServerUsage {
            peak_rss_kib: self.peak_rss_kib.max(other.peak_rss_kib),
            cpu_seconds: self.cpu_seconds + other.cpu_seconds,
        }
    }
}

/// Exactly-once checks: every acknowledged event stored once, every answered guest message answered once.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verdict {
    /// Guest messages that must be stored (acknowledged, unique) and how many the database holds.
    pub expected_messages: u64,
    pub stored_messages: u64,
    /// Acknowledged events with no stored message, and events stored more than once (chaos checks per event).
    pub lost_events: u64,
    pub duplicated_events: u64,
    pub expected_replies: u64,
    /// Answers still missing when the run ended, and answers beyond one per message.
    pub lost_replies: u64,
    pub duplicate_replies: u64,
    /// Chaos: duplicates the design allows (the platform accepted a send, the kill came before it was recorded).
    pub allowed_duplicate_replies: u64,
}

impl Verdict {
    pub fn is_exact(&self) -> bool {
        self.lost_events == 0
            && self.duplicated_events == 0
            && self.stored_messages == self.expected_messages
            && self.lost_replies == 0
            && self.duplicate_replies <= self.allowed_duplicate_replies
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: Scenario,
    pub backend: &'static str,
    pub accounts: usize,
    pub contacts: usize,
    /// Offered events per second (`None`: as fast as possible).
    pub rate: Option<u32>,
    pub duration_seconds: f64,
    pub setup_seconds: f64,
    /// Webhook POSTs sent (events × deliveries, chaos retries included) and answered 200.
    pub deliveries: u64,
    pub acknowledged: u64,
    /// Deliveries not answered 200, by class (`http 503`, `timeout`, `connect`, …).
    pub errors: BTreeMap<String, u64>,
    pub ack: Latency,
    pub acks_per_second: f64,
    /// From the webhook's due moment to the reply's arrival at the fake platform.
    pub end_to_end: Latency,
    pub replies_per_second: f64,
    /// Sends the fake platforms failed on purpose, by fault.
    pub injected_faults: BTreeMap<String, u64>,
    /// Messages of a broadcast running beside the load that reached the fake platform during the run.
    pub broadcast_sent: u64,
    pub kills: usize,
    pub server: ServerUsage,
    /// Server CPU per acknowledged event, in microseconds.
    pub server_cpu_us_per_event: f64,
    /// What the load generator and the fakes (this process) spent meanwhile.
    pub bench_cpu_seconds: f64,
    pub verdict: Verdict,
}

impl Report {
    /// A table for the terminal.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let rate = self.rate.map_or("max".to_owned(), |r| format!("{r}/s"));
        let _ = writeln!(
            t,
            "scenario {:?} on {}: {} accounts × {} guests, {rate} for {:.1} s (setup {:.1} s){}",
            self.scenario,
            self.backend,
            self.accounts,
            self.contacts,
            self.duration_seconds,
            self.setup_seconds,
            if self.kills > 0 { format!(", {} kills", self.kills) } else { String::new() }
        );
        let row = |t: &mut String, name: &str, l: &Latency, per_s: f64| {
            let _ = writeln!(
                t,
                "  {name:<12} {:>8} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>10.0}",
                l.count, l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, per_s
            );
        };
        let _ = writeln!(
            t,
            "  {:<12} {:>8} {:>9} {:>9} {:>9} {:>9} {:>10}",
            "ms", "n", "p50", "p90", "p99", "max", "per s"
        );
        row(&mut t, "webhook ack", &self.ack, self.acks_per_second);
        if self.scenario.answers() {
            row(&mut t, "end to end", &self.end_to_end, self.replies_per_second);
        }
        let _ = writeln!(
            t,
            "  deliveries {} acknowledged {} errors {}{}",
            self.deliveries,
            self.acknowledged,
            self.errors.values().sum::<u64>(),
            if self.errors.is_empty() { String::new() } else { format!(" {:?}", self.errors) }
        );
        if self.broadcast_sent > 0 {
            let _ = writeln!(t, "  beside it, a broadcast sent {} messages", self.broadcast_sent);
        }
        if !self.injected_faults.is_empty() {
            let _ = writeln!(t, "  injected platform faults {:?}", self.injected_faults);
        }
        let v = &self.verdict;
        let _ = writeln!(
            t,
            "  stored {}/{} messages ({} lost, {} duplicated); replies {} expected, {} lost, {} duplicated{}",
            v.stored_messages,
            v.expected_messages,
            v.lost_events,
            v.duplicated_events,
            v.expected_replies,
            v.lost_replies,
            v.duplicate_replies,
            if self.kills > 0 {
                format!(" ({} allowed by the kill window)", v.allowed_duplicate_replies)
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            t,
            "  server peak RSS {:.1} MiB, CPU {:.2} s ({:.0} µs per event); bench CPU {:.2} s",
            self.server.peak_rss_kib as f64 / 1024.0,
            self.server.cpu_seconds,
            self.server_cpu_us_per_event,
            self.bench_cpu_seconds
        );
        let _ = writeln!(t, "  {}", if v.is_exact() { "exactly once: yes" } else { "exactly once: NO" });
        t
    }
}

//! One run: businesses created, server started, webhooks offered at the planned moments, replies matched as the
//! fake platforms receive them, then the checks and the figures.
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use maitre_store::{Clock, Store};
use maitre_testkit::{Fault, Observed};
use tokio::task::JoinSet;

use crate::report::{Latency, Report, Verdict, histogram};
use crate::server::{Server, own_cpu_seconds};
use crate::traffic::{Event, Ids, Traffic};
use crate::{Arrival, Options, Result, chaos, setup};

/// What the senders saw.
pub(crate) struct Sent {
    ack: Histogram<u64>,
    errors: BTreeMap<String, u64>,
    deliveries: u64,
    acknowledged: u64,
    /// Events with at least one acknowledged delivery that are guest messages.
    pub acked_messages: Vec<u64>,
    last_ack: Option<Instant>,
}

/// Replies as the fake platforms receive them, matched to the messages they answer: per guest, first come first
/// matched (a guest writes again only after every other guest did, so their messages rarely overlap).
#[derive(Default)]
pub(crate) struct Replies {
    waiting: HashMap<String, VecDeque<Instant>>,
    e2e: Option<Histogram<u64>>,
    /// Accepted sends per guest, matched or not.
    pub per_guest: HashMap<String, u64>,
    unexpected: u64,
    last_at: Option<Instant>,
    faults: BTreeMap<String, u64>,
    /// Every request the fakes recorded (sends, profile look-ups, failures).
    pub observed: u64,
    /// Sends of a broadcast running beside the load.
    pub broadcast: u64,
}

impl Replies {
    fn expect(&mut self, guest: &str, due: Instant) {
        self.waiting.entry(guest.to_owned()).or_default().push_back(due);
    }

    /// A message that was never acknowledged expects no reply.
    fn forget(&mut self, guest: &str, due: Instant) {
        if let Some(queue) = self.waiting.get_mut(guest) {
            queue.retain(|d| *d != due);
        }
    }

    fn observe(&mut self, o: Observed) {
        self.observed += 1;
        if let Some(fault) = &o.request.fault {
            *self.faults.entry(fault_name(fault)).or_default() += 1;
        }
        let Some(sent) = o.request.sent_message() else { return };
        // A broadcast running beside the load reaches guests of its own: not replies.
        if sent.text == crate::broadcast::BODY {
            self.broadcast += 1;
            return;
        }
        let guest = sent.recipient.trim_start_matches('+').to_owned();
        match self.waiting.get_mut(&guest).and_then(VecDeque::pop_front) {
            Some(due) => {
                let e2e = self.e2e.get_or_insert_with(histogram);
                let _ = e2e.record(o.at.saturating_duration_since(due).as_micros().max(1) as u64);
            }
            None => self.unexpected += 1,
        }
        *self.per_guest.entry(guest).or_default() += 1;
        self.last_at = Some(o.at);
    }

    fn matched(&self) -> u64 {
        self.e2e.as_ref().map_or(0, Histogram::len)
    }
}

fn fault_name(f: &Fault) -> String {
    match f {
        Fault::ServerError500 => "http 500".into(),
        Fault::RateLimit(code) => format!("rate limit {code}"),
        other => format!("{other:?}"),
    }
}

/// Shared by the senders, the chaos monkey and the checks.
pub(crate) struct Ctx {
    pub traffic: Traffic,
    http: reqwest::Client,
    url: String,
    /// Chaos: like Meta, deliver again until acknowledged.
    retry_until_acked: bool,
    pub sent: Mutex<Sent>,
    pub replies: Arc<Mutex<Replies>>,
    offered: AtomicU64,
}

impl Ctx {
    pub fn replies(&self) -> MutexGuard<'_, Replies> {
        self.replies.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn sent(&self) -> MutexGuard<'_, Sent> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One delivery; `Err` names the failure's class.
    async fn post(&self, event: &Event) -> Result<(), String> {
        let res = self
            .http
            .post(&self.url)
            .header("x-hub-signature-256", &event.signature)
            .header("content-type", "application/json")
            .body(event.body.clone())
            .send()
            .await;
        match res {
            Ok(r) if r.status() == reqwest::StatusCode::OK => Ok(()),
            Ok(r) => Err(format!("http {}", r.status().as_u16())),
            Err(e) if e.is_timeout() => Err("timeout".into()),
            Err(e) if e.is_connect() => Err("connect".into()),
            Err(_) => Err("request".into()),
        }
    }

    /// Delivers event `seq` (as many times as the scenario says, concurrently) and records what happened.
    /// Latency counts from `due`, the moment the delivery was planned.
    async fn deliver(self: Arc<Self>, seq: u64, due: Instant) {
        let event = Arc::new(self.traffic.event(seq));
        let answered = event.is_message && self.traffic.scenario.answers();
        if answered {
            self.replies().expect(&event.guest, due);
        }
        let mut copies = JoinSet::new();
        for _ in 0..self.traffic.scenario.deliveries() {
            let (ctx, event) = (self.clone(), event.clone());
            copies.spawn(async move { ctx.deliver_once(&event, due).await });
        }
        let mut acked = false;
        while let Some(ok) = copies.join_next().await {
            acked |= ok.unwrap_or(false);
        }
        match (acked, event.is_message) {
            (true, true) => self.sent().acked_messages.push(seq),
            (false, _) if answered => self.replies().forget(&event.guest, due),
            _ => {}
        }
    }

    async fn deliver_once(&self, event: &Event, due: Instant) -> bool {
        let give_up = due + Duration::from_secs(60);
        loop {
            let result = self.post(event).await;
            let now = Instant::now();
            if self.record(result, due, now) {
                return true;
            }
            if !self.retry_until_acked || now > give_up {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Counts one delivery's answer; true when it was acknowledged.
    fn record(&self, result: Result<(), String>, due: Instant, now: Instant) -> bool {
        let mut sent = self.sent();
        sent.deliveries += 1;
        match result {
            Ok(()) => {
                sent.acknowledged += 1;
                sent.last_ack = Some(now);
                let _ = sent.ack.record(now.saturating_duration_since(due).as_micros().max(1) as u64);
                true
            }
            Err(class) => {
                *sent.errors.entry(class).or_default() += 1;
                false
            }
        }
    }
}

/// Offers events for `duration` at the arrival pattern; returns when every delivery has been answered.
async fn offer(ctx: Arc<Ctx>, arrival: Arrival, start: Instant, duration: Duration) {
    let end = start + duration;
    let mut tasks = JoinSet::new();
    match arrival {
        Arrival::Rate(rate) => {
            for seq in 0.. {
                // Planned up front: due times never drift with how fast earlier deliveries went.
                let due = start + Duration::from_secs_f64(seq as f64 / f64::from(rate));
                if due >= end {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                ctx.offered.fetch_add(1, Ordering::Relaxed);
                tasks.spawn(ctx.clone().deliver(seq, due));
                while tasks.try_join_next().is_some() {}
            }
        }
        Arrival::Max { concurrency } => {
            tokio::time::sleep_until(start.into()).await;
            for _ in 0..concurrency {
                let ctx = ctx.clone();
                tasks.spawn(async move {
                    while Instant::now() < end {
                        let seq = ctx.offered.fetch_add(1, Ordering::Relaxed);
                        ctx.clone().deliver(seq, Instant::now()).await;
                    }
                });
            }
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// The load generator's shared state: what to send where, and what came back.
fn context(o: &Options, ids: Ids, server: &Server) -> Result<Arc<Ctx>> {
    Ok(Arc::new(Ctx {
        traffic: Traffic {
            ids,
            scenario: o.scenario,
            accounts: o.accounts as u64,
            contacts: if o.chaos.is_some() { None } else { Some(o.contacts.max(1) as u64) },
            app_secret: server.app_secret.clone(),
        },
        http: reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?,
        url: format!("{}/webhooks/meta", server.base_url()),
        retry_until_acked: o.chaos.is_some(),
        sent: Mutex::new(Sent {
            ack: histogram(),
            errors: BTreeMap::new(),
            deliveries: 0,
            acknowledged: 0,
            acked_messages: Vec::new(),
            last_ack: None,
        }),
        replies: Arc::default(),
        offered: AtomicU64::new(0),
    }))
}

pub async fn run(o: &Options) -> Result<Report> {
    let mut server = Server::prepare(&o.server).await?;
    let store = Store::open(&server.database_url, Clock::system()).await?;
    let ids = Ids::new();
    let setup_started = Instant::now();
    let tenants = setup::create(&store, &server, &ids, o.scenario, o.accounts).await?;
    crate::broadcast::beside(&server.database_url, &tenants[0], &ids, o.with_broadcast).await?;
    let setup_seconds = setup_started.elapsed().as_secs_f64();
    server.start().await?;
    let error_rate = o.error_rate.unwrap_or(o.scenario.default_error_rate());
    if error_rate > 0.0 {
        server.fakes.set_fault_rate(error_rate, vec![Fault::ServerError500, Fault::RateLimit(4)]);
    }

    let ctx = context(o, ids, &server)?;
    let collector = collect(&server, ctx.replies.clone());

    let before = server.usage();
    let bench_before = own_cpu_seconds();
    let start = Instant::now() + Duration::from_millis(50);
    let offering = tokio::spawn(offer(ctx.clone(), o.arrival, start, o.duration));
    let mut window = chaos::DuplicateWindow::default();
    let kills = match o.chaos {
        Some(c) => chaos::monkey(&mut server, &ctx, &tenants, &mut window, c, start, o.duration).await?,
        None => 0,
    };
    offering.await.map_err(|e| crate::Error::Server(format!("load generator failed: {e}")))?;
    let offered_for = start.elapsed();
    drain(&ctx, &tenants, o.drain_idle).await?;
    let usage = server.usage();
    let bench_cpu_seconds = own_cpu_seconds() - bench_before;

    let verdict = if o.chaos.is_some() {
        chaos::verify(&ctx, &tenants, &window).await?
    } else {
        count_stored(&ctx, &tenants).await?
    };
    let clean = server.stop(Duration::from_secs(10)).await?;
    if !clean && server.is_spawned() {
        eprintln!("maitre serve did not stop cleanly:\n{}", server.log_tail());
    }
    collector.abort();
    store.close().await;

    let sent = ctx.sent();
    let replies = ctx.replies();
    let since_start = |t: Option<Instant>| t.map_or(0.0, |t| t.saturating_duration_since(start).as_secs_f64());
    let per_second = |n: u64, t: Option<Instant>| if since_start(t) > 0.0 { n as f64 / since_start(t) } else { 0.0 };
    let cpu_seconds = usage.cpu_seconds - before.cpu_seconds;
    Ok(Report {
        scenario: o.scenario,
        backend: match maitre_store::Backend::from_url(&server.database_url) {
            Ok(maitre_store::Backend::Postgres) => "postgres",
            _ => "sqlite",
        },
        accounts: o.accounts,
        contacts: o.contacts,
        rate: match o.arrival {
            Arrival::Rate(r) => Some(r),
            Arrival::Max { .. } => None,
        },
        duration_seconds: offered_for.as_secs_f64(),
        setup_seconds,
        deliveries: sent.deliveries,
        acknowledged: sent.acknowledged,
        errors: sent.errors.clone(),
        ack: Latency::of(&sent.ack),
        acks_per_second: per_second(sent.acknowledged, sent.last_ack),
        end_to_end: replies.e2e.as_ref().map(Latency::of).unwrap_or_default(),
        replies_per_second: per_second(replies.matched(), replies.last_at),
        injected_faults: replies.faults.clone(),
        broadcast_sent: replies.broadcast,
        kills,
        server_cpu_us_per_event: cpu_seconds * 1e6
            / (sent.acknowledged as f64 / o.scenario.deliveries() as f64).max(1.0),
        server: crate::ServerUsage { peak_rss_kib: usage.peak_rss_kib, cpu_seconds },
        bench_cpu_seconds,
        verdict,
    })
}

/// Feeds what the fakes record into the matcher, and keeps the fakes' own log short: the matcher has it all.
fn collect(server: &Server, replies: Arc<Mutex<Replies>>) -> tokio::task::JoinHandle<()> {
    let mut observed = server.fakes.observe();
    let fakes = server.fakes.clone();
    tokio::spawn(async move {
        while let Some(o) = observed.recv().await {
            let mut r = replies.lock().unwrap_or_else(|e| e.into_inner());
            r.observe(o);
            if r.observed.is_multiple_of(10_000) {
                fakes.clear();
            }
        }
    })
}

/// Waits until every expected reply arrived (without answers: every guest message was stored), or nothing moved
/// for `idle`.
async fn drain(ctx: &Ctx, tenants: &[maitre_store::TenantStore], idle: Duration) -> Result<()> {
    let expected = ctx.sent().acked_messages.len() as u64;
    let (mut seen, mut progress) = (0, Instant::now());
    loop {
        let done = if ctx.traffic.scenario.answers() { ctx.replies().matched() } else { stored(tenants).await? };
        if done >= expected || progress.elapsed() > idle {
            return Ok(());
        }
        if done > seen {
            (seen, progress) = (done, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(if ctx.traffic.scenario.answers() { 20 } else { 200 })).await;
    }
}

/// Guest messages stored over all bench businesses.
async fn stored(tenants: &[maitre_store::TenantStore]) -> Result<u64> {
    let mut n = 0;
    for tenant in tenants {
        n += tenant.conversations().message_counts().await?.1 as u64;
    }
    Ok(n)
}

/// Without kills, counts are enough: stored guest messages against acknowledged unique messages, replies
/// against expectations.
async fn count_stored(ctx: &Ctx, tenants: &[maitre_store::TenantStore]) -> Result<Verdict> {
    let stored = stored(tenants).await?;
    let expected_messages = ctx.sent().acked_messages.len() as u64;
    let replies = ctx.replies();
    let expected_replies = if ctx.traffic.scenario.answers() { expected_messages } else { 0 };
    Ok(Verdict {
        expected_messages,
        stored_messages: stored,
        lost_events: expected_messages.saturating_sub(stored),
        duplicated_events: stored.saturating_sub(expected_messages),
        expected_replies,
        lost_replies: expected_replies.saturating_sub(replies.matched()),
        duplicate_replies: replies.unexpected,
        allowed_duplicate_replies: 0,
    })
}

//! `--broadcast N`: one business with N WhatsApp guests who wrote within the last hour (a fifth never said yes to
//! marketing messages), a broadcast to all of them started before `maitre serve` comes up, and then timed until
//! done: messages a second, CPU per message, peak memory. With `--chaos` the server is SIGKILLed at evenly spaced
//! points of the run and restarted, while the fake's `sent` status webhooks reach maitre as Meta's would (retried
//! until answered; runs without kills post none); afterwards every guest who said yes must have exactly one message at the fake Graph API and
//! nobody else any. `with_broadcast` seeds the same broadcast into a load run, to see what it does to replies.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use maitre_domain::broadcasts::{BroadcastStatus, Command};
use maitre_domain::segments::SegmentRules;
use maitre_domain::{BroadcastId, Platform};
use maitre_store::{BroadcastDraft, Clock, Store, TenantStore};
use serde::Serialize;
use sqlx::AnyPool;

use crate::bulk::{Value, db, insert, text};
use crate::server::{Server, ServerConfig};
use crate::setup::{self, Scenario};
use crate::statuses::StatusPoster;
use crate::traffic::Ids;
use crate::{Error, Result};

/// What every broadcast guest receives; nothing else the bench sends says it.
pub const BODY: &str = "Our terrace opens on Friday: see you there! (maitre-bench broadcast)";

pub struct BroadcastOptions {
    pub recipients: usize,
    /// Messages a second the broadcast paces itself to; 0: unpaced.
    pub rate: u32,
    /// SIGKILL and restart the server this many times during the broadcast.
    pub kills: usize,
    pub server: ServerConfig,
}

#[derive(Debug, Serialize)]
pub struct BroadcastReport {
    pub backend: &'static str,
    pub recipients: usize,
    /// Guests who said yes to marketing messages: exactly these are to be messaged.
    pub eligible: usize,
    pub rate: u32,
    pub kills: usize,
    pub seconds: f64,
    pub messages_per_second: f64,
    pub cpu_ms_per_message: f64,
    pub peak_rss_mib: f64,
    /// Distinct eligible guests with a message at the fake.
    pub reached: usize,
    pub missing: usize,
    /// Messages to guests who never said yes.
    pub unexpected: usize,
    pub duplicates: u64,
}

impl BroadcastReport {
    pub fn is_exact(&self) -> bool {
        self.missing == 0 && self.unexpected == 0 && self.duplicates == 0
    }

    pub fn table(&self) -> String {
        format!(
            "broadcast on {}: {} guests, {} said yes, pace {}, {} kills\n  \
             done in {:.1} s: {:.0} messages/s, {:.2} ms CPU per message, peak RSS {:.0} MiB\n  \
             reached {} of {}; missing {}, unexpected {}, duplicates {}\n",
            self.backend,
            self.recipients,
            self.eligible,
            if self.rate == 0 { "unpaced".to_owned() } else { format!("{}/s", self.rate) },
            self.kills,
            self.seconds,
            self.messages_per_second,
            self.cpu_ms_per_message,
            self.peak_rss_mib,
            self.reached,
            self.eligible,
            self.missing,
            self.unexpected,
            self.duplicates,
        )
    }
}

/// The WhatsApp id of broadcast guest `i` (a range of its own: the load's guests start with 49).
fn guest(run: u32, i: usize) -> String {
    format!("30{run}{i:07}")
}

/// Every fifth guest never said yes.
fn says_yes(i: usize) -> bool {
    !i.is_multiple_of(5)
}

const CONTACT_COLUMNS: &[&str] = &["account_id", "id", "channel_id", "external_id", "name", "created_at"];
const CONVERSATION_COLUMNS: &[&str] = &[
    "account_id",
    "id",
    "channel_id",
    "contact_id",
    "status",
    "mode",
    "last_inbound_at",
    "last_message_at",
    "first_inbound_at",
    "created_at",
];
const CONSENT_COLUMNS: &[&str] = &["account_id", "id", "contact_id", "state", "source", "detail", "at"];

/// Writes `n` guests of `tenant`'s WhatsApp channel who wrote an hour ago, four in five with an opt-in, then a
/// broadcast of [`BODY`] to all of them at `rate`, started (recipients copied, first round queued).
pub async fn with_broadcast(
    database_url: &str,
    tenant: &TenantStore,
    ids: &Ids,
    n: usize,
    rate: u32,
) -> Result<BroadcastId> {
    let channel = tenant
        .channels()
        .list()
        .await?
        .into_iter()
        .find(|c| c.platform == Platform::WhatsApp)
        .ok_or_else(|| Error::Setup("the bench business has no WhatsApp channel".into()))?;
    let (account, channel) = (tenant.account_id().to_string(), channel.id.to_string());
    let wrote = Utc::now().timestamp_millis() - 3_600_000;
    let (mut contacts, mut conversations, mut consents) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let contact = uuid::Uuid::now_v7().to_string();
        contacts.push(vec![
            text(&account),
            text(&contact),
            text(&channel),
            text(guest(ids.run, i)),
            text(format!("Guest {i}")),
            Value::Int(wrote),
        ]);
        conversations.push(vec![
            text(&account),
            text(uuid::Uuid::now_v7().to_string()),
            text(&channel),
            text(&contact),
            text("open"),
            text("bot"),
            Value::Int(wrote),
            Value::Int(wrote),
            Value::Int(wrote),
            Value::Int(wrote),
        ]);
        if says_yes(i) {
            let consent = uuid::Uuid::now_v7().to_string();
            let row = [text(&account), text(consent), text(&contact), text("opted_in"), text("staff"), text("bench")];
            consents.push(row.into_iter().chain([Value::Int(wrote)]).collect());
        }
    }
    let pool = AnyPool::connect(database_url).await.map_err(db)?;
    insert(&pool, "contacts", CONTACT_COLUMNS, &contacts).await?;
    insert(&pool, "conversations", CONVERSATION_COLUMNS, &conversations).await?;
    insert(&pool, "contact_consents", CONSENT_COLUMNS, &consents).await?;
    pool.close().await;
    let segment = tenant.segments().create("Everyone", &SegmentRules::default()).await?;
    let draft = BroadcastDraft { name: "Terrace", segment_id: segment.id, body: BODY, template_id: None, rate };
    let id = tenant.broadcasts().create(&draft, None).await?.id;
    tenant.broadcasts().command(id, Command::Send).await?;
    Ok(id)
}

/// With `Some((n, rate))`, the broadcast of [`with_broadcast`] beside a load run.
pub async fn beside(database_url: &str, tenant: &TenantStore, ids: &Ids, what: Option<(usize, u32)>) -> Result<()> {
    match what {
        Some((n, rate)) => with_broadcast(database_url, tenant, ids, n, rate).await.map(drop),
        None => Ok(()),
    }
}

/// Sends of [`BODY`] per guest the fake accepted so far.
fn accepted(server: &Server) -> HashMap<String, u64> {
    let mut got = HashMap::new();
    for m in server.fakes.sent_messages().into_iter().filter(|m| m.text == BODY) {
        *got.entry(m.recipient.trim_start_matches('+').to_owned()).or_default() += 1;
    }
    got
}

/// Waits until the broadcast is done and none of its messages waits for its send.
async fn finished(tenant: &TenantStore, id: BroadcastId, pool: &AnyPool) -> Result<bool> {
    if tenant.broadcasts().get(id).await?.status != BroadcastStatus::Done {
        return Ok(false);
    }
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM broadcast_recipients r JOIN messages m ON m.account_id = r.account_id \
         AND m.id = r.message_id WHERE r.broadcast_id = $1 AND m.status = 'queued'",
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(waiting == 0)
}

pub async fn run(o: &BroadcastOptions) -> Result<BroadcastReport> {
    let mut server = Server::prepare(&o.server).await?;
    let store = Store::open(&server.database_url, Clock::system()).await?;
    let ids = Ids::new();
    let tenant = setup::create(&store, &server, &ids, Scenario::Ack, 1).await?.remove(0);
    let id = with_broadcast(&server.database_url, &tenant, &ids, o.recipients, o.rate).await?;
    let pool = AnyPool::connect(&server.database_url).await.map_err(db)?;
    let eligible = (0..o.recipients).filter(|i| says_yes(*i)).count();
    let started = Instant::now();
    // Kill runs need WhatsApp's word on sends a kill cut off; plain runs measure the sends alone, as before.
    let mut statuses = if o.kills > 0 { Some(StatusPoster::new(&server)?) } else { None };
    server.start().await?;
    let mut kills = 0;
    let deadline = started + Duration::from_secs(3600);
    while !finished(&tenant, id, &pool).await? {
        if Instant::now() > deadline {
            return Err(Error::Server(format!("the broadcast was not done after an hour:\n{}", server.log_tail())));
        }
        // Kills at evenly spaced shares of the messages (a kill during the restart's catch-up counts too).
        let reached = server.fakes.sent_messages().len();
        if kills < o.kills && reached * (o.kills + 1) >= eligible * (kills + 1) {
            server.kill()?;
            crate::chaos::expire_leases(&server.database_url).await?;
            server.start().await?;
            kills += 1;
        }
        if let Some(statuses) = &mut statuses {
            statuses.deliver(&server).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let usage = server.usage();
    server.stop(Duration::from_secs(10)).await?;
    let got = accepted(&server);
    let yes: Vec<String> = (0..o.recipients).filter(|i| says_yes(*i)).map(|i| guest(ids.run, i)).collect();
    let no = (0..o.recipients).filter(|i| !says_yes(*i)).map(|i| guest(ids.run, i));
    let sent: u64 = got.values().sum();
    let per_message = |x: f64| if sent > 0 { x / sent as f64 } else { 0.0 };
    pool.close().await;
    store.close().await;
    Ok(BroadcastReport {
        backend: if server.database_url.starts_with("postgres") { "postgres" } else { "sqlite" },
        recipients: o.recipients,
        eligible,
        rate: o.rate,
        kills,
        seconds,
        messages_per_second: sent as f64 / seconds,
        cpu_ms_per_message: per_message(usage.cpu_seconds * 1000.0),
        peak_rss_mib: usage.peak_rss_kib as f64 / 1024.0,
        reached: yes.iter().filter(|g| got.contains_key(*g)).count(),
        missing: yes.iter().filter(|g| !got.contains_key(*g)).count(),
        unexpected: no.filter(|g| got.contains_key(g)).count(),
        duplicates: got.values().map(|n| n.saturating_sub(1)).sum(),
    })
}

//! The analytics bench: one business with a year of history, then its analytics page requested over HTTP for 30
//! and for 365 days, one request at a time, with p50/p95/max latency.
//!
//! The history (by default 1,000,000 messages in 100,000 conversations, each starting the booking flow, and 50,000
//! reservations, in Berlin's time) is written straight into the tables in large batches: a year of traffic through webhooks would take hours. The
//! tables' triggers count the figures exactly as they do for live traffic, so the page reads what it would read.
use std::time::{Duration, Instant};

use chrono::Utc;
use maitre_domain::flow::{NodeKind, Stage, templates};
use maitre_domain::{AccountSettings, Locale, Platform};
use maitre_store::{Clock, NewAccount, NewChannel, Store};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use sqlx::AnyPool;

use crate::bulk::{Value, db, insert, text};
use crate::server::{Server, ServerConfig};
use crate::{Error, Result};

pub struct AnalyticsOptions {
    pub messages: usize,
    pub conversations: usize,
    pub reservations: usize,
    /// Requests per period, after three to warm up.
    pub requests: usize,
    pub server: ServerConfig,
}

/// Latencies of one period's page, in milliseconds.
#[derive(Debug, Serialize)]
pub struct PageLatency {
    pub days: u32,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct AnalyticsReport {
    pub messages: usize,
    pub conversations: usize,
    pub reservations: usize,
    pub fill_seconds: f64,
    /// Rows of counted figures the history made.
    pub figure_rows: i64,
    pub pages: Vec<PageLatency>,
}

impl AnalyticsReport {
    pub fn table(&self) -> String {
        let mut out = format!(
            "analytics: {} messages, {} conversations, {} reservations over a year ({} figure rows), written in {:.0} s\n",
            self.messages, self.conversations, self.reservations, self.figure_rows, self.fill_seconds
        );
        for p in &self.pages {
            out += &format!(
                "  page for {:>3} days: p50 {:>6.1} ms  p95 {:>6.1} ms  max {:>6.1} ms\n",
                p.days, p.p50_ms, p.p95_ms, p.max_ms
            );
        }
        out
    }
}

const YEAR_MS: i64 = 365 * 86_400_000;

/// A conversation of the history: its channel, and when its guest first wrote.
struct Conversation {
    id: String,
    channel: String,
    contact: String,
    start: i64,
}

/// Contacts and conversations: spread over the year, each answered by a flow in seconds; a third handed to the
/// team, who answer in 1 to 90 minutes; most closed, within minutes to three days.
fn conversations(
    o: &AnalyticsOptions,
    account: &str,
    channels: &[String],
    from: i64,
    rng: &mut StdRng,
) -> (Vec<Conversation>, Vec<Vec<Value>>, Vec<Vec<Value>>) {
    let (mut list, mut contacts, mut rows) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..o.conversations {
        let start = from + (i as i64 * YEAR_MS) / o.conversations as i64 + rng.random_range(0..3_600_000);
        let channel = channels[i % channels.len()].clone();
        let (id, contact) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
        contacts.push(vec![
            text(account),
            text(&contact),
            text(&channel),
            text(format!("guest-{i}")),
            Value::Int(start),
        ]);
        let bot = start + rng.random_range(1_000..20_000);
        let handed = rng.random_ratio(1, 3);
        let member = handed.then(|| bot + rng.random_range(60_000..5_400_000));
        let closed = rng.random_ratio(4, 5).then(|| start + rng.random_range(600_000..259_200_000));
        let status = if closed.is_some() { "closed" } else { "open" };
        rows.push(vec![
            text(account),
            text(&id),
            text(&channel),
            text(&contact),
            text(status),
            text(if handed { "human" } else { "bot" }),
            Value::Int(start),
            Value::Int(member.unwrap_or(bot)),
            Value::Int(start),
            Value::Int(start),
            Value::Int(bot),
            if handed { Value::Int(bot) } else { Value::NoInt },
            member.map_or(Value::NoInt, Value::Int),
            closed.map_or(Value::NoInt, Value::Int),
        ]);
        list.push(Conversation { id, channel, contact, start });
    }
    (list, contacts, rows)
}

/// Messages: each conversation's share, alternating guest and flow (and the team where it took over), 20 seconds
/// to 10 minutes apart; each flow reply keeps how long the guest's message before it waited.
fn messages(o: &AnalyticsOptions, account: &str, list: &[Conversation], rng: &mut StdRng) -> Vec<Vec<Value>> {
    let mut rows = Vec::with_capacity(o.messages);
    let mut last: Vec<i64> = list.iter().map(|c| c.start).collect();
    for n in 0..o.messages {
        let (i, guest) = (n % list.len(), (n / list.len()) % 2 == 0);
        let c = &list[i];
        let at = if n < list.len() { c.start } else { last[i] + rng.random_range(20_000..600_000) };
        let waited = (!guest).then(|| at - last[i]);
        last[i] = at;
        let (direction, author, status) = if guest { ("in", "guest", "received") } else { ("out", "bot", "delivered") };
        rows.push(vec![
            text(account),
            text(uuid::Uuid::now_v7().to_string()),
            text(&c.id),
            text(&c.channel),
            text(direction),
            text("text"),
            text("Hallo, habt ihr morgen um 20 Uhr einen Tisch für 4?"),
            if guest { text(format!("m-{n}")) } else { Value::NoText },
            text(status),
            Value::Int(at),
            Value::Int(at),
            text(author),
            waited.map_or(Value::NoInt, Value::Int),
        ]);
    }
    rows
}

/// Reservations: most made by the flow `flow` in a conversation, for one to fourteen days later; some cancelled,
/// visits in the past completed or missed.
fn reservations(
    o: &AnalyticsOptions,
    (account, flow): (&str, &str),
    list: &[Conversation],
    now: i64,
    rng: &mut StdRng,
) -> Vec<Vec<Value>> {
    (0..o.reservations)
        .map(|i| {
            let c = &list[(i * 2) % list.len()];
            // Every fifth booking is a regular's who wrote about a month before (~8,000 conversations earlier).
            let guest = if i % 5 == 0 { &list[(i * 2 + list.len() - 8_000 % list.len()) % list.len()] } else { c };
            let made = c.start + 60_000;
            let starts = made + rng.random_range(1..15) * 86_400_000;
            let status = match (rng.random_range(0..10), starts < now) {
                (0, _) => "cancelled",
                (1, true) => "no_show",
                (_, true) => "completed",
                (_, false) => "confirmed",
            };
            let by_flow = rng.random_ratio(3, 4);
            vec![
                text(account),
                text(uuid::Uuid::now_v7().to_string()),
                Value::Int(starts),
                Value::Int(starts + 7_200_000),
                text("2026-01-01T19:30"),
                Value::Int(rng.random_range(1..9)),
                text(status),
                text("Guest"),
                text(if by_flow { "flow" } else { "staff" }),
                Value::Int(made),
                Value::Int(made),
                if by_flow { text(&c.id) } else { Value::NoText },
                text(&guest.contact),
                if by_flow { text(flow) } else { Value::NoText },
            ]
        })
        .collect()
}

/// Flow runs: each conversation starts the booking flow `flow`; its guest answers each of its `questions` in
/// turn (nine in ten do), stopping at the first left unanswered; who answers all is booked (nine in ten) and
/// reaches the end.
fn passages(
    account: &str,
    flow: &str,
    questions: &[String],
    list: &[Conversation],
    rng: &mut StdRng,
) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for c in list {
        let run = c.start + 1_000;
        let mut pass = |stage: Stage| {
            let row = [text(account), text(&c.id), text(&c.channel), text(flow), Value::Int(run), text(stage.word())];
            rows.push(row.into_iter().chain([Value::Int(run)]).collect());
        };
        pass(Stage::Started);
        let answered_all = questions.iter().all(|q| {
            pass(Stage::Entered(q.clone()));
            let answered = rng.random_ratio(9, 10);
            if answered {
                pass(Stage::Answered(q.clone()));
            }
            answered
        });
        if answered_all && rng.random_ratio(9, 10) {
            pass(Stage::Entered("reserve".into()));
            pass(Stage::Booked);
            pass(Stage::Completed);
        }
    }
    rows
}

const PASSAGE_COLUMNS: &[&str] =
    &["account_id", "conversation_id", "channel_id", "flow_id", "run_started_at", "stage", "at"];
const CONTACT_COLUMNS: &[&str] = &["account_id", "id", "channel_id", "external_id", "created_at"];
const CONVERSATION_COLUMNS: &[&str] = &[
    "account_id",
    "id",
    "channel_id",
    "contact_id",
    "status",
    "mode",
    "last_inbound_at",
    "last_message_at",
    "created_at",
    "first_inbound_at",
    "first_bot_reply_at",
    "first_handoff_at",
    "first_member_reply_at",
    "closed_at",
];
const MESSAGE_COLUMNS: &[&str] = &[
    "account_id",
    "id",
    "conversation_id",
    "channel_id",
    "direction",
    "kind",
    "body",
    "platform_message_id",
    "status",
    "created_at",
    "updated_at",
    "author",
    "reply_ms",
];
const RESERVATION_COLUMNS: &[&str] = &[
    "account_id",
    "id",
    "starts_at",
    "ends_at",
    "local_start",
    "party_size",
    "status",
    "name",
    "source",
    "created_at",
    "updated_at",
    "conversation_id",
    "contact_id",
    "flow_id",
];

/// The bench's business in Berlin with a WhatsApp and an Instagram channel, and a session cookie of its owner
/// (the page needs a signed-in member: a session made here stands for a sign-in).
async fn business(store: &Store) -> Result<(String, Vec<String>, String, String)> {
    let settings =
        AccountSettings::defaults_for("Bench Analytics", Locale::En).map_err(|e| Error::Setup(e.to_string()))?;
    let settings = AccountSettings { time_zone: "Europe/Berlin".into(), ..settings };
    let (account, owner) = store
        .create_account_with_owner(NewAccount {
            settings: &settings,
            owner_email: &format!("analytics-{}@example.com", uuid::Uuid::now_v7().simple()),
            owner_name: "Bench Owner",
            owner_password_hash: "!",
        })
        .await?;
    let tenant = store.tenant_for_operator(account).await?;
    let mut channels = Vec::new();
    for (platform, name) in [(Platform::WhatsApp, "WhatsApp"), (Platform::Instagram, "Instagram")] {
        let external_id = format!("{}", uuid::Uuid::now_v7().simple());
        let channel = NewChannel {
            platform,
            external_id: &external_id,
            name,
            credentials: "sealed",
            webhook_secret_hash: "",
            token_expires_at: None,
            verified: false,
        };
        channels.push(tenant.channels().create_channel(channel).await?.id.to_string());
    }
    let flow = maitre_app::flows::install_published(&tenant, "restaurant_de", "maitre-bench")
        .await
        .map_err(|e| Error::Setup(e.to_string()))?;
    let cookie = format!("{:032x}", rand::random::<u128>());
    store.create_session(owner, &cookie, "maitre-bench", "127.0.0.1").await?;
    Ok((account.to_string(), channels, cookie, flow.id.to_string()))
}

/// Writes the year of history; returns how long it took and how many figure rows it made.
async fn fill(
    o: &AnalyticsOptions,
    database_url: &str,
    account: &str,
    channels: &[String],
    flow: &str,
) -> Result<(f64, i64)> {
    let pool = AnyPool::connect(database_url).await.map_err(db)?;
    let now = Utc::now().timestamp_millis();
    let mut rng = StdRng::seed_from_u64(19);
    let started = Instant::now();
    let (list, contact_rows, conversation_rows) = conversations(o, account, channels, now - YEAR_MS, &mut rng);
    insert(&pool, "contacts", CONTACT_COLUMNS, &contact_rows).await?;
    insert(&pool, "conversations", CONVERSATION_COLUMNS, &conversation_rows).await?;
    insert(&pool, "messages", MESSAGE_COLUMNS, &messages(o, account, &list, &mut rng)).await?;
    insert(&pool, "reservations", RESERVATION_COLUMNS, &reservations(o, (account, flow), &list, now, &mut rng)).await?;
    let template = templates().into_iter().find(|t| t.key == "restaurant_de").map(|t| t.def);
    let questions: Vec<String> = template
        .iter()
        .flat_map(|def| &def.nodes)
        .filter(|n| matches!(n.kind, NodeKind::Ask { .. }) && n.id != "ask_again")
        .map(|n| n.id.clone())
        .collect();
    insert(&pool, "flow_passages", PASSAGE_COLUMNS, &passages(account, flow, &questions, &list, &mut rng)).await?;
    let seconds = started.elapsed().as_secs_f64();
    if database_url.starts_with("postgres") {
        // A year written in minutes leaves PostgreSQL's figures tables with dozens of dead row versions per live one
        // (every trigger's upsert writes a new version) that autovacuum clears as a real year goes by: compact them,
        // so the page is timed as it reads in steady state rather than right after a bulk load.
        for table in ["figure_days", "figure_months"] {
            // Only the constant table names are formatted in.
            sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM FULL {table}"))).execute(&pool).await.map_err(db)?;
            sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {table}"))).execute(&pool).await.map_err(db)?;
        }
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM figure_days WHERE account_id = $1")
        .bind(account)
        .fetch_one(&pool)
        .await
        .map_err(db)?;
    pool.close().await;
    Ok((seconds, rows))
}

/// Requests the page `requests` times, one at a time, after three to warm up.
async fn time_page(http: &reqwest::Client, url: &str, cookie: &str, requests: usize, days: u32) -> Result<PageLatency> {
    let mut times = Vec::with_capacity(requests);
    for i in 0..requests + 3 {
        let start = Instant::now();
        let res = http.get(url).header("cookie", format!("maitre_session={cookie}")).send().await?;
        let (status, body) = (res.status(), res.text().await?);
        if !status.is_success()
            || !body.contains("id=\"figure-conversations\"")
            || !body.contains("class=\"list funnel\"")
        {
            return Err(Error::Server(format!("the analytics page answered {status}")));
        }
        if i >= 3 {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |p: usize| times[(p * times.len()).div_ceil(100).max(1) - 1];
    Ok(PageLatency { days, p50_ms: at(50), p95_ms: at(95), max_ms: at(100) })
}

/// Fills the history, starts the server and times the page.
pub async fn run(o: &AnalyticsOptions) -> Result<AnalyticsReport> {
    let mut server = Server::prepare(&o.server).await?;
    let store = Store::open(&server.database_url, Clock::system()).await?;
    let (account, channels, cookie, flow) = business(&store).await?;
    let (fill_seconds, figure_rows) = fill(o, &server.database_url, &account, &channels, &flow).await?;
    server.start().await?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build()?;
    let mut pages = Vec::new();
    for days in [30u32, 365] {
        let url = format!("{}/a/{account}/analytics?range={days}&compare=1", server.base_url());
        pages.push(time_page(&http, &url, &cookie, o.requests, days).await?);
    }
    server.stop(Duration::from_secs(10)).await?;
    store.close().await;
    Ok(AnalyticsReport {
        messages: o.messages,
        conversations: o.conversations,
        reservations: o.reservations,
        fill_seconds,
        figure_rows,
        pages,
    })
}

//! Storage for maitre on SQLite or PostgreSQL through one code path.
//!
//! Every query is written once in portable SQL (`$n` placeholders, `ON CONFLICT`, `RETURNING`) and run through
//! sqlx's `Any` driver; the backend is chosen once from the URL. Ids are UUIDv7 text and times UTC milliseconds,
//! so no type differs between backends. Tenant rows are reachable only through [`TenantStore`], which hands out a
//! narrow handle per area (`inbox()`, `conversations()`, `contacts()`, `reservations()`, `channels()`, `flows()`,
//! `team()`, `operations()`, `notifications()`).
#![forbid(unsafe_code)]

mod accounts;
mod auto_replies;
mod batch;
mod billing;
mod booking;
mod broadcasts;
mod canned;
mod channel_alerts;
mod channels;
mod clock;
mod contact_notes;
mod contacts;
mod conversations;
mod decode;
mod error;
mod events;
mod figures;
mod flow_steps;
mod flows;
mod funnels;
mod guest_messages;
mod hot;
mod imports;
mod inbound;
mod inbox;
mod insights;
mod invites;
mod jobs;
mod login_throttle;
mod notification_prefs;
mod notifications;
mod operations;
mod overview;
mod privacy;
mod push_subscriptions;
mod rate_limits;
mod reservations;
mod reserve;
mod scheduled;
mod secrets;
mod segments;
mod signups;
mod templates;
mod tenant;
mod users;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

pub use accounts::{AccountSummary, NewAccount};
pub use billing::{Billing, BillingEvent, SubscriptionState};
pub use booking::{BookingError, BookingSettings, NewResource, NewService};
pub use broadcasts::{
    Broadcast, Broadcasts, Draft as BroadcastDraft, Outcome as RecipientOutcome, Pending as PendingRecipient,
    Progress as BroadcastProgress, RecipientRow, SETTLED as BROADCAST_SETTLED,
};
pub use canned::CannedResponse;
pub use channel_alerts::{ChannelAlert, EXPIRY_WARNING};
pub use channels::{Channel, Channels, NewChannel};
pub use clock::Clock;
pub use contact_notes::ContactNote;
pub use contacts::{Actor, Consent, Contact, ContactConversation, ContactEdit, ContactEvent, ContactQuery, Contacts};
pub use conversations::{Conversations, InboundPayload, IncomingMessage, Media, MediaRef, Outgoing, Recorded};
pub use error::{Result, StoreError};
pub use events::{AccountEvent, LiveEvent};
pub use figures::{DayDetail, FigureFilter};
pub use flow_steps::{Answer, PendingMessage, QueuedReply, StepConflict, StepEffects, StepInput};
pub use flows::{AutomationSettings, FlowRecord, Flows, PublishedFlow};
pub use funnels::{FlowCounts, StoppedRun};
pub use guest_messages::{GuestMessageEntry, GuestOutcome};
pub use hot::{AutomationConfig, TTL as HOT_TTL};
pub use imports::{ContactImport, ImportOutcome};
pub use inbound::{Accepted, IgnoredItem, InboundEvent, RoutedItem};
pub use inbox::{ActivityEntry, ConversationView, Filter, Inbox, InboxQuery, Note, Outcome, ThreadItem, ThreadMessage};
pub use insights::{InsightRun, Insights, NewInsightRun};
pub use invites::{Invite, InviteLink, InviteState};
pub use jobs::{Job, JobSummary, NewJob};
pub use login_throttle::Throttle;
pub use maitre_domain::jobs::JobKind;
pub use notification_prefs::{Choice, Prefs};
pub use notifications::{Notification, NotificationKind, Notifications, UNREAD_CAP};
pub use operations::{Cursor, InvalidCursor, JobQuery, LoggedEvent, Operations, Page, TroubleFilter, TroubledJob};
pub use overview::Overview;
pub use privacy::{Erased, Erasure};
pub use push_subscriptions::{NewPushSubscription, PushSubscription};
pub use rate_limits::Rate;
pub use reservations::{Booking, Origin, Reservation, ReservationQuery, Reservations, Source};
pub use scheduled::{SETTLED as SCHEDULED_SETTLED, Scheduled, ScheduledMessage};
pub use secrets::{hash_token, new_token};
pub use segments::{NAME_TAKEN as SEGMENT_NAME_TAKEN, Segment, Segments};
pub use signups::{NewSignup, SignupRequest};
pub use templates::{StoredTemplate, TemplateRecord, Templates};
pub use tenant::{Account, ApiToken, Member, Team, TenantStore, TokenCreator, Withdrawn};
pub use users::{Session, User};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(redact_url(url)))
        }
    }

    fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Strips a password from a database URL so it can be shown in errors and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The database handle. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    /// Readers. On PostgreSQL this is also the writer pool.
    read: AnyPool,
    /// SQLite allows one writer: a one-connection pool serialises our writes instead of letting them collide on
    /// the file lock; write transactions reach it through `writes` (grouped), single statements directly. On
    /// PostgreSQL it is the same pool as `read`.
    write: AnyPool,
    /// Writes a PostgreSQL crash may lose because they are redone from what is durable: job bookkeeping (claims,
    /// outcomes), send budgets, and the effects of processing steps whose job re-runs when they are lost (WAL is
    /// replayed in order, so a lost step's later bookkeeping is lost with it). On PostgreSQL its commits do not
    /// wait for the WAL flush (`synchronous_commit = off`); every commit of `write` still does, and flushes these
    /// too. Webhook acceptance, `mark_sent`, bookings and everything staff do stay on `write`. On SQLite it is the
    /// writer itself.
    relaxed: AnyPool,
    /// Write transactions: on SQLite through the group committer in front of `write`.
    writes: writer::Writes,
    backend: Backend,
    clock: Clock,
    events: events::Events,
    hot: Arc<hot::HotCache>,
    acceptor: inbound::Acceptor,
    local_buckets: Arc<rate_limits::LocalBuckets>,
    /// Sends whose platform id another message already held (both kept); for /metrics.
    id_collisions: Arc<std::sync::atomic::AtomicU64>,
    /// Rung after a commit that queued jobs outside a job run; this node's worker waits on it (see `job_signal`).
    queued: Arc<tokio::sync::Notify>,
}

impl Store {
    /// Connects and applies pending migrations.
    pub async fn open(url: &str, clock: Clock) -> Result<Self> {
        let store = Self::connect(url, clock).await?;
        store.migrate().await?;
        store.count_stale_figures().await?;
        Ok(store)
    }

    /// Connects without migrating (for `maitre migrate` and readiness checks).
    pub async fn connect(url: &str, clock: Clock) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = &without_tls_on_loopback(url);
        let options = AnyConnectOptions::from_str(url).map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?;
        let (read, write, relaxed) = match backend {
            Backend::Sqlite => {
                let read = sqlite_pool(4).connect_with(options.clone()).await?;
                let write = sqlite_pool(1).connect_with(options).await?;
                (read, write.clone(), write)
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options.clone())
                    .await?;
                let relaxed = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(5))
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute("SET synchronous_commit = off").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                (pool.clone(), pool, relaxed)
            }
        };
        // Live events are best effort: forwarding them need not wait for the disk.
        let relay = (backend == Backend::Postgres).then(|| (url.to_owned(), relaxed.clone()));
        if backend == Backend::Sqlite {
            tokio::spawn(checkpointer(read.clone()));
        }
        let parallel = if backend == Backend::Postgres { 16 } else { 1 };
        let writes = writer::Writes::new(write.clone(), relaxed.clone(), backend == Backend::Sqlite);
        let acceptor = inbound::Acceptor::start(writes.clone(), clock.clone(), parallel);
        let events = events::Events::new(relay);
        let (hot, local_buckets, id_collisions, queued) = Default::default();
        Ok(Self {
            read,
            write,
            relaxed,
            writes,
            backend,
            clock,
            events,
            hot,
            acceptor,
            local_buckets,
            id_collisions,
            queued,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A batch of statements: in one call on SQLite (see `batch`).
    pub(crate) fn batch(&self) -> batch::Batch {
        batch::Batch::new(self.backend == Backend::Sqlite)
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.write).await?;
        Ok(())
    }

    /// True when the database answers and every migration this binary knows is applied.
    pub async fn migrations_current(&self) -> Result<bool> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations").fetch_one(&self.read).await?;
        let latest = self.backend.migrator().iter().map(|m| m.version).max();
        Ok(applied == latest)
    }

    /// Number of jobs waiting or running (for /metrics).
    pub async fn job_queue_depth(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")
            .fetch_one(&self.read)
            .await?)
    }

    /// Sends that came back with a platform message id another message already held, since this process started.
    pub fn platform_id_collisions(&self) -> u64 {
        self.id_collisions.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What this node's worker waits on between polls: rung whenever a request's commit queued jobs, so they start
    /// at once instead of at the next poll. Jobs queued by jobs need no ring (the worker looks again after each).
    pub fn job_signal(&self) -> Arc<tokio::sync::Notify> {
        self.queued.clone()
    }

    pub(crate) fn jobs_queued(&self) {
        self.queued.notify_one();
    }

    fn note_platform_id_collision(&self) {
        self.id_collisions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    pub async fn close(&self) {
        self.relaxed.close().await;
        self.write.close().await;
        self.read.close().await;
    }

    fn now_ms(&self) -> i64 {
        clock::to_ms(self.clock.now())
    }
}

/// How often the WAL is copied into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies SQLite's WAL into the database file from a reader connection, so the copy and its fsync happen beside
/// the writer instead of inside one of its commits. A passive checkpoint waits for no reader or writer; hot pages
/// (the job queue's) rewritten many times between two checkpoints are copied once. Ends when the pool closes.
async fn checkpointer(read: AnyPool) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !read.is_closed() {
        every.tick().await;
        if let Err(e) = read.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
            tracing::warn!(error = %e, "checkpoint failed");
        }
    }
}

/// Most rows one multi-row statement writes: bind parameters stay far below both backends' limits.
pub(crate) const ROWS_PER_STATEMENT: usize = 256;

/// `($1, $2, $k), ($1, $2, $k+1) …`: `shared` leading values bound once, then `width` values per row.
pub(crate) fn values_list(shared: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|i| {
            let own = (0..width).map(|j| format!("${}", shared + 1 + i * width + j));
            let all: Vec<String> = (1..=shared).map(|s| format!("${s}")).chain(own).collect();
            format!("({})", all.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    // A connection to a local file cannot go stale: no ping (a round trip to its thread) before each use.
    let options = AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(10));
    options.test_before_acquire(false).after_connect(|conn, _meta| {
        Box::pin(async move {
            // Set on every connection: WAL lets readers run beside the writer, busy_timeout waits out a
            // checkpoint instead of failing, foreign keys are off by default in SQLite. Checkpoints are the
            // `checkpointer`'s job; the writer's own (inside the commit that crosses the threshold, stalling every
            // writer behind it) only starts when that task falls far behind. Temporary storage in memory: every
            // grouped write is a savepoint, whose journal would otherwise spill into a temporary file.
            conn.execute(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 40000; PRAGMA temp_store = MEMORY;",
            )
            .await?;
            Ok(())
        })
    })
}

/// A PostgreSQL URL that names this machine and says nothing of TLS gets `sslmode=disable`: encryption on loopback
/// protects nothing, and in the benchmarks it cost a tenth more CPU per webhook and fell behind at 500 replies a
/// second (BENCHMARKS.md, "Trust"). Any other host keeps the default `prefer`; an explicit `sslmode` always wins.
fn without_tls_on_loopback(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else { return url.to_owned() };
    if !matches!(parsed.scheme(), "postgres" | "postgresql") || parsed.query_pairs().any(|(k, _)| k == "sslmode") {
        return url.to_owned();
    }
    // A `host=/run/postgresql` parameter is a Unix socket; otherwise the URL's own host decides.
    let socket = parsed.query_pairs().any(|(k, v)| k == "host" && v.starts_with('/'));
    let loopback = match parsed.host_str().unwrap_or("") {
        "" | "localhost" => true,
        host => host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    };
    if !(socket || loopback) {
        return url.to_owned();
    }
    let joiner = if parsed.query().is_some() { '&' } else { '?' };
    format!("{url}{joiner}sslmode=disable")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_postgres_skips_tls_unless_the_url_asks_for_it() {
        let tls = |url| without_tls_on_loopback(url);
        assert_eq!(tls("postgres://u@127.0.0.1:5432/db"), "postgres://u@127.0.0.1:5432/db?sslmode=disable");
        assert_eq!(
            tls("postgres://u@localhost/db?application_name=m"),
            "postgres://u@localhost/db?application_name=m&sslmode=disable"
        );
        assert_eq!(tls("postgresql://u@[::1]/db"), "postgresql://u@[::1]/db?sslmode=disable");
        assert_eq!(tls("postgres:///db?host=/run/postgresql"), "postgres:///db?host=/run/postgresql&sslmode=disable");
        for kept in [
            "postgres://u@127.0.0.1/db?sslmode=verify-full&sslrootcert=/ca.pem",
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db",
            "sqlite://data/maitre.db?mode=rwc",
        ] {
            assert_eq!(tls(kept), kept);
        }
    }

    #[test]
    fn values_lists_number_placeholders_after_the_shared_ones() {
        assert_eq!(values_list(2, 2, 2), "($1, $2, $3, $4), ($1, $2, $5, $6)");
        assert_eq!(values_list(0, 1, 2), "($1), ($2)");
    }

    #[test]
    fn urls_choose_the_backend_or_refuse() {
        assert_eq!(Backend::from_url("sqlite://data/m.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let err = Backend::from_url("mysql://root:pw@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db") && !err.contains("pw"), "{err}");
    }

    /// Portable SQL relies on `$n` meaning "the n-th bound value" on SQLite too, whatever the textual order.
    #[tokio::test]
    async fn numbered_placeholders_bind_by_number() {
        let db = maitre_testkit::TestDb::new().await;
        let store = Store::open(&db.url, Clock::system()).await.unwrap();
        let v: String =
            sqlx::query_scalar("SELECT $2 || $1 || $2").bind("a").bind("b").fetch_one(&store.read).await.unwrap();
        assert_eq!(v, "bab");
    }

    /// The database file takes in what the WAL holds without any commit reaching the writer's own (far) threshold.
    #[tokio::test]
    async fn sqlite_checkpoints_beside_the_writer() {
        let db = maitre_testkit::TestDb::new().await;
        let Some(path) = db.url.strip_prefix("sqlite://").and_then(|p| p.split('?').next()) else { return };
        let store = Store::open(&db.url, Clock::system()).await.unwrap();
        let size = || std::fs::metadata(path).unwrap().len();
        tokio::time::sleep(CHECKPOINT_EVERY * 2).await;
        let before = size();
        for i in 0..200 {
            sqlx::query(
                "INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ($1, $2, '', '', 0)",
            )
            .bind(i.to_string())
            .bind("x".repeat(2000))
            .execute(&store.write)
            .await
            .unwrap();
        }
        tokio::time::sleep(CHECKPOINT_EVERY * 4).await;
        assert!(size() >= before + 200 * 2000, "database file {before} → {} bytes", size());
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names =
            |m: &sqlx::migrate::Migrator| m.iter().map(|m| (m.version, m.description.to_string())).collect::<Vec<_>>();
        assert_eq!(names(&SQLITE_MIGRATIONS), names(&POSTGRES_MIGRATIONS));
        assert!(SQLITE_MIGRATIONS.iter().next().is_some());
    }
}

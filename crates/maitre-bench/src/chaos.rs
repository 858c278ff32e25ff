//! `--chaos`: `maitre serve` is SIGKILLed at seeded random moments of the load and restarted on the same port and
//! database. Afterwards every acknowledged event must be stored exactly once and every guest must have exactly
//! one reply at the platform, except for the one duplicate the design documents (see [`DuplicateWindow`]).
//! In this mode every event comes from a new guest, so a conversation holds one event and its one reply.
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use maitre_domain::ConversationId;
use maitre_store::TenantStore;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::load::Ctx;
use crate::report::Verdict;
use crate::server::Server;
use crate::traffic::seq_of;
use crate::{Chaos, Error, Result};

/// Kills and restarts the server `c.kills` times within `[5%, 95%]` of the load; returns the number of kills.
pub(crate) async fn monkey(
    server: &mut Server,
    ctx: &Ctx,
    tenants: &[TenantStore],
    window: &mut DuplicateWindow,
    c: Chaos,
    start: Instant,
    duration: Duration,
) -> Result<usize> {
    if !server.is_spawned() {
        return Err(Error::Server("--chaos needs a server this tool starts (no --target)".into()));
    }
    let mut rng = StdRng::seed_from_u64(c.seed);
    let mut points: Vec<Duration> = (0..c.kills).map(|_| duration.mul_f64(rng.random_range(0.05..0.95))).collect();
    points.sort_unstable();
    for at in points {
        // Kills that fall due while the server is still restarting come right after it is back.
        tokio::time::sleep_until((start + at).into()).await;
        server.kill()?;
        settle(ctx).await;
        window.look(ctx, tenants).await?;
        expire_leases(&server.database_url).await?;
        server.start().await?;
    }
    Ok(c.kills)
}

/// A request the dead process wrote may still sit in the fakes' socket buffer: wait until it is recorded.
async fn settle(ctx: &Ctx) {
    let mut seen = u64::MAX;
    loop {
        let now = ctx.replies().observed;
        if now == seen {
            return;
        }
        seen = now;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// After a kill the dead process's jobs stay `running` under its lease, and a live node re-queues them once the
/// lease has expired. Only the killed process held leases: ending them now lets the restarted node reap them as it
/// starts, as it would a minute later, without the run waiting that minute per kill.
pub(crate) async fn expire_leases(database_url: &str) -> Result<()> {
    let pool = sqlx::AnyPool::connect(database_url).await.map_err(crate::bulk::db)?;
    sqlx::query("UPDATE jobs SET lease_until = 0 WHERE status = 'running'")
        .execute(&pool)
        .await
        .map_err(crate::bulk::db)?;
    pool.close().await;
    Ok(())
}

/// What the store says about one conversation: the events of its guest messages, its outbound statuses.
struct Conversation {
    events: Vec<u64>,
    outbound: Vec<String>,
}

async fn conversation(tenant: &TenantStore, id: ConversationId) -> Result<Conversation> {
    let mut c = Conversation { events: Vec::new(), outbound: Vec::new() };
    for (direction, _kind, body, status) in tenant.conversations().messages(id).await? {
        if direction == "in" {
            c.events
                .push(seq_of(&body).ok_or_else(|| Error::Server(format!("stored message {body:?} names no event")))?);
        } else {
            c.outbound.push(status);
        }
    }
    Ok(c)
}

/// The one duplicate window the design documents (crates/maitre-app/src/send.rs): the platform accepted a
/// reply, but the kill came before `mark_sent` committed, so the reply is still `queued` and its job sends it
/// again. Looked at while the process is dead, so it is exact: every accepted send of a reply still `queued` at
/// a kill is one that will be repeated. Per conversation the highest such count over all kills is kept (a reply
/// not yet re-sent by the next kill is seen twice but repeats once).
#[derive(Default)]
pub(crate) struct DuplicateWindow {
    sent: HashSet<ConversationId>,
    repeats: HashMap<ConversationId, u64>,
}

impl DuplicateWindow {
    async fn look(&mut self, ctx: &Ctx, tenants: &[TenantStore]) -> Result<()> {
        let accepted = ctx.replies().per_guest.clone();
        for tenant in tenants {
            for id in tenant.conversations().conversation_ids().await? {
                if self.sent.contains(&id) {
                    continue;
                }
                let c = conversation(tenant, id).await?;
                match c.outbound.first().map(String::as_str) {
                    Some("sent") => {
                        self.sent.insert(id);
                    }
                    Some("queued") => {
                        let n = c.events.iter().filter_map(|e| accepted.get(&ctx.traffic.guest(*e))).sum();
                        let repeats = self.repeats.entry(id).or_default();
                        *repeats = (*repeats).max(n);
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn allowed_duplicates(&self) -> u64 {
        self.repeats.values().sum()
    }
}

/// Per event: stored once; per guest: answered once (beyond the window).
pub(crate) async fn verify(ctx: &Ctx, tenants: &[TenantStore], window: &DuplicateWindow) -> Result<Verdict> {
    let mut copies: HashMap<u64, u64> = HashMap::new();
    for tenant in tenants {
        for id in tenant.conversations().conversation_ids().await? {
            for e in conversation(tenant, id).await?.events {
                *copies.entry(e).or_default() += 1;
            }
        }
    }
    let acked = ctx.sent().acked_messages.clone();
    let replies = ctx.replies().per_guest.clone();
    let answers = |e: &u64| replies.get(&ctx.traffic.guest(*e)).copied().unwrap_or(0);
    Ok(Verdict {
        expected_messages: acked.len() as u64,
        stored_messages: copies.values().sum(),
        lost_events: acked.iter().filter(|e| !copies.contains_key(e)).count() as u64,
        duplicated_events: copies.values().filter(|&&n| n > 1).count() as u64,
        expected_replies: copies.len() as u64,
        lost_replies: copies.keys().filter(|e| answers(e) == 0).count() as u64,
        duplicate_replies: replies.values().map(|n| n.saturating_sub(1)).sum(),
        allowed_duplicate_replies: window.allowed_duplicates(),
    })
}

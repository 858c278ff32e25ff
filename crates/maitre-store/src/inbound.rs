//! Accepting webhook items: one transaction stores each new item (deduplicated on the platform's id) and
//! enqueues its processing, one statement per table for all the items it writes; unusable items are recorded with
//! a reason. The caller answers 200 after the commit.
//!
//! Commits are grouped: webhooks that arrive while one commit is under way are written together in the next
//! transaction, so under load the acknowledgements share commits (and the one SQLite writer) instead of queueing
//! for one each.
use std::collections::HashSet;
use std::sync::Arc;

use maitre_domain::jobs::ProcessInboundJob;
use maitre_domain::{AccountId, ChannelId};
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::conversations::Conversations;
use crate::jobs::{NewJob, enqueue_all_in};
use crate::tenant::TenantStore;
use crate::writer::Writes;
use crate::{Result, Store, StoreError};

/// Most webhooks written in one transaction.
const GROUP: usize = 64;

/// An item routed to a channel (through `Store::route`).
pub struct RoutedItem<'a> {
    pub account_id: AccountId,
    pub channel_id: ChannelId,
    pub dedupe_key: &'a str,
    /// The normalized item as JSON, handed to the processing job.
    pub item: &'a str,
}

pub struct IgnoredItem<'a> {
    pub platform: &'a str,
    pub reason: &'a str,
    pub location: &'a str,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    pub new: usize,
    pub duplicates: usize,
}

/// A stored inbound event, as its processing job reads it.
pub struct InboundEvent {
    pub channel_id: ChannelId,
    pub item: String,
    pub processed: bool,
}

/// An item to store: account, channel, dedupe key, the normalized item as JSON.
type Item = (AccountId, ChannelId, String, String);

/// One webhook's items, owned so that the committing task can write them.
struct Request {
    items: Vec<Item>,
    ignored: Vec<(String, String, String)>,
    done: oneshot::Sender<Result<Accepted>>,
}

/// The queue of the task that commits accepted webhooks.
#[derive(Clone)]
pub(crate) struct Acceptor(mpsc::Sender<Request>);

impl Acceptor {
    /// `parallel`: groups committed at the same time (one for SQLite's single writer; several for PostgreSQL,
    /// whose commits wait on the disk and overlap well).
    pub(crate) fn start(writes: Writes, clock: crate::Clock, parallel: usize) -> Self {
        let (queue, requests) = mpsc::channel(4 * GROUP);
        tokio::spawn(commit_groups(writes, clock, requests, parallel));
        Acceptor(queue)
    }
}

/// Writes waiting webhooks a group at a time: what arrived while all commit slots were busy forms the next group.
/// Ends when the store is dropped.
async fn commit_groups(writes: Writes, clock: crate::Clock, mut requests: mpsc::Receiver<Request>, parallel: usize) {
    let slots = Arc::new(Semaphore::new(parallel));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let mut group = Vec::with_capacity(GROUP);
        if requests.recv_many(&mut group, GROUP).await == 0 {
            return;
        }
        let (writes, now) = (writes.clone(), crate::clock::to_ms(clock.now()));
        tokio::spawn(async move {
            commit_group(&writes, now, group).await;
            drop(slot);
        });
    }
}

/// If a group fails, each of its webhooks is tried alone, so one bad webhook cannot fail the others.
async fn commit_group(writes: &Writes, now: i64, group: Vec<Request>) {
    match write(writes, now, &group).await {
        Ok(outcomes) => {
            for (request, outcome) in group.into_iter().zip(outcomes) {
                let _ = request.done.send(Ok(outcome));
            }
        }
        Err(_) => {
            for request in group {
                let outcome = write(writes, now, std::slice::from_ref(&request)).await.map(|mut o| o.remove(0));
                let _ = request.done.send(outcome);
            }
        }
    }
}

async fn write(writes: &Writes, now: i64, group: &[Request]) -> Result<Vec<Accepted>> {
    // Webhooks are committed one group at a time on SQLite (`parallel` 1), so at most one waits urgently.
    let mut tx = writes.begin_urgent().await?;
    // The whole group's items take one statement per table, not two per item: on SQLite every statement is a
    // round trip to the writer's thread, which all writes wait for.
    let items: Vec<(usize, String, &Item)> = group
        .iter()
        .enumerate()
        .flat_map(|(r, request)| request.items.iter().map(move |item| (r, uuid::Uuid::now_v7().to_string(), item)))
        .collect();
    let mut stored = HashSet::new();
    for chunk in items.chunks(crate::ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO inbound_events (received_at, account_id, id, channel_id, dedupe_key, item) VALUES {} \
             ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id",
            crate::values_list(1, 5, chunk.len())
        );
        // Only numbered placeholders are formatted in.
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(now);
        for (_, id, (account_id, channel_id, dedupe_key, item)) in chunk {
            query =
                query.bind(account_id.to_string()).bind(id).bind(channel_id.to_string()).bind(dedupe_key).bind(item);
        }
        let inserted: Vec<String> = query.persistent(chunk.len() == 1).fetch_all(&mut *tx).await?;
        stored.extend(inserted);
    }
    let mut outcomes: Vec<Accepted> = group.iter().map(|_| Accepted::default()).collect();
    let mut new = Vec::with_capacity(stored.len());
    for (r, id, (account_id, ..)) in &items {
        if stored.contains(id) {
            outcomes[*r].new += 1;
            new.push((*account_id, id, format!("in:{id}")));
        } else {
            outcomes[*r].duplicates += 1;
        }
    }
    let jobs: Vec<NewJob> = new
        .iter()
        .map(|(account_id, id, key)| {
            let payload = ProcessInboundJob { event: id.to_string() };
            NewJob::new(Some(*account_id), &payload).dedupe(key).attempts(10)
        })
        .collect();
    enqueue_all_in(&mut tx, now, &jobs).await?;
    for (platform, reason, location) in group.iter().flat_map(|request| &request.ignored) {
        sqlx::query(
            "INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(platform)
        .bind(reason)
        .bind(location)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

fn shutting_down() -> StoreError {
    StoreError::Unavailable("the store is shutting down".into())
}

impl Store {
    /// Stores a webhook's items and ignored items durably; returns once they are committed.
    pub async fn accept_webhook(&self, items: &[RoutedItem<'_>], ignored: &[IgnoredItem<'_>]) -> Result<Accepted> {
        let (done, outcome) = oneshot::channel();
        let request = Request {
            items: items
                .iter()
                .map(|it| (it.account_id, it.channel_id, it.dedupe_key.to_owned(), it.item.to_owned()))
                .collect(),
            ignored: ignored
                .iter()
                .map(|ig| {
                    let reason = ig.reason.chars().take(300).collect();
                    (ig.platform.to_owned(), reason, ig.location.chars().take(200).collect())
                })
                .collect(),
            done,
        };
        self.acceptor.0.send(request).await.map_err(|_| shutting_down())?;
        let accepted = outcome.await.map_err(|_| shutting_down())??;
        if accepted.new > 0 {
            self.jobs_queued();
        }
        Ok(accepted)
    }

    /// Recently ignored items for operators: (platform, reason, location, received).
    pub async fn ignored_events(
        &self,
        limit: i64,
    ) -> Result<Vec<(String, String, String, chrono::DateTime<chrono::Utc>)>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT platform, reason, location, received_at FROM ignored_events ORDER BY received_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.into_iter().map(|(p, r, l, t)| (p, r, l, crate::clock::from_ms(t))).collect())
    }
}

impl Conversations<'_> {
    pub async fn inbound_event(&self, id: &str) -> Result<InboundEvent> {
        let (channel, item, processed): (String, String, Option<i64>) = sqlx::query_as(
            "SELECT channel_id, item, processed_at FROM inbound_events WHERE account_id = $1 AND id = $2",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id)
        .fetch_one(&self.tenant.store().read)
        .await?;
        Ok(InboundEvent {
            channel_id: channel.parse().map_err(StoreError::corrupt)?,
            item,
            processed: processed.is_some(),
        })
    }
}

impl Store {
    /// The tenant handle for a job enqueued by this system for `account` (a job is a verified route too).
    pub fn tenant_for_job(&self, job: &crate::Job) -> Result<TenantStore> {
        job.account_id.map(|a| TenantStore::new(self.clone(), a)).ok_or(StoreError::NotFound)
    }
}

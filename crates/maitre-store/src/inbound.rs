//! Accepting webhook items: one transaction stores each new item (deduplicated on the platform's id) and
//! enqueues its processing; unusable items are recorded with a reason. The caller answers 200 after the commit.
use maitre_domain::{AccountId, ChannelId};

use crate::jobs::{NewJob, enqueue_in};
use crate::tenant::TenantStore;
use crate::{Result, Store, StoreError};

pub const PROCESS_INBOUND: &str = "process_inbound";

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

impl Store {
    pub async fn accept_webhook(&self, items: &[RoutedItem<'_>], ignored: &[IgnoredItem<'_>]) -> Result<Accepted> {
        let now = self.now_ms();
        let mut tx = self.write.begin().await?;
        let mut out = Accepted::default();
        for it in items {
            let id = uuid::Uuid::now_v7().to_string();
            let inserted = sqlx::query(
                "INSERT INTO inbound_events (account_id, id, channel_id, dedupe_key, item, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (channel_id, dedupe_key) DO NOTHING",
            )
            .bind(it.account_id.to_string())
            .bind(&id)
            .bind(it.channel_id.to_string())
            .bind(it.dedupe_key)
            .bind(it.item)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !inserted {
                out.duplicates += 1;
                continue;
            }
            out.new += 1;
            let key = format!("in:{id}");
            let job = NewJob {
                account_id: Some(it.account_id),
                kind: PROCESS_INBOUND,
                payload: &id,
                dedupe_key: Some(&key),
                run_at: None,
                max_attempts: 10,
            };
            enqueue_in(&mut tx, now, &job).await?;
        }
        for ig in ignored {
            sqlx::query(
                "INSERT INTO ignored_events (id, platform, reason, location, received_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(ig.platform)
            .bind(ig.reason.chars().take(300).collect::<String>())
            .bind(ig.location.chars().take(200).collect::<String>())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(out)
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

impl TenantStore {
    pub async fn inbound_event(&self, id: &str) -> Result<InboundEvent> {
        let (channel, item, processed): (String, String, Option<i64>) = sqlx::query_as(
            "SELECT channel_id, item, processed_at FROM inbound_events WHERE account_id = $1 AND id = $2",
        )
        .bind(self.account_id().to_string())
        .bind(id)
        .fetch_one(&self.store().read)
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

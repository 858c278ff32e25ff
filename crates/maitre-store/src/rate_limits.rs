//! Send pacing with token buckets, one budget per channel and per recipient. A bucket refills at `per_second` up
//! to `burst`; taking one token either succeeds or says how long to wait. Amounts are integer thousandths of a
//! token, the same arithmetic everywhere.
//!
//! On PostgreSQL the buckets are rows, so several nodes share one budget. SQLite runs one node, so there they live
//! in its memory: a send then costs no write transaction on the single writer. A restart forgets them, which allows
//! at most one burst early.
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::{Backend, Result, Store};

/// Buckets kept in memory; beyond this many, full ones (which a fresh bucket equals) are forgotten.
const MAX_LOCAL: usize = 100_000;

/// The in-memory buckets of a SQLite node: key → (millitokens, updated at in ms).
#[derive(Default)]
pub(crate) struct LocalBuckets(Mutex<HashMap<String, (i64, i64)>>);

/// A bucket's shape.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Store {
    /// Takes one token from each bucket, all or none. `Ok(None)`: taken. `Ok(Some(wait))`: at least one bucket is
    /// empty, try again after `wait` (the longest wait of those buckets); nothing was taken.
    pub async fn take_tokens(&self, buckets: &[(&str, Rate)]) -> Result<Option<Duration>> {
        let now = self.now_ms();
        if self.backend == Backend::Sqlite {
            return Ok(self.local_buckets.take(buckets, now));
        }
        // Rows are locked in key order, so takers on other nodes cannot deadlock on PostgreSQL.
        let mut buckets = buckets.to_vec();
        buckets.sort_by(|a, b| a.0.cmp(b.0));
        let mut wait_ms = 0;
        let mut tx = self.writes.begin_relaxed().await?;
        for (key, rate) in &buckets {
            let (burst, per_s) = shape(*rate);
            // The upsert locks the row on PostgreSQL until commit, so concurrent takers on other nodes queue here.
            let level: i64 = sqlx::query_scalar(
                "INSERT INTO rate_buckets (key, millitokens, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET \
                 millitokens = CASE WHEN rate_buckets.millitokens + ($3 - rate_buckets.updated_at) * $4 / 1000 > $2 \
                     THEN $2 ELSE rate_buckets.millitokens + ($3 - rate_buckets.updated_at) * $4 / 1000 END, \
                 updated_at = $3 RETURNING millitokens",
            )
            .bind(*key)
            .bind(burst)
            .bind(now)
            .bind(per_s)
            .fetch_one(&mut *tx)
            .await?;
            if level < 1000 {
                wait_ms = wait_ms.max(((1000 - level) * 1000 / per_s).max(1));
            }
        }
        if wait_ms == 0 {
            let list: Vec<String> = (0..buckets.len()).map(|i| format!("${}", i + 1)).collect();
            let sql =
                format!("UPDATE rate_buckets SET millitokens = millitokens - 1000 WHERE key IN ({})", list.join(", "));
            // Only numbered placeholders are formatted in.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (key, _) in &buckets {
                query = query.bind(*key);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms as u64)))
    }
}

/// A bucket's shape in integer thousandths: (burst, refill per second).
fn shape(rate: Rate) -> (i64, i64) {
    ((rate.burst.max(1.0) * 1000.0) as i64, (rate.per_second * 1000.0).round().max(1.0) as i64)
}

impl LocalBuckets {
    fn take(&self, buckets: &[(&str, Rate)], now: i64) -> Option<Duration> {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if all.len() >= MAX_LOCAL {
            all.retain(|_, (level, at)| *level < 1000 || now - *at < 60_000);
        }
        let mut wait_ms = 0;
        for (key, rate) in buckets {
            let (burst, per_s) = shape(*rate);
            let (level, at) = all.get(*key).copied().unwrap_or((burst, now));
            let level = (level + (now - at) * per_s / 1000).min(burst);
            // The key is copied only for a bucket seen the first time.
            match all.get_mut(*key) {
                Some(bucket) => *bucket = (level, now),
                None => {
                    all.insert((*key).to_owned(), (level, now));
                }
            }
            if level < 1000 {
                wait_ms = wait_ms.max(((1000 - level) * 1000 / per_s).max(1));
            }
        }
        if wait_ms > 0 {
            return Some(Duration::from_millis(wait_ms as u64));
        }
        for (key, _) in buckets {
            if let Some((level, _)) = all.get_mut(*key) {
                *level -= 1000;
            }
        }
        None
    }
}

//! Send pacing with token buckets kept in the database, so several nodes share one budget per channel and per
//! recipient. A bucket refills at `per_second` up to `burst`; taking one token either succeeds or says how long
//! to wait. Amounts are integer thousandths of a token: the same arithmetic on SQLite and PostgreSQL.
use std::time::Duration;

use crate::{Result, Store};

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
        // Rows are locked in key order, so takers on other nodes cannot deadlock on PostgreSQL.
        let mut buckets = buckets.to_vec();
        buckets.sort_by(|a, b| a.0.cmp(b.0));
        let mut wait_ms = 0;
        let mut tx = self.relaxed.begin().await?;
        for (key, rate) in &buckets {
            let burst = (rate.burst.max(1.0) * 1000.0) as i64;
            // Refill in thousandths of a token per second.
            let per_s = (rate.per_second * 1000.0).round().max(1.0) as i64;
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

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
    /// Takes one token from bucket `key`. `Ok(None)`: taken. `Ok(Some(wait))`: empty, try again after `wait`.
    pub async fn take_token(&self, key: &str, rate: Rate) -> Result<Option<Duration>> {
        let now = self.now_ms();
        let burst = (rate.burst.max(1.0) * 1000.0) as i64;
        // Refill in thousandths of a token per second.
        let per_s = (rate.per_second * 1000.0).round().max(1.0) as i64;
        let mut tx = self.write.begin().await?;
        // The upsert locks the row on PostgreSQL until commit, so concurrent takers on other nodes queue here.
        let level: i64 = sqlx::query_scalar(
            "INSERT INTO rate_buckets (key, millitokens, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET \
             millitokens = CASE WHEN rate_buckets.millitokens + ($3 - rate_buckets.updated_at) * $4 / 1000 > $2 \
                 THEN $2 ELSE rate_buckets.millitokens + ($3 - rate_buckets.updated_at) * $4 / 1000 END, \
             updated_at = $3 RETURNING millitokens",
        )
        .bind(key)
        .bind(burst)
        .bind(now)
        .bind(per_s)
        .fetch_one(&mut *tx)
        .await?;
        if level < 1000 {
            tx.commit().await?;
            let missing_ms = (1000 - level) * 1000 / per_s;
            return Ok(Some(Duration::from_millis(missing_ms.max(1) as u64)));
        }
        sqlx::query("UPDATE rate_buckets SET millitokens = millitokens - 1000 WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(None)
    }
}

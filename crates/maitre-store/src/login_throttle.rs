//! Sign-in pacing, shared by every node. An attempt takes its slot under each of its keys (the email address, the
//! client IP, or a known device) before its password is checked, so parallel attempts cannot all slip past a
//! count that is only written after the check. A key's first `free` attempts go at once; from then on each
//! attempt makes the next one wait twice as long (1 s, 2 s, 4 s …, at most `max_delay`). A key left alone for
//! `max_delay` after its last wait ended starts over.
use std::time::Duration;

use chrono::TimeDelta;

use crate::{Result, Store};

/// How attempts under one key are paced.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    pub free: u32,
    pub max_delay: TimeDelta,
}

impl Throttle {
    /// How long the attempt numbered `attempts` (from 1) makes the next one wait.
    fn delay_ms(self, attempts: i64) -> i64 {
        let beyond = attempts - i64::from(self.free);
        if beyond < 0 {
            return 0;
        }
        (1000_i64 << beyond.min(40)).min(self.max_delay.num_milliseconds().max(1000))
    }
}

impl Store {
    /// Takes one attempt's slot under every key, all or none. `Ok(None)`: taken, check the password.
    /// `Ok(Some(wait))`: a key is waiting; nothing was taken.
    pub async fn take_login_attempt(&self, keys: &[(&str, Throttle)]) -> Result<Option<Duration>> {
        let now = self.now_ms();
        let mut tx = self.writes.begin().await?;
        for (key, throttle) in keys {
            let quiet = now - throttle.max_delay.num_milliseconds();
            // One statement counts the attempt and says whether it may go: a key whose wait has not ended is
            // left as it is (no row returned). On PostgreSQL the row stays locked until commit, so a parallel
            // attempt waits here and then sees the wait this one sets below; SQLite has one writer.
            let taken: Option<i64> = sqlx::query_scalar(
                "INSERT INTO login_attempts (key, attempts, blocked_until) VALUES ($1, 1, $2) \
                 ON CONFLICT (key) DO UPDATE SET attempts = CASE WHEN login_attempts.blocked_until <= $3 THEN 1 \
                     ELSE login_attempts.attempts + 1 END \
                 WHERE login_attempts.blocked_until <= $2 RETURNING attempts",
            )
            .bind(*key)
            .bind(now)
            .bind(quiet)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(attempts) = taken else {
                let until: i64 = sqlx::query_scalar("SELECT blocked_until FROM login_attempts WHERE key = $1")
                    .bind(*key)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.rollback().await?;
                return Ok(Some(Duration::from_millis((until - now).max(1) as u64)));
            };
            sqlx::query("UPDATE login_attempts SET blocked_until = $2 WHERE key = $1")
                .bind(*key)
                .bind(now + throttle.delay_ms(attempts))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(None)
    }

    /// A sign-in succeeded: `cleared` starts over (the account's key), `returned` gets its slot back (the IP's, so
    /// successful sign-ins from one office do not add up).
    pub async fn login_succeeded(&self, cleared: &str, returned: Option<&str>) -> Result<()> {
        let mut tx = self.writes.begin().await?;
        sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(cleared).execute(&mut *tx).await?;
        if let Some(key) = returned {
            sqlx::query("UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_attempts_up_to_the_cap() {
        let t = Throttle { free: 5, max_delay: TimeDelta::minutes(15) };
        let waits: Vec<i64> = (1..=8).map(|a| t.delay_ms(a)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1000, 2000, 4000, 8000]);
        assert_eq!(t.delay_ms(20), 15 * 60 * 1000);
        assert_eq!(t.delay_ms(i64::MAX / 2), 15 * 60 * 1000, "no overflow");
    }
}

//! Keeping channels' tokens alive: the jobs that check them, renewed tokens, and telling the team once when a
//! channel needs them (and again when it gets worse).
use chrono::{DateTime, TimeDelta, Utc};
use maitre_domain::{AccountId, ChannelId, ChannelStatus};

use crate::channels::Channels;
use crate::channels::RELEASED;
use crate::clock::to_ms;
use crate::notifications::{Notice, NotificationKind, notify_in};
use crate::{Result, Store, StoreError};

/// A token expiring sooner than this that cannot be renewed needs a new login.
pub const EXPIRY_WARNING: TimeDelta = TimeDelta::days(7);

/// What a channel's last check found, in increasing order of urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChannelAlert {
    Fine,
    /// Its token expires within [`EXPIRY_WARNING`] and could not be renewed.
    Expiring,
    /// Its token was rejected or has expired: someone must connect it again.
    Reconnect,
}

impl ChannelAlert {
    /// The verdict on a channel's recorded state at `now`.
    pub fn of(status: ChannelStatus, token_expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match token_expires_at {
            _ if matches!(status, ChannelStatus::Invalid | ChannelStatus::NeedsReconnect) => Self::Reconnect,
            Some(at) if at <= now => Self::Reconnect,
            Some(at) if at - now < EXPIRY_WARNING => Self::Expiring,
            _ => Self::Fine,
        }
    }

    fn level(self) -> i64 {
        self as i64
    }

    pub(crate) fn from_level(level: i64) -> Self {
        match level {
            0 => Self::Fine,
            1 => Self::Expiring,
            _ => Self::Reconnect,
        }
    }
}

impl Store {
    /// Every channel a check can help (not those another business took over), across accounts.
    pub async fn channels_to_check(&self) -> Result<Vec<(AccountId, ChannelId)>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT account_id, id FROM channels WHERE external_id NOT LIKE $1 ORDER BY id")
                .bind(format!("{RELEASED}%"))
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|(a, c)| Ok((a.parse().map_err(StoreError::corrupt)?, c.parse().map_err(StoreError::corrupt)?)))
            .collect()
    }
}

impl Channels<'_> {
    /// A renewed token (sealed) and its expiry; the status is the next check's to record.
    pub async fn renew_channel_token(&self, id: ChannelId, credentials: &str, expires_at: DateTime<Utc>) -> Result<()> {
        self.update_channel("credentials = $3, token_expires_at = $4", id, |q| {
            q.bind(credentials).bind(to_ms(expires_at))
        })
        .await
    }

    /// Records `alert` for the channel. When it is worse than what the team was last told, the owners and admins
    /// get a notification (and its email) in the same transaction; returns whether they did.
    pub async fn set_channel_alert(&self, id: ChannelId, alert: ChannelAlert) -> Result<bool> {
        let account = self.tenant.account_id();
        let mut tx = self.tenant.store().writes.begin().await?;
        let (name, told): (String, i64) =
            sqlx::query_as("SELECT name, alert_level FROM channels WHERE account_id = $1 AND id = $2")
                .bind(account.to_string())
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if told == alert.level() {
            return Ok(false);
        }
        sqlx::query("UPDATE channels SET alert_level = $3 WHERE account_id = $1 AND id = $2")
            .bind(account.to_string())
            .bind(id.to_string())
            .bind(alert.level())
            .execute(&mut *tx)
            .await?;
        let worse = alert.level() > told;
        let notified = if worse {
            let link = format!("/a/{account}/channels");
            let subject = id.to_string();
            let notice = Notice {
                kind: NotificationKind::Channel,
                target: None,
                actor: None,
                text: &name,
                link: &link,
                subject: &subject,
            };
            Some(notify_in(&mut tx, account, &notice, self.tenant.store().now_ms()).await?)
        } else {
            None
        };
        tx.commit().await?;
        self.tenant.config_changed();
        if let Some(notified) = notified {
            notified.publish(self.tenant).await;
        }
        Ok(worse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_by_status_and_expiry() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let days = |d| Some(now + TimeDelta::days(d));
        assert_eq!(ChannelAlert::of(ChannelStatus::Connected, None, now), ChannelAlert::Fine);
        assert_eq!(ChannelAlert::of(ChannelStatus::Connected, days(8), now), ChannelAlert::Fine);
        assert_eq!(ChannelAlert::of(ChannelStatus::Connected, days(6), now), ChannelAlert::Expiring);
        assert_eq!(ChannelAlert::of(ChannelStatus::NeedsAttention, days(0), now), ChannelAlert::Reconnect);
        assert_eq!(ChannelAlert::of(ChannelStatus::Invalid, days(30), now), ChannelAlert::Reconnect);
        assert_eq!(ChannelAlert::of(ChannelStatus::NeedsReconnect, None, now), ChannelAlert::Reconnect);
        for a in [ChannelAlert::Fine, ChannelAlert::Expiring, ChannelAlert::Reconnect] {
            assert_eq!(ChannelAlert::from_level(a.level()), a);
        }
    }
}

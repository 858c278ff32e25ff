//! Connected channels. Credentials arrive here already encrypted; the store never sees plain tokens.
use chrono::{DateTime, Utc};
use maitre_domain::{AccountId, ChannelId, ChannelStatus, Platform};
use sqlx::FromRow;

use crate::channel_alerts::ChannelAlert;
use crate::clock::{from_ms, to_ms};
use crate::notifications::{Notice, NotificationKind, Notified, notify_in};
use crate::tenant::TenantStore;
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: ChannelId,
    pub account_id: AccountId,
    pub platform: Platform,
    /// The routing key webhooks carry: IG account id, page id, phone_number_id, bot id.
    pub external_id: String,
    pub name: String,
    /// AEAD ciphertext of the channel's tokens.
    pub credentials: String,
    pub webhook_secret_hash: String,
    pub status: ChannelStatus,
    pub status_reason: String,
    pub checked_at: Option<DateTime<Utc>>,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// Sent to every inbound message of a conversation in bot mode, until flows take over. Empty: none.
    pub auto_reply: String,
    /// The token was shown to read the platform account `external_id` names (see [`TenantStore::create_channel`]).
    pub verified: bool,
    /// What the last check found that the team was told about.
    pub alert: ChannelAlert,
    /// WhatsApp: the business account (WABA) that owns the number and its message templates, once given.
    pub waba_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Channel {
    /// Another business took its platform account over (see [`TenantStore::create_channel`]): it routes nothing.
    pub fn released(&self) -> bool {
        self.external_id.starts_with(RELEASED)
    }
}

/// Prefixes a released channel's external id (with the channel id, to stay unique).
pub(crate) const RELEASED: &str = "released:";

pub struct NewChannel<'a> {
    pub platform: Platform,
    pub external_id: &'a str,
    pub name: &'a str,
    pub credentials: &'a str,
    pub webhook_secret_hash: &'a str,
    pub token_expires_at: Option<DateTime<Utc>>,
    /// The platform confirmed that this token reads the account: such a claim takes over an unverified one.
    pub verified: bool,
}

#[derive(FromRow)]
struct ChannelRow {
    id: String,
    account_id: String,
    platform: String,
    external_id: String,
    name: String,
    credentials: String,
    webhook_secret_hash: String,
    status: String,
    status_reason: String,
    checked_at: Option<i64>,
    token_expires_at: Option<i64>,
    auto_reply: String,
    verified: i64,
    alert_level: i64,
    waba_id: Option<String>,
    created_at: i64,
}

impl TryFrom<ChannelRow> for Channel {
    type Error = StoreError;
    fn try_from(r: ChannelRow) -> Result<Self> {
        Ok(Channel {
            id: r.id.parse().map_err(StoreError::corrupt)?,
            account_id: r.account_id.parse().map_err(StoreError::corrupt)?,
            platform: r.platform.parse().map_err(StoreError::corrupt)?,
            external_id: r.external_id,
            name: r.name,
            credentials: r.credentials,
            webhook_secret_hash: r.webhook_secret_hash,
            status: r.status.parse().map_err(StoreError::corrupt)?,
            status_reason: r.status_reason,
            checked_at: r.checked_at.map(from_ms),
            token_expires_at: r.token_expires_at.map(from_ms),
            auto_reply: r.auto_reply,
            verified: r.verified != 0,
            alert: ChannelAlert::from_level(r.alert_level),
            waba_id: r.waba_id,
            created_at: from_ms(r.created_at),
        })
    }
}

const COLUMNS: &str = "SELECT id, account_id, platform, external_id, name, credentials, webhook_secret_hash, status, \
     status_reason, checked_at, token_expires_at, auto_reply, verified, alert_level, waba_id, created_at FROM channels";

async fn fetch_one(store: &Store, filter: &str, a: &str, b: &str) -> Result<Channel> {
    let q = format!("{COLUMNS} WHERE {filter}");
    sqlx::query_as::<_, ChannelRow>(sqlx::AssertSqlSafe(q)).bind(a).bind(b).fetch_one(&store.read).await?.try_into()
}

impl Store {
    /// The verified channel route for a webhook: the channel a platform's recipient id belongs to. Its account
    /// is then reached through the jobs the webhook enqueues (`tenant_for_job`). Unknown → NotFound.
    pub async fn route(&self, platform: Platform, external_id: &str) -> Result<Channel> {
        let load = fetch_one(self, "platform = $1 AND external_id = $2", platform.as_str(), external_id);
        self.cached_route(platform, external_id, load).await
    }

    /// The WhatsApp channel whose business account is `waba`: template webhooks name no phone number. Its first
    /// channel stands for the account. Unknown → NotFound.
    pub async fn route_by_waba(&self, waba: &str) -> Result<Channel> {
        let filter = "platform = $1 AND waba_id = $2 AND external_id NOT LIKE 'released:%' ORDER BY created_at";
        fetch_one(self, filter, Platform::WhatsApp.as_str(), waba).await
    }

    /// The channel named in a per-channel webhook URL (Telegram).
    pub async fn route_by_channel_id(&self, platform: Platform, channel: &str) -> Result<Channel> {
        fetch_one(self, "platform = $1 AND id = $2", platform.as_str(), channel).await
    }
}

/// One business's connected channels: their routes, credentials (sealed), status, automatic reply and alerts.
/// Handed out by `TenantStore::channels`, so every query and change is the business's own.
pub struct Channels<'t> {
    pub(crate) tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn channels(&self) -> Channels<'_> {
        Channels { tenant: self }
    }
}

impl Channels<'_> {
    /// Connects a channel. The platform account connected here already, or verified by another business, or this
    /// claim unverified → Conflict "channels.platform" (resp. "channels.verified"). A verified claim takes the
    /// account over from another business's unverified channel: that channel keeps its history, stops routing
    /// (its external id is set aside), needs reconnecting, and its owners and admins are notified.
    pub async fn create_channel(&self, new: NewChannel<'_>) -> Result<Channel> {
        let id = ChannelId::new();
        let now = self.tenant.store().now_ms();
        let mut tx = self.tenant.store().writes.begin().await?;
        let holder: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT account_id, id, name, verified FROM channels WHERE platform = $1 AND external_id = $2",
        )
        .bind(new.platform.as_str())
        .bind(new.external_id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut released = None;
        if let Some((account, channel, name, verified)) = holder {
            let conflict = |on: &str| StoreError::Conflict { constraint: format!("channels.{on}") };
            if account == self.tenant.account_id().to_string() || !new.verified {
                return Err(conflict("platform"));
            }
            if verified != 0 {
                return Err(conflict("verified"));
            }
            let account: AccountId = account.parse().map_err(StoreError::corrupt)?;
            released = Some((account, release_in(&mut tx, account, &channel, &name, now).await?));
        }
        sqlx::query(
            "INSERT INTO channels (account_id, id, platform, external_id, name, credentials, webhook_secret_hash, \
             status, status_reason, checked_at, token_expires_at, verified, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'connected', '', $8, $9, $10, $8)",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(id.to_string())
        .bind(new.platform.as_str())
        .bind(new.external_id)
        .bind(new.name)
        .bind(new.credentials)
        .bind(new.webhook_secret_hash)
        .bind(now)
        .bind(new.token_expires_at.map(to_ms))
        .bind(i64::from(new.verified))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.tenant.config_changed();
        if let Some((account, notified)) = released {
            self.tenant.store().hot.forget(account);
            notified.publish_for(self.tenant.store(), account).await;
        }
        self.channel(id).await
    }

    pub async fn list(&self) -> Result<Vec<Channel>> {
        let q = format!("{COLUMNS} WHERE account_id = $1 ORDER BY created_at, id");
        sqlx::query_as::<_, ChannelRow>(sqlx::AssertSqlSafe(q))
            .bind(self.tenant.account_id().to_string())
            .fetch_all(&self.tenant.store().read)
            .await?
            .into_iter()
            .map(Channel::try_from)
            .collect()
    }

    pub async fn channel(&self, id: ChannelId) -> Result<Channel> {
        fetch_one(
            self.tenant.store(),
            "account_id = $1 AND id = $2",
            &self.tenant.account_id().to_string(),
            &id.to_string(),
        )
        .await
    }

    /// Records the outcome of a health check (or of a send that proved the token dead).
    pub async fn set_channel_status(
        &self,
        id: ChannelId,
        status: ChannelStatus,
        reason: &str,
        token_expires_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.update_channel(
            "status = $3, status_reason = $4, checked_at = $5, token_expires_at = COALESCE($6, token_expires_at)",
            id,
            |q| {
                q.bind(status.as_str())
                    .bind(reason)
                    .bind(self.tenant.store().now_ms())
                    .bind(token_expires_at.map(to_ms))
            },
        )
        .await
    }

    /// New tokens after a reconnect: the channel is connected again and its paused sends resume now.
    pub async fn replace_channel_credentials(&self, id: ChannelId, credentials: &str) -> Result<()> {
        // A fresh token starts with nothing to tell: its next trouble is news again.
        let set = "credentials = $3, status = 'connected', status_reason = '', checked_at = $4, alert_level = 0";
        self.update_channel(set, id, |q| q.bind(credentials).bind(self.tenant.store().now_ms())).await?;
        sqlx::query(
            "UPDATE jobs SET run_at = $2 WHERE account_id = $1 AND kind = 'send' AND status = 'queued' AND run_at > $2",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(self.tenant.store().now_ms())
        .execute(&self.tenant.store().write)
        .await?;
        Ok(())
    }

    /// The same credentials sealed under the current key (after a key rotation); the status is untouched.
    pub async fn reseal_channel_credentials(&self, id: ChannelId, credentials: &str) -> Result<()> {
        self.update_channel("credentials = $3", id, |q| q.bind(credentials)).await
    }

    pub async fn set_auto_reply(&self, id: ChannelId, text: &str) -> Result<()> {
        self.update_channel("auto_reply = $3", id, |q| q.bind(text)).await
    }

    /// Disconnects a channel; its conversations and messages go with it.
    pub async fn delete_channel(&self, id: ChannelId) -> Result<()> {
        let done = sqlx::query("DELETE FROM channels WHERE account_id = $1 AND id = $2")
            .bind(self.tenant.account_id().to_string())
            .bind(id.to_string())
            .execute(&self.tenant.store().write)
            .await?;
        self.tenant.config_changed();
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Names the WhatsApp business account of a channel (empty: none).
    pub async fn set_waba(&self, id: ChannelId, waba: &str) -> Result<()> {
        let waba = Some(waba.trim()).filter(|w| !w.is_empty()).map(str::to_owned);
        self.update_channel("waba_id = $3", id, |q| q.bind(waba)).await
    }

    /// A health check found the token reading its account: from now on the channel cannot be taken over.
    pub async fn mark_channel_verified(&self, id: ChannelId) -> Result<()> {
        self.update_channel("verified = 1", id, |q| q).await
    }

    pub(crate) async fn update_channel<'q>(
        &self,
        set: &str,
        id: ChannelId,
        bind: impl FnOnce(
            sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> Result<()> {
        let q = format!("UPDATE channels SET {set} WHERE account_id = $1 AND id = $2");
        let query = sqlx::query(sqlx::AssertSqlSafe(q)).bind(self.tenant.account_id().to_string()).bind(id.to_string());
        let done = bind(query).execute(&self.tenant.store().write).await?;
        self.tenant.config_changed();
        if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}

/// Takes `channel` of `account` off its platform account (another business proved it owns it): the external id
/// is set aside so webhooks route to the new channel, and the team is told to reconnect.
async fn release_in(
    tx: &mut sqlx::AnyConnection,
    account: AccountId,
    channel: &str,
    name: &str,
    now: i64,
) -> Result<Notified> {
    sqlx::query(
        "UPDATE channels SET external_id = $5 || id || ':' || external_id, status = 'needs_reconnect', \
         status_reason = $3, verified = 0, checked_at = $4 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.to_string())
    .bind(channel)
    .bind(TAKEN_OVER)
    .bind(now)
    .bind(RELEASED)
    .execute(&mut *tx)
    .await?;
    let link = format!("/a/{account}/channels");
    let notice = Notice {
        kind: NotificationKind::Channel,
        target: None,
        actor: None,
        text: name,
        link: &link,
        subject: channel,
    };
    notify_in(tx, account, &notice, now).await
}

/// The status reason of a channel whose account another business took over.
const TAKEN_OVER: &str = "Another business connected this account with a token that can read it. \
     Reconnect it with a token of the business that owns it.";

//! Tokens that stay alive (PROTOCOLS.md §5, §11): every channel is checked daily and after a token error.
//! Instagram Business Login tokens are renewed well before their 60 days end; every token is verified (Graph
//! tokens through `debug_token` when the app's credentials are configured). A channel that must be reconnected,
//! or whose token expires within a week and cannot be renewed, is flagged and its owners and admins are told once,
//! and again when it gets worse.
use std::sync::Arc;

use chrono::{DurationRound, TimeDelta, Utc};
use maitre_channels::outbound::InstagramLogin;
use maitre_domain::jobs::{ChannelCheckJob, ChannelSweepJob};
use maitre_domain::{AccountId, ChannelId, ChannelStatus, Platform};
use maitre_jobs::JobError;
use maitre_store::{Channel, ChannelAlert, Job, JobKind, NewJob, Store, StoreError, TenantStore};

use crate::connect::ConnectError;
use crate::{App, Credentials, job_tenant, payload, retry};

/// Renew a 60-day token once it has less than this left, i.e. once it is about a week old (it must be a day old).
const RENEW_WITHIN: TimeDelta = TimeDelta::days(53);

/// Queues today's sweep (now) unless it ran already; every node may call this at start.
pub async fn schedule_sweep(store: &Store) -> Result<(), StoreError> {
    let today = store.clock().now().duration_trunc(TimeDelta::days(1)).unwrap_or_else(|_| store.clock().now());
    enqueue_sweep(store, today).await
}

async fn enqueue_sweep(store: &Store, day: chrono::DateTime<Utc>) -> Result<(), StoreError> {
    let key = sweep_key(day);
    store.enqueue(sweep_job(day, &key)).await.map(drop)
}

fn sweep_key(day: chrono::DateTime<Utc>) -> String {
    format!("{}:{}", JobKind::ChannelSweep, day.format("%Y-%m-%d"))
}

fn sweep_job(day: chrono::DateTime<Utc>, key: &str) -> NewJob<'_> {
    NewJob::new(None, &ChannelSweepJob {}).dedupe(key).at(day).attempts(5)
}

/// The dedupe key of a channel's check; `occasion` names the slot it belongs to, so each slot checks once.
fn check_key(channel: ChannelId, occasion: &str) -> String {
    format!("{}:{channel}:{occasion}", JobKind::ChannelCheck)
}

fn check_job(account: AccountId, channel: ChannelId, key: &str) -> NewJob<'_> {
    NewJob::new(Some(account), &ChannelCheckJob { channel_id: channel }).dedupe(key).attempts(5)
}

/// Queues a check of one channel in the slot `occasion`.
pub async fn enqueue_check(
    store: &Store,
    account: AccountId,
    channel: ChannelId,
    occasion: &str,
) -> Result<(), StoreError> {
    let key = check_key(channel, occasion);
    store.enqueue(check_job(account, channel, &key)).await.map(drop)
}

/// After a platform rejected a channel's token: check it now (at most once an hour), so the team hears of it.
pub async fn check_after_token_error(store: &Store, account: AccountId, channel: ChannelId) -> Result<(), StoreError> {
    let hour = store.clock().now().format("token-error-%Y-%m-%dT%H").to_string();
    enqueue_check(store, account, channel, &hour).await
}

/// The daily sweep: a check for every channel and tomorrow's sweep, queued together.
pub async fn sweep(gw: Arc<App>, _job: Job) -> Result<(), JobError> {
    let now = gw.store.clock().now();
    let today = now.format("%Y-%m-%d").to_string();
    let channels = gw.store.channels_to_check().await.map_err(retry)?;
    let checks: Vec<(AccountId, ChannelId, String)> =
        channels.into_iter().map(|(account, channel)| (account, channel, check_key(channel, &today))).collect();
    let tomorrow = now.duration_trunc(TimeDelta::days(1)).unwrap_or(now) + TimeDelta::days(1);
    let next = sweep_key(tomorrow);
    let jobs: Vec<NewJob<'_>> = checks
        .iter()
        .map(|(account, channel, key)| check_job(*account, *channel, key))
        .chain([sweep_job(tomorrow, &next)])
        .collect();
    gw.store.enqueue_all(&jobs).await.map(drop).map_err(retry)
}

/// One channel's check as a job.
pub async fn check(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let tenant = job_tenant(&gw, &job)?;
    let p: ChannelCheckJob = payload(&job)?;
    match gw.check_channel(&tenant, p.channel_id).await {
        Ok(_) | Err(ConnectError::Store(StoreError::NotFound)) => Ok(()),
        Err(ConnectError::Store(e)) => Err(retry(e)),
        Err(e) => Err(JobError::Permanent(e.to_string())),
    }
}

impl App {
    /// Renews the token when due, verifies it, and records what the team must know.
    pub async fn check_channel(&self, tenant: &TenantStore, id: ChannelId) -> Result<Channel, ConnectError> {
        let channel = tenant.channels().channel(id).await?;
        if channel.released() {
            return Ok(channel);
        }
        let renewal = self.renew_if_due(tenant, &channel).await?;
        let mut checked = self.verify(tenant, id).await?;
        if let Err(why) = renewal
            && checked.status == ChannelStatus::Connected
        {
            let reason = format!("{}; renewing the token failed: {why}", checked.status_reason);
            tenant.channels().set_channel_status(id, checked.status, &reason, None).await?;
            checked = tenant.channels().channel(id).await?;
        }
        let alert = ChannelAlert::of(checked.status, checked.token_expires_at, self.store.clock().now());
        tenant.channels().set_channel_alert(id, alert).await?;
        Ok(tenant.channels().channel(id).await?)
    }

    /// An Instagram Business Login token with less than [`RENEW_WITHIN`] left is exchanged for a new 60-day one.
    /// `Err` carries why the platform refused; other tokens are not renewed here (Ok).
    async fn renew_if_due(&self, tenant: &TenantStore, channel: &Channel) -> Result<Result<(), String>, ConnectError> {
        let now = self.store.clock().now();
        let due = channel.token_expires_at.is_some_and(|at| at > now && at - now < RENEW_WITHIN);
        if channel.platform != Platform::Instagram || !due {
            return Ok(Ok(()));
        }
        let creds = self
            .vault
            .open(tenant.account_id(), &channel.credentials)
            .map_err(|e| ConnectError::Rejected(e.to_string()))?;
        if creds.instagram_login != InstagramLogin::BusinessLogin {
            return Ok(Ok(()));
        }
        let renewed = match self.sender.refresh_instagram_token(&creds.access_token).await {
            Ok(renewed) => renewed,
            Err(failure) => return Ok(Err(failure.to_string())),
        };
        let expires_at = self.store.clock().now() + TimeDelta::seconds(renewed.expires_in);
        let creds = Credentials { access_token: renewed.access_token, ..creds };
        tenant
            .channels()
            .renew_channel_token(channel.id, &self.vault.seal(tenant.account_id(), &creds), expires_at)
            .await?;
        Ok(Ok(()))
    }
}

//! A business's plan and what it uses of the plan's limits (maitre-domain entitlements decides what that allows).
use chrono::NaiveDate;
use chrono_tz::Tz;
use maitre_domain::booking::tz::day_start;
use maitre_domain::entitlements::Usage;
use maitre_domain::jobs::BillingEventJob;
use maitre_domain::metrics::report::number_of;
use sqlx::Row;

use crate::clock::to_ms;
use crate::tenant::TenantStore;
use crate::{NewJob, Result, Store};

/// Handed out by `TenantStore::billing`: every query is the business's own.
pub struct Billing<'t> {
    tenant: &'t TenantStore,
}

impl TenantStore {
    pub fn billing(&self) -> Billing<'_> {
        Billing { tenant: self }
    }
}

impl Billing<'_> {
    /// The business's plan key; '' for the configured default.
    pub async fn plan_key(&self) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT plan FROM accounts WHERE id = $1")
            .bind(self.tenant.account_id().to_string())
            .fetch_one(&self.tenant.store().read)
            .await?)
    }

    pub async fn set_plan(&self, key: &str) -> Result<()> {
        sqlx::query("UPDATE accounts SET plan = $2 WHERE id = $1")
            .bind(self.tenant.account_id().to_string())
            .bind(key)
            .execute(&self.tenant.store().write)
            .await?;
        Ok(())
    }

    /// What exists now (channels; members with pending invitations; flows) and what was used in the local month
    /// beginning on `month` in `tz` (broadcasts started, and those scheduled to start; guest messages received,
    /// from the counted figures).
    /// AI calls are not counted yet.
    pub async fn usage(&self, month: NaiveDate, tz: Tz) -> Result<Usage> {
        let store = self.tenant.store();
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM channels WHERE account_id = $1) AS channels, \
             (SELECT COUNT(*) FROM memberships WHERE account_id = $1) + (SELECT COUNT(*) FROM invites \
              WHERE account_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $4) AS members, \
             (SELECT COUNT(*) FROM flows WHERE account_id = $1) AS flows, \
             (SELECT COUNT(*) FROM broadcasts WHERE account_id = $1 AND (started_at >= $2 OR status = 'scheduled')) \
              AS broadcasts, \
             (SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM figure_days WHERE account_id = $1 AND day >= $3 \
              AND metric = 'messages' AND dim = 'guest') AS guest_messages",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(to_ms(day_start(month, tz)))
        .bind(number_of(month))
        .bind(store.now_ms())
        .fetch_one(&store.read)
        .await?;
        let count = |name: &str| -> Result<u64> { Ok(r.try_get::<i64, _>(name)?.max(0) as u64) };
        Ok(Usage {
            channels: count("channels")?,
            members: count("members")?,
            flows: count("flows")?,
            guest_messages: count("guest_messages")?,
            broadcasts: count("broadcasts")?,
            ai_calls: 0,
        })
    }
}

/// A Stripe event as stored for its job.
#[derive(Debug, Clone)]
pub struct BillingEvent {
    pub id: String,
    pub kind: String,
    /// The event's `created`, unix seconds.
    pub created: i64,
    pub body: String,
    pub processed: bool,
}

/// What a subscription event says of a business's subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionState<'a> {
    pub customer: &'a str,
    pub subscription: &'a str,
    /// Stripe's status (`active`, `past_due`, `canceled` …).
    pub status: &'a str,
    /// The plan it pays for ('' for the default plan).
    pub plan: &'a str,
    /// The event's `created`: an older event than the last one applied changes nothing.
    pub event_created: i64,
}

impl Store {
    /// Stores a verified Stripe event once (by its id) and queues its job in the same transaction; false when it
    /// was stored before (a redelivery).
    pub async fn record_billing_event(&self, id: &str, kind: &str, created: i64, body: &str) -> Result<bool> {
        let now = self.now_ms();
        let mut tx = self.writes.begin().await?;
        let added = sqlx::query(
            "INSERT INTO billing_events (id, kind, created, body, received_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(kind)
        .bind(created)
        .bind(body)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if added {
            let job = NewJob::new(None, &BillingEventJob { event: id.to_owned() });
            crate::jobs::enqueue_in(&mut tx, now, &job).await?;
        }
        tx.commit().await?;
        if added {
            self.jobs_queued();
        }
        Ok(added)
    }

    pub async fn billing_event(&self, id: &str) -> Result<BillingEvent> {
        let r = sqlx::query("SELECT id, kind, created, body, processed_at FROM billing_events WHERE id = $1")
            .bind(id)
            .fetch_one(&self.read)
            .await?;
        Ok(BillingEvent {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            created: r.try_get("created")?,
            body: r.try_get("body")?,
            processed: r.try_get::<Option<i64>, _>("processed_at")?.is_some(),
        })
    }

    pub async fn mark_billing_event_processed(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE billing_events SET processed_at = $2 WHERE id = $1 AND processed_at IS NULL")
            .bind(id)
            .bind(self.now_ms())
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

impl Billing<'_> {
    /// Applies a subscription event unless a newer one was applied already (Stripe does not keep their order);
    /// true when it changed the business.
    pub async fn apply_subscription(&self, s: &SubscriptionState<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET stripe_customer = $2, stripe_subscription = $3, subscription_status = $4, \
             plan = $5, billing_event_at = $6 WHERE id = $1 AND billing_event_at < $6",
        )
        .bind(self.tenant.account_id().to_string())
        .bind(s.customer)
        .bind(s.subscription)
        .bind(s.status)
        .bind(s.plan)
        .bind(s.event_created)
        .execute(&self.tenant.store().write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stripe's status of the business's subscription ('' without one).
    pub async fn subscription_status(&self) -> Result<String> {
        Ok(sqlx::query_scalar("SELECT subscription_status FROM accounts WHERE id = $1")
            .bind(self.tenant.account_id().to_string())
            .fetch_one(&self.tenant.store().read)
            .await?)
    }
}

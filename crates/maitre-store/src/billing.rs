//! A business's plan and what it uses of the plan's limits (maitre-domain entitlements decides what that allows).
use chrono::NaiveDate;
use chrono_tz::Tz;
use maitre_domain::booking::tz::day_start;
use maitre_domain::entitlements::Usage;
use maitre_domain::metrics::report::number_of;
use sqlx::Row;

use crate::Result;
use crate::clock::to_ms;
use crate::tenant::TenantStore;

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

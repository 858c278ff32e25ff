//! Asking the business's plan before creating something it limits (maitre-domain entitlements). With billing off
//! every business is unlimited and nothing is read.
use chrono::Datelike;
use maitre_domain::entitlements::{Entitlement, Limited, Limits, Plan, Usage, automation_paused, entitled};
use maitre_store::{StoreError, TenantStore};

use crate::App;

/// The business's plan is used up for `what`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {plan} plan allows at most {limit} {what}; a larger plan allows more", what = what.as_str())]
pub struct OverPlan {
    /// The plan's name.
    pub plan: String,
    pub what: Limited,
    pub limit: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum EntitleError {
    #[error(transparent)]
    OverPlan(#[from] OverPlan),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl App {
    /// Whether the business may add one more `what` now (`Nearly`: yes, and it is close to its limit); refused
    /// when its plan is used up.
    pub async fn entitle(&self, tenant: &TenantStore, what: Limited) -> Result<Entitlement, EntitleError> {
        let Some((plan, usage)) = self.plan_and_usage(tenant).await? else { return Ok(Entitlement::Allowed) };
        match entitled(&plan.limits, &usage, what) {
            Entitlement::Refused { limit } => Err(OverPlan { plan: plan.name, what, limit }.into()),
            allowed => Ok(allowed),
        }
    }

    /// Whether the month's guest messages have gone past the plan's: automation then leaves them to the team.
    pub async fn automation_paused(&self, tenant: &TenantStore) -> Result<bool, StoreError> {
        Ok(self.plan_and_usage(tenant).await?.is_some_and(|(plan, usage)| automation_paused(&plan.limits, &usage)))
    }

    /// The business's plan and this local month's usage; `None` when nothing is limited (billing off: no reads).
    async fn plan_and_usage(&self, tenant: &TenantStore) -> Result<Option<(Plan, Usage)>, StoreError> {
        if !self.billing.enabled {
            return Ok(None);
        }
        let plan = self.billing.plan(&tenant.billing().plan_key().await?);
        if plan.limits == Limits::default() {
            return Ok(None);
        }
        let tz = tenant.account().await?.settings.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let today = self.store.clock().now().with_timezone(&tz).date_naive();
        let usage = tenant.billing().usage(today.with_day(1).unwrap_or(today), tz).await?;
        Ok(Some((plan, usage)))
    }
}

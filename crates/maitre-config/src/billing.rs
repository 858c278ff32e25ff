//! Plans and billing. Off by default: a self-hosted install has one plan without limits and needs no Stripe.
use maitre_domain::entitlements::{Limits, Plan};
use serde::{Deserialize, Serialize};

use crate::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingSettings {
    /// Plans and their limits apply (and, once configured, Stripe bills them).
    pub enabled: bool,
    /// The plans businesses may be on; the defaults below when none are configured.
    pub plans: Vec<Plan>,
    /// The plan of a business that chose none (a new sign-up).
    pub default_plan: String,
    /// The signing secret (`whsec_…`) of the Stripe webhook endpoint `/webhooks/stripe`; unset, it answers 404.
    pub stripe_webhook_secret: Option<Secret>,
}

impl Default for BillingSettings {
    fn default() -> Self {
        Self { enabled: false, plans: default_plans(), default_plan: "free".into(), stripe_webhook_secret: None }
    }
}

impl BillingSettings {
    /// The plan a business on `key` has: with billing off, no limits; an unknown key (a plan removed from the
    /// configuration) counts as the default plan.
    pub fn plan(&self, key: &str) -> Plan {
        if !self.enabled {
            return Plan::unlimited();
        }
        let find = |k: &str| self.plans.iter().find(|p| p.key == k).cloned();
        find(key).or_else(|| find(&self.default_plan)).unwrap_or_else(Plan::unlimited)
    }
}

/// Free, Pro and Business, priced by the Stripe lookup keys PROTOCOLS §12 names.
fn default_plans() -> Vec<Plan> {
    let plan = |key: &str, name: &str, price: Option<&str>, limits| Plan {
        key: key.into(),
        name: name.into(),
        price_lookup_key: price.map(str::to_owned),
        limits,
    };
    vec![
        plan(
            "free",
            "Free",
            Some("maitre_free_monthly"),
            Limits {
                channels: Some(1),
                members: Some(2),
                flows: Some(3),
                guest_messages_per_month: Some(500),
                broadcasts_per_month: Some(1),
                ai_calls_per_month: Some(0),
            },
        ),
        plan(
            "pro",
            "Pro",
            Some("maitre_pro_monthly"),
            Limits {
                channels: Some(4),
                members: Some(10),
                flows: Some(25),
                guest_messages_per_month: Some(10_000),
                broadcasts_per_month: Some(20),
                ai_calls_per_month: Some(2_000),
            },
        ),
        plan("business", "Business", Some("maitre_business_monthly"), Limits::default()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_off_has_no_limits_and_on_falls_back_to_the_default_plan() {
        let off = BillingSettings::default();
        assert_eq!(off.plan("free").limits, Limits::default());
        let on = BillingSettings { enabled: true, ..BillingSettings::default() };
        assert_eq!(on.plan("pro").limits.channels, Some(4));
        assert_eq!(on.plan("").key, "free", "a new business");
        assert_eq!(on.plan("gold").key, "free", "a plan removed from the configuration");
        assert_eq!(on.plan("business").limits, Limits::default());
        let none = BillingSettings { enabled: true, plans: vec![], ..BillingSettings::default() };
        assert_eq!(none.plan("free").limits, Limits::default(), "no plans configured: nothing to limit by");
    }
}

//! Applying Stripe's subscription events to the business they name (PROTOCOLS.md §8, §12). The webhook stored the
//! event once; this job reads it and changes the business only when the event is newer than the last one applied.
//! Invoice and checkout events are stored and marked processed; what they will change (grace after a failed
//! payment, the checkout's fulfilment) is not built yet.
use std::sync::Arc;

use maitre_domain::AccountId;
use maitre_domain::jobs::BillingEventJob;
use maitre_jobs::JobError;
use maitre_store::{Job, StoreError, SubscriptionState};
use serde::Deserialize;

use crate::{App, payload, retry};

#[derive(Deserialize)]
struct Event {
    data: Data,
}

#[derive(Deserialize)]
struct Data {
    object: Subscription,
}

/// The parts of a `subscription` object maitre reads.
#[derive(Deserialize)]
struct Subscription {
    id: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    items: Items,
}

#[derive(Deserialize, Default)]
struct Metadata {
    /// The business, set as `subscription_data[metadata][tenant_id]` at checkout.
    tenant_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct Items {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    price: Price,
}

#[derive(Deserialize)]
struct Price {
    lookup_key: Option<String>,
}

/// Statuses that keep what the subscription pays for (PROTOCOLS §8: revoke on canceled and unpaid).
const PAYING: [&str; 3] = ["active", "trialing", "past_due"];

pub async fn event(gw: Arc<App>, job: Job) -> Result<(), JobError> {
    let p: BillingEventJob = payload(&job)?;
    let e = match gw.store.billing_event(&p.event).await {
        Ok(e) => e,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    if e.processed {
        return Ok(());
    }
    let deleted = e.kind == "customer.subscription.deleted";
    if deleted || e.kind == "customer.subscription.created" || e.kind == "customer.subscription.updated" {
        let event: Event = serde_json::from_str(&e.body).map_err(|err| {
            JobError::Permanent(format!("{} is not a subscription event maitre can read: {err}", e.id))
        })?;
        apply(&gw, &event.data.object, deleted, e.created).await?;
    }
    gw.store.mark_billing_event_processed(&e.id).await.map_err(retry)
}

async fn apply(gw: &App, s: &Subscription, deleted: bool, created: i64) -> Result<(), JobError> {
    let Some(account) = s.metadata.tenant_id.as_deref().and_then(|t| t.parse::<AccountId>().ok()) else {
        tracing::warn!(subscription = %s.id, "a Stripe subscription names no business of this install");
        return Ok(());
    };
    let tenant = match gw.store.tenant_for_operator(account).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(retry(e)),
    };
    let status = if deleted { "canceled" } else { s.status.as_str() };
    let lookup = s.items.data.first().and_then(|i| i.price.lookup_key.as_deref());
    let paid = lookup.and_then(|key| gw.billing.plans.iter().find(|p| p.price_lookup_key.as_deref() == Some(key)));
    // Without a paying subscription, the business is back on the default plan.
    let plan = paid.filter(|_| PAYING.contains(&status)).map_or("", |p| p.key.as_str());
    let state = SubscriptionState { customer: &s.customer, subscription: &s.id, status, plan, event_created: created };
    tenant.billing().apply_subscription(&state).await.map_err(retry)?;
    Ok(())
}

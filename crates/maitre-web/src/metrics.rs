//! Prometheus metrics: request counts and latencies by route, and the job queue depth read at scrape time.
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct WebhookLabels {
    pub platform: String,
    /// accepted, duplicate or ignored
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub webhook_items: Family<WebhookLabels, Counter>,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub queue_depth: Gauge,
    /// Mirrors the store's count at scrape time.
    pub platform_id_collisions: Counter,
    /// Sign-in password verifications run (the throttle lets at most its limit through at once).
    pub password_checks: Counter,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("maitre");
        let requests = Family::<RequestLabels, Counter>::default();
        // 0.25 ms … ~4 s: webhook acks live at the low end, page renders in the middle.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.00025, 2.0, 15))
        });
        let queue_depth = Gauge::default();
        let webhook_items = Family::<WebhookLabels, Counter>::default();
        registry.register("webhook_items", "Webhook items by outcome", webhook_items.clone());
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "HTTP request latency", latency.clone());
        registry.register("job_queue_depth", "Jobs queued or running", queue_depth.clone());
        let platform_id_collisions = Counter::default();
        registry.register(
            "platform_id_collisions",
            "Sent messages whose platform id another message already held (both kept)",
            platform_id_collisions.clone(),
        );
        let password_checks = Counter::default();
        registry.register("signin_password_checks", "Sign-in password verifications run", password_checks.clone());
        Self { registry, webhook_items, requests, latency, queue_depth, platform_id_collisions, password_checks }
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

//! A browser's push service (RFC 8030 §5, RFC 8292): takes an encrypted message for one subscription when it
//! carries a VAPID authorization and says it is aes128gcm, and answers 410 for a subscription that is gone.
//! The body is recorded as hex (it is ciphertext); tests decrypt it with the device's keys.
use serde_json::json;

use crate::{FakePlatforms, FakeState, RecordedRequest, Reply};

impl FakePlatforms {
    /// Stands for the endpoint a browser's push service hands out for one subscription.
    pub fn push_url(&self, subscription: &str) -> String {
        format!("{}/push/{subscription}", self.base_url())
    }

    /// Pushes the push service took, in arrival order; their bodies are the ciphertext in hex.
    pub fn pushes(&self) -> Vec<RecordedRequest> {
        self.lock().requests.iter().filter(|r| r.path.starts_with("/push/") && !r.failed).cloned().collect()
    }

    /// From now on the push service answers 410 Gone for this subscription, as for a browser that unsubscribed.
    pub fn unsubscribe_push(&self, subscription: &str) {
        self.lock().gone_subscriptions.insert(subscription.to_owned());
    }
}

pub(crate) fn receive(state: &FakeState, request: &RecordedRequest, subscription: &str) -> Reply {
    let header = |name: &str| request.headers.get(name).map(String::as_str).unwrap_or("");
    let vapid = header("authorization");
    if !(vapid.starts_with("vapid t=") && vapid.contains(", k=")) {
        return Reply::new(401, json!({ "reason": "missing or malformed VAPID authorization" }));
    }
    if header("content-encoding") != "aes128gcm" || header("ttl").parse::<u64>().is_err() {
        return Reply::new(400, json!({ "reason": "expected Content-Encoding: aes128gcm and a TTL" }));
    }
    if state.gone_subscriptions.contains(subscription) {
        return Reply::new(410, json!({ "reason": "subscription expired or unsubscribed" }));
    }
    Reply::new(201, serde_json::Value::Null)
}

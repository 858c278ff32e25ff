//! The signatures the platforms put on what they post to maitre, for tests and the bench to send as they would.
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `X-Hub-Signature-256` value Meta would send with `body`.
pub fn sign_meta(app_secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(mac(app_secret, &[body])))
}

/// The `Stripe-Signature` value Stripe would send with `body` signed at `t` (unix seconds): `t=<t>,v1=<hex>`
/// over `<t>.<body>` (PROTOCOLS.md §8).
pub fn sign_stripe(endpoint_secret: &str, t: i64, body: &[u8]) -> String {
    format!("t={t},v1={}", hex::encode(mac(endpoint_secret, &[t.to_string().as_bytes(), b".", body])))
}

fn mac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

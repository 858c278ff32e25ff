//! Web push (RFC 8030) to members' browsers: the message encrypted for the device (RFC 8291, aes128gcm) and signed
//! with the server's VAPID key (RFC 8292), both by `web-push-native`; this module derives the key, checks what a
//! browser hands in, and reads the push service's answer.
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::p256::PublicKey;
use web_push_native::{Auth, WebPushBuilder};

/// How long a push service may take to answer before the push is tried again later.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// How long a push service keeps a message for a device that is offline: a waiting guest is old news after a day.
const TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    #[error("the device's key is not a P-256 public key in base64url")]
    Key,
    #[error("the device's auth secret is not 16 bytes in base64url")]
    Auth,
    #[error("the endpoint is not an http(s) address of at most 1000 characters")]
    Endpoint,
}

/// What a push service said to one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Accepted,
    /// The device unsubscribed, or the subscription expired or belongs to another key: forget it.
    Gone,
    /// Worth trying again later (overloaded, rate limited, unreachable).
    Later(String),
    /// The service will never take this message (too large, malformed): give up on it, keep the device.
    Refused(String),
}

/// The server's VAPID identity. Derived from the secret key, so every node of one installation signs alike and
/// devices subscribed on one node hear from all.
pub struct WebPush {
    key: ES256KeyPair,
    /// `mailto:` or `https:` contact the push services may use (RFC 8292 `sub`).
    contact: String,
}

impl WebPush {
    pub fn from_secret(secret: &[u8], contact: String) -> Self {
        // A P-256 private key is a number below the curve's order; an HMAC output is one but for a chance of
        // about 2^-32, so a counter picks the next candidate then.
        let key = (0u8..)
            .find_map(|round| {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
                mac.update(b"maitre/web-push-vapid/v1");
                mac.update(&[round]);
                ES256KeyPair::from_bytes(&mac.finalize().into_bytes()).ok()
            })
            .expect("a valid key within a few rounds");
        Self { key, contact }
    }

    /// The public key browsers subscribe with (`applicationServerKey`): uncompressed point, base64url.
    pub fn public_key(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.key.public_key().public_key().to_bytes_uncompressed())
    }

    /// Checks what a browser's `PushSubscription.toJSON()` holds.
    pub fn check_device(endpoint: &str, p256dh: &str, auth: &str) -> Result<(), DeviceError> {
        let url = url::Url::parse(endpoint).map_err(|_| DeviceError::Endpoint)?;
        if endpoint.len() > 1000 || !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(DeviceError::Endpoint);
        }
        device_key(p256dh)?;
        device_auth(auth)?;
        Ok(())
    }

    /// Encrypts `message` for the device and sends it with `client`.
    pub async fn send(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        message: &[u8],
    ) -> Delivery {
        let built = (|| {
            let builder =
                WebPushBuilder::new(endpoint.parse().ok()?, device_key(p256dh).ok()?, device_auth(auth).ok()?)
                    .with_valid_duration(TTL);
            builder.with_vapid(&self.key, &self.contact).build(message).ok()
        })();
        let Some(request) = built else { return Delivery::Refused("the device's subscription is unreadable".into()) };
        let (parts, body) = request.into_parts();
        let request = client.post(endpoint).headers(parts.headers).header("Urgency", "high").body(body);
        let answer = request.timeout(ANSWER_WITHIN).send().await;
        match answer {
            Ok(res) => delivery(res.status().as_u16()),
            Err(e) => Delivery::Later(format!("push service unreachable: {e}")),
        }
    }
}

fn device_key(p256dh: &str) -> Result<PublicKey, DeviceError> {
    let bytes = URL_SAFE_NO_PAD.decode(p256dh.trim_end_matches('=')).map_err(|_| DeviceError::Key)?;
    PublicKey::from_sec1_bytes(&bytes).map_err(|_| DeviceError::Key)
}

fn device_auth(auth: &str) -> Result<Auth, DeviceError> {
    let bytes = URL_SAFE_NO_PAD.decode(auth.trim_end_matches('=')).map_err(|_| DeviceError::Auth)?;
    if bytes.len() != 16 {
        return Err(DeviceError::Auth);
    }
    Ok(Auth::clone_from_slice(&bytes))
}

/// RFC 8030 §5 and the services' documented answers: 201 taken; 404/410 the subscription is gone; 401/403 it was
/// made for another key (our secret key changed); 413 too large; 429 and 5xx later.
fn delivery(status: u16) -> Delivery {
    match status {
        200..=299 => Delivery::Accepted,
        401 | 403 | 404 | 410 => Delivery::Gone,
        429 | 500..=599 => Delivery::Later(format!("push service answered {status}")),
        _ => Delivery::Refused(format!("push service answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY";

    #[test]
    fn one_secret_one_key_and_another_secret_another() {
        let a = WebPush::from_secret(b"secret one", "mailto:ops@example.com".into());
        let again = WebPush::from_secret(b"secret one", "mailto:ops@example.com".into());
        let b = WebPush::from_secret(b"secret two", "mailto:ops@example.com".into());
        assert_eq!(a.public_key(), again.public_key());
        assert_ne!(a.public_key(), b.public_key());
        let raw = URL_SAFE_NO_PAD.decode(a.public_key()).unwrap();
        assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");
    }

    #[test]
    fn devices_are_checked() {
        let ok = WebPush::check_device("https://push.example.net/x", KEY, "_ordMnz7uTCmrpBTeUV4Bw");
        assert_eq!(ok, Ok(()));
        let padded = WebPush::check_device("https://push.example.net/x", KEY, "_ordMnz7uTCmrpBTeUV4Bw==");
        assert_eq!(padded, Ok(()), "some browsers pad base64");
        let cases = [
            ("ftp://push.example.net/x", KEY, "_ordMnz7uTCmrpBTeUV4Bw", DeviceError::Endpoint),
            ("not a url", KEY, "_ordMnz7uTCmrpBTeUV4Bw", DeviceError::Endpoint),
            ("https://push.example.net/x", "BLn9b", "_ordMnz7uTCmrpBTeUV4Bw", DeviceError::Key),
            ("https://push.example.net/x", "!!", "_ordMnz7uTCmrpBTeUV4Bw", DeviceError::Key),
            ("https://push.example.net/x", KEY, "c2hvcnQ", DeviceError::Auth),
        ];
        for (endpoint, key, auth, want) in cases {
            assert_eq!(WebPush::check_device(endpoint, key, auth), Err(want), "{endpoint} {key} {auth}");
        }
        let long = format!("https://push.example.net/{}", "x".repeat(1000));
        assert_eq!(WebPush::check_device(&long, KEY, "_ordMnz7uTCmrpBTeUV4Bw"), Err(DeviceError::Endpoint));
    }

    #[test]
    fn answers_are_read_as_the_rfc_says() {
        assert_eq!(delivery(201), Delivery::Accepted);
        for gone in [404, 410, 403] {
            assert_eq!(delivery(gone), Delivery::Gone);
        }
        assert!(matches!(delivery(429), Delivery::Later(_)));
        assert!(matches!(delivery(503), Delivery::Later(_)));
        assert!(matches!(delivery(413), Delivery::Refused(_)));
    }
}

//! Webhook authenticity checks (PROTOCOLS.md §1.2, §7 and, for Stripe's billing events, §8).
//!
//! Both checks run before any parsing and over the raw request bytes: Meta signs the escaped
//! body exactly as sent, so re-serialized JSON would never match.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Header carrying Meta's HMAC-SHA256 of the body.
pub const META_SIGNATURE_HEADER: &str = "X-Hub-Signature-256";
/// Header carrying Stripe's signatures of `<t>.<raw body>`.
pub const STRIPE_SIGNATURE_HEADER: &str = "Stripe-Signature";
/// How far a Stripe signature's time may be from ours (the Stripe libraries' default).
pub const STRIPE_TOLERANCE_SECS: i64 = 300;
/// Header carrying the `secret_token` given to Telegram's `setWebhook`.
pub const TELEGRAM_SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Why a webhook was refused. The HTTP layer answers 401 for [`SignatureError::Missing`] and 403
/// for the rest; none of them should store anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The connection has no secret: refusing beats accepting an empty-key signature.
    #[error("no webhook secret configured")]
    NotConfigured,
    #[error("signature header missing")]
    Missing,
    #[error("signature header is not `sha256=<64 hex digits>`")]
    Malformed,
    /// The legacy `sha1=` scheme; only SHA-256 is trusted.
    #[error("unsupported signature algorithm (only sha256 is accepted)")]
    UnsupportedAlgorithm,
    #[error("signature does not match")]
    Mismatch,
    /// Signed too long before (or after) now: a replayed or delayed delivery.
    #[error("signature timestamp is outside the tolerance")]
    Expired,
}

/// Checks an `X-Hub-Signature-256` header value against `raw_body`.
///
/// The hex digits are decoded case-insensitively, so an uppercase signature of the right bytes is
/// accepted: it names the same MAC, and the comparison happens on bytes in constant time.
pub fn verify_meta(app_secret: &[u8], raw_body: &[u8], header: Option<&str>) -> Result<(), SignatureError> {
    if app_secret.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    let header = header.ok_or(SignatureError::Missing)?;
    let (scheme, hex_mac) = header.split_once('=').ok_or(SignatureError::Malformed)?;
    match scheme {
        "sha256" => {}
        "sha1" => return Err(SignatureError::UnsupportedAlgorithm),
        _ => return Err(SignatureError::Malformed),
    }
    let mut claimed = [0u8; 32];
    hex::decode_to_slice(hex_mac, &mut claimed).map_err(|_| SignatureError::Malformed)?;
    // HMAC accepts keys of any length, so this error branch is unreachable in practice.
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).map_err(|_| SignatureError::NotConfigured)?;
    mac.update(raw_body);
    mac.verify_slice(&claimed).map_err(|_| SignatureError::Mismatch)
}

/// Checks a `Stripe-Signature` header (`t=<unix>,v1=<hex>[,v1=…][,v0=…]`): some `v1` must be the HMAC-SHA256 of
/// `<t>.<raw body>` under the endpoint's secret (several while a secret is rolled; `v0` is never trusted), and `t`
/// within `STRIPE_TOLERANCE_SECS` of `now` (unix seconds).
pub fn verify_stripe(secret: &[u8], raw_body: &[u8], header: Option<&str>, now: i64) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    let header = header.ok_or(SignatureError::Missing)?;
    let (mut t, mut signatures) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            Some(("v1", v)) => {
                let mut sig = [0u8; 32];
                // A v1 that is not 64 hex digits can match nothing; the others may.
                if hex::decode_to_slice(v, &mut sig).is_ok() {
                    signatures.push(sig);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).map_err(|_| SignatureError::NotConfigured)?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(raw_body);
    let expected = mac.finalize().into_bytes();
    if !signatures.iter().any(|s| bool::from(s.ct_eq(expected.as_slice()))) {
        return Err(SignatureError::Mismatch);
    }
    if (now - t).abs() > STRIPE_TOLERANCE_SECS {
        return Err(SignatureError::Expired);
    }
    Ok(())
}

/// Checks Telegram's secret-token header against the configured token.
///
/// Both sides are hashed before the constant-time comparison so that neither the content nor the
/// length of the expected token leaks through timing.
pub fn verify_telegram(expected: &str, header: Option<&str>) -> Result<(), SignatureError> {
    if expected.is_empty() {
        return Err(SignatureError::NotConfigured);
    }
    let header = header.ok_or(SignatureError::Missing)?;
    let same = Sha256::digest(expected.as_bytes()).ct_eq(&Sha256::digest(header.as_bytes()));
    if bool::from(same) { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn accepts_own_signature_and_rejects_other_body() {
        let header = sign(b"k", b"{}");
        assert_eq!(verify_meta(b"k", b"{}", Some(&header)), Ok(()));
        assert_eq!(verify_meta(b"k", b"{ }", Some(&header)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn empty_secret_is_refused_even_with_matching_mac() {
        let header = sign(b"", b"{}");
        assert_eq!(verify_meta(b"", b"{}", Some(&header)), Err(SignatureError::NotConfigured));
        assert_eq!(verify_telegram("", Some("")), Err(SignatureError::NotConfigured));
    }

    #[test]
    fn malformed_headers() {
        let good = sign(b"k", b"x");
        let hex_part = good.trim_start_matches("sha256=");
        for bad in [
            "",
            "sha256",
            "sha256=",
            "SHA256=00",
            "md5=00",
            hex_part,
            &format!("sha256={}", &hex_part[..62]),
            &format!("sha256={hex_part}00"),
            &format!("sha256= {hex_part}"),
            &format!("sha256={}zz", &hex_part[..62]),
        ] {
            assert_eq!(verify_meta(b"k", b"x", Some(bad)), Err(SignatureError::Malformed), "{bad:?}");
        }
    }
}

//! Serde building blocks shared by the platform parsers: strict ids, tolerant timestamps, cleaned
//! text, skip reasons and the content-hash dedupe key.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::model::{InboundBatch, InboundItem, Skipped};

/// Skip reasons may quote attacker-chosen strings; keep log lines short.
const MAX_REASON_CHARS: usize = 200;
/// Real ids are well under 100 bytes; anything longer is not an id.
const MAX_ID_BYTES: usize = 256;
/// Unix times at or above this are milliseconds: 10^11 s is the year 5138, 10^11 ms is 1973.
const MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// Unix time sent as an integer or a string of digits (WhatsApp, the IG dashboard test), in seconds
/// or milliseconds (PROTOCOLS.md §2.2: "Accept both"). Floats and negatives are refused: no
/// platform sends them, so such an item is skipped rather than guessed at.
#[derive(Debug, Clone, Copy)]
pub(super) struct UnixTime(pub DateTime<Utc>);

impl UnixTime {
    fn from_unix(value: u64) -> Option<Self> {
        let value = i64::try_from(value).ok()?;
        let time = if value >= MILLIS_THRESHOLD as i64 {
            DateTime::from_timestamp_millis(value)
        } else {
            DateTime::from_timestamp(value, 0)
        };
        time.map(Self)
    }
}

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UnixTimeVisitor;

        impl Visitor<'_> for UnixTimeVisitor {
            type Value = UnixTime;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative Unix time as an integer or a string of digits")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UnixTime, E> {
                UnixTime::from_unix(v).ok_or_else(|| E::custom("Unix time out of range"))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UnixTime, E> {
                let v = u64::try_from(v).map_err(|_| E::custom("negative Unix time"))?;
                self.visit_u64(v)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnixTime, E> {
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::invalid_value(de::Unexpected::Str(v), &self));
                }
                let v = v.parse().map_err(|_| E::custom("Unix time out of range"))?;
                self.visit_u64(v)
            }
        }

        deserializer.deserialize_any(UnixTimeVisitor)
    }
}

/// A platform id: a non-empty string of at most [`MAX_ID_BYTES`] without control characters.
/// JSON numbers are refused: Meta sends ids as strings, and routing or dedupe keys must not
/// depend on how a number happens to be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct WireId(pub String);

impl<'de> Deserialize<'de> for WireId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(char::is_control) {
            return Err(de::Error::custom("id must be 1-256 bytes without control characters"));
        }
        Ok(Self(id))
    }
}

impl fmt::Display for WireId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// User-supplied text, kept as sent (RTL overrides, zero-width characters, emoji sequences); U+0000 was already
/// removed from the whole body (`parse_json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Unwraps an optional [`Text`].
pub(super) fn text(value: Option<Text>) -> Option<String> {
    value.map(|t| t.0)
}

/// Builds a skip record, capping the reason's length.
pub(super) fn skipped(location: &str, reason: impl fmt::Display) -> Skipped {
    let reason = reason.to_string();
    let reason = match reason.char_indices().nth(MAX_REASON_CHARS) {
        Some((cut, _)) => format!("{}…", &reason[..cut]),
        None => reason,
    };
    Skipped { location: location.to_owned(), reason }
}

/// Adds a parsed item, or the reason it could not be used, to the batch.
pub(super) fn record(batch: &mut InboundBatch, location: &str, result: Result<InboundItem, String>) {
    match result {
        Ok(item) => batch.items.push(item),
        Err(reason) => batch.skipped.push(skipped(location, reason)),
    }
}

/// Deserializes one item, turning a type error into a skip reason.
pub(super) fn item<'a, T: Deserialize<'a>>(value: &'a Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| e.to_string())
}

/// Fallback dedupe key for events without a platform id: the SHA-256 of the item's canonical JSON
/// (object keys sorted), so a redelivery of the same item maps to the same key.
pub(super) fn content_key(value: &Value) -> String {
    let mut canonical = value.clone();
    canonical.sort_all_objects();
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    format!("sha256:{}", hex::encode(Sha256::digest(&bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn time(v: Value) -> Result<i64, String> {
        item::<UnixTime>(&v).map(|t| t.0.timestamp_millis())
    }

    #[test]
    fn timestamps_in_seconds_milliseconds_and_strings() {
        assert_eq!(time(json!(1_790_000_000)), Ok(1_790_000_000_000));
        assert_eq!(time(json!(1_790_000_000_123_u64)), Ok(1_790_000_000_123));
        assert_eq!(time(json!("1790000000")), Ok(1_790_000_000_000));
        assert_eq!(time(json!(0)), Ok(0));
    }

    #[test]
    fn float_negative_and_garbage_timestamps_are_refused() {
        for bad in [
            json!(1.79e12),
            json!(-1),
            json!("yesterday"),
            json!(""),
            json!("+5"),
            json!("99999999999999999999999"),
            json!(u64::MAX),
            json!(null),
        ] {
            assert!(time(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_must_be_clean_strings() {
        assert!(item::<WireId>(&json!("m_1")).is_ok());
        for bad in [json!(12345), json!(""), json!("a\u{0}b"), json!("x".repeat(257))] {
            assert!(item::<WireId>(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_body_loses_nul_only_in_every_string_and_key() {
        let body = br#"{"obj\u0000ect":"a\u0000b\u202ec","entry":[{"field":"\u0000x"}],"n":1}"#;
        let v = super::super::parse_json(body).unwrap();
        assert_eq!(v, json!({"object": "ab\u{202e}c", "entry": [{"field": "x"}], "n": 1}));
    }

    #[test]
    fn content_key_ignores_key_order() {
        let a: Value = serde_json::from_str(r#"{"a":1,"b":{"c":2,"d":3}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"d":3,"c":2},"a":1}"#).unwrap();
        assert_eq!(content_key(&a), content_key(&b));
        assert_ne!(content_key(&a), content_key(&json!({"a": 2})));
    }

    #[test]
    fn long_reasons_are_capped_on_a_char_boundary() {
        let s = skipped("x", "é".repeat(500));
        assert_eq!(s.reason.chars().count(), MAX_REASON_CHARS + 1);
    }
}

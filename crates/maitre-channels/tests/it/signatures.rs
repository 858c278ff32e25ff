//! Every vector in `signatures.json` (meta, telegram and stripe parts).

use maitre_channels::signature::META_SIGNATURE_HEADER;
use maitre_channels::{SignatureError, verify_meta, verify_stripe, verify_telegram};
use serde_json::Value;

use crate::support::fixture;

fn vectors() -> Value {
    serde_json::from_slice(&fixture("signatures.json")).unwrap()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}"))
}

/// "flip byte 69 of the file ('\"id\"' -> '\"Id\"')" → 69.
fn tampered_offset(note: &str) -> usize {
    let rest = note.strip_prefix("flip byte ").expect(note);
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn meta_vectors() {
    let all = vectors();
    let meta = &all["meta"];
    assert_eq!(str_of(meta, "header"), META_SIGNATURE_HEADER);
    let secret = str_of(meta, "app_secret").as_bytes();
    let list = meta["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 8);
    for v in list {
        let file = str_of(v, "file");
        let body = fixture(file);
        let check = |header: Option<&str>| verify_meta(secret, &body, header);

        assert_eq!(check(Some(str_of(v, "valid_header"))), Ok(()), "{file}");
        assert_eq!(check(Some(str_of(v, "wrong_secret_header"))), Err(SignatureError::Mismatch), "{file}");
        // Pinned choice: hex is decoded case-insensitively, so uppercase names the same MAC.
        assert_eq!(check(Some(str_of(v, "uppercase_hex_header"))), Ok(()), "{file}");
        // A sha1-only request has no -256 header at all; its value offered as one is refused too.
        assert_eq!(check(None), Err(SignatureError::Missing), "{file}");
        assert_eq!(check(Some(str_of(v, "sha1_only_header"))), Err(SignatureError::UnsupportedAlgorithm), "{file}");
        assert_eq!(
            verify_meta(b"another secret", &body, Some(str_of(v, "valid_header"))),
            Err(SignatureError::Mismatch),
            "{file}"
        );

        let offset = tampered_offset(str_of(v, "tampered_body_note"));
        let mut tampered = body.clone();
        assert_eq!(tampered[offset], b'i', "{file}: note points at the `i` of \"id\"");
        tampered[offset] = b'I';
        assert_eq!(
            verify_meta(secret, &tampered, Some(str_of(v, "valid_header"))),
            Err(SignatureError::Mismatch),
            "{file}"
        );
    }
}

#[test]
fn meta_rejects_a_reserialized_body() {
    // Meta signs its escaped bytes; parsing and re-serializing changes them (PROTOCOLS.md §1.2).
    let all = vectors();
    let v = &all["meta"]["vectors"][6];
    assert_eq!(str_of(v, "file"), "hostile/unicode_rtl_emoji_instagram.json");
    let body = fixture(str_of(v, "file"));
    let reserialized = serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert_eq!(
        verify_meta(str_of(&all["meta"], "app_secret").as_bytes(), &reserialized, Some(str_of(v, "valid_header"))),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn telegram_vectors() {
    let all = vectors();
    let telegram = &all["telegram"];
    let secret = str_of(telegram, "secret_token");
    assert_eq!(verify_telegram(secret, Some(secret)), Ok(()));
    assert_eq!(verify_telegram(secret, None), Err(SignatureError::Missing));
    let wrong = telegram["wrong_tokens"].as_array().unwrap();
    assert_eq!(wrong.len(), 4);
    for token in wrong {
        let token = token.as_str().unwrap();
        assert_eq!(verify_telegram(secret, Some(token)), Err(SignatureError::Mismatch), "{token:?}");
    }
}

#[test]
fn stripe_vectors_accept_only_the_right_secret_in_the_tolerance() {
    let stripe = &vectors()["stripe"];
    let secret = str_of(stripe, "endpoint_secret").as_bytes();
    let vectors = stripe["vectors"].as_array().unwrap();
    assert!(!vectors.is_empty());
    for v in vectors {
        let body = fixture(str_of(v, "file"));
        let [earliest, latest] = [0, 1].map(|i| v["accept_if_now_between"][i].as_i64().unwrap());
        let check = |header: &str, now: i64| verify_stripe(secret, &body, Some(header), now);
        let t = v["timestamp"].as_i64().unwrap();
        for now in [earliest, t, latest] {
            assert_eq!(check(str_of(v, "valid_header"), now), Ok(()), "{v}");
            assert_eq!(check(str_of(v, "valid_header_with_rolled_secret"), now), Ok(()), "one v1 matches");
        }
        assert_eq!(check(str_of(v, "valid_header"), earliest - 1), Err(SignatureError::Expired));
        assert_eq!(check(str_of(v, "valid_header"), latest + 1), Err(SignatureError::Expired));
        assert_eq!(check(str_of(v, "timestamp_mismatch_header"), t), Err(SignatureError::Mismatch));
        assert_eq!(check(str_of(v, "missing_v1_header"), t), Err(SignatureError::Malformed), "v0 is never trusted");
        assert_eq!(check(str_of(v, "garbage_header"), t), Err(SignatureError::Malformed));
        assert_eq!(
            verify_stripe(b"whsec_other", &body, Some(str_of(v, "valid_header")), t),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_stripe(secret, &body, None, t), Err(SignatureError::Missing));
        assert_eq!(verify_stripe(b"", &body, Some(str_of(v, "valid_header")), t), Err(SignatureError::NotConfigured));
        let mut tampered = body.clone();
        tampered[10] ^= 1;
        assert_eq!(verify_stripe(secret, &tampered, Some(str_of(v, "valid_header")), t), Err(SignatureError::Mismatch));
    }
}

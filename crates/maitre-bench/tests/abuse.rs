//! Abuse, in-process: property tests over arbitrary bytes and JSON for every webhook parser (Meta, Telegram), the
//! signature checks and the date/time/party-size extractor. The seed corpus is the documented fixtures (copied
//! byte for byte from shared/fixtures into tests/fixtures) and the extraction conventions' example phrases.
//! Nothing may panic, and whatever a parser accepts must be routable and deduplicable.
//!
//! More cases by hand: `PROPTEST_CASES=20000 cargo test -p maitre-bench --test abuse`.
use std::path::PathBuf;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use maitre_channels::{
    InboundBatch, ParseError, classify_graph, classify_telegram, parse_meta, parse_telegram, verify_meta,
    verify_telegram,
};
use maitre_domain::{ExtractLocale, extract_at};
use maitre_testkit::sign_meta;
use proptest::prelude::*;
use serde_json::{Map, Value};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every webhook fixture: (path relative to tests/fixtures, bytes).
static WEBHOOKS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let mut all = Vec::new();
    for dir in ["instagram", "messenger", "whatsapp", "telegram", "hostile"] {
        let mut names: Vec<_> = std::fs::read_dir(fixtures_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        for name in names {
            let path = format!("{dir}/{name}");
            all.push((path.clone(), std::fs::read(fixtures_dir().join(&path)).unwrap()));
        }
    }
    all
});

static SIGNATURES: LazyLock<Value> =
    LazyLock::new(|| serde_json::from_slice(&std::fs::read(fixtures_dir().join("signatures.json")).unwrap()).unwrap());

static PHRASES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(fixtures_dir().join("extraction_phrases.txt")).unwrap();
    text.lines().map(str::to_owned).collect()
});

/// What must hold for any body a parser accepts: every item can be routed to a channel and deduplicated, and
/// every skipped item says why.
fn check(result: Result<InboundBatch, ParseError>) {
    if let Ok(batch) = result {
        for item in &batch.items {
            assert!(!item.account_key.is_empty(), "{item:?}");
            assert!(!item.contact_id.is_empty(), "{item:?}");
            assert!(!item.dedupe_key.is_empty(), "{item:?}");
        }
        for skipped in &batch.skipped {
            assert!(!skipped.reason.is_empty(), "{skipped:?}");
        }
    }
}

/// Every reader of untrusted bytes: the webhook parsers and the platforms' error bodies.
fn parse_all(body: &[u8]) {
    check(parse_meta(body));
    check(parse_telegram(body, "7000000001"));
    let _ = classify_graph(400, body);
    let _ = classify_telegram(400, body);
}

/// Field names and values the parsers look at, so generated JSON reaches the interesting paths.
const KEYS: &[&str] = &[
    "object",
    "entry",
    "id",
    "time",
    "messaging",
    "changes",
    "field",
    "value",
    "sender",
    "recipient",
    "timestamp",
    "message",
    "mid",
    "text",
    "is_echo",
    "quick_reply",
    "payload",
    "postback",
    "read",
    "reaction",
    "metadata",
    "phone_number_id",
    "contacts",
    "wa_id",
    "messages",
    "statuses",
    "status",
    "errors",
    "from",
    "type",
    "interactive",
    "button_reply",
    "update_id",
    "callback_query",
    "chat",
    "date",
    "body",
];
const STRINGS: &[&str] = &[
    "",
    "0",
    "instagram",
    "page",
    "whatsapp_business_account",
    "messages",
    "text",
    "interactive",
    "button_reply",
    "react",
    "17840000000000001",
    "200000000000002",
    "1790000000",
    "\u{0}",
    "\u{202e}",
    "\u{1f44d}",
    "-1",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(STRINGS).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())),
        ]
    })
}

/// Walks `path` (each step picks a child by index, modulo the number of children) and replaces what it reaches.
fn replace_at(value: &mut Value, path: &[usize], new: Value) {
    let child = match (value, path.first()) {
        (Value::Object(map), Some(&i)) if !map.is_empty() => {
            let n = map.len();
            map.values_mut().nth(i % n)
        }
        (Value::Array(items), Some(&i)) if !items.is_empty() => {
            let n = items.len();
            items.get_mut(i % n)
        }
        (v, _) => {
            *v = new;
            return;
        }
    };
    if let Some(child) = child {
        replace_at(child, &path[1..], new);
    }
}

/// A webhook fixture that is JSON, with up to four nodes replaced by arbitrary JSON.
fn mutated_fixture() -> impl Strategy<Value = Vec<u8>> {
    let parsed: Vec<Value> = WEBHOOKS.iter().filter_map(|(_, b)| serde_json::from_slice(b).ok()).collect();
    let edits = prop::collection::vec((prop::collection::vec(any::<usize>(), 0..8), arb_json()), 1..4);
    (prop::sample::select(parsed), edits).prop_map(|(mut value, edits)| {
        for (path, new) in edits {
            replace_at(&mut value, &path, new);
        }
        serde_json::to_vec(&value).unwrap()
    })
}

/// A webhook fixture with a few bytes deleted, inserted or overwritten.
fn byte_edited_fixture() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..6);
    (prop::sample::select(WEBHOOKS.clone()), edits).prop_map(|((_, mut body), edits)| {
        for (at, byte, op) in edits {
            let at = at % (body.len() + 1);
            match op {
                0 if at < body.len() => {
                    body.remove(at);
                }
                1 => body.insert(at, byte),
                _ if at < body.len() => body[at] = byte,
                _ => {}
            }
        }
        body
    })
}

/// 2,048 cases per property unless PROPTEST_CASES says otherwise (proptest's own default, 256, is over in a blink).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2048);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..2048)) {
        parse_all(&body);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_json(value in arb_json()) {
        parse_all(&serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn parsers_never_panic_on_mutated_fixtures(body in mutated_fixture()) {
        parse_all(&body);
    }

    #[test]
    fn parsers_never_panic_on_byte_edited_fixtures(body in byte_edited_fixture()) {
        parse_all(&body);
    }

    /// Only the body's own HMAC passes (Meta sends lowercase hex; uppercase may be accepted as the same value).
    #[test]
    fn meta_signature_accepts_only_the_bodys_hmac(
        secret in "[ -~]{1,64}",
        body in prop::collection::vec(any::<u8>(), 0..512),
        header in prop_oneof![any::<String>(), "sha256=[0-9a-fA-F]{0,70}", "sha1=[0-9a-f]{40}"],
    ) {
        let expected = sign_meta(&secret, &body);
        prop_assert!(verify_meta(secret.as_bytes(), &body, Some(&expected)).is_ok());
        if verify_meta(secret.as_bytes(), &body, Some(&header)).is_ok() {
            prop_assert_eq!(header.to_ascii_lowercase(), expected);
        }
        prop_assert!(verify_meta(secret.as_bytes(), &body, None).is_err());
    }

    /// The documented vectors: valid until any single byte of the body changes; the other headers never pass.
    #[test]
    fn meta_signature_vectors_fail_on_any_tampered_byte(vector in 0..8usize, at in any::<usize>(), flip in 1..=255u8) {
        let meta = &SIGNATURES["meta"];
        let secret = meta["app_secret"].as_str().unwrap().as_bytes();
        let v = &meta["vectors"][vector % meta["vectors"].as_array().unwrap().len()];
        let mut body = std::fs::read(fixtures_dir().join(v["file"].as_str().unwrap())).unwrap();
        let header = |name: &str| v[name].as_str().unwrap().to_owned();
        prop_assert!(verify_meta(secret, &body, Some(&header("valid_header"))).is_ok());
        prop_assert!(verify_meta(secret, &body, Some(&header("wrong_secret_header"))).is_err());
        prop_assert!(verify_meta(secret, &body, Some(&header("sha1_only_header"))).is_err());
        let at = at % body.len();
        body[at] ^= flip;
        prop_assert!(verify_meta(secret, &body, Some(&header("valid_header"))).is_err());
    }

    #[test]
    fn telegram_secret_accepts_only_the_exact_token(expected in "[A-Za-z0-9_-]{1,64}", header in any::<String>()) {
        prop_assert!(verify_telegram(&expected, Some(&expected)).is_ok());
        prop_assert_eq!(verify_telegram(&expected, Some(&header)).is_ok(), header == expected);
        prop_assert!(verify_telegram(&expected, None).is_err());
        let telegram = &SIGNATURES["telegram"];
        let secret = telegram["secret_token"].as_str().unwrap();
        for wrong in telegram["wrong_tokens"].as_array().unwrap() {
            prop_assert!(verify_telegram(secret, wrong.as_str()).is_err());
        }
    }

    /// Any text, locale, time zone and moment: no panic, and the result is consistent with its evidence.
    #[test]
    fn extractor_never_panics_and_names_its_evidence(
        text in prop_oneof![
            prop::sample::select(PHRASES.clone()),
            (prop::sample::select(PHRASES.clone()), any::<String>(), any::<usize>()).prop_map(|(p, noise, at)| {
                let cut = p.char_indices().map(|(i, _)| i).chain([p.len()]).nth(at % (p.chars().count() + 1)).unwrap();
                format!("{}{noise}{}", &p[..cut], &p[cut..])
            }),
            "[0-9 .:/hH-]{0,24}",
            any::<String>(),
        ],
        locale in prop::sample::select(ExtractLocale::ALL.to_vec()),
        tz in prop::sample::select(vec![chrono_tz::Europe::Berlin, chrono_tz::America::New_York, chrono_tz::Pacific::Kiritimati, chrono_tz::UTC]),
        // 1970 to 2200: the business's clock may be anything a server can be set to.
        now in 0i64..7_258_118_400,
    ) {
        let now = DateTime::<Utc>::from_timestamp(now, 0).unwrap();
        let x = extract_at(&text, locale, tz, now);
        prop_assert!(!(x.refuse && x.date.is_some()), "an impossible date has no date: {x:?}");
        prop_assert!(x.date.is_none() || x.evidence.date.is_some(), "{x:?}");
        prop_assert!(x.time.is_none() || x.evidence.time.is_some(), "{x:?}");
        prop_assert_eq!(x.party_size.is_some(), x.evidence.party_size.is_some());
    }
}

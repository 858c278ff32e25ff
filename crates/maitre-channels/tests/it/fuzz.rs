//! Property-style robustness: arbitrary bytes and random mutations of real fixtures must never
//! panic, and every item that does come out must be routable. A fixed-seed generator keeps runs
//! reproducible without a fuzzing crate.

use maitre_channels::{
    InboundBatch, ParseError, classify_graph, classify_telegram, parse_meta, parse_telegram, verify_meta,
    verify_telegram,
};
use serde_json::{Map, Value, json};

use crate::support::{fixture, fixture_names};

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Field names the parsers look at, so mutations hit the interesting paths.
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
    "is_deleted",
    "quick_reply",
    "payload",
    "reply_to",
    "story",
    "attachments",
    "type",
    "url",
    "postback",
    "read",
    "watermark",
    "reaction",
    "action",
    "emoji",
    "metadata",
    "phone_number_id",
    "contacts",
    "wa_id",
    "profile",
    "messages",
    "statuses",
    "status",
    "errors",
    "code",
    "from",
    "interactive",
    "button_reply",
    "list_reply",
    "button",
    "image",
    "location",
    "latitude",
    "update_id",
    "callback_query",
    "chat",
    "date",
    "entities",
    "offset",
    "data",
    "comment_id",
    "media",
];

const STRINGS: &[&str] = &[
    "",
    "0",
    "text",
    "react",
    "unreact",
    "private",
    "group",
    "messages",
    "comments",
    "instagram",
    "page",
    "whatsapp_business_account",
    "button_reply",
    "interactive",
    "image",
    "failed",
    "bot_command",
    "/start",
    "1790000000",
    "1790000000123",
    "17840000000000001",
    "\u{0}",
    "\u{202e}",
    "é",
    "\u{1f44d}",
    "yesterday",
    "-1",
];

fn random_value(rng: &mut Rng, depth: u32) -> Value {
    let choices = if depth == 0 { 7 } else { 9 };
    match rng.below(choices) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => json!(rng.next() as i64),
        3 => json!((rng.next() % 1_000_000) as f64 / 7.0),
        4 => json!(*rng.pick(STRINGS)),
        5 => json!(rng.pick(&[0_u64, 1, 1_790_000_000, 1_790_000_000_123, u64::MAX])),
        6 => json!("x".repeat(rng.below(600))),
        7 => Value::Array((0..rng.below(4)).map(|_| random_value(rng, depth - 1)).collect()),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                map.insert(rng.pick(KEYS).to_string(), random_value(rng, depth - 1));
            }
            Value::Object(map)
        }
    }
}

fn node_count(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(node_count).sum(),
        Value::Array(items) => items.iter().map(node_count).sum(),
        _ => 0,
    }
}

/// The `n`th node in pre-order (0 is `value` itself).
fn nth_node(value: &mut Value, n: usize) -> &mut Value {
    if n == 0 {
        return value;
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match value {
        Value::Object(map) => map.values_mut().collect(),
        Value::Array(items) => items.iter_mut().collect(),
        _ => unreachable!("leaves have no children"),
    };
    for child in children {
        let size = node_count(child);
        if n < size {
            return nth_node(child, n);
        }
        n -= size;
    }
    unreachable!("n is below node_count")
}

/// Picks a node uniformly, so most edits land deep inside items where the per-item skip logic
/// lives, then replaces it or removes, duplicates or adds one of its children.
fn mutate(value: &mut Value, rng: &mut Rng) {
    let n = rng.below(node_count(value));
    let node = nth_node(value, n);
    match (node, rng.below(4)) {
        (Value::Object(map), 0) if !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).unwrap().clone();
            map.remove(&key);
        }
        (Value::Object(map), 1) => {
            map.insert(rng.pick(KEYS).to_string(), random_value(rng, 2));
        }
        (Value::Array(items), 0) if !items.is_empty() => {
            items.remove(rng.below(items.len()));
        }
        (Value::Array(items), 1) if !items.is_empty() => {
            items.push(items[rng.below(items.len())].clone());
        }
        (node, _) => *node = random_value(rng, 2),
    }
}

/// What must hold for any accepted body: every item is routable and deduplicable.
fn check(result: Result<InboundBatch, ParseError>) {
    if let Ok(batch) = result {
        for item in &batch.items {
            assert!(!item.account_key.is_empty(), "{item:?}");
            assert!(!item.contact_id.is_empty(), "{item:?}");
            assert!(!item.dedupe_key.is_empty(), "{item:?}");
        }
        for skipped in &batch.skipped {
            assert!(!skipped.reason.is_empty());
            assert!(skipped.reason.chars().count() <= 201);
        }
    }
}

fn feed(body: &[u8]) {
    check(parse_meta(body));
    check(parse_telegram(body, "bot"));
    let _ = classify_graph(400, body);
    let _ = classify_telegram(400, body);
}

/// Small JSON-looking inputs, decoded as UTF-8 where possible to probe the header checks too.
#[test]
fn arbitrary_bytes_never_panic() {
    const ALPHABET: &[u8] = b"{}[]\":,.-+0123456789eE truefalsnl\\u\x00\xff\xc3\xa9=sha256abcdef";
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..4_000 {
        let len = rng.below(200);
        let body: Vec<u8> = (0..len)
            .map(|_| match rng.below(4) {
                0 => rng.next() as u8,
                _ => *rng.pick(ALPHABET),
            })
            .collect();
        feed(&body);
        let header = String::from_utf8_lossy(&body);
        assert!(verify_meta(b"secret", &body, Some(&header)).is_err());
        assert!(verify_telegram("secret", Some(&header)).is_err());
    }
}

#[test]
fn random_json_mutations_of_fixtures_never_panic() {
    let mut rng = Rng(0x5eed_0002);
    for dir in ["instagram", "messenger", "whatsapp", "telegram", "graph_errors", "hostile"] {
        for name in fixture_names(dir) {
            let raw = fixture(&format!("{dir}/{name}"));
            // Unparseable fixtures and the 100 KB one add time, not coverage.
            let Ok(original) = serde_json::from_slice::<Value>(&raw) else {
                continue;
            };
            if raw.len() > 20_000 {
                continue;
            }
            for _ in 0..150 {
                let mut value = original.clone();
                for _ in 0..=rng.below(4) {
                    mutate(&mut value, &mut rng);
                }
                feed(&serde_json::to_vec(&value).unwrap());
            }
        }
    }
}

#[test]
fn random_byte_edits_of_fixtures_never_panic() {
    let mut rng = Rng(0x5eed_0003);
    for dir in ["instagram", "messenger", "whatsapp", "telegram", "hostile"] {
        for name in fixture_names(dir) {
            let raw = fixture(&format!("{dir}/{name}"));
            if raw.len() > 20_000 {
                continue;
            }
            for _ in 0..40 {
                let mut body = raw.clone();
                for _ in 0..=rng.below(3) {
                    let at = rng.below(body.len().max(1));
                    match rng.below(3) {
                        0 if !body.is_empty() => {
                            body.remove(at);
                        }
                        1 => body.insert(at.min(body.len()), rng.next() as u8),
                        _ if !body.is_empty() => body[at] = rng.next() as u8,
                        _ => {}
                    }
                }
                feed(&body);
            }
        }
    }
}

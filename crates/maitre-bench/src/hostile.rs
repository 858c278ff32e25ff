//! Hostile requests against a real server: forged and malformed signatures, bodies over the limit, JSON nested far
//! beyond any parser's recursion limit, unknown objects and tenants, cross-tenant ids, malformed Telegram paths,
//! wrong methods and content types. A server that holds must answer each with a 2xx/4xx (never a 5xx or a
//! dropped connection) and keep its memory bounded.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use maitre_store::{Clock, Store};
use maitre_testkit::sign_meta;
use reqwest::Method;
use serde::Serialize;

use crate::report::ServerUsage;
use crate::server::{Server, ServerConfig};
use crate::setup::{self, Scenario};
use crate::traffic::{Ids, Traffic};
use crate::{Error, Result};

/// The parser's and the webhook route's body limit (`maitre_channels::inbound::MAX_BODY_BYTES`).
const BODY_LIMIT: usize = 4 * 1024 * 1024;
const TELEGRAM_SECRET: &str = "bench-telegram-secret";
const TELEGRAM_BOT: &str = "7000000001";

#[derive(Debug, Clone)]
pub struct HostileOptions {
    pub requests: usize,
    pub concurrency: usize,
    pub server: ServerConfig,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostileReport {
    pub requests: u64,
    /// Per kind of attack: how many got which status (0: no HTTP answer).
    pub answers: BTreeMap<&'static str, BTreeMap<u16, u64>>,
    /// 5xx answers and requests without an HTTP answer, the two things that must never happen.
    pub server_errors: u64,
    pub no_answer: u64,
    /// The server's peak memory once ready, before the first hostile request, and at the end.
    pub ready_rss_kib: u64,
    pub server: ServerUsage,
    pub ready_after: bool,
    pub duration_seconds: f64,
}

impl HostileReport {
    pub fn table(&self) -> String {
        let mut t = format!(
            "hostile: {} requests in {:.1} s, {} answered 5xx, {} without an answer, ready after: {}\n",
            self.requests, self.duration_seconds, self.server_errors, self.no_answer, self.ready_after
        );
        for (case, statuses) in &self.answers {
            t.push_str(&format!("  {case:<28} {statuses:?}\n"));
        }
        t.push_str(&format!(
            "  server peak RSS {:.1} MiB (ready: {:.1} MiB), CPU {:.2} s\n",
            self.server.peak_rss_kib as f64 / 1024.0,
            self.ready_rss_kib as f64 / 1024.0,
            self.server.cpu_seconds
        ));
        t
    }
}

/// Everything a hostile request is built from.
struct Target {
    base: String,
    app_secret: String,
    telegram_channel: String,
    traffic: Traffic,
    deep: Vec<u8>,
    huge: Vec<u8>,
}

/// The attacks, taken in turn: (name, builder).
type Attack = (&'static str, fn(&Target, &reqwest::Client, usize) -> reqwest::RequestBuilder);

const ATTACKS: &[Attack] = &[
    ("bad signature", |t, c, i| meta(t, c, t.traffic.event(i as u64).body, Some(sign_meta("wrong", b"x")))),
    ("missing signature", |t, c, i| meta(t, c, t.traffic.event(i as u64).body, None)),
    ("malformed signature", |t, c, i| {
        let header = ["sha256=zz", "sha1=00", "", "sha256=", &"f".repeat(4096)][i % 5].to_owned();
        meta(t, c, t.traffic.event(i as u64).body, Some(header))
    }),
    ("non-utf8 signature", |t, c, i| {
        let body = t.traffic.event(i as u64).body;
        let value = reqwest::header::HeaderValue::from_bytes(b"sha256=\xff\xfe").expect("obs-text is allowed");
        c.post(format!("{}/webhooks/meta", t.base)).header("x-hub-signature-256", value).body(body)
    }),
    ("body over the limit", |t, c, _| signed(t, c, t.huge.clone())),
    ("deep json nesting", |t, c, _| signed(t, c, t.deep.clone())),
    ("deep json in an item", |t, c, i| {
        let nested = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
        let body = format!(r#"{{"object":"instagram","entry":[{{"id":"x","time":{i},"messaging":[{nested}]}}]}}"#);
        signed(t, c, body.into_bytes())
    }),
    ("truncated json", |t, c, i| {
        let body = t.traffic.event(i as u64).body;
        signed(t, c, body[..body.len() / 2].to_vec())
    }),
    ("random bytes", |t, c, i| signed(t, c, (0..256).map(|k| (k * 31 + i * 7) as u8).collect())),
    ("wrong types", |t, c, i| {
        let bodies = [r#"{"object":1,"entry":"x"}"#, r#"{"object":"instagram","entry":[1,2]}"#, "[]", "null", "\"x\""];
        signed(t, c, bodies[i % bodies.len()].as_bytes().to_vec())
    }),
    ("nul bytes in ids and text", |t, c, i| {
        // PostgreSQL refuses NUL in text: an id with one must be an unknown recipient, not a database error.
        let body = String::from_utf8_lossy(&t.traffic.event(i as u64).body)
            .replace(&t.traffic.ids.whatsapp_number(0), &format!("{}\\u0000", t.traffic.ids.whatsapp_number(0)))
            .replace(&t.traffic.ids.instagram_account(0), &format!("{}\\u0000", t.traffic.ids.instagram_account(0)));
        signed(t, c, body.into_bytes())
    }),
    ("unknown object", |t, c, i| {
        signed(t, c, format!(r#"{{"object":"payments","entry":[{{"id":"{i}","time":1}}]}}"#).into_bytes())
    }),
    ("unknown tenant", |t, c, i| {
        let body = String::from_utf8_lossy(&t.traffic.event(i as u64).body)
            .replace(&t.traffic.ids.whatsapp_number(0), "299999999999999")
            .replace(&t.traffic.ids.instagram_account(0), "17899999999999999");
        signed(t, c, body.into_bytes())
    }),
    ("other tenant's id in an item", |t, c, i| {
        // Entry addressed to the bench business, the item to another account: neither may be trusted.
        let body = String::from_utf8_lossy(&t.traffic.event(i as u64).body).replacen(
            &format!(r#""recipient":{{"id":"{}"}}"#, t.traffic.ids.instagram_account(0)),
            r#""recipient":{"id":"17899999999999999"}"#,
            1,
        );
        signed(t, c, body.into_bytes())
    }),
    ("telegram unknown channel", |t, c, i| {
        let update = format!(r#"{{"update_id":{i}}}"#);
        c.post(format!("{}/webhooks/telegram/{}", t.base, uuid_like(i)))
            .header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)
            .body(update)
    }),
    ("telegram malformed path", |t, c, i| {
        let paths = ["", "%00", "..%2F..%2Fetc%2Fpasswd", "a/b", "%ff%fe", &"9".repeat(2_000), "'%20OR%201=1--"];
        c.post(format!("{}/webhooks/telegram/{}", t.base, paths[i % paths.len()])).body("{}")
    }),
    ("telegram wrong secret", |t, c, i| {
        // (A trailing space would be no attack: HTTP strips it from header values.)
        let secret = ["", "bench-telegram-secreT", "bench-telegram-secre", "x"][i % 4];
        c.post(format!("{}/webhooks/telegram/{}", t.base, t.telegram_channel))
            .header("x-telegram-bot-api-secret-token", secret)
            .body(format!(r#"{{"update_id":{i},"message":{{"message_id":1,"date":1,"chat":{{"id":1,"type":"private"}},"text":"hi"}}}}"#))
    }),
    ("telegram garbage update", |t, c, i| {
        let bodies = ["{", "[]", r#"{"update_id":"x"}"#, "\u{0}\u{1}", r#"{"update_id":1,"message":{"chat":7}}"#];
        c.post(format!("{}/webhooks/telegram/{}", t.base, t.telegram_channel))
            .header("x-telegram-bot-api-secret-token", TELEGRAM_SECRET)
            .body(bodies[i % bodies.len()])
    }),
    ("wrong method", |t, c, i| {
        let methods = [Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS, Method::GET];
        let path = ["/webhooks/meta", "/webhooks/telegram/x"][i % 2];
        c.request(methods[i % methods.len()].clone(), format!("{}{path}", t.base))
    }),
    ("wrong verify token", |t, c, i| {
        c.get(format!("{}/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong{i}&hub.challenge=1", t.base))
    }),
    ("garbage content type", |t, c, i| {
        let types = ["multipart/form-data; boundary=x", "image/png", "text/plain; charset=utf-16", "*/*; q=\"", ""];
        signed(t, c, t.traffic.event(i as u64).body).header("content-type", types[i % types.len()])
    }),
    ("unknown path", |t, c, i| {
        let paths = ["/webhooks/whatsapp", "/webhooks/meta/x", "/webhooks", "/webhooks/telegram"];
        signed_to(t, c, paths[i % paths.len()], b"{}".to_vec())
    }),
];

fn meta(t: &Target, c: &reqwest::Client, body: Vec<u8>, signature: Option<String>) -> reqwest::RequestBuilder {
    post(t, c, "/webhooks/meta", body, signature)
}

fn post(
    t: &Target,
    c: &reqwest::Client,
    path: &str,
    body: Vec<u8>,
    signature: Option<String>,
) -> reqwest::RequestBuilder {
    let mut b = c.post(format!("{}{path}", t.base)).header("content-type", "application/json").body(body);
    if let Some(s) = signature {
        b = b.header("x-hub-signature-256", s);
    }
    b
}

/// Correctly signed: the attack is in the body (or the path).
fn signed_to(t: &Target, c: &reqwest::Client, path: &str, body: Vec<u8>) -> reqwest::RequestBuilder {
    let signature = sign_meta(&t.app_secret, &body);
    post(t, c, path, body, Some(signature))
}

fn signed(t: &Target, c: &reqwest::Client, body: Vec<u8>) -> reqwest::RequestBuilder {
    signed_to(t, c, "/webhooks/meta", body)
}

fn uuid_like(i: usize) -> String {
    format!("0190{i:08x}-0000-7000-8000-000000000000")
}

/// Sends `o.requests` hostile requests, `o.concurrency` at a time, and reports how the server answered.
pub async fn run(o: &HostileOptions) -> Result<HostileReport> {
    let mut server = Server::prepare(&o.server).await?;
    let store = Store::open(&server.database_url, Clock::system()).await?;
    let ids = Ids::new();
    let tenants = setup::create(&store, &server, &ids, Scenario::Ack, 1).await?;
    let telegram = setup::connect_telegram(&store, &server, &tenants[0], TELEGRAM_BOT, TELEGRAM_SECRET).await?;
    server.start().await?;
    let ready_rss_kib = server.usage().peak_rss_kib;
    let target = Arc::new(Target {
        base: server.base_url().to_owned(),
        app_secret: server.app_secret.clone(),
        telegram_channel: telegram.to_string(),
        traffic: Traffic { ids, scenario: Scenario::Ack, accounts: 1, contacts: Some(50), app_secret: String::new() },
        deep: format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        huge: vec![b' '; BODY_LIMIT + 1],
    });
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let answers: Arc<Mutex<BTreeMap<&'static str, BTreeMap<u16, u64>>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..o.concurrency.max(1))
        .map(|_| {
            let (target, http, answers, next, total) =
                (target.clone(), http.clone(), answers.clone(), next.clone(), o.requests);
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return;
                    }
                    let (name, build) = ATTACKS[i % ATTACKS.len()];
                    let status =
                        build(&target, &http, i / ATTACKS.len()).send().await.map_or(0, |r| r.status().as_u16());
                    let mut a = answers.lock().unwrap_or_else(|e| e.into_inner());
                    *a.entry(name).or_default().entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.map_err(|e| Error::Server(format!("hostile sender failed: {e}")))?;
    }
    let duration_seconds = started.elapsed().as_secs_f64();
    let ready_after = http.get(format!("{}/readyz", target.base)).send().await.is_ok_and(|r| r.status().is_success());
    let usage = server.usage();
    server.stop(Duration::from_secs(10)).await?;
    store.close().await;
    let answers = answers.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let count = |pred: fn(u16) -> bool| {
        answers.values().flat_map(|s| s.iter()).filter(|(s, _)| pred(**s)).map(|(_, n)| n).sum()
    };
    Ok(HostileReport {
        requests: o.requests as u64,
        server_errors: count(|s| s >= 500),
        no_answer: count(|s| s == 0),
        answers,
        ready_rss_kib,
        server: usage,
        ready_after,
        duration_seconds,
    })
}

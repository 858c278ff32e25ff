//! Failed sends, classified end to end: faults injected into the fakes, answered over HTTP, read
//! by the client.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use maitre_channels::{OutboundMessage, PermanentReason, Platform, SendErrorClass, SendFailure, Sender};
use maitre_testkit::{FakePlatforms, Fault};

use crate::support::send::*;

async fn fail_once(fakes: &FakePlatforms, platform: Platform, fault: Fault) -> SendErrorClass {
    fakes.fail_next(1, fault.clone());
    let result = sender(fakes).send(&target(platform), &OutboundMessage::text("Hello")).await;
    let failure = result.expect_err(&format!("{platform} {fault:?}"));
    failure.class
}

/// (class name, HTTP status, platform code, retry_after) for compact comparison.
fn summary(class: &SendErrorClass) -> (&'static str, Option<u16>, Option<i64>) {
    let (name, error) = match class {
        SendErrorClass::Retryable { error, .. } => ("retryable", error),
        SendErrorClass::Permanent { error, .. } => ("permanent", error),
        SendErrorClass::TokenInvalid { error } => ("token", error),
        SendErrorClass::OutsideWindow { error } => ("window", error),
    };
    (name, error.http_status, error.code)
}

#[tokio::test]
async fn every_fault_is_classified_per_platform() {
    let fakes = FakePlatforms::start().await;
    let mut table = vec![
        (Platform::Messenger, Fault::ServerError500, ("retryable", Some(500), Some(2))),
        (Platform::Messenger, Fault::TokenExpired190, ("token", Some(400), Some(190))),
        (Platform::Messenger, Fault::OutsideWindow131047, ("window", Some(400), Some(10))),
        (Platform::Instagram, Fault::OutsideWindow131047, ("window", Some(400), Some(10))),
        (Platform::Instagram, Fault::TelegramTooManyRequests { retry_after: 3 }, ("retryable", Some(400), Some(613))),
        (Platform::WhatsApp, Fault::OutsideWindow131047, ("window", Some(400), Some(131047))),
        (Platform::WhatsApp, Fault::RateLimit(131056), ("retryable", Some(400), Some(131056))),
        (Platform::Telegram, Fault::ServerError500, ("retryable", Some(500), Some(500))),
        (Platform::Telegram, Fault::RateLimit(613), ("retryable", Some(429), Some(429))),
        (Platform::Telegram, Fault::TokenExpired190, ("token", Some(401), Some(401))),
        (Platform::Telegram, Fault::OutsideWindow131047, ("permanent", Some(403), Some(403))),
    ];
    for code in [4, 17, 32, 613, 80007, 130429] {
        table.push((Platform::WhatsApp, Fault::RateLimit(code), ("retryable", Some(400), Some(code))));
    }
    for (platform, fault, expected) in table {
        let class = fail_once(&fakes, platform, fault.clone()).await;
        assert_eq!(summary(&class), expected, "{platform} {fault:?}: {class:?}");
    }
    let recorded = fakes.requests();
    assert!(recorded.iter().all(|r| r.failed && r.fault.is_some()));
    assert!(fakes.sent_messages().is_empty());
}

#[tokio::test]
async fn telegram_flood_control_names_its_delay() {
    let fakes = FakePlatforms::start().await;
    let fault = Fault::TelegramTooManyRequests { retry_after: 7 };
    let class = fail_once(&fakes, Platform::Telegram, fault).await;
    let SendErrorClass::Retryable { retry_after, .. } = class else {
        panic!("{class:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn blocked_telegram_recipient_is_unreachable() {
    let fakes = FakePlatforms::start().await;
    let class = fail_once(&fakes, Platform::Telegram, Fault::OutsideWindow131047).await;
    assert!(matches!(class, SendErrorClass::Permanent { reason: PermanentReason::RecipientUnavailable, .. }));
}

#[tokio::test]
async fn invalidated_tokens_fail_every_call() {
    let fakes = FakePlatforms::start().await;
    fakes.invalidate_token(PAGE_TOKEN);
    fakes.invalidate_token(BOT_TOKEN);
    let sender = sender(&fakes);
    let msg = OutboundMessage::text("Hello");
    for platform in [Platform::Messenger, Platform::Telegram] {
        for _ in 0..2 {
            let failure = sender.send(&target(platform), &msg).await.unwrap_err();
            assert!(matches!(failure.class, SendErrorClass::TokenInvalid { .. }), "{failure}");
        }
    }
    // Other tokens are unaffected.
    sender.send(&target(Platform::WhatsApp), &msg).await.unwrap();
}

#[tokio::test]
async fn a_timeout_is_retryable_and_does_not_wait_for_the_answer() {
    let fakes = FakePlatforms::start().await;
    let sender = Sender::new(urls(&fakes), Duration::from_millis(300)).unwrap();
    fakes.fail_next(1, Fault::Timeout(Duration::from_secs(5)));
    let started = Instant::now();
    let failure = sender.send(&target(Platform::Telegram), &OutboundMessage::text("Hello")).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let SendErrorClass::Retryable { retry_after, error } = &failure.class else {
        panic!("{failure:?}");
    };
    assert_eq!((retry_after, error.http_status), (&None, None));
    assert!(error.message.contains("no answer within"), "{}", error.message);
    assert!(!failure.to_string().contains("FAKE-bot-token"), "{failure}");
    assert!(fakes.sent_messages().is_empty(), "a timed-out send is never delivered");
}

#[tokio::test]
async fn refused_connections_are_retryable_and_hide_the_token() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let urls = maitre_channels::PlatformUrls {
        graph: format!("{base}/graph/v25.0"),
        instagram_graph: format!("{base}/instagram/v25.0"),
        instagram_api: format!("{base}/instagram-api"),
        telegram: format!("{base}/telegram"),
    };
    let sender = Sender::new(urls, Duration::from_secs(2)).unwrap();
    for platform in [Platform::WhatsApp, Platform::Telegram] {
        let failure = sender.send(&target(platform), &OutboundMessage::text("Hello")).await.unwrap_err();
        let SendErrorClass::Retryable { error, .. } = &failure.class else {
            panic!("{failure:?}");
        };
        assert_eq!(error.http_status, None);
        assert!(!error.message.contains("FAKE"), "{}", error.message);
    }
}

#[tokio::test]
async fn over_the_limits_fails_before_any_request() {
    let fakes = FakePlatforms::start().await;
    let msg = OutboundMessage {
        buttons: ["A", "B", "C", "D"].map(|t| maitre_channels::Choice::new(t, t.to_lowercase())).to_vec(),
        ..OutboundMessage::text("Pick one")
    };
    let failure = sender(&fakes).send(&target(Platform::WhatsApp), &msg).await.unwrap_err();
    let SendErrorClass::Permanent { reason, error } = &failure.class else {
        panic!("{failure:?}");
    };
    assert_eq!(*reason, PermanentReason::InvalidRequest);
    assert_eq!(error.message, "WhatsApp allows at most 3 reply buttons; this message has 4");
    assert!(fakes.requests().is_empty());
}

#[tokio::test]
async fn ids_that_would_change_the_path_are_refused() {
    let fakes = FakePlatforms::start().await;
    let mut target = target(Platform::Messenger);
    target.channel.account_key = "110000000000001/../me";
    let failure = sender(&fakes).send(&target, &OutboundMessage::text("Hello")).await.unwrap_err();
    assert!(matches!(failure.class, SendErrorClass::Permanent { reason: PermanentReason::InvalidRequest, .. }));
    let name = sender(&fakes).profile_name(&channel(Platform::Messenger), "../me").await;
    assert_eq!(name, None);
    assert!(fakes.requests().is_empty());
}

/// Retries every retryable failure until it succeeds; returns the failures seen per message.
async fn deliver_all(fakes: &FakePlatforms, sender: &Sender, count: usize) -> Vec<usize> {
    let mut failures = vec![0; count];
    for (i, failures) in failures.iter_mut().enumerate() {
        let platform = ALL[i % ALL.len()];
        let msg = OutboundMessage::text(format!("reply {i}"));
        loop {
            match sender.send(&target(platform), &msg).await {
                Ok(_) => break,
                Err(SendFailure { class: SendErrorClass::Retryable { .. } }) => *failures += 1,
                Err(other) => panic!("{platform}: {other}"),
            }
            assert!(*failures < 50, "never delivered");
        }
    }
    assert!(fakes.requests().len() > count);
    failures
}

#[tokio::test]
async fn with_a_fault_rate_every_reply_is_delivered_exactly_once_and_repeatably() {
    let faults = vec![
        Fault::ServerError500,
        Fault::RateLimit(613),
        Fault::TelegramTooManyRequests { retry_after: 1 },
        Fault::Timeout(Duration::from_millis(20)),
    ];
    let mut runs = Vec::new();
    for _ in 0..2 {
        let fakes = FakePlatforms::start().await;
        fakes.set_fault_rate(0.4, faults.clone());
        let failures = deliver_all(&fakes, &sender(&fakes), 40).await;
        let mut delivered: HashMap<(String, String), usize> = HashMap::new();
        for sent in fakes.sent_messages() {
            *delivered.entry((sent.recipient, sent.text)).or_default() += 1;
        }
        assert_eq!(delivered.len(), 40);
        assert!(delivered.values().all(|&n| n == 1), "{delivered:?}");
        assert!(failures.iter().sum::<usize>() > 5, "{failures:?}");
        runs.push(failures);
    }
    assert_eq!(runs[0], runs[1], "the same sends meet the same faults");
}

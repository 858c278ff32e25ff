//! Fixture loading and small accessors shared by the test modules.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use maitre_channels::{Event, InboundBatch, InboundItem, InboundMessage, parse_meta};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(path: &str) -> Vec<u8> {
    let full = fixtures_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

/// The `*.json` file names in one fixture folder, sorted.
pub fn fixture_names(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

pub fn meta(path: &str) -> InboundBatch {
    parse_meta(&fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The one item a fixture must yield, with nothing skipped.
pub fn single(path: &str) -> InboundItem {
    let batch = meta(path);
    assert!(batch.skipped.is_empty(), "{path}: {:?}", batch.skipped);
    assert_eq!(batch.items.len(), 1, "{path}");
    batch.items.into_iter().next().unwrap()
}

pub fn message(item: &InboundItem) -> &InboundMessage {
    match &item.event {
        Event::Message(message) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

pub fn secs(unix: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(unix, 0)
}

pub fn millis(unix_ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(unix_ms)
}

/// Fake credentials and ids (the fixtures' conventions) for the send-client tests.
pub mod send {
    use std::time::Duration;

    use maitre_channels::{Channel, InstagramLogin, Platform, PlatformUrls, SendTarget, Sender};
    use maitre_testkit::FakePlatforms;

    pub const PAGE_ID: &str = "110000000000001";
    pub const PSID: &str = "6000000000000001";
    pub const IG_ID: &str = "17840000000000001";
    pub const IGSID: &str = "9000000000000001";
    pub const PHONE_NUMBER_ID: &str = "200000000000002";
    pub const WA_ID: &str = "15550002222";
    pub const CHAT_ID: &str = "100000001";
    pub const PAGE_TOKEN: &str = "FAKE-page-token";
    pub const IG_TOKEN: &str = "FAKE-ig-user-token";
    pub const WA_TOKEN: &str = "FAKE-wa-system-user-token";
    pub const BOT_TOKEN: &str = "7000000001:FAKE-bot-token";

    pub fn urls(fakes: &FakePlatforms) -> PlatformUrls {
        PlatformUrls {
            graph: fakes.graph_url(),
            instagram_graph: fakes.instagram_graph_url(),
            instagram_api: fakes.instagram_api_url(),
            telegram: fakes.telegram_url(),
        }
    }

    pub fn sender(fakes: &FakePlatforms) -> Sender {
        Sender::new(urls(fakes), Duration::from_secs(10)).unwrap()
    }

    pub fn channel(platform: Platform) -> Channel<'static> {
        let (account_key, access_token) = match platform {
            Platform::Messenger => (PAGE_ID, PAGE_TOKEN),
            Platform::Instagram => (IG_ID, IG_TOKEN),
            Platform::WhatsApp => (PHONE_NUMBER_ID, WA_TOKEN),
            Platform::Telegram => ("7000000001", BOT_TOKEN),
        };
        Channel { platform, account_key, access_token, instagram_login: InstagramLogin::BusinessLogin }
    }

    /// The fixtures' guest on each platform.
    pub fn target(platform: Platform) -> SendTarget<'static> {
        let recipient = match platform {
            Platform::Messenger => PSID,
            Platform::Instagram => IGSID,
            Platform::WhatsApp => WA_ID,
            Platform::Telegram => CHAT_ID,
        };
        SendTarget { channel: channel(platform), recipient, human_agent_tag: false, reference: None }
    }

    pub const ALL: [Platform; 4] = [Platform::Messenger, Platform::Instagram, Platform::WhatsApp, Platform::Telegram];
}

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

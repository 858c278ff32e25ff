//! Telegram inbound fixtures, plus the update shapes the parser refuses.

use maitre_channels::{MessageKind, ParseError, Platform, Reference, parse_telegram};

use crate::support::{fixture, message, secs};

const BOT: &str = "tg-connection-1";

fn update(path: &str) -> maitre_channels::InboundItem {
    let batch = parse_telegram(&fixture(path), BOT).unwrap();
    assert!(batch.skipped.is_empty(), "{path}: {:?}", batch.skipped);
    assert_eq!(batch.items.len(), 1, "{path}");
    batch.items.into_iter().next().unwrap()
}

#[test]
fn text_message() {
    let item = update("telegram/message.json");
    assert_eq!(item.platform, Platform::Telegram);
    assert_eq!(item.account_key, BOT);
    assert_eq!(item.contact_id, "100000001");
    assert_eq!(item.dedupe_key, "500000001");
    assert_eq!(item.timestamp, secs(1_790_000_000));
    assert_eq!(item.profile_name.as_deref(), Some("Test Guest"));
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.message_id.as_deref(), Some("100000001:101"));
    assert_eq!(m.text.as_deref(), Some("Hi, table for 4 tomorrow at 8?"));
}

#[test]
fn start_command() {
    let item = update("telegram/start_command.json");
    assert_eq!(item.dedupe_key, "500000000");
    assert_eq!(item.profile_name.as_deref(), Some("Test"));
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Command);
    assert_eq!(m.text.as_deref(), Some("/start"));
    assert_eq!(m.payload.as_deref(), Some("/start"));
}

#[test]
fn callback_query() {
    let item = update("telegram/callback_query.json");
    assert_eq!(item.contact_id, "100000001");
    assert_eq!(item.dedupe_key, "500000002");
    assert_eq!(item.timestamp, None);
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Postback);
    assert_eq!(m.payload.as_deref(), Some("confirm:bk_0001"));
    assert_eq!(m.callback_query_id.as_deref(), Some("4382000000000000001"));
    assert_eq!(m.reply_to, Some(Reference::Message { id: "100000001:102".into() }));
}

#[test]
fn deep_link_command_with_bot_suffix() {
    let body = r#"{"update_id":7,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},
        "chat":{"id":5,"type":"private"},"date":1790000000,"text":"/start@test_bistro_bot table_4",
        "entities":[{"offset":0,"length":21,"type":"bot_command"}]}}"#;
    let batch = parse_telegram(body.as_bytes(), BOT).unwrap();
    let m = message(&batch.items[0]);
    assert_eq!(m.kind, MessageKind::Command);
    assert_eq!(m.payload.as_deref(), Some("/start"));
    assert_eq!(m.text.as_deref(), Some("/start@test_bistro_bot table_4"));
}

#[test]
fn group_chats_and_other_update_kinds_are_skipped() {
    let group = r#"{"update_id":8,"message":{"message_id":1,"from":{"id":5,"is_bot":false,"first_name":"A"},
        "chat":{"id":-100,"type":"group"},"date":1790000000,"text":"hi"}}"#;
    let edited = r#"{"update_id":9,"edited_message":{"message_id":1}}"#;
    for body in [group, edited] {
        let batch = parse_telegram(body.as_bytes(), BOT).unwrap();
        assert!(batch.items.is_empty(), "{body}");
        assert_eq!(batch.skipped.len(), 1, "{body}");
    }
}

#[test]
fn bodies_without_an_update_id_are_skipped_and_broken_json_is_an_error() {
    for body in [&b"{}"[..], b"[]", br#"{"update_id":"1"}"#, b"{\"message\":{}}"] {
        let batch = parse_telegram(body, BOT).unwrap();
        assert!(batch.items.is_empty(), "{}", String::from_utf8_lossy(body));
        assert_eq!(batch.skipped.len(), 1, "{}", String::from_utf8_lossy(body));
    }
    assert!(matches!(parse_telegram(b"{\"update_id\":1", BOT), Err(ParseError::InvalidJson(_))));
}

//! Every inbound fixture in `messenger/`.

use maitre_channels::{Event, MessageKind, Platform, ReadReceipt};

use crate::support::{message, meta, millis, single};

#[test]
fn text_message() {
    let item = single("messenger/text_message.json");
    assert_eq!(item.platform, Platform::Messenger);
    assert_eq!(item.account_key, "110000000000001");
    assert_eq!(item.contact_id, "6000000000000001");
    assert_eq!(item.dedupe_key, "m_FAKE_FB_0001");
    assert_eq!(item.timestamp, millis(1_790_000_000_123));
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.text.as_deref(), Some("Hello, can I book a haircut for Thursday?"));
}

#[test]
fn read_watermark_and_postback_in_one_batch() {
    let batch = meta("messenger/postback_and_read_batch.json");
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);
    assert_eq!(batch.items.len(), 2);
    let (read, postback) = (&batch.items[0], &batch.items[1]);

    assert_eq!(read.platform, Platform::Messenger);
    assert_eq!(read.dedupe_key, "read:6000000000000001:1790000090000");
    assert_eq!(read.event, Event::Read(ReadReceipt { message_id: None, watermark: millis(1_790_000_090_000) }));

    assert_eq!(postback.account_key, "110000000000001");
    assert_eq!(postback.dedupe_key, "m_FAKE_FB_0002");
    let m = message(postback);
    assert_eq!(m.kind, MessageKind::Postback);
    assert_eq!(m.payload.as_deref(), Some("GET_STARTED"));
    assert_eq!(m.text.as_deref(), Some("Get Started"));
}

#[test]
fn postback_without_mid_gets_a_stable_content_key() {
    let body = |page_time: u64| {
        format!(
            r#"{{"object":"page","entry":[{{"id":"110000000000001","time":{page_time},"messaging":[
            {{"sender":{{"id":"6000000000000001"}},"recipient":{{"id":"110000000000001"}},
              "timestamp":1790000100123,"postback":{{"title":"Menu","payload":"MENU"}}}}]}}]}}"#
        )
    };
    // A redelivery differs in `entry.time` (when it was sent) but not in the item itself.
    let first = maitre_channels::parse_meta(body(1).as_bytes()).unwrap();
    let again = maitre_channels::parse_meta(body(2).as_bytes()).unwrap();
    let key = &first.items[0].dedupe_key;
    assert!(key.starts_with("sha256:"), "{key}");
    assert_eq!(key, &again.items[0].dedupe_key);
}

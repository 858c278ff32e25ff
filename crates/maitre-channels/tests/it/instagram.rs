//! Every inbound fixture in `instagram/`.

use maitre_channels::{Comment, Event, MessageKind, Platform, ReadReceipt, Reference};

use crate::support::{fixture_names, message, meta, millis, secs, single};

const ACCOUNT: &str = "17840000000000001";
const GUEST: &str = "9000000000000001";

#[test]
fn every_inbound_fixture_parses_cleanly() {
    for name in fixture_names("instagram") {
        if name.starts_with("send_") || name == "dashboard_test_changes_form.json" {
            continue;
        }
        let batch = meta(&format!("instagram/{name}"));
        assert!(batch.skipped.is_empty(), "{name}: {:?}", batch.skipped);
        assert_eq!(batch.items.len(), 1, "{name}");
        let item = &batch.items[0];
        assert_eq!(item.platform, Platform::Instagram, "{name}");
        assert_eq!(item.account_key, ACCOUNT, "{name}");
    }
}

#[test]
fn text_message() {
    let item = single("instagram/text_message.json");
    assert_eq!(item.contact_id, GUEST);
    assert_eq!(item.dedupe_key, "m_FAKE_IG_0001");
    assert_eq!(item.timestamp, millis(1_790_000_000_123));
    assert_eq!(item.profile_name, None);
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.message_id.as_deref(), Some("m_FAKE_IG_0001"));
    assert_eq!(m.text.as_deref(), Some("hi, do you have a table for 2 on saturday?"));
    assert!(!m.is_echo);
}

#[test]
fn quick_reply_routes_on_payload() {
    let item = single("instagram/quick_reply.json");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::QuickReply);
    assert_eq!(m.text.as_deref(), Some("Saturday 19:00"));
    assert_eq!(m.payload.as_deref(), Some("SLOT_SAT_1900"));
    assert_eq!(item.dedupe_key, "m_FAKE_IG_0002");
}

#[test]
fn postback() {
    let item = single("instagram/postback.json");
    assert_eq!(item.contact_id, GUEST);
    assert_eq!(item.dedupe_key, "m_FAKE_IG_0003");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Postback);
    assert_eq!(m.text.as_deref(), Some("Book a table"));
    assert_eq!(m.payload.as_deref(), Some("ICEBREAKER_BOOK"));
}

#[test]
fn story_reply_keeps_the_story_reference() {
    let item = single("instagram/story_reply.json");
    assert_eq!(item.contact_id, "9000000000000002");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::StoryReply);
    assert_eq!(m.text.as_deref(), Some("that dessert looks amazing, is it on the menu friday?"));
    assert_eq!(
        m.reply_to,
        Some(Reference::Story {
            id: Some("18000000000000001".into()),
            url: Some("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18000000000000001&FAKE=1".into()),
        })
    );
}

#[test]
fn story_mention_and_share_attachments() {
    let mention = single("instagram/story_mention.json");
    assert_eq!(mention.contact_id, "9000000000000003");
    assert_eq!(mention.dedupe_key, "m_FAKE_IG_0005");
    let m = message(&mention);
    assert_eq!(m.kind, MessageKind::StoryMention);
    assert_eq!(m.text, None);
    assert_eq!(
        m.attachments[0].url.as_deref(),
        Some("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18000000000000002&FAKE=1")
    );

    let share = single("instagram/share_attachment.json");
    let m = message(&share);
    assert_eq!(m.kind, MessageKind::Share);
    assert_eq!(m.attachments.len(), 1);
    assert!(m.attachments[0].url.as_deref().unwrap().contains("18000000000000003"));
}

#[test]
fn echo_is_flagged_and_sides_are_normalized() {
    let item = single("instagram/echo.json");
    // The wire has the business as sender; the model keeps the business as account.
    assert_eq!(item.account_key, ACCOUNT);
    assert_eq!(item.contact_id, GUEST);
    assert_eq!(item.dedupe_key, "m_FAKE_IG_0007");
    assert!(message(&item).is_echo);
}

#[test]
fn read_receipt() {
    let item = single("instagram/read.json");
    assert_eq!(item.dedupe_key, "read:9000000000000001:m_FAKE_IG_0007");
    assert_eq!(item.event, Event::Read(ReadReceipt { message_id: Some("m_FAKE_IG_0007".into()), watermark: None }));
}

#[test]
fn reaction_and_its_removal() {
    let react = single("instagram/reaction.json");
    let m = message(&react);
    assert_eq!(m.kind, MessageKind::Reaction);
    assert_eq!(m.text.as_deref(), Some("\u{2764}\u{fe0f}"));
    assert_eq!(m.reply_to, Some(Reference::Message { id: "m_FAKE_IG_0007".into() }));
    assert_eq!(react.dedupe_key, "reaction:9000000000000001:m_FAKE_IG_0007:react:1790000420123");

    let unreact = single("instagram/unreact.json");
    let m = message(&unreact);
    assert_eq!(m.kind, MessageKind::Reaction);
    assert_eq!(m.text, None);
    assert_ne!(unreact.dedupe_key, react.dedupe_key);
}

#[test]
fn comment_business_login_form() {
    let item = single("instagram/comment.json");
    assert_eq!(item.account_key, ACCOUNT);
    assert_eq!(item.contact_id, "9000000000000004");
    assert_eq!(item.dedupe_key, "comment:18000000000000020");
    assert_eq!(item.timestamp, secs(1_790_000_540));
    assert_eq!(
        item.event,
        Event::Comment(Comment {
            comment_id: "18000000000000020".into(),
            media_id: Some("18000000000000010".into()),
            parent_id: None,
            text: Some("MENU".into()),
            username: Some("test_commenter_01".into()),
            is_echo: false,
        })
    );
}

#[test]
fn comment_facebook_login_form() {
    let item = single("instagram/comment_fb_login_form.json");
    assert_eq!(item.contact_id, "9000000000000005");
    assert_eq!(item.dedupe_key, "comment:18000000000000021");
    let Event::Comment(comment) = &item.event else {
        panic!("expected a comment");
    };
    assert_eq!(comment.parent_id.as_deref(), Some("18000000000000020"));
    assert_eq!(comment.media_id.as_deref(), Some("18000000000000011"));
    assert_eq!(comment.text.as_deref(), Some("MENU please"));
}

#[test]
fn dashboard_test_event_is_never_routed() {
    let batch = meta("instagram/dashboard_test_changes_form.json");
    assert!(batch.items.is_empty());
    assert_eq!(batch.skipped.len(), 1);
    assert_eq!(batch.skipped[0].location, "entry[0]");
    assert!(batch.skipped[0].reason.contains("dashboard test"));
}

#[test]
fn changes_form_messaging_is_parsed_for_a_real_account() {
    // The same shape with a real entry id parses like `messaging[]`, string timestamp included.
    let body = String::from_utf8(crate::support::fixture("instagram/dashboard_test_changes_form.json"))
        .unwrap()
        .replace("\"id\": \"0\"", "\"id\": \"23245\"");
    let batch = maitre_channels::parse_meta(body.as_bytes()).unwrap();
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);
    let item = &batch.items[0];
    assert_eq!(item.account_key, "23245");
    assert_eq!(item.contact_id, "12334");
    assert_eq!(item.timestamp, secs(1_527_459_824));
    assert_eq!(message(item).text.as_deref(), Some("random_text"));
}

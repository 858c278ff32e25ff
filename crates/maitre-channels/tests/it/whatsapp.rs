//! Every inbound fixture in `whatsapp/`.

use maitre_channels::{
    Attachment, DeliveryStatus, Event, InboundItem, MessageKind, Platform, Reference, StatusError, StatusUpdate,
    TemplateChange, TemplateUpdate,
};

use crate::support::{fixture_names, message, meta, secs, single};

const NUMBER: &str = "200000000000002";
const ALEX: &str = "15550002222";

fn reply_to(id: &str) -> Option<Reference> {
    Some(Reference::Message { id: id.into() })
}

fn status(item: &InboundItem) -> &StatusUpdate {
    match &item.event {
        Event::Status(status) => status,
        other => panic!("expected a status, got {other:?}"),
    }
}

#[test]
fn every_inbound_fixture_parses_cleanly() {
    for name in fixture_names("whatsapp") {
        if name.starts_with("send_") {
            continue;
        }
        let batch = meta(&format!("whatsapp/{name}"));
        assert!(batch.skipped.is_empty(), "{name}: {:?}", batch.skipped);
        assert!(!batch.items.is_empty(), "{name}");
        for item in &batch.items {
            assert_eq!(item.platform, Platform::WhatsApp, "{name}");
            // Template changes name the business account (WABA), everything else the phone number.
            let key = if name.starts_with("template_") && name != "template_quick_reply_button.json" {
                "1000000000000"
            } else {
                "2000000000000"
            };
            assert!(item.account_key.starts_with(key), "{name}");
        }
    }
}

#[test]
fn text_message() {
    let item = single("whatsapp/text_message.json");
    assert_eq!(item.account_key, NUMBER);
    assert_eq!(item.contact_id, ALEX);
    assert_eq!(item.dedupe_key, "wamid.TEST_IN_0001");
    assert_eq!(item.timestamp, secs(1_790_000_000));
    assert_eq!(item.profile_name.as_deref(), Some("Test Guest Alex"));
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.text.as_deref(), Some("Hi! Table for 4 tomorrow at 8pm?"));
    assert_eq!(m.reply_to, None);
}

#[test]
fn interactive_replies() {
    let button = single("whatsapp/interactive_button_reply.json");
    assert_eq!(button.dedupe_key, "wamid.TEST_IN_0002");
    let m = message(&button);
    assert_eq!(m.kind, MessageKind::InteractiveReply);
    assert_eq!(m.payload.as_deref(), Some("confirm-booking"));
    assert_eq!(m.text.as_deref(), Some("Confirm"));
    assert_eq!(m.reply_to, reply_to("wamid.TEST_OUT_0001"));

    let list = single("whatsapp/interactive_list_reply.json");
    let m = message(&list);
    assert_eq!(m.kind, MessageKind::InteractiveReply);
    assert_eq!(m.payload.as_deref(), Some("slot_2000"));
    assert_eq!(m.text.as_deref(), Some("20:00"));
    assert_eq!(m.reply_to, reply_to("wamid.TEST_OUT_0002"));
}

#[test]
fn template_quick_reply_button_is_not_interactive() {
    let item = single("whatsapp/template_quick_reply_button.json");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Button);
    assert_eq!(m.payload.as_deref(), Some("REMINDER_CONFIRM_bk_0001"));
    assert_eq!(m.text.as_deref(), Some("Yes, I'll be there"));
    assert_eq!(m.reply_to, reply_to("wamid.TEST_OUT_0003"));
}

#[test]
fn media_messages() {
    let image = single("whatsapp/image_message.json");
    let m = message(&image);
    assert_eq!(m.kind, MessageKind::Image);
    assert_eq!(m.text.as_deref(), Some("Is this the entrance?"));
    assert_eq!(
        m.attachments,
        vec![Attachment {
            url: Some("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=3000000000000001&FAKE=1".into()),
            media_id: Some("3000000000000001".into()),
            mime_type: Some("image/jpeg".into()),
            filename: None,
        }]
    );

    let audio = single("whatsapp/audio_message.json");
    let m = message(&audio);
    assert_eq!(m.kind, MessageKind::Audio);
    assert_eq!(m.attachments[0].media_id.as_deref(), Some("3000000000000002"));
    assert_eq!(m.attachments[0].mime_type.as_deref(), Some("audio/ogg; codecs=opus"));
    assert_eq!(m.attachments[0].url, None);

    let document = single("whatsapp/document_message.json");
    assert_eq!(document.contact_id, "15550003333");
    assert_eq!(document.profile_name.as_deref(), Some("Test Patient Sam"));
    let m = message(&document);
    assert_eq!(m.kind, MessageKind::Document);
    assert_eq!(m.text.as_deref(), Some("Referral letter"));
    assert_eq!(m.attachments[0].filename.as_deref(), Some("referral.pdf"));
    assert_eq!(m.attachments[0].mime_type.as_deref(), Some("application/pdf"));
}

#[test]
fn location() {
    let item = single("whatsapp/location_message.json");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Location);
    let location = m.location.as_ref().unwrap();
    assert_eq!(location.latitude, 52.520008);
    assert_eq!(location.longitude, 13.404954);
    assert_eq!(location.name.as_deref(), Some("Test Plaza"));
    assert_eq!(location.address.as_deref(), Some("1 Example Street, Testville"));
}

#[test]
fn reaction_points_at_our_message() {
    let item = single("whatsapp/reaction_message.json");
    assert_eq!(item.dedupe_key, "wamid.TEST_IN_0009");
    let m = message(&item);
    assert_eq!(m.kind, MessageKind::Reaction);
    assert_eq!(m.text.as_deref(), Some("\u{1f44d}"));
    assert_eq!(m.reply_to, reply_to("wamid.TEST_OUT_0004"));
}

#[test]
fn unknown_type_is_delivered_as_unsupported() {
    let item = single("whatsapp/unsupported_message.json");
    assert_eq!(item.dedupe_key, "wamid.TEST_IN_0010");
    assert_eq!(message(&item).kind, MessageKind::Unsupported);
}

#[test]
fn statuses() {
    let sent = single("whatsapp/status_sent.json");
    assert_eq!(sent.dedupe_key, "status:wamid.TEST_OUT_0001:sent");
    assert_eq!(sent.contact_id, ALEX);
    assert_eq!(sent.account_key, NUMBER);
    assert_eq!(sent.timestamp, secs(1_790_000_010));
    assert_eq!(status(&sent).status, DeliveryStatus::Sent);

    let delivered = single("whatsapp/status_delivered.json");
    assert_eq!(delivered.dedupe_key, "status:wamid.TEST_OUT_0001:delivered");
    assert_eq!(status(&delivered).callback_data.as_deref(), Some("bk_0001"));

    let read = single("whatsapp/status_read.json");
    assert_eq!(read.dedupe_key, "status:wamid.TEST_OUT_0002:read");
    assert_eq!(status(&read).status, DeliveryStatus::Read);

    let failed = single("whatsapp/status_failed.json");
    assert_eq!(failed.dedupe_key, "status:wamid.TEST_OUT_0005:failed");
    assert_eq!(
        status(&failed),
        &StatusUpdate {
            message_id: "wamid.TEST_OUT_0005".into(),
            status: DeliveryStatus::Failed,
            error: Some(StatusError {
                code: 131047,
                title: Some("Re-engagement message".into()),
                details: Some(
                    "More than 24 hours have passed since the recipient last replied to the sender number.".into()
                ),
            }),
            callback_data: None,
        }
    );
}

#[test]
fn multi_entry_batch_spans_two_tenants() {
    let batch = meta("whatsapp/multi_entry_batch.json");
    assert!(batch.skipped.is_empty(), "{:?}", batch.skipped);
    let summary: Vec<_> =
        batch.items.iter().map(|i| (i.account_key.as_str(), i.contact_id.as_str(), i.dedupe_key.as_str())).collect();
    assert_eq!(
        summary,
        vec![
            (NUMBER, ALEX, "wamid.TEST_IN_0101"),
            (NUMBER, "15550004444", "wamid.TEST_IN_0102"),
            (NUMBER, ALEX, "status:wamid.TEST_OUT_0101:delivered"),
            (NUMBER, ALEX, "status:wamid.TEST_OUT_0101:read"),
            ("200000000000009", "15550005555", "wamid.TEST_IN_0901"),
        ]
    );
    let names: Vec<_> = batch.items.iter().map(|i| i.profile_name.as_deref()).collect();
    assert_eq!(names, vec![Some("Test Guest Alex"), Some("Test Guest Jordan"), None, None, Some("Test Client Robin")]);
}

fn template(path: &str) -> (InboundItem, TemplateUpdate) {
    let item = single(path);
    match item.event.clone() {
        Event::Template(t) => (item, t),
        other => panic!("{path}: expected a template change, got {other:?}"),
    }
}

#[test]
fn template_status_updates() {
    let (item, t) = template("whatsapp/template_status_rejected.json");
    assert_eq!((item.account_key.as_str(), item.contact_id.as_str()), ("100000000000001", ""));
    assert_eq!(item.dedupe_key, "template:1800000000000002:REJECTED:1790004200");
    assert_eq!(
        (t.template_id.as_str(), t.name.as_str(), t.language.as_str()),
        ("1800000000000002", "weekend_offer", "de")
    );
    let TemplateChange::Status { event, reason, detail } = t.change else { panic!("status") };
    assert_eq!((event.as_str(), reason.as_deref()), ("REJECTED", Some("INVALID_FORMAT")));
    let detail = detail.unwrap();
    assert!(detail.contains("very end of the body") && detail.contains("submit the template again"), "{detail}");

    let (_, t) = template("whatsapp/template_status_paused.json");
    let TemplateChange::Status { event, reason, detail } = t.change else { panic!("status") };
    assert_eq!((event.as_str(), reason.as_deref()), ("PAUSED", Some("NONE")));
    assert!(detail.unwrap().starts_with("FIRST_PAUSE "));
    for name in ["approved", "disabled"] {
        let (_, t) = template(&format!("whatsapp/template_status_{name}.json"));
        let TemplateChange::Status { event, .. } = t.change else { panic!("status") };
        assert_eq!(event, name.to_uppercase());
    }
}

#[test]
fn template_ids_are_whole_numbers_never_floats() {
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","time":5,"changes":[{"field":"message_template_status_update","value":{"event":"APPROVED","message_template_id":9007199254740993,"message_template_name":"n","message_template_language":"de"}}]}]}"#;
    let batch = maitre_channels::parse_meta(body).unwrap();
    let Event::Template(t) = &batch.items[0].event else { panic!("template") };
    assert_eq!(t.template_id, "9007199254740993");
    let float = String::from_utf8_lossy(body).replace("9007199254740993", "1.5");
    let batch = maitre_channels::parse_meta(float.as_bytes()).unwrap();
    assert!(batch.items.is_empty());
    assert!(batch.skipped[0].reason.contains("whole number"), "{:?}", batch.skipped);
}

#[test]
fn template_category_updates() {
    let (item, t) = template("whatsapp/template_category_update_impending.json");
    let TemplateChange::Category { from, to, impending_at } = t.change else { panic!("category") };
    assert_eq!((from.as_str(), to.as_str()), ("UTILITY", "MARKETING"));
    assert_eq!(impending_at, secs(1_790_286_400));
    assert_eq!(item.dedupe_key, "template-category:1800000000000004:MARKETING:impending");
    let (item, t) = template("whatsapp/template_category_update_completed.json");
    let TemplateChange::Category { from, to, impending_at } = t.change else { panic!("category") };
    assert_eq!((from.as_str(), to.as_str(), impending_at), ("UTILITY", "MARKETING", None));
    assert_eq!(item.dedupe_key, "template-category:1800000000000004:MARKETING:done");
}

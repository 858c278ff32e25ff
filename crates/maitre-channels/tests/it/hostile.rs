//! Every fixture in `hostile/`: a ParseError or a batch with reasons, never a panic.

use maitre_channels::{MessageKind, ParseError, parse_meta, parse_telegram};

use crate::support::{fixture, fixture_names, message, meta};

#[test]
fn no_hostile_fixture_panics_either_parser() {
    for name in fixture_names("hostile") {
        let body = fixture(&format!("hostile/{name}"));
        let _ = parse_meta(&body);
        let _ = parse_telegram(&body, "bot");
    }
}

#[test]
fn deeply_nested_hits_the_recursion_limit() {
    let err = parse_meta(&fixture("hostile/deeply_nested.json")).unwrap_err();
    assert!(matches!(err, ParseError::InvalidJson(_)), "{err}");
    assert!(err.to_string().contains("recursion limit exceeded"), "{err}");
}

#[test]
fn truncated_body_is_invalid_json() {
    let err = parse_meta(&fixture("hostile/malformed_truncated.json")).unwrap_err();
    assert!(matches!(err, ParseError::InvalidJson(_)), "{err}");
}

#[test]
fn oversized_body_is_refused_before_parsing() {
    let body = vec![b' '; maitre_channels::MAX_BODY_BYTES + 1];
    assert!(matches!(parse_meta(&body), Err(ParseError::TooLarge(_))));
}

#[test]
fn valid_json_that_is_not_an_envelope_is_one_skipped_reason() {
    for body in [
        &b"[]"[..],
        b"42",
        b"\"x\"",
        b"{}",
        br#"{"object":42}"#,
        br#"{"object":"instagram"}"#,
        br#"{"object":"page","entry":{}}"#,
    ] {
        let batch = parse_meta(body).unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(body)));
        assert!(batch.items.is_empty());
        assert_eq!(batch.skipped.len(), 1, "{}", String::from_utf8_lossy(body));
        assert_eq!(batch.skipped[0].location, "body");
        assert!(batch.skipped[0].reason.starts_with("not a webhook envelope"), "{:?}", batch.skipped);
    }
}

#[test]
fn huge_text_is_kept_whole() {
    let batch = meta("hostile/huge_text_whatsapp.json");
    assert!(batch.skipped.is_empty());
    let text = message(&batch.items[0]).text.clone().unwrap();
    assert!(text.len() > 100_000, "{}", text.len());
    assert!(text.ends_with("<END_OF_100KB>"));
}

#[test]
fn missing_fields_keep_only_the_valid_message() {
    let batch = meta("hostile/missing_fields_whatsapp.json");
    let keys: Vec<_> = batch.items.iter().map(|i| i.dedupe_key.as_str()).collect();
    assert_eq!(keys, vec!["wamid.TEST_HOSTILE_0004"]);
    let locations: Vec<_> = batch.skipped.iter().map(|s| s.location.as_str()).collect();
    assert_eq!(
        locations,
        vec![
            "entry[0]",
            "entry[1].changes[0]",
            "entry[1].changes[1]",
            "entry[1].changes[2].value.messages[0]",
            "entry[1].changes[2].value.messages[1]",
            "entry[1].changes[2].value.statuses[0]",
        ]
    );
    let reasons: Vec<_> = batch.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].contains("no `changes`"), "{reasons:?}");
    assert!(reasons[1].contains("no `value`"), "{reasons:?}");
    assert!(reasons[2].contains("phone_number_id"), "{reasons:?}");
    assert!(reasons[3].contains("from"), "{reasons:?}");
    assert!(reasons[4].contains("timestamp"), "{reasons:?}");
    assert!(reasons[5].contains("status"), "{reasons:?}");
}

#[test]
fn wrong_types_are_rejected_per_entry() {
    let batch = meta("hostile/wrong_types_instagram.json");
    assert!(batch.items.is_empty(), "{:?}", batch.items);
    let locations: Vec<_> = batch.skipped.iter().map(|s| s.location.as_str()).collect();
    assert_eq!(locations, vec!["entry[0]", "entry[1]", "entry[2]", "entry[3]", "entry[4]"]);
}

#[test]
fn float_timestamp_item_is_skipped() {
    // Pinned decision: a float timestamp is refused, not rounded; its neighbours still parse.
    let body = br#"{"object":"instagram","entry":[{"id":"17840000000000001","messaging":[
        {"sender":{"id":"9000000000000001"},"recipient":{"id":"17840000000000001"},
         "timestamp":1.79e12,"message":{"mid":"m_FLOAT","text":"float timestamp"}},
        {"sender":{"id":"9000000000000001"},"recipient":{"id":"17840000000000001"},
         "timestamp":1790000000000,"message":{"mid":"m_OK","text":"integer timestamp"}}]}]}"#;
    let batch = parse_meta(body).unwrap();
    assert_eq!(batch.items.len(), 1);
    assert_eq!(batch.items[0].dedupe_key, "m_OK");
    assert_eq!(batch.skipped.len(), 1);
    assert!(batch.skipped[0].reason.contains("floating point"), "{:?}", batch.skipped);
}

#[test]
fn unicode_round_trips_except_nul() {
    let batch = meta("hostile/unicode_rtl_emoji_instagram.json");
    assert!(batch.skipped.is_empty());
    let texts: Vec<_> = batch.items.iter().map(|i| message(i).text.clone().unwrap()).collect();
    assert_eq!(
        texts[0],
        "\u{0645}\u{0631}\u{062d}\u{0628}\u{0627}\u{060c} \u{0637}\u{0627}\u{0648}\u{0644}\u{0629} \
         \u{0644}\u{0640} 4 \u{0623}\u{0634}\u{062e}\u{0627}\u{0635} \u{063a}\u{062f}\u{064b}\u{0627}\
         \u{061f} \u{05e9}\u{05dc}\u{05d5}\u{05dd} \u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}\u{200d}\
         \u{1f466} \u{1f1f8}\u{1f1e6} \u{1f44d}\u{1f3fd} Cafe\u{0301} Z\u{0336}a\u{0336}l\u{0336}g\
         \u{0336}o\u{0336} \u{202e}evil\u{202c} \u{200b}\u{feff}end"
    );
    assert_eq!(
        texts[1],
        "nul byte here -><- and C1 control \u{0085} and tab\tand newline\nand backslash \\ and quote \" and slash /"
    );
}

#[test]
fn duplicate_ids_share_dedupe_keys() {
    let batch = meta("hostile/duplicate_message_ids_whatsapp.json");
    assert!(batch.skipped.is_empty());
    let keys: Vec<_> = batch.items.iter().map(|i| i.dedupe_key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "wamid.TEST_DUP_0001",
            "wamid.TEST_DUP_0001",
            "status:wamid.TEST_OUT_DUP_0001:delivered",
            "status:wamid.TEST_OUT_DUP_0001:delivered",
            "wamid.TEST_DUP_0001",
        ]
    );
    // Order is preserved so "first stored wins" keeps the first body.
    assert_eq!(message(&batch.items[0]).text.as_deref(), Some("I'd like to book for 4"));
}

#[test]
fn unknown_object_is_an_empty_batch_with_a_reason() {
    let batch = meta("hostile/unknown_object_type.json");
    assert!(batch.items.is_empty());
    assert_eq!(batch.skipped.len(), 1);
    assert!(batch.skipped[0].reason.contains("permissions"));
}

#[test]
fn mismatched_instagram_recipient_is_not_attributed() {
    let batch = meta("hostile/unknown_recipient_instagram.json");
    // The unconnected account still parses; routing (not parsing) ignores it.
    assert_eq!(batch.items.len(), 1);
    assert_eq!(batch.items[0].account_key, "17849999999999999");
    assert_eq!(batch.skipped.len(), 1);
    assert_eq!(batch.skipped[0].location, "entry[1].messaging[0]");
    assert!(batch.skipped[0].reason.contains("differs from entry.id"));
}

#[test]
fn unknown_phone_number_id_is_kept_for_the_router_to_ignore() {
    let batch = meta("hostile/unknown_phone_number_id_whatsapp.json");
    assert_eq!(batch.items.len(), 1);
    assert_eq!(batch.items[0].account_key, "299999999999999");
    assert_eq!(message(&batch.items[0]).kind, MessageKind::Text);
}

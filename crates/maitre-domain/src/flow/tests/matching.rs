use serde_json::json;

use super::super::matching::{Incoming, Selection, keyword_matches, pick, select};
use super::*;

#[test]
fn normalize_folds_case_accents_and_whitespace() {
    assert_eq!(normalize("  Crème   BRÛLÉE\t"), "creme brulee");
    assert_eq!(normalize("Straße"), "strasse");
    assert_eq!(normalize("Käse Öl Übermorgen"), "kase ol ubermorgen");
    assert_eq!(normalize("ARRÊT"), "arret");
    assert_eq!(normalize("Désabonner\n"), "desabonner");
    assert_eq!(normalize("Œuf Ærø"), "oeuf aero");
    assert_eq!(normalize(""), "");
}

fn kw(words: &[&str], mode: MatchMode, text: &str) -> bool {
    let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    keyword_matches(&words, mode, &normalize(text))
}

#[test]
fn keyword_modes() {
    assert!(kw(&["Tisch"], MatchMode::Exact, " tisch "));
    assert!(!kw(&["tisch"], MatchMode::Exact, "tisch bitte"));
    assert!(kw(&["tisch"], MatchMode::Contains, "Tischreservierung"));
    assert!(kw(&["tisch"], MatchMode::WholeWord, "Einen Tisch, bitte"));
    assert!(!kw(&["tisch"], MatchMode::WholeWord, "Tischreservierung"));
    assert!(kw(&["haare schneiden"], MatchMode::WholeWord, "Kann ich Haare schneiden lassen?"));
    assert!(kw(&["réservation"], MatchMode::WholeWord, "Une RESERVATION svp"));
    assert!(kw(&["^tisch (fur|for) \\d+$"], MatchMode::Regex, "Tisch für 4"));
    assert!(!kw(&["^tisch$"], MatchMode::Regex, "tisch für 4"));
    // Invalid patterns and empty words never match, and never panic.
    assert!(!kw(&["(unclosed"], MatchMode::Regex, "(unclosed"));
    assert!(!kw(&["", "  "], MatchMode::Contains, "anything"));
}

#[test]
fn opt_out_words_are_whole_messages() {
    for t in ["STOP", "Stopp!", "abmelden", "Unsubscribe.", "Arrêt", "arret", "désabonner"] {
        assert!(Incoming::new(&text(t), false).opt_out().is_some(), "{t}");
    }
    for t in ["stop the music", "nicht abmelden", "stopper"] {
        assert!(Incoming::new(&text(t), false).opt_out().is_none(), "{t}");
    }
    let comment = Input::Message { text: "stop".into(), payload: None, kind: InputKind::Comment { media_id: None } };
    assert!(Incoming::new(&comment, false).opt_out().is_none());
}

fn def(triggers: serde_json::Value) -> FlowDef {
    serde_json::from_value(json!({ "triggers": triggers, "start": "a", "nodes": [{ "id": "a", "type": "end" }] }))
        .unwrap()
}

/// The flow id `select` picks for `input` among flows named by their triggers.
fn winner(flows: &[(&'static str, FlowDef)], input: &Input, is_new: bool) -> Option<&'static str> {
    let cands: Vec<Candidate> = flows.iter().map(|(id, d)| Candidate { flow_id: id, version: 1, def: d }).collect();
    let m = Incoming::new(input, is_new);
    let id = select(&cands, &m, Selection::Idle).map(|(c, _)| c.flow_id)?;
    flows.iter().map(|(id, _)| *id).find(|f| *f == id)
}

#[test]
fn priority_then_specificity_then_order() {
    let flows = [
        ("any", def(json!([{ "type": "any_message" }]))),
        ("contains", def(json!([{ "type": "keyword", "words": ["tisch"] }]))),
        ("exact", def(json!([{ "type": "keyword", "words": ["tisch"], "mode": "exact" }]))),
        ("regex", def(json!([{ "type": "keyword", "words": ["tisch"], "mode": "regex" }]))),
    ];
    assert_eq!(winner(&flows, &text("Tisch"), false), Some("exact"));
    assert_eq!(winner(&flows, &text("Tisch für 2"), false), Some("contains"));
    assert_eq!(winner(&flows, &text("hallo"), false), Some("any"));

    let boosted = [
        ("exact", def(json!([{ "type": "keyword", "words": ["tisch"], "mode": "exact" }]))),
        ("any", def(json!([{ "type": "any_message", "priority": 5 }]))),
    ];
    assert_eq!(winner(&boosted, &text("tisch"), false), Some("any"));

    let twins = [
        ("first", def(json!([{ "type": "keyword", "words": ["tisch"] }]))),
        ("second", def(json!([{ "type": "keyword", "words": ["tisch"] }]))),
    ];
    assert_eq!(winner(&twins, &text("tisch"), false), Some("first"));
}

#[test]
fn kinds_match_their_inputs() {
    let flows = [
        ("payload", def(json!([{ "type": "payload", "payload": "BOOK" }]))),
        ("story", def(json!([{ "type": "story_reply" }]))),
        ("mention", def(json!([{ "type": "story_mention" }]))),
        ("comment", def(json!([{ "type": "comment", "words": ["preis"], "media_id": "m1" }]))),
        ("event", def(json!([{ "type": "event", "name": "visit_completed" }]))),
        ("first", def(json!([{ "type": "first_message" }]))),
    ];
    assert_eq!(winner(&flows, &press("Buchen", "BOOK"), false), Some("payload"));
    let msg = |kind| Input::Message { text: "hi".into(), payload: None, kind };
    assert_eq!(winner(&flows, &msg(InputKind::StoryReply), false), Some("story"));
    assert_eq!(winner(&flows, &msg(InputKind::StoryMention), false), Some("mention"));
    let comment = |text: &str, media: &str| Input::Message {
        text: text.into(),
        payload: None,
        kind: InputKind::Comment { media_id: Some(media.into()) },
    };
    assert_eq!(winner(&flows, &comment("Was ist der Preis?", "m1"), false), Some("comment"));
    assert_eq!(winner(&flows, &comment("Was ist der Preis?", "m2"), false), None);
    assert_eq!(winner(&flows, &comment("Schön!", "m1"), false), None);
    assert_eq!(winner(&flows, &Input::Event { name: "visit_completed".into() }, false), Some("event"));
    assert_eq!(winner(&flows, &Input::Event { name: "other".into() }, false), None);
    assert_eq!(winner(&flows, &text("hallo"), true), Some("first"));
    assert_eq!(winner(&flows, &text("hallo"), false), None);
}

#[test]
fn comments_feed_only_comment_triggers() {
    let flows = [("any", def(json!([{ "type": "any_message" }]))), ("fb", def(json!([{ "type": "fallback" }])))];
    let comment = Input::Message { text: "hi".into(), payload: None, kind: InputKind::Comment { media_id: None } };
    assert_eq!(winner(&flows, &comment, false), None);
}

#[test]
fn fallback_only_when_nothing_else_matches() {
    let flows = [
        ("fb", def(json!([{ "type": "fallback", "priority": 100 }]))),
        ("kw", def(json!([{ "type": "keyword", "words": ["tisch"] }]))),
    ];
    assert_eq!(winner(&flows, &text("tisch"), false), Some("kw"));
    assert_eq!(winner(&flows, &text("hallo"), false), Some("fb"));
}

#[test]
fn pick_by_payload_title_value_or_number() {
    let choices: Vec<Choice> = serde_json::from_value(json!([
        { "title": "😍 Super", "value": "great" },
        { "title": "Geht so" },
    ]))
    .unwrap();
    assert_eq!(pick(&choices, "whatever", Some("great")).map(|c| c.payload()), Some("great"));
    assert_eq!(pick(&choices, "super!", None).map(|c| c.payload()), Some("great"));
    assert_eq!(pick(&choices, "GREAT", None).map(|c| c.payload()), Some("great"));
    assert_eq!(pick(&choices, "geht so", None).map(|c| c.payload()), Some("Geht so"));
    assert_eq!(pick(&choices, "2", None).map(|c| c.payload()), Some("Geht so"));
    assert_eq!(pick(&choices, "2.", None).map(|c| c.payload()), Some("Geht so"));
    assert!(pick(&choices, "3", None).is_none());
    assert!(pick(&choices, "0", None).is_none());
    assert!(pick(&choices, "", None).is_none());
    assert!(pick(&choices, "super toll", None).is_none());
}

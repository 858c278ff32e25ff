use serde_json::json;

use super::*;

fn issues(def: serde_json::Value) -> Vec<Issue> {
    validate(&serde_json::from_value(def).unwrap(), &["other"])
}

/// (severity, node, a word of the message) per issue, for compact assertions.
fn summary(issues: &[Issue]) -> Vec<(Severity, Option<&str>, &str)> {
    issues.iter().map(|i| (i.severity, i.node.as_deref(), i.message.as_str())).collect()
}

fn has(issues: &[Issue], severity: Severity, node: Option<&str>, fragment: &str) -> bool {
    issues.iter().any(|i| i.severity == severity && i.node.as_deref() == node && i.message.contains(fragment))
}

#[test]
fn a_clean_flow_has_no_issues() {
    let found = issues(json!({
        "triggers": [{ "type": "keyword", "words": ["tisch"] }],
        "start": "q",
        "nodes": [
            { "id": "q", "type": "ask", "kind": "date", "var": "date", "text": "Wann?", "next": "m" },
            { "id": "m", "type": "message", "text": "{{vars.date | date}} {{vars.time}} {{vars.party_size}} {{contact.first_name | default: \"Gast\"}}", "next": "g" },
            { "id": "g", "type": "goto_flow", "flow": "other" }
        ]
    }));
    assert_eq!(summary(&found), vec![]);
}

#[test]
fn structure_errors() {
    let found = issues(json!({
        "start": "nope",
        "nodes": [
            { "id": "a", "type": "message", "text": "x", "next": "ghost",
              "quick_replies": [{ "title": "b", "next": "phantom" }] },
            { "id": "a", "type": "end" },
            { "id": "c", "type": "condition", "rules": [{ "if": "var_set", "var": "never", "next": "a" }], "otherwise": "void" },
            { "id": "g", "type": "goto_flow", "flow": "unknown" }
        ]
    }));
    assert!(has(&found, Severity::Error, None, "start node `nope`"));
    assert!(has(&found, Severity::Error, Some("a"), "more than once"));
    assert!(has(&found, Severity::Error, Some("a"), "`ghost`"));
    assert!(has(&found, Severity::Error, Some("a"), "`phantom`"));
    assert!(has(&found, Severity::Error, Some("c"), "`void`"));
    assert!(has(&found, Severity::Warning, Some("c"), "vars.never"));
    assert!(has(&found, Severity::Error, Some("g"), "`unknown`"));
    assert!(has(&found, Severity::Warning, None, "no triggers"));
    assert!(has(&found, Severity::Warning, Some("g"), "no path"));
}

#[test]
fn trigger_errors() {
    let found = issues(json!({
        "triggers": [
            { "type": "keyword", "words": ["(open"], "mode": "regex" },
            { "type": "keyword", "words": [] },
            { "type": "comment", "words": [" "] },
            { "type": "keyword", "words": ["x"], "start": "missing" }
        ],
        "start": "a",
        "nodes": [{ "id": "a", "type": "end" }, { "id": "b", "type": "end" }]
    }));
    assert!(has(&found, Severity::Error, None, "invalid regex `(open`"));
    assert!(has(&found, Severity::Error, None, "no words"));
    assert!(has(&found, Severity::Error, None, "empty word"));
    assert!(has(&found, Severity::Error, None, "starts at `missing`"));
    assert!(has(&found, Severity::Warning, Some("b"), "no path"));
}

#[test]
fn trigger_entries_make_nodes_reachable() {
    let found = issues(json!({
        "triggers": [{ "type": "keyword", "words": ["x"] }, { "type": "keyword", "words": ["y"], "start": "b" }],
        "start": "a",
        "nodes": [{ "id": "a", "type": "end" }, { "id": "b", "type": "message", "text": "b", "next": "c" }, { "id": "c", "type": "end" }]
    }));
    assert_eq!(summary(&found), vec![]);
}

#[test]
fn content_errors() {
    let long = "x".repeat(MAX_TEXT_CHARS + 1);
    let many: Vec<_> = (0..14).map(|i| json!({ "title": format!("b{i}") })).collect();
    let found = issues(json!({
        "triggers": [{ "type": "any_message" }],
        "start": "a",
        "nodes": [
            { "id": "a", "type": "message", "text": long, "next": "b" },
            { "id": "b", "type": "message", "text": "{{vars.unset}} {{guest.x}} {{vars.v | shout}} {{ broken stuff }}", "quick_replies": many, "next": "c" },
            { "id": "c", "type": "ask", "kind": "choice", "var": "v", "text": "?", "next": "d" },
            { "id": "d", "type": "message", "text": "ok", "quick_replies": [{ "title": "A title that is far too long" }, { "title": " " }] }
        ]
    }));
    assert!(has(&found, Severity::Error, Some("a"), "1001 characters"));
    assert!(has(&found, Severity::Error, Some("b"), "`vars.unset` is never set"));
    assert!(has(&found, Severity::Error, Some("b"), "guest.x"));
    assert!(has(&found, Severity::Error, Some("b"), "unknown filter `shout`"));
    assert!(has(&found, Severity::Error, Some("b"), "malformed placeholder `{{ broken stuff }}`"));
    assert!(has(&found, Severity::Error, Some("b"), "14 quick replies"));
    assert!(has(&found, Severity::Error, Some("c"), "needs choices"));
    assert!(has(&found, Severity::Error, Some("d"), "far too long"));
    assert!(has(&found, Severity::Error, Some("d"), "empty title"));
}

#[test]
fn tags_that_do_not_parse_are_errors() {
    let found = issues(json!({
        "triggers": [{ "type": "any_message" }],
        "start": "t",
        "nodes": [
            { "id": "t", "type": "tag", "add": ["ok", "x/../../team/members/1/remove?"], "remove": ["a#b"], "next": "c" },
            { "id": "c", "type": "condition", "rules": [{ "if": "has_tag", "tag": "?", "next": "e" }] },
            { "id": "e", "type": "end" }
        ]
    }));
    assert!(has(&found, Severity::Error, Some("t"), "is not a tag"));
    assert_eq!(found.iter().filter(|i| i.node.as_deref() == Some("t")).count(), 2, "{found:?}");
    assert!(has(&found, Severity::Error, Some("c"), "\"?\" is not a tag"));
}

#[test]
fn vars_from_reserve_and_cancel_resolve() {
    let found = issues(json!({
        "triggers": [{ "type": "any_message" }],
        "start": "r",
        "nodes": [
            { "id": "r", "type": "reserve", "next": "m", "on_unavailable": "m" },
            { "id": "m", "type": "message", "text": "{{vars.alternatives}} {{vars.unavailable_reason}} {{vars.reservation_id}} {{reservation.time}}" }
        ]
    }));
    assert_eq!(summary(&found), vec![]);
}

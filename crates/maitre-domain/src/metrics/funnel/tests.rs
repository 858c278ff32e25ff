use serde_json::json;

use super::*;

fn def() -> FlowDef {
    serde_json::from_value(json!({
        "triggers": [{"type": "keyword", "words": ["go"]}],
        "start": "hello",
        "nodes": [
            {"id": "later", "type": "message", "text": "Never reached from the start"},
            {"id": "ask", "type": "ask", "kind": "text", "var": "x", "text": "Name?", "next": "end"},
            {"id": "hello", "type": "message", "text": "Hallo {{contact.name}}!", "next": "check"},
            {"id": "check", "type": "condition", "rules": [], "otherwise": "ask"},
            {"id": "end", "type": "handoff"}
        ]
    }))
    .unwrap()
}

fn entered(node: &str) -> Stage {
    Stage::Entered(node.into())
}

#[test]
fn steps_follow_the_flow_from_its_start_leave_inner_workings_out_and_older_nodes_come_last() {
    let counts = [
        (Stage::Started, 10),
        (entered("ask"), 6),
        (entered("hello"), 10),
        (entered("check"), 10),
        (entered("gone"), 2),
        (entered("later"), 1),
        (Stage::Answered("ask".into()), 4),
        (entered("end"), 4),
        (Stage::Completed, 4),
    ];
    let f = Funnel::new(&def(), &counts);
    let order: Vec<(&str, Option<&str>)> = f.steps.iter().map(|s| (s.node.as_str(), s.kind)).collect();
    assert_eq!(
        order,
        [
            ("hello", Some("message")),
            ("ask", Some("ask")),
            ("end", Some("handoff")),
            ("later", Some("message")),
            ("gone", None)
        ],
        "the condition is the flow's inner working"
    );
    assert_eq!(f.steps[0].text, "Hallo …!", "placeholders in outline");
    let ask = &f.steps[1];
    assert_eq!((ask.text.as_str(), ask.entered, ask.answered, ask.dropped()), ("Name?", 6, Some(4), Some(2)));
    assert_eq!((f.steps[0].answered, f.steps[0].dropped()), (None, None), "a message without buttons waits for nobody");
    assert_eq!((f.started, f.completed, f.booked), (10, 4, 0));
}

#[test]
fn counts_of_one_stage_add_up_and_steps_no_run_entered_are_left_out() {
    let counts = [(Stage::Started, 2), (Stage::Started, 3), (entered("hello"), 5), (entered("ask"), 0)];
    let f = Funnel::new(&def(), &counts);
    assert_eq!(f.started, 5);
    assert_eq!(f.steps.iter().map(|s| s.node.as_str()).collect::<Vec<_>>(), ["hello"]);
}

#[test]
fn stages_read_back_from_their_words() {
    for stage in [Stage::Started, entered("a:b"), Stage::Answered("q".into()), Stage::Completed, Stage::Booked] {
        assert_eq!(Stage::parse(&stage.word()), Some(stage));
    }
    for word in ["", "entered", "left:x", "Completed"] {
        assert_eq!(Stage::parse(word), None, "{word}");
    }
}

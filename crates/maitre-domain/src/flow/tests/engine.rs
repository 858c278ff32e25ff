//! Selection, interruption, timers, budget and flow jumps through `handle`.
use serde_json::json;

use super::*;

fn ask_flow(trigger_words: &[&str], interruptible: bool) -> FlowDef {
    serde_json::from_value(json!({
        "triggers": [{ "type": "keyword", "words": trigger_words }],
        "start": "q",
        "settings": { "interruptible": interruptible },
        "nodes": [
            { "id": "q", "type": "ask", "kind": "text", "var": "answer", "text": "Frage?", "next": "done" },
            { "id": "done", "type": "message", "text": "Antwort: {{vars.answer}}" }
        ]
    }))
    .unwrap()
}

#[test]
fn nothing_happens_without_a_run_or_a_match() {
    let def = ask_flow(&["go"], true);
    let c = Ctx::default();
    let out = Convo::new(&def).say("hallo", &c.get());
    assert_eq!(out, Outcome { state: None, actions: vec![], ended_vars: None, passages: vec![] });
}

#[test]
fn opt_out_ends_the_run() {
    let def = ask_flow(&["go"], false);
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    let out = convo.say("STOP", &c.get());
    assert_eq!(out.actions, vec![Action::OptOut { word: "stop".into() }]);
    assert_eq!(out.state, None);
}

fn two_flows<'a>(running: &'a FlowDef, other: &'a FlowDef) -> [Candidate<'a>; 2] {
    [Candidate { flow_id: "run", version: 1, def: running }, Candidate { flow_id: "other", version: 3, def: other }]
}

#[test]
fn another_flows_keyword_interrupts_only_interruptible_runs() {
    let other = ask_flow(&["menu"], true);
    let c = Ctx::default();
    for interruptible in [true, false] {
        let running = ask_flow(&["go"], interruptible);
        let flows = two_flows(&running, &other);
        let started = handle(&flows, None, &text("go"), &c.get()).state.unwrap();
        let out = handle(&flows, Some((&started, &running)), &text("menu"), &c.get());
        if interruptible {
            let state = out.state.unwrap();
            assert_eq!((state.flow_id.as_str(), state.version), ("other", 3));
            assert_eq!(sent(&out.actions), vec!["Frage?"]);
        } else {
            assert_eq!(out.state, None);
            assert_eq!(sent(&out.actions), vec!["Antwort: menu"]);
        }
    }
}

#[test]
fn a_start_input_ends_the_run_and_begins_the_named_flow_whatever_its_triggers() {
    let running = ask_flow(&["go"], false);
    let other = ask_flow(&["menu"], false);
    let flows = two_flows(&running, &other);
    let c = Ctx::default();
    let started = handle(&flows, None, &text("go"), &c.get()).state.unwrap();
    let restart = Input::Start { flow: "other".into() };
    let out = handle(&flows, Some((&started, &running)), &restart, &c.get());
    let state = out.state.unwrap();
    assert_eq!((state.flow_id.as_str(), state.node.as_str()), ("other", "q"));
    assert_eq!(sent(&out.actions), vec!["Frage?"]);
    let gone = Input::Start { flow: "deleted".into() };
    let out = handle(&flows, Some((&started, &running)), &gone, &c.get());
    assert_eq!((out.state, out.actions), (None, vec![]), "an unknown flow ends the run and starts nothing");
}

#[test]
fn catch_all_triggers_never_interrupt() {
    let running = ask_flow(&["go"], true);
    let other: FlowDef = serde_json::from_value(json!({
        "triggers": [{ "type": "any_message" }, { "type": "fallback" }, { "type": "first_message" }],
        "start": "a", "nodes": [{ "id": "a", "type": "message", "text": "Willkommen" }]
    }))
    .unwrap();
    let flows = two_flows(&running, &other);
    let c = Ctx { is_new: true, ..Ctx::default() };
    let started = handle(&flows, None, &text("go"), &c.get()).state.unwrap();
    let out = handle(&flows, Some((&started, &running)), &text("egal"), &c.get());
    assert_eq!(sent(&out.actions), vec!["Antwort: egal"]);
}

#[test]
fn own_keyword_interrupts_only_with_an_entry_of_its_own() {
    let def: FlowDef = serde_json::from_value(json!({
        "triggers": [
            { "type": "keyword", "words": ["tisch"] },
            { "type": "keyword", "words": ["nochmal"], "start": "q" },
            { "type": "keyword", "words": ["stornieren"], "start": "cancel" }
        ],
        "start": "q",
        "nodes": [
            { "id": "q", "type": "ask", "kind": "text", "var": "answer", "text": "Frage?", "next": "q2" },
            { "id": "q2", "type": "ask", "kind": "text", "var": "more", "text": "Noch was?", "next": "done" },
            { "id": "done", "type": "message", "text": "Antwort: {{vars.answer}}, {{vars.more}}" },
            { "id": "cancel", "type": "message", "text": "Storno" }
        ]
    }))
    .unwrap();
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("tisch", &c.get());
    convo.say("eins", &c.get());
    // Restarting at the start would lose the answers so far: "Tisch für 4" answers the question.
    assert_eq!(sent(&convo.say("Tisch für 4", &c.get()).actions), vec!["Antwort: eins, Tisch für 4"]);
    convo.say("tisch", &c.get());
    convo.say("eins", &c.get());
    assert_eq!(sent(&convo.say("nochmal", &c.get()).actions), vec!["Antwort: eins, nochmal"]);
    convo.say("tisch", &c.get());
    assert_eq!(sent(&convo.say("bitte stornieren", &c.get()).actions), vec!["Storno"]);
}

#[test]
fn pressing_a_button_of_the_waiting_node_beats_other_triggers() {
    let running: FlowDef = serde_json::from_value(json!({
        "triggers": [{ "type": "keyword", "words": ["go"] }],
        "start": "m",
        "nodes": [
            { "id": "m", "type": "message", "text": "Wähle", "quick_replies": [{ "title": "Menü", "value": "MENU", "next": "x" }] },
            { "id": "x", "type": "message", "text": "gewählt" }
        ]
    }))
    .unwrap();
    let other: FlowDef = serde_json::from_value(json!({
        "triggers": [{ "type": "payload", "payload": "MENU" }],
        "start": "a", "nodes": [{ "id": "a", "type": "message", "text": "anderer Flow" }]
    }))
    .unwrap();
    let flows = two_flows(&running, &other);
    let c = Ctx::default();
    let started = handle(&flows, None, &text("go"), &c.get()).state.unwrap();
    let out = handle(&flows, Some((&started, &running)), &press("Menü", "MENU"), &c.get());
    assert_eq!(sent(&out.actions), vec!["gewählt"]);
}

#[test]
fn stale_timers_and_unexpected_inputs_leave_the_run_alone() {
    let def = flow(
        "d",
        json!([{ "id": "d", "type": "delay", "minutes": 30, "next": "m" }, { "id": "m", "type": "message", "text": "später" }]),
    );
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    let out = convo.say("go", &c.get());
    let Action::Schedule { at, token } = out.actions[0].clone() else { panic!("{out:?}") };
    assert_eq!(at, now() + TimeDelta::minutes(30));
    let waiting = convo.state.clone().unwrap();
    assert_eq!(waiting.timer.as_deref(), Some(token.as_str()));
    for input in [
        Input::Timer { token: "old".into() },
        text("hallo?"),
        Input::Reservation { outcome: ReservationOutcome::NoReservation },
        Input::Event { name: "x".into() },
    ] {
        let out = convo.step(&input, &c.get());
        assert_eq!(out, Outcome { state: Some(waiting.clone()), actions: vec![], ended_vars: None, passages: vec![] });
    }
    let out = convo.step(&Input::Timer { token }, &c.get());
    assert_eq!(sent(&out.actions), vec!["später"]);
    assert_eq!(out.state, None);
}

#[test]
fn a_loop_without_waiting_ends_within_the_budget() {
    let def = flow(
        "a",
        json!([
            { "id": "a", "type": "set", "var": "x", "value": "1", "next": "b" },
            { "id": "b", "type": "message", "text": "tick", "next": "a" }
        ]),
    );
    let c = Ctx::default();
    let out = Convo::new(&def).say("go", &c.get());
    assert_eq!(out.state, None);
    assert_eq!(sent(&out.actions).len(), STEP_BUDGET / 2);
}

#[test]
fn goto_flow_continues_in_the_other_flow() {
    let router = flow("g", json!([{ "id": "g", "type": "goto_flow", "flow": "booking" }]));
    let booking: FlowDef = serde_json::from_value(json!({
        "start": "q",
        "nodes": [{ "id": "q", "type": "ask", "kind": "date", "var": "date", "text": "Wann?", "next": "m" },
                  { "id": "m", "type": "message", "text": "Am {{vars.date}} um {{vars.time}}" }]
    }))
    .unwrap();
    let flows = [
        Candidate { flow_id: "router", version: 1, def: &router },
        Candidate { flow_id: "booking", version: 7, def: &booking },
    ];
    let c = Ctx::default();
    // The message that started the router answers the booking flow's date question.
    let out = handle(&flows, None, &text("go morgen um 19 Uhr"), &c.get());
    assert_eq!(sent(&out.actions), vec!["Am Mi., 11.03.2026 um 19:00"]);
    let out = handle(&flows, None, &text("go"), &c.get());
    let state = out.state.unwrap();
    assert_eq!((state.flow_id.as_str(), state.version, state.node.as_str()), ("booking", 7, "q"));

    let lost = flow("g", json!([{ "id": "g", "type": "goto_flow", "flow": "nowhere" }]));
    let out = Convo::new(&lost).say("go", &c.get());
    assert_eq!(out.state, None);
}

#[test]
fn start_runs_a_flow_without_its_trigger() {
    let def = ask_flow(&["go"], true);
    let flows = [Candidate { flow_id: "f", version: 1, def: &def }];
    let c = Ctx::default();
    let out = start(&flows, "f", None, &c.get());
    assert_eq!(sent(&out.actions), vec!["Frage?"]);
    assert_eq!(start(&flows, "missing", None, &c.get()).state, None);
}

#[test]
fn a_run_whose_node_vanished_ends() {
    let def = ask_flow(&["go"], true);
    let c = Ctx::default();
    let mut state = Convo::new(&def).say("go", &c.get()).state.unwrap();
    state.node = "gone".into();
    let flows = [Candidate { flow_id: "f", version: 1, def: &def }];
    let out = handle(&flows, Some((&state, &def)), &text("x"), &c.get());
    assert_eq!(out.state, None);
    assert!(out.actions.is_empty());
}

#[test]
fn state_round_trips_through_json() {
    let def = ask_flow(&["go"], true);
    let c = Ctx::default();
    let state = Convo::new(&def).say("go", &c.get()).state.unwrap();
    let json = serde_json::to_string(&state).unwrap();
    assert_eq!(serde_json::from_str::<RunState>(&json).unwrap(), state);
    let legacy: Wait = serde_json::from_str(r#"{"for":"choice"}"#).unwrap();
    assert_eq!(legacy, Wait::Choice { resent: false });
}

//! Random small flows (with cycles, dangling edges, unknown flows, bad regexes) and random inputs: `handle` never
//! panics, stays within its step budget, waits only at real nodes, and is deterministic.
use proptest::prelude::*;
use serde_json::{Value as Json, json};

use super::*;

const IDS: [&str; 6] = ["a", "b", "c", "d", "e", "dangling"];
const WORDS: [&str; 8] = ["tisch", "stop", "morgen um 8", "1", "Anna Schmidt", "(", "für 4", ""];

fn id() -> impl Strategy<Value = String> {
    prop::sample::select(&IDS[..]).prop_map(str::to_owned)
}

fn next() -> impl Strategy<Value = Option<String>> {
    prop::option::of(id())
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(&WORDS[..]).prop_map(str::to_owned)
}

fn choices() -> impl Strategy<Value = Json> {
    prop::collection::vec((word(), next()), 0..3)
        .prop_map(|cs| cs.into_iter().map(|(t, n)| json!({ "title": t, "next": n })).collect())
}

fn kind() -> impl Strategy<Value = Json> {
    let var_kind = prop::sample::select(
        &["text", "number", "choice", "date", "time", "date_time", "party_size", "name", "phone", "email"][..],
    );
    prop_oneof![
        (word(), choices(), next())
            .prop_map(|(t, q, n)| json!({ "type": "message", "text": t, "quick_replies": q, "next": n })),
        (var_kind, choices(), next(), 0..3u32, next(), prop::option::of((0..3u32, next()))).prop_map(
            |(k, c, n, retries, on_max, no_answer)| {
                let no_answer = no_answer.map(|(m, n)| json!({ "after_minutes": m, "nudge": "?", "next": n }));
                json!({ "type": "ask", "kind": k, "var": "date", "text": "{{vars.date}}", "choices": c, "next": n,
                        "max_retries": retries, "on_max_retries": on_max, "no_answer": no_answer })
            }
        ),
        (id(), next()).prop_map(|(to, otherwise)| json!({ "type": "condition", "otherwise": otherwise, "rules": [
            { "if": "var_set", "var": "date", "next": to }, { "if": "available", "next": to },
            { "if": "is_open", "date_var": "date", "time_var": "time", "next": to }] })),
        next().prop_map(|n| json!({ "type": "set", "var": "time", "value": "20:00", "next": n })),
        next().prop_map(|n| json!({ "type": "tag", "add": ["x"], "next": n })),
        (next(), next()).prop_map(|(n, u)| json!({ "type": "reserve", "next": n, "on_unavailable": u })),
        (next(), next()).prop_map(|(n, u)| json!({ "type": "modify_reservation", "next": n, "on_unavailable": u })),
        (next(), next()).prop_map(|(n, u)| json!({ "type": "cancel_reservation", "next": n, "on_none": u })),
        Just(json!({ "type": "handoff" })),
        (0..5u32, id()).prop_map(|(m, n)| json!({ "type": "delay", "minutes": m, "next": n })),
        prop::sample::select(&["f", "g", "unknown"][..]).prop_map(|f| json!({ "type": "goto_flow", "flow": f })),
        next().prop_map(|n| json!({ "type": "ai", "prompt": "p", "fallback": "f", "next": n })),
        Just(json!({ "type": "end" })),
    ]
}

fn trigger() -> impl Strategy<Value = Json> {
    let mode = prop::sample::select(&["exact", "contains", "whole_word", "regex"][..]);
    prop_oneof![
        2 => (word(), mode, -1..2i32, next())
            .prop_map(|(w, m, p, s)| json!({ "type": "keyword", "words": [w], "mode": m, "priority": p, "start": s })),
        3 => Just(json!({ "type": "any_message" })),
        1 => Just(json!({ "type": "fallback" })),
        1 => Just(json!({ "type": "payload", "payload": "P" })),
        1 => Just(json!({ "type": "event", "name": "e" })),
    ]
}

/// Mostly the first node, sometimes a missing one.
fn start() -> impl Strategy<Value = String> {
    prop_oneof![3 => Just("a".to_owned()), 1 => id()]
}

fn flow_def() -> impl Strategy<Value = FlowDef> {
    (prop::collection::vec(trigger(), 0..4), prop::collection::vec(kind(), 1..6), start(), any::<bool>()).prop_map(
        |(triggers, kinds, start, interruptible)| {
            let nodes: Vec<Json> = kinds
                .into_iter()
                .zip(IDS)
                .map(|(mut k, id)| {
                    k["id"] = json!(id);
                    k
                })
                .collect();
            let def = json!({ "triggers": triggers, "start": start, "nodes": nodes,
                              "settings": { "interruptible": interruptible, "max_retries": 1 } });
            serde_json::from_value(def).unwrap()
        },
    )
}

fn input() -> impl Strategy<Value = Input> {
    let outcome = prop_oneof![
        Just(ReservationOutcome::Booked { reservation: reservation("r", at(11, 20, 0), 2) }),
        Just(ReservationOutcome::Cancelled { reservation: reservation("r", at(11, 20, 0), 2) }),
        Just(ReservationOutcome::Unavailable { check: SlotCheck::Full { alternatives: vec![at(11, 21, 0)] } }),
        Just(ReservationOutcome::NoReservation),
    ];
    prop_oneof![
        4 => word().prop_map(|t| text(&t)),
        1 => word().prop_map(|t| press(&t, "P")),
        1 => Just(Input::Timer { token: "stale".into() }),
        // Stands for "the timer the run waits for"; replaced by the current token below.
        2 => Just(Input::Timer { token: String::new() }),
        2 => outcome.prop_map(|outcome| Input::Reservation { outcome }),
        1 => Just(Input::Event { name: "e".into() }),
    ]
}

/// Feeds `inputs` through `handle` and returns every outcome.
fn converse(f: &FlowDef, g: &FlowDef, inputs: &[Input], c: &Ctx) -> Vec<Outcome> {
    let flows = [Candidate { flow_id: "f", version: 1, def: f }, Candidate { flow_id: "g", version: 2, def: g }];
    let mut state: Option<RunState> = None;
    let mut outcomes = Vec::new();
    for input in inputs {
        let input = match (input, &state) {
            (Input::Timer { token }, Some(s)) if token.is_empty() => {
                Input::Timer { token: s.timer.clone().unwrap_or_default() }
            }
            _ => input.clone(),
        };
        let running = state.as_ref().and_then(|s| flows.iter().find(|c| c.flow_id == s.flow_id).map(|c| (s, c.def)));
        let out = handle(&flows, running, &input, &c.get());
        state.clone_from(&out.state);
        outcomes.push(out);
    }
    outcomes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn handle_is_total_bounded_and_deterministic(
        f in flow_def(),
        g in flow_def(),
        inputs in prop::collection::vec(input(), 1..12),
        with_reservation in any::<bool>(),
    ) {
        let c = Ctx {
            reservation: with_reservation.then(|| reservation("r", at(12, 19, 0), 2)),
            calendar: Calendar { full: vec![at(11, 20, 0)] },
            ..Ctx::default()
        };
        let first = converse(&f, &g, &inputs, &c);
        for out in &first {
            // A node emits at most two actions (a question and its timer; a captured contact field and a reply).
            prop_assert!(out.actions.len() <= 2 * STEP_BUDGET + 1, "{} actions", out.actions.len());
            if let Some(s) = &out.state {
                let def = if s.flow_id == "f" { &f } else { &g };
                prop_assert!(def.nodes.iter().any(|n| n.id == s.node), "waits at a missing node {}", s.node);
                prop_assert!(s.wait.is_some());
            }
        }
        prop_assert_eq!(first, converse(&f, &g, &inputs, &c));
    }

    #[test]
    fn validate_and_render_never_panic(f in flow_def(), t in ".{0,40}") {
        let _ = validate(&f, &["f"]);
        let vars = Default::default();
        let scope = Scope { locale: Locale::Fr, contact_name: "", account_name: "", review_link: None, vars: &vars, reservation: None };
        let _ = render(&t, &scope);
        let _ = placeholders(&t);
        let _ = normalize(&t);
    }
}

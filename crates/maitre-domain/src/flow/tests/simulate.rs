use serde_json::json;

use super::*;

fn def() -> FlowDef {
    serde_json::from_value(json!({
        "triggers": [{ "type": "keyword", "words": ["tisch"] }, { "type": "keyword", "words": ["ändern"], "start": "when" }],
        "start": "q",
        "nodes": [
            { "id": "q", "type": "ask", "kind": "date_time", "var": "when", "text": "Wann?", "next": "r",
              "no_answer": { "after_minutes": 30, "nudge": "Noch da?" } },
            { "id": "r", "type": "reserve", "next": "ok", "on_unavailable": "full" },
            { "id": "ok", "type": "message", "text": "Gebucht: {{reservation.starts_at}}" },
            { "id": "full", "type": "message", "text": "Voll" },
            { "id": "when", "type": "ask", "kind": "time", "var": "time", "text": "Neue Uhrzeit?", "next": "m" },
            { "id": "m", "type": "modify_reservation", "next": "moved", "on_unavailable": "full" },
            { "id": "moved", "type": "message", "text": "Verschoben: {{reservation.starts_at}}" }
        ],
        "tests": [
            { "name": "passes", "inputs": ["tisch", "morgen um 19 Uhr"], "expect_replies": ["Wann?", "Gebucht"],
              "expect_vars": { "time": "19:00", "when": "2026-03-11T19:00" }, "expect_reservation": true },
            { "name": "fails", "inputs": ["tisch", "morgen um 19 Uhr"], "expect_replies": ["Gebucht", "Wann?"],
              "expect_vars": { "time": "20:00", "nope": "x" } },
            { "name": "no booking", "inputs": ["tisch"], "expect_reservation": true }
        ]
    }))
    .unwrap()
}

fn env<'a>(flows: &'a [Candidate<'a>], calendar: &'a Calendar) -> SimEnv<'a> {
    SimEnv { flows, tz: TZ, locale: Locale::De, account_name: "Trattoria", review_link: None, availability: calendar }
}

#[test]
fn books_and_moves_a_reservation() {
    let d = def();
    let flows = [Candidate { flow_id: "f", version: 1, def: &d }];
    let calendar = Calendar::default();
    let env = env(&flows, &calendar);
    let mut sim = Simulator::new(now(), "Anna");
    let turn = sim.send(&env, "tisch bitte");
    assert_eq!(turn.replies[0].text, "Wann?");
    assert_eq!((turn.flow.as_deref(), turn.node.as_deref()), (Some("f"), Some("q")));
    let turn = sim.send(&env, "morgen um 19 Uhr");
    assert_eq!(turn.replies[0].text, "Gebucht: Mi., 11.03.2026 um 19:00");
    assert_eq!(turn.booked.as_ref().unwrap().id, "sim-1");
    assert_eq!(turn.vars["when"], Value::DateTime(at(11, 19, 0)));
    assert_eq!(turn.flow, None);

    sim.send(&env, "ändern");
    let turn = sim.send(&env, "21 Uhr");
    assert_eq!(turn.replies[0].text, "Verschoben: Mi., 11.03.2026 um 21:00");
    assert_eq!(sim.reservation.as_ref().unwrap().starts_at, at(11, 21, 0));
    assert_eq!(sim.bookings, 2);
}

#[test]
fn unavailable_slots_are_not_booked() {
    let d = def();
    let flows = [Candidate { flow_id: "f", version: 1, def: &d }];
    let calendar = Calendar { full: vec![at(11, 19, 0)] };
    let env = env(&flows, &calendar);
    let mut sim = Simulator::new(now(), "Anna");
    sim.send(&env, "tisch");
    let turn = sim.send(&env, "morgen um 19 Uhr");
    assert_eq!(turn.replies[0].text, "Voll");
    assert!(turn.booked.is_none() && sim.reservation.is_none());
}

#[test]
fn timers_fire_only_when_asked_and_state_round_trips() {
    let d = def();
    let flows = [Candidate { flow_id: "f", version: 1, def: &d }];
    let calendar = Calendar::default();
    let env = env(&flows, &calendar);
    let mut sim = Simulator::new(now(), "Anna");
    sim.send(&env, "tisch");
    assert_eq!(sim.timers.len(), 1);

    let json = serde_json::to_string(&sim).unwrap();
    let mut sim: Simulator = serde_json::from_str(&json).unwrap();
    let turn = sim.advance(&env).unwrap();
    assert_eq!(turn.replies[0].text, "Noch da?");
    assert_eq!(sim.now, now() + TimeDelta::minutes(30));
    let turn = sim.advance(&env).unwrap();
    assert!(turn.replies.is_empty());
    assert!(sim.run.is_none());
    assert!(sim.advance(&env).is_none());
}

#[test]
fn opting_out_silences_the_conversation() {
    let d = def();
    let flows = [Candidate { flow_id: "f", version: 1, def: &d }];
    let calendar = Calendar::default();
    let env = env(&flows, &calendar);
    let mut sim = Simulator::new(now(), "Anna");
    sim.send(&env, "tisch");
    let turn = sim.send(&env, "Stop");
    assert_eq!(turn.actions, vec![Action::OptOut { word: "stop".into() }]);
    assert!(sim.opted_out && sim.run.is_none());
    assert_eq!(sim.send(&env, "tisch"), Turn::default());
}

#[test]
fn run_tests_reports_each_failure() {
    let d = def();
    let flows = [Candidate { flow_id: "f", version: 1, def: &d }];
    let calendar = Calendar::default();
    let results = run_tests(&env(&flows, &calendar), "f", now());
    let summary: Vec<(&str, bool, usize)> =
        results.iter().map(|r| (r.name.as_str(), r.passed, r.failures.len())).collect();
    assert_eq!(summary, vec![("passes", true, 0), ("fails", false, 3), ("no booking", false, 1)]);
    assert!(results[1].failures[0].contains("\"Wann?\""), "{:?}", results[1].failures);
    assert!(run_tests(&env(&flows, &calendar), "unknown", now()).is_empty());
}

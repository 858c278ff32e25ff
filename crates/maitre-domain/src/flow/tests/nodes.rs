//! What each node kind does.
use serde_json::json;

use super::*;

fn buttons() -> FlowDef {
    flow(
        "m",
        json!([
            { "id": "m", "type": "message", "text": "Wie war's, {{contact.first_name}}?", "next": "after",
              "quick_replies": [{ "title": "Super", "value": "GOOD", "next": "good" }, { "title": "Na ja" }] },
            { "id": "good", "type": "message", "text": "Freut uns" },
            { "id": "after", "type": "message", "text": "Danke trotzdem" }
        ]),
    )
}

#[test]
fn message_buttons_wait_for_a_press() {
    let def = buttons();
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    let out = convo.say("go", &c.get());
    let expected = Reply {
        text: "Wie war's, Anna?".into(),
        quick_replies: vec![("Super".into(), "GOOD".into()), ("Na ja".into(), "Na ja".into())],
    };
    assert_eq!(out.actions, vec![Action::Send(expected)]);
    assert_eq!(out.state.unwrap().wait, Some(Wait::Choice { resent: false }));
    assert_eq!(sent(&convo.step(&press("Super", "GOOD"), &c.get()).actions), vec!["Freut uns"]);

    // A button without its own `next` continues at the message's.
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    assert_eq!(sent(&convo.say("2", &c.get()).actions), vec!["Danke trotzdem"]);
}

#[test]
fn unknown_input_resends_once_then_moves_on() {
    let def = buttons();
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    let out = convo.say("was?", &c.get());
    assert_eq!(sent(&out.actions), vec!["Wie war's, Anna?"]);
    assert_eq!(out.state.unwrap().wait, Some(Wait::Choice { resent: true }));
    let out = convo.say("immer noch was?", &c.get());
    assert_eq!(sent(&out.actions), vec!["Danke trotzdem"]);
    assert_eq!(out.state, None);
}

#[test]
fn message_without_branching_buttons_continues() {
    let def = flow(
        "m",
        json!([
            { "id": "m", "type": "message", "text": "Hallo", "quick_replies": [{ "title": "Menü" }], "next": "n" },
            { "id": "n", "type": "message", "text": "Weiter" }
        ]),
    );
    let c = Ctx::default();
    let out = Convo::new(&def).say("go", &c.get());
    assert_eq!(sent(&out.actions), vec!["Hallo", "Weiter"]);
    assert_eq!(out.state, None);
    assert!(out.ended_vars.is_some());
}

fn question(kind: &str, extra: serde_json::Value) -> FlowDef {
    let mut ask = json!({ "id": "q", "type": "ask", "kind": kind, "var": "v", "text": "Frage?", "next": "done" });
    ask.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    flow("q", json!([ask, { "id": "done", "type": "message", "text": "ok {{vars.v}}" }]))
}

#[test]
fn invalid_answers_reprompt_then_hand_off() {
    let def = question("number", json!({}));
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    assert_eq!(sent(&convo.say("go", &c.get()).actions), vec!["Frage?"]);
    for retries in 1..=2 {
        let out = convo.say("viele", &c.get());
        assert_eq!(sent(&out.actions), vec!["Das habe ich leider nicht verstanden.\nFrage?"]);
        assert_eq!(out.state.unwrap().wait, Some(Wait::Answer { retries, nudged: false }));
    }
    let out = convo.say("viele", &c.get());
    assert_eq!(out.actions, vec![Action::Handoff { note: None }]);
    assert_eq!(out.state, None);
}

#[test]
fn custom_reprompt_retries_and_branch() {
    let def: FlowDef = {
        let mut d =
            question("number", json!({ "reprompt": "Bitte eine Zahl.", "max_retries": 1, "on_max_retries": "done" }));
        d.settings.max_retries = 5;
        d
    };
    let c = Ctx { locale: Locale::En, ..Ctx::default() };
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    assert_eq!(sent(&convo.say("x", &c.get()).actions), vec!["Bitte eine Zahl."]);
    assert_eq!(sent(&convo.say("x", &c.get()).actions), vec!["ok "]);
}

#[test]
fn valid_answers_are_captured_and_contact_fields_stored() {
    let def = question("email", json!({}));
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    let out = convo.say("anna@example.com", &c.get());
    assert_eq!(
        out.actions,
        vec![
            Action::SetContact { field: "email".into(), value: "anna@example.com".into() },
            Action::Send(Reply { text: "ok anna@example.com".into(), quick_replies: vec![] }),
        ]
    );
    assert_eq!(out.ended_vars.unwrap()["v"], Value::Text("anna@example.com".into()));
}

#[test]
fn the_opening_message_answers_only_a_first_date_like_question() {
    let c = Ctx::default();
    let date = question("date", json!({}));
    let out = Convo::new(&date).say("go Samstag um 8 für 4", &c.get());
    let vars = out.ended_vars.unwrap();
    assert_eq!(vars["v"], Value::Date(day(14)));
    assert_eq!(vars["time"], Value::Time(at(14, 20, 0).time()));
    assert_eq!(vars["party_size"], Value::Number(4));
    // Without a date the question is asked, and no retry is counted.
    let out = Convo::new(&date).say("go", &c.get());
    assert_eq!(out.state.unwrap().wait, Some(Wait::Answer { retries: 0, nudged: false }));
    // A text question never takes the opening message.
    let out = Convo::new(&question("text", json!({}))).say("go Samstag", &c.get());
    assert_eq!(sent(&out.actions), vec!["Frage?"]);
}

#[test]
fn no_answer_nudges_once_then_moves_on() {
    let def = question("text", json!({ "no_answer": { "after_minutes": 60, "nudge": "Noch da?", "next": "done" } }));
    let mut c = Ctx::default();
    let mut convo = Convo::new(&def);
    let token = |out: &Outcome| {
        out.actions.iter().find_map(|a| match a {
            Action::Schedule { at, token } => Some((*at, token.clone())),
            _ => None,
        })
    };
    let (at1, t1) = token(&convo.say("go", &c.get())).unwrap();
    assert_eq!(at1, now() + TimeDelta::hours(1));
    c.now = at1;
    let out = convo.step(&Input::Timer { token: t1.clone() }, &c.get());
    assert_eq!(sent(&out.actions), vec!["Noch da?"]);
    let (at2, t2) = token(&out).unwrap();
    assert_eq!(at2, at1 + TimeDelta::hours(1));
    assert_ne!(t1, t2);
    assert_eq!(out.state.unwrap().wait, Some(Wait::Answer { retries: 0, nudged: true }));
    // The first timer is stale now.
    assert!(convo.step(&Input::Timer { token: t1 }, &c.get()).actions.is_empty());
    c.now = at2;
    let out = convo.step(&Input::Timer { token: t2 }, &c.get());
    assert_eq!(sent(&out.actions), vec!["ok "]);
    assert_eq!(out.state, None);
}

#[test]
fn no_answer_without_next_ends_and_tokens_are_deterministic() {
    let def = question("text", json!({ "no_answer": { "after_minutes": 5 } }));
    let c = Ctx::default();
    let first = Convo::new(&def).say("go", &c.get());
    assert_eq!(first, Convo::new(&def).say("go", &c.get()));
    let mut convo = Convo::new(&def);
    let out = convo.say("go", &c.get());
    let token = out.state.unwrap().timer.unwrap();
    let out = convo.step(&Input::Timer { token }, &c.get());
    assert_eq!((out.state, out.actions), (None, vec![]));
}

fn branch(rules: serde_json::Value) -> FlowDef {
    flow(
        "c",
        json!([
            { "id": "c", "type": "condition", "rules": rules, "otherwise": "no" },
            { "id": "yes", "type": "message", "text": "ja" },
            { "id": "no", "type": "message", "text": "nein" }
        ]),
    )
}

/// Which branch `def`'s condition `c` takes with `vars` captured.
fn decide(def: &FlowDef, c: &Ctx, vars: &[(&str, Value)]) -> String {
    // Wake the run at a delay in front of the condition, so the vars are in place when it is entered.
    let mut detour = def.clone();
    detour
        .nodes
        .push(serde_json::from_value(json!({ "id": "w", "type": "delay", "minutes": 1, "next": "c" })).unwrap());
    let state = RunState {
        flow_id: "f".into(),
        version: 1,
        node: "w".into(),
        wait: Some(Wait::Timer),
        vars: vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        timer: Some("t".into()),
        started_at: now(),
    };
    let flows = [Candidate { flow_id: "f", version: 1, def: &detour }];
    sent(&handle(&flows, Some((&state, &detour)), &Input::Timer { token: "t".into() }, &c.get()).actions).join("")
}

#[test]
fn conditions() {
    let c = Ctx { tags: ["vip".to_string()].into(), ..Ctx::default() };
    let eq = branch(json!([{ "if": "var_equals", "var": "x", "value": "Café", "next": "yes" }]));
    assert_eq!(decide(&eq, &c, &[("x", Value::Text(" cafe ".into()))]), "ja");
    assert_eq!(decide(&eq, &c, &[("x", Value::Text("tee".into()))]), "nein");
    assert_eq!(decide(&eq, &c, &[]), "nein");

    let set = branch(json!([{ "if": "var_set", "var": "x", "next": "yes" }]));
    assert_eq!(decide(&set, &c, &[("x", Value::Number(0))]), "ja");
    assert_eq!(decide(&set, &c, &[("x", Value::Text(String::new()))]), "nein");

    let tag = branch(json!([{ "if": "has_tag", "tag": "vip", "next": "yes" }]));
    assert_eq!(decide(&tag, &c, &[]), "ja");
    assert_eq!(decide(&tag, &Ctx::default(), &[]), "nein");

    let open_now = branch(json!([{ "if": "is_open", "next": "yes" }]));
    assert_eq!(decide(&open_now, &c, &[]), "ja", "12:00 local");
    let night = Ctx { now: "2026-03-10T23:30:00Z".parse().unwrap(), ..Ctx::default() };
    assert_eq!(decide(&open_now, &night, &[]), "nein", "00:30 local");
    let open_then = branch(json!([{ "if": "is_open", "date_var": "date", "time_var": "time", "next": "yes" }]));
    let when = |h| [("date", Value::Date(day(12))), ("time", Value::Time(at(12, h, 0).time()))];
    assert_eq!(decide(&open_then, &night, &when(19)), "ja");
    assert_eq!(decide(&open_then, &c, &when(9)), "nein");

    let free = branch(json!([{ "if": "available", "next": "yes" }]));
    let full = Ctx { calendar: Calendar { full: vec![at(12, 19, 0)] }, ..Ctx::default() };
    let mut vars = when(19).to_vec();
    assert_eq!(decide(&free, &c, &vars), "ja");
    assert_eq!(decide(&free, &full, &vars), "nein");
    vars.push(("party_size", Value::Number(12)));
    assert_eq!(decide(&free, &c, &vars), "nein");
    assert_eq!(decide(&free, &c, &[]), "nein", "nothing captured");
}

#[test]
fn set_tag_ai_handoff_and_end() {
    let def = flow(
        "s",
        json!([
            { "id": "s", "type": "set", "var": "greeting", "value": "Hallo {{contact.first_name}}", "next": "t" },
            { "id": "t", "type": "tag", "add": ["lead"], "remove": ["cold"], "next": "a" },
            { "id": "a", "type": "ai", "prompt": "Antworte {{vars.greeting}}", "fallback": "{{vars.greeting}}!", "next": "h" },
            { "id": "h", "type": "handoff", "note": "für {{account.name}}" },
            { "id": "never", "type": "end" }
        ]),
    );
    let c = Ctx::default();
    let out = Convo::new(&def).say("go", &c.get());
    assert_eq!(
        out.actions,
        vec![
            Action::Tag { add: vec![tag("lead")], remove: vec![tag("cold")] },
            Action::Ai { prompt: "Antworte Hallo Anna".into(), fallback: "Hallo Anna!".into() },
            Action::Handoff { note: Some("für Trattoria Anna".into()) },
        ]
    );
    assert_eq!(out.state, None);
    assert_eq!(out.ended_vars.unwrap()["greeting"], Value::Text("Hallo Anna".into()));
}

#[test]
fn a_tag_node_never_makes_a_tag_that_could_bend_a_url() {
    let hostile = ["x/../../team/members/0190/remove?", "a#b", "a?b", "..", "a\\b"];
    let def = flow("t", json!([{ "id": "t", "type": "tag", "add": hostile, "remove": ["VIP", "a/b"] }]));
    let out = Convo::new(&def).say("go", &Ctx::default().get());
    assert_eq!(out.actions, vec![Action::Tag { add: vec![], remove: vec![tag("vip")] }]);
}

fn booking() -> FlowDef {
    flow(
        "q",
        json!([
            { "id": "q", "type": "ask", "kind": "date", "var": "date", "text": "Wann?", "next": "r" },
            { "id": "r", "type": "reserve", "phone_var": "phone", "next": "ok", "on_unavailable": "alt" },
            { "id": "ok", "type": "message", "text": "Gebucht {{reservation.id}}: {{reservation.starts_at}} für {{reservation.party_size}}" },
            { "id": "alt", "type": "message", "text": "[{{vars.unavailable_reason}}] {{vars.alternatives}}" }
        ]),
    )
}

#[test]
fn reserve_asks_the_caller_when_free_and_confirms_the_booking() {
    let def = booking();
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    let out = convo.say("go morgen um 19 Uhr zu dritt", &c.get());
    let req = crate::booking::ReservationRequest {
        starts_at: at(11, 19, 0),
        party_size: 3,
        service: None,
        name: "Anna Schmidt".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    assert_eq!(out.actions, vec![Action::Reserve(req)]);
    assert_eq!(out.state.as_ref().unwrap().wait, Some(Wait::Reservation));
    let booked = ReservationOutcome::Booked { reservation: reservation("r9", at(11, 19, 0), 3) };
    let out = convo.step(&Input::Reservation { outcome: booked }, &c.get());
    assert_eq!(sent(&out.actions), vec!["Gebucht r9: Mi., 11.03.2026 um 19:00 für 3"]);
    assert_eq!(out.ended_vars.unwrap()["reservation_id"], Value::Text("r9".into()));
}

#[test]
fn reserve_offers_alternatives_when_the_slot_is_not_free() {
    let def = booking();
    let full = Ctx { calendar: Calendar { full: vec![at(11, 19, 0)] }, ..Ctx::default() };
    let out = Convo::new(&def).say("go morgen um 19 Uhr", &full.get());
    assert_eq!(sent(&out.actions), vec!["[full] • Mi., 11.03. 19:30\n• Mi., 11.03. 20:00"]);
    let c = Ctx::default();
    let out = Convo::new(&def).say("go morgen um 9 Uhr morgens", &c.get());
    assert_eq!(sent(&out.actions), vec!["[closed] • Mi., 11.03. 18:00"]);
    let out = Convo::new(&def).say("go morgen um 19 Uhr mit 12 Personen", &c.get());
    assert_eq!(sent(&out.actions), vec!["[too_large] "]);
    let out = Convo::new(&def).say("go morgen", &c.get());
    assert_eq!(sent(&out.actions), vec!["[incomplete] "]);
}

#[test]
fn a_refused_booking_goes_to_the_unavailable_branch() {
    let def = booking();
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("go morgen um 19 Uhr", &c.get());
    let check = SlotCheck::Full { alternatives: vec![at(11, 21, 0)] };
    let out = convo.step(&Input::Reservation { outcome: ReservationOutcome::Unavailable { check } }, &c.get());
    assert_eq!(sent(&out.actions), vec!["[full] • Mi., 11.03. 21:00"]);
}

fn change() -> FlowDef {
    flow(
        "q",
        json!([
            { "id": "q", "type": "ask", "kind": "time", "var": "time", "text": "Neue Zeit?", "next": "m" },
            { "id": "m", "type": "modify_reservation", "next": "ok", "on_unavailable": "no" },
            { "id": "ok", "type": "message", "text": "Jetzt {{reservation.starts_at}}" },
            { "id": "no", "type": "message", "text": "nicht möglich ({{vars.unavailable_reason}})" },
            { "id": "x", "type": "cancel_reservation", "next": "cancelled", "on_none": "none" },
            { "id": "cancelled", "type": "message", "text": "Storniert: {{reservation.date}}" },
            { "id": "none", "type": "message", "text": "Keine Reservierung" }
        ]),
    )
}

#[test]
fn modify_moves_the_upcoming_reservation() {
    let def = change();
    let c = Ctx { reservation: Some(reservation("r1", at(14, 19, 0), 2)), ..Ctx::default() };
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    let out = convo.say("halb neun", &c.get());
    assert_eq!(
        out.actions,
        vec![Action::ModifyReservation { id: "r1".into(), starts_at: at(14, 20, 30), party_size: 2 }]
    );
    let moved = reservation("r1", at(14, 20, 30), 2);
    let out = convo.step(&Input::Reservation { outcome: ReservationOutcome::Booked { reservation: moved } }, &c.get());
    assert_eq!(sent(&out.actions), vec!["Jetzt Sa., 14.03.2026 um 20:30"]);

    // Without an upcoming reservation: the unavailable branch with reason "none".
    let c = Ctx::default();
    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    assert_eq!(sent(&convo.say("20 Uhr", &c.get()).actions), vec!["nicht möglich (none)"]);
}

#[test]
fn cancel_needs_a_reservation() {
    let mut def = change();
    def.start = "x".into();
    let c = Ctx { reservation: Some(reservation("r1", at(14, 19, 0), 2)), ..Ctx::default() };
    let mut convo = Convo::new(&def);
    let out = convo.say("go", &c.get());
    assert_eq!(out.actions, vec![Action::CancelReservation { id: "r1".into() }]);
    let cancelled = ReservationOutcome::Cancelled { reservation: reservation("r1", at(14, 19, 0), 2) };
    assert_eq!(
        sent(&convo.step(&Input::Reservation { outcome: cancelled }, &c.get()).actions),
        vec!["Storniert: Sa., 14.03.2026"]
    );

    let mut convo = Convo::new(&def);
    convo.say("go", &c.get());
    let out = convo.step(&Input::Reservation { outcome: ReservationOutcome::NoReservation }, &c.get());
    assert_eq!(sent(&out.actions), vec!["Keine Reservierung"]);
    let none = Ctx::default();
    assert_eq!(sent(&Convo::new(&def).say("go", &none.get()).actions), vec!["Keine Reservierung"]);
}

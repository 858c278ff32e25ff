//! The stages runs pass, and the funnel they add up to: guests who answer, stop, press buttons, book, are
//! interrupted or opt out.
use std::collections::BTreeSet;

use serde_json::json;

use super::*;
use crate::metrics::funnel::{Funnel, FunnelStep};

/// Asks the party size, offers two buttons (terrace leads on, "no thanks" ends), then books.
fn booking() -> FlowDef {
    flow(
        "party",
        json!([
            {"id": "party", "type": "ask", "kind": "party_size", "var": "party", "text": "Wie viele?", "next": "place",
             "max_retries": 1},
            {"id": "place", "type": "message", "text": "Terrasse?", "quick_replies": [
                {"title": "Ja", "value": "yes", "next": "book"}, {"title": "Nein", "value": "no", "next": "bye"}]},
            {"id": "book", "type": "reserve", "date_var": "date", "time_var": "time", "party_var": "party",
             "next": "thanks", "on_unavailable": "bye"},
            {"id": "thanks", "type": "message", "text": "Gebucht."},
            {"id": "bye", "type": "message", "text": "Schade."}
        ]),
    )
}

/// Each stage once per run, as the store keeps them.
fn stages(outcomes: &[Outcome]) -> Vec<(Stage, i64)> {
    let mut seen = BTreeSet::new();
    for p in outcomes.iter().flat_map(|o| &o.passages) {
        seen.insert((p.run_started_at, p.flow_id.clone(), p.stage.clone()));
    }
    seen.into_iter().map(|(_, _, s)| (s, 1)).collect()
}

fn step<'a>(f: &'a Funnel, node: &str) -> &'a FunnelStep {
    f.steps.iter().find(|s| s.node == node).unwrap_or_else(|| panic!("{node} in {f:?}"))
}

#[test]
fn a_run_passes_its_start_each_node_each_answer_and_its_end_once() {
    let def = booking();
    let ctx = Ctx::default();
    let mut c = Convo::new(&def);
    let mut outs = vec![c.say("go", &ctx.get())];
    assert_eq!(
        outs[0].passages.iter().map(|p| p.stage.word()).collect::<Vec<_>>(),
        ["started", "entered:party"],
        "the keyword alone does not answer the party size"
    );
    outs.push(c.say("viele", &ctx.get()));
    assert!(outs[1].passages.is_empty(), "an unclear answer passes nothing: {:?}", outs[1].passages);
    outs.push(c.say("4", &ctx.get()));
    outs.push(c.step(&press("Nein", "no"), &ctx.get()));
    let words: Vec<String> = outs[2..].iter().flat_map(|o| &o.passages).map(|p| p.stage.word()).collect();
    assert_eq!(words, ["answered:party", "entered:place", "answered:place", "entered:bye", "completed"]);
    assert!(outs.iter().flat_map(|o| &o.passages).all(|p| p.flow_id == "f" && p.run_started_at == now()));
}

#[test]
fn the_funnel_counts_runs_per_step_and_where_they_stopped() {
    let def = booking();
    let mut outcomes = Vec::new();
    // One guest books, one cannot (no date given), one declines, one never answers, one gives up after unclear answers (handed over), one
    // opts out at the buttons.
    let scripts: [&[&str]; 6] = [
        &["go", "4 Personen morgen um 20 Uhr", "Ja"],
        &["go", "2", "Ja"],
        &["go", "3", "Nein"],
        &["go"],
        &["go", "viele", "sehr viele"],
        &["go", "5", "stop"],
    ];
    for (n, script) in scripts.iter().enumerate() {
        let mut ctx = Ctx::default();
        ctx.now = now() + chrono::TimeDelta::minutes(n as i64);
        let mut c = Convo::new(&def);
        for said in *script {
            let out = c.say(said, &ctx.get());
            let booked = out.actions.iter().find_map(|a| match a {
                Action::Reserve(req) => Some(reservation("r", req.starts_at, req.party_size)),
                _ => None,
            });
            outcomes.push(out);
            if let Some(reservation) = booked {
                let input = Input::Reservation { outcome: ReservationOutcome::Booked { reservation } };
                outcomes.push(c.step(&input, &ctx.get()));
            }
        }
    }
    let f = Funnel::new(&def, &stages(&outcomes));
    assert_eq!((f.started, f.completed, f.booked), (6, 3, 1), "only the first guest gave a date and time");
    assert_eq!(
        (step(&f, "party").entered, step(&f, "party").answered, step(&f, "party").dropped()),
        (6, Some(4), Some(2))
    );
    assert_eq!((step(&f, "place").entered, step(&f, "place").answered), (4, Some(3)));
    assert_eq!(
        f.steps.iter().map(|s| s.node.as_str()).collect::<Vec<_>>(),
        ["party", "place", "book", "bye", "thanks"]
    );
    assert_eq!(step(&f, "book").answered, None, "a reservation step is not a question");
}

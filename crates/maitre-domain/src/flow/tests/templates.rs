use crate::booking::ReservationRequest;

use super::*;

fn template(key: &str) -> Template {
    templates().into_iter().find(|t| t.key == key).unwrap()
}

#[test]
fn every_template_validates_and_passes_its_tests() {
    let all = templates();
    let keys: Vec<&str> = all.iter().map(|t| t.key).collect();
    assert_eq!(keys, ["restaurant_de", "restaurant_en", "salon_appointment", "practice_appointment", "review_request"]);
    for t in &all {
        let issues = validate(&t.def, &keys);
        assert!(issues.is_empty(), "{}: {issues:#?}", t.key);
        assert!(t.def.tests.len() >= 2, "{}", t.key);
        assert_eq!(t.def.settings.language, Some(t.locale), "{} speaks its own language", t.key);
        let flows = [Candidate { flow_id: t.key, version: 1, def: &t.def }];
        // A German template on an English account (and so on) still reads and answers in its own language.
        for account in Locale::ALL {
            let env = SimEnv {
                flows: &flows,
                tz: TZ,
                locale: account,
                account_name: "Trattoria Anna",
                review_link: Some("https://example.test/review"),
                availability: &AlwaysAvailable,
            };
            for result in run_tests(&env, t.key, now()) {
                assert!(result.passed, "{} on a {account} account / {}: {:#?}", t.key, result.name, result.failures);
            }
        }
    }
}

#[test]
fn restaurant_de_books_from_one_message() {
    let t = template("restaurant_de");
    let c = Ctx::default();
    let mut convo = Convo::new(&t.def);
    let out = convo.say("Hallo, Tisch für 4 morgen 20 Uhr", &c.get());
    assert_eq!(sent(&out.actions), vec!["Auf welchen Namen darf ich reservieren?"]);

    let out = convo.say("Anna Schmidt", &c.get());
    let request = ReservationRequest {
        starts_at: at(11, 20, 0),
        party_size: 4,
        service: None,
        name: "Anna Schmidt".into(),
        phone: None,
        email: None,
        notes: String::new(),
    };
    assert_eq!(
        out.actions,
        vec![Action::SetContact { field: "name".into(), value: "Anna Schmidt".into() }, Action::Reserve(request)]
    );

    let booked = ReservationOutcome::Booked { reservation: reservation("r1", at(11, 20, 0), 4) };
    let out = convo.step(&Input::Reservation { outcome: booked }, &c.get());
    let confirmation = sent(&out.actions).join("");
    assert!(confirmation.contains("Mi., 11.03.2026") && confirmation.contains("20:00"), "{confirmation}");
    assert!(confirmation.contains("für 4 Personen"), "{confirmation}");
    assert_eq!(out.state, None);
}

fn sim_env<'a>(flows: &'a [Candidate<'a>], calendar: &'a Calendar, locale: Locale) -> SimEnv<'a> {
    SimEnv { flows, tz: TZ, locale, account_name: "Trattoria Anna", review_link: None, availability: calendar }
}

#[test]
fn restaurant_de_offers_alternatives_and_books_one() {
    let t = template("restaurant_de");
    let flows = [Candidate { flow_id: "tisch", version: 1, def: &t.def }];
    let calendar = Calendar { full: vec![at(11, 20, 0)] };
    let env = sim_env(&flows, &calendar, Locale::De);
    let mut sim = Simulator::new(now(), "Anna");
    sim.send(&env, "Tisch für 2 morgen um 20 Uhr");
    let turn = sim.send(&env, "Anna Schmidt");
    let texts: Vec<&str> = turn.replies.iter().map(|r| r.text.as_str()).collect();
    assert!(texts[0].contains("• Mi., 11.03. 20:30\n• Mi., 11.03. 21:00"), "{texts:?}");
    assert!(texts[1].starts_with("Welche Uhrzeit passt Ihnen stattdessen?"), "{texts:?}");
    assert!(turn.booked.is_none());
    let turn = sim.send(&env, "halb neun");
    assert_eq!(turn.booked.unwrap().starts_at, at(11, 20, 30));
    assert!(turn.replies[0].text.contains("um 20:30"), "{:?}", turn.replies);
}

#[test]
fn restaurant_de_hands_large_groups_to_the_team() {
    let t = template("restaurant_de");
    let flows = [Candidate { flow_id: "tisch", version: 1, def: &t.def }];
    let calendar = Calendar::default();
    let env = sim_env(&flows, &calendar, Locale::De);
    let mut sim = Simulator::new(now(), "Anna");
    sim.send(&env, "Tisch für 12 Personen am Freitag um 19 Uhr");
    let turn = sim.send(&env, "Anna Schmidt");
    assert!(turn.replies[0].text.contains("große Gruppen"));
    let note = "Gruppenanfrage: 12 Personen am Fr., 13.03.2026 um 19:00";
    assert!(turn.actions.contains(&Action::Handoff { note: Some(note.into()) }), "{:?}", turn.actions);
    assert!(sim.run.is_none());
}

#[test]
fn cancelling_without_a_reservation_says_so() {
    let t = template("restaurant_de");
    let flows = [Candidate { flow_id: "tisch", version: 1, def: &t.def }];
    let calendar = Calendar::default();
    let env = sim_env(&flows, &calendar, Locale::De);
    let turn = Simulator::new(now(), "Anna").send(&env, "Ich möchte meine Reservierung stornieren");
    assert!(turn.replies[0].text.starts_with("Ich finde keine offene Reservierung"), "{:?}", turn.replies);
}

#[test]
fn restaurant_en_books_from_one_message() {
    let t = template("restaurant_en");
    let flows = [Candidate { flow_id: "table", version: 1, def: &t.def }];
    let calendar = Calendar::default();
    let env = sim_env(&flows, &calendar, Locale::En);
    let mut sim = Simulator::new(now(), "Anna");
    let turn = sim.send(&env, "Can I book a table for 3 on Friday at 7?");
    assert_eq!(turn.replies[0].text, "What name should the booking be under?");
    let turn = sim.send(&env, "Anna Smith");
    assert_eq!(turn.booked.unwrap().starts_at, at(13, 19, 0));
    assert!(turn.replies[0].text.contains("Fri 13 Mar 2026 at 7:00 pm"), "{:?}", turn.replies);
}

#[test]
fn review_request_starts_on_the_visit_event() {
    let t = template("review_request");
    let flows = [Candidate { flow_id: "review", version: 1, def: &t.def }];
    let calendar = Calendar::default();
    let env = SimEnv { review_link: Some("https://example.test/r"), ..sim_env(&flows, &calendar, Locale::De) };
    let mut sim = Simulator::new(now(), "Anna Schmidt");
    let turn = sim.input(&env, &Input::Event { name: "visit_completed".into() });
    assert_eq!(
        turn.replies[0].text,
        "Hallo Anna, danke für Ihren Besuch bei Trattoria Anna! Wie hat es Ihnen gefallen?"
    );
    assert_eq!(turn.replies[0].quick_replies[0], ("😍 Super".to_string(), "great".to_string()));
    let turn = sim.input(&env, &press("😍 Super", "great"));
    assert!(turn.replies[0].text.ends_with("https://example.test/r"));
    assert!(sim.tags.contains("review_asked"));
}

#[test]
fn booking_templates_consult_the_calendar_and_the_review_request_does_not() {
    for key in ["restaurant_de", "restaurant_en", "salon_appointment", "practice_appointment"] {
        assert!(template(key).def.consults_calendar(), "{key}");
    }
    assert!(!template("review_request").def.consults_calendar());
    let mut open_check = template("review_request").def;
    open_check.nodes.push(Node {
        id: "open".into(),
        kind: NodeKind::Condition {
            rules: vec![Rule { when: Cond::IsOpen { date_var: None, time_var: None }, next: "thanks".into() }],
            otherwise: None,
        },
    });
    assert!(open_check.consults_calendar(), "an opening-hours condition asks the calendar");
}

/// Editors offer the types the model knows, spelled as flows spell them.
#[test]
fn node_and_trigger_types_are_the_ones_flows_are_written_with() {
    for list in [&NodeKind::TYPES[..], &TriggerKind::TYPES[..]] {
        let unique: BTreeSet<&str> = list.iter().copied().collect();
        assert_eq!(unique.len(), list.len());
    }
    let mut seen = BTreeSet::new();
    for t in templates() {
        for node in &t.def.nodes {
            let written = serde_json::to_value(node).unwrap()["type"].as_str().unwrap().to_owned();
            assert_eq!(written, node.kind.type_name(), "{}", t.key);
            assert!(NodeKind::TYPES.contains(&node.kind.type_name()));
            seen.insert(written);
        }
        for trigger in &t.def.triggers {
            let written = serde_json::to_value(trigger).unwrap()["type"].as_str().unwrap().to_owned();
            assert_eq!(written, trigger.on.type_name(), "{}", t.key);
            assert!(TriggerKind::TYPES.contains(&trigger.on.type_name()));
        }
    }
    assert!(seen.len() >= 5, "the templates use several node types: {seen:?}");
    let modes: Vec<&str> = MatchMode::ALL.iter().map(|m| m.as_str()).collect();
    assert_eq!(modes, ["contains", "exact", "whole_word", "regex"]);
    assert_eq!(serde_json::to_string(&VarKind::PartySize).unwrap(), "\"party_size\"");
}

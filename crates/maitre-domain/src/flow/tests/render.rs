use std::collections::BTreeMap;

use super::super::render::{keep_reservation, unresolvable};
use super::*;

#[test]
fn dates_and_times_per_locale() {
    let dt = at(14, 19, 30);
    assert_eq!(format_date(dt.date(), Locale::De), "Sa., 14.03.2026");
    assert_eq!(format_date(dt.date(), Locale::En), "Sat 14 Mar 2026");
    assert_eq!(format_date(dt.date(), Locale::Fr), "sam. 14/03/2026");
    assert_eq!(format_time(dt.time(), Locale::De), "19:30");
    assert_eq!(format_time(dt.time(), Locale::En), "7:30 pm");
    assert_eq!(format_time(dt.time(), Locale::Fr), "19h30");
    assert_eq!(format_time(at(14, 20, 0).time(), Locale::Fr), "20h");
    assert_eq!(format_time(at(14, 0, 5).time(), Locale::En), "12:05 am");
    assert_eq!(format_time(at(14, 12, 0).time(), Locale::En), "12:00 pm");
    assert_eq!(format_datetime(dt, Locale::De), "Sa., 14.03.2026 um 19:30");
    assert_eq!(format_datetime(dt, Locale::En), "Sat 14 Mar 2026 at 7:30 pm");
    assert_eq!(format_datetime(dt, Locale::Fr), "sam. 14/03/2026 à 19h30");
    assert_eq!(super::super::format::format_slot(dt, Locale::De), "Sa., 14.03. 19:30");
}

fn scope<'a>(vars: &'a BTreeMap<String, Value>, reservation: Option<&'a ReservationInfo>) -> Scope<'a> {
    Scope {
        locale: Locale::De,
        contact_name: "Anna Maria Schmidt",
        account_name: "Trattoria",
        review_link: None,
        vars,
        reservation,
    }
}

#[test]
fn renders_roots_filters_and_defaults() {
    let mut vars = BTreeMap::new();
    vars.insert("date".to_string(), Value::Date(day(14)));
    vars.insert("when".to_string(), Value::DateTime(at(14, 20, 0)));
    vars.insert("n".to_string(), Value::Number(4));
    vars.insert("empty".to_string(), Value::Text(String::new()));
    let s = scope(&vars, None);
    assert_eq!(render("Hallo {{contact.first_name}}!", &s), "Hallo Anna!");
    assert_eq!(render("{{ contact.name }} @ {{account.name}}", &s), "Anna Maria Schmidt @ Trattoria");
    assert_eq!(render("{{vars.date}} / {{vars.n}}", &s), "Sa., 14.03.2026 / 4");
    assert_eq!(render("{{vars.when | date}}, {{vars.when|time}}", &s), "Sa., 14.03.2026, 20:00");
    assert_eq!(render("{{vars.when | datetime}}", &s), "Sa., 14.03.2026 um 20:00");
    assert_eq!(render("{{ vars.missing | default: \"Gast\" }}", &s), "Gast");
    assert_eq!(render("{{vars.empty | default: 'leer'}}", &s), "leer");
    assert_eq!(render("{{vars.n | default: \"x\"}}", &s), "4");
    assert_eq!(render("{{account.review_link | default: \"a|b: c\"}}", &s), "a|b: c");
    // Unknown, malformed or unterminated placeholders never fail.
    assert_eq!(render("[{{vars.missing}}][{{nope.x}}][{{vars.n | shout}}]", &s), "[][][4]");
    assert_eq!(render("a {{ vars. }} b {{ vars.n | default: }}", &s), "a  b ");
    assert_eq!(render("offen {{ vars.n", &s), "offen {{ vars.n");
    assert_eq!(render("kein Platzhalter", &s), "kein Platzhalter");
}

#[test]
fn reservation_from_context_or_kept_vars() {
    let r = reservation("r1", at(14, 19, 30), 2);
    let empty = BTreeMap::new();
    let s = scope(&empty, Some(&r));
    assert_eq!(
        render("{{reservation.date}} {{reservation.time}} {{reservation.party_size}}", &s),
        "Sa., 14.03.2026 19:30 2"
    );
    assert_eq!(render("{{reservation.id}}/{{reservation.name}}/{{reservation.service}}", &s), "r1/Anna Schmidt/");

    let mut vars = BTreeMap::new();
    let booked = ReservationInfo { service: Some("Farbe".into()), ..reservation("r2", at(15, 12, 0), 1) };
    keep_reservation(&mut vars, &booked);
    let s = scope(&vars, Some(&r));
    assert_eq!(
        render("{{reservation.id}} {{reservation.starts_at}} {{reservation.service}}", &s),
        "r2 So., 15.03.2026 um 12:00 Farbe"
    );
}

#[test]
fn placeholders_list_and_resolvability() {
    let ps: Vec<Placeholder> = placeholders("{{vars.a | date}} {{ contact.name | default: \"x\" }}")
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ps.len(), 2);
    assert_eq!(ps[0].path, "vars.a");
    assert_eq!(ps[0].filters, vec![Filter { name: "date".into(), arg: None }]);
    assert_eq!(ps[1].filters, vec![Filter { name: "default".into(), arg: Some("x".into()) }]);
    assert_eq!(placeholders("x {{ a b }} {{vars.a}}")[0], Err(" a b ".to_string()));

    let vars: std::collections::BTreeSet<String> = ["a".to_string()].into();
    let problem = |t: &str| unresolvable(placeholders(t)[0].as_ref().unwrap(), &vars);
    assert_eq!(problem("{{vars.a}}"), None);
    assert_eq!(problem("{{reservation.starts_at | datetime}}"), None);
    assert_eq!(problem("{{account.review_link}}"), None);
    assert!(problem("{{vars.b}}").unwrap().contains("never set"));
    assert!(problem("{{contact.age}}").is_some());
    assert!(problem("{{guest.name}}").is_some());
    assert!(problem("{{vars}}").is_some());
    assert!(problem("{{vars.a | shout}}").unwrap().contains("shout"));
    assert!(problem("{{vars.a | default}}").is_some());
}

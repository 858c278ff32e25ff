use serde_json::json;

use super::super::answers::read;
use super::*;

fn value(kind: VarKind, t: &str) -> Option<Value> {
    let c = Ctx::default();
    read(kind, t, None, &[], &c.get(), c.get().locale).map(|a| a.value)
}

#[test]
fn text_and_number() {
    assert_eq!(value(VarKind::Text, "  hallo "), Some(Value::Text("hallo".into())));
    assert_eq!(value(VarKind::Text, "   "), None);
    assert_eq!(value(VarKind::Number, " 42 "), Some(Value::Number(42)));
    assert_eq!(value(VarKind::Number, "4.5"), None);
    assert_eq!(value(VarKind::Number, "vier"), None);
}

#[test]
fn choice_by_title_value_number_or_payload() {
    let c = Ctx::default();
    let ctx = c.get();
    let choices: Vec<Choice> =
        serde_json::from_value(json!([{ "title": "Haarschnitt" }, { "title": "Farbe", "value": "colour" }])).unwrap();
    let got = |t: &str, p: Option<&str>| read(VarKind::Choice, t, p, &choices, &ctx, ctx.locale).map(|a| a.value);
    assert_eq!(got("haarschnitt", None), Some(Value::Text("Haarschnitt".into())));
    assert_eq!(got("2", None), Some(Value::Text("colour".into())));
    assert_eq!(got("Farbe", Some("colour")), Some(Value::Text("colour".into())));
    assert_eq!(got("Massage", None), None);
}

#[test]
fn dates_are_today_or_later_and_bring_time_and_party_along() {
    let c = Ctx::default();
    let a = read(VarKind::Date, "Samstag um 8 für 4", None, &[], &c.get(), c.get().locale).unwrap();
    assert_eq!(a.value, Value::Date(day(14)));
    assert_eq!(
        a.also,
        vec![
            ("date", Value::Date(day(14))),
            ("time", Value::Time(at(14, 20, 0).time())),
            ("party_size", Value::Number(4))
        ]
    );
    assert_eq!(value(VarKind::Date, "heute"), Some(Value::Date(day(10))));
    assert_eq!(value(VarKind::Date, "am 1.3.2026"), None, "in the past");
    assert_eq!(value(VarKind::Date, "31.02."), None, "impossible");
    assert_eq!(value(VarKind::Date, "um 8"), None, "no date");
}

#[test]
fn times_party_sizes_and_date_times() {
    assert_eq!(value(VarKind::Time, "halb acht"), Some(Value::Time(at(1, 19, 30).time())));
    assert_eq!(value(VarKind::Time, "8"), Some(Value::Time(at(1, 20, 0).time())));
    assert_eq!(value(VarKind::Time, "keine Ahnung"), None);
    assert_eq!(value(VarKind::PartySize, "zu viert"), Some(Value::Number(4)));
    assert_eq!(value(VarKind::PartySize, "3"), Some(Value::Number(3)));
    assert_eq!(value(VarKind::PartySize, "vier"), Some(Value::Number(4)));
    assert_eq!(value(VarKind::PartySize, "keine"), None);
    assert_eq!(value(VarKind::PartySize, "0"), None);
    assert_eq!(value(VarKind::DateTime, "morgen um 19:30"), Some(Value::DateTime(at(11, 19, 30))));
    assert_eq!(value(VarKind::DateTime, "morgen"), None, "needs a time");
    assert_eq!(value(VarKind::DateTime, "heute um 11"), None, "already past");
}

#[test]
fn names_phones_emails_update_the_contact() {
    let c = Ctx::default();
    let a = read(VarKind::Name, " Anne-Marie  O'Neil ", None, &[], &c.get(), c.get().locale).unwrap();
    assert_eq!(a.value, Value::Text("Anne-Marie O'Neil".into()));
    assert_eq!(a.contact, Some(("name", "Anne-Marie O'Neil".into())));
    assert_eq!(value(VarKind::Name, "Zoë Müller"), Some(Value::Text("Zoë Müller".into())));
    for bad in ["A", "R2D2", "anna@example.com", &"a".repeat(81)] {
        assert_eq!(value(VarKind::Name, bad), None, "{bad}");
    }
    let p = read(VarKind::Phone, "+49 (151) 234-567 89", None, &[], &c.get(), c.get().locale).unwrap();
    assert_eq!(p.contact, Some(("phone", "+4915123456789".into())));
    assert_eq!(value(VarKind::Phone, "0151 2345678"), Some(Value::Text("01512345678".into())));
    for bad in ["12345", "1234567890123456", "call me", "49+151234567", ""] {
        assert_eq!(value(VarKind::Phone, bad), None, "{bad}");
    }
    let e = read(VarKind::Email, " anna.s@example.co.uk ", None, &[], &c.get(), c.get().locale).unwrap();
    assert_eq!(e.contact, Some(("email", "anna.s@example.co.uk".into())));
    for bad in ["anna", "anna@", "@example.com", "anna@example", "an na@example.com", "a@b@c.de", "a@.de", "a@b..de"] {
        assert_eq!(value(VarKind::Email, bad), None, "{bad}");
    }
}

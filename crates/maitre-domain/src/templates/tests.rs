use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::*;
use crate::Locale;
use crate::booking::ReservationInfo;
use crate::flow::Scope;

fn authored(body: &str) -> Authored {
    Authored {
        name: "reservation_reminder".into(),
        language: "de".into(),
        category: TemplateCategory::Utility,
        header: Some("Ihr Tisch bei {{account.name}}".into()),
        body: body.into(),
        footer: Some("Trattoria Esempio".into()),
        buttons: vec![
            TemplateButton::QuickReply { text: "Ich komme".into() },
            TemplateButton::QuickReply { text: "Absagen".into() },
        ],
        actions: vec![ButtonAction::Confirm],
    }
}

#[test]
fn placeholders_become_numbered_variables_with_examples() {
    let a =
        authored("Hallo {{contact.first_name}}, wir erwarten Sie am {{reservation.date}} um {{ reservation.time }}.");
    let c = compile(&a, Locale::De, "Trattoria").unwrap();
    assert_eq!(c.content.header.as_deref(), Some("Ihr Tisch bei {{1}}"));
    assert_eq!(c.content.body, "Hallo {{1}}, wir erwarten Sie am {{2}} um {{3}}.");
    assert_eq!(c.bindings, ["account.name", "contact.first_name", "reservation.date", "reservation.time"]);
    assert_eq!(c.examples, ["Trattoria", "Alex", "Do., 24.12.2026", "19:30"]);
    assert_eq!(c.content.variable_count(), 4);
    assert_eq!(c.language, "de");
    assert_eq!(c.actions, [ButtonAction::Confirm, ButtonAction::Reply], "one action per quick reply");
}

#[test]
fn filters_survive_in_bindings() {
    let a = authored(r#"Hallo {{ contact.first_name | default: "Gast" }}, bis bald."#);
    let c = compile(&a, Locale::De, "T").unwrap();
    assert_eq!(c.bindings[1], r#"contact.first_name | default: "Gast""#);
}

#[test]
fn what_review_would_reject_is_refused_here() {
    let cases: [(&str, Box<dyn Fn(&mut Authored)>, TemplateError); 9] = [
        ("name", Box::new(|a| a.name = "Reminder-1".into()), TemplateError::Name),
        ("lang", Box::new(|a| a.language = "german".into()), TemplateError::Language("german".into())),
        ("empty", Box::new(|a| a.body = "  ".into()), TemplateError::EmptyBody),
        ("edge start", Box::new(|a| a.body = "{{contact.name}}, hallo".into()), TemplateError::VariableAtEdge),
        ("edge end", Box::new(|a| a.body = "Hallo {{contact.name}}".into()), TemplateError::VariableAtEdge),
        (
            "unknown",
            Box::new(|a| a.body = "Hallo {{vars.x}} und".into()),
            TemplateError::UnknownPlaceholder("vars.x".into()),
        ),
        ("footer var", Box::new(|a| a.footer = Some("Bis {{contact.name}} ok".into())), TemplateError::FooterVariables),
        (
            "header vars",
            Box::new(|a| a.header = Some("{{contact.name}} {{account.name}}".into())),
            TemplateError::HeaderVariables,
        ),
        (
            "label",
            Box::new(|a| a.buttons = vec![TemplateButton::QuickReply { text: "x".repeat(26) }]),
            TemplateError::ButtonLabel("x".repeat(26)),
        ),
    ];
    for (what, change, expected) in cases {
        let mut a = authored("Hallo {{contact.name}}, bis bald.");
        change(&mut a);
        assert_eq!(compile(&a, Locale::De, "T").unwrap_err(), expected, "{what}");
    }
    let mut a = authored(&"x".repeat(MAX_BODY_CHARS + 1));
    assert!(matches!(compile(&a, Locale::De, "T"), Err(TemplateError::TooLong { part: "body", .. })));
    a.body = "x".repeat(MAX_BODY_CHARS);
    assert!(compile(&a, Locale::De, "T").is_ok());
    a.buttons = (0..11).map(|i| TemplateButton::QuickReply { text: format!("b{i}") }).collect();
    assert_eq!(compile(&a, Locale::De, "T").unwrap_err(), TemplateError::TooManyButtons);
    let mut otp = authored("Ihr Code: {{contact.name}} bitte.");
    otp.category = TemplateCategory::Authentication;
    assert_eq!(compile(&otp, Locale::De, "T").unwrap_err(), TemplateError::Category("AUTHENTICATION".into()));
    a.buttons = (0..3).map(|i| TemplateButton::Url { text: format!("b{i}"), url: "https://x".into() }).collect();
    assert_eq!(compile(&a, Locale::De, "T").unwrap_err(), TemplateError::TooManyButtons);
}

#[test]
fn languages_are_normalised() {
    assert_eq!(normalize_language("en-US").as_deref(), Some("en_US"));
    assert_eq!(normalize_language("EN_us").as_deref(), Some("en_US"));
    assert_eq!(normalize_language("fr").as_deref(), Some("fr"));
    for bad in ["", "e", "english", "en_USA", "en_1", "de-"] {
        assert_eq!(normalize_language(bad), None, "{bad}");
    }
}

#[test]
fn statuses_read_from_webhook_events() {
    assert_eq!(TemplateStatus::from_event("APPROVED"), TemplateStatus::Approved);
    assert_eq!(TemplateStatus::from_event("REINSTATED"), TemplateStatus::Approved);
    assert_eq!(TemplateStatus::from_event("paused"), TemplateStatus::Paused);
    assert_eq!(TemplateStatus::from_event("PENDING_DELETION"), TemplateStatus::Deleted);
    assert_eq!(TemplateStatus::from_event("FLAGGED"), TemplateStatus::Other("FLAGGED".into()));
    assert!(TemplateStatus::Approved.sendable());
    for s in ["PENDING", "REJECTED", "PAUSED", "DISABLED", "FLAGGED"] {
        assert!(!s.parse::<TemplateStatus>().unwrap().sendable(), "{s}");
        assert_eq!(s.parse::<TemplateStatus>().unwrap().to_string(), s);
    }
}

fn guest_scope<'a>(vars: &'a BTreeMap<String, crate::flow::Value>, r: Option<&'a ReservationInfo>) -> Scope<'a> {
    Scope {
        locale: Locale::En,
        contact_name: "Maria Rossi",
        account_name: "Bistro",
        review_link: None,
        vars,
        reservation: r,
    }
}

#[test]
fn bound_templates_fill_from_the_guest_and_booking() {
    let c = compile(
        &authored("Hi {{contact.first_name}}, see you {{reservation.date}} at {{reservation.time}}!"),
        Locale::En,
        "Bistro",
    )
    .unwrap();
    let r = ReservationInfo {
        id: "r1".into(),
        starts_at: NaiveDate::from_ymd_opt(2027, 3, 5).unwrap().and_hms_opt(20, 0, 0).unwrap(),
        duration: 90,
        party_size: 2,
        status: "confirmed".into(),
        name: "Maria".into(),
        service: None,
    };
    let vars = BTreeMap::new();
    let filled = fill(&c.content, &c.bindings, &guest_scope(&vars, Some(&r))).unwrap();
    assert_eq!(filled.header.len(), 1);
    assert_eq!(filled.body.iter().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["Maria", "Fri 5 Mar 2027", "8:00 pm"]);
    assert!(filled.body.iter().all(|p| p.name.is_none()));
    let text = preview(&c.content, &filled);
    assert_eq!(text, "Ihr Tisch bei Bistro\n\nHi Maria, see you Fri 5 Mar 2027 at 8:00 pm!\n\nTrattoria Esempio");
    // No booking: the reservation's variables have no value, and nothing is sent half-filled.
    let err = fill(&c.content, &c.bindings, &guest_scope(&vars, None)).unwrap_err();
    assert_eq!(err, TemplateError::NoValue("reservation.date".into()));
}

#[test]
fn values_by_hand_are_counted_and_cleaned() {
    let content = TemplateContent {
        parameter_format: ParameterFormat::Named,
        body: "Hello {{first_name}}, your table for {{party}} is ready.".into(),
        ..TemplateContent::default()
    };
    let err = fill_by_hand(&content, &["Alex".into()]).unwrap_err();
    assert_eq!(err, TemplateError::ValueCount { expected: 2, given: 1 });
    assert_eq!(
        fill_by_hand(&content, &["Alex".into(), " ".into()]).unwrap_err(),
        TemplateError::NoValue("party".into())
    );
    let filled = fill_by_hand(&content, &["Alex\n\tM.".into(), "4      guests".into()]).unwrap();
    assert_eq!(filled.body[0], Param { name: Some("first_name".into()), text: "Alex M.".into() });
    assert_eq!(filled.body[1].text, "4 guests");
    assert_eq!(preview(&content, &filled), "Hello Alex M., your table for 4 guests is ready.");
}

#[test]
fn sample_values_preview_a_binding() {
    let values = sample_values(Locale::Fr, "Chez Nous", &["contact.name".into(), "reservation.time".into()]);
    assert_eq!(values, ["Alex Martin", "19h30"]);
}

#[test]
fn previews_fill_what_maitre_knows_and_mark_what_staff_type() {
    let c =
        compile(&authored("Hallo {{contact.first_name}}, bis {{reservation.time}}!"), Locale::De, "Trattoria").unwrap();
    let bound = sample_preview(&c.content, &c.bindings, Locale::De, "Trattoria");
    assert_eq!(bound, "Ihr Tisch bei Trattoria\n\nHallo Alex, bis 19:30!\n\nTrattoria Esempio");
    let by_hand = sample_preview(&c.content, &[], Locale::De, "Trattoria");
    assert_eq!(by_hand, "Ihr Tisch bei …\n\nHallo …, bis …!\n\nTrattoria Esempio");
}

use super::*;
use crate::contacts::FieldKind;

fn fields() -> Vec<FieldDef> {
    vec![
        FieldDef::new("Favourite table", FieldKind::Choice, "Window, Terrace").unwrap(),
        FieldDef::new("Birthday", FieldKind::Date, "").unwrap(),
        FieldDef::new("Allergies", FieldKind::Text, "").unwrap(),
    ]
}

fn rules(json: &str) -> Result<SegmentRules, String> {
    serde_json::from_str::<SegmentRules>(json).map_err(|e| e.to_string())?.check(&fields()).map_err(|e| e.to_string())
}

#[test]
fn no_rules_is_everyone() {
    let r = rules("{}").unwrap();
    assert!(r.is_everyone());
    assert_eq!(serde_json::to_string(&r).unwrap(), "{}");
}

#[test]
fn tags_and_platforms_are_normalised_and_deduplicated() {
    let r = rules(r#"{"tags":["VIP"," vip","regular"],"platforms":["whatsapp","instagram","whatsapp"]}"#).unwrap();
    assert_eq!(r.tags.iter().map(Tag::as_str).collect::<Vec<_>>(), ["regular", "vip"]);
    assert_eq!(r.platforms, [Platform::Instagram, Platform::WhatsApp]);
    assert!(!r.is_everyone());
}

#[test]
fn field_values_take_the_fields_own_form() {
    let r = rules(r#"{"fields":[{"key":"favourite_table","equals":"terrace"},{"key":"allergies"}]}"#).unwrap();
    assert_eq!(r.fields[0].equals.as_deref(), Some("Terrace"));
    assert_eq!(r.fields[1].equals, None, "no value: the field is set at all");
    let blank = rules(r#"{"fields":[{"key":"allergies","equals":"  "}]}"#).unwrap();
    assert_eq!(blank.fields[0].equals, None);
}

#[test]
fn unknown_fields_and_wrong_values_are_refused() {
    assert!(rules(r#"{"fields":[{"key":"shoe_size"}]}"#).unwrap_err().contains("no contact field \"shoe_size\""));
    assert!(rules(r#"{"fields":[{"key":"favourite_table","equals":"Bar"}]}"#).unwrap_err().contains("\"Bar\""));
    assert!(rules(r#"{"fields":[{"key":"birthday","equals":"31.12.1990"}]}"#).is_err());
}

#[test]
fn unknown_rules_and_bad_kinds_are_refused() {
    assert!(rules(r#"{"colour":"red"}"#).unwrap_err().contains("unknown field"));
    assert!(rules(r#"{"platforms":["sms"]}"#).is_err());
    assert!(rules(r#"{"consent":"maybe"}"#).is_err());
    assert!(rules(r#"{"tags":["a/b"]}"#).is_err());
    assert!(rules(r#"{"language":"es"}"#).is_err());
    assert_eq!(rules(r#"{"language":"fr"}"#).unwrap().language, Some(Locale::Fr));
}

#[test]
fn day_counts_and_bookings_stay_in_range() {
    for bad in [
        r#"{"messaged_within_days":0}"#,
        r#"{"silent_for_days":3651}"#,
        r#"{"visited_within_days":0}"#,
        r#"{"away_for_days":99999}"#,
        r#"{"min_bookings":0}"#,
        r#"{"min_bookings":1001}"#,
        r#"{"min_bookings":-1}"#,
    ] {
        assert!(rules(bad).is_err(), "{bad}");
    }
    let r = rules(r#"{"messaged_within_days":3650,"min_bookings":1000,"upcoming_booking":false}"#).unwrap();
    assert_eq!((r.messaged_within_days, r.min_bookings, r.upcoming_booking), (Some(3650), Some(1000), Some(false)));
}

#[test]
fn windows_that_nobody_can_match_are_refused() {
    assert_eq!(
        rules(r#"{"messaged_within_days":7,"silent_for_days":7}"#).unwrap_err(),
        SegmentError::SilentAndMessaged.to_string()
    );
    assert!(rules(r#"{"messaged_within_days":30,"silent_for_days":7}"#).is_ok(), "between 7 and 30 days ago");
    assert_eq!(
        rules(r#"{"visited_within_days":10,"away_for_days":90}"#).unwrap_err(),
        SegmentError::AwayAndVisited.to_string()
    );
}

#[test]
fn too_many_parts_are_refused() {
    let tags: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
    let json = serde_json::json!({ "tags": tags }).to_string();
    assert!(rules(&json).unwrap_err().contains("at most 10 tags"));
    let same: Vec<&str> = vec!["vip"; 20];
    assert!(rules(&serde_json::json!({ "tags": same }).to_string()).is_ok(), "duplicates count once");
}

#[test]
fn names_are_trimmed_and_bounded() {
    assert_eq!(check_name("  Stammgäste ").unwrap(), "Stammgäste");
    assert_eq!(check_name(" "), Err(SegmentError::Name));
    assert_eq!(check_name(&"x".repeat(81)), Err(SegmentError::Name));
    assert_eq!(check_name("a\nb"), Err(SegmentError::Name));
    assert!(check_name(&"é".repeat(80)).is_ok());
}

//! Every file in `graph_errors/` and the Telegram error fixtures.

use std::time::Duration;

use maitre_channels::{PermanentReason, SendErrorClass, classify_graph, classify_telegram};

use crate::support::{fixture, fixture_names};

#[derive(Debug, PartialEq)]
enum Expected {
    Retry,
    Permanent(PermanentReason),
    Token,
    Window,
}

fn shape(class: &SendErrorClass) -> Expected {
    match class {
        SendErrorClass::Retryable { .. } => Expected::Retry,
        SendErrorClass::Permanent { reason, .. } => Expected::Permanent(*reason),
        SendErrorClass::TokenInvalid { .. } => Expected::Token,
        SendErrorClass::OutsideWindow { .. } => Expected::Window,
    }
}

#[test]
fn graph_error_fixtures() {
    use Expected::*;
    use PermanentReason::*;
    let table = [
        ("app_rate_limit_4.json", Retry),
        ("invalid_param_100.json", Permanent(InvalidRequest)),
        ("messenger_ig_outside_window_10.json", Window),
        ("no_matching_user_100.json", Permanent(RecipientUnavailable)),
        ("permission_10.json", Permanent(PermissionDenied)),
        ("rate_limit_613.json", Retry),
        ("token_expired_190.json", Token),
        ("token_invalidated_190_460.json", Token),
        ("user_unavailable_551.json", Permanent(RecipientUnavailable)),
        ("whatsapp_marketing_limit_131049.json", Permanent(MarketingLimited)),
        ("whatsapp_outside_window_131047.json", Window),
        ("whatsapp_pair_rate_limit_131056.json", Retry),
        ("whatsapp_rate_limit_130429.json", Retry),
        ("whatsapp_template_disabled_132016.json", Permanent(TemplateDisabled)),
        ("whatsapp_template_not_found_132001.json", Permanent(TemplateMissing)),
        ("whatsapp_template_param_count_132000.json", Permanent(TemplateMismatch)),
        ("whatsapp_template_param_format_132012.json", Permanent(TemplateMismatch)),
        ("whatsapp_template_paused_132015.json", Permanent(TemplatePaused)),
        ("whatsapp_template_policy_132007.json", Permanent(TemplatePolicy)),
        ("whatsapp_template_text_too_long_132005.json", Permanent(TemplateMismatch)),
        ("whatsapp_undeliverable_131026.json", Permanent(RecipientUnavailable)),
    ];
    let listed: Vec<_> = table.iter().map(|(name, _)| name.to_string()).collect();
    assert_eq!(listed, fixture_names("graph_errors"), "every fixture is classified");
    for (name, expected) in table {
        let class = classify_graph(400, &fixture(&format!("graph_errors/{name}")));
        assert_eq!(shape(&class), expected, "{name}: {class:?}");
        if let SendErrorClass::Retryable { retry_after, .. } = class {
            assert_eq!(retry_after, None, "Graph names no delay: {name}");
        }
    }
}

#[test]
fn graph_error_details_are_kept() {
    let SendErrorClass::TokenInvalid { error } = classify_graph(400, &fixture("graph_errors/token_expired_190.json"))
    else {
        panic!("expected token invalid");
    };
    assert_eq!((error.http_status, error.code, error.subcode), (Some(400), Some(190), Some(463)));

    let SendErrorClass::Permanent { error, .. } = classify_graph(400, &fixture("graph_errors/invalid_param_100.json"))
    else {
        panic!("expected permanent");
    };
    assert!(error.message.contains("must contain at most 3 elements"), "{}", error.message);
}

#[test]
fn telegram_flood_control_names_its_delay() {
    let class = classify_telegram(429, &fixture("telegram/error_429.json"));
    let SendErrorClass::Retryable { retry_after, error } = class else {
        panic!("expected retryable, got {class:?}");
    };
    assert_eq!(retry_after, Some(Duration::from_secs(7)));
    assert_eq!(error.code, Some(429));
}

#[test]
fn telegram_blocked_user_is_permanent() {
    let class = classify_telegram(403, &fixture("telegram/error_403_blocked.json"));
    assert_eq!(shape(&class), Expected::Permanent(PermanentReason::RecipientUnavailable));
}

use super::*;

fn guest(platform: Platform) -> Recipient {
    Recipient {
        platform,
        opted_in: true,
        opted_out: false,
        has_conversation: true,
        channel_up: true,
        window_open: false,
        template: TemplateFit::None,
    }
}

#[test]
fn nobody_who_said_no_or_never_said_yes_is_messaged_on_any_platform() {
    for platform in Platform::ALL {
        let no = Recipient { opted_out: true, window_open: true, ..guest(*platform) };
        assert_eq!(route(&no), Err(Skip::OptedOut), "{platform}");
        let both = Recipient { opted_in: true, ..no };
        assert_eq!(route(&both), Err(Skip::OptedOut), "a later no wins: {platform}");
        let never = Recipient { opted_in: false, window_open: true, template: TemplateFit::Usable, ..guest(*platform) };
        assert_eq!(route(&never), Err(Skip::NotOptedIn), "{platform}");
    }
}

#[test]
fn the_platforms_rules_decide_the_route() {
    use Platform::*;
    let cases = [
        (Telegram, false, TemplateFit::None, Ok(Route::Text)),
        (Telegram, true, TemplateFit::Usable, Ok(Route::Text)),
        (WhatsApp, true, TemplateFit::Usable, Ok(Route::Text)),
        (WhatsApp, true, TemplateFit::None, Ok(Route::Text)),
        (WhatsApp, false, TemplateFit::Usable, Ok(Route::Template)),
        (WhatsApp, false, TemplateFit::Unusable, Err(Skip::TemplateUnusable)),
        (WhatsApp, false, TemplateFit::None, Err(Skip::NeedsTemplate)),
        (Instagram, true, TemplateFit::None, Ok(Route::Text)),
        (Instagram, false, TemplateFit::Usable, Err(Skip::WindowClosed)),
        (Messenger, true, TemplateFit::None, Ok(Route::Text)),
        (Messenger, false, TemplateFit::None, Err(Skip::WindowClosed)),
    ];
    for (platform, window_open, template, want) in cases {
        let r = Recipient { window_open, template, ..guest(platform) };
        assert_eq!(route(&r), want, "{platform} window {window_open} {template:?}");
    }
}

#[test]
fn guests_without_a_conversation_or_a_working_channel_are_skipped() {
    let none = Recipient { has_conversation: false, window_open: true, ..guest(Platform::WhatsApp) };
    assert_eq!(route(&none), Err(Skip::NoConversation));
    let down = Recipient { channel_up: false, window_open: true, ..guest(Platform::Telegram) };
    assert_eq!(route(&down), Err(Skip::ChannelUnavailable));
}

#[test]
fn only_approved_marketing_and_utility_templates_carry_a_broadcast() {
    use TemplateCategory::*;
    assert!(template_usable(&TemplateStatus::Approved, Marketing));
    assert!(template_usable(&TemplateStatus::Approved, Utility));
    assert!(!template_usable(&TemplateStatus::Approved, Authentication));
    for status in [TemplateStatus::Pending, TemplateStatus::Paused, TemplateStatus::Rejected, TemplateStatus::Disabled]
    {
        assert!(!template_usable(&status, Marketing), "{status:?}");
    }
}

#[test]
fn a_tally_counts_routes_and_reasons() {
    let mut t = Tally::default();
    for outcome in [Ok(Route::Text), Ok(Route::Template), Ok(Route::Text), Err(Skip::NotOptedIn), Err(Skip::NotOptedIn)]
    {
        t.add(outcome);
    }
    t.add(Err(Skip::WindowClosed));
    assert_eq!((t.reached(), t.total()), (3, 6));
    assert_eq!(t.routes[&Route::Text], 2);
    assert_eq!(t.skipped[&Skip::NotOptedIn], 2);
    assert_eq!(t.skipped.get(&Skip::OptedOut), None);
}

#[test]
fn staff_commands_follow_the_states() {
    use BroadcastStatus::*;
    use Command::*;
    let table = [
        (Draft, [Some(Sending), Some(Scheduled), None, None, Some(Cancelled)]),
        (Scheduled, [Some(Sending), Some(Scheduled), None, None, Some(Cancelled)]),
        (Sending, [None, None, Some(Paused), None, Some(Cancelled)]),
        (Paused, [None, None, None, Some(Sending), Some(Cancelled)]),
        (Done, [None, None, None, None, None]),
        (Cancelled, [None, None, None, None, None]),
    ];
    for (from, wants) in table {
        for (command, want) in [Send, Schedule, Pause, Resume, Cancel].into_iter().zip(wants) {
            assert_eq!(from.after(command), want, "{from} {command}");
        }
    }
    assert!(Draft.editable() && Scheduled.editable() && !Sending.editable() && !Paused.editable());
}

#[test]
fn rounds_take_a_tenth_of_a_seconds_worth() {
    let every = |ms| Some(TimeDelta::milliseconds(ms));
    assert_eq!(round(80), Round { size: 8, every: every(100) });
    assert_eq!(round(20), Round { size: 2, every: every(100) });
    assert_eq!(round(25), Round { size: 3, every: every(120) });
    assert_eq!(round(2), Round { size: 1, every: every(500) });
    assert_eq!(round(1), Round { size: 1, every: every(1000) });
    assert_eq!(round(0), Round { size: UNPACED_ROUND, every: None }, "pacing lifted");
    for rate in 1..=MAX_RATE {
        let r = round(rate);
        let per_second = f64::from(r.size) * 1e6 / r.every.unwrap().num_microseconds().unwrap() as f64;
        assert!((per_second - f64::from(rate)).abs() < 0.01, "{rate}/s paced as {per_second}/s");
    }
}

#[test]
fn names_and_texts_are_bounded() {
    assert_eq!(check_name("  Sommerfest "), Ok("Sommerfest"));
    assert_eq!(check_name(""), Err(BroadcastError::Name));
    assert_eq!(check_name(&"n".repeat(81)), Err(BroadcastError::Name));
    assert_eq!(check_text(" Hallo! "), Ok("Hallo!"));
    assert_eq!(check_text(&"ü".repeat(1000)).map(|t| t.chars().count()), Ok(1000));
    assert_eq!(check_text(&"ü".repeat(1001)), Err(BroadcastError::Text));
    assert_eq!(check_text("\n "), Err(BroadcastError::Text));
}

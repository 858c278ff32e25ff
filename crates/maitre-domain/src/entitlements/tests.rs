use super::*;

fn limits(n: Option<u64>) -> Limits {
    Limits {
        channels: n,
        members: n,
        flows: n,
        guest_messages_per_month: n,
        broadcasts_per_month: n,
        ai_calls_per_month: n,
    }
}

fn usage(what: Limited, n: u64) -> Usage {
    let mut u = Usage::default();
    match what {
        Limited::Channel => u.channels = n,
        Limited::Member => u.members = n,
        Limited::Flow => u.flows = n,
        Limited::GuestMessage => u.guest_messages = n,
        Limited::Broadcast => u.broadcasts = n,
        Limited::AiCall => u.ai_calls = n,
    }
    u
}

/// Every limited thing × the edges of a limit of 10: far below, the last before the warning, the warning's first,
/// the last allowed, the first over, far over; and no limit at all, and a limit of 0.
#[test]
fn the_complete_table() {
    use Entitlement::*;
    let table: [(Option<u64>, u64, Entitlement); 10] = [
        (Some(10), 0, Allowed),
        (Some(10), 6, Allowed),
        (Some(10), 7, Nearly { used: 8, limit: 10 }),
        (Some(10), 8, Nearly { used: 9, limit: 10 }),
        (Some(10), 9, Nearly { used: 10, limit: 10 }),
        (Some(10), 10, Refused { limit: 10 }),
        (Some(10), 500, Refused { limit: 10 }),
        (None, 0, Allowed),
        (None, u64::MAX, Allowed),
        (Some(0), 0, Refused { limit: 0 }),
    ];
    for what in Limited::ALL {
        for (limit, used, want) in table {
            assert_eq!(entitled(&limits(limit), &usage(what, used), what), want, "{what:?} {limit:?} {used}");
        }
    }
}

#[test]
fn only_the_asked_limit_and_usage_count() {
    let mut l = Limits::default();
    l.channels = Some(1);
    let full = Usage { channels: 1, ..Usage::default() };
    assert_eq!(entitled(&l, &full, Limited::Channel), Entitlement::Refused { limit: 1 });
    for other in Limited::ALL.into_iter().filter(|w| *w != Limited::Channel) {
        assert_eq!(entitled(&l, &full, other), Entitlement::Allowed, "{other:?}");
    }
    let busy = Usage { members: 99, flows: 99, guest_messages: 99, broadcasts: 99, ai_calls: 99, channels: 0 };
    assert_eq!(entitled(&l, &busy, Limited::Channel), Entitlement::Nearly { used: 1, limit: 1 });
}

#[test]
fn small_limits_warn_on_the_last_one_allowed() {
    let one = Limits { flows: Some(1), ..Limits::default() };
    assert_eq!(entitled(&one, &Usage::default(), Limited::Flow), Entitlement::Nearly { used: 1, limit: 1 });
    let five = Limits { flows: Some(5), ..Limits::default() };
    let at = |n| entitled(&five, &usage(Limited::Flow, n), Limited::Flow);
    assert_eq!(
        (at(2), at(3), at(4), at(5)),
        (
            Entitlement::Allowed,
            Entitlement::Nearly { used: 4, limit: 5 },
            Entitlement::Nearly { used: 5, limit: 5 },
            Entitlement::Refused { limit: 5 },
        )
    );
}

#[test]
fn names_are_distinct() {
    let mut names: Vec<&str> = Limited::ALL.iter().map(|w| w.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Limited::ALL.len());
}

#[test]
fn plans_read_from_configuration() {
    let plan: Plan = serde_json::from_value(serde_json::json!({
        "key": "free", "name": "Free", "limits": {"channels": 1, "guest_messages_per_month": 500}
    }))
    .unwrap();
    assert_eq!(plan.limits.channels, Some(1));
    assert_eq!(plan.limits.members, None, "unset: unlimited");
    assert_eq!(plan.price_lookup_key, None);
    let typo = serde_json::from_value::<Plan>(serde_json::json!({"key": "x", "name": "X", "limits": {"chanels": 1}}));
    assert!(typo.is_err(), "a misspelt limit is refused, not ignored");
    assert_eq!(Plan::unlimited().limits, Limits::default());
}

#[test]
fn automation_pauses_only_past_the_message_limit() {
    let l = Limits { guest_messages_per_month: Some(500), ..Limits::default() };
    let at = |n| automation_paused(&l, &Usage { guest_messages: n, ..Usage::default() });
    assert_eq!((at(0), at(499), at(500), at(501), at(10_000)), (false, false, false, true, true));
    let busy = Usage { guest_messages: u64::MAX, ..Usage::default() };
    assert!(!automation_paused(&Limits::default(), &busy), "no limit, no pause");
    assert!(automation_paused(
        &Limits { guest_messages_per_month: Some(0), ..Limits::default() },
        &Usage { guest_messages: 1, ..Usage::default() }
    ));
}

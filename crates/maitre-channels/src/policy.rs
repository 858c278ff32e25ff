//! Messaging windows (PROTOCOLS.md §4): when a business may write to a guest, and with which tag. Pure.
use chrono::{DateTime, TimeDelta, Utc};

use crate::inbound::Platform;

/// How a message may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// Inside the customer service window: a normal reply.
    Reply,
    /// Instagram/Messenger, 24 h to 7 days after the guest's last message, written by a person: `HUMAN_AGENT`.
    HumanAgentTag,
}

/// Decides whether a free-form message may go out now. `by_human` is true for a staff member's reply, never for
/// automation. The error is the reason shown to the sender.
pub fn window(
    platform: Platform,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    by_human: bool,
) -> Result<Allowed, String> {
    if platform == Platform::Telegram {
        return Ok(Allowed::Reply); // Telegram has no window: a bot may write to anyone who started it.
    }
    let Some(last) = last_inbound else {
        return Err(format!("{platform}: the guest has not written yet, so only a template could reach them"));
    };
    let age = now - last;
    if age <= TimeDelta::hours(24) {
        return Ok(Allowed::Reply);
    }
    match platform {
        Platform::Instagram | Platform::Messenger if by_human && age <= TimeDelta::days(7) => Ok(Allowed::HumanAgentTag),
        Platform::Instagram | Platform::Messenger if by_human => {
            Err(format!("outside {platform}'s 7-day window for staff replies: the guest last wrote over 7 days ago"))
        }
        Platform::WhatsApp => Err(
            "outside the 24-hour window of WhatsApp: the guest has not written in the last 24 hours; a template is needed"
                .into(),
        ),
        _ => Err(format!("outside the 24-hour window of {platform}: the guest has not written in the last 24 hours")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_table() {
        let now = Utc::now();
        let ago = |h: i64| Some(now - TimeDelta::hours(h));
        use Platform::*;
        // (platform, hours since the guest wrote, by a person, expected)
        let cases: [(Platform, Option<i64>, bool, Option<Allowed>); 16] = [
            (WhatsApp, Some(1), false, Some(Allowed::Reply)),
            (WhatsApp, Some(24), false, Some(Allowed::Reply)),
            (WhatsApp, Some(25), false, None),
            (WhatsApp, Some(25), true, None),
            (WhatsApp, None, true, None),
            (Instagram, Some(23), false, Some(Allowed::Reply)),
            (Instagram, Some(25), false, None),
            (Instagram, Some(25), true, Some(Allowed::HumanAgentTag)),
            (Instagram, Some(7 * 24), true, Some(Allowed::HumanAgentTag)),
            (Instagram, Some(7 * 24 + 1), true, None),
            (Messenger, Some(30), true, Some(Allowed::HumanAgentTag)),
            (Messenger, Some(30), false, None),
            (Messenger, None, false, None),
            (Telegram, None, false, Some(Allowed::Reply)),
            (Telegram, Some(24 * 365), false, Some(Allowed::Reply)),
            (Telegram, Some(1), true, Some(Allowed::Reply)),
        ];
        for (platform, hours, human, expected) in cases {
            let got = window(platform, hours.and_then(ago), now, human).ok();
            assert_eq!(got, expected, "{platform} {hours:?} human={human}");
        }
        let reason = window(WhatsApp, ago(30), now, false).unwrap_err();
        assert!(reason.contains("24-hour window") && reason.contains("template"), "{reason}");
    }
}

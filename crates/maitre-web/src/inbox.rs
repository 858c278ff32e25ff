//! What the inbox pages and the JSON API share on top of `maitre_app::inbox`: the messaging-window rule as staff
//! see it, and the application layer's refusals of a reply or a hand-back in the member's language.
use chrono::{DateTime, TimeDelta, Utc};
use maitre_app::Platform;
use maitre_app::inbox::{HandBackError, ReplyError, ReplyInput};
use maitre_channels::policy::{self, Allowed};
use maitre_domain::{MessageId, UserId};
use maitre_store::{ConversationView, StoreError, TenantStore};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::Tr;

/// Whether a reply may go out now, and the sentence that says so (shown above the composer).
pub struct WindowRule {
    pub open: bool,
    pub text: String,
}

/// The window for a reply by a member (`by_human`) or by automation/API, in the member's language.
pub fn window_rule(
    tr: &Tr,
    p: Platform,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    by_human: bool,
) -> WindowRule {
    let name = p.to_string();
    let left = |limit: TimeDelta| last_inbound.map(|t| duration(tr, limit - (now - t))).unwrap_or_default();
    match policy::window(p, last_inbound, now, by_human) {
        Ok(_) if p == Platform::Telegram => WindowRule { open: true, text: tr.t1("window-none", "platform", &name) },
        Ok(Allowed::Reply) => WindowRule {
            open: true,
            text: tr.tn("window-open", &[("platform", &name), ("left", &left(TimeDelta::hours(24)))]),
        },
        Ok(Allowed::HumanAgentTag) => WindowRule {
            open: true,
            text: tr.tn("window-human-agent", &[("platform", &name), ("left", &left(TimeDelta::days(7)))]),
        },
        Err(_) if p == Platform::WhatsApp => {
            WindowRule { open: false, text: tr.t1("window-closed-template", "platform", &name) }
        }
        Err(_) => WindowRule { open: false, text: tr.t1("window-closed", "platform", &name) },
    }
}

/// "5 days", "3 h" or "40 min" (whole units, rounded down).
fn duration(tr: &Tr, d: TimeDelta) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes >= 48 * 60 {
        tr.t1("duration-days", "n", &(minutes / (24 * 60)).to_string())
    } else if minutes >= 60 {
        tr.t1("duration-hours", "n", &(minutes / 60).to_string())
    } else {
        tr.t1("duration-minutes", "n", &minutes.to_string())
    }
}

/// Sends a reply: refused with the window's reason (or another, in the member's language) when it may not go out,
/// otherwise queued for the send job.
pub async fn send_reply(
    state: &AppState,
    tenant: &TenantStore,
    tr: &Tr,
    conversation: &ConversationView,
    input: ReplyInput<'_>,
) -> Result<MessageId, AppError> {
    let by_human = input.by.is_some();
    state.app.reply(tenant, conversation, input).await.map_err(|e| match e {
        ReplyError::UnknownCanned => AppError::Validation(tr.t("inbox-canned-unknown")),
        ReplyError::TextLength => AppError::Validation(tr.t("inbox-text-length")),
        ReplyError::WindowClosed => {
            let now = state.store.clock().now();
            AppError::Validation(
                window_rule(tr, conversation.platform, conversation.last_inbound_at, now, by_human).text,
            )
        }
        ReplyError::Store(e) => e.into(),
    })
}

/// Returns a conversation to the bot, optionally starting a flow over (see `App::hand_back`).
pub async fn hand_back(
    state: &AppState,
    tenant: &TenantStore,
    tr: &Tr,
    conversation: &ConversationView,
    flow: &str,
    by: Option<UserId>,
) -> Result<(), AppError> {
    state.app.hand_back(tenant, conversation, flow, by).await.map_err(|e| match e {
        HandBackError::FlowNotStartable { flow } => {
            AppError::Validation(tr.t1("inbox-flow-not-startable", "flow", &flow))
        }
        HandBackError::Store(e) => e.into(),
    })
}

/// Store refusals of inbox input, as messages a person understands.
pub fn input_error(tr: &Tr, e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { constraint } if constraint == "text_length" => {
            AppError::Validation(tr.t("inbox-text-length"))
        }
        StoreError::Conflict { constraint } if constraint == "shortcut" => {
            AppError::Validation(tr.t("canned-shortcut-invalid"))
        }
        StoreError::Conflict { constraint } if constraint.contains("canned_responses") => {
            AppError::Conflict(tr.t("canned-shortcut-taken"))
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maitre_domain::Locale;

    #[test]
    fn the_window_rule_in_words() {
        let tr = Tr::new(Locale::En);
        let now = Utc::now();
        let ago = |h: i64| Some(now - TimeDelta::hours(h) - TimeDelta::minutes(5));
        let wa = window_rule(&tr, Platform::WhatsApp, ago(21), now, true);
        assert!(wa.open && wa.text == "WhatsApp: 2 h left in the 24 h window", "{}", wa.text);
        let closed = window_rule(&tr, Platform::WhatsApp, ago(30), now, true);
        assert!(!closed.open && closed.text.contains("a template is needed"), "{}", closed.text);
        let ig = window_rule(&tr, Platform::Instagram, ago(30), now, true);
        assert!(ig.open && ig.text.contains("human agent"), "{}", ig.text);
        assert!(!window_rule(&tr, Platform::Instagram, ago(30), now, false).open, "automation gets no human-agent tag");
        assert!(window_rule(&tr, Platform::Telegram, None, now, true).open);
        let de = window_rule(&Tr::new(Locale::De), Platform::WhatsApp, ago(21), now, true);
        assert_ne!(de.text, wa.text);
    }
}

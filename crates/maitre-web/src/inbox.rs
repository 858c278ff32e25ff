//! What the inbox pages and the JSON API share: the messaging-window rule as staff see it, placeholders in
//! replies, sending a reply by hand (checked here, queued durably, checked again by the send job), and handing a
//! conversation back to the bot, optionally restarting a flow.
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeDelta, Utc};
use maitre_channels::policy::{self, Allowed};
use maitre_domain::flow::{self, Scope};
use maitre_domain::{ChannelId, UserId};
use maitre_gateway::Platform;
use maitre_store::{ConversationView, FlowRecord, StoreError, TenantStore};

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
    platform: &str,
    last_inbound: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    by_human: bool,
) -> WindowRule {
    let Ok(p) = maitre_gateway::connect::platform(platform) else {
        return WindowRule { open: false, text: tr.t("window-unknown") };
    };
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

/// What a reply consists of.
pub struct ReplyInput<'a> {
    pub text: &'a str,
    /// A canned response inserted (its use is counted); with empty `text` its body is sent.
    pub canned: Option<&'a str>,
    /// The member writing; None for an API client, which gets automation's window.
    pub by: Option<UserId>,
}

/// Sends a reply: refused with the window's reason when it may not go out, otherwise queued for the send job.
pub async fn send_reply(
    state: &AppState,
    tenant: &TenantStore,
    tr: &Tr,
    conversation: &ConversationView,
    input: ReplyInput<'_>,
) -> Result<String, AppError> {
    let canned = match input.canned.filter(|c| !c.is_empty()) {
        Some(id) => Some(tenant.canned_response(id).await.map_err(|e| match e {
            StoreError::NotFound => AppError::Validation(tr.t("inbox-canned-unknown")),
            other => other.into(),
        })?),
        None => None,
    };
    let text = match (&canned, input.text.trim()) {
        (Some(c), "") => c.body.as_str(),
        (_, text) => text,
    };
    if text.is_empty() || text.chars().count() > 4000 {
        return Err(AppError::Validation(tr.t("inbox-text-length")));
    }
    let now = state.store.clock().now();
    let rule = window_rule(tr, &conversation.platform, conversation.last_inbound_at, now, input.by.is_some());
    if !rule.open {
        return Err(AppError::Validation(rule.text));
    }
    let body = fill_placeholders(tenant, conversation, text).await?;
    let id = tenant.reply(&conversation.id, input.by, &body, canned.as_ref().map(|c| c.id.as_str())).await?;
    Ok(id)
}

/// Fills placeholders the way flows do (`{{contact.first_name}}`, `{{account.name}}`, `{{reservation.time}}`,
/// `| default: "…"` …), with the guest's upcoming reservation; a person's reply has no flow variables.
async fn fill_placeholders(
    tenant: &TenantStore,
    conversation: &ConversationView,
    text: &str,
) -> Result<String, AppError> {
    if !text.contains("{{") {
        return Ok(text.to_owned());
    }
    let account = tenant.account().await?;
    let review_link = tenant.booking_settings().await?.review_link;
    let upcoming = tenant.upcoming_for_contact(&conversation.contact_id).await?;
    let reservation = upcoming.first().map(|r| r.info());
    let vars = BTreeMap::new();
    let scope = Scope {
        locale: account.settings.locale,
        contact_name: &conversation.contact_name,
        account_name: &account.settings.name,
        review_link: Some(review_link.as_str()).filter(|l| !l.is_empty()),
        vars: &vars,
        reservation: reservation.as_ref(),
    };
    Ok(flow::render(text, &scope))
}

/// Flows a hand-back may start in a conversation on `channel`: published, enabled and running on that channel.
pub async fn startable_flows(tenant: &TenantStore, channel: ChannelId) -> Result<Vec<FlowRecord>, AppError> {
    let active: HashSet<String> = tenant.active_flows(channel).await?.into_iter().map(|f| f.flow_id).collect();
    Ok(tenant.flows().await?.into_iter().filter(|f| active.contains(&f.id)).collect())
}

/// Returns a conversation to the bot. With a flow id (`""`: none), that flow starts over from its start node,
/// whatever ran before; an unknown flow (or another account's) is NotFound, one that cannot start here a
/// validation error.
pub async fn hand_back(
    tenant: &TenantStore,
    tr: &Tr,
    conversation: &ConversationView,
    flow: &str,
    by: Option<UserId>,
) -> Result<(), AppError> {
    let flow = match flow.trim() {
        "" => None,
        id => {
            let flow = tenant.flow(id).await?;
            if !startable_flows(tenant, conversation.channel_id).await?.iter().any(|f| f.id == flow.id) {
                return Err(AppError::Validation(tr.t1("inbox-flow-not-startable", "flow", &flow.name)));
            }
            Some(flow.id)
        }
    };
    tenant.hand_back(&conversation.id, by, flow.as_deref()).await?;
    Ok(())
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
        let wa = window_rule(&tr, "whatsapp", ago(21), now, true);
        assert!(wa.open && wa.text == "WhatsApp: 2 h left in the 24 h window", "{}", wa.text);
        let closed = window_rule(&tr, "whatsapp", ago(30), now, true);
        assert!(!closed.open && closed.text.contains("a template is needed"), "{}", closed.text);
        let ig = window_rule(&tr, "instagram", ago(30), now, true);
        assert!(ig.open && ig.text.contains("human agent"), "{}", ig.text);
        assert!(!window_rule(&tr, "instagram", ago(30), now, false).open, "automation gets no human-agent tag");
        assert!(window_rule(&tr, "telegram", None, now, true).open);
        let de = window_rule(&Tr::new(Locale::De), "whatsapp", ago(21), now, true);
        assert_ne!(de.text, wa.text);
    }
}

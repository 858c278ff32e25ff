//! What an account's plan lets it do: one pure function, `entitled(limits, usage, what)`, asked by every handler
//! that creates something limited, like `permissions::allowed` for roles. Plans and their limits come from
//! configuration; usage is counted by the store (monthly counts per the account's local month). Guest messages are
//! never refused for a plan: over the message limit it is automation that pauses.
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// What a plan limits. `None`: unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Connected channels.
    pub channels: Option<u64>,
    /// Members of the team, the owner and pending invitations included.
    pub members: Option<u64>,
    pub flows: Option<u64>,
    /// Guest messages a month automation answers; more still arrive in the inbox.
    pub guest_messages_per_month: Option<u64>,
    /// Broadcasts started a month.
    pub broadcasts_per_month: Option<u64>,
    /// AI steps run a month.
    pub ai_calls_per_month: Option<u64>,
}

/// One plan of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The stored and configured name (`free`, `pro`, `business`).
    pub key: String,
    /// What people read.
    pub name: String,
    /// The Stripe Price's `lookup_key` (PROTOCOLS §12); none for a plan nobody pays for.
    #[serde(default)]
    pub price_lookup_key: Option<String>,
    #[serde(default)]
    pub limits: Limits,
}

impl Plan {
    /// The plan of an install that does not bill: everything unlimited.
    pub fn unlimited() -> Plan {
        Plan { key: "unlimited".into(), name: "Unlimited".into(), price_lookup_key: None, limits: Limits::default() }
    }
}

/// Something a plan limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limited {
    Channel,
    Member,
    Flow,
    /// A guest message automation would answer.
    GuestMessage,
    Broadcast,
    AiCall,
}

impl Limited {
    pub const ALL: [Limited; 6] =
        [Limited::Channel, Limited::Member, Limited::Flow, Limited::GuestMessage, Limited::Broadcast, Limited::AiCall];

    pub fn as_str(self) -> &'static str {
        match self {
            Limited::Channel => "channels",
            Limited::Member => "members",
            Limited::Flow => "flows",
            Limited::GuestMessage => "guest_messages",
            Limited::Broadcast => "broadcasts",
            Limited::AiCall => "ai_calls",
        }
    }

    fn limit(self, l: &Limits) -> Option<u64> {
        match self {
            Limited::Channel => l.channels,
            Limited::Member => l.members,
            Limited::Flow => l.flows,
            Limited::GuestMessage => l.guest_messages_per_month,
            Limited::Broadcast => l.broadcasts_per_month,
            Limited::AiCall => l.ai_calls_per_month,
        }
    }
}

/// How much of each limited thing an account has (channels, members, flows) or used this month (the rest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub channels: u64,
    pub members: u64,
    pub flows: u64,
    pub guest_messages: u64,
    pub broadcasts: u64,
    pub ai_calls: u64,
}

impl Usage {
    pub fn of(&self, what: Limited) -> u64 {
        match what {
            Limited::Channel => self.channels,
            Limited::Member => self.members,
            Limited::Flow => self.flows,
            Limited::GuestMessage => self.guest_messages,
            Limited::Broadcast => self.broadcasts,
            Limited::AiCall => self.ai_calls,
        }
    }
}

/// The share of a limit from which the owner is warned (80 %).
pub const WARN_PERCENT: u64 = 80;

/// Whether one more may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entitlement {
    /// Unlimited, or well within the limit.
    Allowed,
    /// Allowed, and the one added makes `used` of `limit`, at or past `WARN_PERCENT`: the owner is told.
    Nearly { used: u64, limit: u64 },
    /// Over the limit: refused (for guest messages, automation pauses instead; the message still arrives).
    Refused { limit: u64 },
}

/// Whether automation stops answering: the month's guest messages (the one being answered counted) exceed the
/// plan's. The messages themselves are never refused: they arrive and wait for the team.
pub fn automation_paused(limits: &Limits, usage: &Usage) -> bool {
    limits.guest_messages_per_month.is_some_and(|limit| usage.guest_messages > limit)
}

/// Whether an account on `limits` with `usage` may add one more `what`.
pub fn entitled(limits: &Limits, usage: &Usage, what: Limited) -> Entitlement {
    let Some(limit) = what.limit(limits) else { return Entitlement::Allowed };
    let used = usage.of(what).saturating_add(1);
    if used > limit {
        Entitlement::Refused { limit }
    } else if used.saturating_mul(100) >= limit.saturating_mul(WARN_PERCENT) {
        Entitlement::Nearly { used, limit }
    } else {
        Entitlement::Allowed
    }
}

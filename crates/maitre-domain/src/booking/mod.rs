//! Reservations and availability: opening hours, capacity, slot search. Pure: callers load a snapshot of an
//! account's booking rules and existing reservations and ask it questions.
//!
//! The flow engine only sees this module through [`Availability`], so it can be tested with a fake.
mod capacity;
pub mod guest_messages;
mod rules;
#[cfg(test)]
mod tests;
pub mod tz;

pub use capacity::{
    Ask, Booked, Placement, ReservationStatus, Resource, ResourceKind, Service, Snapshot, UnknownValue,
};
pub use rules::{BookingRules, Exception, Interval, RulesError, Week};

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

/// What the flow engine asks about time slots. Times are in the account's local time zone.
pub trait Availability {
    /// Whether a party of `party` can start at `start` (for `service`, `None` = the account's default).
    fn check(&self, start: NaiveDateTime, party: u32, service: Option<&str>) -> SlotCheck;
    /// Whether the business is open at `at` (opening hours and exceptions).
    fn is_open(&self, at: NaiveDateTime) -> bool;
}

/// The answer for one requested slot. Alternatives are the nearest free starts, nearest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SlotCheck {
    Free,
    /// Closed at that time (outside opening hours or on a closure day).
    Closed {
        alternatives: Vec<NaiveDateTime>,
    },
    /// Open, but no capacity left.
    Full {
        alternatives: Vec<NaiveDateTime>,
    },
    /// Larger than the account's maximum party size.
    TooLarge {
        max: u32,
    },
    /// Inside the lead time (too soon) or beyond the booking horizon (too far).
    TooSoon {
        earliest: NaiveDateTime,
    },
    TooFar {
        latest: NaiveDateTime,
    },
}

impl SlotCheck {
    /// The same refusal with other alternatives (only `Closed` and `Full` carry any).
    pub fn with_alternatives(self, alternatives: Vec<NaiveDateTime>) -> SlotCheck {
        match self {
            SlotCheck::Closed { .. } => SlotCheck::Closed { alternatives },
            SlotCheck::Full { .. } => SlotCheck::Full { alternatives },
            other => other,
        }
    }
}

/// A booking as the flow engine asks for it; the store re-checks capacity in its transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationRequest {
    /// Local start time in the account's time zone.
    pub starts_at: NaiveDateTime,
    pub party_size: u32,
    /// A service name (salons, practices); `None` = the default duration.
    #[serde(default)]
    pub service: Option<String>,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub notes: String,
}

/// A stored reservation as flows and templates see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReservationInfo {
    pub id: String,
    pub starts_at: NaiveDateTime,
    pub duration: i64,
    pub party_size: u32,
    pub status: String,
    pub name: String,
    #[serde(default)]
    pub service: Option<String>,
}

impl ReservationInfo {
    pub fn ends_at(&self) -> NaiveDateTime {
        self.starts_at + TimeDelta::minutes(self.duration)
    }
}

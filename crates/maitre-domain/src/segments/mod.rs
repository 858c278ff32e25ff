//! Segments: saved filters over a business's contacts (who gets a broadcast, whom staff look at). The rules are
//! data, checked here; the store turns checked rules into one query so a segment's count is always live.
use serde::{Deserialize, Serialize};

use crate::contacts::{FieldDef, Tag};
use crate::{ChannelId, Locale, Platform};

/// Longest segment name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// At most this many tags or field conditions in one segment (each is one clause of the query).
pub const MAX_PARTS: usize = 10;
/// Day counts go up to ten years back.
pub const MAX_DAYS: u32 = 3650;
/// "Booked at least N times" up to this N.
pub const MAX_BOOKINGS: u32 = 1000;

/// Where a contact stands on messages they did not ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentRule {
    /// Said yes to marketing messages (an opt-in on record, not withdrawn since): the only guests a broadcast
    /// reaches.
    OptedIn,
    /// Never said no (includes guests who never said yes either).
    NotOptedOut,
    /// Said no.
    OptedOut,
}

/// One custom field condition: the field has a value, or (case-insensitively) this value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
}

/// A segment's rules. Every part that is set narrows it; nothing set is every contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRules {
    /// Has all of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Writes on one of these platforms.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
    /// Writes on this channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<ConsentRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldRule>,
    /// The language of their latest message that showed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Locale>,
    /// Wrote or was written to within this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messaged_within_days: Option<u32>,
    /// Nothing written either way for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent_for_days: Option<u32>,
    /// Came (a completed booking) within this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visited_within_days: Option<u32>,
    /// Came before but not for at least this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away_for_days: Option<u32>,
    /// Has (true) or has not (false) a booking still to come.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upcoming_booking: Option<bool>,
    /// Booked at least this many times (cancelled bookings do not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_bookings: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    #[error("a segment needs a name of 1 to {MAX_NAME_CHARS} characters")]
    Name,
    #[error("at most {MAX_PARTS} {0} in one segment")]
    TooMany(&'static str),
    #[error("{0} must be a whole number from 1 to {1}")]
    OutOfRange(&'static str, u32),
    #[error("there is no contact field {0:?}")]
    UnknownField(String),
    #[error("{0:?} is not a value of the field {1:?}")]
    FieldValue(String, String),
    #[error("\"messaged within\" must be shorter than \"silent for\", or nobody matches")]
    SilentAndMessaged,
    #[error("\"visited within\" must be shorter than \"away for\", or nobody matches")]
    AwayAndVisited,
}

/// A checked segment name.
pub fn check_name(raw: &str) -> Result<String, SegmentError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(SegmentError::Name);
    }
    Ok(name.to_owned())
}

fn in_range(what: &'static str, value: Option<u32>, max: u32) -> Result<(), SegmentError> {
    match value {
        Some(v) if v == 0 || v > max => Err(SegmentError::OutOfRange(what, max)),
        _ => Ok(()),
    }
}

impl SegmentRules {
    /// Checks the rules against the business's contact fields and normalises them: field values in the field's
    /// own form (a choice's spelling, a date as YYYY-MM-DD), duplicate tags and platforms dropped.
    pub fn check(mut self, fields: &[FieldDef]) -> Result<SegmentRules, SegmentError> {
        self.tags.sort();
        self.tags.dedup();
        self.platforms.sort_by_key(|p| p.as_str());
        self.platforms.dedup();
        if self.tags.len() > MAX_PARTS {
            return Err(SegmentError::TooMany("tags"));
        }
        if self.fields.len() > MAX_PARTS {
            return Err(SegmentError::TooMany("field conditions"));
        }
        for rule in &mut self.fields {
            let def = fields
                .iter()
                .find(|f| f.key == rule.key)
                .ok_or_else(|| SegmentError::UnknownField(rule.key.clone()))?;
            if let Some(raw) = rule.equals.take().filter(|v| !v.trim().is_empty()) {
                let parsed = def.parse(&raw).ok().flatten();
                rule.equals = Some(parsed.ok_or_else(|| SegmentError::FieldValue(raw, def.label.clone()))?);
            }
        }
        in_range("\"messaged within\" (days)", self.messaged_within_days, MAX_DAYS)?;
        in_range("\"silent for\" (days)", self.silent_for_days, MAX_DAYS)?;
        in_range("\"visited within\" (days)", self.visited_within_days, MAX_DAYS)?;
        in_range("\"away for\" (days)", self.away_for_days, MAX_DAYS)?;
        in_range("\"booked at least\" (times)", self.min_bookings, MAX_BOOKINGS)?;
        if let (Some(within), Some(silent)) = (self.messaged_within_days, self.silent_for_days)
            && within <= silent
        {
            return Err(SegmentError::SilentAndMessaged);
        }
        if let (Some(within), Some(away)) = (self.visited_within_days, self.away_for_days)
            && within <= away
        {
            return Err(SegmentError::AwayAndVisited);
        }
        Ok(self)
    }

    /// Whether the rules leave anyone out (the segment of every contact has none).
    pub fn is_everyone(&self) -> bool {
        *self == SegmentRules::default()
    }
}

#[cfg(test)]
mod tests;

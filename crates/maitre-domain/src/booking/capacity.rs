//! Capacity: whether a visit fits, which resource it takes, and the nearest free alternatives.
//!
//! The rule for the end of a visit: a visit must start inside an opening interval. A visit for a service
//! (salons, practices) must also end by that interval's end; a visit without a service (restaurants) may run
//! past closing, so the interval's end is the last seating. Resources (tables, rooms, staff, areas booked
//! whole) each take one reservation at a time.
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

use super::rules::BookingRules;
use super::{Availability, SlotCheck};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Table,
    Area,
    Staff,
    Room,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] =
        [ResourceKind::Table, ResourceKind::Area, ResourceKind::Staff, ResourceKind::Room];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Table => "table",
            ResourceKind::Area => "area",
            ResourceKind::Staff => "staff",
            ResourceKind::Room => "room",
        }
    }
}

/// Unknown strings are refused by name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl FromStr for ResourceKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| UnknownValue { what: "resource kind", value: s.to_owned() })
    }
}

/// Something a visit occupies: a table, an area, a staff member, a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    pub id: String,
    pub name: String,
    pub kind: ResourceKind,
    /// Guests it takes at once (a table's seats; 1 for a staff member).
    pub seats: u32,
}

/// What salons and practices book: a named treatment with its own length and the resources that can do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The store's id (empty in rules written by hand).
    #[serde(default)]
    pub id: String,
    pub name: String,
    pub duration_minutes: u32,
    /// Resources that may take it; empty = as a visit without a service (any table, room or area).
    #[serde(default)]
    pub resource_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Pending,
    Confirmed,
    Cancelled,
    NoShow,
    Completed,
}

impl ReservationStatus {
    pub const ALL: [ReservationStatus; 5] = [
        ReservationStatus::Pending,
        ReservationStatus::Confirmed,
        ReservationStatus::Cancelled,
        ReservationStatus::NoShow,
        ReservationStatus::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Pending => "pending",
            ReservationStatus::Confirmed => "confirmed",
            ReservationStatus::Cancelled => "cancelled",
            ReservationStatus::NoShow => "no_show",
            ReservationStatus::Completed => "completed",
        }
    }

    /// Pending and confirmed reservations hold capacity; the others do not.
    pub fn is_active(self) -> bool {
        matches!(self, ReservationStatus::Pending | ReservationStatus::Confirmed)
    }

    /// Which changes staff may make. A cancellation is final (the slot may be gone); a visit's outcome
    /// (no-show, completed) may be corrected either way. Setting the current status again is allowed.
    pub fn may_become(self, next: ReservationStatus) -> bool {
        use ReservationStatus::*;
        self == next
            || match self {
                Pending => true,
                Confirmed => next != Pending,
                NoShow | Completed => matches!(next, NoShow | Completed),
                Cancelled => false,
            }
    }
}

impl fmt::Display for ReservationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReservationStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| UnknownValue { what: "reservation status", value: s.to_owned() })
    }
}

/// An existing reservation as capacity sees it (local times).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    pub id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub party_size: u32,
    pub resource_id: Option<String>,
    pub status: ReservationStatus,
}

/// Everything availability needs at one moment, all in the account's local time. Built by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub rules: BookingRules,
    pub resources: Vec<Resource>,
    pub services: Vec<Service>,
    /// Reservations overlapping the period of interest; inactive ones are ignored.
    pub reservations: Vec<Booked>,
    pub now: NaiveDateTime,
}

/// Who asks and about what: staff skip the lead time; a change to a reservation ignores that reservation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ask<'a> {
    pub service: Option<&'a str>,
    /// Staff booking by hand: only the past is too soon.
    pub staff: bool,
    /// The reservation being changed, which must not count against itself.
    pub exclude: Option<&'a str>,
}

/// Where and how long a visit that fits takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub resource_id: Option<String>,
}

impl Snapshot {
    /// A service by name, case-insensitively.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.eq_ignore_ascii_case(name.trim()))
    }

    fn duration(&self, service: Option<&Service>) -> TimeDelta {
        TimeDelta::minutes(service.map_or(self.rules.default_duration_minutes, |s| s.duration_minutes).into())
    }

    /// Where staff book outside the hours or the capacity ("book anyway"): the visit's usual length, no resource.
    pub fn anyway(&self, start: NaiveDateTime, service: Option<&str>) -> Placement {
        let end = start + self.duration(service.and_then(|n| self.service(n)));
        Placement { starts_at: start, ends_at: end, resource_id: None }
    }

    /// Earliest and latest bookable starts for this asker.
    pub fn window(&self, staff: bool) -> (NaiveDateTime, NaiveDateTime) {
        let lead = if staff { 0 } else { self.rules.lead_time_minutes };
        (self.now + TimeDelta::minutes(lead.into()), self.now + TimeDelta::days(self.rules.horizon_days.into()))
    }

    fn active_overlapping(&self, start: NaiveDateTime, end: NaiveDateTime, exclude: Option<&str>) -> Vec<&Booked> {
        self.reservations
            .iter()
            .filter(|b| {
                b.status.is_active() && Some(b.id.as_str()) != exclude && b.starts_at < end && start < b.ends_at
            })
            .collect()
    }

    /// Whether the visit fits, and where. Refusals carry no alternatives (see [`Availability::check`]).
    /// An unknown service name counts as none; a party of 0 counts as 1.
    pub fn place(&self, start: NaiveDateTime, party: u32, ask: Ask<'_>) -> Result<Placement, SlotCheck> {
        let party = party.max(1);
        if party > self.rules.max_party_size {
            return Err(SlotCheck::TooLarge { max: self.rules.max_party_size });
        }
        let (earliest, latest) = self.window(ask.staff);
        if start < earliest {
            return Err(SlotCheck::TooSoon { earliest: self.next_slot_from(earliest) });
        }
        if start > latest {
            return Err(SlotCheck::TooFar { latest });
        }
        let service = ask.service.and_then(|n| self.service(n));
        let end = start + self.duration(service);
        let closed = SlotCheck::Closed { alternatives: vec![] };
        let (_, closes) = self.rules.open_span_at(start).ok_or(closed.clone())?;
        if service.is_some() && end > closes {
            return Err(closed);
        }
        let overlapping = self.active_overlapping(start, end, ask.exclude);
        if self.rules.covers_per_slot > 0 && peak_guests(&overlapping, start, end) + party > self.rules.covers_per_slot
        {
            return Err(SlotCheck::Full { alternatives: vec![] });
        }
        let resource_id = self.assign_resource(&overlapping, party, service)?;
        Ok(Placement { starts_at: start, ends_at: end, resource_id })
    }

    /// The smallest free candidate resource with enough seats (ties: the first listed). `Ok(None)` when the
    /// request needs no resource because there are no candidates at all; `Full` when all candidates are taken.
    fn assign_resource(
        &self,
        overlapping: &[&Booked],
        party: u32,
        service: Option<&Service>,
    ) -> Result<Option<String>, SlotCheck> {
        let allowed: Vec<&Resource> = match service {
            Some(s) if !s.resource_ids.is_empty() => {
                self.resources.iter().filter(|r| s.resource_ids.contains(&r.id)).collect()
            }
            _ => self.resources.iter().filter(|r| r.kind != ResourceKind::Staff).collect(),
        };
        if allowed.is_empty() {
            return Ok(None);
        }
        allowed
            .into_iter()
            .filter(|r| r.seats >= party && !overlapping.iter().any(|b| b.resource_id.as_deref() == Some(&r.id)))
            .min_by_key(|r| r.seats)
            .map(|r| Some(r.id.clone()))
            .ok_or(SlotCheck::Full { alternatives: vec![] })
    }

    /// The first slot on the grid at or after `t` within the horizon, or `t` itself when there is none.
    fn next_slot_from(&self, t: NaiveDateTime) -> NaiveDateTime {
        let (_, latest) = self.window(true);
        t.date()
            .iter_days()
            .take_while(|d| *d <= latest.date())
            .find_map(|d| self.rules.slots_on(d).into_iter().find(|s| *s >= t))
            .unwrap_or(t)
    }

    /// Up to `n` free starts near `start`: the same day first, nearest in time; then each following day within
    /// the horizon, nearest to the same time of day.
    pub fn alternatives(&self, start: NaiveDateTime, party: u32, ask: Ask<'_>, n: usize) -> Vec<NaiveDateTime> {
        let (_, latest) = self.window(ask.staff);
        let mut out = vec![];
        for day in start.date().iter_days().take_while(|d| *d <= latest.date()) {
            if out.len() >= n {
                break;
            }
            let wanted = day.and_time(start.time());
            let mut slots = self.rules.slots_on(day);
            slots.sort_by_key(|s| ((*s - wanted).abs(), *s));
            let free = slots.into_iter().filter(|s| *s != start && self.place(*s, party, ask).is_ok());
            out.extend(free.take(n - out.len()));
        }
        out
    }

    /// [`Availability::check`] with the asker spelled out.
    pub fn check_for(&self, start: NaiveDateTime, party: u32, ask: Ask<'_>) -> SlotCheck {
        match self.place(start, party, ask) {
            Ok(_) => SlotCheck::Free,
            Err(SlotCheck::Closed { .. }) => {
                SlotCheck::Closed { alternatives: self.alternatives(start, party, ask, 3) }
            }
            Err(SlotCheck::Full { .. }) => SlotCheck::Full { alternatives: self.alternatives(start, party, ask, 3) },
            Err(other) => other,
        }
    }
}

/// Most guests present at once during [start, end): the peak is at `start` or at a later reservation's start.
fn peak_guests(overlapping: &[&Booked], start: NaiveDateTime, end: NaiveDateTime) -> u32 {
    std::iter::once(start)
        .chain(overlapping.iter().map(|b| b.starts_at).filter(|t| *t > start && *t < end))
        .map(|t| overlapping.iter().filter(|b| b.starts_at <= t && t < b.ends_at).map(|b| b.party_size).sum())
        .max()
        .unwrap_or(0)
}

impl Availability for Snapshot {
    fn check(&self, start: NaiveDateTime, party: u32, service: Option<&str>) -> SlotCheck {
        self.check_for(start, party, Ask { service, ..Ask::default() })
    }

    fn is_open(&self, at: NaiveDateTime) -> bool {
        self.rules.open_span_at(at).is_some()
    }
}

//! Flows: the model authors write, its validation, placeholder rendering, trigger selection and the pure engine.
//!
//! The engine is a function: (flow version, run state, input, context incl. clock and availability snapshot) →
//! (new state, actions). Callers persist the state and carry out the actions through the job queue.
mod model;

pub use model::*;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::Locale;
use crate::booking::{Availability, ReservationInfo};

/// Everything outside the flow that a step may read. No I/O: the caller loads it before stepping.
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub locale: Locale,
    pub account_name: &'a str,
    pub contact: ContactInfo<'a>,
    /// The contact's next upcoming reservation, if any (for modify/cancel and `{{reservation.*}}`).
    pub reservation: Option<&'a ReservationInfo>,
    pub availability: &'a dyn Availability,
}

pub struct ContactInfo<'a> {
    pub name: &'a str,
    pub tags: &'a BTreeSet<String>,
    /// maitre had never seen this contact before this input.
    pub is_new: bool,
}

/// A published flow that may start, as the caller lists them (enabled for the channel).
pub struct Candidate<'a> {
    pub flow_id: &'a str,
    pub version: i64,
    pub def: &'a FlowDef,
}

/// The result of one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `None`: the run ended (or never started).
    pub state: Option<RunState>,
    pub actions: Vec<Action>,
}

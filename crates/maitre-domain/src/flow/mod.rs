//! Flows: the model authors write, its validation, placeholder rendering, trigger selection and the pure engine.
//!
//! The engine is a function: (flow version, run state, input, context incl. clock and availability snapshot) →
//! (new state, actions). Callers persist the state and carry out the actions through the job queue.
mod answers;
mod engine;
mod format;
mod matching;
mod model;
mod nodes;
mod render;
mod runtime;
mod simulate;
mod templates;
mod validate;

#[cfg(test)]
mod tests;

pub use engine::{STEP_BUDGET, handle, start};
pub use format::{format_date, format_datetime, format_time};
pub use matching::{OPT_OUT_WORDS, normalize, opt_out_word};
pub use model::*;
pub use nodes::{Way, branches};
pub use render::{Filter, Placeholder, Scope, outline, placeholders, render};
pub use runtime::*;
pub use simulate::{AlwaysAvailable, SimEnv, Simulator, TestResult, Turn, run_tests};
pub use templates::{Template, templates};
pub use validate::{Issue, MAX_QUICK_REPLIES, MAX_QUICK_REPLY_TITLE_CHARS, MAX_TEXT_CHARS, Severity, validate};

use std::collections::{BTreeMap, BTreeSet};

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
    /// Where guests leave a review (`{{account.review_link}}`), if the account set one.
    pub review_link: Option<&'a str>,
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
    /// When a run ended in this step: its vars at the end, for the simulator and conversation logs.
    pub ended_vars: Option<BTreeMap<String, Value>>,
    /// The stages runs passed in this step, in order, for the flows' funnels.
    pub passages: Vec<Passage>,
}

//! What the engine keeps per conversation (the run state, stored as JSON: change its shape only with a migration
//! of stored rows), what it is given each step, and the actions it asks for.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::NodeId;
use crate::booking::{ReservationInfo, ReservationRequest, SlotCheck};
use crate::contacts::Tag;

/// A captured variable. Dates/times are kept in the account's local time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Text(String),
    Number(i64),
    Date(chrono::NaiveDate),
    Time(chrono::NaiveTime),
    DateTime(chrono::NaiveDateTime),
}

/// What a run is waiting for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Wait {
    /// An answer to the question at the current node; `nudged` once the no-answer nudge went out.
    Answer { retries: u32, nudged: bool },
    /// A button press at the current node; `resent` once the message was repeated after an unknown input.
    Choice {
        #[serde(default)]
        resent: bool,
    },
    /// The caller's result of a reservation action.
    Reservation,
    /// A timer (delay or no-answer).
    Timer,
}

/// The per-conversation state of one run, stored as JSON beside the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub flow_id: String,
    pub version: i64,
    pub node: NodeId,
    pub wait: Option<Wait>,
    pub vars: BTreeMap<String, Value>,
    /// The token of the timer that may wake this run; a timer with another token is stale and ignored.
    #[serde(default)]
    pub timer: Option<String>,
    pub started_at: DateTime<Utc>,
}

/// What arrived for a conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Input {
    /// One guest message, or several quick ones read together (texts joined with newlines).
    Message {
        text: String,
        /// A quick-reply/postback payload, when a button was pressed.
        #[serde(default)]
        payload: Option<String>,
        #[serde(default)]
        kind: InputKind,
    },
    Timer {
        token: String,
    },
    /// The result of the caller's `Action::Reserve`/`Modify…`/`Cancel…`.
    Reservation {
        outcome: ReservationOutcome,
    },
    /// A system event (see `TriggerKind::Event`).
    Event {
        name: String,
    },
    /// Start this flow at its start node, ending any run in progress (a member handed the conversation back to
    /// the bot with a restart).
    Start {
        flow: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputKind {
    #[default]
    Text,
    StoryReply,
    StoryMention,
    Comment {
        media_id: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ReservationOutcome {
    Booked {
        reservation: ReservationInfo,
    },
    Cancelled {
        reservation: ReservationInfo,
    },
    /// Taken meanwhile, closed, or otherwise refused by the store's re-check.
    Unavailable {
        check: SlotCheck,
    },
    /// Nothing to modify or cancel.
    NoReservation,
}

/// A reply to send. `quick_replies` are (title, payload); the caller maps them to the platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub text: String,
    #[serde(default)]
    pub quick_replies: Vec<(String, String)>,
}

/// Effects the caller carries out (through the job queue) after saving the new state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Action {
    Send(Reply),
    /// Only tags that parse: a flow stored before a tag rule tightened runs on without the refused ones.
    Tag {
        add: Vec<Tag>,
        remove: Vec<Tag>,
    },
    /// Store a captured contact field (name, phone, email) on the contact.
    SetContact {
        field: String,
        value: String,
    },
    Handoff {
        note: Option<String>,
    },
    /// Wake the run with `Input::Timer { token }` at `at`.
    Schedule {
        at: DateTime<Utc>,
        token: String,
    },
    Reserve(ReservationRequest),
    ModifyReservation {
        id: String,
        starts_at: chrono::NaiveDateTime,
        party_size: u32,
    },
    CancelReservation {
        id: String,
    },
    /// Send an AI completion of `prompt`, or `fallback` on any failure.
    Ai {
        prompt: String,
        fallback: String,
    },
    /// The guest opted out: automation stops for this contact.
    OptOut {
        word: String,
    },
}

/// A stage of a run that a flow's funnel counts, once per run however often the run passes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// The run began (a trigger, a member's hand-back, or another flow's "go to").
    Started,
    /// The run entered the node.
    Entered(NodeId),
    /// The guest answered the node's question or pressed one of its buttons.
    Answered(NodeId),
    /// The run reached an end of the flow (not cut short: no opt-out, interruption or handoff for lack of answers).
    Completed,
    /// A reservation step of the run booked a table or appointment.
    Booked,
}

impl Stage {
    /// The stage as stored: `started`, `entered:<node>`, `answered:<node>`, `completed`, `booked`.
    pub fn word(&self) -> String {
        match self {
            Stage::Started => "started".to_owned(),
            Stage::Entered(node) => format!("entered:{node}"),
            Stage::Answered(node) => format!("answered:{node}"),
            Stage::Completed => "completed".to_owned(),
            Stage::Booked => "booked".to_owned(),
        }
    }

    pub fn parse(word: &str) -> Option<Stage> {
        Some(match word.split_once(':') {
            Some(("entered", node)) => Stage::Entered(node.to_owned()),
            Some(("answered", node)) => Stage::Answered(node.to_owned()),
            None if word == "started" => Stage::Started,
            None if word == "completed" => Stage::Completed,
            None if word == "booked" => Stage::Booked,
            _ => return None,
        })
    }
}

/// A run passed a stage: the run is its flow and the moment it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub flow_id: String,
    pub run_started_at: DateTime<Utc>,
    pub stage: Stage,
}

//! A flow definition as authors write it (JSON, stored per published version). The run state the engine keeps per
//! conversation is in `runtime`. Serde shapes are the stored format: change them only with a migration of stored
//! rows.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Locale;
use crate::kinds::words;

pub type NodeId = String;

/// One version of a flow: what starts it, its nodes, and its test cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowDef {
    #[serde(default)]
    pub triggers: Vec<Trigger>,
    /// The node a new run starts at.
    pub start: NodeId,
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub settings: FlowSettings,
    #[serde(default)]
    pub tests: Vec<FlowTest>,
}

impl FlowDef {
    /// Whether a run of this flow can ask the calendar (a reservation node, an opening-hours or availability
    /// condition): callers load the availability snapshot only for such flows, not for every message.
    pub fn consults_calendar(&self) -> bool {
        self.nodes.iter().any(|n| match &n.kind {
            NodeKind::Reserve { .. } => true,
            NodeKind::Condition { rules, .. } => {
                rules.iter().any(|r| matches!(r.when, Cond::IsOpen { .. } | Cond::Available))
            }
            _ => false,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowSettings {
    /// A trigger of another flow arriving mid-run interrupts this run (true) or is ignored (false).
    pub interruptible: bool,
    /// How many times a question is asked again after an invalid answer before its max-retries branch.
    pub max_retries: u32,
    /// The language the flow speaks and reads answers in (its templates' language); absent: the account's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<Locale>,
}

impl Default for FlowSettings {
    fn default() -> Self {
        FlowSettings { interruptible: true, max_retries: 2, language: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// No `deny_unknown_fields`: serde rejects every field of a flattened enum under it, so no trigger would parse.
pub struct Trigger {
    #[serde(flatten)]
    pub on: TriggerKind,
    /// Higher wins between matching triggers of different flows; ties go to the more specific kind.
    #[serde(default)]
    pub priority: i32,
    /// The node this trigger starts the run at (absent = the flow's `start`), so one flow can have several
    /// entries, e.g. "stornieren" jumping straight to the cancel branch of a booking flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NodeId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TriggerKind {
    /// Text matching; case-, accent- and umlaut-insensitive ("Kaese" ≈ "Käse" ≈ "kase" is NOT promised; é→e, ä→a).
    Keyword {
        words: Vec<String>,
        #[serde(default)]
        mode: MatchMode,
    },
    AnyMessage,
    /// The first message of a contact maitre has not seen before.
    FirstMessage,
    StoryReply,
    StoryMention,
    /// A comment on a post or reel; `words` empty = any comment; `media_id` restricts to one post.
    Comment {
        #[serde(default)]
        words: Vec<String>,
        #[serde(default)]
        media_id: Option<String>,
    },
    /// A quick-reply or postback payload.
    Payload {
        payload: String,
    },
    /// A system event, e.g. `visit_completed` (review request after a visit).
    Event {
        name: String,
    },
    /// Used when nothing else matched and no run is in progress.
    Fallback,
}

words! {
    pub enum MatchMode("match mode") {
        Contains = "contains",
        Exact = "exact",
        WholeWord = "whole_word",
        Regex = "regex",
    }
}

impl Default for MatchMode {
    fn default() -> Self {
        MatchMode::Contains
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// No `deny_unknown_fields`: serde rejects every field of a flattened enum under it, so no node would parse.
pub struct Node {
    pub id: NodeId,
    #[serde(flatten)]
    pub kind: NodeKind,
}

/// A quick-reply button. Pressing it (or typing its title or number) answers a question or jumps to `next`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub title: String,
    /// Defaults to the title.
    #[serde(default)]
    pub value: Option<String>,
    /// Jump here when chosen (a `message` node's buttons); questions continue at their own `next`.
    #[serde(default)]
    pub next: Option<NodeId>,
}

impl Choice {
    /// What a press of this button sends back: its value, or the title when it has none.
    pub fn payload(&self) -> &str {
        self.value.as_deref().unwrap_or(&self.title)
    }
}

words! {
    pub enum VarKind("answer kind") {
        Text = "text",
        Number = "number",
        Choice = "choice",
        Date = "date",
        Time = "time",
        DateTime = "date_time",
        PartySize = "party_size",
        Name = "name",
        Phone = "phone",
        Email = "email",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAnswer {
    pub after_minutes: u32,
    /// Sent once when the time is up; the question then waits the same time again before `next`.
    #[serde(default)]
    pub nudge: Option<String>,
    /// Where to go when no answer came (absent = end the run).
    #[serde(default)]
    pub next: Option<NodeId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Send text (with placeholders) and optional quick replies; continue at `next` (absent = end) unless a
    /// button with its own `next` is shown, in which case the run waits for the press.
    Message {
        text: String,
        #[serde(default)]
        quick_replies: Vec<Choice>,
        #[serde(default)]
        next: Option<NodeId>,
    },
    /// Ask and capture the answer into `vars.<var>`, validated for `kind`. A date, time, date-time or party-size
    /// question reached right after a message started the run first tries that message as its answer, so
    /// "Tisch für 4 morgen um 20 Uhr" is not asked for again; such answers also fill the default `date`, `time`
    /// and `party_size` vars with whatever else they contain.
    Ask {
        text: String,
        var: String,
        kind: VarKind,
        #[serde(default)]
        choices: Vec<Choice>,
        /// Sent after an invalid answer (default: a localized "I didn't get that" plus the question).
        #[serde(default)]
        reprompt: Option<String>,
        #[serde(default)]
        max_retries: Option<u32>,
        #[serde(default)]
        on_max_retries: Option<NodeId>,
        #[serde(default)]
        no_answer: Option<NoAnswer>,
        #[serde(default)]
        next: Option<NodeId>,
    },
    /// First matching rule wins; `otherwise` when none does (absent = end).
    Condition {
        rules: Vec<Rule>,
        #[serde(default)]
        otherwise: Option<NodeId>,
    },
    /// `vars.<var>` = rendered `value`.
    Set {
        var: String,
        value: String,
        #[serde(default)]
        next: Option<NodeId>,
    },
    Tag {
        #[serde(default)]
        add: Vec<String>,
        #[serde(default)]
        remove: Vec<String>,
        #[serde(default)]
        next: Option<NodeId>,
    },
    /// Book from the captured variables. Full or closed: `vars.alternatives` holds the nearest free starts
    /// (formatted) and the run continues at `on_unavailable`.
    Reserve {
        #[serde(default = "defaults::date_var")]
        date_var: String,
        #[serde(default = "defaults::time_var")]
        time_var: String,
        #[serde(default = "defaults::party_var")]
        party_var: String,
        #[serde(default = "defaults::name_var")]
        name_var: String,
        #[serde(default)]
        phone_var: Option<String>,
        #[serde(default)]
        email_var: Option<String>,
        #[serde(default)]
        service: Option<String>,
        #[serde(default)]
        next: Option<NodeId>,
        #[serde(default)]
        on_unavailable: Option<NodeId>,
    },
    /// Move the contact's upcoming reservation to the captured date/time/party size.
    ModifyReservation {
        #[serde(default = "defaults::date_var")]
        date_var: String,
        #[serde(default = "defaults::time_var")]
        time_var: String,
        #[serde(default = "defaults::party_var")]
        party_var: String,
        #[serde(default)]
        next: Option<NodeId>,
        #[serde(default)]
        on_unavailable: Option<NodeId>,
    },
    /// Cancel the contact's upcoming reservation; `on_none` when there is none.
    CancelReservation {
        #[serde(default)]
        next: Option<NodeId>,
        #[serde(default)]
        on_none: Option<NodeId>,
    },
    /// The conversation goes to a human; the run ends.
    Handoff {
        #[serde(default)]
        note: Option<String>,
    },
    /// Wait durably (through the job queue), then continue.
    Delay {
        minutes: u32,
        next: NodeId,
    },
    /// End this run and start another flow (by id) from its start node.
    GotoFlow {
        flow: String,
    },
    /// Reply with an AI completion of the rendered prompt; `fallback` when the provider fails or is not set up.
    Ai {
        prompt: String,
        fallback: String,
        #[serde(default)]
        next: Option<NodeId>,
    },
    End,
}

impl TriggerKind {
    /// Every trigger's `type`, in the order editors offer them.
    pub const TYPES: [&'static str; 9] = [
        "keyword",
        "any_message",
        "first_message",
        "story_reply",
        "story_mention",
        "comment",
        "payload",
        "event",
        "fallback",
    ];

    /// This trigger's `type` as flows spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            TriggerKind::Keyword { .. } => "keyword",
            TriggerKind::AnyMessage => "any_message",
            TriggerKind::FirstMessage => "first_message",
            TriggerKind::StoryReply => "story_reply",
            TriggerKind::StoryMention => "story_mention",
            TriggerKind::Comment { .. } => "comment",
            TriggerKind::Payload { .. } => "payload",
            TriggerKind::Event { .. } => "event",
            TriggerKind::Fallback => "fallback",
        }
    }
}

impl NodeKind {
    /// Every node's `type`, in the order editors offer them.
    pub const TYPES: [&'static str; 13] = [
        "message",
        "ask",
        "condition",
        "set",
        "tag",
        "reserve",
        "modify_reservation",
        "cancel_reservation",
        "handoff",
        "delay",
        "goto_flow",
        "ai",
        "end",
    ];

    /// This node's `type` as flows spell it.
    pub fn type_name(&self) -> &'static str {
        match self {
            NodeKind::Message { .. } => "message",
            NodeKind::Ask { .. } => "ask",
            NodeKind::Condition { .. } => "condition",
            NodeKind::Set { .. } => "set",
            NodeKind::Tag { .. } => "tag",
            NodeKind::Reserve { .. } => "reserve",
            NodeKind::ModifyReservation { .. } => "modify_reservation",
            NodeKind::CancelReservation { .. } => "cancel_reservation",
            NodeKind::Handoff { .. } => "handoff",
            NodeKind::Delay { .. } => "delay",
            NodeKind::GotoFlow { .. } => "goto_flow",
            NodeKind::Ai { .. } => "ai",
            NodeKind::End => "end",
        }
    }
}

/// The var names reservation nodes read unless told otherwise, and that date/time answers also fill.
pub(super) mod defaults {
    pub const DATE: &str = "date";
    pub const TIME: &str = "time";
    pub const PARTY: &str = "party_size";

    pub fn date_var() -> String {
        DATE.into()
    }
    pub fn time_var() -> String {
        TIME.into()
    }
    pub fn party_var() -> String {
        PARTY.into()
    }
    pub fn name_var() -> String {
        "name".into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// No `deny_unknown_fields`: serde rejects every field of a flattened enum under it, so no rule would parse.
pub struct Rule {
    #[serde(flatten)]
    pub when: Cond,
    pub next: NodeId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "if", rename_all = "snake_case")]
pub enum Cond {
    VarEquals {
        var: String,
        value: String,
    },
    VarSet {
        var: String,
    },
    HasTag {
        tag: String,
    },
    /// Open now, or at the captured date/time when both vars are given.
    IsOpen {
        #[serde(default)]
        date_var: Option<String>,
        #[serde(default)]
        time_var: Option<String>,
    },
    /// The captured date/time/party size (default var names) is bookable.
    Available,
}

/// A flow's own test case, run on publish and by CI: inputs in order, then what must have happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowTest {
    pub name: String,
    pub inputs: Vec<String>,
    /// Each expected text must appear (as a substring) in the replies, in this order.
    #[serde(default)]
    pub expect_replies: Vec<String>,
    #[serde(default)]
    pub expect_vars: BTreeMap<String, String>,
    /// A reservation was requested by the end.
    #[serde(default)]
    pub expect_reservation: bool,
}

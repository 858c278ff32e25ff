//! The one entry point: an input arrives for a conversation; which flow runs, and what it does until it waits.
use chrono::TimeDelta;

use super::matching::{Incoming, Selection, pick, select};
use super::render::{MESSAGE_VAR, Scope, render};
use super::{
    Action, Candidate, Context, FlowDef, Input, InputKind, Node, NodeId, NodeKind, Outcome, Passage, RunState, Stage,
    Value, Wait,
};
use crate::Locale;

/// Nodes one call may pass through; a flow that loops without waiting ends when it is used up.
pub const STEP_BUDGET: usize = 100;

/// Handles one input: opt-out first, then a trigger that may start (or interrupt into) a flow, then the run in
/// progress. `running` is the stored state with the flow version it belongs to.
pub fn handle(flows: &[Candidate], running: Option<(&RunState, &FlowDef)>, input: &Input, ctx: &Context) -> Outcome {
    if let Input::Start { flow } = input {
        // Whatever ran ends; an unknown (or meanwhile disabled) flow leaves the conversation idle.
        return start(flows, flow, None, ctx);
    }
    let incoming = Incoming::new(input, ctx.contact.is_new);
    if let Some(word) = incoming.opt_out() {
        let actions = vec![Action::OptOut { word: word.to_owned() }];
        return Outcome { actions, ended_vars: running.map(|(s, _)| s.vars.clone()), ..Outcome::idle() };
    }
    let Some((state, def)) = running else {
        return match select(flows, &incoming, Selection::Idle) {
            Some((c, t)) => Run::begin(flows, c, t.start.as_deref(), Some(input), ctx),
            None => Outcome::idle(),
        };
    };
    if def.settings.interruptible && !presses_current_button(state, def, input) {
        let selection = Selection::Interrupt { running: &state.flow_id };
        if let Some((c, t)) = select(flows, &incoming, selection) {
            return Run::begin(flows, c, t.start.as_deref(), Some(input), ctx);
        }
    }
    resume(flows, state, def, input, ctx)
}

/// Starts the flow `flow_id` whatever its triggers say: for a member's hand-back (`Input::Start`) and the
/// simulator. `input`, when given, is the message that started it; if one of the flow's triggers takes it, the run
/// enters where that trigger says. Unknown flows do nothing.
pub fn start(flows: &[Candidate], flow_id: &str, input: Option<&Input>, ctx: &Context) -> Outcome {
    let Some(c) = flows.iter().find(|c| c.flow_id == flow_id) else {
        return Outcome::idle();
    };
    let entry = input.and_then(|i| {
        let incoming = Incoming::new(i, ctx.contact.is_new);
        select(std::slice::from_ref(c), &incoming, Selection::Idle).and_then(|(_, t)| t.start.as_deref())
    });
    Run::begin(flows, c, entry, input, ctx)
}

/// Keeps the guest's latest message for `{{message.text}}` (an AI prompt quotes it).
fn remember(state: &mut RunState, input: Option<&Input>) {
    if let Some(Input::Message { text, .. }) = input {
        state.vars.insert(MESSAGE_VAR.to_owned(), Value::Text(text.clone()));
    }
}

/// A button of the node the run waits at was pressed: that answers the run, whatever other flows listen for.
fn presses_current_button(state: &RunState, def: &FlowDef, input: &Input) -> bool {
    let Input::Message { text, payload, .. } = input else {
        return false;
    };
    let choices = match node(def, &state.node).map(|n| &n.kind) {
        Some(NodeKind::Message { quick_replies, .. }) => quick_replies,
        Some(NodeKind::Ask { choices, .. }) => choices,
        _ => return false,
    };
    state.wait.is_some() && pick(choices, text, payload.as_deref()).is_some()
}

fn resume(flows: &[Candidate], state: &RunState, def: &FlowDef, input: &Input, ctx: &Context) -> Outcome {
    let unchanged = || Outcome { state: Some(state.clone()), ..Outcome::idle() };
    let Some(node) = node(def, &state.node) else {
        // The run points at a node this version no longer has.
        return Outcome { ended_vars: Some(state.vars.clone()), ..Outcome::idle() };
    };
    let mut run = Run::new(flows, ctx, def, state.clone(), None);
    remember(&mut run.state, Some(input));
    match (&state.wait, input) {
        (_, Input::Timer { token }) if state.timer.as_ref() == Some(token) => run.on_timer(node),
        (Some(Wait::Answer { retries, nudged }), Input::Message { text, payload, kind })
            if !matches!(kind, InputKind::Comment { .. }) =>
        {
            run.on_answer(node, *retries, *nudged, text, payload.as_deref())
        }
        (Some(Wait::Choice { resent }), Input::Message { text, payload, kind })
            if !matches!(kind, InputKind::Comment { .. }) =>
        {
            run.on_press(node, *resent, text, payload.as_deref())
        }
        (Some(Wait::Reservation), Input::Reservation { outcome }) => run.on_outcome(node, outcome),
        _ => unchanged(),
    }
}

/// What entering a node leads to.
pub(super) enum Step {
    Next(Option<NodeId>),
    Wait(Wait),
    End,
    Goto(String),
}

/// One call's work on a run: the state it carries, the actions so far and the steps used.
pub(super) struct Run<'r> {
    pub flows: &'r [Candidate<'r>],
    pub ctx: &'r Context<'r>,
    pub def: &'r FlowDef,
    pub state: RunState,
    pub actions: Vec<Action>,
    steps: usize,
    /// The text of the message that started the run, offered once to the first question (see `NodeKind::Ask`).
    pub opener: Option<String>,
    passages: Vec<Passage>,
}

impl<'r> Run<'r> {
    fn new(
        flows: &'r [Candidate<'r>],
        ctx: &'r Context<'r>,
        def: &'r FlowDef,
        state: RunState,
        opener: Option<String>,
    ) -> Self {
        Run { flows, ctx, def, state, actions: Vec::new(), steps: 0, opener, passages: Vec::new() }
    }

    fn begin(
        flows: &'r [Candidate<'r>],
        c: &'r Candidate<'r>,
        entry: Option<&str>,
        input: Option<&Input>,
        ctx: &'r Context<'r>,
    ) -> Outcome {
        let opener = match input {
            Some(Input::Message { text, .. }) => Some(text.clone()),
            _ => None,
        };
        let mut state = fresh(c, ctx);
        remember(&mut state, input);
        let mut run = Run::new(flows, ctx, c.def, state, opener);
        run.pass(Stage::Started);
        run.go(Some(entry.unwrap_or(&c.def.start).to_owned()))
    }

    /// Walks from `next` until the run waits or ends.
    pub fn go(mut self, mut next: Option<NodeId>) -> Outcome {
        while let Some(id) = next {
            if self.steps >= STEP_BUDGET {
                return self.end();
            }
            self.steps += 1;
            let Some(node) = node(self.def, &id) else {
                return self.end();
            };
            self.state.node = id.clone();
            self.pass(Stage::Entered(id));
            self.state.wait = None;
            self.state.timer = None;
            next = match self.enter(node) {
                Step::Next(n) => n,
                Step::Wait(wait) => return self.wait(wait),
                Step::End => None,
                Step::Goto(flow) => {
                    let Some(c) = self.flows.iter().find(|c| c.flow_id == flow) else {
                        return self.end();
                    };
                    self.def = c.def;
                    self.state = fresh(c, self.ctx);
                    self.pass(Stage::Started);
                    Some(c.def.start.clone())
                }
            };
        }
        self.pass(Stage::Completed);
        self.end()
    }

    pub fn wait(mut self, wait: Wait) -> Outcome {
        self.state.wait = Some(wait);
        self.unchanged()
    }

    /// The run waits on as it is.
    pub fn unchanged(self) -> Outcome {
        Outcome { state: Some(self.state), actions: self.actions, ended_vars: None, passages: self.passages }
    }

    pub fn end(self) -> Outcome {
        Outcome { state: None, actions: self.actions, ended_vars: Some(self.state.vars), passages: self.passages }
    }

    /// The run passed `stage` (see `Stage`).
    pub fn pass(&mut self, stage: Stage) {
        let (flow_id, run_started_at) = (self.state.flow_id.clone(), self.state.started_at);
        self.passages.push(Passage { flow_id, run_started_at, stage });
    }

    /// The guest answered the node the run is at.
    pub fn answered(&mut self) {
        self.pass(Stage::Answered(self.state.node.clone()));
    }

    /// The language of the flow running now: its own, or the account's.
    pub fn locale(&self) -> Locale {
        self.def.settings.language.unwrap_or(self.ctx.locale)
    }

    pub fn scope(&self) -> Scope<'_> {
        Scope {
            locale: self.locale(),
            contact_name: self.ctx.contact.name,
            account_name: self.ctx.account_name,
            review_link: self.ctx.review_link,
            vars: &self.state.vars,
            reservation: self.ctx.reservation,
        }
    }

    pub fn render(&self, template: &str) -> String {
        render(template, &self.scope())
    }

    /// Wakes the run at the current node in `minutes`. The token names flow, node, the moment of scheduling and
    /// `salt` (distinct per re-schedule at one node), so it is deterministic and a later timer makes earlier ones
    /// stale.
    pub fn schedule(&mut self, minutes: u32, salt: u32) {
        let at = self.ctx.now + TimeDelta::minutes(minutes.into());
        let token = format!("{}/{}/{}/{salt}", self.state.flow_id, self.state.node, self.ctx.now.timestamp_millis());
        self.state.timer = Some(token.clone());
        self.actions.push(Action::Schedule { at, token });
    }
}

impl Outcome {
    fn idle() -> Self {
        Outcome { state: None, actions: Vec::new(), ended_vars: None, passages: Vec::new() }
    }
}

fn fresh(c: &Candidate, ctx: &Context) -> RunState {
    RunState {
        flow_id: c.flow_id.to_owned(),
        version: c.version,
        node: c.def.start.clone(),
        wait: None,
        vars: Default::default(),
        timer: None,
        started_at: ctx.now,
    }
}

fn node<'d>(def: &'d FlowDef, id: &str) -> Option<&'d Node> {
    def.nodes.iter().find(|n| n.id == id)
}

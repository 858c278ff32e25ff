//! Flows without a channel: the dashboard's try-it panel, `maitre simulate` and the checks before publishing.
//! The simulator plays the caller's part: it keeps the run state, books against the given availability, and
//! fires timers only when asked. Its state is serde-serializable so an HTTP API can hand it back and forth.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::engine::{STEP_BUDGET, handle, start};
use super::matching::{Incoming, Selection, select};
use super::{Action, Candidate, ContactInfo, Context, Input, InputKind, Outcome, Reply, ReservationOutcome, Value};
use crate::Locale;
use crate::booking::{Availability, ReservationInfo, SlotCheck};

/// How long a simulated booking lasts; only shown, never checked.
const SIM_DURATION_MINUTES: i64 = 120;

/// Every slot free and always open: for checks that must not depend on an account's calendar.
pub struct AlwaysAvailable;

impl Availability for AlwaysAvailable {
    fn check(&self, _: NaiveDateTime, _: u32, _: Option<&str>) -> SlotCheck {
        SlotCheck::Free
    }
    fn is_open(&self, _: NaiveDateTime) -> bool {
        true
    }
}

/// What the simulated account is: its flows, place, language and calendar.
pub struct SimEnv<'a> {
    pub flows: &'a [Candidate<'a>],
    pub tz: Tz,
    pub locale: Locale,
    pub account_name: &'a str,
    pub review_link: Option<&'a str>,
    pub availability: &'a dyn Availability,
}

/// A timer a flow asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTimer {
    pub at: DateTime<Utc>,
    pub token: String,
}

/// One simulated conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulator {
    /// The simulated clock; it moves only when a timer fires.
    pub now: DateTime<Utc>,
    pub contact_name: String,
    pub tags: BTreeSet<String>,
    /// No message was handled yet (for `first_message` triggers).
    pub is_new: bool,
    pub opted_out: bool,
    pub run: Option<super::RunState>,
    /// The contact's upcoming reservation, as the store would hold it.
    pub reservation: Option<ReservationInfo>,
    /// Earliest first.
    pub timers: Vec<PendingTimer>,
    /// Bookings made so far, for synthetic ids.
    pub bookings: u32,
}

/// What one input led to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub replies: Vec<Reply>,
    /// Everything the flows asked the caller to do, the reservation requests the simulator answered included.
    pub actions: Vec<Action>,
    /// The run's vars after the turn, or at its end when it ended during the turn.
    pub vars: BTreeMap<String, Value>,
    /// Booked or moved during this turn.
    pub booked: Option<ReservationInfo>,
    /// Where the run waits after the turn; `None` when no run is in progress.
    pub flow: Option<String>,
    pub node: Option<String>,
}

impl Simulator {
    pub fn new(now: DateTime<Utc>, contact_name: impl Into<String>) -> Self {
        Simulator {
            now,
            contact_name: contact_name.into(),
            tags: BTreeSet::new(),
            is_new: true,
            opted_out: false,
            run: None,
            reservation: None,
            timers: Vec::new(),
            bookings: 0,
        }
    }

    /// The guest types `text`.
    pub fn send(&mut self, env: &SimEnv, text: &str) -> Turn {
        self.input(env, &Input::Message { text: text.to_owned(), payload: None, kind: InputKind::Text })
    }

    /// Any input: a button press (text with payload), a story reply, an event, a reservation outcome, a timer.
    pub fn input(&mut self, env: &SimEnv, input: &Input) -> Turn {
        if self.opted_out {
            return Turn::default();
        }
        let out = self.with_ctx(env, |ctx, running| handle(env.flows, running, input, ctx));
        self.is_new = false;
        self.settle(env, out)
    }

    /// Starts `flow_id` directly, as a job or another flow would; `text` is the message that started it.
    pub fn start(&mut self, env: &SimEnv, flow_id: &str, text: Option<&str>) -> Turn {
        let input = text.map(|t| Input::Message { text: t.to_owned(), payload: None, kind: InputKind::Text });
        let out = self.with_ctx(env, |ctx, _| start(env.flows, flow_id, input.as_ref(), ctx));
        self.settle(env, out)
    }

    /// Fires the earliest pending timer, moving the clock to it; `None` when no timer is pending.
    pub fn advance(&mut self, env: &SimEnv) -> Option<Turn> {
        if self.timers.is_empty() {
            return None;
        }
        let timer = self.timers.remove(0);
        self.now = self.now.max(timer.at);
        Some(self.input(env, &Input::Timer { token: timer.token }))
    }

    fn with_ctx<T>(
        &self,
        env: &SimEnv,
        f: impl FnOnce(&Context, Option<(&super::RunState, &super::FlowDef)>) -> T,
    ) -> T {
        let ctx = Context {
            now: self.now,
            tz: env.tz,
            locale: env.locale,
            account_name: env.account_name,
            review_link: env.review_link,
            contact: ContactInfo { name: &self.contact_name, tags: &self.tags, is_new: self.is_new },
            reservation: self.reservation.as_ref(),
            availability: env.availability,
        };
        let running =
            self.run.as_ref().and_then(|s| env.flows.iter().find(|c| c.flow_id == s.flow_id).map(|c| (s, c.def)));
        f(&ctx, running)
    }

    /// Carries out the actions, answering reservation requests by feeding the outcome back in.
    fn settle(&mut self, env: &SimEnv, mut out: Outcome) -> Turn {
        let mut turn = Turn::default();
        // A flow that books in a loop would otherwise keep the simulator going forever.
        for _ in 0..STEP_BUDGET {
            let mut feedback = None;
            self.run = out.state;
            if let Some(vars) = out.ended_vars {
                turn.vars = vars;
            }
            for action in out.actions {
                match &action {
                    Action::Send(reply) => turn.replies.push(reply.clone()),
                    Action::Schedule { at, token } => {
                        self.timers.push(PendingTimer { at: *at, token: token.clone() });
                        self.timers.sort_by_key(|t| t.at);
                    }
                    Action::Tag { add, remove } => {
                        self.tags.extend(add.iter().map(ToString::to_string));
                        self.tags.retain(|t| !remove.iter().any(|r| r.as_str() == t));
                    }
                    Action::SetContact { field, value } if field == "name" => self.contact_name.clone_from(value),
                    Action::OptOut { .. } => self.opted_out = true,
                    Action::Reserve(req) => {
                        let info = ReservationInfo {
                            id: format!("sim-{}", self.bookings + 1),
                            starts_at: req.starts_at,
                            duration: SIM_DURATION_MINUTES,
                            party_size: req.party_size,
                            status: "confirmed".into(),
                            name: req.name.clone(),
                            service: req.service.clone(),
                        };
                        feedback = Some(self.book(env, info, &mut turn));
                    }
                    Action::ModifyReservation { id, starts_at, party_size } => {
                        feedback = Some(match self.reservation.clone().filter(|r| r.id == *id) {
                            Some(r) => {
                                let moved = ReservationInfo { starts_at: *starts_at, party_size: *party_size, ..r };
                                self.book(env, moved, &mut turn)
                            }
                            None => ReservationOutcome::NoReservation,
                        });
                    }
                    Action::CancelReservation { id } => {
                        feedback = Some(match self.reservation.take_if(|r| r.id == *id) {
                            Some(r) => ReservationOutcome::Cancelled { reservation: r },
                            None => ReservationOutcome::NoReservation,
                        });
                    }
                    _ => {}
                }
                turn.actions.push(action);
            }
            let Some(outcome) = feedback.filter(|_| self.run.is_some()) else {
                break;
            };
            out = self.with_ctx(env, |ctx, running| handle(env.flows, running, &Input::Reservation { outcome }, ctx));
        }
        if let Some(s) = &self.run {
            turn.vars = s.vars.clone();
            turn.flow = Some(s.flow_id.clone());
            turn.node = Some(s.node.clone());
        }
        turn
    }

    fn book(&mut self, env: &SimEnv, info: ReservationInfo, turn: &mut Turn) -> ReservationOutcome {
        match env.availability.check(info.starts_at, info.party_size, info.service.as_deref()) {
            SlotCheck::Free => {
                self.bookings += 1;
                self.reservation = Some(info.clone());
                turn.booked = Some(info.clone());
                ReservationOutcome::Booked { reservation: info }
            }
            check => ReservationOutcome::Unavailable { check },
        }
    }
}

/// The result of one `FlowTest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    pub passed: bool,
    pub failures: Vec<String>,
}

/// Runs the tests of `flow_id` (one of `env.flows`) at `now`, each in a fresh conversation. The first input
/// starts the flow when one of its triggers takes it; otherwise the flow is started directly and the first input
/// is its first answer (flows started by events or other flows). Vars compare as ISO text (`2026-03-14`, `20:00`).
pub fn run_tests(env: &SimEnv, flow_id: &str, now: DateTime<Utc>) -> Vec<TestResult> {
    let Some(c) = env.flows.iter().find(|c| c.flow_id == flow_id) else {
        return Vec::new();
    };
    c.def
        .tests
        .iter()
        .map(|test| {
            let mut sim = Simulator::new(now, "");
            let mut turns = Vec::new();
            let mut inputs = test.inputs.iter();
            let first = inputs.next().map(String::as_str);
            let opens = first.is_some_and(|text| {
                let input = Input::Message { text: text.to_owned(), payload: None, kind: InputKind::Text };
                select(std::slice::from_ref(c), &Incoming::new(&input, true), Selection::Idle).is_some()
            });
            if opens {
                turns.push(sim.start(env, flow_id, first));
            } else {
                turns.push(sim.start(env, flow_id, None));
                turns.extend(first.map(|text| sim.send(env, text)));
            }
            turns.extend(inputs.map(|text| sim.send(env, text)));
            let failures = check(test, &turns);
            TestResult { name: test.name.clone(), passed: failures.is_empty(), failures }
        })
        .collect()
}

fn check(test: &super::FlowTest, turns: &[Turn]) -> Vec<String> {
    let mut failures = Vec::new();
    let replies: Vec<&str> = turns.iter().flat_map(|t| &t.replies).map(|r| r.text.as_str()).collect();
    // Where the previous expectation matched: (reply, byte offset after it). Several may match one reply.
    let (mut reply, mut offset) = (0, 0);
    for want in &test.expect_replies {
        let found = replies.iter().enumerate().skip(reply).find_map(|(i, r)| {
            let from = if i == reply { offset } else { 0 };
            r[from..].find(want.as_str()).map(|at| (i, from + at + want.len()))
        });
        match found {
            Some(next) => (reply, offset) = next,
            None => failures.push(format!("no reply containing {want:?} after the earlier expectations: {replies:?}")),
        }
    }
    let vars = turns.last().map(|t| &t.vars);
    for (name, want) in &test.expect_vars {
        let got = vars.and_then(|v| v.get(name)).map(Value::plain);
        if got.as_deref() != Some(want.as_str()) {
            failures.push(format!("vars.{name}: expected {want:?}, got {got:?}"));
        }
    }
    if test.expect_reservation && !turns.iter().any(|t| t.booked.is_some()) {
        failures.push("no reservation was booked".into());
    }
    failures
}

impl Value {
    /// Locale-free text, the way tests spell expected values (`2026-03-14`, `20:00`, `2026-03-14T20:00`).
    pub fn plain(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Number(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Time(t) => t.format("%H:%M").to_string(),
            Value::DateTime(dt) => dt.format("%Y-%m-%dT%H:%M").to_string(),
        }
    }
}

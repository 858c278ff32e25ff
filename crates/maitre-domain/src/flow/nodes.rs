//! What each node does when the run enters it, and how a waiting node takes what it waited for.
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::answers::{self, Answer};
use super::engine::{Run, Step};
use super::format::format_slot;
use super::matching::{normalize, pick};
use super::model::defaults::{DATE, PARTY, TIME};
use super::render::{display, keep_reservation};
use super::{
    Action, Choice, Cond, NoAnswer, Node, NodeId, NodeKind, Outcome, Reply, ReservationOutcome, Stage, Value, VarKind,
    Wait,
};
use crate::booking::{ReservationRequest, SlotCheck};
use crate::contacts::Tag;

/// Suggested starts put into `vars.alternatives`, nearest first.
const MAX_ALTERNATIVES: usize = 5;

impl Run<'_> {
    pub(super) fn enter(&mut self, node: &Node) -> Step {
        match &node.kind {
            NodeKind::Message { text, quick_replies, next } => {
                self.send(text, quick_replies);
                if quick_replies.iter().any(|c| c.next.is_some()) {
                    Step::Wait(Wait::Choice { resent: false })
                } else {
                    Step::Next(next.clone())
                }
            }
            NodeKind::Ask { text, var, kind, choices, next, no_answer, .. } => {
                self.ask(text, var, *kind, choices, next, no_answer.as_ref())
            }
            NodeKind::Condition { rules, otherwise } => {
                let hit = rules.iter().find(|r| self.holds(&r.when));
                Step::Next(hit.map_or_else(|| otherwise.clone(), |r| Some(r.next.clone())))
            }
            NodeKind::Set { var, value, next } => {
                let value = self.render(value);
                self.state.vars.insert(var.clone(), Value::Text(value));
                Step::Next(next.clone())
            }
            NodeKind::Tag { add, remove, next } => {
                let parsed = |tags: &[String]| tags.iter().filter_map(|t| Tag::parse(t).ok()).collect();
                self.actions.push(Action::Tag { add: parsed(add), remove: parsed(remove) });
                Step::Next(next.clone())
            }
            NodeKind::Reserve { date_var, time_var, party_var, name_var, phone_var, email_var, service, .. } => {
                let starts_at = self.starts_at(date_var, time_var);
                let party_size = self.party(party_var).unwrap_or(1);
                let service = service.as_deref().map(|s| self.render(s)).filter(|s| !s.is_empty());
                let Some(starts_at) = starts_at else {
                    return Step::Next(self.unavailable(node, Err("incomplete")));
                };
                let check = self.ctx.availability.check(starts_at, party_size, service.as_deref());
                if check != SlotCheck::Free {
                    return Step::Next(self.unavailable(node, Ok(&check)));
                }
                let name = self.text(name_var).unwrap_or_else(|| self.ctx.contact.name.to_owned());
                let (phone, email) = (self.text_opt(phone_var), self.text_opt(email_var));
                let req =
                    ReservationRequest { starts_at, party_size, service, name, phone, email, notes: String::new() };
                self.actions.push(Action::Reserve(req));
                Step::Wait(Wait::Reservation)
            }
            // Without an upcoming reservation there is nothing to move: the unavailable branch, with
            // `unavailable_reason` "none" and no alternatives, so the flow can say so or offer a new booking.
            NodeKind::ModifyReservation { date_var, time_var, party_var, .. } => {
                self.modify(node, date_var, time_var, party_var)
            }
            NodeKind::CancelReservation { on_none, .. } => match self.ctx.reservation {
                Some(r) => {
                    self.actions.push(Action::CancelReservation { id: r.id.clone() });
                    Step::Wait(Wait::Reservation)
                }
                None => Step::Next(on_none.clone()),
            },
            NodeKind::Handoff { note } => {
                let note = note.as_deref().map(|n| self.render(n));
                self.actions.push(Action::Handoff { note });
                Step::End
            }
            NodeKind::Delay { minutes, .. } => {
                self.schedule(*minutes, 0);
                Step::Wait(Wait::Timer)
            }
            NodeKind::GotoFlow { flow } => Step::Goto(flow.clone()),
            NodeKind::Ai { prompt, fallback, next } => {
                let (prompt, fallback) = (self.render(prompt), self.render(fallback));
                self.actions.push(Action::Ai { prompt, fallback });
                Step::Next(next.clone())
            }
            NodeKind::End => Step::End,
        }
    }

    /// Asks, unless the message that started the run already answers (a date, time or party size in it).
    fn ask(
        &mut self,
        text: &str,
        var: &str,
        kind: VarKind,
        choices: &[Choice],
        next: &Option<NodeId>,
        no_answer: Option<&NoAnswer>,
    ) -> Step {
        let opener = self.opener.take().filter(|_| answers::is_extracted(kind));
        if let Some(a) = opener.and_then(|t| answers::read(kind, &t, None, choices, self.ctx, self.locale())) {
            self.answered();
            self.capture(var, a);
            return Step::Next(next.clone());
        }
        self.send(text, choices);
        if let Some(na) = no_answer {
            self.schedule(na.after_minutes, 0);
        }
        Step::Wait(Wait::Answer { retries: 0, nudged: false })
    }

    /// Moves the guest's upcoming reservation to the date, time and party size in the variables (each defaults to
    /// the reservation's own).
    fn modify(&mut self, node: &Node, date_var: &str, time_var: &str, party_var: &str) -> Step {
        let Some(r) = self.ctx.reservation else {
            return Step::Next(self.unavailable(node, Err("none")));
        };
        let date = self.date(date_var).unwrap_or(r.starts_at.date());
        let time = self.time(time_var).unwrap_or(r.starts_at.time());
        let party_size = self.party(party_var).unwrap_or(r.party_size);
        let (id, starts_at) = (r.id.clone(), date.and_time(time));
        self.actions.push(Action::ModifyReservation { id, starts_at, party_size });
        Step::Wait(Wait::Reservation)
    }

    pub(super) fn on_timer(mut self, node: &Node) -> Outcome {
        match (&node.kind, self.state.wait.clone()) {
            (NodeKind::Delay { next, .. }, Some(Wait::Timer)) => self.go(Some(next.clone())),
            (NodeKind::Ask { no_answer: Some(na), .. }, Some(Wait::Answer { retries, nudged })) => match &na.nudge {
                Some(nudge) if !nudged => {
                    self.send(nudge, &[]);
                    self.schedule(na.after_minutes, 2 * retries + 1);
                    self.wait(Wait::Answer { retries, nudged: true })
                }
                _ => self.go(na.next.clone()),
            },
            _ => self.unchanged(),
        }
    }

    pub(super) fn on_answer(
        mut self,
        node: &Node,
        retries: u32,
        nudged: bool,
        text: &str,
        payload: Option<&str>,
    ) -> Outcome {
        let NodeKind::Ask {
            text: question,
            var,
            kind,
            choices,
            reprompt,
            max_retries,
            on_max_retries,
            no_answer,
            next,
        } = &node.kind
        else {
            return self.end();
        };
        if let Some(a) = answers::read(*kind, text, payload, choices, self.ctx, self.locale()) {
            self.answered();
            self.capture(var, a);
            return self.go(next.clone());
        }
        if retries >= max_retries.unwrap_or(self.def.settings.max_retries) {
            return match on_max_retries {
                Some(n) => self.go(Some(n.clone())),
                None => {
                    self.actions.push(Action::Handoff { note: None });
                    self.end()
                }
            };
        }
        let again = match reprompt {
            Some(r) => r.clone(),
            None => format!("{}\n{question}", answers::not_understood(self.locale())),
        };
        self.send(&again, choices);
        if let Some(na) = no_answer {
            self.schedule(na.after_minutes, 2 * (retries + 1));
        }
        self.wait(Wait::Answer { retries: retries + 1, nudged })
    }

    pub(super) fn on_press(mut self, node: &Node, resent: bool, text: &str, payload: Option<&str>) -> Outcome {
        let NodeKind::Message { text: message, quick_replies, next } = &node.kind else {
            return self.end();
        };
        match pick(quick_replies, text, payload) {
            Some(c) => {
                self.answered();
                self.go(c.next.clone().or_else(|| next.clone()))
            }
            None if !resent => {
                self.send(message, quick_replies);
                self.wait(Wait::Choice { resent: true })
            }
            None => self.go(next.clone()),
        }
    }

    pub(super) fn on_outcome(mut self, node: &Node, outcome: &ReservationOutcome) -> Outcome {
        if let (NodeKind::Reserve { .. }, ReservationOutcome::Booked { .. }) = (&node.kind, outcome) {
            self.pass(Stage::Booked);
        }
        let next = match (&node.kind, outcome) {
            (
                NodeKind::Reserve { next, .. } | NodeKind::ModifyReservation { next, .. },
                ReservationOutcome::Booked { reservation },
            )
            | (NodeKind::CancelReservation { next, .. }, ReservationOutcome::Cancelled { reservation }) => {
                keep_reservation(&mut self.state.vars, reservation);
                next.clone()
            }
            (NodeKind::CancelReservation { on_none, .. }, _) => on_none.clone(),
            (_, ReservationOutcome::Unavailable { check }) => self.unavailable(node, Ok(check)),
            _ => self.unavailable(node, Err("none")),
        };
        self.go(next)
    }

    fn send(&mut self, text: &str, choices: &[Choice]) {
        let text = self.render(text);
        let quick_replies = choices.iter().map(|c| (c.title.clone(), c.payload().to_owned())).collect();
        self.actions.push(Action::Send(Reply { text, quick_replies }));
    }

    fn capture(&mut self, var: &str, a: Answer) {
        for (name, v) in a.also {
            self.state.vars.insert(name.to_owned(), v);
        }
        self.state.vars.insert(var.to_owned(), a.value);
        if let Some((field, value)) = a.contact {
            self.actions.push(Action::SetContact { field: field.to_owned(), value });
        }
    }

    /// Fills `vars.alternatives` and `vars.unavailable_reason` (from the check, or the reason given when there
    /// was nothing to check) and returns the node's unavailable branch.
    fn unavailable(&mut self, node: &Node, why: Result<&SlotCheck, &'static str>) -> Option<NodeId> {
        let (reason, starts): (&str, &[NaiveDateTime]) = match why {
            Ok(SlotCheck::Closed { alternatives }) => ("closed", alternatives),
            Ok(SlotCheck::Full { alternatives }) => ("full", alternatives),
            Ok(SlotCheck::TooSoon { earliest }) => ("too_soon", std::slice::from_ref(earliest)),
            Ok(SlotCheck::TooLarge { .. }) => ("too_large", &[]),
            Ok(SlotCheck::TooFar { .. }) => ("too_far", &[]),
            // The store's re-check said no although the snapshot said yes.
            Ok(SlotCheck::Free) => ("taken", &[]),
            Err(reason) => (reason, &[]),
        };
        let locale = self.locale();
        let list: Vec<String> =
            starts.iter().take(MAX_ALTERNATIVES).map(|at| format!("• {}", format_slot(*at, locale))).collect();
        self.state.vars.insert("alternatives".into(), Value::Text(list.join("\n")));
        self.state.vars.insert("unavailable_reason".into(), Value::Text(reason.into()));
        match &node.kind {
            NodeKind::Reserve { on_unavailable, .. } | NodeKind::ModifyReservation { on_unavailable, .. } => {
                on_unavailable.clone()
            }
            _ => None,
        }
    }

    fn holds(&self, cond: &Cond) -> bool {
        match cond {
            Cond::VarEquals { var, value } => self
                .state
                .vars
                .get(var)
                .is_some_and(|v| normalize(&display(v, self.locale())) == normalize(&self.render(value))),
            Cond::VarSet { var } => self.state.vars.get(var).is_some_and(|v| *v != Value::Text(String::new())),
            Cond::HasTag { tag } => Tag::parse(tag).is_ok_and(|t| self.ctx.contact.tags.contains(t.as_str())),
            Cond::IsOpen { date_var, time_var } => {
                let at = date_var.as_deref().zip(time_var.as_deref()).and_then(|(d, t)| self.starts_at(d, t));
                let now = self.ctx.now.with_timezone(&self.ctx.tz).naive_local();
                self.ctx.availability.is_open(at.unwrap_or(now))
            }
            Cond::Available => self.starts_at(DATE, TIME).is_some_and(|at| {
                let party = self.party(PARTY).unwrap_or(1);
                self.ctx.availability.check(at, party, None) == SlotCheck::Free
            }),
        }
    }

    fn date(&self, var: &str) -> Option<NaiveDate> {
        match self.state.vars.get(var)? {
            Value::Date(d) => Some(*d),
            Value::DateTime(dt) => Some(dt.date()),
            Value::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }

    fn time(&self, var: &str) -> Option<NaiveTime> {
        match self.state.vars.get(var)? {
            Value::Time(t) => Some(*t),
            Value::DateTime(dt) => Some(dt.time()),
            Value::Text(t) => NaiveTime::parse_from_str(t.trim(), "%H:%M").ok(),
            _ => None,
        }
    }

    fn starts_at(&self, date_var: &str, time_var: &str) -> Option<NaiveDateTime> {
        Some(self.date(date_var)?.and_time(self.time(time_var)?))
    }

    fn party(&self, var: &str) -> Option<u32> {
        match self.state.vars.get(var)? {
            Value::Number(n) => u32::try_from(*n).ok(),
            Value::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
        .filter(|n| *n > 0)
    }

    fn text(&self, var: &str) -> Option<String> {
        self.state.vars.get(var).map(|v| display(v, self.locale())).filter(|t| !t.trim().is_empty())
    }

    fn text_opt(&self, var: &Option<String>) -> Option<String> {
        var.as_deref().and_then(|v| self.text(v))
    }
}

/// The node ids a node can lead to, for validation and reachability.
pub(super) fn edges(kind: &NodeKind) -> Vec<&NodeId> {
    branches(kind).into_iter().map(|(_, to)| to).collect()
}

/// What takes a node's branch, for drawing the flow (the reader's language is the caller's business).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Way<'a> {
    /// The plain next node.
    Next,
    /// A button with this title.
    Button(&'a str),
    MaxRetries,
    NoAnswer,
    When(&'a Cond),
    Otherwise,
    Unavailable,
    NoReservation,
    After {
        minutes: u32,
    },
}

/// The node ids a node can lead to, each with what takes that way.
pub fn branches(kind: &NodeKind) -> Vec<(Way<'_>, &NodeId)> {
    let mut out: Vec<(Way<'_>, &NodeId)> = Vec::new();
    match kind {
        NodeKind::Message { quick_replies, next, .. } => {
            out.extend(buttons(quick_replies));
            out.extend(plain(next));
        }
        NodeKind::Ask { choices, on_max_retries, no_answer, next, .. } => {
            out.extend(buttons(choices));
            out.extend(on_max_retries.as_ref().map(|n| (Way::MaxRetries, n)));
            out.extend(no_answer.as_ref().and_then(|a| a.next.as_ref()).map(|n| (Way::NoAnswer, n)));
            out.extend(plain(next));
        }
        NodeKind::Condition { rules, otherwise } => {
            out.extend(rules.iter().map(|r| (Way::When(&r.when), &r.next)));
            out.extend(otherwise.as_ref().map(|n| (Way::Otherwise, n)));
        }
        NodeKind::Set { next, .. } | NodeKind::Tag { next, .. } | NodeKind::Ai { next, .. } => out.extend(plain(next)),
        NodeKind::Reserve { next, on_unavailable, .. } | NodeKind::ModifyReservation { next, on_unavailable, .. } => {
            out.extend(plain(next));
            out.extend(on_unavailable.as_ref().map(|n| (Way::Unavailable, n)));
        }
        NodeKind::CancelReservation { next, on_none } => {
            out.extend(plain(next));
            out.extend(on_none.as_ref().map(|n| (Way::NoReservation, n)));
        }
        NodeKind::Delay { next, minutes } => out.push((Way::After { minutes: *minutes }, next)),
        NodeKind::Handoff { .. } | NodeKind::GotoFlow { .. } | NodeKind::End => {}
    }
    out
}

fn plain(next: &Option<NodeId>) -> Option<(Way<'static>, &NodeId)> {
    next.as_ref().map(|n| (Way::Next, n))
}

fn buttons(choices: &[Choice]) -> impl Iterator<Item = (Way<'_>, &NodeId)> {
    choices.iter().filter_map(|c| c.next.as_ref().map(|n| (Way::Button(&c.title), n)))
}

/// The vars a node sets, for placeholder validation.
pub(super) fn sets(kind: &NodeKind) -> Vec<&str> {
    match kind {
        NodeKind::Ask { var, kind, .. } if answers::is_extracted(*kind) => vec![var, DATE, TIME, PARTY],
        NodeKind::Ask { var, .. } | NodeKind::Set { var, .. } => vec![var],
        NodeKind::Reserve { .. } | NodeKind::ModifyReservation { .. } => {
            let mut v = vec!["alternatives", "unavailable_reason"];
            v.extend(super::render::RESERVATION_VARS);
            v
        }
        NodeKind::CancelReservation { .. } => super::render::RESERVATION_VARS.to_vec(),
        _ => Vec::new(),
    }
}

//! A flow's funnel over a period: of the runs that started in it, how many entered each step, answered each
//! question or button, reached an end of the flow and booked. Counts are of runs (a run that passes a step twice
//! counts once there) and belong to the day the run started, so later steps never outnumber the start. No I/O.
use std::collections::{BTreeMap, HashSet, VecDeque};

use crate::flow::{FlowDef, NodeId, NodeKind, Stage, branches, outline};

/// One step of a funnel: a node of the flow, in the order a guest meets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelStep {
    pub node: NodeId,
    /// The node's `type` (`NodeKind::type_name`); `None` when the flow no longer has the node.
    pub kind: Option<&'static str>,
    /// What the node says (questions, messages), as its author wrote it.
    pub text: String,
    pub entered: i64,
    /// For questions and messages with buttons: runs whose guest answered.
    pub answered: Option<i64>,
}

impl FunnelStep {
    /// Runs that stopped at this question: they got it and never answered it (still waiting, gave up, or handed
    /// over after unclear answers).
    pub fn dropped(&self) -> Option<i64> {
        self.answered.map(|a| (self.entered - a).max(0))
    }
}

/// A flow's funnel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funnel {
    pub started: i64,
    pub steps: Vec<FunnelStep>,
    pub completed: i64,
    pub booked: i64,
}

impl Funnel {
    /// The funnel of the flow `def` (its published version now) from the counted stages of its runs. Steps are
    /// the nodes a guest notices (`noticed`), in the order a guest meets them (breadth first from the start, then
    /// any others as written); nodes no run entered are left out, and nodes only older versions had come last.
    pub fn new(def: &FlowDef, counts: &[(Stage, i64)]) -> Funnel {
        let mut by_stage: BTreeMap<&Stage, i64> = BTreeMap::new();
        for (stage, n) in counts {
            *by_stage.entry(stage).or_default() += n;
        }
        let count = |stage: &Stage| by_stage.get(stage).copied().unwrap_or(0);
        let mut steps = Vec::new();
        let mut known = HashSet::new();
        for node in walk(def) {
            known.insert(node.id.as_str());
            let entered = count(&Stage::Entered(node.id.clone()));
            if entered == 0 || !noticed(&node.kind) {
                continue;
            }
            let answered = waits_for_guest(&node.kind).then(|| count(&Stage::Answered(node.id.clone())));
            let (kind, text) = (Some(node.kind.type_name()), said(&node.kind));
            steps.push(FunnelStep { node: node.id.clone(), kind, text, entered, answered });
        }
        for (stage, n) in &by_stage {
            if let Stage::Entered(id) = stage
                && !known.contains(id.as_str())
                && *n > 0
            {
                steps.push(FunnelStep {
                    node: id.clone(),
                    kind: None,
                    text: String::new(),
                    entered: *n,
                    answered: None,
                });
            }
        }
        Funnel {
            started: count(&Stage::Started),
            steps,
            completed: count(&Stage::Completed),
            booked: count(&Stage::Booked),
        }
    }
}

/// The flow's nodes breadth first from the start, then the unreachable ones in the order written.
fn walk(def: &FlowDef) -> Vec<&crate::flow::Node> {
    let index: BTreeMap<&str, &crate::flow::Node> = def.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut queue = VecDeque::from([def.start.as_str()]);
    while let Some(id) = queue.pop_front() {
        let Some(node) = index.get(id).filter(|_| seen.insert(id)) else { continue };
        order.push(*node);
        queue.extend(branches(&node.kind).into_iter().map(|(_, to)| to.as_str()));
    }
    order.extend(def.nodes.iter().filter(|n| !seen.contains(n.id.as_str())));
    order
}

/// Nodes a guest notices: what they are told or asked, a booking, a handoff. Conditions, variables, tags,
/// pauses and jumps are the flow's inner workings.
fn noticed(kind: &NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::Message { .. }
            | NodeKind::Ask { .. }
            | NodeKind::Reserve { .. }
            | NodeKind::ModifyReservation { .. }
            | NodeKind::CancelReservation { .. }
            | NodeKind::Handoff { .. }
            | NodeKind::Ai { .. }
    )
}

/// Nodes where the run waits for the guest: questions, and messages whose buttons lead somewhere.
fn waits_for_guest(kind: &NodeKind) -> bool {
    match kind {
        NodeKind::Ask { .. } => true,
        NodeKind::Message { quick_replies, .. } => quick_replies.iter().any(|c| c.next.is_some()),
        _ => false,
    }
}

fn said(kind: &NodeKind) -> String {
    match kind {
        NodeKind::Ask { text, .. } | NodeKind::Message { text, .. } => outline(text),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests;

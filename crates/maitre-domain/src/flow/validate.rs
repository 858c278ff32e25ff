//! Checks a flow before it is published: broken edges, unreachable nodes, placeholders that cannot resolve, and
//! limits every platform shares (the channel layer checks stricter per-platform ones).
use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::matching::compiled;
use super::nodes::{edges, sets};
use super::render::{placeholders, unresolvable};
use super::{Choice, Cond, FlowDef, MatchMode, NodeKind, TriggerKind, VarKind};
use crate::contacts::Tag;

pub const MAX_TEXT_CHARS: usize = 1000;
pub const MAX_QUICK_REPLIES: usize = 13;
pub const MAX_QUICK_REPLY_TITLE_CHARS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    /// The node the issue is about, if any.
    pub node: Option<String>,
    pub message: String,
}

impl Issue {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

struct Issues(Vec<Issue>);

impl Issues {
    fn error(&mut self, node: Option<&str>, message: String) {
        self.0.push(Issue { severity: Severity::Error, node: node.map(str::to_owned), message });
    }
    fn warning(&mut self, node: Option<&str>, message: String) {
        self.0.push(Issue { severity: Severity::Warning, node: node.map(str::to_owned), message });
    }
}

/// All issues of `def`; `known_flows` are the ids a `goto_flow` may name. Publishing requires no errors.
pub fn validate(def: &FlowDef, known_flows: &[&str]) -> Vec<Issue> {
    let mut out = Issues(Vec::new());
    let ids: HashSet<&str> = def.nodes.iter().map(|n| n.id.as_str()).collect();
    let vars: BTreeSet<String> = def.nodes.iter().flat_map(|n| sets(&n.kind)).map(str::to_owned).collect();

    if !ids.contains(def.start.as_str()) {
        out.error(None, format!("the start node `{}` does not exist", def.start));
    }
    let mut seen = HashSet::new();
    for n in &def.nodes {
        if !seen.insert(n.id.as_str()) {
            out.error(Some(&n.id), format!("the node id `{}` is used more than once", n.id));
        }
    }
    triggers(def, &ids, &mut out);
    for n in &def.nodes {
        let at = Some(n.id.as_str());
        for to in edges(&n.kind) {
            if !ids.contains(to.as_str()) {
                out.error(at, format!("leads to `{to}`, which does not exist"));
            }
        }
        node(&n.kind, known_flows, &vars, at, &mut out);
    }
    for id in unreachable(def) {
        out.warning(Some(id), "no path from a trigger or the start leads here".to_owned());
    }
    out.0
}

fn triggers(def: &FlowDef, ids: &HashSet<&str>, out: &mut Issues) {
    if def.triggers.is_empty() {
        out.warning(None, "the flow has no triggers: only another flow or an event job can start it".to_owned());
    }
    for t in &def.triggers {
        if let Some(start) = &t.start
            && !ids.contains(start.as_str())
        {
            out.error(None, format!("a trigger starts at `{start}`, which does not exist"));
        }
        let words = match &t.on {
            TriggerKind::Keyword { words, mode } => {
                if words.is_empty() {
                    out.error(None, "a keyword trigger has no words".to_owned());
                }
                if *mode == MatchMode::Regex {
                    for w in words {
                        if let Err(e) = compiled(w) {
                            out.error(None, format!("invalid regex `{w}`: {e}"));
                        }
                    }
                    continue;
                }
                words
            }
            TriggerKind::Comment { words, .. } => words,
            _ => continue,
        };
        if words.iter().any(|w| super::normalize(w).is_empty()) {
            out.error(None, "a trigger has an empty word, which would never match".to_owned());
        }
    }
}

fn node(kind: &NodeKind, known_flows: &[&str], vars: &BTreeSet<String>, at: Option<&str>, out: &mut Issues) {
    for t in texts(kind) {
        text(t, vars, at, out);
    }
    match kind {
        NodeKind::Message { quick_replies, .. } => choices(quick_replies, at, out),
        NodeKind::Ask { kind, choices: c, .. } => {
            if *kind == VarKind::Choice && c.is_empty() {
                out.error(at, "a choice question needs choices".to_owned());
            }
            choices(c, at, out);
        }
        NodeKind::GotoFlow { flow } if !known_flows.contains(&flow.as_str()) => {
            out.error(at, format!("goes to the flow `{flow}`, which does not exist"));
        }
        NodeKind::Tag { add, remove, .. } => {
            for t in add.iter().chain(remove) {
                tag(t, at, out);
            }
        }
        NodeKind::Condition { rules, .. } => {
            for r in rules {
                if let Cond::HasTag { tag: t } = &r.when {
                    tag(t, at, out);
                }
                if let Cond::VarEquals { var, .. } | Cond::VarSet { var } = &r.when
                    && !vars.contains(var)
                {
                    out.warning(at, format!("checks `vars.{var}`, which this flow never sets"));
                }
            }
        }
        _ => {}
    }
}

/// Texts that are rendered with placeholders.
fn texts(kind: &NodeKind) -> Vec<&str> {
    match kind {
        NodeKind::Message { text, .. } => vec![text],
        NodeKind::Ask { text, reprompt, no_answer, .. } => {
            let mut v = vec![text.as_str()];
            v.extend(reprompt.as_deref());
            v.extend(no_answer.as_ref().and_then(|n| n.nudge.as_deref()));
            v
        }
        NodeKind::Set { value, .. } => vec![value],
        NodeKind::Condition { rules, .. } => rules
            .iter()
            .filter_map(|r| match &r.when {
                Cond::VarEquals { value, .. } => Some(value.as_str()),
                _ => None,
            })
            .collect(),
        NodeKind::Reserve { service, .. } => service.as_deref().into_iter().collect(),
        NodeKind::Handoff { note } => note.as_deref().into_iter().collect(),
        NodeKind::Ai { prompt, fallback, .. } => vec![prompt, fallback],
        _ => Vec::new(),
    }
}

fn text(t: &str, vars: &BTreeSet<String>, at: Option<&str>, out: &mut Issues) {
    let chars = t.chars().count();
    if chars > MAX_TEXT_CHARS {
        out.error(at, format!("text of {chars} characters; at most {MAX_TEXT_CHARS} are allowed"));
    }
    for p in placeholders(t) {
        match p {
            Ok(p) => {
                if let Some(problem) = unresolvable(&p, vars) {
                    out.error(at, problem);
                }
            }
            Err(src) => out.error(at, format!("malformed placeholder `{{{{{src}}}}}`")),
        }
    }
}

fn tag(raw: &str, at: Option<&str>, out: &mut Issues) {
    if let Err(e) = Tag::parse(raw) {
        out.error(at, e.to_string());
    }
}

fn choices(choices: &[Choice], at: Option<&str>, out: &mut Issues) {
    if choices.len() > MAX_QUICK_REPLIES {
        out.error(at, format!("{} quick replies; at most {MAX_QUICK_REPLIES} are allowed", choices.len()));
    }
    for c in choices {
        let chars = c.title.chars().count();
        if chars > MAX_QUICK_REPLY_TITLE_CHARS {
            out.error(at, format!("the quick reply `{}` is {chars} characters long; at most {MAX_QUICK_REPLY_TITLE_CHARS} are allowed", c.title));
        }
        if c.title.trim().is_empty() {
            out.error(at, "a quick reply has an empty title".to_owned());
        }
    }
}

/// Nodes no path from the start or a trigger's entry reaches, in definition order.
fn unreachable(def: &FlowDef) -> Vec<&str> {
    let mut reached: HashSet<&str> = HashSet::new();
    let mut todo: Vec<&str> = vec![def.start.as_str()];
    todo.extend(def.triggers.iter().filter_map(|t| t.start.as_deref()));
    while let Some(id) = todo.pop() {
        if !reached.insert(id) {
            continue;
        }
        if let Some(n) = def.nodes.iter().find(|n| n.id == id) {
            todo.extend(edges(&n.kind).into_iter().map(String::as_str));
        }
    }
    def.nodes.iter().map(|n| n.id.as_str()).filter(|id| !reached.contains(id)).collect()
}

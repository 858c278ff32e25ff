//! The editor's structured form: a flow draft (JSON) shown as one card per node and per trigger, and the posted
//! fields turned back into the draft. Cards work on the JSON, not on the typed model, so a node whose fields do
//! not parse yet keeps everything the author typed. Field names are `n.<index>.<field>` and `t.<index>.<field>`.
use std::collections::BTreeMap;

use maitre_domain::flow::{FlowDef, Issue, MatchMode, Node, NodeKind, Severity, Trigger, TriggerKind, VarKind};
use serde_json::{Map, Value, json};

// The editor offers what the model knows (`maitre_domain::flow`), in the model's spelling.
pub const NODE_TYPES: [&str; 13] = NodeKind::TYPES;
pub const TRIGGER_TYPES: [&str; 9] = TriggerKind::TYPES;

/// The common fields a node type gets its own input for; everything else is in the card's JSON.
fn node_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "message" => &["text", "next"],
        "ask" => &["text", "var", "kind", "next"],
        "set" => &["var", "next"],
        "tag" | "reserve" | "modify_reservation" | "cancel_reservation" | "delay" | "ai" => &["next"],
        _ => &[],
    }
}

fn trigger_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "keyword" => &["words", "mode", "priority", "start"],
        "comment" => &["words", "priority", "start"],
        _ => &["priority", "start"],
    }
}

/// One node as the editor shows it. `None` fields have no input for this type.
pub struct NodeCard {
    pub index: usize,
    pub id: String,
    pub ty: String,
    pub text: Option<String>,
    pub var: Option<String>,
    pub kind: Option<String>,
    pub next: Option<String>,
    /// The node's other fields as pretty JSON (empty when there are none).
    pub extra: String,
    /// Issues found at this node.
    pub issues: Vec<Issue>,
}

/// One `<option>` of a fixed vocabulary (the flow format's own words, shown as they are written in JSON).
pub struct Opt {
    pub value: &'static str,
    pub selected: bool,
}

fn opts(all: &[&'static str], selected: &str) -> Vec<Opt> {
    all.iter().map(|&value| Opt { value, selected: value == selected }).collect()
}

impl NodeCard {
    pub fn kind_options(&self) -> Vec<Opt> {
        let kinds: Vec<&str> = VarKind::ALL.iter().map(|k| k.as_str()).collect();
        opts(&kinds, self.kind.as_deref().unwrap_or_default())
    }
}

impl TriggerCard {
    pub fn mode_options(&self) -> Vec<Opt> {
        // An absent mode means the model's default, `contains`.
        let modes: Vec<&str> = MatchMode::ALL.iter().map(|m| m.as_str()).collect();
        opts(&modes, self.mode.as_deref().filter(|m| !m.is_empty()).unwrap_or(MatchMode::default().as_str()))
    }
}

pub struct TriggerCard {
    pub index: usize,
    pub ty: String,
    /// One word per line.
    pub words: Option<String>,
    pub mode: Option<String>,
    pub priority: String,
    pub start: String,
    pub extra: String,
}

fn str_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The rest of an object after the fields with their own input, as pretty JSON.
fn rest(obj: &Map<String, Value>, shown: &[&str]) -> String {
    let rest: Map<String, Value> = obj.iter().filter(|(k, _)| !shown.contains(&k.as_str())).map(clone).collect();
    if rest.is_empty() { String::new() } else { serde_json::to_string_pretty(&rest).unwrap_or_default() }
}

fn clone((k, v): (&String, &Value)) -> (String, Value) {
    (k.clone(), v.clone())
}

fn items<'a>(draft: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Map<String, Value>)> {
    draft.get(key).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object).enumerate()
}

pub fn node_cards(draft: &Value, issues: &[Issue]) -> Vec<NodeCard> {
    items(draft, "nodes")
        .map(|(index, obj)| {
            let ty = str_of(obj.get("type"));
            let fields = node_fields(&ty);
            let field = |name: &str| fields.contains(&name).then(|| str_of(obj.get(name)));
            let id = str_of(obj.get("id"));
            let mut shown = vec!["id", "type"];
            shown.extend_from_slice(fields);
            NodeCard {
                index,
                issues: issues.iter().filter(|i| i.node.as_deref() == Some(id.as_str())).cloned().collect(),
                text: field("text"),
                var: field("var"),
                kind: field("kind"),
                next: field("next"),
                extra: rest(obj, &shown),
                id,
                ty,
            }
        })
        .collect()
}

pub fn trigger_cards(draft: &Value) -> Vec<TriggerCard> {
    items(draft, "triggers")
        .map(|(index, obj)| {
            let ty = str_of(obj.get("type"));
            let fields = trigger_fields(&ty);
            let words = obj
                .get("words")
                .and_then(Value::as_array)
                .map(|w| w.iter().map(|v| str_of(Some(v))).collect::<Vec<_>>().join("\n"));
            let mut shown = vec!["type"];
            shown.extend_from_slice(fields);
            TriggerCard {
                index,
                words: fields.contains(&"words").then(|| words.unwrap_or_default()),
                mode: fields.contains(&"mode").then(|| str_of(obj.get("mode"))),
                priority: str_of(obj.get("priority")),
                start: str_of(obj.get("start")),
                extra: rest(obj, &shown),
                ty,
            }
        })
        .collect()
}

/// What a press of one of the structured form's buttons asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Save,
    Publish,
    AddNode,
    DeleteNode(usize),
    AddTrigger,
    DeleteTrigger(usize),
    /// Moves the node at this index one place up (earlier) or down.
    MoveNode {
        index: usize,
        up: bool,
    },
}

impl Op {
    pub fn parse(s: &str) -> Option<Op> {
        let index = |rest: &str| rest.parse().ok();
        Some(match s {
            "save" => Op::Save,
            "publish" => Op::Publish,
            "add_node" => Op::AddNode,
            "add_trigger" => Op::AddTrigger,
            _ => match s.split_once(':')? {
                ("delete_node", i) => Op::DeleteNode(index(i)?),
                ("delete_trigger", i) => Op::DeleteTrigger(index(i)?),
                ("move_up", i) => Op::MoveNode { index: index(i)?, up: true },
                ("move_down", i) => Op::MoveNode { index: index(i)?, up: false },
                _ => return None,
            },
        })
    }
}

/// The posted form, grouped: `(prefix, index) → field → value`, plus the other (top-level) fields.
struct Posted<'a> {
    cards: BTreeMap<(&'a str, usize), BTreeMap<&'a str, &'a str>>,
    top: BTreeMap<&'a str, &'a str>,
}

fn group(fields: &[(String, String)]) -> Posted<'_> {
    let mut posted = Posted { cards: BTreeMap::new(), top: BTreeMap::new() };
    for (k, v) in fields {
        let mut parts = k.splitn(3, '.');
        match (parts.next(), parts.next().and_then(|i| i.parse().ok()), parts.next()) {
            (Some(p @ ("n" | "t")), Some(i), Some(f)) => {
                posted.cards.entry((p, i)).or_default().insert(f, v.as_str());
            }
            _ => {
                posted.top.insert(k.as_str(), v.as_str());
            }
        }
    }
    posted
}

/// The card's JSON field (the fields without their own input), which must be an object.
fn extra(fields: &BTreeMap<&str, &str>, what: &str) -> Result<Map<String, Value>, String> {
    match fields.get("extra").map(|s| s.trim()).unwrap_or_default() {
        "" => Ok(Map::new()),
        text => match serde_json::from_str(text) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(format!("{what}: the other fields must be a JSON object ({{…}})")),
            Err(e) => Err(format!("{what}: the other fields are not valid JSON: {e}")),
        },
    }
}

fn set_opt(obj: &mut Map<String, Value>, key: &str, value: &str) {
    match value.trim() {
        "" => obj.remove(key),
        v => obj.insert(key.to_owned(), Value::String(v.to_owned())),
    };
}

fn node_from(fields: &BTreeMap<&str, &str>) -> Result<Value, String> {
    let id = fields.get("id").map(|s| s.trim()).unwrap_or_default();
    let ty = fields.get("type").copied().unwrap_or_default();
    let mut obj = extra(fields, &format!("node `{id}`"))?;
    obj.insert("id".into(), id.into());
    obj.insert("type".into(), ty.into());
    for &f in node_fields(ty) {
        let value = fields.get(f).copied().unwrap_or_default();
        match f {
            "next" => set_opt(&mut obj, f, value),
            _ => {
                obj.insert(f.to_owned(), value.into());
            }
        }
    }
    Ok(Value::Object(obj))
}

fn trigger_from(fields: &BTreeMap<&str, &str>, index: usize) -> Result<Value, String> {
    let ty = fields.get("type").copied().unwrap_or_default();
    let what = format!("trigger {}", index + 1);
    let mut obj = extra(fields, &what)?;
    obj.insert("type".into(), ty.into());
    for &f in trigger_fields(ty) {
        let value = fields.get(f).copied().unwrap_or_default();
        match f {
            "words" => {
                let words: Vec<&str> = value.lines().map(str::trim).filter(|w| !w.is_empty()).collect();
                obj.insert(f.into(), json!(words));
            }
            "priority" => match value.trim() {
                "" | "0" => {
                    obj.remove(f);
                }
                p => {
                    let p: i32 = p.parse().map_err(|_| format!("{what}: the priority must be a whole number"))?;
                    obj.insert(f.into(), p.into());
                }
            },
            _ => set_opt(&mut obj, f, value),
        }
    }
    Ok(Value::Object(obj))
}

/// A new node of type `ty` with the fields it needs, and an id not used yet.
fn new_node(draft: &Value, ty: &str) -> Result<Value, String> {
    if !NODE_TYPES.contains(&ty) {
        return Err(format!("unknown node type {ty:?}"));
    }
    let taken: Vec<String> = items(draft, "nodes").map(|(_, o)| str_of(o.get("id"))).collect();
    let id = (1..).map(|n| format!("{ty}_{n}")).find(|id| !taken.contains(id)).unwrap_or_default();
    let mut node = match ty {
        "message" => json!({ "text": "" }),
        "ask" => json!({ "text": "", "var": "answer", "kind": "text" }),
        "condition" => json!({ "rules": [] }),
        "set" => json!({ "var": "", "value": "" }),
        "delay" => json!({ "minutes": 60, "next": "" }),
        "goto_flow" => json!({ "flow": "" }),
        "ai" => json!({ "prompt": "", "fallback": "" }),
        _ => json!({}),
    };
    node["id"] = id.into();
    node["type"] = ty.into();
    Ok(node)
}

fn new_trigger(ty: &str) -> Result<Value, String> {
    Ok(match ty {
        "keyword" => json!({ "type": ty, "words": [] }),
        "payload" => json!({ "type": ty, "payload": "" }),
        "event" => json!({ "type": ty, "name": "" }),
        t if TRIGGER_TYPES.contains(&t) => json!({ "type": ty }),
        _ => return Err(format!("unknown trigger type {ty:?}")),
    })
}

/// Applies the structured form to `draft`: start, triggers and nodes as posted, then the button's change.
/// The draft's other parts (settings, tests) stay as they were.
pub fn apply(draft: &mut Value, fields: &[(String, String)], op: &Op) -> Result<(), String> {
    let posted = group(fields);
    let mut nodes = Vec::new();
    let mut triggers = Vec::new();
    for (&(prefix, index), card) in &posted.cards {
        match prefix {
            "n" => nodes.push(node_from(card)?),
            _ => triggers.push(trigger_from(card, index)?),
        }
    }
    match op {
        Op::AddNode => nodes.push(new_node(draft, posted.top.get("add_node_type").copied().unwrap_or_default())?),
        Op::AddTrigger => triggers.push(new_trigger(posted.top.get("add_trigger_type").copied().unwrap_or_default())?),
        Op::DeleteNode(i) if *i < nodes.len() => drop(nodes.remove(*i)),
        Op::DeleteTrigger(i) if *i < triggers.len() => drop(triggers.remove(*i)),
        Op::MoveNode { index, up } => {
            let other = if *up { index.checked_sub(1) } else { index.checked_add(1) };
            if let Some(other) = other.filter(|o| *o < nodes.len() && *index < nodes.len()) {
                nodes.swap(*index, other);
            }
        }
        _ => {}
    }
    let obj = draft.as_object_mut().ok_or("the draft is not a JSON object")?;
    obj.insert("start".into(), posted.top.get("start").map(|s| s.trim()).unwrap_or_default().into());
    obj.insert("triggers".into(), Value::Array(triggers));
    obj.insert("nodes".into(), Value::Array(nodes));
    Ok(())
}

/// Where the editor should open after `op` changed `draft`, so the page keeps its place: the card that was added
/// or moved, or the list a card left.
pub fn anchor(draft: &Value, op: &Op) -> Option<String> {
    let nodes = draft.get("nodes").and_then(Value::as_array);
    let node_id = |i: usize| nodes?.get(i)?.get("id")?.as_str().map(|id| format!("node-{id}"));
    match op {
        Op::Save | Op::Publish => None,
        Op::AddNode => node_id(nodes?.len().checked_sub(1)?),
        Op::MoveNode { index, up } => node_id(if *up { index.checked_sub(1)? } else { index + 1 }).or(node_id(*index)),
        Op::DeleteNode(_) => Some("nodes".into()),
        Op::AddTrigger => {
            let last = draft.get("triggers").and_then(Value::as_array)?.len().checked_sub(1)?;
            Some(format!("trigger-{last}"))
        }
        Op::DeleteTrigger(_) => Some("triggers".into()),
    }
}

/// Reads a draft as a flow. When it does not parse, the issues name the nodes (or triggers) whose fields are wrong.
pub fn read(draft: &Value) -> Result<FlowDef, Vec<Issue>> {
    let whole = match serde_json::from_value::<FlowDef>(draft.clone()) {
        Ok(def) => return Ok(def),
        Err(e) => e.to_string(),
    };
    let error = |node: Option<String>, message: String| Issue { severity: Severity::Error, node, message };
    let mut issues: Vec<Issue> = items(draft, "nodes")
        .filter_map(|(_, obj)| {
            let e = serde_json::from_value::<Node>(Value::Object(obj.clone())).err()?;
            Some(error(Some(str_of(obj.get("id"))), e.to_string()))
        })
        .collect();
    issues.extend(items(draft, "triggers").filter_map(|(i, obj)| {
        let e = serde_json::from_value::<Trigger>(Value::Object(obj.clone())).err()?;
        Some(error(None, format!("trigger {}: {e}", i + 1)))
    }));
    if issues.is_empty() {
        issues.push(error(None, whole));
    }
    Err(issues)
}

/// The text stored for a draft: the flow's own field order when it parses, else the JSON as it is.
pub fn stored(draft: &Value) -> String {
    match serde_json::from_value::<FlowDef>(draft.clone()) {
        Ok(def) => serde_json::to_string_pretty(&def),
        Err(_) => serde_json::to_string_pretty(draft),
    }
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn cards_and_form_round_trip_a_template() {
        let def = maitre_domain::flow::templates().remove(0).def;
        let draft = serde_json::to_value(&def).unwrap();
        let mut posted = vec![("start".to_owned(), def.start.clone())];
        for c in node_cards(&draft, &[]) {
            let p = |f: &str| format!("n.{}.{f}", c.index);
            posted.push((p("id"), c.id.clone()));
            posted.push((p("type"), c.ty.clone()));
            for (f, v) in [("text", &c.text), ("var", &c.var), ("kind", &c.kind), ("next", &c.next)] {
                if let Some(v) = v {
                    posted.push((p(f), v.clone()));
                }
            }
            posted.push((p("extra"), c.extra.clone()));
        }
        for c in trigger_cards(&draft) {
            let p = |f: &str| format!("t.{}.{f}", c.index);
            posted.push((p("type"), c.ty.clone()));
            posted.extend(c.words.clone().map(|w| (p("words"), w)));
            posted.extend(c.mode.clone().map(|m| (p("mode"), m)));
            posted.push((p("priority"), c.priority.clone()));
            posted.push((p("start"), c.start.clone()));
            posted.push((p("extra"), c.extra.clone()));
        }
        let mut edited = draft.clone();
        apply(&mut edited, &posted, &Op::Save).unwrap();
        assert_eq!(read(&edited).unwrap(), def);
    }

    #[test]
    fn adding_and_deleting_nodes_and_bad_json_is_named() {
        let mut draft = json!({ "start": "a", "nodes": [{ "id": "a", "type": "end" }] });
        let base = [("start", "a"), ("n.0.id", "a"), ("n.0.type", "end"), ("add_node_type", "message")];
        apply(&mut draft, &fields(&base), &Op::AddNode).unwrap();
        assert_eq!(draft["nodes"][1]["id"], "message_1");
        assert!(read(&draft).is_ok(), "a new message node parses");
        apply(&mut draft, &fields(&base), &Op::DeleteNode(0)).unwrap();
        assert!(draft["nodes"].as_array().unwrap().is_empty());
        let bad = [("n.0.id", "a"), ("n.0.type", "end"), ("n.0.extra", "{oops")];
        let err = apply(&mut draft, &fields(&bad), &Op::Save).unwrap_err();
        assert!(err.contains("node `a`") && err.contains("not valid JSON"), "{err}");
        assert_eq!(Op::parse("delete_trigger:3"), Some(Op::DeleteTrigger(3)));
        assert_eq!(Op::parse("move_up:2"), Some(Op::MoveNode { index: 2, up: true }));
        assert_eq!(Op::parse("move_down:0"), Some(Op::MoveNode { index: 0, up: false }));
        assert_eq!(Op::parse("move_down:x"), None);
        assert_eq!(Op::parse("drop_table"), None);
    }

    #[test]
    fn nodes_move_one_place_and_the_editor_opens_where_the_change_was() {
        let posted = [
            ("start", "a"),
            ("n.0.id", "a"),
            ("n.0.type", "end"),
            ("n.1.id", "b"),
            ("n.1.type", "end"),
            ("n.2.id", "c"),
            ("n.2.type", "end"),
        ];
        let ids = |d: &Value| d["nodes"].as_array().unwrap().iter().map(|n| n["id"].clone()).collect::<Vec<_>>();
        let mut draft = json!({});
        let down = Op::MoveNode { index: 0, up: false };
        apply(&mut draft, &fields(&posted), &down).unwrap();
        assert_eq!(ids(&draft), ["b", "a", "c"]);
        assert_eq!(anchor(&draft, &down).as_deref(), Some("node-a"), "the moved card, in its new place");
        let up = Op::MoveNode { index: 2, up: true };
        apply(&mut draft, &fields(&posted), &up).unwrap();
        assert_eq!(ids(&draft), ["a", "c", "b"]);
        assert_eq!(anchor(&draft, &up).as_deref(), Some("node-c"));
        for beyond in [
            Op::MoveNode { index: 0, up: true },
            Op::MoveNode { index: 2, up: false },
            Op::MoveNode { index: 9, up: true },
        ] {
            apply(&mut draft, &fields(&posted), &beyond).unwrap();
            assert_eq!(ids(&draft), ["a", "b", "c"], "{beyond:?} changes nothing");
        }
        assert_eq!(anchor(&draft, &Op::DeleteNode(1)).as_deref(), Some("nodes"));
        assert_eq!(anchor(&draft, &Op::Save), None);
        apply(&mut draft, &fields(&[("add_node_type", "message")]), &Op::AddNode).unwrap();
        assert_eq!(anchor(&draft, &Op::AddNode).as_deref(), Some("node-message_1"));
    }

    #[test]
    fn a_node_with_missing_fields_is_reported_at_that_node() {
        let draft = json!({ "start": "d", "nodes": [{ "id": "d", "type": "delay", "minutes": 5 }] });
        let issues = read(&draft).unwrap_err();
        assert_eq!(issues[0].node.as_deref(), Some("d"));
        assert!(issues[0].message.contains("next"), "{issues:?}");
    }
}

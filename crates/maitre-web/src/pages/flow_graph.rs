//! A flow drawn as SVG on the server: one box per node, in columns by distance from the start (breadth first),
//! edges as curves labelled with what takes them. Edges to nodes that do not exist end in a red box, so a
//! dangling edge is seen where it is. Every text is escaped; styling comes from the stylesheet (the content
//! security policy forbids inline styles), placement from attributes.
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;

use maitre_domain::flow::{FlowDef, Way, branches};

/// The graph's words in the reader's language: node types (and `missing`) and what takes each edge.
pub trait Words {
    fn node_type(&self, ty: &str) -> String;
    fn way(&self, way: &Way<'_>) -> String;
}

const W: i32 = 180;
const H: i32 = 46;
const GAP_X: i32 = 90;
const GAP_Y: i32 = 28;
const PAD: i32 = 16;
/// Room right of the last column for edges that loop back.
const LOOP: i32 = 60;

pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters, with an ellipsis when cut.
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_owned() } else { format!("{}…", s.chars().take(n - 1).collect::<String>()) }
}

struct Boxed {
    id: String,
    /// The node's type in words, and what it says (its id when it says nothing).
    label: String,
    detail: String,
    class: &'static str,
    col: i32,
    row: i32,
}

impl Boxed {
    fn x(&self) -> i32 {
        PAD + self.col * (W + GAP_X)
    }
    fn y(&self) -> i32 {
        PAD + self.row * (H + GAP_Y)
    }
}

/// Column of each node: breadth-first distance from the start and the triggers' entry nodes.
fn depths(def: &FlowDef) -> HashMap<&str, i32> {
    let mut depth: HashMap<&str, i32> = HashMap::new();
    let mut todo: VecDeque<(&str, i32)> = VecDeque::from([(def.start.as_str(), 0)]);
    todo.extend(def.triggers.iter().filter_map(|t| t.start.as_deref()).map(|s| (s, 0)));
    while let Some((id, d)) = todo.pop_front() {
        let Some(node) = def.nodes.iter().find(|n| n.id == id) else { continue };
        if depth.contains_key(id) {
            continue;
        }
        depth.insert(id, d);
        todo.extend(branches(&node.kind).into_iter().map(|(_, to)| (to.as_str(), d + 1)));
    }
    depth
}

/// The SVG of `def`; `bad` are the ids of nodes with errors (drawn in red).
pub fn svg(def: &FlowDef, bad: &[&str], words: &dyn Words) -> String {
    let depth = depths(def);
    let unreached = depth.values().max().map_or(0, |d| d + 1);
    let mut boxes: Vec<Boxed> = Vec::new();
    let mut rows: HashMap<i32, i32> = HashMap::new();
    let mut place = |col: i32| {
        let row = rows.entry(col).or_default();
        *row += 1;
        *row - 1
    };
    for n in &def.nodes {
        if boxes.iter().any(|b| b.id == n.id) {
            continue;
        }
        let col = depth.get(n.id.as_str()).copied().unwrap_or(unreached);
        let fields = serde_json::to_value(&n.kind).unwrap_or_default();
        let said = fields["text"].as_str().filter(|t| !t.trim().is_empty()).unwrap_or(&n.id).to_owned();
        let class = if bad.contains(&n.id.as_str()) {
            "node bad"
        } else if n.id == def.start {
            "node start"
        } else if !depth.contains_key(n.id.as_str()) {
            "node unreached"
        } else {
            "node"
        };
        let label = words.node_type(fields["type"].as_str().unwrap_or_default());
        boxes.push(Boxed { id: n.id.clone(), label, detail: said, class, col, row: place(col) });
    }
    let mut edges: Vec<(usize, usize, String)> = Vec::new();
    for n in &def.nodes {
        let Some(from) = boxes.iter().position(|b| b.id == n.id) else { continue };
        for (way, to) in branches(&n.kind) {
            let label = if way == Way::Next { String::new() } else { words.way(&way) };
            let target = match boxes.iter().position(|b| b.id == *to) {
                Some(t) => t,
                None => {
                    let col = boxes[from].col + 1;
                    let (label, detail) = (words.node_type("missing"), to.clone());
                    boxes.push(Boxed { id: to.clone(), label, detail, class: "node missing", col, row: place(col) });
                    boxes.len() - 1
                }
            };
            edges.push((from, target, label));
        }
    }
    draw(&boxes, &edges)
}

fn draw(boxes: &[Boxed], edges: &[(usize, usize, String)]) -> String {
    let cols = boxes.iter().map(|b| b.col).max().unwrap_or(0) + 1;
    let rows = boxes.iter().map(|b| b.row).max().unwrap_or(0) + 1;
    let width = 2 * PAD + cols * W + (cols - 1) * GAP_X + LOOP;
    let height = 2 * PAD + rows * H + (rows - 1) * GAP_Y;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="flow-graph" viewBox="0 0 {width} {height}" width="{width}" height="{height}">"#
    );
    s.push_str(
        r#"<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" class="arrowhead"/></marker></defs>"#,
    );
    for (from, to, label) in edges {
        let (a, b) = (&boxes[*from], &boxes[*to]);
        let (x1, y1) = (a.x() + W, a.y() + H / 2);
        // Forward edges run right to the target's left side; edges back (or within a column) loop round the right.
        let (x2, y2, path) = if b.col > a.col {
            let (x2, y2) = (b.x(), b.y() + H / 2);
            let mid = (x1 + x2) / 2;
            (x2, y2, format!("M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"))
        } else {
            let (x2, y2) = (b.x() + W, b.y() + H / 2);
            let out = x1.max(x2) + LOOP - 10;
            (x2, y2, format!("M{x1},{y1} C{out},{y1} {out},{y2} {x2},{y2}"))
        };
        let _ = write!(s, r#"<path class="edge" d="{path}" marker-end="url(#arrow)"/>"#);
        if !label.is_empty() {
            // A third of the way along, clear of the target's box and of labels of edges into it.
            let (lx, ly) = (x1 + 8 + (x2 - x1) / 4, y1 + (y2 - y1) / 3 - 4);
            let _ = write!(s, r#"<text class="edge-label" x="{lx}" y="{ly}">{}</text>"#, esc(&short(label, 22)));
        }
    }
    for b in boxes {
        let (x, y) = (b.x(), b.y());
        // A box jumps to its node's card below the graph (a missing node has none).
        let linked = !b.class.contains("missing");
        if linked {
            let _ = write!(s, r##"<a href="#node-{}">"##, esc(&b.id));
        }
        let _ = write!(
            s,
            r#"<g class="{}" data-node="{}"><rect x="{x}" y="{y}" width="{W}" height="{H}" rx="8"/><text class="id" x="{}" y="{}">{}</text><text class="type" x="{}" y="{}">{}</text></g>"#,
            b.class,
            esc(&b.id),
            x + 10,
            y + 19,
            esc(&short(&b.label, 22)),
            x + 10,
            y + 37,
            esc(&short(&b.detail, 24)),
        );
        if linked {
            s.push_str("</a>");
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use maitre_domain::flow::Cond;

    /// The flow format's own words, in brackets.
    struct Plain;

    impl Words for Plain {
        fn node_type(&self, ty: &str) -> String {
            format!("[{ty}]")
        }
        fn way(&self, way: &Way<'_>) -> String {
            match way {
                Way::When(Cond::VarSet { var }) => format!("{var} set"),
                Way::Otherwise => "otherwise".into(),
                other => format!("{other:?}"),
            }
        }
    }

    #[test]
    fn lays_out_by_depth_escapes_text_and_shows_missing_targets() {
        let def: FlowDef = serde_json::from_value(serde_json::json!({
            "start": "a",
            "nodes": [
                { "id": "a", "type": "message", "text": "hi", "next": "b<x>" },
                { "id": "b<x>", "type": "condition", "rules": [{ "if": "var_set", "var": "v", "next": "gone" }],
                  "otherwise": "a" },
                { "id": "lonely", "type": "end" }
            ]
        }))
        .unwrap();
        let svg = svg(&def, &["b<x>"], &Plain);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(">[message]<") && svg.contains(">hi<"), "a box says its type in words and its text");
        assert!(svg.contains(">[end]<") && svg.contains(">lonely<"), "a node without text shows its id");
        assert!(svg.contains(r##"<a href="#node-a">"##) && !svg.contains(r##"href="#node-gone""##));
        assert!(svg.contains("b&lt;x&gt;") && !svg.contains("b<x>"), "{svg}");
        assert!(svg.contains(r#"class="node missing" data-node="gone""#), "{svg}");
        assert!(svg.contains(r#"class="node unreached" data-node="lonely""#), "{svg}");
        assert!(svg.contains(r#"class="node bad""#) && svg.contains(">v set<") && svg.contains(">otherwise<"));
        assert_eq!(depths(&def).get("b<x>"), Some(&1));
    }
}

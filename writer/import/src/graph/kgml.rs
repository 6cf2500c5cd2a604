//! KEGG KGML maps as a directed graph: every `entry` is a node (its KEGG
//! names, `type`, `link`, `reaction`, and the graphics' label and
//! position); a `relation` is an edge from `entry1` to `entry2` (`kind`
//! `relation`, its `type`, and its subtypes' names and values as lists);
//! a `reaction` is an edge from each substrate to the entry that carries
//! it and from that entry to each product (`kind` `reaction`, `role`,
//! `reaction` names, `reversible`). Group entries become pathways of
//! their components.

use std::path::Path;

use super::xml::{self, line_of, Element};
use super::{input_error, GraphBuilder, Value};

pub(crate) fn read(path: &Path, text: &[u8]) -> gcol_writer::Result<GraphBuilder> {
    let root = xml::parse(path, text)?;
    if root.name != "pathway" {
        return Err(input_error(
            path,
            0,
            line_of(text, root.offset),
            "pathway",
            format!("the root element is <{}>, not <pathway>", root.name),
        ));
    }
    let bad = |e: &Element, record: u64, field: &'static str, detail: String| {
        input_error(path, record, line_of(text, e.offset), field, detail)
    };
    let mut g = GraphBuilder::new(true);
    for (key, value) in &root.attrs {
        g.network(key, serde_json::Value::from(value.as_str()));
    }
    let entries: Vec<&Element> = root.children_named("entry").collect();
    for (i, entry) in entries.iter().enumerate() {
        let record = i as u64 + 1;
        let id = entry
            .attr("id")
            .ok_or_else(|| bad(entry, record, "entry", "an entry without an id".into()))?;
        let node = g.add_node(id).map_err(|d| bad(entry, record, "entry", d))?;
        for key in ["name", "type", "link", "reaction"] {
            if let Some(v) = entry.attr(key) {
                g.node_attr(node, key, Value::Str(v.into()))
                    .expect("new node");
            }
        }
        if let Some(graphics) = entry.child("graphics") {
            if let Some(v) = graphics.attr("name") {
                g.node_attr(node, "label", Value::Str(v.into()))
                    .expect("new node");
            }
            if let Some(v) = graphics.attr("type") {
                g.node_attr(node, "shape", Value::Str(v.into()))
                    .expect("new node");
            }
            for key in ["x", "y"] {
                if let Some(v) = graphics.attr(key) {
                    let f = v.trim().parse::<f64>().map_err(|_| {
                        bad(
                            graphics,
                            record,
                            "graphics",
                            format!("entry {id:?}: {key}={v:?} is not a number"),
                        )
                    })?;
                    g.node_attr(node, key, Value::Float(f)).expect("new node");
                }
            }
        }
    }
    // Groups, once every entry is known.
    for (i, entry) in entries.iter().enumerate() {
        if entry.attr("type") != Some("group") {
            continue;
        }
        let record = i as u64 + 1;
        let id = entry.attr("id").expect("checked above");
        let mut members = Vec::new();
        for comp in entry.children_named("component") {
            let cid = comp.attr("id").unwrap_or("");
            members.push(g.find(cid).ok_or_else(|| {
                bad(
                    comp,
                    record,
                    "component",
                    format!("group {id:?} names entry {cid:?}, which the map does not define"),
                )
            })?);
        }
        let label = entry.child("graphics").and_then(|gr| gr.attr("name"));
        g.add_pathway(id, label, members);
    }
    let find =
        |g: &GraphBuilder, e: &Element, record: u64, field: &'static str, id: Option<&str>| {
            let id =
                id.ok_or_else(|| bad(e, record, field, format!("<{}> without {field}", e.name)))?;
            g.find(id).ok_or_else(|| {
                bad(
                    e,
                    record,
                    field,
                    format!(
                        "<{}> names entry {id:?}, which the map does not define",
                        e.name
                    ),
                )
            })
        };
    for (i, rel) in root.children_named("relation").enumerate() {
        let record = i as u64 + 1;
        let a = find(&g, rel, record, "entry1", rel.attr("entry1"))?;
        let b = find(&g, rel, record, "entry2", rel.attr("entry2"))?;
        let edge = g.add_edge(a, b);
        g.edge_attr(edge, "kind", Value::Str("relation".into()))
            .expect("new edge");
        if let Some(t) = rel.attr("type") {
            g.edge_attr(edge, "type", Value::Str(t.into()))
                .expect("new edge");
        }
        let subtypes: Vec<&Element> = rel.children_named("subtype").collect();
        if !subtypes.is_empty() {
            let names = subtypes
                .iter()
                .map(|s| Value::Str(s.attr("name").unwrap_or("").into()));
            let values = subtypes
                .iter()
                .map(|s| Value::Str(s.attr("value").unwrap_or("").into()));
            g.edge_attr(edge, "subtype", Value::List(names.collect()))
                .expect("new edge");
            g.edge_attr(edge, "subtype_value", Value::List(values.collect()))
                .expect("new edge");
        }
    }
    for (i, reaction) in root.children_named("reaction").enumerate() {
        let record = i as u64 + 1;
        let carrier = find(&g, reaction, record, "id", reaction.attr("id"))?;
        let add = |g: &mut GraphBuilder, from: u32, to: u32, role: &str| {
            let edge = g.add_edge(from, to);
            g.edge_attr(edge, "kind", Value::Str("reaction".into()))
                .expect("new edge");
            g.edge_attr(edge, "role", Value::Str(role.into()))
                .expect("new edge");
            if let Some(name) = reaction.attr("name") {
                g.edge_attr(edge, "reaction", Value::Str(name.into()))
                    .expect("new edge");
            }
            if let Some(t) = reaction.attr("type") {
                g.edge_attr(edge, "reversible", Value::Bool(t == "reversible"))
                    .expect("new edge");
            }
        };
        for s in reaction.children_named("substrate") {
            let n = find(&g, s, record, "substrate", s.attr("id"))?;
            add(&mut g, n, carrier, "substrate");
        }
        for p in reaction.children_named("product") {
            let n = find(&g, p, record, "product", p.attr("id"))?;
            add(&mut g, carrier, n, "product");
        }
    }
    Ok(g)
}

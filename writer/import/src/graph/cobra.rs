//! COBRA JSON models (cobrapy's `save_json_model`) as the same graph as
//! their SBML form (see `sbml`): metabolites, genes and reactions are
//! nodes (`kind` `species`, `gene`, `reaction`); a negative coefficient
//! makes a reactant edge, a positive one a product edge (`stoichiometry`
//! is its magnitude); genes named in a reaction's rule point to it;
//! `subsystem`s become pathways.

use std::path::Path;

use serde_json::Value as Json;

use super::{input_error, GraphBuilder, Value};

fn text<'a>(v: &'a Json, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Json::as_str)
}

pub(crate) fn read(path: &Path, text_bytes: &[u8]) -> gcol_writer::Result<GraphBuilder> {
    let doc: Json = serde_json::from_slice(text_bytes).map_err(|e| {
        input_error(
            path,
            0,
            e.line() as u64,
            "JSON",
            format!("malformed JSON: {e}"),
        )
    })?;
    let list = |key: &'static str| -> gcol_writer::Result<&Vec<Json>> {
        match doc.get(key) {
            Some(Json::Array(items)) => Ok(items),
            None => Err(input_error(
                path,
                0,
                0,
                key,
                format!("a COBRA model has a {key:?} list"),
            )),
            Some(_) => Err(input_error(
                path,
                0,
                0,
                key,
                format!("{key:?} is not a list"),
            )),
        }
    };
    let bad = |aspect: &'static str, i: usize, detail: String| {
        input_error(path, i as u64 + 1, 0, aspect, detail)
    };
    let mut g = GraphBuilder::new(true);
    for key in ["id", "name", "version"] {
        if let Some(v) = doc.get(key) {
            g.network(key, v.clone());
        }
    }
    for (i, m) in list("metabolites")?.iter().enumerate() {
        let id = text(m, "id")
            .ok_or_else(|| bad("metabolites", i, "a metabolite without an id".into()))?;
        let n = g.add_node(id).map_err(|d| bad("metabolites", i, d))?;
        g.node_attr(n, "kind", Value::Str("species".into()))
            .expect("new node");
        for key in ["name", "compartment", "formula"] {
            if let Some(v) = text(m, key) {
                g.node_attr(n, key, Value::Str(v.into())).expect("new node");
            }
        }
        if let Some(c) = m.get("charge") {
            let charge = c
                .as_i64()
                .or_else(|| c.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .ok_or_else(|| {
                    bad(
                        "metabolites",
                        i,
                        format!("metabolite {id:?}: charge {c} is not an integer"),
                    )
                })?;
            g.node_attr(n, "charge", Value::Int(charge))
                .expect("new node");
        }
    }
    let genes = doc
        .get("genes")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, gene) in genes.iter().enumerate() {
        let id = text(gene, "id").ok_or_else(|| bad("genes", i, "a gene without an id".into()))?;
        let n = g.add_node(id).map_err(|d| bad("genes", i, d))?;
        g.node_attr(n, "kind", Value::Str("gene".into()))
            .expect("new node");
        if let Some(v) = text(gene, "name") {
            g.node_attr(n, "name", Value::Str(v.into()))
                .expect("new node");
        }
    }
    let mut subsystems: Vec<(String, Vec<u32>)> = Vec::new();
    for (i, r) in list("reactions")?.iter().enumerate() {
        let id =
            text(r, "id").ok_or_else(|| bad("reactions", i, "a reaction without an id".into()))?;
        let node = g.add_node(id).map_err(|d| bad("reactions", i, d))?;
        g.node_attr(node, "kind", Value::Str("reaction".into()))
            .expect("new node");
        if let Some(v) = text(r, "name") {
            g.node_attr(node, "name", Value::Str(v.into()))
                .expect("new node");
        }
        let bound = |key: &str| r.get(key).and_then(Json::as_f64);
        let (lower, upper) = (bound("lower_bound"), bound("upper_bound"));
        // cobrapy: a reaction is reversible when it may run backwards.
        g.node_attr(
            node,
            "reversible",
            Value::Bool(lower.is_some_and(|l| l < 0.0)),
        )
        .expect("new node");
        for (key, v) in [("lower_bound", lower), ("upper_bound", upper)] {
            if let Some(v) = v {
                g.node_attr(node, key, Value::Float(v)).expect("new node");
            }
        }
        let Some(Json::Object(mets)) = r.get("metabolites") else {
            return Err(bad(
                "reactions",
                i,
                format!("reaction {id:?} has no metabolites object"),
            ));
        };
        for (met, coef) in mets {
            let coef = coef.as_f64().ok_or_else(|| {
                bad(
                    "reactions",
                    i,
                    format!("reaction {id:?}: coefficient of {met:?} is not a number"),
                )
            })?;
            let other = g.find(met).ok_or_else(|| {
                bad(
                    "reactions",
                    i,
                    format!(
                        "reaction {id:?} names metabolite {met:?}, which the model does not define"
                    ),
                )
            })?;
            let (edge, role) = if coef < 0.0 {
                (g.add_edge(other, node), "reactant")
            } else {
                (g.add_edge(node, other), "product")
            };
            g.edge_attr(edge, "role", Value::Str(role.into()))
                .expect("new edge");
            g.edge_attr(edge, "stoichiometry", Value::Float(coef.abs()))
                .expect("new edge");
        }
        if let Some(rule) = text(r, "gene_reaction_rule").filter(|s| !s.trim().is_empty()) {
            g.node_attr(node, "gene_rule", Value::Str(rule.into()))
                .expect("new node");
            let mut named: Vec<&str> = rule
                .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
                .filter(|t| !t.is_empty() && !matches!(*t, "and" | "or" | "AND" | "OR"))
                .collect();
            named.sort_unstable();
            named.dedup();
            for gene in named {
                let other = g.find(gene).ok_or_else(|| {
                    bad("reactions", i, format!("reaction {id:?}: rule names gene {gene:?}, which the model does not define"))
                })?;
                let edge = g.add_edge(other, node);
                g.edge_attr(edge, "role", Value::Str("gene".into()))
                    .expect("new edge");
            }
        }
        if let Some(s) = text(r, "subsystem").filter(|s| !s.is_empty()) {
            match subsystems.iter_mut().find(|(name, _)| name == s) {
                Some((_, members)) => members.push(node),
                None => subsystems.push((s.to_string(), vec![node])),
            }
        }
    }
    for (name, members) in subsystems {
        g.add_pathway(&name, Some(&name), members);
    }
    Ok(g)
}

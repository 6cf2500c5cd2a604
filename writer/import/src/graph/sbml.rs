//! SBML (Level 2 and 3, with the `fbc` and `groups` packages) as a
//! directed graph: species, gene products and reactions are nodes
//! (attribute `kind`); a reactant points to its reaction, a reaction to
//! its products, a modifier and a gene product to the reactions they act
//! on (edge attribute `role`, with `stoichiometry`). Reactions keep their
//! flux bounds and gene rule; groups become pathways.

use std::collections::HashMap;
use std::path::Path;

use super::xml::{self, line_of, Element};
use super::{input_error, GraphBuilder, Value};

/// The gene rule of an `fbc:geneProductAssociation` child, as cobrapy
/// writes it (`b0001 and (b0002 or b0003)`), with the gene products' ids,
/// and the genes it names.
fn gene_rule(e: &Element, genes: &mut Vec<String>, top: bool) -> Option<String> {
    match e.name.as_str() {
        "geneProductRef" => {
            let g = e.attr("geneProduct")?.to_string();
            genes.push(g.clone());
            Some(g)
        }
        "and" | "or" => {
            let parts: Vec<String> = e
                .children
                .iter()
                .filter_map(|c| gene_rule(c, genes, false))
                .collect();
            let joined = parts.join(&format!(" {} ", e.name));
            Some(if top || parts.len() < 2 {
                joined
            } else {
                format!("({joined})")
            })
        }
        _ => None,
    }
}

fn number(
    path: &Path,
    text: &[u8],
    e: &Element,
    record: u64,
    field: &'static str,
    value: &str,
) -> gcol_writer::Result<f64> {
    value.trim().parse::<f64>().map_err(|_| {
        input_error(
            path,
            record,
            line_of(text, e.offset),
            field,
            format!("{value:?} is not a number"),
        )
    })
}

pub(crate) fn read(path: &Path, text: &[u8]) -> gcol_writer::Result<GraphBuilder> {
    let root = xml::parse(path, text)?;
    if root.name != "sbml" {
        return Err(input_error(
            path,
            0,
            line_of(text, root.offset),
            "sbml",
            format!("the root element is <{}>, not <sbml>", root.name),
        ));
    }
    let model = root.child("model").ok_or_else(|| {
        input_error(
            path,
            0,
            line_of(text, root.offset),
            "model",
            "no <model> element",
        )
    })?;
    let mut g = GraphBuilder::new(true);
    for key in ["id", "name"] {
        if let Some(v) = model.attr(key) {
            g.network(key, serde_json::Value::from(v));
        }
    }
    for key in ["level", "version"] {
        if let Some(v) = root.attr(key) {
            g.network(&format!("sbml_{key}"), serde_json::Value::from(v));
        }
    }
    let bad = |e: &Element, record: u64, field: &'static str, detail: String| {
        input_error(path, record, line_of(text, e.offset), field, detail)
    };
    let mut parameters = HashMap::new();
    for (i, p) in model.list("listOfParameters", "parameter").enumerate() {
        if let (Some(id), Some(v)) = (p.attr("id"), p.attr("value")) {
            parameters.insert(
                id.to_string(),
                number(path, text, p, i as u64 + 1, "value", v)?,
            );
        }
    }
    let compartments: HashMap<&str, &str> = model
        .list("listOfCompartments", "compartment")
        .filter_map(|c| Some((c.attr("id")?, c.attr("name").unwrap_or(""))))
        .collect();

    // Species.
    for (i, s) in model.list("listOfSpecies", "species").enumerate() {
        let record = i as u64 + 1;
        let id = s
            .attr("id")
            .ok_or_else(|| bad(s, record, "species", "a species without an id".into()))?;
        let node = g.add_node(id).map_err(|d| bad(s, record, "species", d))?;
        let mut set = |name: &str, v: Value| g.node_attr(node, name, v).expect("new node");
        set("kind", Value::Str("species".into()));
        if let Some(v) = s.attr("name") {
            set("name", Value::Str(v.into()));
        }
        if let Some(c) = s.attr("compartment") {
            if !compartments.is_empty() && !compartments.contains_key(c) {
                return Err(bad(
                    s,
                    record,
                    "compartment",
                    format!(
                        "species {id:?} is in compartment {c:?}, which the model does not define"
                    ),
                ));
            }
            set("compartment", Value::Str(c.into()));
        }
        if let Some(v) = s.attr("charge") {
            let charge = v
                .trim()
                .parse::<i64>()
                .map_err(|_| bad(s, record, "charge", format!("{v:?} is not an integer")))?;
            set("charge", Value::Int(charge));
        }
        if let Some(v) = s.attr("chemicalFormula") {
            set("formula", Value::Str(v.into()));
        }
        if let Some(v) = s.attr("boundaryCondition") {
            set("boundary", Value::Bool(v == "true" || v == "1"));
        }
    }
    // Gene products (fbc).
    let gene_products = model.list("listOfGeneProducts", "geneProduct");
    for (i, gp) in gene_products.enumerate() {
        let record = i as u64 + 1;
        let id = gp.attr("id").ok_or_else(|| {
            bad(
                gp,
                record,
                "geneProduct",
                "a gene product without an id".into(),
            )
        })?;
        let node = g
            .add_node(id)
            .map_err(|d| bad(gp, record, "geneProduct", d))?;
        g.node_attr(node, "kind", Value::Str("gene".into()))
            .expect("new node");
        if let Some(v) = gp.attr("label") {
            g.node_attr(node, "label", Value::Str(v.into()))
                .expect("new node");
        }
        if let Some(v) = gp.attr("name") {
            g.node_attr(node, "name", Value::Str(v.into()))
                .expect("new node");
        }
    }
    // Reactions.
    for (i, r) in model.list("listOfReactions", "reaction").enumerate() {
        let record = i as u64 + 1;
        let id = r
            .attr("id")
            .ok_or_else(|| bad(r, record, "reaction", "a reaction without an id".into()))?;
        let node = g.add_node(id).map_err(|d| bad(r, record, "reaction", d))?;
        g.node_attr(node, "kind", Value::Str("reaction".into()))
            .expect("new node");
        if let Some(v) = r.attr("name") {
            g.node_attr(node, "name", Value::Str(v.into()))
                .expect("new node");
        }
        // SBML 3 requires `reversible`; level 2 defaults it to true.
        let reversible = r.attr("reversible").is_none_or(|v| v == "true" || v == "1");
        g.node_attr(node, "reversible", Value::Bool(reversible))
            .expect("new node");
        for (attr, name) in [
            ("lowerFluxBound", "lower_bound"),
            ("upperFluxBound", "upper_bound"),
        ] {
            if let Some(p) = r.attr(attr) {
                let v = *parameters.get(p).ok_or_else(|| {
                    bad(
                        r,
                        record,
                        "fluxBound",
                        format!("reaction {id:?}: bound {p:?} is not a parameter of the model"),
                    )
                })?;
                g.node_attr(node, name, Value::Float(v)).expect("new node");
            }
        }
        for (list, item, role) in [
            ("listOfReactants", "speciesReference", "reactant"),
            ("listOfProducts", "speciesReference", "product"),
            ("listOfModifiers", "modifierSpeciesReference", "modifier"),
        ] {
            for sr in r.list(list, item) {
                let species = sr.attr("species").ok_or_else(|| {
                    bad(
                        sr,
                        record,
                        "speciesReference",
                        format!("reaction {id:?}: a reference without species"),
                    )
                })?;
                let other = g.find(species).ok_or_else(|| {
                    bad(sr, record, "speciesReference", format!("reaction {id:?} refers to species {species:?}, which the model does not define"))
                })?;
                let edge = if role == "product" {
                    g.add_edge(node, other)
                } else {
                    g.add_edge(other, node)
                };
                g.edge_attr(edge, "role", Value::Str(role.into()))
                    .expect("new edge");
                if role != "modifier" {
                    let stoich = match sr.attr("stoichiometry") {
                        Some(v) => number(path, text, sr, record, "stoichiometry", v)?,
                        None => 1.0,
                    };
                    g.edge_attr(edge, "stoichiometry", Value::Float(stoich))
                        .expect("new edge");
                }
            }
        }
        if let Some(gpa) = r.child("geneProductAssociation") {
            let mut genes = Vec::new();
            if let Some(rule) = gpa
                .children
                .iter()
                .find_map(|c| gene_rule(c, &mut genes, true))
            {
                g.node_attr(node, "gene_rule", Value::Str(rule))
                    .expect("new node");
            }
            genes.sort_unstable();
            genes.dedup();
            for gene in genes {
                let other = g.find(&gene).ok_or_else(|| {
                    bad(gpa, record, "geneProductRef", format!("reaction {id:?} names gene product {gene:?}, which the model does not define"))
                })?;
                let edge = g.add_edge(other, node);
                g.edge_attr(edge, "role", Value::Str("gene".into()))
                    .expect("new edge");
            }
        }
    }
    // Groups (pathways, subsystems).
    for (i, group) in model.list("listOfGroups", "group").enumerate() {
        let record = i as u64 + 1;
        let gid = group
            .attr("id")
            .map_or_else(|| format!("group{record}"), str::to_string);
        let mut members = Vec::new();
        for m in group.list("listOfMembers", "member") {
            let Some(target) = m.attr("idRef") else {
                continue;
            };
            // Members may name compartments or other groups; only nodes count.
            if let Some(n) = g.find(target) {
                members.push(n);
            }
        }
        g.add_pathway(&gid, group.attr("name"), members);
    }
    Ok(g)
}

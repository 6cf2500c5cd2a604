//! Graph export (spec 16.6): GraphML (networkx, Cytoscape, yEd, Gephi),
//! Cytoscape.js JSON (`.cyjs`, also networkx's `cytoscape_graph`), DOT
//! (Graphviz) and edge tables (CSV/TSV), of the whole graph or of a
//! subgraph. Nodes are written in node order, edges in source order.

use std::io::Write;

use super::{AttrValue, Attribute, Element, Graph};
use crate::{Error, Result};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// GraphML.
    GraphMl,
    /// Cytoscape.js JSON.
    CytoscapeJs,
    /// Graphviz DOT.
    Dot,
    /// Comma-separated edge table.
    Csv,
    /// Tab-separated edge table.
    Tsv,
}

impl GraphFormat {
    /// The format an output file name asks for (`.graphml`, `.cyjs` or
    /// `.json`, `.dot` or `.gv`, `.csv`, `.tsv`).
    pub fn from_path(path: &std::path::Path) -> Option<GraphFormat> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let ext = name.rsplit('.').next()?;
        Some(match ext {
            "graphml" | "xml" => GraphFormat::GraphMl,
            "cyjs" | "json" => GraphFormat::CytoscapeJs,
            "dot" | "gv" => GraphFormat::Dot,
            "csv" => GraphFormat::Csv,
            "tsv" | "txt" => GraphFormat::Tsv,
            _ => return None,
        })
    }
}

/// The part of a graph to export: nodes (ascending) and edges (CSR
/// numbers) among them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Nodes, ascending.
    pub nodes: Vec<u32>,
    /// Edges (CSR numbers) whose ends are both selected.
    pub edges: Vec<u32>,
}

impl Selection {
    /// The subgraph induced by `nodes`.
    pub fn induced(graph: &Graph, nodes: &[u32]) -> Result<Selection> {
        let mut nodes = nodes.to_vec();
        nodes.sort_unstable();
        nodes.dedup();
        let edges = graph.induced_edges(&nodes)?;
        Ok(Selection { nodes, edges })
    }

    /// A subgraph named by `spec`: `pathway:ID`, `khop:NODE:K` (both
    /// directions), or node ids separated by commas.
    pub fn parse(graph: &Graph, spec: &str) -> Result<Selection> {
        if let Some(p) = spec.strip_prefix("pathway:") {
            let pathway = graph.pathway(p)?;
            return Selection::induced(graph, &pathway.nodes);
        }
        if let Some(rest) = spec.strip_prefix("khop:") {
            let (node, k) = rest.rsplit_once(':').ok_or_else(|| Error::Usage {
                detail: format!("subgraph {spec:?}: use khop:NODE:K"),
            })?;
            let k: u32 = k.parse().map_err(|_| Error::Usage {
                detail: format!("subgraph {spec:?}: K must be a whole number"),
            })?;
            let seed = graph.node(node)?;
            let found = graph.khop(&[seed], k, super::Direction::Both)?;
            let nodes: Vec<u32> = found.into_iter().map(|(v, _)| v).collect();
            return Selection::induced(graph, &nodes);
        }
        let nodes = spec
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|id| graph.node(id))
            .collect::<Result<Vec<u32>>>()?;
        if nodes.is_empty() {
            return Err(Error::Usage {
                detail: "an empty subgraph: give pathway:ID, khop:NODE:K or node ids".into(),
            });
        }
        Selection::induced(graph, &nodes)
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Output { source: e }
}

/// Everything an export writes, gathered once.
struct Parts<'g> {
    graph: &'g Graph,
    ids: Vec<&'g str>,
    nodes: Vec<u32>,
    /// (rank, edge, source, target) in source order.
    edges: Vec<(u32, u32, u32, u32)>,
    node_attrs: Vec<(&'g Attribute, Vec<Option<AttrValue>>)>,
    edge_attrs: Vec<(&'g Attribute, Vec<Option<AttrValue>>)>,
}

impl<'g> Parts<'g> {
    fn new(graph: &'g Graph, selection: Option<&Selection>) -> Result<Parts<'g>> {
        let ids = graph.node_ids()?;
        let ranks = graph.edge_ranks()?;
        let (sources, targets) = graph.edge_list()?;
        let (nodes, edge_list): (Vec<u32>, Vec<u32>) = match selection {
            Some(s) => (s.nodes.clone(), s.edges.clone()),
            None => (
                (0..graph.num_nodes() as u32).collect(),
                (0..graph.num_edges() as u32).collect(),
            ),
        };
        let mut edges: Vec<(u32, u32, u32, u32)> = edge_list
            .into_iter()
            .map(|e| {
                (
                    ranks[e as usize],
                    e,
                    sources[e as usize],
                    targets[e as usize],
                )
            })
            .collect();
        edges.sort_unstable();
        let mut node_attrs = Vec::new();
        let mut edge_attrs = Vec::new();
        for a in graph.attributes() {
            let values = graph.attribute_values(a)?;
            match a.element {
                Element::Node => node_attrs.push((a, values)),
                Element::Edge => edge_attrs.push((a, values)),
            }
        }
        Ok(Parts {
            graph,
            ids,
            nodes,
            edges,
            node_attrs,
            edge_attrs,
        })
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not XML.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push_str("&#xFFFD;"),
            c => out.push(c),
        }
    }
    out
}

fn graphml_type(a: &Attribute) -> &'static str {
    if a.is_list() {
        return "string";
    }
    match a.scalar() {
        "int64" => "long",
        "float64" => "double",
        "bool" => "boolean",
        _ => "string",
    }
}

fn write_graphml(p: &Parts<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (i, (a, _)) in p.node_attrs.iter().enumerate() {
        writeln!(
            out,
            r#"  <key id="n{i}" for="node" attr.name="{}" attr.type="{}"/>"#,
            xml_escape(&a.name),
            graphml_type(a)
        )?;
    }
    for (i, (a, _)) in p.edge_attrs.iter().enumerate() {
        writeln!(
            out,
            r#"  <key id="e{i}" for="edge" attr.name="{}" attr.type="{}"/>"#,
            xml_escape(&a.name),
            graphml_type(a)
        )?;
    }
    writeln!(
        out,
        r#"  <graph id="{}" edgedefault="{}">"#,
        xml_escape(p.graph.name()),
        if p.graph.is_directed() {
            "directed"
        } else {
            "undirected"
        }
    )?;
    for &v in &p.nodes {
        write!(out, r#"    <node id="{}">"#, xml_escape(p.ids[v as usize]))?;
        for (i, (_, values)) in p.node_attrs.iter().enumerate() {
            if let Some(value) = &values[v as usize] {
                write!(
                    out,
                    r#"<data key="n{i}">{}</data>"#,
                    xml_escape(&value.to_text())
                )?;
            }
        }
        writeln!(out, "</node>")?;
    }
    for &(rank, e, s, t) in &p.edges {
        write!(
            out,
            r#"    <edge id="e{rank}" source="{}" target="{}">"#,
            xml_escape(p.ids[s as usize]),
            xml_escape(p.ids[t as usize])
        )?;
        for (i, (_, values)) in p.edge_attrs.iter().enumerate() {
            if let Some(value) = &values[e as usize] {
                write!(
                    out,
                    r#"<data key="e{i}">{}</data>"#,
                    xml_escape(&value.to_text())
                )?;
            }
        }
        writeln!(out, "</edge>")?;
    }
    writeln!(out, "  </graph>\n</graphml>")
}

/// Keys a Cytoscape.js element's `data` reserves; attributes of these
/// names are written with a leading `_`.
const CYJS_RESERVED: [&str; 6] = ["id", "value", "name", "source", "target", "key"];

fn cyjs_key(name: &str) -> String {
    if CYJS_RESERVED.contains(&name) && name != "name" {
        format!("_{name}")
    } else {
        name.to_string()
    }
}

fn write_cyjs(p: &Parts<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    use serde_json::{json, Map, Value};
    let mut data = match p.graph.network().map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(m))) => m,
        _ => Map::new(),
    };
    data.entry("name").or_insert_with(|| json!(p.graph.name()));
    let mut nodes = Vec::with_capacity(p.nodes.len());
    for &v in &p.nodes {
        let id = p.ids[v as usize];
        let mut d = Map::new();
        for (a, values) in &p.node_attrs {
            if let Some(value) = &values[v as usize] {
                d.insert(cyjs_key(&a.name), value.to_json());
            }
        }
        d.entry("name").or_insert_with(|| json!(id));
        d.insert("id".into(), json!(id));
        d.insert("value".into(), json!(id));
        nodes.push(json!({ "data": d }));
    }
    let mut keys: std::collections::HashMap<(u32, u32), u32> = std::collections::HashMap::new();
    let mut edges = Vec::with_capacity(p.edges.len());
    for &(rank, e, s, t) in &p.edges {
        let mut d = Map::new();
        for (a, values) in &p.edge_attrs {
            if let Some(value) = &values[e as usize] {
                d.insert(cyjs_key(&a.name), value.to_json());
            }
        }
        let key = keys.entry((s, t)).or_insert(0);
        d.insert("id".into(), json!(format!("e{rank}")));
        d.insert("source".into(), json!(p.ids[s as usize]));
        d.insert("target".into(), json!(p.ids[t as usize]));
        d.insert("key".into(), json!(*key));
        *key += 1;
        edges.push(json!({ "data": d }));
    }
    let doc = json!({
        "data": data,
        "directed": p.graph.is_directed(),
        "multigraph": true,
        "elements": { "nodes": nodes, "edges": edges },
    });
    serde_json::to_writer(&mut *out, &doc).map_err(std::io::Error::other)?;
    writeln!(out)
}

fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_dot(p: &Parts<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let (kind, arrow) = if p.graph.is_directed() {
        ("digraph", "->")
    } else {
        ("graph", "--")
    };
    writeln!(out, "{kind} {} {{", dot_quote(p.graph.name()))?;
    for &v in &p.nodes {
        let mut attrs: Vec<String> = Vec::new();
        for (a, values) in &p.node_attrs {
            if let Some(value) = &values[v as usize] {
                attrs.push(format!(
                    "{}={}",
                    dot_quote(&a.name),
                    dot_quote(&value.to_text())
                ));
            }
        }
        // Graphviz labels nodes by `label`; else use `name` when there is one.
        let has = |n: &str| {
            p.node_attrs
                .iter()
                .any(|(a, vals)| a.name == n && vals[v as usize].is_some())
        };
        if !has("label") && has("name") {
            let (_, values) = p
                .node_attrs
                .iter()
                .find(|(a, _)| a.name == "name")
                .expect("has");
            if let Some(name) = &values[v as usize] {
                attrs.push(format!("label={}", dot_quote(&name.to_text())));
            }
        }
        let id = dot_quote(p.ids[v as usize]);
        if attrs.is_empty() {
            writeln!(out, "  {id};")?;
        } else {
            writeln!(out, "  {id} [{}];", attrs.join(", "))?;
        }
    }
    for &(_, e, s, t) in &p.edges {
        let mut attrs: Vec<String> = Vec::new();
        for (a, values) in &p.edge_attrs {
            if let Some(value) = &values[e as usize] {
                attrs.push(format!(
                    "{}={}",
                    dot_quote(&a.name),
                    dot_quote(&value.to_text())
                ));
            }
        }
        let (s, t) = (dot_quote(p.ids[s as usize]), dot_quote(p.ids[t as usize]));
        if attrs.is_empty() {
            writeln!(out, "  {s} {arrow} {t};")?;
        } else {
            writeln!(out, "  {s} {arrow} {t} [{}];", attrs.join(", "))?;
        }
    }
    writeln!(out, "}}")
}

/// A field of a CSV/TSV line: quoted (`"`, inner quotes doubled) when it
/// holds the delimiter, a quote or a line end.
pub fn table_field(s: &str, delimiter: u8) -> String {
    let special = s
        .bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if special {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_table(p: &Parts<'_>, delimiter: u8, out: &mut dyn Write) -> std::io::Result<()> {
    let d = delimiter as char;
    let mut header = vec!["source".to_string(), "target".to_string()];
    header.extend(p.edge_attrs.iter().map(|(a, _)| a.name.clone()));
    let header: Vec<String> = header.iter().map(|h| table_field(h, delimiter)).collect();
    writeln!(out, "{}", header.join(&d.to_string()))?;
    let mut line = String::new();
    for &(_, e, s, t) in &p.edges {
        line.clear();
        line.push_str(&table_field(p.ids[s as usize], delimiter));
        line.push(d);
        line.push_str(&table_field(p.ids[t as usize], delimiter));
        for (_, values) in &p.edge_attrs {
            line.push(d);
            if let Some(value) = &values[e as usize] {
                line.push_str(&table_field(&value.to_text(), delimiter));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Write `nodes` (node numbers) as a table: `id`, then each node
/// attribute, quoted as edge tables are (16.8).
pub fn write_node_table(
    graph: &Graph,
    nodes: &[u32],
    delimiter: u8,
    out: &mut dyn Write,
) -> Result<()> {
    let ids = graph.node_ids()?;
    let attrs: Vec<&Attribute> = graph
        .attributes()
        .iter()
        .filter(|a| a.element == Element::Node)
        .collect();
    let values = attrs
        .iter()
        .map(|a| graph.attribute_values(a))
        .collect::<Result<Vec<_>>>()?;
    let d = (delimiter as char).to_string();
    let header: Vec<String> = std::iter::once("id".to_string())
        .chain(attrs.iter().map(|a| table_field(&a.name, delimiter)))
        .collect();
    writeln!(out, "{}", header.join(&d)).map_err(io)?;
    for &v in nodes {
        let mut line = table_field(ids[v as usize], delimiter);
        for column in &values {
            line.push_str(&d);
            if let Some(x) = &column[v as usize] {
                line.push_str(&table_field(&x.to_text(), delimiter));
            }
        }
        writeln!(out, "{line}").map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Write `graph` (or the `selection` of it) in `format`.
pub fn write_graph(
    graph: &Graph,
    format: GraphFormat,
    selection: Option<&Selection>,
    out: &mut dyn Write,
) -> Result<()> {
    let parts = Parts::new(graph, selection)?;
    match format {
        GraphFormat::GraphMl => write_graphml(&parts, out),
        GraphFormat::CytoscapeJs => write_cyjs(&parts, out),
        GraphFormat::Dot => write_dot(&parts, out),
        GraphFormat::Csv => write_table(&parts, b',', out),
        GraphFormat::Tsv => write_table(&parts, b'\t', out),
    }
    .map_err(io)?;
    out.flush().map_err(io)
}

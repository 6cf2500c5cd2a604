//! Reading `graph` datasets (spec 16): the node dictionary, both CSR
//! directions, attributes and pathways, and the queries users run on a
//! network: neighbours, k-hop neighbourhoods, shortest paths (BFS, or
//! Dijkstra on a weight attribute), connected components, the subgraph of
//! a pathway or a node set, edges filtered by an attribute.
//!
//! [`Graph::open`] reads only the manifest. The topology columns are read
//! on first use: a plain single-page column (written with `--compression
//! fast`) is used in place in the mapping, others are decoded once; both
//! are checked against spec 16.5 before any query relies on them.
//! [`Graph::view`] gives a [`GraphView`] of plain slices on which
//! petgraph's algorithms run directly (module [`petgraph`](self::petgraph)).

pub mod export;
pub mod petgraph;

use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;
use std::ops::Range;
use std::sync::OnceLock;

use bytes::Bytes;
use gcol_format::manifest::{Dataset, Layout};
use gcol_format::schema::graph::{columns as col, meta, SCHEMA};
use gcol_format::{PhysicalType, Value as PodValue};

use crate::{get_or_load, ColumnReader, Error, Reader, Result};

/// A `u32`/`u64` array: in the mapping (one plain, aligned page) or decoded.
#[derive(Debug)]
enum Array<T: PodValue> {
    Mapped(Bytes),
    Owned(Vec<T>),
}

impl<T: PodValue> Array<T> {
    fn as_slice(&self) -> &[T] {
        match self {
            Array::Mapped(bytes) => bytemuck::cast_slice(bytes),
            Array::Owned(v) => v,
        }
    }

    /// The whole column: its one plain page in place when it can be, else
    /// decoded.
    fn load(column: &ColumnReader<'_>) -> Result<Array<T>> {
        let n = column.num_values();
        if column.num_pages() == 1 && n > 0 {
            let page = column.page(0)?;
            if page.null_count() == 0 && page.num_values() as u64 == n {
                let data = page.value_data();
                let aligned = (data.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>());
                if aligned && data.len() == n as usize * std::mem::size_of::<T>() {
                    return Ok(Array::Mapped(data));
                }
            }
        }
        Ok(Array::Owned(column.read(0..n)?))
    }
}

/// The topology of a graph, checked.
#[derive(Debug)]
struct Topology {
    out_ends: Array<u64>,
    targets: Array<u32>,
    in_ends: Array<u64>,
    in_sources: Array<u32>,
    in_edges: Array<u32>,
}

/// Node identifiers, decoded once.
#[derive(Debug)]
struct NodeIds {
    bytes: Vec<u8>,
    /// `n + 1` offsets into `bytes`.
    offsets: Vec<u64>,
    /// Node numbers in identifier order.
    by_id: Vec<u32>,
}

impl NodeIds {
    fn get(&self, node: usize) -> &str {
        let (a, b) = (self.offsets[node] as usize, self.offsets[node + 1] as usize);
        // Checked to be UTF-8 when loaded.
        std::str::from_utf8(&self.bytes[a..b]).unwrap_or_default()
    }
}

/// Nodes or edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    /// Node attributes (`node_attr/...`).
    Node,
    /// Edge attributes (`edge_attr/...`, in CSR order).
    Edge,
}

/// An attribute of the nodes or edges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Its name in the source.
    pub name: String,
    /// Of nodes or of edges.
    pub element: Element,
    /// `int64`, `float64`, `bool`, `string` or `list<...>` of one of them.
    pub kind: String,
    column: String,
}

impl Attribute {
    /// The scalar type of its values (of its items, for a list).
    pub fn scalar(&self) -> &str {
        self.kind
            .strip_prefix("list<")
            .and_then(|k| k.strip_suffix('>'))
            .unwrap_or(&self.kind)
    }

    /// Whether its values are lists.
    pub fn is_list(&self) -> bool {
        self.kind.starts_with("list<")
    }
}

pub use gcol_format::typed::format_float;
/// An attribute value (spec 16.4).
pub use gcol_format::typed::TypedValue as AttrValue;

/// Which edges to follow from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Out-edges (to targets).
    Out,
    /// In-edges (from sources).
    In,
    /// Both.
    Both,
}

impl std::str::FromStr for Direction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Direction> {
        match s {
            "out" => Ok(Direction::Out),
            "in" => Ok(Direction::In),
            "both" | "all" => Ok(Direction::Both),
            other => Err(Error::Usage {
                detail: format!("direction {other:?}: use out, in or both"),
            }),
        }
    }
}

/// A path found by [`Graph::shortest_path`].
#[derive(Debug, Clone, PartialEq)]
pub struct GraphPath {
    /// Nodes from the start to the end.
    pub nodes: Vec<u32>,
    /// The CSR numbers of the edges taken.
    pub edges: Vec<u32>,
    /// Its length: edges, or the sum of their weights.
    pub cost: f64,
}

/// How [`Graph::filter_edges`] compares an attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrFilter {
    /// Equal to the text (compared with the value's text; for a list, any
    /// item equal).
    Equals(String),
    /// Starting with the text.
    Prefix(String),
    /// A number within the range (inclusive).
    Between(f64, f64),
}

impl AttrFilter {
    /// Whether `v` matches.
    pub fn matches(&self, v: &AttrValue) -> bool {
        match (self, v) {
            (f, AttrValue::List(items)) => items.iter().any(|i| f.matches(i)),
            (AttrFilter::Equals(t), v) => v.to_text() == *t,
            (AttrFilter::Prefix(t), v) => v.to_text().starts_with(t.as_str()),
            (AttrFilter::Between(a, b), v) => v.as_f64().is_some_and(|x| x >= *a && x <= *b),
        }
    }

    /// Parse `NAME=VALUE`, `NAME=PREFIX*` or `NAME=LOW..HIGH`.
    pub fn parse(expr: &str) -> Result<(String, AttrFilter)> {
        let usage = || Error::Usage {
            detail: format!("filter {expr:?}: use NAME=VALUE, NAME=PREFIX* or NAME=LOW..HIGH"),
        };
        let (name, value) = expr.split_once('=').ok_or_else(usage)?;
        if name.is_empty() {
            return Err(usage());
        }
        let filter = if let Some(p) = value.strip_suffix('*') {
            AttrFilter::Prefix(p.to_string())
        } else if let Some((a, b)) = value.split_once("..") {
            match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
                (Ok(a), Ok(b)) => AttrFilter::Between(a, b),
                _ => AttrFilter::Equals(value.to_string()),
            }
        } else {
            AttrFilter::Equals(value.to_string())
        };
        Ok((name.to_string(), filter))
    }
}

/// A pathway: a named node set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pathway {
    /// Identifier.
    pub id: String,
    /// Name, when the source gives one.
    pub name: Option<String>,
    /// Member nodes, ascending.
    pub nodes: Vec<u32>,
}

/// A `graph` dataset of an open file.
#[derive(Debug)]
pub struct Graph {
    reader: Reader,
    name: String,
    directed: bool,
    num_nodes: u64,
    num_edges: u64,
    weight: Option<String>,
    network: Option<String>,
    source_format: Option<String>,
    attributes: Vec<Attribute>,
    has_rank: bool,
    topology: OnceLock<Topology>,
    ids: OnceLock<NodeIds>,
    /// Checked weight columns by attribute name (shortest paths).
    weights: std::sync::Mutex<FxHashMap<String, std::sync::Arc<Vec<f64>>>>,
}

fn invariant(dataset: &str, column: &str, row: u64, detail: String) -> Error {
    Error::Invariant {
        column: format!("{dataset}/{column}"),
        row,
        rule: "16.6 graph invariants",
        detail,
    }
}

fn attributes_of(dataset: &Dataset) -> Result<Vec<Attribute>> {
    let mut out = Vec::new();
    let children = gcol_format::manifest::list_children(&dataset.columns);
    for c in &dataset.columns {
        let (element, name) = if let Some(n) = c.name.strip_prefix(col::NODE_ATTR_PREFIX) {
            (Element::Node, n)
        } else if let Some(n) = c.name.strip_prefix(col::EDGE_ATTR_PREFIX) {
            (Element::Edge, n)
        } else {
            continue;
        };
        if children.contains(&c.name.as_str()) {
            continue;
        }
        let kind = c
            .metadata
            .get(meta::VALUE_TYPE)
            .cloned()
            .unwrap_or_else(|| c.logical_type.clone());
        let scalar = kind
            .strip_prefix("list<")
            .and_then(|k| k.strip_suffix('>'))
            .unwrap_or(&kind);
        let want = gcol_format::schema::graph::ATTRIBUTE_TYPES
            .iter()
            .find(|(k, _)| *k == scalar)
            .map(|(_, p)| *p);
        let list = kind.starts_with("list<");
        let physical_ok = match want {
            Some(_) if list => c.physical_type == PhysicalType::U64,
            Some(p) => c.physical_type == p,
            None => false,
        };
        if !physical_ok {
            return Err(invariant(
                &dataset.name,
                &c.name,
                0,
                format!("attribute of type {kind:?} in a {} column", c.physical_type),
            ));
        }
        out.push(Attribute {
            name: name.to_string(),
            element,
            kind,
            column: c.name.clone(),
        });
    }
    Ok(out)
}

impl Graph {
    /// Open graph dataset `name` of `reader` (reads nothing but the manifest).
    pub fn open(reader: &Reader, name: &str) -> Result<Graph> {
        let dataset = reader.dataset(name)?;
        SCHEMA.bind(dataset)?;
        let num = |c: &str| -> Result<u64> { Ok(reader.column(name, c)?.num_values()) };
        let num_nodes = num(col::NODE_ID)?;
        let num_edges = num(col::OUT_TARGET)?;
        let directed = match dataset.metadata.get(meta::DIRECTED).map(String::as_str) {
            Some("true") | None => true,
            Some("false") => false,
            Some(other) => {
                return Err(invariant(
                    name,
                    "metadata",
                    0,
                    format!("directed is {other:?}, not true or false"),
                ))
            }
        };
        let attributes = attributes_of(dataset)?;
        let weight = dataset.metadata.get(meta::WEIGHT).cloned();
        if let Some(w) = &weight {
            if !attributes
                .iter()
                .any(|a| a.element == Element::Edge && a.name == *w && a.as_number_ok())
            {
                return Err(invariant(
                    name,
                    "metadata",
                    0,
                    format!("the weight attribute {w:?} is not a numeric edge attribute"),
                ));
            }
        }
        Ok(Graph {
            reader: reader.clone(),
            name: name.to_string(),
            directed,
            num_nodes,
            num_edges,
            weight,
            network: dataset.metadata.get(meta::NETWORK).cloned(),
            source_format: dataset.metadata.get(meta::SOURCE_FORMAT).cloned(),
            attributes,
            has_rank: dataset.columns.iter().any(|c| c.name == col::OUT_RANK),
            topology: OnceLock::new(),
            ids: OnceLock::new(),
            weights: Default::default(),
        })
    }

    /// Dataset name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The reader.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// Whether edges are directed.
    pub fn is_directed(&self) -> bool {
        self.directed
    }

    /// Number of nodes.
    pub fn num_nodes(&self) -> u64 {
        self.num_nodes
    }

    /// Number of edges.
    pub fn num_edges(&self) -> u64 {
        self.num_edges
    }

    /// The default weight attribute (metadata `weight`), if any.
    pub fn weight(&self) -> Option<&str> {
        self.weight.as_deref()
    }

    /// Network attributes as a JSON object text, if any.
    pub fn network(&self) -> Option<&str> {
        self.network.as_deref()
    }

    /// The source format (`sbml`, `cx`, `kgml`, `csv`, ...).
    pub fn source_format(&self) -> Option<&str> {
        self.source_format.as_deref()
    }

    /// Node and edge attributes, in column order.
    pub fn attributes(&self) -> &[Attribute] {
        &self.attributes
    }

    /// The attribute `name` of nodes or edges.
    pub fn attribute(&self, element: Element, name: &str) -> Result<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.element == element && a.name == name)
            .ok_or_else(|| Error::NoSuchElement {
                dataset: self.name.clone(),
                what: if element == Element::Node {
                    "node attribute"
                } else {
                    "edge attribute"
                },
                name: name.to_string(),
                hint: {
                    let names: Vec<&str> = self
                        .attributes
                        .iter()
                        .filter(|a| a.element == element)
                        .map(|a| a.name.as_str())
                        .collect();
                    if names.is_empty() {
                        "; it has none".to_string()
                    } else {
                        format!("; it has: {}", names.join(", "))
                    }
                },
            })
    }

    fn column(&self, name: &str) -> Result<ColumnReader<'_>> {
        self.reader.column(&self.name, name)
    }

    fn topology(&self) -> Result<&Topology> {
        get_or_load(&self.topology, || self.load_topology())
    }

    /// Load and check the topology (spec 16.5): list ends rising to the
    /// item counts, node and edge numbers in range, in-edges the same
    /// edges as out-edges.
    fn load_topology(&self) -> Result<Topology> {
        let (n, e) = (self.num_nodes as usize, self.num_edges as usize);
        let t = Topology {
            out_ends: Array::load(&self.column(col::OUT)?)?,
            targets: Array::load(&self.column(col::OUT_TARGET)?)?,
            in_ends: Array::load(&self.column(col::IN)?)?,
            in_sources: Array::load(&self.column(col::IN_SOURCE)?)?,
            in_edges: Array::load(&self.column(col::IN_EDGE)?)?,
        };
        let bad = |column: &str, row: usize, detail: String| {
            invariant(&self.name, column, row as u64, detail)
        };
        for (column, ends) in [
            (col::OUT, t.out_ends.as_slice()),
            (col::IN, t.in_ends.as_slice()),
        ] {
            if ends.len() != n {
                return Err(bad(column, 0, format!("{} rows for {n} nodes", ends.len())));
            }
            let mut previous = 0;
            for (i, &end) in ends.iter().enumerate() {
                if end < previous || end > e as u64 {
                    return Err(bad(
                        column,
                        i,
                        format!("end offset {end} after {previous} (edges: {e})"),
                    ));
                }
                previous = end;
            }
            if n > 0 && previous != e as u64 {
                return Err(bad(
                    column,
                    n - 1,
                    format!("the last end offset is {previous}, not {e}"),
                ));
            }
        }
        for (column, values, bound) in [
            (col::OUT_TARGET, t.targets.as_slice(), n),
            (col::IN_SOURCE, t.in_sources.as_slice(), n),
            (col::IN_EDGE, t.in_edges.as_slice(), e),
        ] {
            if values.len() != e {
                return Err(bad(
                    column,
                    0,
                    format!("{} values for {e} edges", values.len()),
                ));
            }
            if let Some(i) = values.iter().position(|&v| v as usize >= bound) {
                return Err(bad(
                    column,
                    i,
                    format!("{} is out of range (< {bound})", values[i]),
                ));
            }
        }
        // CSR order: targets, and in-edge sources, do not decrease in a row.
        for (column, ends, items) in [
            (col::OUT_TARGET, t.out_ends.as_slice(), t.targets.as_slice()),
            (
                col::IN_SOURCE,
                t.in_ends.as_slice(),
                t.in_sources.as_slice(),
            ),
            // In-edges of a row are in CSR order.
            (col::IN_EDGE, t.in_ends.as_slice(), t.in_edges.as_slice()),
        ] {
            let mut start = 0usize;
            for &end in ends {
                let row = &items[start..end as usize];
                if let Some(i) = row.windows(2).position(|w| w[0] > w[1]) {
                    return Err(bad(
                        column,
                        start + i + 1,
                        "values of a row decrease (not CSR order)".into(),
                    ));
                }
                start = end as usize;
            }
        }
        // Each in-edge names an edge with that source and this target, and
        // names each edge once.
        let mut seen = fixedbitset::FixedBitSet::with_capacity(e);
        let (out_ends, targets) = (t.out_ends.as_slice(), t.targets.as_slice());
        // Edge `edge` has source `s` when it lies in row `s` of `out`.
        let from = |s: usize, edge: usize| {
            let start = if s == 0 { 0 } else { out_ends[s - 1] };
            start <= edge as u64 && (edge as u64) < out_ends[s]
        };
        let (in_edges, in_sources) = (t.in_edges.as_slice(), t.in_sources.as_slice());
        let mut start = 0usize;
        for (v, &end) in t.in_ends.as_slice().iter().enumerate() {
            for i in start..end as usize {
                let edge = in_edges[i] as usize;
                if seen.put(edge)
                    || targets[edge] as usize != v
                    || !from(in_sources[i] as usize, edge)
                {
                    return Err(bad(
                        col::IN_EDGE,
                        i,
                        format!(
                            "in-edge {i} of node {v} does not name a distinct edge {edge} into it"
                        ),
                    ));
                }
            }
            start = end as usize;
        }
        Ok(t)
    }

    /// Check every rule of spec 16.6: topology, node dictionary, ranks,
    /// attribute columns (lengths, types, `bool` values), the weight,
    /// pathways and the network JSON. Returns the number of nodes and
    /// edges checked.
    pub fn check_invariants(&self) -> Result<u64> {
        let view = self.view()?;
        self.ids()?;
        let ranks = self.edge_ranks()?;
        // Parallel edges (equal source and target) keep source order.
        for v in 0..self.num_nodes as u32 {
            let r = view.out_range(v);
            for e in r.start + 1..r.end {
                if view.targets[e] == view.targets[e - 1] && ranks[e] < ranks[e - 1] {
                    return Err(invariant(
                        &self.name,
                        col::OUT_RANK,
                        e as u64,
                        "parallel edges out of source order".into(),
                    ));
                }
            }
        }
        for a in &self.attributes {
            if a.scalar() == "string" {
                let column = self.column(&a.column)?;
                let child = match &column.meta().layout {
                    Some(Layout::List { child }) => self.column(child)?,
                    _ => column,
                };
                let mut bad = None;
                child.for_each_binary(0..child.num_values(), |i, v| {
                    if bad.is_none() && std::str::from_utf8(v).is_err() {
                        bad = Some(i);
                    }
                })?;
                if let Some(i) = bad {
                    return Err(invariant(
                        &self.name,
                        &child.meta().name,
                        i,
                        "a string that is not UTF-8".into(),
                    ));
                }
            }
            let values = self.attribute_values(a)?;
            if a.scalar() == "bool" && !a.is_list() {
                let column = self.column(&a.column)?;
                let raw: Vec<u8> = column.read(0..column.num_values())?;
                if let Some(i) = raw.iter().position(|&b| b > 1) {
                    return Err(invariant(
                        &self.name,
                        &a.column,
                        i as u64,
                        format!("bool value {}", raw[i]),
                    ));
                }
            }
            drop(values);
        }
        self.pathways()?;
        if let Some(text) = &self.network {
            if !matches!(
                serde_json::from_str::<serde_json::Value>(text),
                Ok(serde_json::Value::Object(_))
            ) {
                return Err(invariant(
                    &self.name,
                    "metadata",
                    0,
                    "network is not a JSON object".into(),
                ));
            }
        }
        Ok(self.num_nodes + self.num_edges)
    }

    /// A view of the topology as slices (loads it on first use); petgraph's
    /// traits are implemented on it.
    pub fn view(&self) -> Result<GraphView<'_>> {
        let t = self.topology()?;
        Ok(GraphView {
            out_ends: t.out_ends.as_slice(),
            targets: t.targets.as_slice(),
            in_ends: t.in_ends.as_slice(),
            in_sources: t.in_sources.as_slice(),
            in_edges: t.in_edges.as_slice(),
            directed: self.directed,
        })
    }

    fn ids(&self) -> Result<&NodeIds> {
        get_or_load(&self.ids, || {
            let column = self.column(col::NODE_ID)?;
            let n = column.num_values();
            let mut bytes = Vec::new();
            let mut offsets = Vec::with_capacity(n as usize + 1);
            offsets.push(0u64);
            let mut bad = None;
            column.for_each_binary(0..n, |i, v| {
                if bad.is_none() && std::str::from_utf8(v).is_err() {
                    bad = Some(i);
                }
                bytes.extend_from_slice(v);
                offsets.push(bytes.len() as u64);
            })?;
            if let Some(i) = bad {
                return Err(invariant(
                    &self.name,
                    col::NODE_ID,
                    i,
                    "a node id that is not UTF-8".into(),
                ));
            }
            let by_id_column = self.column(col::NODE_BY_ID)?;
            let by_id: Vec<u32> = by_id_column.read(0..by_id_column.num_values())?;
            let ids = NodeIds {
                bytes,
                offsets,
                by_id,
            };
            if ids.by_id.len() as u64 != n {
                return Err(invariant(
                    &self.name,
                    col::NODE_BY_ID,
                    0,
                    format!("{} values for {n} nodes", ids.by_id.len()),
                ));
            }
            let mut seen = fixedbitset::FixedBitSet::with_capacity(n as usize);
            for (i, &v) in ids.by_id.iter().enumerate() {
                if v as u64 >= n || seen.put(v as usize) {
                    return Err(invariant(
                        &self.name,
                        col::NODE_BY_ID,
                        i as u64,
                        format!("{v} is not a distinct node"),
                    ));
                }
                if i > 0
                    && ids.get(ids.by_id[i - 1] as usize).as_bytes()
                        >= ids.get(v as usize).as_bytes()
                {
                    return Err(invariant(
                        &self.name,
                        col::NODE_BY_ID,
                        i as u64,
                        "node ids are not distinct and in byte order".into(),
                    ));
                }
            }
            Ok(ids)
        })
    }

    /// The identifier of `node`.
    pub fn node_id(&self, node: u32) -> Result<&str> {
        self.check_node(node)?;
        Ok(self.ids()?.get(node as usize))
    }

    /// Every node identifier, in node order.
    pub fn node_ids(&self) -> Result<Vec<&str>> {
        let ids = self.ids()?;
        Ok((0..self.num_nodes as usize).map(|i| ids.get(i)).collect())
    }

    /// The node whose identifier is `id`, if any (bisection of the
    /// identifier order, spec 16.2).
    pub fn find_node(&self, id: &str) -> Result<Option<u32>> {
        let ids = self.ids()?;
        let at = ids
            .by_id
            .partition_point(|&v| ids.get(v as usize).as_bytes() < id.as_bytes());
        Ok(ids
            .by_id
            .get(at)
            .copied()
            .filter(|&v| ids.get(v as usize) == id))
    }

    /// The node whose identifier is `id`, or else the one node whose
    /// `name` (or else `label`) attribute is `id` (CX node ids are
    /// numbers; users name genes); an error naming it when there is none,
    /// or when several nodes have that name.
    pub fn node(&self, id: &str) -> Result<u32> {
        if let Some(v) = self.find_node(id)? {
            return Ok(v);
        }
        for attr in ["name", "label"] {
            let Ok(a) = self.attribute(Element::Node, attr) else {
                continue;
            };
            if a.is_list() {
                continue;
            }
            let values = self.attribute_values(a)?;
            let found: Vec<u32> = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.as_ref().is_some_and(|v| v.to_text() == id))
                .map(|(i, _)| i as u32)
                .collect();
            match found.as_slice() {
                [] => continue,
                [one] => return Ok(*one),
                many => {
                    let ids: Vec<&str> = many
                        .iter()
                        .take(10)
                        .map(|&v| self.ids().map(|ids| ids.get(v as usize)))
                        .collect::<Result<_>>()?;
                    return Err(Error::Usage {
                        detail: format!(
                            "{} nodes of graph {:?} have {attr} {id:?} (ids {}); give an id",
                            many.len(),
                            self.name,
                            ids.join(", ")
                        ),
                    });
                }
            }
        }
        Err(Error::NoSuchElement {
            dataset: self.name.clone(),
            what: "node",
            name: id.to_string(),
            hint: String::new(),
        })
    }

    fn check_node(&self, node: u32) -> Result<()> {
        if u64::from(node) >= self.num_nodes {
            return Err(Error::OutOfRange {
                column: format!("{}/{}", self.name, col::NODE_ID),
                index: u64::from(node),
                len: self.num_nodes,
            });
        }
        Ok(())
    }

    /// The direction queries follow by default: out-edges when directed,
    /// both ways when not.
    pub fn default_direction(&self) -> Direction {
        if self.directed {
            Direction::Out
        } else {
            Direction::Both
        }
    }

    /// The distinct neighbours of `node` in `direction`, ascending.
    pub fn neighbors(&self, node: u32, direction: Direction) -> Result<Vec<u32>> {
        self.check_node(node)?;
        let view = self.view()?;
        let mut out: Vec<u32> = Vec::new();
        view.for_each_neighbor(node, direction, |v, _| out.push(v));
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The nodes within `k` hops of `seeds` in `direction`, with their
    /// distance, in order of discovery (seeds first, at distance 0).
    pub fn khop(&self, seeds: &[u32], k: u32, direction: Direction) -> Result<Vec<(u32, u32)>> {
        for &s in seeds {
            self.check_node(s)?;
        }
        let view = self.view()?;
        let mut seen = fixedbitset::FixedBitSet::with_capacity(self.num_nodes as usize);
        let mut out = Vec::new();
        for &s in seeds {
            if !seen.put(s as usize) {
                out.push((s, 0));
            }
        }
        let mut frontier = 0;
        for depth in 1..=k {
            let end = out.len();
            if frontier == end {
                break;
            }
            for i in frontier..end {
                let v = out[i].0;
                view.for_each_neighbor(v, direction, |w, _| {
                    if !seen.put(w as usize) {
                        out.push((w, depth));
                    }
                });
            }
            frontier = end;
        }
        Ok(out)
    }

    /// Values of a numeric edge attribute in CSR order (nulls as NaN).
    pub fn edge_weights(&self, name: &str) -> Result<Vec<f64>> {
        let attr = self.attribute(Element::Edge, name)?;
        if !attr.as_number_ok() {
            return Err(Error::Usage {
                detail: format!("edge attribute {name:?} is {}, not a number", attr.kind),
            });
        }
        let column = self.column(&attr.column)?;
        let n = column.num_values();
        let valid = column.read_validity(0..n)?;
        let values: Vec<f64> = match attr.kind.as_str() {
            "int64" => column
                .read::<i64>(0..n)?
                .into_iter()
                .map(|v| v as f64)
                .collect(),
            _ => column.read::<f64>(0..n)?,
        };
        Ok(values
            .into_iter()
            .zip(valid)
            .map(|(v, ok)| if ok { v } else { f64::NAN })
            .collect())
    }

    /// A shortest path from `from` to `to` following `direction`: fewest
    /// edges (breadth-first from both ends, expanding the smaller
    /// frontier), or with `weight` the least sum of that edge attribute
    /// (Dijkstra; weights must be non-negative, nulls are refused). `None`
    /// when `to` cannot be reached. Work and memory grow with the nodes
    /// explored, not with the graph.
    pub fn shortest_path(
        &self,
        from: u32,
        to: u32,
        direction: Direction,
        weight: Option<&str>,
    ) -> Result<Option<GraphPath>> {
        self.check_node(from)?;
        self.check_node(to)?;
        let view = self.view()?;
        match weight {
            None => Ok(bidirectional_bfs(&view, from, to, direction)),
            Some(name) => {
                let weights = self.path_weights(name)?;
                Ok(dijkstra(&view, from, to, direction, &weights))
            }
        }
    }

    /// The weights of edge attribute `name` for shortest paths, checked
    /// non-negative and present once, then kept.
    fn path_weights(&self, name: &str) -> Result<std::sync::Arc<Vec<f64>>> {
        let cached = self
            .weights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned();
        if let Some(w) = cached {
            return Ok(w);
        }
        let weights = self.edge_weights(name)?;
        if let Some(e) = weights.iter().position(|w| w.is_nan() || *w < 0.0) {
            return Err(Error::Usage {
                detail: format!(
                    "edge attribute {name:?} has {} at edge {e}: shortest paths need non-negative weights",
                    if weights[e].is_nan() { "no value".to_string() } else { weights[e].to_string() }
                ),
            });
        }
        let weights = std::sync::Arc::new(weights);
        self.weights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), weights.clone());
        Ok(weights)
    }

    /// Weakly connected components: a label per node, components numbered
    /// in order of their smallest node.
    pub fn components(&self) -> Result<Vec<u32>> {
        let view = self.view()?;
        let n = self.num_nodes as usize;
        let mut label = vec![u32::MAX; n];
        let mut next = 0u32;
        let mut stack = Vec::new();
        for s in 0..n {
            if label[s] != u32::MAX {
                continue;
            }
            label[s] = next;
            stack.push(s as u32);
            while let Some(v) = stack.pop() {
                view.for_each_neighbor(v, Direction::Both, |w, _| {
                    if label[w as usize] == u32::MAX {
                        label[w as usize] = next;
                        stack.push(w);
                    }
                });
            }
            next += 1;
        }
        Ok(label)
    }

    /// The edges (CSR numbers, ascending) whose ends are both in `nodes`.
    pub fn induced_edges(&self, nodes: &[u32]) -> Result<Vec<u32>> {
        for &v in nodes {
            self.check_node(v)?;
        }
        let view = self.view()?;
        let mut member = fixedbitset::FixedBitSet::with_capacity(self.num_nodes as usize);
        for &v in nodes {
            member.insert(v as usize);
        }
        let mut edges = Vec::new();
        let mut sorted = nodes.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for v in sorted {
            let range = view.out_range(v);
            for (i, &t) in view.targets[range.clone()].iter().enumerate() {
                if member.contains(t as usize) {
                    edges.push((range.start + i) as u32);
                }
            }
        }
        Ok(edges)
    }

    /// Source and target of edge `edge` (CSR number).
    pub fn edge_ends(&self, edge: u32) -> Result<(u32, u32)> {
        if u64::from(edge) >= self.num_edges {
            return Err(Error::OutOfRange {
                column: format!("{}/{}", self.name, col::OUT_TARGET),
                index: u64::from(edge),
                len: self.num_edges,
            });
        }
        let view = self.view()?;
        Ok((view.source_of(edge), view.targets[edge as usize]))
    }

    /// Sources and targets of every edge, in CSR order.
    pub fn edge_list(&self) -> Result<(Vec<u32>, Vec<u32>)> {
        let view = self.view()?;
        let mut sources = Vec::with_capacity(view.targets.len());
        for (v, w) in view.out_ends.iter().enumerate() {
            let start = if v == 0 { 0 } else { view.out_ends[v - 1] };
            sources.extend(std::iter::repeat_n(v as u32, (w - start) as usize));
        }
        Ok((sources, view.targets.to_vec()))
    }

    /// Each edge's position in the source (CSR number -> source order).
    pub fn edge_ranks(&self) -> Result<Vec<u32>> {
        if !self.has_rank {
            return Ok((0..self.num_edges as u32).collect());
        }
        let column = self.column(col::OUT_RANK)?;
        let ranks: Vec<u32> = column.read(0..column.num_values())?;
        let mut seen = fixedbitset::FixedBitSet::with_capacity(self.num_edges as usize);
        if ranks.len() as u64 != self.num_edges {
            return Err(invariant(
                &self.name,
                col::OUT_RANK,
                0,
                format!("{} ranks for {} edges", ranks.len(), self.num_edges),
            ));
        }
        for (i, &r) in ranks.iter().enumerate() {
            if u64::from(r) >= self.num_edges || seen.put(r as usize) {
                return Err(invariant(
                    &self.name,
                    col::OUT_RANK,
                    i as u64,
                    format!("rank {r} is not a distinct edge position"),
                ));
            }
        }
        Ok(ranks)
    }

    /// Values of an attribute (node order or CSR order); `None` where null.
    pub fn attribute_values(&self, attr: &Attribute) -> Result<Vec<Option<AttrValue>>> {
        let column = self.column(&attr.column)?;
        let n = column.num_values();
        let expected = match attr.element {
            Element::Node => self.num_nodes,
            Element::Edge => self.num_edges,
        };
        if n != expected {
            return Err(invariant(
                &self.name,
                &attr.column,
                0,
                format!("{n} values for {expected} elements"),
            ));
        }
        crate::typed::typed_values(&self.reader, &self.name, &column, &attr.kind)
    }

    /// The edges (CSR numbers, ascending) whose attribute `name` matches.
    pub fn filter_edges(&self, name: &str, filter: &AttrFilter) -> Result<Vec<u32>> {
        let attr = self.attribute(Element::Edge, name)?;
        let values = self.attribute_values(attr)?;
        Ok(values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.as_ref().is_some_and(|v| filter.matches(v)))
            .map(|(i, _)| i as u32)
            .collect())
    }

    /// The nodes (ascending) whose attribute `name` matches.
    pub fn filter_nodes(&self, name: &str, filter: &AttrFilter) -> Result<Vec<u32>> {
        let attr = self.attribute(Element::Node, name)?;
        let values = self.attribute_values(attr)?;
        Ok(values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.as_ref().is_some_and(|v| filter.matches(v)))
            .map(|(i, _)| i as u32)
            .collect())
    }

    /// The pathways, in file order.
    pub fn pathways(&self) -> Result<Vec<Pathway>> {
        let dataset = self.reader.dataset(&self.name)?;
        if !dataset.columns.iter().any(|c| c.name == col::PATHWAY_ID) {
            return Ok(Vec::new());
        }
        let ids = self.column(col::PATHWAY_ID)?;
        let names = self.column(col::PATHWAY_NAME)?;
        let lists = self.column(col::PATHWAY_NODES)?;
        let members = self.column(col::PATHWAY_NODE)?;
        let count = ids.num_values();
        if names.num_values() != count || lists.num_values() != count {
            return Err(invariant(
                &self.name,
                col::PATHWAY_NODES,
                0,
                "pathway columns of different lengths".into(),
            ));
        }
        let mut out = Vec::with_capacity(count as usize);
        ids.for_each_binary(0..count, |_, v| {
            out.push(Pathway {
                id: String::from_utf8_lossy(v).into_owned(),
                name: None,
                nodes: Vec::new(),
            })
        })?;
        names.for_each_binary_option(0..count, |i, v| {
            out[i as usize].name = v.map(|v| String::from_utf8_lossy(v).into_owned());
        })?;
        let ends: Vec<u64> = lists.read(0..count)?;
        let nodes: Vec<u32> = members.read(0..members.num_values())?;
        let mut start = 0u64;
        for (i, &end) in ends.iter().enumerate() {
            if end < start || end > nodes.len() as u64 {
                return Err(invariant(
                    &self.name,
                    col::PATHWAY_NODES,
                    i as u64,
                    format!("end offset {end} after {start}"),
                ));
            }
            let slice = &nodes[start as usize..end as usize];
            if slice.windows(2).any(|w| w[0] >= w[1])
                || slice.iter().any(|&v| u64::from(v) >= self.num_nodes)
            {
                return Err(invariant(
                    &self.name,
                    col::PATHWAY_NODE,
                    start,
                    format!("members of pathway {i} are not distinct ascending nodes"),
                ));
            }
            out[i].nodes = slice.to_vec();
            start = end;
        }
        Ok(out)
    }

    /// The pathway whose id (or else name) is `key`.
    pub fn pathway(&self, key: &str) -> Result<Pathway> {
        let all = self.pathways()?;
        let found = all
            .iter()
            .position(|p| p.id == key)
            .or_else(|| all.iter().position(|p| p.name.as_deref() == Some(key)));
        match found {
            Some(i) => Ok(all.into_iter().nth(i).expect("found")),
            None => Err(Error::NoSuchElement {
                dataset: self.name.clone(),
                what: "pathway",
                name: key.to_string(),
                hint: if all.is_empty() {
                    " (it has no pathways)".into()
                } else {
                    String::new()
                },
            }),
        }
    }
}

impl Attribute {
    fn as_number_ok(&self) -> bool {
        matches!(self.kind.as_str(), "int64" | "float64")
    }
}

/// The path to `to` through `parent` links (node -> (previous node, edge)).
fn walk_back(parent: &FxHashMap<u32, (u32, u32)>, from: u32, to: u32) -> (Vec<u32>, Vec<u32>) {
    let mut nodes = vec![to];
    let mut edges = Vec::new();
    let mut v = to;
    while v != from {
        let (p, e) = parent[&v];
        nodes.push(p);
        edges.push(e);
        v = p;
    }
    nodes.reverse();
    edges.reverse();
    (nodes, edges)
}

/// The other direction: the edges that lead into a node along `d`.
fn reverse(d: Direction) -> Direction {
    match d {
        Direction::Out => Direction::In,
        Direction::In => Direction::Out,
        Direction::Both => Direction::Both,
    }
}

/// Edges from `root` to `v` along `parent` links.
fn depth(parent: &FxHashMap<u32, (u32, u32)>, root: u32, mut v: u32) -> usize {
    let mut d = 0;
    while v != root {
        v = parent[&v].0;
        d += 1;
    }
    d
}

/// Fewest-edge path by breadth-first search from both ends, one whole
/// level of the smaller frontier at a time, so the first level that meets
/// the other side holds a shortest path (of the meeting nodes, the one of
/// least total length is taken).
fn bidirectional_bfs(
    view: &GraphView<'_>,
    from: u32,
    to: u32,
    direction: Direction,
) -> Option<GraphPath> {
    if from == to {
        return Some(GraphPath {
            nodes: vec![from],
            edges: Vec::new(),
            cost: 0.0,
        });
    }
    // Forward: node -> (previous, edge); backward: node -> (next, edge).
    let mut ahead: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    let mut behind: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    ahead.insert(from, (from, u32::MAX));
    behind.insert(to, (to, u32::MAX));
    let (mut front, mut back) = (vec![from], vec![to]);
    while !front.is_empty() && !back.is_empty() {
        let forward = front.len() <= back.len();
        let (frontier, seen, d) = if forward {
            (&mut front, &mut ahead, direction)
        } else {
            (&mut back, &mut behind, reverse(direction))
        };
        let mut next = Vec::new();
        for &v in frontier.iter() {
            view.for_each_neighbor(v, d, |w, e| {
                if let std::collections::hash_map::Entry::Vacant(slot) = seen.entry(w) {
                    slot.insert((v, e));
                    next.push(w);
                }
            });
        }
        *frontier = next;
        let other = if forward { &behind } else { &ahead };
        let mut best: Option<(usize, u32)> = None;
        for &w in frontier.iter() {
            if other.contains_key(&w) {
                let len = depth(&ahead, from, w) + depth(&behind, to, w);
                if best.is_none_or(|(l, _)| len < l) {
                    best = Some((len, w));
                }
            }
        }
        if let Some((_, meet)) = best {
            let (mut nodes, mut edges) = walk_back(&ahead, from, meet);
            let mut v = meet;
            while v != to {
                let (n, e) = behind[&v];
                nodes.push(n);
                edges.push(e);
                v = n;
            }
            let cost = edges.len() as f64;
            return Some(GraphPath { nodes, edges, cost });
        }
    }
    None
}

/// Least-weight path by Dijkstra's algorithm, stopping at `to`.
fn dijkstra(
    view: &GraphView<'_>,
    from: u32,
    to: u32,
    direction: Direction,
    weights: &[f64],
) -> Option<GraphPath> {
    #[derive(PartialEq)]
    struct Item(f64, u32);
    impl Eq for Item {}
    impl PartialOrd for Item {
        fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Item {
        fn cmp(&self, o: &Self) -> std::cmp::Ordering {
            o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
        }
    }
    let mut dist: FxHashMap<u32, f64> = FxHashMap::default();
    let mut parent: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    dist.insert(from, 0.0);
    let mut heap = BinaryHeap::from([Item(0.0, from)]);
    while let Some(Item(d, v)) = heap.pop() {
        if d > dist[&v] {
            continue;
        }
        if v == to {
            let (nodes, edges) = walk_back(&parent, from, to);
            return Some(GraphPath {
                nodes,
                edges,
                cost: d,
            });
        }
        view.for_each_neighbor(v, direction, |w, e| {
            let nd = d + weights[e as usize];
            if dist.get(&w).is_none_or(|&old| nd < old) {
                dist.insert(w, nd);
                parent.insert(w, (v, e));
                heap.push(Item(nd, w));
            }
        });
    }
    None
}

/// The topology of a graph as slices: what traversals and petgraph use.
#[derive(Debug, Clone, Copy)]
pub struct GraphView<'a> {
    out_ends: &'a [u64],
    targets: &'a [u32],
    in_ends: &'a [u64],
    in_sources: &'a [u32],
    in_edges: &'a [u32],
    directed: bool,
}

impl<'a> GraphView<'a> {
    /// Number of nodes.
    pub fn num_nodes(&self) -> usize {
        self.out_ends.len()
    }

    /// Number of edges.
    pub fn num_edges(&self) -> usize {
        self.targets.len()
    }

    /// Whether edges are directed.
    pub fn is_directed(&self) -> bool {
        self.directed
    }

    /// CSR numbers of the out-edges of `v`.
    pub fn out_range(&self, v: u32) -> Range<usize> {
        let v = v as usize;
        let start = if v == 0 {
            0
        } else {
            self.out_ends[v - 1] as usize
        };
        start..self.out_ends[v] as usize
    }

    /// Targets of the out-edges of `v`, ascending.
    pub fn out_targets(&self, v: u32) -> &'a [u32] {
        &self.targets[self.out_range(v)]
    }

    fn in_range(&self, v: u32) -> Range<usize> {
        let v = v as usize;
        let start = if v == 0 {
            0
        } else {
            self.in_ends[v - 1] as usize
        };
        start..self.in_ends[v] as usize
    }

    /// Sources of the in-edges of `v` (ascending) and their CSR numbers.
    pub fn in_sources(&self, v: u32) -> (&'a [u32], &'a [u32]) {
        let r = self.in_range(v);
        (&self.in_sources[r.clone()], &self.in_edges[r])
    }

    /// The source of edge `e`.
    pub fn source_of(&self, e: u32) -> u32 {
        self.out_ends.partition_point(|&end| end <= u64::from(e)) as u32
    }

    /// The target of edge `e`.
    pub fn target_of(&self, e: u32) -> u32 {
        self.targets[e as usize]
    }

    /// Call `f(neighbour, edge)` for each edge of `v` in `direction`.
    #[inline]
    pub fn for_each_neighbor(&self, v: u32, direction: Direction, mut f: impl FnMut(u32, u32)) {
        if matches!(direction, Direction::Out | Direction::Both) {
            let r = self.out_range(v);
            for (i, &t) in self.targets[r.clone()].iter().enumerate() {
                f(t, (r.start + i) as u32);
            }
        }
        if matches!(direction, Direction::In | Direction::Both) {
            let (sources, edges) = self.in_sources(v);
            for (&s, &e) in sources.iter().zip(edges) {
                f(s, e);
            }
        }
    }
}

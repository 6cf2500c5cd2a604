//! Graph import (spec 16): SBML models, CX and CX2 networks, KEGG KGML
//! maps and edge tables (CSV/TSV) become one `graph` dataset.
//!
//! Each source parser fills a [`GraphBuilder`] (nodes in source order,
//! edges in source order, typed attributes, pathways); [`GraphBuilder::write`]
//! sorts the edges into compressed sparse rows both ways and writes the
//! columns, so every source ends in the same layout and the same checks.

mod cobra;
mod cx;
mod kgml;
mod sbml;
pub(crate) mod table;
mod xml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use gcol_format::encoding::Encoding;
use gcol_format::manifest::Provenance;
use gcol_format::schema::graph::{columns as c, meta, KIND, MAX_ELEMENTS};
use gcol_format::PhysicalType;
use gcol_writer::{ColumnSpec, DatasetSpec, Writer};

use crate::typed::write_typed;
#[cfg(test)]
use crate::typed::Scalar;
pub use crate::typed::{format_float, Value};

use crate::detect::SourceFormat;
use crate::input::Input;
use crate::Progress;

/// Decoded page size of plain topology columns (`out`, `in` and their
/// items, with `plain_topology`): 64 MiB, so graphs of up to 16 Mi edges
/// keep each column in one page that readers traverse in the mapping
/// without decoding.
pub const PLAIN_TOPOLOGY_PAGE_BYTES: usize = 64 << 20;

/// Decoded page size of compressed topology columns (the default): 4 MiB.
pub const TOPOLOGY_PAGE_BYTES: usize = 4 << 20;

/// How to import a graph.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// Dataset name.
    pub name: String,
    /// zstd level of attribute and identifier pages.
    pub zstd_level: i32,
    /// Edge tables: whether edges are directed (default: directed).
    pub directed: Option<bool>,
    /// Edge tables: the column of source nodes (default: a column named
    /// `source`, `from`, `src`, `node1`, ..., else the first).
    pub source_column: Option<String>,
    /// Edge tables: the column of target nodes (default: `target`, `to`,
    /// `dst`, `node2`, ..., else the second).
    pub target_column: Option<String>,
    /// Store the topology plain (`--compression fast`): traversal reads
    /// the mapping in place, at about twice the size; by default it is
    /// delta-coded and zstd-compressed, and decoded once per reader.
    pub plain_topology: bool,
    /// Set by another thread to stop.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl GraphOptions {
    /// Defaults: directed, zstd level 9, columns found by name.
    pub fn new(name: impl Into<String>) -> GraphOptions {
        GraphOptions {
            name: name.into(),
            zstd_level: 9,
            directed: None,
            source_column: None,
            target_column: None,
            plain_topology: false,
            cancel: None,
        }
    }
}

/// What a graph import wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphSummary {
    /// Dataset name.
    pub dataset: String,
    /// Nodes.
    pub nodes: u64,
    /// Edges.
    pub edges: u64,
    /// Pathways (node sets).
    pub pathways: u64,
    /// Bytes read from the source (compressed, when it is).
    pub source_bytes: u64,
    /// The source's bytes after decompression.
    pub input_bytes: u64,
    /// Doubtful things found in the source (values given twice).
    pub warnings: Vec<String>,
}

/// Attribute columns of nodes or edges, filled sparsely.
#[derive(Debug, Default)]
struct Attrs {
    names: Vec<String>,
    index: HashMap<String, usize>,
    /// Per attribute, the values of elements `0 ..` (shorter when the
    /// last elements have none).
    values: Vec<Vec<Option<Value>>>,
}

impl Attrs {
    /// Set attribute `name` of element `row`. A second, different value
    /// for the same element is an error, or with `replace` takes the
    /// place of the first (the first is returned); a repeat of the same
    /// value is neither.
    fn set(
        &mut self,
        row: usize,
        name: &str,
        value: Value,
        replace: bool,
    ) -> Result<Option<Value>, String> {
        let column = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.names.push(name.to_string());
                self.values.push(Vec::new());
                self.index.insert(name.to_string(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        let values = &mut self.values[column];
        if values.len() <= row {
            values.resize(row + 1, None);
        }
        match &values[row] {
            Some(old) if *old != value && !replace => Err(format!(
                "attribute {name:?} is given twice, as {} and {}",
                old.to_text(),
                value.to_text()
            )),
            Some(old) if *old != value => Ok(values[row].replace(value)),
            _ => {
                values[row] = Some(value);
                Ok(None)
            }
        }
    }

    #[cfg(test)]
    fn get(&self, row: usize, name: &str) -> Option<&Value> {
        let column = *self.index.get(name)?;
        self.values[column].get(row)?.as_ref()
    }
}

/// A named node set.
#[derive(Debug)]
struct Pathway {
    id: String,
    name: Option<String>,
    nodes: Vec<u32>,
}

/// A graph being read from a source, before it is written.
#[derive(Debug)]
pub(crate) struct GraphBuilder {
    directed: bool,
    ids: Vec<String>,
    index: HashMap<String, u32>,
    node_attrs: Attrs,
    edge_attrs: Attrs,
    sources: Vec<u32>,
    targets: Vec<u32>,
    pathways: Vec<Pathway>,
    network: serde_json::Map<String, serde_json::Value>,
    weight: Option<String>,
    /// Attribute values replaced by a later one (CX), with a first example.
    replaced: (u64, Option<String>),
}

impl GraphBuilder {
    pub(crate) fn new(directed: bool) -> GraphBuilder {
        GraphBuilder {
            directed,
            ids: Vec::new(),
            index: HashMap::new(),
            node_attrs: Attrs::default(),
            edge_attrs: Attrs::default(),
            sources: Vec::new(),
            targets: Vec::new(),
            pathways: Vec::new(),
            network: serde_json::Map::new(),
            weight: None,
            replaced: (0, None),
        }
    }

    /// Add a node that must be new.
    pub(crate) fn add_node(&mut self, id: &str) -> Result<u32, String> {
        if self.index.contains_key(id) {
            return Err(format!("node {id:?} is defined twice"));
        }
        Ok(self.node(id))
    }

    /// The node `id`, added when new.
    pub(crate) fn node(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.index.get(id) {
            return n;
        }
        let n = self.ids.len() as u32;
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), n);
        n
    }

    pub(crate) fn find(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub(crate) fn num_nodes(&self) -> usize {
        self.ids.len()
    }

    pub(crate) fn num_edges(&self) -> usize {
        self.sources.len()
    }

    /// Add an edge; returns its number in source order.
    pub(crate) fn add_edge(&mut self, source: u32, target: u32) -> usize {
        self.sources.push(source);
        self.targets.push(target);
        self.sources.len() - 1
    }

    pub(crate) fn node_attr(&mut self, node: u32, name: &str, value: Value) -> Result<(), String> {
        self.node_attrs
            .set(node as usize, name, value, false)
            .map(drop)
    }

    /// Set a node (`node` true) or edge attribute, a later value taking
    /// the place of an earlier one (as NDEx's own readers do with CX
    /// attributes given twice); each replacement is counted and reported.
    pub(crate) fn replace_attr(
        &mut self,
        node: bool,
        row: usize,
        label: &str,
        name: &str,
        value: Value,
    ) {
        let attrs = if node {
            &mut self.node_attrs
        } else {
            &mut self.edge_attrs
        };
        let shown = value.to_text();
        if let Ok(Some(old)) = attrs.set(row, name, value, true) {
            self.replaced.0 += 1;
            self.replaced.1.get_or_insert_with(|| {
                format!(
                    "attribute {name:?} of {label} was given as {} and then {shown}",
                    old.to_text()
                )
            });
        }
    }

    /// Warnings for the user: values replaced by later ones.
    pub(crate) fn warnings(&self) -> Vec<String> {
        match &self.replaced {
            (0, _) => Vec::new(),
            (n, example) => vec![format!(
                "{n} attribute values were given twice with different values; the later one is kept (first: {})",
                example.as_deref().unwrap_or("")
            )],
        }
    }

    #[cfg(test)]
    pub(crate) fn node_attr_value(&self, node: u32, name: &str) -> Option<&Value> {
        self.node_attrs.get(node as usize, name)
    }

    pub(crate) fn edge_attr(
        &mut self,
        edge: usize,
        name: &str,
        value: Value,
    ) -> Result<(), String> {
        self.edge_attrs.set(edge, name, value, false).map(drop)
    }

    pub(crate) fn add_pathway(&mut self, id: &str, name: Option<&str>, mut nodes: Vec<u32>) {
        nodes.sort_unstable();
        nodes.dedup();
        self.pathways.push(Pathway {
            id: id.to_string(),
            name: name.map(str::to_string),
            nodes,
        });
    }

    pub(crate) fn network(&mut self, key: &str, value: serde_json::Value) {
        self.network.insert(key.to_string(), value);
    }

    pub(crate) fn set_weight(&mut self, name: &str) {
        self.weight = Some(name.to_string());
    }

    /// Write the dataset: node dictionary, CSR both ways, pathways,
    /// attribute columns.
    fn write<W: std::io::Write>(
        self,
        writer: &mut Writer<W>,
        name: &str,
        source_format: &str,
        zstd_level: i32,
        plain_topology: bool,
    ) -> gcol_writer::Result<(u64, u64, u64)> {
        let n = self.ids.len();
        let e = self.sources.len();
        let level = zstd_level.max(1);
        let mut spec = DatasetSpec::new(name, KIND)
            .metadata(meta::DIRECTED, self.directed.to_string())
            .metadata(meta::SOURCE_FORMAT, source_format);
        if !self.network.is_empty() {
            spec = spec.metadata(
                meta::NETWORK,
                serde_json::Value::Object(self.network.clone()).to_string(),
            );
        }
        if let Some(w) = &self.weight {
            spec = spec.metadata(meta::WEIGHT, w.clone());
        }
        let d = writer.add_dataset(spec)?;
        let text = |name: &str| {
            ColumnSpec::new(name, PhysicalType::Binary, "utf8")
                .encoding(Encoding::lengths().with_zstd(level))
                .page_bytes(1 << 20)
        };
        let topology = |name: &str, physical: PhysicalType, logical: &str| {
            let spec = ColumnSpec::new(name, physical, logical);
            if plain_topology {
                spec.page_bytes(PLAIN_TOPOLOGY_PAGE_BYTES)
            } else {
                spec.encoding(Encoding::delta_varint().with_zstd(level))
                    .page_bytes(TOPOLOGY_PAGE_BYTES)
            }
        };

        // Node dictionary.
        let id_col = writer.add_column(d, text(c::NODE_ID))?;
        for id in &self.ids {
            writer.push_binary(id_col, id.as_bytes())?;
        }
        let mut by_id: Vec<u32> = (0..n as u32).collect();
        by_id.sort_unstable_by(|&a, &b| self.ids[a as usize].cmp(&self.ids[b as usize]));
        let by_id_col = writer.add_column(
            d,
            ColumnSpec::new(c::NODE_BY_ID, PhysicalType::U32, "node")
                .encoding(Encoding::PLAIN.with_zstd(level)),
        )?;
        writer.push(by_id_col, &by_id)?;
        drop(by_id);

        // CSR order: by source, then target, then source order (two
        // stable counting sorts).
        let order = counting_order(&self.targets, n);
        let order = stable_by(&order, &self.sources, n);
        let out = writer.add_column(
            d,
            topology(c::OUT, PhysicalType::U64, "list").list(c::OUT_TARGET),
        )?;
        let out_target =
            writer.add_column(d, topology(c::OUT_TARGET, PhysicalType::U32, "node"))?;
        let targets: Vec<u32> = order.iter().map(|&i| self.targets[i as usize]).collect();
        writer.push(out_target, &targets)?;
        let ends = list_ends(&self.sources, n);
        writer.push_list_ends(out, &ends)?;
        if order.iter().enumerate().any(|(i, &o)| o as usize != i) {
            let rank = writer.add_column(
                d,
                ColumnSpec::new(c::OUT_RANK, PhysicalType::U32, "edge")
                    .encoding(Encoding::delta_varint().with_zstd(level)),
            )?;
            writer.push(rank, &order)?;
        }
        // In-edges: by target, stable in CSR order.
        let in_order = counting_order(&targets, n);
        let sources_csr: Vec<u32> = order.iter().map(|&i| self.sources[i as usize]).collect();
        let in_list = writer.add_column(
            d,
            topology(c::IN, PhysicalType::U64, "list").list(c::IN_SOURCE),
        )?;
        let in_source = writer.add_column(d, topology(c::IN_SOURCE, PhysicalType::U32, "node"))?;
        let in_sources: Vec<u32> = in_order.iter().map(|&i| sources_csr[i as usize]).collect();
        writer.push(in_source, &in_sources)?;
        writer.push_list_ends(in_list, &list_ends(&targets, n))?;
        let in_edge = writer.add_column(d, topology(c::IN_EDGE, PhysicalType::U32, "edge"))?;
        writer.push(in_edge, &in_order)?;
        drop((targets, sources_csr, in_sources, in_order));

        // Pathways.
        if !self.pathways.is_empty() {
            let id = writer.add_column(d, text(c::PATHWAY_ID))?;
            let pname = writer.add_column(d, text(c::PATHWAY_NAME).nullable())?;
            let list = writer.add_column(
                d,
                ColumnSpec::new(c::PATHWAY_NODES, PhysicalType::U64, "list")
                    .encoding(Encoding::delta_varint().with_zstd(level))
                    .list(c::PATHWAY_NODE),
            )?;
            let node = writer.add_column(
                d,
                ColumnSpec::new(c::PATHWAY_NODE, PhysicalType::U32, "node")
                    .encoding(Encoding::delta_varint().with_zstd(level)),
            )?;
            for p in &self.pathways {
                writer.push_binary(id, p.id.as_bytes())?;
                writer.push_binary_option(pname, p.name.as_deref().map(str::as_bytes))?;
                writer.push(node, &p.nodes)?;
                writer.end_list(list)?;
            }
        }

        // Attributes.
        for (i, attr) in self.node_attrs.names.iter().enumerate() {
            let values = &self.node_attrs.values[i];
            let rows = (0..n).map(|r| values.get(r).and_then(Option::as_ref));
            write_typed(
                writer,
                d,
                &format!("{}{attr}", c::NODE_ATTR_PREFIX),
                rows,
                level,
                None,
            )?;
        }
        for (i, attr) in self.edge_attrs.names.iter().enumerate() {
            let values = &self.edge_attrs.values[i];
            let rows = order
                .iter()
                .map(|&o| values.get(o as usize).and_then(Option::as_ref));
            write_typed(
                writer,
                d,
                &format!("{}{attr}", c::EDGE_ATTR_PREFIX),
                rows,
                level,
                None,
            )?;
        }
        Ok((n as u64, e as u64, self.pathways.len() as u64))
    }
}

/// Element numbers `0 .. keys.len()` ordered by key, stably.
fn counting_order(keys: &[u32], n: usize) -> Vec<u32> {
    let mut start = vec![0u32; n + 1];
    for &k in keys {
        start[k as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut order = vec![0u32; keys.len()];
    for (i, &k) in keys.iter().enumerate() {
        let slot = &mut start[k as usize];
        order[*slot as usize] = i as u32;
        *slot += 1;
    }
    order
}

/// `perm` reordered stably by `keys[perm[i]]`.
fn stable_by(perm: &[u32], keys: &[u32], n: usize) -> Vec<u32> {
    let mut start = vec![0u32; n + 1];
    for &p in perm {
        start[keys[p as usize] as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut out = vec![0u32; perm.len()];
    for &p in perm {
        let slot = &mut start[keys[p as usize] as usize];
        out[*slot as usize] = p;
        *slot += 1;
    }
    out
}

/// End offsets (spec 6.6) of `n` lists whose items are grouped by key.
fn list_ends(keys: &[u32], n: usize) -> Vec<u64> {
    let mut ends = vec![0u64; n];
    for &k in keys {
        ends[k as usize] += 1;
    }
    let mut sum = 0;
    for e in &mut ends {
        sum += *e;
        *e = sum;
    }
    ends
}

/// An error in a graph or table source: file, element (record number,
/// line) and what.
pub(crate) fn input_error(
    path: &Path,
    record: u64,
    line: u64,
    field: &'static str,
    detail: impl Into<String>,
) -> gcol_writer::Error {
    gcol_writer::Error::Input {
        path: path.to_path_buf(),
        record,
        line,
        field,
        detail: detail.into(),
    }
}

/// Import the graph in `input` (of `format`: SBML, CX, KGML, CSV or TSV)
/// as dataset `options.name`.
pub fn import_graph<W: std::io::Write>(
    writer: &mut Writer<W>,
    mut input: Input,
    format: SourceFormat,
    options: &GraphOptions,
    progress: Progress<'_>,
) -> gcol_writer::Result<GraphSummary> {
    let path: PathBuf = input.path().to_path_buf();
    let size = input.size();
    let report = |done: u64| progress(done, size);
    let (graph, source_format, input_bytes) = match format {
        SourceFormat::Csv | SourceFormat::Tsv => {
            let delimiter = if format == SourceFormat::Csv {
                b','
            } else {
                b'\t'
            };
            let (g, bytes) = table::read(&mut input, delimiter, options, &report)?;
            (g, if delimiter == b',' { "csv" } else { "tsv" }, bytes)
        }
        SourceFormat::Cx => {
            let text = read_all(&mut input, options)?;
            let (g, version) = cx::read(&path, &text)?;
            (g, version, text.len() as u64)
        }
        SourceFormat::CobraJson => {
            let text = read_all(&mut input, options)?;
            (cobra::read(&path, &text)?, "cobra-json", text.len() as u64)
        }
        SourceFormat::Sbml => {
            let text = read_all(&mut input, options)?;
            (sbml::read(&path, &text)?, "sbml", text.len() as u64)
        }
        SourceFormat::Kgml => {
            let text = read_all(&mut input, options)?;
            (kgml::read(&path, &text)?, "kgml", text.len() as u64)
        }
        other => {
            return Err(input_error(
                &path,
                0,
                0,
                "format",
                format!("{other} is not a graph format"),
            ))
        }
    };
    crate::check_cancel(options.cancel.as_ref())?;
    for (what, count) in [("nodes", graph.num_nodes()), ("edges", graph.num_edges())] {
        if count as u64 > MAX_ELEMENTS {
            return Err(input_error(
                &path,
                0,
                0,
                "graph",
                format!("{count} {what}: a graph holds at most {MAX_ELEMENTS}"),
            ));
        }
    }
    let warnings = graph.warnings();
    let (nodes, edges, pathways) = graph.write(
        writer,
        &options.name,
        source_format,
        options.zstd_level,
        options.plain_topology,
    )?;
    report(input.consumed());
    let mut provenance_options = std::collections::BTreeMap::new();
    provenance_options.insert("format".to_string(), source_format.to_string());
    if let Some(d) = options.directed {
        provenance_options.insert("directed".to_string(), d.to_string());
    }
    writer.add_provenance(Provenance {
        source: input.source_name(),
        size_bytes: input.consumed(),
        sha256: input.sha256(),
        datasets: vec![options.name.clone()],
        converter: writer.converter(),
        options: provenance_options,
        converted_utc: writer.timestamp(),
    });
    Ok(GraphSummary {
        dataset: options.name.clone(),
        nodes,
        edges,
        pathways,
        source_bytes: input.consumed(),
        input_bytes,
        warnings,
    })
}

/// The whole decompressed input (XML and JSON sources are parsed in memory).
fn read_all(input: &mut Input, options: &GraphOptions) -> gcol_writer::Result<Vec<u8>> {
    use std::io::Read;
    let mut text = Vec::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        crate::check_cancel(options.cancel.as_ref())?;
        let n = input
            .reader
            .read(&mut chunk)
            .map_err(|source| gcol_writer::Error::Source {
                path: input.path().to_path_buf(),
                source,
            })?;
        if n == 0 {
            return Ok(text);
        }
        text.extend_from_slice(&chunk[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csr_orders_are_stable() {
        let keys = [2u32, 0, 2, 1, 0];
        assert_eq!(counting_order(&keys, 3), [1, 4, 3, 0, 2]);
        // By source, then target: (2,1) (0,0) (2,0) (1,1) (0,0).
        let targets = [1u32, 0, 0, 1, 0];
        let by_target = counting_order(&targets, 3);
        assert_eq!(stable_by(&by_target, &keys, 3), [1, 4, 3, 2, 0]);
        assert_eq!(list_ends(&keys, 4), [2, 3, 5, 5]);
    }

    #[test]
    fn attribute_types_join() {
        assert_eq!(
            Scalar::join(Some(Scalar::Int), Scalar::Float),
            Scalar::Float
        );
        assert_eq!(Scalar::join(Some(Scalar::Bool), Scalar::Int), Scalar::Str);
        assert_eq!(Scalar::join(None, Scalar::Bool), Scalar::Bool);
        assert_eq!(format_float(1.0), "1.0");
        assert_eq!(format_float(0.25), "0.25");
        assert_eq!(
            Value::List(vec![Value::Int(1), Value::Str("a".into())]).to_text(),
            r#"[1,"a"]"#
        );
        let mut a = Attrs::default();
        a.set(2, "x", Value::Int(1), false).unwrap();
        a.set(2, "x", Value::Int(1), false).unwrap();
        assert!(a.set(2, "x", Value::Int(2), false).is_err());
        assert_eq!(a.set(2, "x", Value::Int(3), true), Ok(Some(Value::Int(1))));
        a.set(2, "x", Value::Int(1), true).unwrap();
        assert_eq!(a.get(2, "x"), Some(&Value::Int(1)));
        assert_eq!(a.get(1, "x"), None);
    }
}

//! `graph` datasets (spec 16): a network of nodes and edges with typed
//! attributes, stored as compressed sparse rows in both directions.
//!
//! Nodes are numbered `0 .. N` in source order; `node/id` holds their
//! identifiers and `node/by_id` the node numbers in identifier byte order
//! (the node-id dictionary, searched by bisection). Edges are numbered in
//! **CSR order**: sorted by source node, edges of one source in source
//! order. `out` is a list column (spec 6.6) of one row per node whose
//! items, `out/target`, are the targets of the node's out-edges; `in` is a
//! list column of one row per node whose items, `in/source`, are the
//! sources of its in-edges, with `in/edge` the CSR number of each. Edge
//! attributes are columns `edge_attr/NAME` in CSR order, node attributes
//! `node_attr/NAME` in node order; `out/rank` gives each edge's position
//! in the source when that is not CSR order. Pathways are named node sets.

use super::{def, Presence, Schema};
use crate::PhysicalType;

/// Dataset kind.
pub const KIND: &str = "graph";

/// Column names.
pub mod columns {
    /// Node identifiers (UTF-8, unique), in node order.
    pub const NODE_ID: &str = "node/id";
    /// Node numbers ordered by their identifier's bytes.
    pub const NODE_BY_ID: &str = "node/by_id";
    /// Out-edge lists: one row per node, end offsets into [`OUT_TARGET`].
    pub const OUT: &str = "out";
    /// Target node of each edge, in CSR order.
    pub const OUT_TARGET: &str = "out/target";
    /// Position of each edge (CSR order) in the source's edge order;
    /// absent when the two orders are the same.
    pub const OUT_RANK: &str = "out/rank";
    /// In-edge lists: one row per node, end offsets into [`IN_SOURCE`].
    pub const IN: &str = "in";
    /// Source node of each in-edge, grouped by target.
    pub const IN_SOURCE: &str = "in/source";
    /// CSR number of each in-edge (parallel to [`IN_SOURCE`]).
    pub const IN_EDGE: &str = "in/edge";
    /// Pathway identifiers.
    pub const PATHWAY_ID: &str = "pathway/id";
    /// Pathway names (null where the source gives none).
    pub const PATHWAY_NAME: &str = "pathway/name";
    /// Member lists of the pathways: end offsets into [`PATHWAY_NODE`].
    pub const PATHWAY_NODES: &str = "pathway/nodes";
    /// Member node numbers of each pathway, ascending within a pathway.
    pub const PATHWAY_NODE: &str = "pathway/node";
    /// Prefix of node attribute columns.
    pub const NODE_ATTR_PREFIX: &str = "node_attr/";
    /// Prefix of edge attribute columns.
    pub const EDGE_ATTR_PREFIX: &str = "edge_attr/";
    /// Suffix of the item column of a list attribute.
    pub const ITEM_SUFFIX: &str = "/item";
}

/// Metadata keys.
pub mod meta {
    /// `true` or `false`.
    pub const DIRECTED: &str = "directed";
    /// The source format: `sbml`, `cobra-json`, `cx`, `cx2`, `kgml`, `csv`
    /// or `tsv`.
    pub const SOURCE_FORMAT: &str = "source_format";
    /// Network-level attributes as one JSON object (CX network
    /// attributes, the SBML model's id and name, the KGML pathway's).
    pub const NETWORK: &str = "network";
    /// The edge attribute that weighs edges by default (shortest paths).
    pub const WEIGHT: &str = "weight";
    /// Column metadata of an attribute (and of a table column, spec
    /// 17): its value type, one of [`ATTRIBUTE_TYPES`] (lists: `list<T>`).
    pub const VALUE_TYPE: &str = "value_type";
}

/// Attribute value types and their physical types: `int64` (`i64`),
/// `float64` (`f64`), `bool` (`u8`, 0 or 1), `string` (`binary`, UTF-8),
/// `timestamp` (`i64`, microseconds since 1970-01-01T00:00:00Z); a list
/// attribute is a list column whose `/item` child has one of them.
pub const ATTRIBUTE_TYPES: [(&str, PhysicalType); 5] = [
    ("int64", PhysicalType::I64),
    ("float64", PhysicalType::F64),
    ("bool", PhysicalType::U8),
    ("string", PhysicalType::Binary),
    ("timestamp", PhysicalType::I64),
];

/// Largest number of nodes, and of edges (node and edge numbers are `u32`).
pub const MAX_ELEMENTS: u64 = u32::MAX as u64;

/// The `graph` schema: its fixed columns (attribute columns depend on the
/// source).
pub static SCHEMA: Schema = Schema {
    kind: KIND,
    columns: &[
        def(
            columns::NODE_ID,
            PhysicalType::Binary,
            "utf8",
            None,
            Presence::Required,
        ),
        def(
            columns::NODE_BY_ID,
            PhysicalType::U32,
            "node",
            None,
            Presence::Required,
        ),
        def(
            columns::OUT,
            PhysicalType::U64,
            "list",
            None,
            Presence::Required,
        ),
        def(
            columns::OUT_TARGET,
            PhysicalType::U32,
            "node",
            None,
            Presence::Required,
        ),
        def(
            columns::OUT_RANK,
            PhysicalType::U32,
            "edge",
            None,
            Presence::Optional,
        ),
        def(
            columns::IN,
            PhysicalType::U64,
            "list",
            None,
            Presence::Required,
        ),
        def(
            columns::IN_SOURCE,
            PhysicalType::U32,
            "node",
            None,
            Presence::Required,
        ),
        def(
            columns::IN_EDGE,
            PhysicalType::U32,
            "edge",
            None,
            Presence::Required,
        ),
        def(
            columns::PATHWAY_ID,
            PhysicalType::Binary,
            "utf8",
            None,
            Presence::Optional,
        ),
        def(
            columns::PATHWAY_NAME,
            PhysicalType::Binary,
            "utf8",
            None,
            Presence::Optional,
        ),
        def(
            columns::PATHWAY_NODES,
            PhysicalType::U64,
            "list",
            None,
            Presence::Optional,
        ),
        def(
            columns::PATHWAY_NODE,
            PhysicalType::U32,
            "node",
            None,
            Presence::Optional,
        ),
    ],
    metadata: &[
        meta::DIRECTED,
        meta::SOURCE_FORMAT,
        meta::NETWORK,
        meta::WEIGHT,
    ],
};

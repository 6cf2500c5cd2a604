//! petgraph's graph traits over a [`GraphView`]: the CSR slices of a
//! `.gcol` graph (in the mapping, or decoded once), so petgraph's own
//! algorithms (`dijkstra`, `bfs`, `tarjan_scc`, `connected_components`,
//! `astar`, `toposort`, ...) run without building an in-memory copy.
//!
//! Nodes are `u32` node numbers; edges are `u32` CSR numbers, and an edge's
//! weight is its CSR number, so costs come from an attribute column:
//! `dijkstra(view, a, Some(b), |e| weights[*e.weight() as usize])`.
//! In an undirected graph a node's neighbours and edges are those of both
//! directions (`is_directed()` is false; the `EdgeType` is petgraph's
//! `Directed` because it is fixed per type, not per graph).

use std::iter::{Chain, Copied, Zip};
use std::ops::Range;
use std::slice::Iter;

use ::petgraph::visit::{
    Data, EdgeCount, EdgeIndexable, EdgeRef, GraphBase, GraphProp, GraphRef, IntoEdgeReferences,
    IntoEdges, IntoEdgesDirected, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers,
    NodeCompactIndexable, NodeCount, NodeIndexable, Visitable,
};
use ::petgraph::{Directed, Direction as PetDirection};
use fixedbitset::FixedBitSet;

use super::GraphView;

/// An edge of a [`GraphView`]: its ends and CSR number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeReference {
    source: u32,
    target: u32,
    id: u32,
}

impl EdgeRef for EdgeReference {
    type NodeId = u32;
    type EdgeId = u32;
    type Weight = u32;

    fn source(&self) -> u32 {
        self.source
    }

    fn target(&self) -> u32 {
        self.target
    }

    /// The CSR number (index into edge attribute columns).
    fn weight(&self) -> &u32 {
        &self.id
    }

    fn id(&self) -> u32 {
        self.id
    }
}

impl GraphBase for GraphView<'_> {
    type NodeId = u32;
    type EdgeId = u32;
}

impl GraphRef for GraphView<'_> {}

impl Data for GraphView<'_> {
    type NodeWeight = ();
    type EdgeWeight = u32;
}

impl GraphProp for GraphView<'_> {
    type EdgeType = Directed;

    fn is_directed(&self) -> bool {
        self.directed
    }
}

impl NodeCount for GraphView<'_> {
    fn node_count(&self) -> usize {
        self.num_nodes()
    }
}

impl EdgeCount for GraphView<'_> {
    fn edge_count(&self) -> usize {
        self.num_edges()
    }
}

impl NodeIndexable for GraphView<'_> {
    fn node_bound(&self) -> usize {
        self.num_nodes()
    }

    fn to_index(&self, a: u32) -> usize {
        a as usize
    }

    fn from_index(&self, i: usize) -> u32 {
        i as u32
    }
}

impl NodeCompactIndexable for GraphView<'_> {}

impl EdgeIndexable for GraphView<'_> {
    fn edge_bound(&self) -> usize {
        self.num_edges()
    }

    fn to_index(&self, a: u32) -> usize {
        a as usize
    }

    fn from_index(&self, i: usize) -> u32 {
        i as u32
    }
}

impl Visitable for GraphView<'_> {
    type Map = FixedBitSet;

    fn visit_map(&self) -> FixedBitSet {
        FixedBitSet::with_capacity(self.num_nodes())
    }

    fn reset_map(&self, map: &mut FixedBitSet) {
        map.clear();
        map.grow(self.num_nodes());
    }
}

impl IntoNodeIdentifiers for GraphView<'_> {
    type NodeIdentifiers = Range<u32>;

    fn node_identifiers(self) -> Range<u32> {
        0..self.num_nodes() as u32
    }
}

/// Neighbours: the out-targets, then (undirected, or incoming) in-sources.
pub type Neighbors<'a> = Chain<Copied<Iter<'a, u32>>, Copied<Iter<'a, u32>>>;

impl<'a> GraphView<'a> {
    fn neighbor_slices(&self, v: u32, out: bool, inn: bool) -> Neighbors<'a> {
        let targets: &'a [u32] = if out { self.out_targets(v) } else { &[] };
        let sources: &'a [u32] = if inn { self.in_sources(v).0 } else { &[] };
        targets.iter().copied().chain(sources.iter().copied())
    }
}

impl<'a> IntoNeighbors for GraphView<'a> {
    type Neighbors = Neighbors<'a>;

    fn neighbors(self, a: u32) -> Neighbors<'a> {
        self.neighbor_slices(a, true, !self.directed)
    }
}

impl<'a> IntoNeighborsDirected for GraphView<'a> {
    type NeighborsDirected = Neighbors<'a>;

    fn neighbors_directed(self, a: u32, d: PetDirection) -> Neighbors<'a> {
        if !self.directed {
            return self.neighbor_slices(a, true, true);
        }
        match d {
            PetDirection::Outgoing => self.neighbor_slices(a, true, false),
            PetDirection::Incoming => self.neighbor_slices(a, false, true),
        }
    }
}

/// Every edge in CSR order.
#[derive(Debug, Clone)]
pub struct EdgeReferences<'a> {
    view: GraphView<'a>,
    node: u32,
    edge: usize,
}

impl Iterator for EdgeReferences<'_> {
    type Item = EdgeReference;

    fn next(&mut self) -> Option<EdgeReference> {
        if self.edge >= self.view.num_edges() {
            return None;
        }
        while self.view.out_ends[self.node as usize] as usize <= self.edge {
            self.node += 1;
        }
        let e = self.edge;
        self.edge += 1;
        Some(EdgeReference {
            source: self.node,
            target: self.view.targets[e],
            id: e as u32,
        })
    }
}

impl<'a> IntoEdgeReferences for GraphView<'a> {
    type EdgeRef = EdgeReference;
    type EdgeReferences = EdgeReferences<'a>;

    fn edge_references(self) -> EdgeReferences<'a> {
        EdgeReferences {
            view: self,
            node: 0,
            edge: 0,
        }
    }
}

/// Edges of one node: its out-edges, then its in-edges, each part
/// reported either as stored or reversed, as petgraph's conventions ask
/// (the node as source for `edges` and outgoing, as target for incoming).
#[derive(Debug, Clone)]
pub struct Edges<'a> {
    out: Zip<Range<u32>, Iter<'a, u32>>,
    inn: Zip<Iter<'a, u32>, Iter<'a, u32>>,
    node: u32,
    flip_out: bool,
    flip_in: bool,
}

impl Iterator for Edges<'_> {
    type Item = EdgeReference;

    fn next(&mut self) -> Option<EdgeReference> {
        let (source, target, id) = if let Some((id, &t)) = self.out.next() {
            if self.flip_out {
                (t, self.node, id)
            } else {
                (self.node, t, id)
            }
        } else {
            let (&other, &id) = self.inn.next()?;
            if self.flip_in {
                (self.node, other, id)
            } else {
                (other, self.node, id)
            }
        };
        Some(EdgeReference { source, target, id })
    }
}

impl<'a> GraphView<'a> {
    /// Out-edges of `v` (`out`), in-edges (`inn`), reversed or not.
    fn edges_of(&self, v: u32, out: Option<bool>, inn: Option<bool>) -> Edges<'a> {
        let r = if out.is_some() {
            self.out_range(v)
        } else {
            0..0
        };
        let targets: &'a [u32] = &self.targets[r.clone()];
        let (sources, ids): (&'a [u32], &'a [u32]) = if inn.is_some() {
            self.in_sources(v)
        } else {
            (&[], &[])
        };
        Edges {
            out: (r.start as u32..r.end as u32).zip(targets.iter()),
            inn: sources.iter().zip(ids.iter()),
            node: v,
            flip_out: out == Some(true),
            flip_in: inn == Some(true),
        }
    }
}

impl<'a> IntoEdges for GraphView<'a> {
    type Edges = Edges<'a>;

    fn edges(self, a: u32) -> Edges<'a> {
        if self.directed {
            self.edges_of(a, Some(false), None)
        } else {
            self.edges_of(a, Some(false), Some(true))
        }
    }
}

impl<'a> IntoEdgesDirected for GraphView<'a> {
    type EdgesDirected = Edges<'a>;

    fn edges_directed(self, a: u32, dir: PetDirection) -> Edges<'a> {
        match (self.directed, dir) {
            (true, PetDirection::Outgoing) => self.edges_of(a, Some(false), None),
            (true, PetDirection::Incoming) => self.edges_of(a, None, Some(false)),
            (false, PetDirection::Outgoing) => self.edges_of(a, Some(false), Some(true)),
            (false, PetDirection::Incoming) => self.edges_of(a, Some(true), Some(false)),
        }
    }
}

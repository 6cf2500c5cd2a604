//! Graph datasets from Python: queries returning node ids or numpy index
//! arrays, nodes and edges as columns for pandas, networkx and Arrow,
//! CSR arrays for scipy, export through the library's one writer.

use std::sync::Arc;

use gcol_reader::graph::export::{write_graph, GraphFormat, Selection};
use gcol_reader::graph::{AttrValue, Direction, Element, Graph};
use gcol_reader::{AttrFilter, Reader};
use numpy::PyArray1;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{reader_error, run};

/// A pathway as Python sees it: id, name, member node ids.
type PathwayTuple = (String, Option<String>, Vec<String>);

/// CSR arrays: indptr and indices.
type CsrArrays<'py> = (Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u32>>);

/// A `graph` dataset (SBML, COBRA JSON, CX, KGML, edge tables).
#[pyclass(frozen, name = "Graph", module = "gcol._gcol")]
pub struct PyGraph {
    inner: Arc<Graph>,
}

impl PyGraph {
    pub(crate) fn open(reader: &Reader, name: &str) -> PyResult<PyGraph> {
        Ok(PyGraph {
            inner: Arc::new(Graph::open(reader, name).map_err(reader_error)?),
        })
    }

    /// A node given as an id (str; or a unique `name`) or a number (int).
    fn node_of(&self, node: &Bound<'_, PyAny>) -> PyResult<u32> {
        if let Ok(i) = node.extract::<u64>() {
            if i >= self.inner.num_nodes() {
                return Err(crate::RegionError::new_err(format!(
                    "node {i} is out of range (the graph has {} nodes)",
                    self.inner.num_nodes()
                )));
            }
            return Ok(i as u32);
        }
        if let Ok(s) = node.extract::<String>() {
            return self.inner.node(&s).map_err(reader_error);
        }
        Err(PyTypeError::new_err(
            "a node is its id (str) or its number (int)",
        ))
    }

    fn direction(&self, d: Option<&str>) -> PyResult<Direction> {
        match d {
            None => Ok(self.inner.default_direction()),
            Some(d) => d.parse().map_err(reader_error),
        }
    }

    /// Node ids of `nodes` as a list, or the numbers as a uint32 array.
    fn nodes_out<'py>(
        &self,
        py: Python<'py>,
        nodes: Vec<u32>,
        names: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if !names {
            return Ok(PyArray1::from_vec(py, nodes).into_any());
        }
        let ids = self.inner.node_ids().map_err(reader_error)?;
        let list: Vec<&str> = nodes.iter().map(|&v| ids[v as usize]).collect();
        Ok(PyList::new(py, list)?.into_any())
    }
}

fn value_py<'py>(py: Python<'py>, v: &AttrValue) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        AttrValue::Int(i) => i.into_pyobject(py)?.into_any(),
        AttrValue::Float(f) => f.into_pyobject(py)?.into_any(),
        AttrValue::Bool(b) => pyo3::types::PyBool::new(py, *b).to_owned().into_any(),
        AttrValue::Str(s) => s.into_pyobject(py)?.into_any(),
        AttrValue::Timestamp(t) => {
            // A timezone-aware datetime in UTC, as pyarrow gives for
            // timestamp[us, tz=UTC].
            let datetime = py.import("datetime")?;
            let utc = datetime.getattr("timezone")?.getattr("utc")?;
            let epoch = datetime
                .getattr("datetime")?
                .call1((1970, 1, 1, 0, 0, 0, 0, utc))?;
            let delta = datetime.getattr("timedelta")?.call1((0, 0, *t))?;
            epoch.call_method1("__add__", (delta,))?
        }
        AttrValue::List(items) => {
            let items = items
                .iter()
                .map(|i| value_py(py, i))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
    })
}

/// One attribute's values at `rows`: a numpy array when numeric or
/// boolean without nulls, else a list (`None` for nulls).
pub(crate) fn column_py<'py>(
    py: Python<'py>,
    kind: &str,
    values: &[Option<AttrValue>],
    rows: &[u32],
) -> PyResult<Bound<'py, PyAny>> {
    let all = rows.iter().all(|&r| values[r as usize].is_some());
    if all {
        match kind {
            "int64" => {
                let v: Vec<i64> = rows
                    .iter()
                    .map(|&r| match values[r as usize] {
                        Some(AttrValue::Int(i)) => i,
                        _ => 0,
                    })
                    .collect();
                return Ok(PyArray1::from_vec(py, v).into_any());
            }
            "float64" => {
                let v: Vec<f64> = rows
                    .iter()
                    .map(|&r| {
                        values[r as usize]
                            .as_ref()
                            .and_then(AttrValue::as_f64)
                            .unwrap_or(f64::NAN)
                    })
                    .collect();
                return Ok(PyArray1::from_vec(py, v).into_any());
            }
            "bool" => {
                let v: Vec<bool> = rows
                    .iter()
                    .map(|&r| matches!(values[r as usize], Some(AttrValue::Bool(true))))
                    .collect();
                return Ok(PyArray1::from_vec(py, v).into_any());
            }
            _ => {}
        }
    }
    let items = rows
        .iter()
        .map(|&r| match &values[r as usize] {
            Some(v) => value_py(py, v),
            None => Ok(py.None().into_bound(py)),
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

#[pymethods]
impl PyGraph {
    /// Dataset name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Whether edges are directed.
    #[getter]
    fn directed(&self) -> bool {
        self.inner.is_directed()
    }

    /// Number of nodes.
    #[getter]
    fn num_nodes(&self) -> u64 {
        self.inner.num_nodes()
    }

    /// Number of edges.
    #[getter]
    fn num_edges(&self) -> u64 {
        self.inner.num_edges()
    }

    /// Number of nodes (`len(graph)`, as networkx).
    fn __len__(&self) -> usize {
        self.inner.num_nodes() as usize
    }

    /// The default weight attribute (an edge table's `weight` column), or None.
    #[getter]
    fn weight(&self) -> Option<&str> {
        self.inner.weight()
    }

    /// The source format (`sbml`, `cobra-json`, `cx`, `cx2`, `kgml`, `csv`, `tsv`).
    #[getter]
    fn source_format(&self) -> Option<&str> {
        self.inner.source_format()
    }

    /// Network-level attributes (CX network attributes, the SBML model's
    /// id and name, the KGML pathway's), as a dict.
    #[getter]
    fn network<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.inner.network().unwrap_or("{}");
        py.import("json")?.call_method1("loads", (text,))
    }

    /// Attributes: a list of `(element, name, type)` with element `node`
    /// or `edge` and type `int64`, `float64`, `bool`, `string` or `list<...>`.
    #[getter]
    fn attributes(&self) -> Vec<(&'static str, String, String)> {
        self.inner
            .attributes()
            .iter()
            .map(|a| {
                let e = if a.element == Element::Node {
                    "node"
                } else {
                    "edge"
                };
                (e, a.name.clone(), a.kind.clone())
            })
            .collect()
    }

    /// Every node id, in node order.
    fn node_ids(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        let g = self.inner.clone();
        run(py, move || {
            g.node_ids()
                .map(|ids| ids.into_iter().map(str::to_string).collect())
        })
        .map_err(reader_error)
    }

    /// The number of a node given by id (or unique `name` attribute).
    fn node(&self, node: &Bound<'_, PyAny>) -> PyResult<u32> {
        self.node_of(node)
    }

    /// The id of node number `index`.
    fn node_id(&self, index: u32) -> PyResult<String> {
        self.inner
            .node_id(index)
            .map(str::to_string)
            .map_err(reader_error)
    }

    /// The neighbours of `node`: ids (`names=True`) or node numbers as a
    /// uint32 array, ascending by number. `direction` is `out`, `in` or
    /// `both` (default: `out` when directed, `both` otherwise).
    #[pyo3(signature = (node, direction=None, names=true))]
    fn neighbors<'py>(
        &self,
        py: Python<'py>,
        node: &Bound<'py, PyAny>,
        direction: Option<&str>,
        names: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (v, d) = (self.node_of(node)?, self.direction(direction)?);
        let g = self.inner.clone();
        let found = run(py, move || g.neighbors(v, d)).map_err(reader_error)?;
        self.nodes_out(py, found, names)
    }

    /// The nodes within `k` hops of `nodes` (one node or a list): a dict
    /// of id to distance in order of discovery, or with `names=False` a
    /// pair of uint32 arrays (node numbers, distances).
    #[pyo3(signature = (nodes, k=2, direction=None, names=true))]
    fn khop<'py>(
        &self,
        py: Python<'py>,
        nodes: &Bound<'py, PyAny>,
        k: u32,
        direction: Option<&str>,
        names: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let seeds: Vec<u32> =
            if nodes.is_instance_of::<PyList>() || nodes.is_instance_of::<pyo3::types::PyTuple>() {
                nodes
                    .try_iter()?
                    .map(|n| self.node_of(&n?))
                    .collect::<PyResult<_>>()?
            } else if let Ok(array) = nodes.extract::<Vec<u32>>() {
                array
                    .into_iter()
                    .map(|i| self.node_of(&i.into_pyobject(py)?.into_any()))
                    .collect::<PyResult<_>>()?
            } else {
                vec![self.node_of(nodes)?]
            };
        let d = self.direction(direction)?;
        let g = self.inner.clone();
        let found = run(py, move || g.khop(&seeds, k, d)).map_err(reader_error)?;
        if names {
            let ids = self.inner.node_ids().map_err(reader_error)?;
            let out = PyDict::new(py);
            for (v, dist) in found {
                out.set_item(ids[v as usize], dist)?;
            }
            return Ok(out.into_any());
        }
        let (v, dist): (Vec<u32>, Vec<u32>) = found.into_iter().unzip();
        Ok((PyArray1::from_vec(py, v), PyArray1::from_vec(py, dist))
            .into_pyobject(py)?
            .into_any())
    }

    /// A shortest path from `source` to `target`: its nodes (ids, or a
    /// uint32 array with `names=False`), or None when there is none.
    /// Without `weight` the path has the fewest edges (breadth-first);
    /// with it, the least sum of that numeric edge attribute (Dijkstra;
    /// `weight=True` uses the graph's default weight attribute).
    #[pyo3(signature = (source, target, weight=None, direction=None, names=true))]
    fn shortest_path<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        target: &Bound<'py, PyAny>,
        weight: Option<&Bound<'py, PyAny>>,
        direction: Option<&str>,
        names: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (a, b) = (self.node_of(source)?, self.node_of(target)?);
        let d = self.direction(direction)?;
        let weight = self.weight_of(weight)?;
        let g = self.inner.clone();
        let path =
            run(py, move || g.shortest_path(a, b, d, weight.as_deref())).map_err(reader_error)?;
        path.map(|p| self.nodes_out(py, p.nodes, names)).transpose()
    }

    /// The length of a shortest path (edges, or summed weights), or None.
    #[pyo3(signature = (source, target, weight=None, direction=None))]
    fn shortest_path_length(
        &self,
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        target: &Bound<'_, PyAny>,
        weight: Option<&Bound<'_, PyAny>>,
        direction: Option<&str>,
    ) -> PyResult<Option<f64>> {
        let (a, b) = (self.node_of(source)?, self.node_of(target)?);
        let d = self.direction(direction)?;
        let weight = self.weight_of(weight)?;
        let g = self.inner.clone();
        let path =
            run(py, move || g.shortest_path(a, b, d, weight.as_deref())).map_err(reader_error)?;
        Ok(path.map(|p| p.cost))
    }

    /// Weakly connected components: a uint32 label per node, components
    /// numbered in order of their first node.
    fn components<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u32>>> {
        let g = self.inner.clone();
        let labels = run(py, move || g.components()).map_err(reader_error)?;
        Ok(PyArray1::from_vec(py, labels))
    }

    /// The pathways: a list of `(id, name, node ids)`.
    fn pathways(&self, py: Python<'_>) -> PyResult<Vec<PathwayTuple>> {
        let g = self.inner.clone();
        let (all, ids) = run(py, move || -> gcol_reader::Result<_> {
            let all = g.pathways()?;
            let ids: Vec<String> = g.node_ids()?.into_iter().map(str::to_string).collect();
            Ok((all, ids))
        })
        .map_err(reader_error)?;
        Ok(all
            .into_iter()
            .map(|p| {
                let nodes = p.nodes.iter().map(|&v| ids[v as usize].clone()).collect();
                (p.id, p.name, nodes)
            })
            .collect())
    }

    /// The member nodes of pathway `key` (its id, or else its name).
    #[pyo3(signature = (key, names=true))]
    fn pathway<'py>(&self, py: Python<'py>, key: &str, names: bool) -> PyResult<Bound<'py, PyAny>> {
        let p = self.inner.pathway(key).map_err(reader_error)?;
        self.nodes_out(py, p.nodes, names)
    }

    /// CSR arrays of the out-edges: `(indptr, indices)` as uint64 (`n + 1`)
    /// and uint32 (one per edge), scipy's layout
    /// (`scipy.sparse.csr_array((data, indices, indptr))`).
    fn csr<'py>(&self, py: Python<'py>) -> PyResult<CsrArrays<'py>> {
        let g = self.inner.clone();
        let (indptr, indices) = run(py, move || -> gcol_reader::Result<_> {
            let view = g.view()?;
            let mut indptr = Vec::with_capacity(view.num_nodes() + 1);
            indptr.push(0u64);
            let mut indices = Vec::with_capacity(view.num_edges());
            for v in 0..view.num_nodes() as u32 {
                indices.extend_from_slice(view.out_targets(v));
                indptr.push(indices.len() as u64);
            }
            Ok((indptr, indices))
        })
        .map_err(reader_error)?;
        Ok((
            PyArray1::from_vec(py, indptr),
            PyArray1::from_vec(py, indices),
        ))
    }

    /// Nodes as columns (`id` and each node attribute): numpy arrays for
    /// numbers and booleans without nulls, else lists. `where` keeps the
    /// nodes whose attribute matches `NAME=VALUE`, `NAME=PREFIX*` or
    /// `NAME=LOW..HIGH`; `nodes` keeps those nodes.
    #[pyo3(signature = (r#where=None, nodes=None))]
    fn _node_columns<'py>(
        &self,
        py: Python<'py>,
        r#where: Option<&str>,
        nodes: Option<Vec<Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let g = self.inner.clone();
        let rows: Vec<u32> = match (r#where, nodes) {
            (Some(expr), _) => {
                let (name, f) = AttrFilter::parse(expr).map_err(reader_error)?;
                run(py, move || g.filter_nodes(&name, &f)).map_err(reader_error)?
            }
            (None, Some(list)) => list
                .iter()
                .map(|n| self.node_of(n))
                .collect::<PyResult<_>>()?,
            (None, None) => (0..self.inner.num_nodes() as u32).collect(),
        };
        let g = self.inner.clone();
        let (ids, values) = run(py, move || -> gcol_reader::Result<_> {
            let ids: Vec<String> = g.node_ids()?.into_iter().map(str::to_string).collect();
            let mut values = Vec::new();
            for a in g.attributes().iter().filter(|a| a.element == Element::Node) {
                values.push((a.name.clone(), a.kind.clone(), g.attribute_values(a)?));
            }
            Ok((ids, values))
        })
        .map_err(reader_error)?;
        let out = PyDict::new(py);
        out.set_item(
            "id",
            rows.iter()
                .map(|&r| ids[r as usize].as_str())
                .collect::<Vec<_>>(),
        )?;
        for (name, kind, vals) in &values {
            if name == "id" {
                continue;
            }
            out.set_item(name, column_py(py, kind, vals, &rows)?)?;
        }
        Ok(out)
    }

    /// Edges as columns (`source`, `target` ids and each edge attribute)
    /// in source order; `where` keeps the edges whose attribute matches;
    /// `nodes` keeps the edges among those nodes.
    #[pyo3(signature = (r#where=None, nodes=None))]
    fn _edge_columns<'py>(
        &self,
        py: Python<'py>,
        r#where: Option<&str>,
        nodes: Option<Vec<Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let filter = r#where
            .map(AttrFilter::parse)
            .transpose()
            .map_err(reader_error)?;
        let members = nodes
            .map(|list| {
                list.iter()
                    .map(|n| self.node_of(n))
                    .collect::<PyResult<Vec<u32>>>()
            })
            .transpose()?;
        let g = self.inner.clone();
        let (ids, sources, targets, rows, values) = run(py, move || -> gcol_reader::Result<_> {
            let mut rows: Vec<u32> = match (&filter, &members) {
                (Some((name, f)), _) => g.filter_edges(name, f)?,
                (None, Some(m)) => g.induced_edges(m)?,
                (None, None) => (0..g.num_edges() as u32).collect(),
            };
            if let (Some(_), Some(m)) = (&filter, &members) {
                let keep = g.induced_edges(m)?;
                rows.retain(|e| keep.binary_search(e).is_ok());
            }
            let ranks = g.edge_ranks()?;
            rows.sort_unstable_by_key(|&e| ranks[e as usize]);
            let (sources, targets) = g.edge_list()?;
            let ids: Vec<String> = g.node_ids()?.into_iter().map(str::to_string).collect();
            let mut values = Vec::new();
            for a in g.attributes().iter().filter(|a| a.element == Element::Edge) {
                values.push((a.name.clone(), a.kind.clone(), g.attribute_values(a)?));
            }
            Ok((ids, sources, targets, rows, values))
        })
        .map_err(reader_error)?;
        let out = PyDict::new(py);
        let pick = |ends: &[u32]| {
            rows.iter()
                .map(|&e| ids[ends[e as usize] as usize].as_str())
                .collect::<Vec<_>>()
        };
        out.set_item("source", pick(&sources))?;
        out.set_item("target", pick(&targets))?;
        for (name, kind, vals) in &values {
            if name == "source" || name == "target" {
                continue;
            }
            out.set_item(name, column_py(py, kind, vals, &rows)?)?;
        }
        Ok(out)
    }

    /// Write the graph (or a subgraph: `pathway:ID`, `khop:NODE:K`, or
    /// node ids separated by commas) as GraphML, Cytoscape.js JSON
    /// (`.cyjs`), DOT, CSV or TSV, or its edges as Parquet or Arrow IPC,
    /// by the path's extension or `format`.
    #[pyo3(signature = (path, format=None, subgraph=None))]
    fn write(
        &self,
        py: Python<'_>,
        path: std::path::PathBuf,
        format: Option<&str>,
        subgraph: Option<&str>,
    ) -> PyResult<()> {
        if let (Some(parquet), None) = (crate::table::columnar(&path, format), subgraph) {
            let g = self.inner.clone();
            return run(py, move || {
                let columns = gcol_reader::columnar::edge_columns(&g).map_err(reader_error)?;
                crate::table::write_columnar(&columns, parquet, &path)
            });
        }
        let name = match format {
            Some(f) => std::path::PathBuf::from(format!("x.{}", f.to_ascii_lowercase())),
            None => path.clone(),
        };
        let kind = GraphFormat::from_path(&name).ok_or_else(|| {
            PyValueError::new_err(format!(
                "cannot tell the graph format from {}; use .graphml, .cyjs, .dot, .csv or .tsv (or format=)",
                name.display()
            ))
        })?;
        let g = self.inner.clone();
        let subgraph = subgraph.map(str::to_string);
        run(py, move || -> PyResult<()> {
            let selection = subgraph
                .as_deref()
                .map(|s| Selection::parse(&g, s))
                .transpose()
                .map_err(reader_error)?;
            crate::table::write_atomic(&path, |out| {
                write_graph(&g, kind, selection.as_ref(), out).map_err(reader_error)
            })
        })
    }

    /// Nodes as a pandas DataFrame (`id` and each node attribute, nullable
    /// where nulls occur); `where`/`nodes` as in `_node_columns`.
    #[pyo3(signature = (r#where=None, nodes=None))]
    fn nodes<'py>(
        &self,
        py: Python<'py>,
        r#where: Option<&str>,
        nodes: Option<Vec<Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns = self._node_columns(py, r#where, nodes)?;
        py.import("gcol")?
            .getattr("_graph_frame")?
            .call1((columns,))
    }

    /// Edges as a pandas DataFrame (`source`, `target` and each edge
    /// attribute) in source order; `where` keeps the edges whose attribute
    /// matches `NAME=VALUE`, `NAME=PREFIX*` or `NAME=LOW..HIGH`.
    #[pyo3(signature = (r#where=None, nodes=None))]
    fn edges<'py>(
        &self,
        py: Python<'py>,
        r#where: Option<&str>,
        nodes: Option<Vec<Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let columns = self._edge_columns(py, r#where, nodes)?;
        py.import("gcol")?
            .getattr("_graph_frame")?
            .call1((columns,))
    }

    /// The nodes (`element="nodes"`) or edges as a pyarrow Table.
    #[pyo3(signature = (element="edges"))]
    fn to_arrow<'py>(&self, py: Python<'py>, element: &str) -> PyResult<Bound<'py, PyAny>> {
        let columns = match element {
            "edges" => self._edge_columns(py, None, None)?,
            "nodes" => self._node_columns(py, None, None)?,
            other => {
                return Err(PyValueError::new_err(format!(
                    "element {other:?}: use \"nodes\" or \"edges\""
                )))
            }
        };
        py.import("gcol")?
            .getattr("_graph_arrow")?
            .call1((columns,))
    }

    /// The Arrow C stream of the edges (the PyCapsule protocol):
    /// `pyarrow.table(graph)`, polars and DuckDB read it.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let table = self.to_arrow(py, "edges")?;
        table.call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// A networkx `MultiDiGraph` (`MultiGraph` when undirected) with every
    /// node and edge attribute and the network attributes as graph
    /// attributes; `nodes` (ids or numbers) takes the subgraph they induce.
    #[pyo3(signature = (nodes=None))]
    fn to_networkx<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
        nodes: Option<Vec<Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let this = slf.get();
        let node_columns = this._node_columns(py, None, nodes.clone())?;
        let edge_columns = this._edge_columns(py, None, nodes)?;
        py.import("gcol")?.getattr("_graph_networkx")?.call1((
            this.directed(),
            this.network(py)?,
            node_columns,
            edge_columns,
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "<gcol.Graph {:?}: {} nodes, {} edges, {}>",
            self.inner.name(),
            self.inner.num_nodes(),
            self.inner.num_edges(),
            if self.inner.is_directed() {
                "directed"
            } else {
                "undirected"
            }
        )
    }
}

impl PyGraph {
    /// The weight attribute asked for: None, a name, or True for the default.
    fn weight_of(&self, weight: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
        let Some(w) = weight.filter(|w| !w.is_none()) else {
            return Ok(None);
        };
        if let Ok(b) = w.extract::<bool>() {
            if !b {
                return Ok(None);
            }
            return self
                .inner
                .weight()
                .map(|w| Some(w.to_string()))
                .ok_or_else(|| {
                    PyValueError::new_err("the graph has no default weight attribute; name one")
                });
        }
        Ok(Some(w.extract::<String>()?))
    }
}

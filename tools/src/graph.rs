//! `gcol graph`: queries on a graph dataset (spec 16), printed as
//! tab-separated lines of node ids, through the library's `Graph`.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use gcol_reader::graph::{Direction, Element, Graph};
use gcol_reader::{AttrFilter, Reader};

use crate::exit::{outln, CliResult, Failure};

/// A query.
#[derive(Subcommand)]
pub enum GraphQuery {
    /// Nodes, edges, direction, attributes and pathways of the graph.
    Info,
    /// Print node ids with their attributes (tab-separated, with a header),
    /// optionally only those matching NAME=VALUE, NAME=PREFIX* or
    /// NAME=LOW..HIGH.
    Nodes {
        /// Keep nodes whose attribute matches.
        #[arg(long = "where", value_name = "NAME=VALUE")]
        filter: Option<String>,
    },
    /// Print edges (source, target, attributes; tab-separated, with a
    /// header) in source order, optionally only those whose attribute
    /// matches NAME=VALUE, NAME=PREFIX* or NAME=LOW..HIGH.
    Edges {
        /// Keep edges whose attribute matches.
        #[arg(long = "where", value_name = "NAME=VALUE")]
        filter: Option<String>,
    },
    /// The neighbours of a node, one id per line, in node order.
    Neighbors {
        /// Node id.
        node: String,
        /// Edges to follow: out, in or both (default: out when directed,
        /// both otherwise).
        #[arg(short, long)]
        direction: Option<String>,
    },
    /// The nodes within K hops of a node: id and distance.
    Khop {
        /// Node id.
        node: String,
        /// Hops.
        #[arg(short, long, default_value_t = 2)]
        k: u32,
        /// Edges to follow: out, in or both.
        #[arg(short, long)]
        direction: Option<String>,
    },
    /// A shortest path: its nodes, one per line, then its length on
    /// standard error; exit 1 when there is none.
    Path {
        /// Start node id.
        from: String,
        /// End node id.
        to: String,
        /// Weigh edges by this numeric attribute (Dijkstra); without it the
        /// path has the fewest edges (breadth-first). `--weight default`
        /// uses the graph's weight attribute.
        #[arg(short, long)]
        weight: Option<String>,
        /// Edges to follow: out, in or both.
        #[arg(short, long)]
        direction: Option<String>,
    },
    /// Weakly connected components: node id and component number
    /// (numbered by their first node), or with --count one line per
    /// component: number and size.
    Components {
        /// Print component sizes only.
        #[arg(long)]
        count: bool,
    },
    /// The pathways: id, name and number of nodes; with an id, its nodes.
    Pathways {
        /// A pathway id (or name): print its member node ids.
        pathway: Option<String>,
    },
}

/// The graph dataset to query: the one named, or the file's only graph.
pub fn open_graph(reader: &Reader, name: Option<&str>) -> Result<Graph, Failure> {
    let name = choose_dataset(reader, name, "graph", |d| {
        d.kind == gcol_reader::format::schema::graph::KIND
    })?;
    Ok(Graph::open(reader, &name)?)
}

/// The dataset a command works on: the one named, or the file's only
/// dataset of its kind (`what`, for messages).
pub fn choose_dataset(
    reader: &Reader,
    name: Option<&str>,
    what: &str,
    is_kind: impl Fn(&gcol_reader::format::manifest::Dataset) -> bool,
) -> Result<String, Failure> {
    if let Some(n) = name {
        return Ok(n.to_string());
    }
    let found: Vec<&str> = reader
        .datasets()
        .iter()
        .filter(|d| is_kind(d))
        .map(|d| d.name.as_str())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(Failure::new(
            crate::exit::INVALID,
            format!("the file has no {what} dataset"),
        )),
        many => Err(Failure::new(
            2,
            format!(
                "the file has several {what} datasets ({}); choose one with --dataset",
                many.join(", ")
            ),
        )),
    }
}

fn direction(graph: &Graph, d: Option<&str>) -> Result<Direction, Failure> {
    Ok(match d {
        Some(d) => d.parse()?,
        None => graph.default_direction(),
    })
}

pub fn run(file: &Path, dataset: Option<&str>, query: GraphQuery) -> CliResult {
    let reader = Reader::open(file)?;
    let graph = open_graph(&reader, dataset)?;
    match query {
        GraphQuery::Info => {
            outln!("dataset\t{}", graph.name());
            outln!("directed\t{}", graph.is_directed());
            outln!("nodes\t{}", graph.num_nodes());
            outln!("edges\t{}", graph.num_edges());
            if let Some(f) = graph.source_format() {
                outln!("source_format\t{f}");
            }
            if let Some(w) = graph.weight() {
                outln!("weight\t{w}");
            }
            for a in graph.attributes() {
                let what = if a.element == Element::Node {
                    "node_attribute"
                } else {
                    "edge_attribute"
                };
                outln!("{what}\t{}\t{}", a.name, a.kind);
            }
            outln!("pathways\t{}", graph.pathways()?.len());
            if let Some(n) = graph.network() {
                outln!("network\t{n}");
            }
        }
        GraphQuery::Nodes { filter } => {
            let nodes = match filter {
                Some(f) => {
                    let (name, f) = AttrFilter::parse(&f)?;
                    graph.filter_nodes(&name, &f)?
                }
                None => (0..graph.num_nodes() as u32).collect(),
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            gcol_reader::graph::export::write_node_table(&graph, &nodes, b'\t', &mut out)?;
        }
        GraphQuery::Edges { filter } => {
            let edges = match filter {
                Some(f) => {
                    let (name, f) = AttrFilter::parse(&f)?;
                    graph.filter_edges(&name, &f)?
                }
                None => (0..graph.num_edges() as u32).collect(),
            };
            let selection = gcol_reader::graph::export::Selection {
                nodes: (0..graph.num_nodes() as u32).collect(),
                edges,
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            gcol_reader::graph::export::write_graph(
                &graph,
                gcol_reader::graph::export::GraphFormat::Tsv,
                Some(&selection),
                &mut out,
            )?;
        }
        GraphQuery::Neighbors { node, direction: d } => {
            let v = graph.node(&node)?;
            for w in graph.neighbors(v, direction(&graph, d.as_deref())?)? {
                outln!("{}", graph.node_id(w)?);
            }
        }
        GraphQuery::Khop {
            node,
            k,
            direction: d,
        } => {
            let v = graph.node(&node)?;
            for (w, dist) in graph.khop(&[v], k, direction(&graph, d.as_deref())?)? {
                outln!("{}\t{dist}", graph.node_id(w)?);
            }
        }
        GraphQuery::Path {
            from,
            to,
            weight,
            direction: d,
        } => {
            let (a, b) = (graph.node(&from)?, graph.node(&to)?);
            let weight = match weight.as_deref() {
                Some("default") => Some(
                    graph
                        .weight()
                        .ok_or_else(|| {
                            Failure::new(2, "the graph has no default weight attribute; name one")
                        })?
                        .to_string(),
                ),
                other => other.map(str::to_string),
            };
            match graph.shortest_path(a, b, direction(&graph, d.as_deref())?, weight.as_deref())? {
                Some(path) => {
                    for v in &path.nodes {
                        outln!("{}", graph.node_id(*v)?);
                    }
                    eprintln!("length\t{}", gcol_reader::graph::format_float(path.cost));
                }
                None => {
                    return Err(Failure::new(
                        crate::exit::INVALID,
                        format!("no path from {from:?} to {to:?}"),
                    ))
                }
            }
        }
        GraphQuery::Components { count } => {
            let labels = graph.components()?;
            if count {
                let mut sizes =
                    vec![0u64; labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0)];
                for &l in &labels {
                    sizes[l as usize] += 1;
                }
                for (i, s) in sizes.iter().enumerate() {
                    outln!("{i}\t{s}");
                }
            } else {
                for (v, l) in labels.iter().enumerate() {
                    outln!("{}\t{l}", graph.node_id(v as u32)?);
                }
            }
        }
        GraphQuery::Pathways { pathway } => match pathway {
            Some(key) => {
                for v in graph.pathway(&key)?.nodes {
                    outln!("{}", graph.node_id(v)?);
                }
            }
            None => {
                for p in graph.pathways()? {
                    outln!(
                        "{}\t{}\t{}",
                        p.id,
                        p.name.as_deref().unwrap_or(""),
                        p.nodes.len()
                    );
                }
            }
        },
    }
    Ok(())
}

/// Export a graph dataset: GraphML, Cytoscape.js JSON, DOT, CSV/TSV, or
/// SVG drawn by Graphviz `dot`.
pub fn export(
    file: &Path,
    dataset: Option<&str>,
    output: &Path,
    format: Option<&str>,
    subgraph: Option<&str>,
) -> CliResult {
    use gcol_reader::graph::export::{write_graph, GraphFormat, Selection};
    let reader = Reader::open(file)?;
    let graph = open_graph(&reader, dataset)?;
    let selection = subgraph.map(|s| Selection::parse(&graph, s)).transpose()?;
    let to_stdout = output.as_os_str() == "-";
    if let Some(columnar) = columnar_format(output, format) {
        if selection.is_some() {
            return Err(Failure::new(
                2,
                "--subgraph applies to GraphML, Cytoscape.js, DOT, SVG and edge tables",
            ));
        }
        let columns = gcol_reader::columnar::edge_columns(&graph)?;
        return write_columnar(&columns, columnar, output);
    }
    let name = match format {
        Some(f) => PathBuf::from(format!("x.{}", f.to_ascii_lowercase())),
        None if to_stdout => PathBuf::from("x.graphml"),
        None => output.to_path_buf(),
    };
    let svg = name
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    let kind = if svg {
        GraphFormat::Dot
    } else {
        GraphFormat::from_path(&name).ok_or_else(|| {
            Failure::new(
                2,
                format!(
                    "cannot tell the graph format from {}; use .graphml, .cyjs, .dot, .svg, .csv or .tsv (or --format)",
                    name.display()
                ),
            )
        })?
    };
    if svg {
        let count = selection
            .as_ref()
            .map_or(graph.num_nodes(), |s| s.nodes.len() as u64);
        if count > 5_000 {
            return Err(Failure::new(
                2,
                format!("{count} nodes are too many to draw; choose a --subgraph (pathway:ID, khop:NODE:K or node ids)"),
            ));
        }
        let mut dot = Vec::new();
        write_graph(&graph, kind, selection.as_ref(), &mut dot)?;
        return draw_svg(&dot, output, to_stdout);
    }
    if to_stdout {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        write_graph(&graph, kind, selection.as_ref(), &mut out)?;
    } else {
        let mut file = std::io::BufWriter::new(gcol_writer::AtomicFile::create(output)?);
        write_graph(&graph, kind, selection.as_ref(), &mut file)?;
        file.into_inner()
            .map_err(|e| Failure::from(e.into_error()))?
            .commit()?;
    }
    Ok(())
}

/// Run Graphviz `dot -Tsvg` on `dot`, writing `output` atomically.
fn draw_svg(dot: &[u8], output: &Path, to_stdout: bool) -> CliResult {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Failure::new(
                crate::exit::IO,
                format!("cannot run Graphviz `dot` ({e}); install graphviz, or export .dot and draw it elsewhere"),
            )
        })?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = dot.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let result = child.wait_with_output()?;
    let _ = feeder.join();
    if !result.status.success() {
        return Err(Failure::new(
            crate::exit::IO,
            format!(
                "Graphviz dot failed: {}",
                String::from_utf8_lossy(&result.stderr).trim()
            ),
        ));
    }
    if to_stdout {
        std::io::stdout().lock().write_all(&result.stdout)?;
    } else {
        let mut file = gcol_writer::AtomicFile::create(output)?;
        file.write_all(&result.stdout)?;
        file.commit()?;
    }
    Ok(())
}

/// Parquet or Arrow IPC, by `--format` or the output's extension.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Columnar {
    Parquet,
    ArrowIpc,
}

pub fn columnar_format(output: &Path, format: Option<&str>) -> Option<Columnar> {
    let ext = match format {
        Some(f) => f.to_ascii_lowercase(),
        None => output.extension()?.to_string_lossy().to_ascii_lowercase(),
    };
    match ext.as_str() {
        "parquet" | "pq" => Some(Columnar::Parquet),
        "arrow" | "feather" | "ipc" => Some(Columnar::ArrowIpc),
        _ => None,
    }
}

/// Write typed columns as a Parquet or Arrow IPC file (atomically).
pub fn write_columnar(
    columns: &[gcol_reader::columnar::NamedColumn],
    kind: Columnar,
    output: &Path,
) -> CliResult {
    if output.as_os_str() == "-" {
        return Err(Failure::new(
            2,
            "Parquet and Arrow IPC go to a file: give -o FILE",
        ));
    }
    let batch = gcol_reader::columnar::record_batch(columns)?;
    let file = std::io::BufWriter::new(gcol_writer::AtomicFile::create(output)?);
    let file = match kind {
        Columnar::Parquet => gcol_reader::columnar::write_parquet(&batch, file)?,
        Columnar::ArrowIpc => gcol_reader::columnar::write_arrow_ipc(&batch, file)?,
    };
    file.into_inner()
        .map_err(|e| Failure::from(e.into_error()))?
        .commit()?;
    Ok(())
}

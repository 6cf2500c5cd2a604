//! Graphs from the command line: every file under `../shared/data/graph`
//! converts and verifies with the counts its sources state, queries on a
//! hand-checked graph, exports that read back, petgraph's algorithms on
//! the mapped CSR equal to the library's own, and clear errors on bad input.

use std::path::{Path, PathBuf};

mod common;
use common::{fails, gcol, ok, s};

fn info(file: &Path) -> std::collections::HashMap<String, String> {
    ok(gcol(&["graph", s(file), "info"]), "info")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Node and edge counts as `../shared/data/SOURCES.md` states them (nodes
/// of SBML: species + reactions + gene products; edges of an edge table:
/// its lines but the header), or as counted from the files by hand.
#[test]
fn every_shared_graph_converts_with_the_counts_its_source_states() {
    let Some(data) = gcol_tests::shared_data("graph conversions") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let expect: [(&str, Option<u64>, Option<u64>); 16] = [
        ("sbml/ecoli_iJO1366.xml.gz", Some(1805 + 2583 + 1367), None),
        (
            "sbml/salmonella_STM_v1_0.xml.gz",
            Some(2436 + 3357 + 1707),
            None,
        ),
        ("sbml/ecoli_core_textbook.xml.gz", Some(72 + 95 + 137), None),
        ("sbml/mini_cobra.xml", Some(23 + 18 + 29), None),
        ("sbml/mini_cobra_model.json", Some(23 + 18 + 29), None),
        ("kgml/ko01100.kgml.xml", Some(3628), None),
        ("kgml/ko00010.kgml.xml", Some(99), None),
        ("kgml/ko00253.kgml.xml", Some(44), None),
        ("kgml/ko03070.kgml.xml", Some(81), Some(0)),
        ("cx/signor_wnt_signaling.cx", Some(32), Some(74)),
        ("cx/signor_egfr_signaling.cx", Some(34), Some(116)),
        ("cx/signor_egfr_signaling_cytoscape.cx", Some(34), Some(116)),
        ("cx/nci_pid_glypican2.cx", Some(2), Some(1)),
        ("cx/nci_pid_glypican2.cx2", Some(2), Some(1)),
        ("cx/demo.cx2", Some(6), Some(6)),
        (
            "tables/liana_omnipath_ligand_receptor.csv.gz",
            None,
            Some(35_356),
        ),
    ];
    for (file, nodes, edges) in expect {
        let input = data.join("graph").join(file);
        let out = dir.path().join("g.gcol");
        ok(gcol(&["convert", "-q", s(&input), "-o", s(&out)]), file);
        ok(gcol(&["verify", "--deep", s(&out)]), file);
        let i = info(&out);
        if let Some(n) = nodes {
            assert_eq!(i["nodes"], n.to_string(), "{file}");
        }
        if let Some(e) = edges {
            assert_eq!(i["edges"], e.to_string(), "{file}");
        }
    }
    // Both forms of the mini model are the same graph.
    let sbml = dir.path().join("sbml.gcol");
    let json = dir.path().join("json.gcol");
    let mini = data.join("graph/sbml/mini_cobra.xml");
    ok(gcol(&["convert", "-q", s(&mini), "-o", s(&sbml)]), "sbml");
    let mini_json = data.join("graph/sbml/mini_cobra_model.json");
    ok(
        gcol(&["convert", "-q", s(&mini_json), "-o", s(&json)]),
        "json",
    );
    assert_eq!(info(&sbml)["edges"], info(&json)["edges"]);
    // iJO1366's groups are its subsystems: 37 pathways.
    let big = dir.path().join("ijo.gcol");
    let ijo = data.join("graph/sbml/ecoli_iJO1366.xml.gz");
    ok(gcol(&["convert", "-q", s(&ijo), "-o", s(&big)]), "ijo");
    assert_eq!(info(&big)["pathways"], "37");
    let members = ok(gcol(&["graph", s(&big), "pathways", "g1"]), "pathway");
    assert!(members.lines().all(|l| l.starts_with("R_")), "{members}");
}

fn toy(dir: &Path, undirected: bool) -> PathBuf {
    let table = dir.join("toy.csv");
    // a -> b -> c -> d, a -> c (weight 5), e isolated pair e -> f, a loop on d.
    std::fs::write(
        &table,
        "from,to,weight,kind\na,b,1,x\nb,c,1,y\nc,d,1,x\na,c,5,z\ne,f,2,\nd,d,0,loop\n",
    )
    .unwrap();
    let out = dir.join(if undirected { "u.gcol" } else { "d.gcol" });
    let mut args = vec!["convert", "-q", s(&table), "-o", s(&out)];
    if undirected {
        args.push("--undirected");
    }
    ok(gcol(&args), "convert toy");
    out
}

#[test]
fn queries_on_a_hand_checked_graph() {
    let dir = tempfile::tempdir().unwrap();
    let d = toy(dir.path(), false);
    let g = |args: &[&str]| {
        let mut all = vec!["graph", s(&d)];
        all.extend(args);
        ok(gcol(&all), &format!("{args:?}"))
    };
    let i = info(&d);
    assert_eq!((i["nodes"].as_str(), i["edges"].as_str()), ("6", "6"));
    assert_eq!(i["weight"], "weight");
    assert_eq!(g(&["neighbors", "a"]), "b\nc\n");
    assert_eq!(g(&["neighbors", "c", "-d", "in"]), "a\nb\n");
    assert_eq!(g(&["neighbors", "c", "-d", "both"]), "a\nb\nd\n");
    assert_eq!(g(&["khop", "a", "-k", "2"]), "a\t0\nb\t1\nc\t1\nd\t2\n");
    // Fewest edges: a c d; least weight: a b c d (3 against 6).
    assert_eq!(g(&["path", "a", "d"]), "a\nc\nd\n");
    assert_eq!(g(&["path", "a", "d", "--weight", "weight"]), "a\nb\nc\nd\n");
    assert_eq!(
        g(&["path", "a", "d", "--weight", "default"]),
        "a\nb\nc\nd\n"
    );
    fails(gcol(&["graph", s(&d), "path", "d", "a"]), 1, "no path");
    assert_eq!(g(&["components", "--count"]), "0\t4\n1\t2\n");
    assert_eq!(
        g(&["edges", "--where", "kind=x"]),
        "source\ttarget\tweight\tkind\na\tb\t1\tx\nc\td\t1\tx\n"
    );
    assert_eq!(g(&["edges", "--where", "weight=2..10"]).lines().count(), 3);
    let e = fails(
        gcol(&["graph", s(&d), "nodes", "--where", "nope=1"]),
        1,
        "no node attribute",
    );
    assert!(e.contains("no node attribute \"nope\"; it has none"), "{e}");
    // Undirected: d reaches a backwards; neighbours are both ways.
    let u = toy(dir.path(), true);
    assert_eq!(
        ok(gcol(&["graph", s(&u), "path", "d", "a"]), "u"),
        "d\nc\na\n"
    );
    assert_eq!(
        ok(gcol(&["graph", s(&u), "neighbors", "c"]), "u"),
        "a\nb\nd\n"
    );
    // Lookups that fail name what is missing: exit 1.
    let e = fails(gcol(&["graph", s(&d), "neighbors", "zz"]), 1, "no node");
    assert!(e.contains("no node \"zz\""), "{e}");
    let e = fails(
        gcol(&["graph", s(&d), "path", "a", "b", "-w", "nope"]),
        1,
        "no attribute",
    );
    assert!(
        e.contains("no edge attribute \"nope\"") && e.contains("weight, kind"),
        "{e}"
    );
    let e = fails(
        gcol(&["graph", s(&d), "path", "a", "b", "-w", "kind"]),
        2,
        "text weight",
    );
    assert!(e.contains("not a number"), "{e}");
    let e = fails(
        gcol(&["graph", s(&d), "neighbors", "a", "-d", "up"]),
        2,
        "direction",
    );
    assert!(e.contains("out, in or both"), "{e}");
}

#[test]
fn exports_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = toy(dir.path(), false);
    // CSV out, converted again: the same edges in the same order.
    let csv = dir.path().join("again.csv");
    ok(gcol(&["export", s(&d), "-o", s(&csv)]), "csv");
    let again = dir.path().join("again.gcol");
    ok(gcol(&["convert", "-q", s(&csv), "-o", s(&again)]), "again");
    let edges = |f: &Path| ok(gcol(&["graph", s(f), "edges"]), "edges");
    assert_eq!(edges(&d), edges(&again));
    // GraphML, Cytoscape.js and DOT name every node and edge.
    for (ext, needles) in [
        (
            "graphml",
            &[
                r#"<edge id="e3" source="a" target="c">"#,
                r#"attr.name="weight" attr.type="long""#,
            ][..],
        ),
        ("cyjs", &[r#""source":"a","#, r#""multigraph":true"#][..]),
        (
            "dot",
            &[r#""a" -> "c" ["weight"="5", "kind"="z"];"#, "digraph"][..],
        ),
    ] {
        let out = dir.path().join(format!("x.{ext}"));
        ok(gcol(&["export", s(&d), "-o", s(&out)]), ext);
        let text = std::fs::read_to_string(&out).unwrap();
        for n in needles {
            assert!(text.contains(n), "{ext}: {n} not in\n{text}");
        }
    }
    // A subgraph: the nodes within one hop of c and the edges among them.
    let sub = ok(
        gcol(&["export", s(&d), "--subgraph", "khop:c:1", "--format", "tsv"]),
        "subgraph",
    );
    assert_eq!(sub, "source\ttarget\tweight\tkind\na\tb\t1\tx\nb\tc\t1\ty\nc\td\t1\tx\na\tc\t5\tz\nd\td\t0\tloop\n");
    // SVG through Graphviz.
    if gcol_tests::have_tool("dot", "graph SVG export") {
        let svg = dir.path().join("x.svg");
        ok(gcol(&["export", s(&d), "-o", s(&svg)]), "svg");
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(
            text.contains("<svg") && text.contains(">a</text>"),
            "{text}"
        );
    }
    let e = fails(
        gcol(&["export", s(&d), "-o", s(&dir.path().join("x.bam"))]),
        2,
        "format",
    );
    assert!(e.contains(".graphml"), "{e}");
    let e = fails(
        gcol(&["export", s(&d), "--subgraph", "pathway:p", "-o", "-"]),
        1,
        "pathway",
    );
    assert!(e.contains("no pathway \"p\" (it has no pathways)"), "{e}");
}

#[test]
fn bad_inputs_name_file_and_element() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.gcol");
    let cases: [(&str, &str, &[&str], &str); 7] = [
        ("bad.cx", r#"[{"nodes":[{"@id":1}]},{"edges":[{"@id":0,"s":1,"t":2}]}]"#, &[], "edge 0 names node 2"),
        ("trunc.cx", r#"[{"nodes":[{"@id":1}]"#, &[], "malformed JSON"),
        ("bad.xml", "<?xml version=\"1.0\"?>\n<sbml>\n<model>\n<listOfSpecies>\n</model>\n", &[], "line 5"),
        (
            "bad.kgml",
            "<pathway name=\"x\">\n<entry id=\"1\" name=\"a\" type=\"gene\"/>\n<relation entry1=\"1\" entry2=\"9\" type=\"PPrel\"/>\n</pathway>\n",
            &[],
            "names entry \"9\"",
        ),
        ("ragged.tsv", "a\tb\tw\nx\ty\t1\nx\n", &[], "line 3"),
        ("cols.csv", "a,b\nx,y\n", &["--source-column", "nope"], "no column \"nope\""),
        ("empty.csv", "source,target\nx,\n", &[], "empty target node"),
    ];
    for (name, text, extra, needle) in cases {
        let input = dir.path().join(name);
        std::fs::write(&input, text).unwrap();
        let mut args = vec!["convert", s(&input), "-o", s(&out)];
        args.extend(extra);
        let e = fails(gcol(&args), 4, name);
        assert!(e.contains(name) && e.contains(needle), "{name}: {e}");
        assert!(!out.exists(), "{name}: an output was left");
    }
}

#[test]
fn petgraph_algorithms_run_on_the_mapped_csr() {
    use gcol_reader::graph::{Direction, Graph};
    use petgraph::visit::{EdgeRef, IntoEdgeReferences, IntoNeighbors};
    let Some(data) = gcol_tests::shared_data("petgraph on a graph") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for fast in [false, true] {
        let out = dir.path().join(format!("ijo{fast}.gcol"));
        let ijo = data.join("graph/sbml/ecoli_iJO1366.xml.gz");
        let mut args = vec!["convert", "-q", s(&ijo), "-o", s(&out)];
        if fast {
            args.extend(["--compression", "fast"]);
        }
        ok(gcol(&args), "convert");
        let reader = gcol_reader::Reader::open(&out).unwrap();
        let graph = Graph::open(&reader, "ecoli_iJO1366").unwrap();
        let view = graph.view().unwrap();
        // Components: petgraph's union-find count equals ours.
        let ours = graph.components().unwrap();
        let count = *ours.iter().max().unwrap() as usize + 1;
        assert_eq!(petgraph::algo::connected_components(view), count);
        // Strongly connected components through petgraph.
        let scc = petgraph::algo::tarjan_scc(view);
        assert_eq!(
            scc.iter().map(Vec::len).sum::<usize>(),
            graph.num_nodes() as usize
        );
        // Dijkstra (unit costs) from glucose equals our BFS distances.
        let start = graph.node("M_glc__D_e").unwrap();
        let costs = petgraph::algo::dijkstra(view, start, None, |_| 1u32);
        let hops = graph.khop(&[start], 64, Direction::Out).unwrap();
        assert_eq!(costs.len(), hops.len());
        for (v, d) in hops {
            assert_eq!(costs[&v], d);
        }
        // Edges and neighbours agree with the library's lists.
        let (sources, targets) = graph.edge_list().unwrap();
        for e in view.edge_references() {
            assert_eq!(
                (e.source(), e.target()),
                (sources[e.id() as usize], targets[e.id() as usize])
            );
        }
        let mut n: Vec<u32> = view.neighbors(start).collect();
        n.sort_unstable();
        assert_eq!(n, graph.neighbors(start, Direction::Out).unwrap());
    }
    // Weighted paths: ours equals petgraph's Dijkstra with the same weights.
    let toy = toy(dir.path(), false);
    let reader = gcol_reader::Reader::open(&toy).unwrap();
    let graph = Graph::open(&reader, "toy").unwrap();
    let w = graph.edge_weights("weight").unwrap();
    let view = graph.view().unwrap();
    let a = graph.node("a").unwrap();
    let costs = petgraph::algo::dijkstra(view, a, None, |e| w[*e.weight() as usize]);
    for (v, cost) in costs {
        let path = graph
            .shortest_path(a, v, Direction::Out, Some("weight"))
            .unwrap()
            .unwrap();
        assert_eq!(path.cost, cost);
    }
}

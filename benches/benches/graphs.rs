//! Graph queries on a generated 1M-edge network (200k nodes, hubs): open,
//! the first query after open (the topology is read and checked), then
//! 2-hop neighbourhoods, fewest-edge paths (both ends) and weighted paths
//! on the loaded topology, and connected components. The Python peers
//! (networkx, igraph) are in `benches/peers/python_graphs.py`.

use criterion::{criterion_group, criterion_main, Criterion};
use gcol_benches::{file_len, fixture_dir};
use gcol_reader::graph::{Direction, Graph};
use gcol_reader::Reader;

/// The edge table (source, target, weight) of a network with `edges`
/// edges over `edges / 5` nodes: sources uniform, targets heavy-tailed.
fn network(edges: u64) -> std::path::PathBuf {
    let dir = fixture_dir();
    let gcol = dir.join(format!("graph-{edges}.gcol"));
    if gcol.exists() {
        return gcol;
    }
    let table = dir.join(format!("graph-{edges}.tsv"));
    let nodes = edges / 5;
    let mut text = String::from("source\ttarget\tweight\n");
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..edges {
        let s = next() % nodes;
        // Heavy tail: a few hubs receive most edges.
        let u = (next() % 1_000_000) as f64 / 1_000_000.0;
        let t = ((50.0 / (1.0 - u).powf(1.0 / 1.2)) as u64) % nodes;
        let w = next() % 9 + 1;
        text.push_str(&format!("g{s}\tg{t}\t{w}\n"));
    }
    std::fs::write(&table, text).unwrap();
    let mut options = gcol_import::ConvertOptions::new(vec![table.clone()], &gcol);
    options.names = vec!["net".into()];
    gcol_import::convert(&options, &gcol_import::no_progress, &mut |_| {}).unwrap();
    std::fs::remove_file(&table).ok();
    gcol
}

fn graphs(c: &mut Criterion) {
    let path = network(1_000_000);
    eprintln!("fixture: {} bytes", file_len(&path));
    let mut group = c.benchmark_group("graph_1M_edges");
    group.bench_function("open", |b| {
        b.iter(|| Graph::open(&Reader::open(&path).unwrap(), "net").unwrap())
    });
    group.sample_size(10);
    group.bench_function("open_and_first_2hop", |b| {
        b.iter(|| {
            let g = Graph::open(&Reader::open(&path).unwrap(), "net").unwrap();
            g.khop(&[7], 2, Direction::Out).unwrap()
        })
    });
    let reader = Reader::open(&path).unwrap();
    let g = Graph::open(&reader, "net").unwrap();
    g.view().unwrap();
    g.edge_weights("weight").unwrap();
    let n = g.num_nodes() as u32;
    let mut i = 0u32;
    let mut pick = move || {
        i = i.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        i % n
    };
    group.sample_size(50);
    group.bench_function("2hop", |b| {
        b.iter(|| g.khop(&[pick()], 2, Direction::Out).unwrap())
    });
    group.bench_function("path_fewest_edges", |b| {
        b.iter(|| {
            g.shortest_path(pick(), pick(), Direction::Out, None)
                .unwrap()
        })
    });
    group.bench_function("path_weighted", |b| {
        b.iter(|| {
            g.shortest_path(pick(), pick(), Direction::Out, Some("weight"))
                .unwrap()
        })
    });
    group.sample_size(10);
    group.bench_function("components", |b| b.iter(|| g.components().unwrap()));
    group.finish();
}

criterion_group!(benches, graphs);
criterion_main!(benches);

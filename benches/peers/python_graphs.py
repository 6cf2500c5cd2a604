"""Graphs from Python (issue 15): a generated 1M-edge network queried by
gcol (mapped file), networkx (loaded from GraphML, as a user receives a
network) and igraph (loaded from the edge list), side by side in one run.

Measures: open; the first query after open (gcol decodes the topology
columns then); 2-hop neighbourhoods and unweighted shortest paths between
random nodes (median per query); connected components; and the goal's
ratio, networkx's GraphML load plus its queries against gcol's open plus
the same queries.

Usage: python3 benches/peers/python_graphs.py [edges] [queries]
Needs: gcol (pip install ./python), networkx, igraph, numpy; a release
`gcol` binary (cargo build --release -p gcol-tools) for the conversion.
"""

import os
import statistics
import subprocess
import sys
import tempfile

import numpy as np

import gcol
from timing import median_ms, timed

EDGES = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
QUERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 50
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
GCOL = os.environ.get("GCOL_BIN", os.path.join(ROOT, "target/release/gcol"))


def network(path, edges, seed=15):
    """A directed scale-free-like network: sources uniform, targets drawn
    with a heavy tail (a few hubs), integer weights 1-9."""
    rng = np.random.default_rng(seed)
    nodes = edges // 5
    sources = rng.integers(0, nodes, edges)
    targets = (rng.pareto(1.2, edges) * 50).astype(np.int64) % nodes
    weights = rng.integers(1, 10, edges)
    with open(path, "w") as f, open(path + ".ncol", "w") as ncol:
        f.write("source\ttarget\tweight\n")
        for s, t, w in zip(sources.tolist(), targets.tolist(), weights.tolist()):
            f.write(f"g{s}\tg{t}\t{w}\n")
            ncol.write(f"g{s} g{t}\n")
    return nodes


def main():
    import igraph
    import networkx as nx

    work = tempfile.mkdtemp(prefix="gcol-graph-bench-")
    table = os.path.join(work, "net.tsv")
    network(table, EDGES)
    out = os.path.join(work, "net.gcol")
    subprocess.run([GCOL, "convert", "-q", table, "-o", out, "--name", "net"], check=True)
    fast = os.path.join(work, "net_fast.gcol")
    subprocess.run([GCOL, "convert", "-q", table, "-o", fast, "--name", "net", "--compression", "fast"], check=True)
    graphml = os.path.join(work, "net.graphml")
    subprocess.run([GCOL, "export", out, "-o", graphml], check=True)
    sizes = {name: os.path.getsize(p) for name, p in [("tsv", table), ("gcol", out), ("gcol fast", fast), ("graphml", graphml)]}
    print(f"network: {EDGES} edges; bytes: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))

    rng = np.random.default_rng(1)
    g = gcol.open(out)["net"]
    ids = g.node_ids()
    picks = [ids[i] for i in rng.integers(0, len(ids), QUERIES)]
    pairs = [(ids[a], ids[b]) for a, b in rng.integers(0, len(ids), (QUERIES, 2))]
    del g

    rows = []
    for label, path in [("gcol", out), ("gcol fast", fast)]:
        opens = []
        for _ in range(20):
            t, g = timed(lambda: gcol.open(path)["net"])
            opens.append(t)
        first, _ = timed(lambda: g.khop(picks[0], k=2, names=False))
        hop, hop_total = median_ms(lambda n: g.khop(n, k=2, names=False), picks)
        path_q, path_total = median_ms(lambda p: g.shortest_path(p[0], p[1], names=False), pairs)
        comp, _ = timed(g.components)
        rows.append((label, statistics.median(opens), first, hop, path_q, comp, statistics.median(opens) + first + hop_total + path_total))

    load_nx, G = timed(lambda: nx.read_graphml(graphml))
    hop, hop_total = median_ms(lambda n: nx.single_source_shortest_path_length(G, n, cutoff=2), picks)

    def nx_path(p):
        try:
            return nx.shortest_path(G, p[0], p[1])
        except nx.NetworkXNoPath:
            return None

    path_q, path_total = median_ms(nx_path, pairs)
    comp, _ = timed(lambda: list(nx.weakly_connected_components(G)))
    rows.append(("networkx", load_nx, 0.0, hop, path_q, comp, load_nx + hop_total + path_total))
    del G

    load_ig, H = timed(lambda: igraph.Graph.Read_Ncol(table + ".ncol", names=True, weights=False, directed=True))
    index = {name: i for i, name in enumerate(H.vs["name"])}
    hop, hop_total = median_ms(lambda n: H.neighborhood(index[n], order=2, mode="out") if n in index else None, picks)
    path_q, path_total = median_ms(
        lambda p: H.get_shortest_paths(index[p[0]], index[p[1]], mode="out") if p[0] in index and p[1] in index else None,
        pairs,
    )
    comp, _ = timed(lambda: H.connected_components(mode="weak"))
    rows.append(("igraph", load_ig, 0.0, hop, path_q, comp, load_ig + hop_total + path_total))

    print(f"{'tool':<10} {'open/load ms':>13} {'first query ms':>15} {'2-hop ms':>9} {'path ms':>8} {'components ms':>14} {'open+queries ms':>16}")
    for label, load, first, hop, path_q, comp, total in rows:
        print(f"{label:<10} {load:>13.3f} {first:>15.2f} {hop:>9.4f} {path_q:>8.3f} {comp:>14.1f} {total:>16.1f}")
    ours = rows[0]
    for label, *_, total in rows[2:]:
        print(f"{label} open+queries / gcol open+queries: {total / ours[6]:.1f}x")
    nxr, igr = rows[2], rows[3]
    print(f"per query: 2-hop networkx/gcol {nxr[3] / ours[3]:.1f}x, igraph/gcol {igr[3] / ours[3]:.2f}x; "
          f"path networkx/gcol {nxr[4] / ours[4]:.1f}x, igraph/gcol {igr[4] / ours[4]:.2f}x")


if __name__ == "__main__":
    main()

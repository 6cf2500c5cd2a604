"""Graphs from Python against independent readings of the same files:
edge tables through pandas and networkx, SBML through the standard
library's XML parser, KGML through Biopython, CX through json; queries
against networkx's algorithms; GraphML and Cytoscape.js exports read
back by networkx."""

import gzip
import json
import warnings
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import gcol

from conftest import need, need_module

LIANA = "graph/tables/liana_omnipath_ligand_receptor.csv.gz"
IJO = "graph/sbml/ecoli_iJO1366.xml.gz"
CORE = "graph/sbml/ecoli_core_textbook.xml.gz"
WNT = "graph/cx/signor_wnt_signaling.cx"
KGML = "graph/kgml/ko00010.kgml.xml"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = {}

    def get(relative, **options):
        key = (relative, tuple(sorted(options.items())))
        if key not in out:
            source = need(relative)
            target = tmp_path_factory.mktemp("graph") / "g.gcol"
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gcol.convert([source], target, names=["g"], **options)
            out[key] = (source, gcol.open(target)["g"])
            said[relative] = [str(w.message) for w in caught]
        return out[key]

    said = {}
    get.warnings = said

    return get


def edge_multiset(graph_nx):
    return sorted((str(u), str(v)) for u, v, _ in graph_nx.edges(keys=True))


def test_edge_table_equals_pandas_and_networkx(converted):
    pd = need_module("pandas")
    nx = need_module("networkx")
    source, g = converted(LIANA)
    frame = pd.read_csv(source)
    assert isinstance(g, gcol.Graph)
    assert g.num_edges == len(frame)
    ours = g.edges()
    # Same rows in the same order, same values (the unnamed index column
    # is `column1`).
    assert list(ours["source"]) == list(frame["source"])
    assert list(ours["target"]) == list(frame["target"])
    assert list(ours["column1"]) == list(frame["Unnamed: 0"])
    for column in ["source_genesymbol", "target_genesymbol", "resource"]:
        assert list(ours[column]) == list(frame[column])
    theirs = nx.from_pandas_edgelist(frame, "source", "target", create_using=nx.MultiDiGraph)
    mine = g.to_networkx()
    assert set(mine.nodes) == set(theirs.nodes)
    assert edge_multiset(mine) == edge_multiset(theirs)
    # Queries equal networkx's.
    for node in ["P01375", "O00182", frame["source"][100]]:
        assert g.neighbors(node) == sorted(theirs.successors(node), key=g.node)
        assert g.neighbors(node, direction="in") == sorted(theirs.predecessors(node), key=g.node)
        hops = nx.single_source_shortest_path_length(theirs, node, cutoff=2)
        assert g.khop(node, k=2) == pytest.approx(hops)
        assert set(g.khop(node, k=2)) == set(hops)
    components = g.components()
    theirs_parts = {frozenset(c) for c in nx.weakly_connected_components(theirs)}
    ids = g.node_ids()
    mine_parts = {}
    for i, label in enumerate(components):
        mine_parts.setdefault(int(label), set()).add(ids[i])
    assert {frozenset(c) for c in mine_parts.values()} == theirs_parts
    # Arrow without copies through the C stream.
    pa = need_module("pyarrow")
    table = pa.table(g)
    assert table.num_rows == len(frame)
    assert table.column_names[:2] == ["source", "target"]


def test_shortest_paths_equal_networkx(converted, tmp_path):
    nx = need_module("networkx")
    rng = np.random.default_rng(7)
    edges = rng.integers(0, 300, size=(1500, 2))
    weights = rng.integers(1, 20, size=1500)
    path = tmp_path / "random.tsv"
    with open(path, "w") as f:
        f.write("source\ttarget\tweight\n")
        for (s, t), w in zip(edges, weights):
            f.write(f"n{s}\tn{t}\t{w}\n")
    for directed in [True, False]:
        out = tmp_path / f"r{directed}.gcol"
        gcol.convert([path], out, names=["r"], directed=None if directed else False)
        g = gcol.open(out)["r"]
        assert g.directed is directed
        assert g.weight == "weight"
        theirs = nx.MultiDiGraph() if directed else nx.MultiGraph()
        for (s, t), w in zip(edges, weights):
            theirs.add_edge(f"n{s}", f"n{t}", weight=int(w))
        nodes = g.node_ids()
        for a, b in rng.choice(nodes, size=(40, 2)):
            try:
                hops = nx.shortest_path_length(theirs, a, b)
                weighted = nx.shortest_path_length(theirs, a, b, weight="weight")
            except nx.NetworkXNoPath:
                assert g.shortest_path(a, b) is None
                assert g.shortest_path_length(a, b, weight="weight") is None
                continue
            found = g.shortest_path(a, b)
            assert len(found) - 1 == hops
            assert all(theirs.has_edge(u, v) for u, v in zip(found, found[1:]))
            assert g.shortest_path_length(a, b, weight=True) == weighted
            weighted_path = g.shortest_path(a, b, weight="weight")
            cost = sum(
                min(d["weight"] for d in theirs.get_edge_data(u, v).values())
                for u, v in zip(weighted_path, weighted_path[1:])
            )
            assert cost == weighted


def sbml_counts(source):
    """Species, gene products, reactions and edges of an SBML model, read
    with the standard library's XML parser."""
    with gzip.open(source) as f:
        root = ET.parse(f).getroot()

    def local(tag):
        return tag.rsplit("}", 1)[-1]

    counts = {"species": 0, "geneProduct": 0, "reaction": 0}
    edges = 0
    for e in root.iter():
        name = local(e.tag)
        if name in counts:
            counts[name] += 1
        if name in ("speciesReference", "modifierSpeciesReference"):
            edges += 1
        if name == "geneProductAssociation":
            edges += len({r.attrib[k] for r in e.iter() if local(r.tag) == "geneProductRef" for k in r.attrib if local(k) == "geneProduct"})
    return counts, edges


def test_sbml_model_equals_its_xml(converted):
    source, g = converted(IJO)
    counts, edges = sbml_counts(source)
    assert g.num_nodes == counts["species"] + counts["geneProduct"] + counts["reaction"]
    assert g.num_edges == edges
    nodes = g.nodes()
    assert (nodes["kind"] == "reaction").sum() == counts["reaction"]
    pgi = nodes[nodes["id"] == "R_PGI"].iloc[0]
    assert pgi["name"] == "Glucose-6-phosphate isomerase"
    assert bool(pgi["reversible"]) is True
    assert pgi["lower_bound"] == -1000.0 and pgi["upper_bound"] == 1000.0
    assert pgi["gene_rule"] == "G_b4025"
    # Reactants point to the reaction, products away from it.
    assert set(g.neighbors("R_PGI", direction="in")) == {"M_g6p_c", "G_b4025"}
    assert set(g.neighbors("R_PGI")) == {"M_f6p_c"}
    edges_frame = g.edges(where="role=reactant")
    assert set(edges_frame["role"]) == {"reactant"}
    # Pathways: the model's groups, with their reactions.
    pathways = g.pathways()
    assert len(pathways) == 37
    first = pathways[0]
    assert first[1] == "Transport, Inner Membrane"
    assert g.pathway("g1") == first[2]
    # The SBML and cobrapy JSON forms of one model are one graph.
    _, sbml = converted("graph/sbml/mini_cobra.xml")
    _, cobra = converted("graph/sbml/mini_cobra_model.json")
    strip = lambda x: x.split("_", 1)[1] if x[:2] in ("M_", "R_", "G_") else x  # noqa: E731
    sbml_edges = sorted((strip(s), strip(t)) for s, t in zip(*[sbml.edges()[c] for c in ("source", "target")]))
    cobra_edges = sorted(zip(*[cobra.edges()[c] for c in ("source", "target")]))
    assert sbml_edges == cobra_edges


def test_kgml_equals_biopython(converted):
    kgml_parser = need_module("Bio.KEGG.KGML.KGML_parser")
    source, g = converted(KGML)
    with open(source) as f:
        pathway = kgml_parser.read(f)
    assert g.num_nodes == len(pathway.entries)
    reaction_edges = sum(len(r.substrates) + len(r.products) for r in pathway.reactions)
    assert g.num_edges == len(pathway.relations) + reaction_edges
    nodes = g.nodes().set_index("id")
    for entry in pathway.entries.values():
        row = nodes.loc[str(entry.id)]
        assert row["name"] == entry.name and row["type"] == entry.type
        if entry.graphics:
            assert row["x"] == float(entry.graphics[0].x)
    relations = g.edges(where="kind=relation")
    theirs = sorted((str(r._entry1), str(r._entry2), r.type) for r in pathway.relations)
    assert sorted(zip(relations["source"], relations["target"], relations["type"])) == theirs
    assert g.network["title"] == pathway.title


def test_cx_equals_its_json(converted):
    source, g = converted(WNT)
    with open(source) as f:
        doc = json.load(f)
    aspects = {}
    for fragment in doc:
        for k, v in fragment.items():
            aspects.setdefault(k, []).extend(v if isinstance(v, list) else [v])
    assert g.num_nodes == len(aspects["nodes"])
    assert g.num_edges == len(aspects["edges"])
    names = {str(n["@id"]): n.get("n") for n in aspects["nodes"]}
    nodes = g.nodes()
    assert dict(zip(nodes["id"], nodes["name"])) == names
    # Attributes keep their declared types; a value given twice keeps the later.
    edges = g.edges().set_index("@id")
    for attr in aspects["edgeAttributes"]:
        value = edges.loc[attr["po"], attr["n"]]
        if attr.get("d") == "list_of_string":
            assert isinstance(value, list)
    later = {}
    for attr in aspects["edgeAttributes"]:
        later[(attr["po"], attr["n"])] = attr["v"]
    assert edges.loc[0, "DIRECT"] == later[(0, "DIRECT")] == "YES"
    # ... and the conversion said so.
    (warning,) = converted.warnings[WNT]
    assert 'attribute "DIRECT" of edge 0 was given as t and then YES' in warning
    assert g.network["name"] == "WNT Signaling"
    # Names find nodes too (CX ids are numbers).
    assert g.node_id(g.node("CTNNB1")) == [k for k, v in names.items() if v == "CTNNB1"][0]


def test_exports_read_back_in_networkx(converted, tmp_path):
    nx = need_module("networkx")
    for relative in [WNT, KGML, CORE]:
        _, g = converted(relative)
        mine = g.to_networkx()
        graphml = tmp_path / "g.graphml"
        g.write(graphml)
        back = nx.read_graphml(graphml)
        assert set(back.nodes) == set(mine.nodes)
        assert sorted((str(u), str(v)) for u, v in back.edges()) == edge_multiset(mine)
        for node, attrs in mine.nodes(data=True):
            for k, v in attrs.items():
                got = back.nodes[node][k]
                if isinstance(v, list):
                    assert json.loads(got) == v
                elif isinstance(v, float):
                    assert math.isclose(got, v)
                else:
                    assert got == v, (relative, node, k)
        cyjs = tmp_path / "g.cyjs"
        g.write(cyjs)
        with open(cyjs) as f:
            back = nx.cytoscape_graph(json.load(f))
        assert set(back.nodes) == set(mine.nodes)
        assert edge_multiset(back) == edge_multiset(mine)
        dot = tmp_path / "g.dot"
        g.write(dot, subgraph=f"khop:{g.node_id(0)}:1")
        assert dot.read_text().startswith("digraph")


def test_errors(converted, tmp_path):
    _, g = converted(WNT)
    with pytest.raises(gcol.NotFoundError, match="no node"):
        g.neighbors("no-such-gene")
    with pytest.raises(gcol.RegionError):
        g.neighbors(10_000)
    with pytest.raises(ValueError, match="out, in or both"):
        g.neighbors(0, direction="sideways")
    with pytest.raises(gcol.NotFoundError, match="no edge attribute"):
        g.shortest_path(0, 1, weight="nope")
    with pytest.raises(ValueError, match="format"):
        g.write(tmp_path / "x.bam")
    bad = tmp_path / "bad.cx"
    bad.write_text('[{"nodes":[{"@id":1}]},{"edges":[{"@id":0,"s":1,"t":2}]}]')
    with pytest.raises(gcol.InputFormatError, match="bad.cx.*names node 2"):
        gcol.convert([bad], tmp_path / "bad.gcol")
    assert not (tmp_path / "bad.gcol").exists()
    csr_indptr, csr_indices = g.csr()
    assert len(csr_indptr) == g.num_nodes + 1 and len(csr_indices) == g.num_edges

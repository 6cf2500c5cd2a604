"""Tables from Python against independent readings: GFF3/GTF feature
tables against gffutils' parsing (features, attributes, parents), the
attribute search against a brute-force scan, the GFF export byte for byte
against the source, CSV tables against pandas, Arrow through the C stream."""

import gzip

import numpy as np
import pytest

import gcol

from conftest import need, need_module

GFF_FILES = [
    "annotation/gffutils_tests/FBgn0031208.gff",
    "annotation/gffutils_tests/FBgn0031208.gtf",
    "annotation/gffutils_tests/dmel-all-no-analysis-r5.49_50k_lines.gff3.gz",
    "annotation/gffutils_tests/gencode-v19.gtf",
    "annotation/gffutils_tests/ncbi_gff3.txt",
    "annotation/gffutils_tests/mouse_extra_comma.gff3",
    "annotation/gffutils_tests/nonascii.gff",
    "annotation/gffutils_tests/wormbase_gff2.txt",
    "annotation/gffutils_tests/issue167.gff",
    "annotation/gffutils_tests/synthetic.gff3",
]


def source_text(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = {}

    def get(relative):
        if relative not in out:
            source = need(relative)
            target = tmp_path_factory.mktemp("table") / "t.gcol"
            gcol.convert([source], target, names=["t"])
            out[relative] = (source, gcol.open(target)["t"])
        return out[relative]

    return get


@pytest.mark.parametrize("relative", GFF_FILES)
def test_gff_export_is_the_source_byte_for_byte(converted, tmp_path, relative):
    source, t = converted(relative)
    assert isinstance(t, gcol.Table)
    out = tmp_path / "back.gff"
    t.write(out)
    assert out.read_bytes() == source_text(source)


def test_features_equal_gffutils(converted, tmp_path):
    gffutils = need_module("gffutils")
    relative = "annotation/gffutils_tests/FBgn0031208.gff"
    source, t = converted(relative)
    db = gffutils.create_db(str(source), ":memory:", merge_strategy="create_unique", keep_order=True)
    theirs = list(db.all_features(order_by="rowid"))
    frame = t.to_pandas()
    assert len(frame) == len(theirs) == len(t)
    for row, f in zip(frame.itertuples(), theirs):
        assert (row.seqid, row.source, row.type, row.start, row.end) == (f.seqid, f.source, f.featuretype, f.start, f.end)
        assert (row.strand if isinstance(row.strand, str) else ".") == f.strand
        ours = {}
        for k, v in zip(row.attr_keys, row.attr_values):
            ours.setdefault(k, []).append(v)
        # gffutils reads a trailing `;` as an empty attribute name.
        # (and keeps the space of `; Parent=`, which gcol trims).
        assert ours == {k.strip(): list(v) for k, v in f.attributes.items() if k}
    # Parents: every Parent ID resolves to the row of that ID.
    ids = list(frame["id"])
    for row in frame.itertuples():
        parents = [ids[p] for p in row.parents]
        named = [v for k, v in zip(row.attr_keys, row.attr_values) if k == "Parent"]
        assert sorted(parents) == sorted(named)
    # gffutils' children of the gene are the rows naming it as parent.
    gene = "FBgn0031208"
    children = {c.id for c in db.children(gene, level=1)}
    gene_row = ids.index(gene)
    assert {ids[i] for i, p in enumerate(frame["parents"]) if gene_row in p} == children


def test_search_equals_a_scan(converted):
    _, t = converted("annotation/gffutils_tests/dmel-all-no-analysis-r5.49_50k_lines.gff3.gz")
    frame = t.to_pandas(["attr_keys", "attr_values", "type"])

    def scan(name, match):
        return [
            i
            for i, (ks, vs) in enumerate(zip(frame["attr_keys"], frame["attr_values"]))
            if any(k == name and match(v) for k, v in zip(ks, vs))
        ]

    for name, value in [("ID", "FBgn0031208"), ("Name", "CG11023"), ("Parent", "FBgn0002121")]:
        assert list(t.search_rows(f"{name}={value}")) == scan(name, lambda v, x=value: v == x)
    assert list(t.search_rows("Name=CG1*")) == scan("Name", lambda v: v.startswith("CG1"))
    assert len(t.search_rows("Name=CG1*")) > 10
    # Two terms: both must hold; a column term compares values.
    both = t.search_rows("Name=CG1*", "type=gene")
    assert list(both) == [i for i in scan("Name", lambda v: v.startswith("CG1")) if frame["type"][i] == "gene"]
    found = t.search("ID=FBgn0031208")
    assert list(found["type"]) == ["gene"] and found.index[0] == t.search_rows("ID=FBgn0031208")[0]
    assert len(t.search_rows("ID=no-such-id")) == 0
    with pytest.raises(ValueError, match="NAME=VALUE"):
        t.search_rows("just-a-word")


def test_csv_table_equals_pandas(tmp_path):
    pd = need_module("pandas")
    pa = need_module("pyarrow")
    path = tmp_path / "samples.csv"
    path.write_text(
        "sample,depth,ratio,ok,group\n"
        "s1,10,0.5,true,a\n"
        "s2,,1.25,false,\n"
        "s3,7,,TRUE,b\n"
    )
    gcol.convert([path], tmp_path / "s.gcol", names=["s"])
    t = gcol.open(tmp_path / "s.gcol")["s"]
    assert isinstance(t, gcol.Table) and len(t) == 3
    assert dict(t.columns) == {"sample": "string", "depth": "int64", "ratio": "float64", "ok": "bool", "group": "string"}
    ours = t.to_pandas()
    theirs = pd.read_csv(path, dtype={"depth": "Int64", "ratio": "Float64", "ok": "boolean"}, true_values=["true", "TRUE"], false_values=["false"])
    assert list(ours["sample"]) == list(theirs["sample"])
    assert ours["depth"].tolist() == theirs["depth"].tolist()
    assert ours["ratio"].tolist() == theirs["ratio"].tolist()
    assert ours["ok"].tolist() == theirs["ok"].tolist()
    table = pa.table(t)
    assert table.num_rows == 3 and table.column("depth").null_count == 1
    back = tmp_path / "back.csv"
    t.write(back)
    assert pd.read_csv(back).equals(pd.read_csv(path).assign(ok=[True, False, True]))
    # An edge table (source/target columns) is a graph instead.
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\na,b\n")
    gcol.convert([edges], tmp_path / "e.gcol", names=["e"])
    assert isinstance(gcol.open(tmp_path / "e.gcol")["e"], gcol.Graph)
    # A malformed row names file and line.
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n3\n")
    with pytest.raises(gcol.InputFormatError, match="bad.tsv.*line 3"):
        gcol.convert([bad], tmp_path / "bad.gcol")


GENBANK_FILES = [
    "annotation/biopython_genbank/DS830848.gb",
    "annotation/biopython_genbank/NC_000932.gb",
    "annotation/biopython_genbank/NC_005816.gb",
    "annotation/biopython_genbank/NT_019265.gb",
    "annotation/biopython_genbank/arab1.gb",
    "annotation/biopython_genbank/cor6_6.gb",
    "annotation/biopython_genbank/extra_keywords.gb",
    "annotation/biopython_genbank/iro.gb",
    "annotation/biopython_genbank/one_of.gb",
    "annotation/biopython_genbank/pri1.gb",
    "annotation/biopython_genbank/protein_refseq2.gb",
    "annotation/biopython_genbank/tls_KDHP01000000.gb",
    "annotation/antismash/NZ_CP016793.1.cluster001.antismash5.gbk",
    "annotation/scerevisiae_S288C_R64_16chr.gbk.gz",
]


@pytest.mark.parametrize("relative", GENBANK_FILES)
def test_genbank_features_and_sequences_equal_biopython(tmp_path, relative):
    """Every feature as Biopython parses it: key, qualifiers, span and
    strand (1-based start = Biopython's 0-based start + 1), each record's
    sequence from the linked sequences dataset, and the export byte for
    byte."""
    need_module("Bio")
    from Bio import SeqIO

    source = need(relative)
    path = tmp_path / "g.gcol"
    gcol.convert([source], path, names=["t"])
    f = gcol.open(str(path))
    t = f["t"]
    assert t.features == "genbank"
    opener = gzip.open if relative.endswith(".gz") else open
    with opener(source, "rt") as handle:
        records = list(SeqIO.parse(handle, "genbank"))
    frame = t.to_pandas(["seqid", "type", "start", "end", "strand", "location", "attr_keys", "attr_values"])
    theirs = [(r, feature) for r in records for feature in r.features]
    assert len(frame) == len(theirs) > 0
    for row, (record, feature) in zip(frame.itertuples(), theirs):
        assert row.seqid == record.id
        assert row.type == feature.type
        ours = {}
        for k, v in zip(row.attr_keys, row.attr_values):
            ours.setdefault(k, []).append(v)
        assert ours == {k: list(v) for k, v in feature.qualifiers.items()}, row.location
        # Spans of locations on this record: Biopython's bounds.
        if ":" not in row.location and "^" not in row.location:
            assert (row.start, row.end) == (int(feature.location.start) + 1, int(feature.location.end)), row.location
        if record.annotations.get("molecule_type") != "protein" and ":" not in row.location:
            strand = {1: "+", -1: "-"}.get(feature.location.strand)
            assert (row.strand if isinstance(row.strand, str) else None) == strand, row.location
    # The sequences: one per record with an ORIGIN block, equal to Biopython's.
    with_sequence = [r for r in records if r.seq.defined]
    if with_sequence:
        seqs = f[t.sequences]
        assert seqs.names == [r.id for r in with_sequence]
        for r in with_sequence:
            assert seqs.fetch(r.id) == str(r.seq).upper()
    else:
        assert t.sequences is None
    out = tmp_path / "back.gbk"
    t.write(out)
    assert out.read_bytes() == source_text(source)


STUDY = ["experiments", "samples", "genes", "gene_variants", "gene_expression", "sequences", "alignments", "metadata"]


def test_genomics_schema_tables_equal_pandas_and_keys_are_checked(tmp_path):
    """The example study converts under the genomics schema: every table
    equals pandas' reading of its CSV with the schema's types (timestamps
    as UTC datetimes, quality as lists of integers), Arrow types follow the
    schema, and a foreign-key violation is refused with the row named."""
    import pandas as pd
    import pyarrow as pa

    root = __import__("pathlib").Path(__file__).resolve().parents[2] / "examples" / "data"
    inputs = [root / "sample.fa"] + [root / "study" / f"{t}.csv" for t in STUDY]
    out = tmp_path / "study.gcol"
    names = gcol.convert(inputs, out, schema="genomics")
    assert names == ["sample"] + STUDY
    f = gcol.open(str(out))
    # Deep verification checks the keys again, across the tables (17.8).
    assert f.verify(deep=True)["datasets"] == 1 + len(STUDY)
    schema = {t["name"]: t for t in gcol.schema()}
    assert list(schema) == STUDY
    for name in STUDY:
        t = f[name]
        frame = t.to_pandas()
        theirs = pd.read_csv(root / "study" / f"{name}.csv", dtype=str, keep_default_na=False)
        assert list(frame.columns) == [c["name"] for c in schema[name]["columns"]]
        assert len(frame) == len(theirs)
        for c in schema[name]["columns"]:
            ours, cells = frame[c["name"]], theirs[c["name"]]
            for v, cell in zip(ours, cells):
                if cell == "":
                    assert v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)), (name, c["name"])
                elif c["type"] == "timestamp":
                    assert v == pd.Timestamp(cell if len(cell) > 10 else cell + "T00:00:00Z"), (name, cell)
                elif c["type"] == "int64":
                    assert v == int(cell)
                elif c["type"] == "float64":
                    assert v == float(cell)
                elif c["type"] == "list<int64>":
                    assert list(v) == [int(x) for x in cell.strip("[]").split(",")]
                else:
                    assert v == cell
    arrow = pa.table(f["metadata"])
    assert arrow.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    assert pa.table(f["sequences"]).schema.field("quality").type == pa.list_(pa.int64())
    # A sample naming an experiment that is not there: refused, nothing written.
    bad = tmp_path / "samples.csv"
    bad.write_text((root / "study" / "samples.csv").read_text().replace("S3,E2,", "S3,E9,"))
    others = [root / "study" / f"{t}.csv" for t in STUDY if t != "samples"]
    with pytest.raises(gcol.InputFormatError, match=r'samples.csv: record 3, line 4, experiment_id: no row of table experiments has experiment_id "E9"'):
        gcol.convert([root / "sample.fa", bad] + others, tmp_path / "bad.gcol", schema="genomics")
    assert not (tmp_path / "bad.gcol").exists()


def test_parquet_import_equals_pyarrow(tmp_path):
    """A Parquet file written by pyarrow (snappy) converts with the types of
    its schema: every value equals pyarrow's reading, integers widened to
    int64, floats to float64, dates and timestamps (any unit) to UTC
    microseconds, dictionary text to strings; the export to Parquet reads
    back the same; a column gcol cannot type is refused by name."""
    import datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = datetime.timezone.utc
    source = pa.table(
        {
            "i8": pa.array([1, None, -3], pa.int8()),
            "u64": pa.array([1, 2, 2**62], pa.uint64()),
            "f32": pa.array([1.5, None, 2.25], pa.float32()),
            "b": pa.array([True, False, None]),
            "s": pa.array(["a", None, "ccc"]),
            "cat": pa.array(["x", "y", "x"]).dictionary_encode(),
            "ts": pa.array(
                [datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc), None, datetime.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=utc)],
                pa.timestamp("ns", tz="UTC"),
            ),
            "ms": pa.array([0, 1_700_000_000_123, None], pa.timestamp("ms")),
            "d": pa.array([datetime.date(2024, 3, 1), None, datetime.date(1970, 1, 2)], pa.date32()),
            "li": pa.array([[1, 2], None, []], pa.list_(pa.int32())),
            "ls": pa.array([["a"], ["b", "c"], None], pa.list_(pa.string())),
        }
    )
    path = tmp_path / "types.parquet"
    pq.write_table(source, path)
    out = tmp_path / "t.gcol"
    assert gcol.convert([path], out) == ["types"]
    ours = pa.table(gcol.open(str(out))["types"])
    expected_types = {
        "i8": pa.int64(), "u64": pa.int64(), "f32": pa.float64(), "b": pa.bool_(), "s": pa.string(),
        "cat": pa.string(), "ts": pa.timestamp("us", tz="UTC"), "ms": pa.timestamp("us", tz="UTC"),
        "d": pa.timestamp("us", tz="UTC"), "li": pa.list_(pa.int64()), "ls": pa.list_(pa.string()),
    }
    assert {f.name: f.type for f in ours.schema} == expected_types
    theirs = pq.read_table(path)
    for name, kind in expected_types.items():
        column = theirs[name]
        if name == "cat":
            column = column.cast(pa.string())
        elif name == "d":
            column = column.cast(pa.timestamp("s")).cast(pa.timestamp("us", tz="UTC"))
        else:
            column = column.cast(kind)
        assert ours[name].to_pylist() == column.to_pylist(), name
    # Export to Parquet, and in again: the same table.
    again = tmp_path / "again.parquet"
    gcol.open(str(out))["types"].write(again)
    assert pq.read_table(again).to_pylist() == ours.to_pylist()
    # A struct column has no gcol type: refused, naming it.
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"x": [1], "st": [{"a": 1}]}), bad)
    with pytest.raises(gcol.InputFormatError, match=r'column "st": Arrow type Struct'):
        gcol.convert([bad], tmp_path / "bad.gcol")
    assert not (tmp_path / "bad.gcol").exists()


def test_csv_types_given_equal_pandas_with_dtypes(tmp_path):
    """`types=` (the CLI's --types) types columns as given: the values equal
    pandas' reading with the same dtypes; a cell not of its type is refused."""
    import pandas as pd

    source = tmp_path / "t.csv"
    source.write_text("id,code,when,score\n1,007,2024-01-02T10:00:00Z,1\n2,012,,2.5\n")
    out = tmp_path / "t.gcol"
    gcol.convert([source], out, types={"code": "string", "when": "timestamp", "score": "float64"})
    ours = gcol.open(str(out))["t"].to_pandas()
    theirs = pd.read_csv(source, dtype={"code": str, "score": float}, parse_dates=["when"])
    assert list(ours["code"]) == list(theirs["code"]) == ["007", "012"]
    assert list(ours["score"]) == list(theirs["score"])
    assert ours["when"][0] == theirs["when"][0] and ours["when"][1] is None
    with pytest.raises(gcol.InputFormatError, match=r't.csv: record 2, line 3, cell: column "score": "2.5" is not an integer'):
        gcol.convert([source], tmp_path / "bad.gcol", types={"score": "int64"})
    with pytest.raises(ValueError, match="types are int64"):
        gcol.convert([source], tmp_path / "bad.gcol", types={"score": "int32"})
    assert not (tmp_path / "bad.gcol").exists()


def test_antismash_json_equals_json_module_and_its_genbank(tmp_path):
    """antiSMASH results JSON (spec 17.9) against Python's json module
    (records, feature types, qualifiers, locations, sequence) and against
    Biopython's parsing of the GenBank file antiSMASH wrote in the same
    run (extent and strand of every feature, the record sequence); parents
    point from domains and motifs to their CDS by locus_tag; the export is
    the document byte for byte; search equals a scan of the qualifiers."""
    import json

    need_module("Bio")
    from Bio import SeqIO

    stem = "annotation/antismash/NZ_CP016793_reversed_double_chopped.antismash5"
    source = need(stem + ".json")
    path = tmp_path / "a.gcol"
    gcol.convert([source], path, names=["t"])
    f = gcol.open(str(path))
    t = f["t"]
    assert t.features == "antismash"
    text = source_text(source)
    doc = json.loads(text)
    theirs = [(r, feature) for r in doc["records"] for feature in r["features"]]
    frame = t.to_pandas(["seqid", "type", "location", "start", "end", "strand", "attr_keys", "attr_values", "parents", "source_start", "source_end"])
    assert len(frame) == len(theirs) == 396
    with open(need(stem + ".gbk")) as handle:
        gb = list(SeqIO.parse(handle, "genbank"))
    gb_features = [feature for r in gb for feature in r.features]
    assert len(gb_features) == len(theirs)
    cds = {}
    for i, (record, feature) in enumerate(theirs):
        if feature["type"] == "CDS":
            cds.setdefault(feature["qualifiers"]["locus_tag"][0], i)
    for i, (row, (record, feature), bio) in enumerate(zip(frame.itertuples(), theirs, gb_features)):
        assert row.seqid == record["id"]
        assert row.type == feature["type"] == bio.type
        assert row.location == feature["location"]
        ours = {}
        for k, v in zip(row.attr_keys, row.attr_values):
            ours.setdefault(k, []).append(v)
        assert ours == feature["qualifiers"]
        assert (row.start, row.end) == (int(bio.location.start) + 1, int(bio.location.end)), row.location
        strand = {1: "+", -1: "-"}.get(feature_strand(feature["location"]))
        assert (row.strand if isinstance(row.strand, str) else None) == strand, row.location
        # The object's bytes in the document.
        assert json.loads(text[row.source_start:row.source_end]) == feature
        tag = feature["qualifiers"].get("locus_tag", [None])[0]
        expected = [cds[tag]] if feature["type"] != "CDS" and tag in cds else []
        assert list(row.parents) == expected
    seqs = f[t.sequences]
    assert seqs.names == [r["id"] for r in doc["records"]]
    assert seqs.fetch(doc["records"][0]["id"]) == doc["records"][0]["seq"]["data"] == str(gb[0].seq)
    out = tmp_path / "back.json"
    t.write(out)
    assert out.read_bytes() == text
    rows = t.search_rows("locus_tag=BBK82_RS47140")
    expected = [i for i, (_, feature) in enumerate(theirs) if feature["qualifiers"].get("locus_tag") == ["BBK82_RS47140"]]
    assert list(rows) == expected and len(expected) > 1


def feature_strand(location):
    """The strand of a Biopython location string: +1 or -1 when every
    part says so, else None."""
    import re

    strands = re.findall(r"\](\([+?-]\))?", location)
    if strands and all(s == "(+)" for s in strands):
        return 1
    if strands and all(s == "(-)" for s in strands):
        return -1
    return None

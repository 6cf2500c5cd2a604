"""Partitions, Parquet export and scale-out (issue 17): variants and
sequences exported to Parquet (one file, or a directory partitioned by
contig and chunk) equal what cyvcf2 and pyfaidx read from the sources;
the Arrow C stream of a variants dataset has the Parquet export's types;
``gcol.dataset`` feeds DuckDB and Dask, with projection and contig
pruning; the example answers its questions."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

import gcol
from conftest import need, need_module

ROOT = pathlib.Path(__file__).resolve().parents[2]
COHORTS = ["vcf/1000g_chr20_nygc30x_phased_300s.bcf", "vcf/1000g_chr20_nygc30x_mixedphase_203s.bcf"]


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    out = []
    directory = tmp_path_factory.mktemp("cohorts")
    for relative in COHORTS:
        source = need(relative)
        target = directory / (source.name.split(".")[0] + ".gcol")
        gcol.convert([source], target, names=["calls"])
        out.append((source, target))
    return out


def test_variants_parquet_equals_cyvcf2(cohorts, tmp_path):
    cyvcf2 = need_module("cyvcf2")
    pq = need_module("pyarrow.parquet")
    source, path = cohorts[0]
    f = gcol.open(path)
    summary = f.export_parquet("calls", tmp_path / "calls.parquet")
    directory = f.export_parquet("calls", tmp_path / "calls")
    assert summary["rows"] == directory["rows"] == len(f["calls"])
    single = pq.read_table(tmp_path / "calls.parquet")
    parted = pq.read_table(tmp_path / "calls")  # hive: contig=20/part-*.parquet
    assert parted.column("contig").unique().to_pylist() == ["20"] or parted.column("contig").unique().to_pylist() == [20]
    assert parted.drop_columns(["contig"]).equals(single.select(parted.drop_columns(["contig"]).column_names))
    reader = cyvcf2.VCF(str(source))
    samples = reader.samples
    assert single.schema.metadata[b"gcol:samples"].decode().count('"') == 2 * len(samples)
    pos, ref, alt, ac, an, gts = [], [], [], [], [], []
    for v in reader:
        pos.append(v.POS)
        ref.append(v.REF)
        alt.append(v.ALT)
        ac.append(v.INFO.get("AC"))
        an.append(v.INFO.get("AN"))
        gts.append([g[:2] for g in v.genotypes])
    assert single.column("POS").to_pylist() == pos
    assert single.column("REF").to_pylist() == ref
    assert single.column("ALT").to_pylist() == alt
    got_gt = np.array(single.column("GT").to_pylist(), dtype=np.int16)
    assert got_gt.shape == (len(pos), len(samples), 2)
    np.testing.assert_array_equal(got_gt, np.array(gts, dtype=np.int16))
    # AC/AN derived from the genotypes agree with the calls.
    called = (got_gt >= 0).sum(axis=(1, 2))
    np.testing.assert_array_equal(single.column("INFO/AN").to_numpy(), called)
    alt_count = (got_gt == 1).sum(axis=(1, 2))
    np.testing.assert_array_equal(single.column("INFO/AC").to_numpy(), alt_count)
    # Partitions are cut by contig and by SITE_ROWS sites.
    parts = f.partitions("calls")
    assert [p["rows"] for p in parts][0][0] == 0 and parts[-1]["rows"][1] == len(pos)
    assert {p["contig"] for p in parts} == {"20"}


def test_arrow_stream_has_the_parquet_types(tmp_path):
    pa = need_module("pyarrow")
    pq = need_module("pyarrow.parquet")
    f = gcol.open(ROOT / "spec" / "conformance" / "variants.gcol")
    v = f["calls"]
    stream = pa.table(v)
    sites = v.arrow_sites()
    f.export_parquet("calls", tmp_path / "c.parquet", genotypes=False)
    exported = pq.read_table(tmp_path / "c.parquet")
    assert stream.schema.remove_metadata() == sites.schema.remove_metadata()
    assert exported.schema.remove_metadata() == stream.schema.remove_metadata()
    assert exported.equals(stream.replace_schema_metadata(exported.schema.metadata))
    # The rows equal the pandas sites.
    frame = v.sites()
    assert stream.column("POS").to_pylist() == frame["POS"].tolist()
    assert stream.column("ALT").to_pylist() == [list(a) for a in frame["ALT"]]
    region = v.arrow_sites("20:1-20000")
    assert region.num_rows == len(v.sites("20:1-20000"))


def test_sequences_parquet_equals_pyfaidx(converted, tmp_path):
    pyfaidx = need_module("pyfaidx")
    pq = need_module("pyarrow.parquet")
    path, fasta = converted("fasta/scerevisiae_S288C_R64_16chr.fa.gz")
    f = gcol.open(path)
    f.export_parquet("x", tmp_path / "genome")
    t = pq.read_table(tmp_path / "genome").sort_by([("name", "ascending"), ("start", "ascending")])
    peer = pyfaidx.Fasta(str(fasta), sequence_always_upper=False)
    joined: dict[str, list[str]] = {}
    for name, start, end, seq in zip(*(t.column(c).to_pylist() for c in ("name", "start", "end", "sequence"))):
        assert end - start == len(seq)
        joined.setdefault(name, []).append(seq)
    assert set(joined) == set(peer.keys())
    for name, pieces in joined.items():
        assert "".join(pieces) == str(peer[name][:])
    assert max(len(s) for s in t.column("sequence").to_pylist()) <= 4 << 20
    # Records of at most 4 Mb are never cut: one row each.
    assert t.column("start").to_pylist() == [0] * t.num_rows
    assert sorted(t.column("name").to_pylist()) == sorted(peer.keys())
    parts = f.partitions("x")
    assert all("records" in p for p in parts)
    assert parts[0]["records"][0] == 0 and parts[-1]["records"][1] == len(peer.keys())


def test_reads_partitions_carry_qualities(converted):
    pysam = need_module("pysam")
    path, fastq = converted("fastq/ont_pcs109_5k_cdna.fastq.gz")
    parts = gcol.dataset(path, columns=["name", "sequence", "quality"])
    t = parts.to_arrow()
    with pysam.FastxFile(str(fastq)) as reads:
        expected = [(r.name, r.sequence, r.quality) for r in reads]
    got = list(zip(*(t.column(c).to_pylist() for c in ("name", "sequence", "quality"))))
    assert got == expected


def test_dataset_feeds_duckdb_and_dask_with_projection_and_pruning(cohorts):
    duckdb = need_module("duckdb")
    dd = need_module("dask.dataframe")
    paths = [str(p) for _, p in cohorts]
    parts = gcol.dataset(paths, columns=["CHROM", "POS", "INFO/AC", "INFO/AN"])
    assert len(parts) >= 2 and all(isinstance(p, gcol.Partition) for p in parts)
    whole = parts.to_pandas()
    assert list(whole.columns) == ["CHROM", "POS", "INFO/AC", "INFO/AN"]
    assert len(whole) == sum(len(gcol.open(p)["calls"]) for p in paths)
    # DuckDB reads the partitions through the Arrow C stream.
    result = duckdb.sql('SELECT count(*) AS n, sum("INFO/AC") AS ac FROM parts').fetchall()
    assert result == [(len(whole), int(whole["INFO/AC"].sum()))]
    # Dask: one partition per gcol partition, each read by its worker.
    frame = parts.to_dask()
    assert isinstance(frame, dd.DataFrame) and frame.npartitions == len(parts)
    computed = frame.compute().reset_index(drop=True)
    for column in whole.columns:  # Dask may pick its own string dtype
        assert computed[column].tolist() == whole[column].tolist(), column
    # The same through a pyarrow dataset: a filter on another contig reads
    # no partition.
    pds = parts.to_pyarrow_dataset()
    assert duckdb.sql("SELECT count(*) FROM pds WHERE \"CHROM\" = 'X'").fetchall() == [(0,)]
    assert pds.filesystem.handler.opened == []
    got = duckdb.sql('SELECT count(*), sum("INFO/AC") FROM pds WHERE "CHROM" = \'20\'').fetchall()
    assert got == [(len(whole), int(whole["INFO/AC"].sum()))]
    # Contig pruning: no partition of another contig is listed.
    assert gcol.dataset(paths, contigs=["X"]) == []
    assert len(gcol.dataset(paths, contigs=["20"])) == len(parts)
    # Pickled partitions read the same in another process.
    import pickle

    again = pickle.loads(pickle.dumps(parts[0]))
    assert again.to_arrow().equals(parts[0].to_arrow())


def test_the_scale_out_example_runs(tmp_path):
    need(COHORTS[0])
    need_module("duckdb")
    need_module("dask.dataframe")
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "scale_out.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    assert "allele_frequency" in out and "cohort_phased_300s" in out and "cohort_mixed_203s" in out
    assert "gc_fraction" in out and "BK006935.2" in out


def test_duckdb_pushes_contig_filters_into_the_pyarrow_dataset(tmp_path):
    """Partitions as a pyarrow dataset: DuckDB's filter on the contig reaches
    the scan, which reads only that contig's partitions; rows equal pysam's."""
    duckdb = need_module("duckdb")
    pysam = need_module("pysam")
    bam = need("bam/ont_pcs109_5k_cdna.bam")
    out = tmp_path / "ont.gcol"
    gcol.convert([bam], out)
    parts = gcol.dataset(out)
    contigs = {p.contig for p in parts}
    assert len(contigs) > 10 and "*" in contigs
    ds = parts.to_pyarrow_dataset()
    files = ds.filesystem.handler
    with pysam.AlignmentFile(str(bam)) as f:
        records = [(r.reference_name, r.query_name, r.reference_start, r.flag) for r in f.fetch(until_eof=True)]
    for contig in ["SIRV102", "SIRV501"]:
        files.opened.clear()
        got = duckdb.sql(
            f"SELECT query_name, reference_start, flag FROM ds WHERE reference_name = '{contig}'"
        ).fetchall()
        assert sorted(got) == sorted(r[1:] for r in records if r[0] == contig)
        assert sorted(set(files.opened)) == [i for i, p in enumerate(parts) if p.contig == contig]
    # Unplaced records: no reference name, the `*` partition only.
    files.opened.clear()
    got = duckdb.sql("SELECT count(*) FROM ds WHERE reference_name IS NULL").fetchall()
    assert got == [(sum(1 for r in records if r[0] is None),)]
    assert sorted(set(files.opened)) == [i for i, p in enumerate(parts) if p.contig == "*"]
    # Without a filter every partition is read; projection after the read.
    whole = duckdb.sql("SELECT count(*), sum(flag) FROM ds").fetchall()
    assert whole == [(len(records), sum(r[3] for r in records))]
    assert sorted(set(files.opened)) == list(range(len(parts)))

"""Alignments from Python against pysam (htslib): every field of every
record, region fetches with filters, pandas columns, depth, and BAM/SAM
written by gcol read back by pysam."""

import subprocess

import numpy as np
import pytest

import gcol

from conftest import need, need_module

FILES = [
    "bam/1000g_HG02002_illumina_subset.bam",
    "bam/CHM1_illumina_vcfanno_ex.bam",
    "bam/ont_pcs109_5k_cdna_spliced.bam",
    "bam/htslib_test/auxf_values.sam",
    "bam/htslib_test/base_mods_MM-multi.sam",
    "bam/htslib_test/c1_noseq.sam",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = {}

    def get(relative):
        if relative not in out:
            source = need(relative)
            target = tmp_path_factory.mktemp("alignments") / "a.gcol"
            gcol.convert([source], target, names=["a"])
            out[relative] = (source, gcol.open(target)["a"])
        return out[relative]

    return get


def tag_values(tags):
    """Tags as comparable Python values (arrays as lists)."""
    return [(k, list(v) if not isinstance(v, (int, float, str)) else v) for k, v in tags]


def same_record(ours, theirs):
    assert ours.query_name == theirs.query_name
    assert ours.flag == theirs.flag
    assert ours.reference_id == theirs.reference_id
    assert ours.reference_name == theirs.reference_name
    assert ours.reference_start == theirs.reference_start
    if not theirs.is_unmapped and theirs.cigartuples:
        assert ours.reference_end == theirs.reference_end
    assert ours.mapping_quality == theirs.mapping_quality
    assert ours.cigarstring == theirs.cigarstring
    assert ours.cigartuples == theirs.cigartuples
    assert ours.next_reference_id == theirs.next_reference_id
    assert ours.next_reference_start == theirs.next_reference_start
    assert ours.template_length == theirs.template_length
    assert ours.query_sequence == theirs.query_sequence
    if theirs.query_qualities is None:
        assert ours.query_qualities is None
    else:
        assert list(ours.query_qualities) == list(theirs.query_qualities)
    ours_tags = tag_values(ours.get_tags())
    theirs_tags = tag_values(theirs.get_tags())
    assert [k for k, _ in ours_tags] == [k for k, _ in theirs_tags]
    for (k, a), (_, b) in zip(ours_tags, theirs_tags):
        if isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-6), k
        elif isinstance(b, list) and b and isinstance(b[0], float):
            assert a == pytest.approx(b, rel=1e-6), k
        else:
            assert a == b, k
    assert ours.to_string() == theirs.to_string()


@pytest.mark.parametrize("relative", FILES)
def test_every_record_equals_pysam(converted, relative):
    pysam = need_module("pysam")
    source, alignments = converted(relative)
    with pysam.AlignmentFile(str(source), check_sq=False) as f:
        theirs = list(f.fetch(until_eof=True))
        header = str(f.header)
    ours = alignments.fetch()
    assert len(ours) == len(theirs) == len(alignments)
    for a, b in zip(ours, theirs):
        same_record(a, b)
    assert [n for n, _ in alignments.references] == list(pysam.AlignmentFile(str(source), check_sq=False).references)
    assert header.splitlines()[0] == alignments.header.splitlines()[0]


def test_regions_and_filters_equal_pysam(converted):
    pysam = need_module("pysam")
    source, alignments = converted("bam/ont_pcs109_5k_cdna_spliced.bam")
    with pysam.AlignmentFile(str(source)) as f:
        for ref, start, end in [("SIRV1", 1000, 2000), ("SIRV3", 5000, 5001), ("SIRV5", 0, 20000)]:
            theirs = [r.query_name for r in f.fetch(ref, start, end)]
            assert [r.query_name for r in alignments.fetch((ref, start, end))] == theirs
            region = f"{ref}:{start + 1}-{end}"
            assert [r.query_name for r in alignments.fetch(region)] == theirs
            kept = [r.query_name for r in f.fetch(ref, start, end) if not r.flag & 0x904 and r.mapping_quality >= 10]
            assert [r.query_name for r in alignments.fetch(region, exclude_flags=0x904, min_mapq=10)] == kept
            reverse = [r.query_name for r in f.fetch(ref, start, end) if r.is_reverse]
            assert [r.query_name for r in alignments.fetch(region, flags=16)] == reverse
    with pytest.raises(gcol.RegionError, match="no reference"):
        alignments.fetch("chrNope:1-10")


def test_pandas_columns_equal_pysam(converted):
    pysam = need_module("pysam")
    pd = need_module("pandas")
    source, alignments = converted("bam/1000g_HG02002_illumina_subset.bam")
    region = "6:32771448-32781448"
    with pysam.AlignmentFile(str(source)) as f:
        reads = list(f.fetch(region=region))
    expected = pd.DataFrame(
        {
            "query_name": [r.query_name for r in reads],
            "flag": np.array([r.flag for r in reads], dtype=np.uint16),
            "reference_start": np.array([r.reference_start for r in reads], dtype=np.int32),
            "cigarstring": [r.cigarstring or "*" for r in reads],
            "query_sequence": [r.query_sequence for r in reads],
        }
    )
    frame = alignments.to_pandas(region=region, columns=list(expected.columns))
    pd.testing.assert_frame_equal(frame, expected)
    # Projection: positions and flags only.
    small = alignments.to_pandas(columns=["flag", "reference_start"])
    assert list(small.columns) == ["flag", "reference_start"] and len(small) == len(alignments)
    pa = need_module("pyarrow")
    table = pa.table(alignments)
    assert table.num_rows == len(alignments)
    assert table.column("query_name").to_pylist()[:3] == [r.query_name for r in alignments.fetch()[:3]]
    with pytest.raises(KeyError, match="no column"):
        alignments.to_pandas(columns=["nope"])


def test_depth_equals_samtools(converted):
    need("bam/ont_pcs109_5k_cdna_spliced.bam")
    source, alignments = converted("bam/ont_pcs109_5k_cdna_spliced.bam")
    out = subprocess.run(
        ["samtools", "depth", "-a", "-r", "SIRV1:1-3000", str(source)], capture_output=True, text=True, check=True
    ).stdout
    expected = np.array([int(line.split("\t")[2]) for line in out.splitlines()], dtype=np.uint32)
    assert np.array_equal(alignments.depth("SIRV1:1-3000"), expected)
    assert np.array_equal(alignments.depth(("SIRV1", 0, 3000)), expected)


def test_written_bam_and_sam_read_back_by_pysam(converted, tmp_path):
    pysam = need_module("pysam")
    source, alignments = converted("bam/CHM1_illumina_vcfanno_ex.bam")
    with pysam.AlignmentFile(str(source)) as f:
        theirs = [r.to_string() for r in f.fetch(until_eof=True)]
    for name in ["out.bam", "out.sam"]:
        alignments.write(tmp_path / name)
        with pysam.AlignmentFile(str(tmp_path / name)) as f:
            assert [r.to_string() for r in f.fetch(until_eof=True)] == theirs
    alignments.write(tmp_path / "region.sam", region="1:10000-20000")
    with pysam.AlignmentFile(str(tmp_path / "region.sam")) as f:
        got = [r.query_name for r in f.fetch(until_eof=True)]
    with pysam.AlignmentFile(str(source)) as f:
        assert got == [r.query_name for r in f.fetch("1", 9999, 20000)]


@pytest.mark.parametrize("relative, ref, start, end", [
    ("bam/1000g_HG02002_illumina_subset.bam", "6", 32771447, 32772447),
    ("bam/ont_pcs109_5k_cdna_spliced.bam", "SIRV1", 0, 3000),  # N skips are not deletions
])
def test_pileup_counts_equal_pysam(converted, relative, ref, start, end):
    pysam = need_module("pysam")
    source, alignments = converted(relative)
    counts = alignments.pileup((ref, start, end))
    assert counts.shape == (end - start, 5)
    with pysam.AlignmentFile(str(source)) as f:
        keep = lambda r: not r.flag & 0x704  # noqa: E731 (samtools depth's default filter)
        acgt = f.count_coverage(ref, start, end, quality_threshold=0, read_callback=keep)
        assert np.array_equal(counts[:, :4].T, np.array(acgt, dtype=np.uint32))
        dels = np.zeros(end - start, dtype=np.uint32)
        for column in f.pileup(ref, start, end, truncate=True, stepper="nofilter", ignore_overlaps=False,
                               min_base_quality=0, max_depth=1_000_000):
            dels[column.reference_pos - start] = sum(
                1 for p in column.pileups if p.is_del and not p.is_refskip and keep(p.alignment))
        assert np.array_equal(counts[:, 4], dels)
    assert counts[:, 4].sum() > 0


@pytest.mark.parametrize("inside", [False, True])
def test_bases_against_a_reference_equal_pysam(tmp_path, inside):
    """Bases coded against a reference (spec 15.10): outside the file (given
    again to gcol.open, as pysam's reference_filename) or inside it (the
    FASTA converted with the reads)."""
    pysam = need_module("pysam")
    sam = need("bam/htslib_test/ce_1000.sam")
    fasta = need("bam/htslib_test/ce.fa")
    out = tmp_path / "ce.gcol"
    if inside:
        gcol.convert([fasta, sam], out, names=["ref", "a"], reference=fasta)
    else:
        with pytest.warns(UserWarning, match="outside this file"):
            gcol.convert([sam], out, names=["a"], reference=fasta)
    if inside:
        f = gcol.open(out)
        assert f["a"].reference["dataset"] == "ref"
    else:
        bare = gcol.open(out)["a"]
        assert bare.reference["needed"] and bare.reference["dataset"] is None
        assert bare.reference["source"] == "ce.fa"
        with pytest.raises(ValueError, match="reference=") as e:
            bare.fetch()
        assert "ce.fa" in str(e.value)
        # Positions and flags read without it.
        assert len(bare.to_pandas(columns=["flag", "reference_start"])) == 1000
        f = gcol.open(out, reference=fasta)
    alignments = f["a"]
    assert not alignments.reference["needed"]
    names = [c[0] for c in alignments.reference["contigs"]]
    assert "CHROMOSOME_I" in names
    with pysam.AlignmentFile(str(sam)) as theirs:
        records = list(theirs.fetch(until_eof=True))
    ours = alignments.fetch()
    assert len(ours) == len(records) == 1000
    for a, b in zip(ours, records):
        same_record(a, b)
    assert f.verify(deep=True)["unchecked"] == []


@pytest.mark.parametrize("relative", ["bam/1000g_HG02002_illumina_subset.bam", "bam/htslib_test/c1_noseq.sam"])
def test_arrow_and_partitions_equal_pysam(relative, tmp_path):
    """Every record as Arrow (``to_arrow``, ``pa.table``, ``gcol.dataset``
    partitions: the rows of a Parquet export) equals pysam's fields."""
    pysam = need_module("pysam")
    pa = need_module("pyarrow")
    source = need(relative)
    path = tmp_path / "a.gcol"
    gcol.convert([source], path, names=["a"])
    with pysam.AlignmentFile(str(source), check_sq=False) as f:
        reads = list(f.fetch(until_eof=True))
    expected = {
        "query_name": [r.query_name for r in reads],
        "flag": [r.flag for r in reads],
        "reference_name": [r.reference_name for r in reads],
        "reference_start": [r.reference_start for r in reads],
        "reference_end": [r.reference_end for r in reads],
        "mapping_quality": [r.mapping_quality for r in reads],
        "cigarstring": [r.cigarstring or "*" for r in reads],
        "next_reference_name": [r.next_reference_name for r in reads],
        "next_reference_start": [r.next_reference_start for r in reads],
        "template_length": [r.template_length for r in reads],
        "query_sequence": [r.query_sequence for r in reads],
        "query_qualities": [
            None if r.query_qualities is None else pysam.qualities_to_qualitystring(r.query_qualities) for r in reads
        ],
        "tags": ["\t".join(r.to_string().split("\t")[11:]) for r in reads],
    }
    alignments = gcol.open(path)["a"]
    table = alignments.to_arrow()
    assert table.schema.field("flag").type == pa.uint16()
    assert table.schema.field("reference_end").type == pa.int64()
    assert table.to_pydict() == expected
    assert pa.table(alignments).equals(table)
    parts = gcol.dataset(path)
    joined = pa.concat_tables([pa.table(p) for p in parts])
    assert joined.to_pydict() == expected
    # A region of two overlapping parts keeps the selection's order.
    if relative.endswith(".bam"):
        region = ["6:32771448-32772448", "6:32771948-32772948"]
        names = [r.query_name for r in alignments.fetch(region)]
        assert alignments.to_arrow(region=region, columns=["query_name"]).column(0).to_pylist() == names

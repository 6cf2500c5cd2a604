"""Sequences from Python against independent peers: pyfaidx, pysam and
Biopython on ../shared/data, plain Python counts, and Python slicing rules."""

import collections
import gc
import random

import numpy as np
import pytest

import gcol
from conftest import need_module

GENOMES = [
    "fasta/lambda_virus.fa",
    "fasta/scerevisiae_S288C_R64_16chr.fa.gz",
    "fasta/athaliana_TAIR10_chr1.fa.gz",
    "fasta/mirbase_hairpin_rna.fa.gz",
]


def random_regions(names, lengths, count, seed):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        i = rng.randrange(len(names))
        n = int(lengths[i])
        if n == 0:
            continue
        size = rng.randint(1, min(n, 5000))
        start = rng.randrange(0, n - size + 1)
        out.append((names[i], start, start + size))
    return out


@pytest.mark.parametrize("relative", GENOMES)
def test_fetch_equals_pyfaidx_and_pysam(converted, relative):
    pyfaidx = need_module("pyfaidx")
    pysam = need_module("pysam")
    path, plain = converted(relative)
    seqs = gcol.open(path)["x"]
    names, lengths = seqs.names, seqs.lengths
    faidx = pyfaidx.Fasta(str(plain), as_raw=True, sequence_always_upper=False, rebuild=True)
    fasta = pysam.FastaFile(str(plain))
    regions = random_regions(names, lengths, 3000, seed=len(names))
    batch = seqs.fetch_batch(regions)
    for (name, start, end), got in zip(regions, batch):
        assert seqs.fetch(name, start, end) == got
        assert got == faidx[name][start:end], (name, start, end)
        assert got == fasta.fetch(name, start, end), (name, start, end)
    assert list(map(int, lengths)) == [len(faidx[n]) for n in names]


def test_record_slicing_follows_python_rules(converted):
    path, plain = converted("fasta/lambda_virus.fa")
    seqs = gcol.open(path)["x"]
    record = seqs[0]
    whole = str(record)
    assert len(record) == len(whole) == 48502
    rng = random.Random(7)
    for _ in range(500):
        a, b = rng.randint(-60000, 60000), rng.randint(-60000, 60000)
        step = rng.choice([None, 1, 2, 3, -1, -2])
        assert record[a:b:step] == whole[a:b:step]
        i = rng.randint(-48502, 48501)
        assert record[i] == whole[i]
    assert seqs["gi|9626243|ref|NC_001416.1|"][-10:] == whole[-10:]
    with pytest.raises(IndexError):
        record[48502]
    with pytest.raises(KeyError):
        seqs["no-such-record"]
    with pytest.raises(gcol.RegionError):
        seqs.fetch(0, 10, 5)
    assert seqs.fetch(0, -10) == whole[-10:]
    assert seqs.fetch(0, 100, 200, reverse_complement=True) == gcol.reverse_complement(whole[100:200])


@pytest.mark.parametrize(
    "relative,fmt",
    [
        ("fasta/lambda_virus.fa", "fasta"),
        ("fasta/scerevisiae_S288C_R64_16chr.fa.gz", "fasta"),
        ("fasta/mirbase_hairpin_rna.fa.gz", "fasta"),
        ("fasta/uniprot_500_mmseqs2_QUERY.fasta.gz", "fasta"),
        ("fastq/CHM1_illumina_42k.fastq.gz", "fastq"),
        ("fastq/ont_pcs109_5k_cdna.fastq.gz", "fastq"),
    ],
)
def test_seq_records_equal_biopython(converted, relative, fmt):
    SeqIO = need_module("Bio.SeqIO")
    path, plain = converted(relative)
    ours = list(gcol.seq_records(gcol.open(path)["x"]))
    with open(plain) as handle:
        theirs = list(SeqIO.parse(handle, fmt))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert (a.id, a.name, a.description, str(a.seq)) == (b.id, b.name, b.description, str(b.seq))
        if fmt == "fastq":
            assert a.letter_annotations["phred_quality"] == b.letter_annotations["phred_quality"]


@pytest.mark.parametrize("compression", ["fast", "default", "archive"])
@pytest.mark.parametrize("relative", ["fastq/CHM1_illumina_42k.fastq.gz", "fastq/ont_pcs109_5k_cdna.fastq.gz"])
def test_reads_at_every_compression_equal_biopython(converted, relative, compression):
    """Qualities, names and bases through the context-model encodings
    (quality-model, name-tokens, base-model) read back as Biopython parses
    the source, and the smaller levels are smaller."""
    SeqIO = need_module("Bio.SeqIO")
    path, plain = converted(relative, compression=compression)
    reads = gcol.open(path)["x"]
    with open(plain) as handle:
        theirs = list(SeqIO.parse(handle, "fastq"))
    assert len(reads) == len(theirs)
    rng = random.Random(7)
    for i in sorted(rng.sample(range(len(theirs)), 200)) + [0, len(theirs) - 1]:
        record = theirs[i]
        assert reads.names[i] == record.id
        assert str(reads[i]) == str(record.seq)
        assert list(reads.qualities(i)) == record.letter_annotations["phred_quality"]
    if compression != "fast":
        fast, _ = converted(relative, compression="fast")
        assert path.stat().st_size < fast.stat().st_size


def test_kernels_equal_plain_python_counts(converted):
    path, plain = converted("fasta/scerevisiae_S288C_R64_16chr.fa.gz")
    seqs = gcol.open(path)["x"]
    for name in seqs.names[:4]:
        text = str(seqs[name])
        upper = text.upper()
        counts = seqs.counts(name)
        plain_counts = collections.Counter(upper)
        assert counts["A"] == plain_counts["A"] and counts["C"] == plain_counts["C"]
        assert counts["G"] == plain_counts["G"] and counts["T"] == plain_counts["T"] + plain_counts["U"]
        assert counts["N"] == plain_counts["N"]
        acgt = counts["A"] + counts["C"] + counts["G"] + counts["T"]
        assert seqs.gc(name) == pytest.approx((plain_counts["G"] + plain_counts["C"]) / acgt)
        for motif in ["GAATTC", "TATA"]:
            rc = motif[::-1].translate(str.maketrans("ACGT", "TGCA"))
            forward = sum(1 for i in range(len(upper)) if upper.startswith(motif, i))
            reverse = sum(1 for i in range(len(upper)) if upper.startswith(rc, i)) if rc != motif else 0
            hits = seqs.find_motif(motif, name)
            assert sum(1 for h in hits if h[2] == "+") == forward
            assert sum(1 for h in hits if h[2] == "-") == reverse
    name = seqs.names[0]
    text = str(seqs[name])
    expected = collections.Counter(text[i:i + 6] for i in range(len(text) - 5) if set(text[i:i + 6]) <= set("ACGT"))
    # One record through `region`, equal to a plain count; numpy arrays sorted by code.
    codes, counts = seqs.kmer_counts(6, region=name)
    assert codes.dtype == np.uint64 and counts.dtype == np.uint32
    assert (np.diff(codes.astype(np.int64)) > 0).all()
    assert dict(zip(gcol.kmer_strings(codes, 6), counts.tolist())) == dict(expected)
    frequent = {k: v for k, v in expected.items() if v >= 3}
    codes, counts = seqs.kmer_counts(6, region=name, min_count=3)
    assert dict(zip(gcol.kmer_strings(codes, 6), counts.tolist())) == frequent
    whole_codes, whole_counts = seqs.kmer_counts(6)
    assert int(whole_counts.sum()) >= sum(expected.values())
    single = gcol.open(path)["x"]
    assert gcol.reverse_complement("ACGTRYKMn") == "nKMRYACGT"
    assert single.gc(name) is not None


def test_packed_pages_are_read_only_zero_copy_views(converted):
    path, _ = converted("fasta/lambda_virus.fa")
    f = gcol.open(path)
    seqs = f["x"]
    page = gcol.packed_page(seqs, 0)
    assert page.dtype == np.uint8 and not page.flags.writeable
    assert page.base is not None  # a view of the page buffer, not a copy
    first = "".join("ACGT"[(int(page[i // 4]) >> (6 - 2 * (i % 4))) & 3] for i in range(40))
    assert first == seqs.fetch(0, 0, 40)
    with pytest.raises(ValueError):
        page[0] = 1
    copy = page.copy()
    del f, seqs
    gc.collect()
    assert np.array_equal(page, copy)  # the view keeps the page (and the mapping) alive


def test_page_cache_is_shared_and_bounded(converted):
    path_a, _ = converted("fasta/scerevisiae_S288C_R64_16chr.fa.gz")
    path_b, _ = converted("fasta/lambda_virus.fa")
    cache = gcol.PageCache(1 << 20, policy="s3fifo")
    a, b = gcol.open(path_a, cache=cache)["x"], gcol.open(path_b, cache=cache)["x"]
    for name in a.names:
        a.fetch(name)
    b.fetch(0)
    stats = cache.stats()
    assert stats["misses"] > 0 and stats["bytes_resident"] <= 1 << 20
    assert stats["evictions"] > 0
    before = cache.stats()["hits"]
    b.fetch(0, 0, 100)
    assert cache.stats()["hits"] > before
    with pytest.raises(ValueError):
        gcol.PageCache(1, policy="nope")


def test_lengths_and_names_without_touching_residue_pages(converted):
    path, _ = converted("fasta/scerevisiae_S288C_R64_16chr.fa.gz")
    cache = gcol.PageCache(64 << 20)
    seqs = gcol.open(path, cache=cache)["x"]
    assert len(seqs.names) == 16 and int(seqs.lengths.sum()) == 12_071_326
    decoded = cache.stats()["bytes_decoded"]
    assert decoded < 200_000  # record columns only, no 64 KiB base pages


def test_fetch_batch_over_group_boundaries_with_reverse_complement(converted):
    # 20,000 regions: more than two of the binding's 8,192-region groups and
    # many of its 256-region buffers; every result equals a single fetch.
    path, _ = converted("fasta/lambda_virus.fa")
    seqs = gcol.open(path)["x"]
    rng = random.Random(11)
    regions = []
    for _ in range(20_000):
        start = rng.randrange(0, 48_000)
        regions.append((0, start, start + rng.randrange(0, 500)))
    for rc in (False, True):
        batch = seqs.fetch_batch(regions, reverse_complement=rc)
        assert len(batch) == len(regions)
        for (name, start, end), got in zip(regions, batch):
            assert got == seqs.fetch(name, start, end, reverse_complement=rc)


def test_samtools_region_strings(tmp_path):
    """1-based inclusive region strings at the edge, parsed as gcol fetch parses them."""
    fa = tmp_path / "r.fa"
    fa.write_text(">chr1 x\nACGTACGTAA\n>a:b\nGGGCCC\n")
    out = tmp_path / "r.gcol"
    gcol.convert(fa, out)
    seqs = gcol.open(out)["r"]
    assert seqs.region("chr1:2-4") == seqs.fetch("chr1", 1, 4) == "CGT"
    assert seqs.region("chr1:1,000-2,000") == ""
    assert seqs.region("chr1:9-20") == "AA"
    assert seqs.region("chr1") == "ACGTACGTAA"
    assert seqs.region("chr1:-3") == "ACG"
    assert seqs.region("a:b") == "GGGCCC"
    assert seqs.region("{a:b}:2-3") == "GG"
    assert seqs.region("chr1:2-4", reverse_complement=True) == "ACG"
    with pytest.raises(gcol.RegionError):
        seqs.region("chr1:5-3")
    with pytest.raises(gcol.NotFoundError):
        seqs.region("chr9:1-3")


def test_end_before_start_says_so(tmp_path):
    """Issue 11 defect 8: a reversed region names the problem, not the record length."""
    fa = tmp_path / "r.fa"
    fa.write_text(">chr1\nACGTACGTAA\n")
    out = tmp_path / "r.gcol"
    gcol.convert(fa, out)
    seqs = gcol.open(out)["r"]
    with pytest.raises(gcol.RegionError, match="the end is before the start"):
        seqs.fetch("chr1", 5, 3)
    with pytest.raises(gcol.RegionError, match="outside a record of length 10"):
        seqs.fetch("chr1", 5, 30)


def test_motif_patterns_like_the_cli(tmp_path):
    """Issue 11 defect 7: the same validation and messages as `gcol motif`."""
    fa = tmp_path / "m.fa"
    fa.write_text(">s\nGAATTCGATTCAAA\n")
    out = tmp_path / "m.gcol"
    gcol.convert(fa, out)
    seqs = gcol.open(out)["m"]
    assert seqs.find_motif("GANTTC", both_strands=False) == [("s", 0, "+")]
    with pytest.raises(ValueError, match="motif pattern \"GA-TC\": '-' is not a nucleotide or IUPAC code"):
        seqs.find_motif("GA-TC")
    with pytest.raises(ValueError, match="it is empty"):
        seqs.find_motif("")

"""Files, errors, conversion options, fork safety and the GIL."""

import multiprocessing
import os
import pathlib
import re
import threading
import time

import pytest

import gcol
from conftest import need

ROOT = pathlib.Path(__file__).resolve().parents[2]
CORRUPT = ROOT / "tests" / "data" / "corrupt"
SAMPLE = ROOT / "examples" / "data" / "sample.fa"


def test_open_manifest_provenance_verify(tmp_path):
    out = tmp_path / "s.gcol"
    seen = []
    names = gcol.convert(SAMPLE, out, progress=lambda done, total: seen.append((done, total)))
    assert names == ["sample"]
    assert seen and seen[-1][0] == seen[-1][1] == SAMPLE.stat().st_size
    with gcol.open(out) as f:
        assert f.datasets == ["sample"] and f.version == (1, 2)  # small-file layout (2.5), no name column (12.2)
        assert f.manifest["format"] == "gcol"
        assert f.provenance[0]["source"] == "sample.fa"
        assert len(f.provenance[0]["sha256"]) == 64
        assert f.verify()["pages"] > 0
        assert "sample" in f
        assert isinstance(f.column("sample", "length"), type(f["sample"].lengths))
        assert f.column("sample", "name")[0] == b"lambda_5k"


def corrupt_cases():
    import json

    return json.loads((CORRUPT / "expected.json").read_text())


def test_convert_reads_a_fifo_once(tmp_path):
    """A pipe cannot be read twice: the sniffed input is the one imported."""
    fifo = tmp_path / "in.fa"
    os.mkfifo(fifo)
    data = SAMPLE.read_bytes()
    feeder = threading.Thread(target=fifo.write_bytes, args=(data,))
    feeder.start()
    out = tmp_path / "fifo.gcol"
    assert gcol.convert(fifo, out, names=["piped"]) == ["piped"]
    feeder.join()
    back = tmp_path / "back.fa"
    with gcol.open(out) as f:
        f["piped"].to_fasta(str(back))
        assert f.provenance[0]["size_bytes"] == len(data)
    assert back.read_bytes() == data


def test_convert_threads_bound_the_pool_not_the_output(tmp_path):
    dumps = []
    for threads in (1, 2, None):
        out = tmp_path / f"t{threads}.gcol"
        gcol.convert(SAMPLE, out, threads=threads)
        with gcol.open(out) as f:
            dumps.append(f.dump())
    assert dumps[0] == dumps[1] == dumps[2]
    with pytest.raises(ValueError, match="threads"):
        gcol.convert(SAMPLE, tmp_path / "zero.gcol", threads=0)


@pytest.mark.parametrize("case", corrupt_cases(), ids=lambda c: c["file"])
def test_corrupt_files_raise_corrupt_file_error(case):
    expected = gcol.UnsupportedVersionError if case["error"] == "unsupported_version" else gcol.CorruptFileError
    with pytest.raises(expected):
        f = gcol.open(CORRUPT / case["file"])
        f.verify()


def test_error_classes(tmp_path):
    assert issubclass(gcol.CorruptFileError, gcol.GcolError)
    with pytest.raises(FileNotFoundError):
        gcol.open(tmp_path / "missing.gcol")
    bad = tmp_path / "bad.fa"
    bad.write_text(">a\nACGT\n>b\nAC9T\n")
    with pytest.raises(gcol.InputFormatError, match=r"bad\.fa: record 2, line 4, sequence"):
        gcol.convert(bad, tmp_path / "bad.gcol")
    assert not (tmp_path / "bad.gcol").exists()
    f = gcol.open(gcol.convert(SAMPLE, tmp_path / "ok.gcol") and tmp_path / "ok.gcol")
    with pytest.raises(gcol.NotFoundError):
        f.sequences("nope")
    with pytest.raises(gcol.NotFoundError):
        f["sample"].fetch("nope", 0, 1)


def test_paired_fastq_and_binning(tmp_path):
    r1, r2 = tmp_path / "s_R1.fq", tmp_path / "s_R2.fq"
    r1.write_text("@a/1\nACGTN\n+\nIIII#\n@b/1\nGGCC\n+\n!!!!\n")
    r2.write_text("@a/2\nTTGA\n+\nABCD\n@b/2\nCCAAT\n+\nEEEEE\n")
    assert gcol.convert([r1, r2], tmp_path / "p.gcol", paired=True) == ["s"]
    reads = gcol.open(tmp_path / "p.gcol")["s"]
    assert reads.kind == "reads" and list(reads.mates) == [1, 2, 1, 2]
    assert reads.qualities(0).tolist() == [40, 40, 40, 40, 2]
    gcol.write_fastq(reads, tmp_path / "back1.fq", mate=1)
    assert (tmp_path / "back1.fq").read_text() == r1.read_text()
    # A single file keeps its whole stem (read suffixes are stripped only for pairs, as in the CLI).
    assert gcol.convert(r1, tmp_path / "b.gcol", quality_binning="illumina8") == ["s_R1"]
    binned = gcol.open(tmp_path / "b.gcol")
    assert binned.manifest["datasets"][0]["metadata"]["quality_binning"] == "illumina8"
    assert binned["s_R1"].qualities(0).tolist() == [40, 40, 40, 40, 2]


def test_convert_plans_like_the_cli(tmp_path):
    """gcol.convert is the same import layer as `gcol convert`: same plans, same messages."""
    r1, r2 = tmp_path / "x_R1.fq", tmp_path / "x_R2.fq"
    r1.write_text("@a/1\nACGT\n+\nIIII\n")
    r2.write_text("@a/2\nTTGA\n+\nABCD\n")
    assert gcol.convert([r1, r2], tmp_path / "p.gcol", paired=True, names=["pair"]) == ["pair"]
    fa = tmp_path / "y.fa"
    fa.write_text(">y\nACGT\n")
    with pytest.raises(gcol.InputFormatError, match="y.fa: paired inputs must be FASTQ, this is FASTA"):
        gcol.convert([r1, fa], tmp_path / "q.gcol", paired=True)
    with pytest.raises(ValueError, match="2 dataset names for 1 datasets"):
        gcol.convert([r1, r2], tmp_path / "q.gcol", paired=True, names=["a", "b"])
    gbk = tmp_path / "a.gbk"
    gbk.write_text("LOCUS       NC_001416  48502 bp    DNA\n")
    with pytest.raises(gcol.InputFormatError, match=r"a.gbk: record 1, line 1, //: the file ends inside record \"NC_001416\""):
        gcol.convert(gbk, tmp_path / "q.gcol")
    assert not (tmp_path / "q.gcol").exists()
    # A VCF without its #CHROM line: the message names file, line and field.
    vcf = tmp_path / "v.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(gcol.InputFormatError, match=r"v.vcf: record 0, line 1, #CHROM line: the header has no #CHROM line"):
        gcol.convert(vcf, tmp_path / "q.gcol")
    assert not (tmp_path / "q.gcol").exists()


def _worker(args):
    path, name, start, end = args
    return gcol.open(path)["sample"].fetch(name, start, end)


def _batch_worker(path):
    seqs = gcol.open(path)["sample"]
    return seqs.fetch_batch([(n, 0, 50) for n in seqs.names])


def test_multiprocessing_with_four_workers(tmp_path):
    out = tmp_path / "s.gcol"
    gcol.convert(SAMPLE, out)
    seqs = gcol.open(out)["sample"]
    # Use the parallel pool in the parent first, so forked children inherit its state.
    expected_batch = seqs.fetch_batch([(n, 0, 50) for n in seqs.names])
    jobs = [(str(out), n, 0, min(200, int(l))) for n, l in zip(seqs.names, seqs.lengths)] * 4
    expected = [seqs.fetch(n, s, e) for _, n, s, e in jobs]
    for method in ["fork", "spawn"]:
        ctx = multiprocessing.get_context(method)
        with ctx.Pool(4) as pool:
            assert pool.map(_worker, jobs) == expected
            assert pool.map(_batch_worker, [str(out)] * 4) == [expected_batch] * 4


def test_gil_is_released_during_long_calls(tmp_path):
    out = tmp_path / "s.gcol"
    gcol.convert(SAMPLE, out)
    seqs = gcol.open(out)["sample"]
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.0005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        for _ in range(30):
            seqs.kmer_counts(12)
    finally:
        done.set()
        t.join()
    assert len(ticks) > 5


def test_ctrl_c_stops_convert_and_leaves_nothing(tmp_path):
    """Issue 11 defect 3: Ctrl-C during gcol.convert stops it, raises
    KeyboardInterrupt, and leaves neither the output nor a temporary."""
    import random
    import signal
    import subprocess
    import sys
    import time

    big = tmp_path / "big.fa"
    rng = random.Random(7)
    with open(big, "w") as f:
        for record in range(4):
            f.write(f">r{record}\n")
            for _ in range(200_000):
                f.write("".join(rng.choice("ACGT") for _ in range(60)) + "\n")
    out = tmp_path / "out.gcol"
    script = (
        "import signal, sys, gcol\n"
        # A child of a background job inherits SIGINT ignored, and Python
        # then installs no handler: install it, as an interactive shell has.
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "try:\n"
        f"    gcol.convert({str(big)!r}, {str(out)!r})\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(42)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 60
    while not list(tmp_path.glob(".out.gcol.*.tmp")) and child.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGINT)
    code = child.wait(timeout=60)
    if code == 0:
        pytest.skip("the conversion finished before the signal")
    assert code == 42
    assert not out.exists()
    assert list(tmp_path.glob("*.tmp")) == [] and list(tmp_path.glob(".*.tmp")) == []



@pytest.mark.parametrize("call", ["to_fasta", "kmer_counts"])
def test_ctrl_c_stops_export_and_kmer_counts(tmp_path, call):
    """Issue 11 defect 3: Ctrl-C during a long read-side call (an export, a
    k-mer count) stops it and raises KeyboardInterrupt; an export leaves
    neither its output nor a temporary."""
    import signal
    import subprocess
    import sys
    import time

    import numpy as np

    fa = tmp_path / "big.fa"
    rng = np.random.default_rng(11)
    with open(fa, "wb") as f:
        for record in range(2):
            f.write(f">r{record}\n".encode())
            bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 32_000_000)]
            lines = bases.reshape(-1, 80)
            f.write(b"\n".join(line.tobytes() for line in lines) + b"\n")
    src = tmp_path / "big.gcol"
    gcol.convert(str(fa), str(src))
    out = tmp_path / "x.fa"
    action = {
        "to_fasta": f"s.to_fasta({str(out)!r})",
        "kmer_counts": "s.kmer_counts(31)",
    }[call]
    script = (
        "import signal, sys, gcol\n"
        # A child of a background job inherits SIGINT ignored, and Python
        # then installs no handler: install it, as an interactive shell has.
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"s = gcol.open({str(src)!r}).sequences('big')\n"
        "print('start', flush=True)\n"
        "try:\n"
        f"    {action}\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(42)\n"
    )
    # On a loaded machine the call may end before this process gets to
    # send the signal: that try is run again (it says nothing of Ctrl-C).
    for _ in range(5):
        out.unlink(missing_ok=True)
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "start"
        deadline = time.time() + 0.3
        while time.time() < deadline and not list(tmp_path.glob(".x.fa.*.tmp")):
            time.sleep(0.002)
        finished_first = child.poll() is not None
        if not finished_first:
            child.send_signal(signal.SIGINT)
        code = child.wait(timeout=60)
        child.stdout.close()
        if finished_first:
            continue
        assert code == 42, "the call did not stop on Ctrl-C"
        assert not out.exists()
        assert list(tmp_path.glob(".*.tmp")) == []
        return
    pytest.skip("the call finished before the signal in 5 tries (a loaded machine)")

# ../shared/data/corrupt-crafted: damaged pages and directory blocks, and
# values edited with every checksum recomputed. Each reading call raises
# CorruptFileError naming the damage: never a crash, a hang, or wrong or
# empty results.
CRAFTED = [
    ("name_flip", "small", "seqA", "checksum mismatch in page 0"),
    ("dir_flip", "small", "seqA", "checksum mismatch in page directory block 0"),
    ("panic_first_row", "seqs", "r3", "18446744073709551615"),
    ("abort_alloc", "reads", "r3", "num_values = 9007199254740992"),
    ("panic_capacity", "seqs", "r3", "num_values = 9223372036854775808"),
    ("hang_stats", "seqs", "r3", "offset 600054 is not the sum"),
]


@pytest.mark.parametrize("name,dataset,record,needle", CRAFTED)
def test_crafted_corrupt_files_raise(name, dataset, record, needle, tmp_path):
    path = need(f"corrupt-crafted/{name}.gcol")
    with pytest.raises(gcol.CorruptFileError, match=re.escape(needle)):
        gcol.open(str(path)).verify()
    with pytest.raises(gcol.CorruptFileError, match=re.escape(needle)):
        gcol.open(str(path)).dump()

    def calls(f):
        s = f.sequences(dataset)
        if "checksum" in needle:  # the name page itself is damaged
            yield lambda: record in s
        yield lambda: s.fetch(record, 0, 5)
        yield lambda: s.region(f"{record}:1-5")
        yield lambda: s.fetch_batch([(record, 0, 5)])
        yield lambda: s.counts(record)
        yield lambda: s.find_motif("ACGT")
        yield lambda: s.kmer_counts(5, region=record)
        yield lambda: s.to_fasta(str(tmp_path / "x.fa"))

    f = gcol.open(str(path))
    try:
        f.sequences(dataset)
    except gcol.CorruptFileError as e:
        # Refused when the dataset is opened (its columns' counts are
        # checked against the directory first): nothing else to call.
        assert needle in str(e)
        return
    for call in calls(f):
        with pytest.raises(gcol.CorruptFileError):
            call()
    assert not (tmp_path / "x.fa").exists()


def test_sigkill_during_python_convert_leaves_old_or_new(tmp_path):
    """Issue 16: gcol.convert killed (SIGKILL) at random moments while it
    replaces a valid file leaves the old file or the new one, either
    verifying; the next write sweeps the temporaries the kills left."""
    import random
    import signal
    import subprocess
    import sys
    import time

    import numpy as np

    big = tmp_path / "big.fa"
    rng = np.random.default_rng(3)
    bases = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, 6_000_000)]
    big.write_bytes(b">new\n" + b"\n".join(line.tobytes() for line in bases.reshape(-1, 60)) + b"\n")
    small = tmp_path / "small.fa"
    small.write_text(">old\nACGTACGT\n")
    out = tmp_path / "out.gcol"
    gcol.convert(str(small), str(out))
    script = f"import gcol; print('go', flush=True); gcol.convert({str(big)!r}, {str(out)!r})"
    pick = random.Random(9)
    seen = {"small": 0, "big": 0}
    for _ in range(20):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "go"
        time.sleep(pick.uniform(0, 0.15))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
        with gcol.open(out) as f:
            f.verify()
            name = f.datasets[0]
        seen[name] += 1
        if name == "big":
            gcol.convert(str(small), str(out))
    assert sum(seen.values()) == 20
    gcol.convert(str(small), str(out))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_content_hash_matches_the_cli_and_ignores_compression(tmp_path):
    import hashlib
    import subprocess

    a, b = tmp_path / "a.gcol", tmp_path / "b.gcol"
    gcol.convert(SAMPLE, a)
    gcol.convert(SAMPLE, b, zstd_level=1, page_kib=1)
    with gcol.open(a) as fa, gcol.open(b) as fb:
        h = fa.content_hash("sample")
        assert len(h) == 64 and int(h, 16) >= 0
        assert fb.content_hash("sample") == h
        with pytest.raises(gcol.NotFoundError, match="no dataset"):
            fa.content_hash("nothing")
    gcol_bin = os.environ.get("GCOL_BIN")
    if gcol_bin:
        shown = subprocess.run([gcol_bin, "inspect", "--hash", str(a)], capture_output=True, text=True, check=True)
        assert f"content: sha256 {h}" in shown.stdout
    # A different file (other bases) hashes differently.
    other = tmp_path / "other.fa"
    other.write_text(SAMPLE.read_text().replace("ACGT", "TGCA", 1))
    c = tmp_path / "c.gcol"
    gcol.convert(other, c, names=["sample"])
    with gcol.open(c) as fc:
        assert fc.content_hash("sample") != h
    assert hashlib.sha256(b"").hexdigest() != h


def test_copy_is_a_verified_backup(tmp_path):
    src = tmp_path / "s.gcol"
    gcol.convert(SAMPLE, src)
    dst = tmp_path / "backup.gcol"
    done = gcol.copy(src, dst)
    assert done["destination"] == str(dst) and done["pages"] > 0
    assert dst.read_bytes() == src.read_bytes()
    damaged = tmp_path / "damaged.gcol"
    data = bytearray(src.read_bytes())
    data[200] ^= 0x40
    damaged.write_bytes(bytes(data))
    with pytest.raises(gcol.CorruptFileError, match="not copied"):
        gcol.copy(damaged, dst)
    assert dst.read_bytes() == src.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_subset_merge_and_edit_copy_datasets_unchanged(tmp_path):
    """gcol.subset / merge / edit (as the CLI's): datasets copied page by
    page keep their content (the GenBank export is still the source file
    byte for byte, sequences equal the source's), metadata edits land,
    provenance names the operation, and conflicts raise ValueError with
    nothing written."""
    gbk = need("annotation/biopython_genbank/NC_005816.gb")
    both = tmp_path / "both.gcol"
    gcol.convert([gbk], both, names=["ann"])
    sample = tmp_path / "sample.gcol"
    example = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "sample.fa"
    gcol.convert([str(example)], sample, names=["sample"])
    merged = tmp_path / "merged.gcol"
    summary = gcol.merge([both, sample], merged)
    assert summary["datasets"] == ["ann", "ann.sequences", "sample"]
    f = gcol.open(str(merged))
    out = tmp_path / "back.gb"
    f["ann"].write(out)
    with open(gbk, "rb") as handle:
        assert out.read_bytes() == handle.read()
    g = gcol.open(str(sample))
    assert f["sample"].names == g["sample"].names
    for name in g["sample"].names:
        assert f["sample"].fetch(name) == g["sample"].fetch(name)
    # The table comes with its sequences.
    part = tmp_path / "part.gcol"
    assert gcol.subset(merged, part, ["ann"])["datasets"] == ["ann", "ann.sequences"]
    # Edit in place: drop a dataset, set a key.
    gcol.edit(merged, merged, drop=["sample"], set={"owner": "lab1"})
    f = gcol.open(str(merged))
    assert sorted(f.datasets) == ["ann", "ann.sequences"]
    f.verify(deep=True)
    # Add a table: its values as pandas reads the CSV.
    import pandas
    csv = tmp_path / "depths.csv"
    csv.write_text("sample,depth\nA,30\nB,12\n")
    gcol.edit(merged, merged, add=[csv])
    f = gcol.open(str(merged))
    frame = f["depths"].to_pandas()
    expected = pandas.read_csv(csv)
    assert list(frame["sample"]) == list(expected["sample"])
    assert list(frame["depth"]) == list(expected["depth"])
    with pytest.raises(ValueError, match="needs \"ann.sequences\""):
        gcol.edit(merged, tmp_path / "x.gcol", drop=["ann.sequences"])
    with pytest.raises(ValueError, match="has no dataset"):
        gcol.subset(merged, tmp_path / "x.gcol", ["nope"])
    assert not (tmp_path / "x.gcol").exists()


def test_a_format_1_0_table_says_how_to_read_it():
    """f[NAME] of a 1.0 table names what reads it (it used to say "not
    sequences"); what it names gives the columns."""
    path = ROOT / "spec" / "conformance" / "tables.gcol"
    f = gcol.open(path)
    with pytest.raises(gcol.GcolError, match="format 1.0 table"):
        f["features"]
    table = gcol.dataset([path], name="features").to_arrow()
    assert table.num_rows == 2000
    assert len(f.column("features", table.column_names[0])) == 2000


VERSIONS = ROOT / "tests" / "data" / "versions"
CONFORMANCE_INPUTS = ROOT / "spec" / "conformance" / "inputs"


@pytest.mark.parametrize("name", ["1.5/alignments.gcol", "1.5/alignments_ref.gcol"])
def test_a_format_1_5_alignments_file_reads_and_upgrades_equal_to_pysam(tmp_path, name):
    """Differences stored as bases (format 1.5, spec 15.8): read as written,
    then gcol.upgrade codes them as substitutions; both equal what pysam
    reads from the SAM the file was converted from."""
    from conftest import need_module

    pysam = need_module("pysam")
    with pysam.AlignmentFile(str(CONFORMANCE_INPUTS / "alignments.sam"), check_sq=False) as f:
        expected = [(r.query_name, r.flag, r.reference_start, r.query_sequence) for r in f]
    out = tmp_path / "up.gcol"
    for path in (VERSIONS / name, out):
        if path == out:
            summary = gcol.upgrade(VERSIONS / name, out)
            assert summary["reencoded"] > 0 and summary["destination"] == str(out)
        with gcol.open(path) as f:
            aln = f["aln"]
            got = [(r.query_name, r.flag, r.reference_start, r.query_sequence) for r in aln.fetch()]
            assert got == expected
    with gcol.open(out) as f:
        assert f.version == (1, 6)


def test_a_format_1_0_sequences_file_upgrades_equal_to_its_fasta(tmp_path):
    from conftest import need_module

    SeqIO = need_module("Bio.SeqIO")
    with open(CONFORMANCE_INPUTS / "dna.fa") as handle:
        expected = [(r.id, str(r.seq)) for r in SeqIO.parse(handle, "fasta")]
    out = tmp_path / "up.gcol"
    gcol.upgrade(VERSIONS / "1.0" / "sequences_dna.gcol", out)
    with gcol.open(out) as f:
        assert f.version == (1, 2)
        dna = f["dna"]
        assert [(n, dna.fetch(n)) for n in dna.names] == expected
    # A damaged source: CorruptFileError, nothing written.
    bad = tmp_path / "bad.gcol"
    data = bytearray((VERSIONS / "1.0" / "sequences_dna.gcol").read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with pytest.raises(gcol.CorruptFileError):
        gcol.upgrade(bad, tmp_path / "never.gcol")
    assert not (tmp_path / "never.gcol").exists()

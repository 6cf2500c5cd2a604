"""The independent spec reader against the conformance vectors, the corrupt
corpus, and files the Rust writer makes from ../shared/data.

Run: python3 -m pytest tests/spec_reader (needs `zstandard`; the real-data
tests also need a built `gcol` binary, found at $GCOL_BIN or target/*/gcol).
"""

import json
import os
import pathlib
import struct
import subprocess

import pytest

import gcol_spec_reader as spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "spec" / "conformance"
CORRUPT = ROOT / "tests" / "data" / "corrupt"
SHARED = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))


def gcol_bin():
    for candidate in [os.environ.get("GCOL_BIN"), ROOT / "target" / "release" / "gcol", ROOT / "target" / "debug" / "gcol"]:
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    return None


def same_value(physical, ours, expected):
    if physical == "binary":
        return ours.hex() == expected
    if physical == "f32":
        return struct.pack("<f", ours) == struct.pack("<f", float(expected))
    if physical == "f64":
        return struct.pack("<d", ours) == struct.pack("<d", float(expected))
    return ours == expected


def assert_matches_dump(reader, dump):
    """Every column the Rust reader dumped equals what the spec reader decodes."""
    names = [d["name"] for d in reader.datasets]
    assert names == [d["name"] for d in dump["datasets"]]
    for ds in dump["datasets"]:
        for column in ds["columns"]:
            values = reader.column_values(ds["name"], column["name"])
            assert len(values) == len(column["values"]), (ds["name"], column["name"])
            for i, (a, b) in enumerate(zip(values, column["values"])):
                assert same_value(column["physical_type"], a, b), (ds["name"], column["name"], i, a, b)


def parse_fasta(path):
    records, name = [], None
    for line in pathlib.Path(path).read_bytes().decode("ascii").splitlines():
        if line.startswith(">"):
            records.append([line[1:], []])
        elif records:
            records[-1][1].append(line.strip())
    return [(header, "".join(parts)) for header, parts in records]


def parse_fastq(path):
    lines = pathlib.Path(path).read_text().splitlines()
    return [(lines[i][1:], lines[i + 1], lines[i + 3]) for i in range(0, len(lines), 4)]


CONFORMANCE_FILES = sorted(p.name for p in CONFORMANCE.glob("*.gcol"))


def test_every_encoding_is_covered():
    seen = set()
    for name in CONFORMANCE_FILES:
        reader = spec.GcolFile.open(CONFORMANCE / name)
        for _, column in reader.columns:
            seen.update(column["encodings"])
    assert seen == {0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104}


@pytest.mark.parametrize("name", CONFORMANCE_FILES)
def test_conformance_file_decodes_to_its_json(name):
    reader = spec.GcolFile.open(CONFORMANCE / name)
    assert reader.verify()
    expected = json.loads((CONFORMANCE / name).with_suffix(".json").read_text())
    assert_matches_dump(reader, expected)


def test_sequences_reconstruct_their_fasta_inputs():
    for name, dataset in [("sequences_dna.gcol", "dna"), ("sequences_plain.gcol", "dna")]:
        reader = spec.GcolFile.open(CONFORMANCE / name)
        texts = spec.records_text(reader, dataset)
        assert texts == [seq for _, seq in parse_fasta(CONFORMANCE / "inputs" / "dna.fa")]
    reader = spec.GcolFile.open(CONFORMANCE / "sequences_protein.gcol")
    assert spec.records_text(reader, "protein") == [s for _, s in parse_fasta(CONFORMANCE / "inputs" / "protein.fa")]
    definitions = [v.decode() for v in reader.column_values("protein", "definition")]
    assert definitions == [h for h, _ in parse_fasta(CONFORMANCE / "inputs" / "protein.fa")]


def test_reads_reconstruct_their_fastq_inputs():
    reader = spec.GcolFile.open(CONFORMANCE / "reads.gcol")
    r1 = parse_fastq(CONFORMANCE / "inputs" / "reads_R1.fq")
    r2 = parse_fastq(CONFORMANCE / "inputs" / "reads_R2.fq")
    interleaved = [r for pair in zip(r1, r2) for r in pair]
    assert spec.records_text(reader, "pair") == [seq for _, seq, _ in interleaved]
    quality = reader.column_values("pair", "quality")
    offsets = reader.column_values("pair", "offset")
    lengths = reader.column_values("pair", "length")
    for (_, _, qual), o, n in zip(interleaved, offsets, lengths):
        assert bytes(q + 33 for q in quality[o:o + n]).decode() == qual
    assert reader.column_values("pair", "mate") == [1, 2] * len(r1)
    binned = next(d for d in reader.datasets if d["name"] == "binned")
    table = [int(x) for x in binned["metadata"]["quality_binning_table"].split(",")]
    quality = reader.column_values("binned", "quality")
    offsets = reader.column_values("binned", "offset")
    for (_, _, qual), o in zip(r1, offsets):
        assert quality[o:o + len(qual)] == [table[ord(c) - 33] for c in qual]


EXPECTED_CORRUPT = json.loads((CORRUPT / "expected.json").read_text())


@pytest.mark.parametrize("case", EXPECTED_CORRUPT, ids=[c["file"] for c in EXPECTED_CORRUPT])
def test_corrupt_file_is_rejected_with_its_error(case):
    with pytest.raises(spec.GcolError) as raised:
        reader = spec.GcolFile.open(CORRUPT / case["file"])
        assert case["stage"] == "read", "opened a file that must fail at open"
        reader.verify()
    assert raised.value.kind == case["error"], str(raised.value)


REAL_INPUTS = [
    ("fasta/lambda_virus.fa", "fasta"),
    ("fasta/uniprot_500_mmseqs2_QUERY.fasta.gz", "fasta"),
    ("fasta/htslib_test/md.fa", "fasta"),
    ("fastq/ont_pcs109_5k_cdna.fastq.gz", "fastq"),
    # 4,000 lines of yeast chrI: one 2-bit page of 60 KB written as a zstd
    # frame of three blocks (spec 7.5), read here by a whole-frame decoder.
    ("fasta/scerevisiae_S288C_R64_16chr.fa.gz", "fasta-slice"),
]


@pytest.mark.parametrize("relative,kind", REAL_INPUTS)
def test_files_from_real_data_agree_with_the_rust_reader(relative, kind, tmp_path):
    source = SHARED / relative
    if not source.exists():
        pytest.skip(f"SKIPPED: {source} not found (set GCOL_TEST_DATA)")
    binary = gcol_bin()
    if binary is None:
        pytest.skip("SKIPPED: no gcol binary (cargo build -p gcol-tools, or set GCOL_BIN)")
    if kind == "fastq":
        # A 300-read slice keeps the pure-Python decoding quick.
        import gzip
        with gzip.open(source, "rt") as f:
            lines = [next(f) for _ in range(1200)]
        source = tmp_path / "reads.fq"
        source.write_text("".join(lines))
    if kind == "fasta-slice":
        import gzip
        with gzip.open(source, "rt") as f:
            lines = [next(f) for _ in range(4000)]
        source = tmp_path / "slice.fa"
        source.write_text("".join(lines))
        kind = "fasta"
    out = tmp_path / "x.gcol"
    subprocess.run([binary, "convert", "-q", str(source), "-o", str(out), "--name", "x"], check=True)
    reader = spec.GcolFile.open(out)
    assert reader.verify()
    dump = json.loads(subprocess.run([binary, "dump", str(out)], check=True, capture_output=True).stdout)
    assert_matches_dump(reader, dump)
    texts = spec.records_text(reader, "x")
    if kind == "fasta":
        import gzip
        raw = gzip.open(source).read() if str(source).endswith(".gz") else source.read_bytes()
        plain = tmp_path / "plain.fa"
        plain.write_bytes(raw)
        assert texts == [seq for _, seq in parse_fasta(plain)]
    else:
        assert texts == [seq for _, seq, _ in parse_fastq(source)]

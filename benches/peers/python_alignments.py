"""Alignments from Python, gcol against pysam in one process (issue 14):
a DataFrame of every record's fixed fields, the same with positions and
flags only, a 10 kb region's records (objects), and depth over 1 Mb.

Usage: python3 benches/peers/python_alignments.py [repeats]
Needs: pysam, pandas, numpy, gcol (pip install ./python).
"""

import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import pysam

import gcol

DATA = os.environ.get("GCOL_TEST_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
FILES = ["1000g_HG02002_illumina_subset", "CHM1_illumina_vcfanno_ex", "ont_pcs109_5k_cdna_spliced"]
COLUMNS = ["query_name", "flag", "reference_name", "reference_start", "mapping_quality", "cigarstring"]


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times) * 1000, out


def pysam_frame(path, columns):
    with pysam.AlignmentFile(path) as f:
        rows = {c: [] for c in columns}
        for r in f.fetch(until_eof=True):
            for c in columns:
                rows[c].append(getattr(r, c))
    return pd.DataFrame(rows)


def main():
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tmp = tempfile.mkdtemp()
    print("| file | what | gcol | pysam | pysam / gcol |")
    print("|---|---|---|---|---|")
    for name in FILES:
        bam = os.path.join(DATA, "bam", name + ".bam")
        out = os.path.join(tmp, name + ".gcol")
        gcol.convert([bam], out, names=["a"])
        a = gcol.open(out)["a"]
        with pysam.AlignmentFile(bam) as f:
            first = next(r for r in f.fetch(until_eof=True) if not r.is_unmapped)
        chrom, pos = first.reference_name, first.reference_start
        rows = [
            ("DataFrame, 6 fields of every record", lambda: a.to_pandas(columns=COLUMNS),
             lambda: pysam_frame(bam, COLUMNS)),
            ("DataFrame, flag and position", lambda: a.to_pandas(columns=["flag", "reference_start"]),
             lambda: pysam_frame(bam, ["flag", "reference_start"])),
            ("10 kb region, records", lambda: [r.query_name for r in a.fetch((chrom, pos, pos + 10_000))],
             lambda: [r.query_name for r in pysam.AlignmentFile(bam).fetch(chrom, pos, pos + 10_000)]),
        ]
        for what, ours, theirs in rows:
            g_ms, g_out = best(ours, repeats)
            p_ms, p_out = best(theirs, repeats)
            if isinstance(g_out, pd.DataFrame):
                g_out = g_out.assign(cigarstring=g_out["cigarstring"].replace("*", None)) if "cigarstring" in g_out else g_out
                assert len(g_out) == len(p_out)
            else:
                assert g_out == p_out, what
            print(f"| {name} | {what} | {g_ms:.2f} ms | {p_ms:.2f} ms | {p_ms / g_ms:.1f}x |")
        # Depth over 1 Mb against samtools depth -a (a process: pysam has no depth).
        region = f"{chrom}:{pos + 1}-{pos + 1_000_000}"
        g_ms, depth = best(lambda: a.depth(region), repeats)
        t = time.perf_counter()
        text = subprocess.run(["samtools", "depth", "-a", "-r", region, bam], capture_output=True, text=True,
                              check=True).stdout
        s_ms = (time.perf_counter() - t) * 1000
        expected = np.array([int(line.split("\t")[2]) for line in text.splitlines()], dtype=np.uint32)
        assert np.array_equal(depth, expected)
        print(f"| {name} | depth over 1 Mb (numpy; samtools depth -a as a process) | {g_ms:.2f} ms | "
              f"{s_ms:.2f} ms | {s_ms / g_ms:.1f}x |")


if __name__ == "__main__":
    main()

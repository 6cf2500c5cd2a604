"""Python-side sequence access, gcol against its peers in one run:
1 kb random fetch (pyfaidx, py2bit, pysam, pyfastx when installed), first
fetch after open, batch fetch of 100k regions (pysam loop), and whole-
chromosome GC (Biopython gc_fraction).

Usage: python3 benches/peers/python_sequences.py   (after pip install ./python
and ../shared/tools/install-peers.sh; uses target/bench-data/peers/ from
benches/peers/sequences.sh, or makes what it needs)
"""

import gzip
import os
import pathlib
import random
import statistics
import subprocess
import sys
import time

import gcol

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))
WORK = ROOT / "target" / "bench-data" / "peers"
WORK.mkdir(parents=True, exist_ok=True)
GENOME = "human_hs37_chrX_first70Mb"


def timed(fn, repeat=5):
    best = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t)
    return statistics.median(best)


def main():
    fa = WORK / f"{GENOME}.fa"
    if not fa.exists():
        with gzip.open(DATA / "fasta" / f"{GENOME}.fa.gz") as f:
            fa.write_bytes(f.read())
    gc_path = WORK / f"{GENOME}.gcol"
    if not gc_path.exists():
        gcol.convert(fa, gc_path, names=[GENOME])
    twobit = WORK / f"{GENOME}.2bit"
    if not twobit.exists():
        subprocess.run([sys.executable, str(ROOT.parent / "shared" / "tools" / "fa2twobit.py"), str(fa), str(twobit)], check=True)
    seqs = gcol.open(gc_path)[gcol.open(gc_path).datasets[0]]
    name = seqs.names[0]
    length = int(seqs.lengths[0])
    rng = random.Random(1)
    starts = [rng.randrange(0, length - 1000) for _ in range(20000)]
    results = {}

    # Warm every reader, then time 20,000 random 1 kb fetches per tool, the
    # tools taking turns for 7 rounds (the machine's speed drifts, so each
    # tool is timed in every period); the median round counts.
    import pyfaidx
    import py2bit
    import pysam
    fx = pyfaidx.Fasta(str(fa), as_raw=True)
    tb = py2bit.open(str(twobit))
    ps = pysam.FastaFile(str(fa))
    loops = {
        "gcol": lambda: [seqs.fetch(name, s, s + 1000) for s in starts],
        "pyfaidx": lambda: [fx[name][s:s + 1000] for s in starts],
        "py2bit": lambda: [tb.sequence(name, s, s + 1000) for s in starts],
        "pysam": lambda: [ps.fetch(name, s, s + 1000) for s in starts],
    }
    try:
        import pyfastx
        pf = pyfastx.Fasta(str(fa))
        loops["pyfastx"] = lambda: [pf.fetch(name, (s + 1, s + 1000)) for s in starts]
    except ImportError:
        pyfastx = None
    for run in loops.values():
        run()
    rounds = {k: [] for k in loops}
    for _ in range(7):
        for k, run in loops.items():
            t = time.perf_counter()
            run()
            rounds[k].append((time.perf_counter() - t) / len(starts))
    results = {k: statistics.median(v) for k, v in rounds.items()}
    print("## 1 kb random fetch from Python (warm), microseconds per fetch")
    for k, v in results.items():
        print(f"| {k} | {v * 1e6:.2f} µs | {v / results['gcol']:.1f}x gcol |")

    # First fetch after open (fresh object each time).
    def first_gcol():
        f = gcol.open(gc_path)
        s = f[f.datasets[0]]
        s.fetch(name, 30_000_000, 30_001_000)

    def first_faidx():
        pyfaidx.Fasta(str(fa), as_raw=True)[name][30_000_000:30_001_000]

    def first_2bit():
        py2bit.open(str(twobit)).sequence(name, 30_000_000, 30_001_000)

    def first_pysam():
        with pysam.FastaFile(str(fa)) as f:
            f.fetch(name, 30_000_000, 30_001_000)

    print("\n## First 1 kb fetch after open, microseconds (tools take turns; median of 300)")
    first_loops = {"gcol": first_gcol, "pysam": first_pysam, "pyfaidx": first_faidx, "py2bit": first_2bit}
    if pyfastx is not None:
        first_loops["pyfastx"] = lambda: pyfastx.Fasta(str(fa)).fetch(name, (30_000_001, 30_001_000))
    samples = {k: [] for k in first_loops}
    for i in range(300):
        for k, run in first_loops.items():
            if k == "pyfastx" and i >= 5:
                continue  # it rebuilds its index: 75 ms a call
            t = time.perf_counter()
            run()
            samples[k].append(time.perf_counter() - t)
    firsts = {k: statistics.median(v) for k, v in samples.items()}
    for k, v in firsts.items():
        print(f"| {k} | {v * 1e6:.1f} µs |")

    # Batch of 100k regions.
    regions = [(name, s, s + 1000) for s in (starts * 5)[:100_000]]
    t_batch = timed(lambda: seqs.fetch_batch(regions), 3)
    t_pysam = timed(lambda: [ps.fetch(n, s, e) for n, s, e in regions], 3)
    print("\n## 100,000 regions of 1 kb")
    print(f"| gcol fetch_batch | {t_batch * 1e3:.0f} ms |")
    print(f"| pysam FastaFile.fetch loop | {t_pysam * 1e3:.0f} ms | {t_pysam / t_batch:.1f}x gcol |")

    # GC of the whole chromosome.
    from Bio.SeqUtils import gc_fraction
    whole = str(seqs[name])
    t_gc = timed(lambda: seqs.gc(name), 5)
    t_bio = timed(lambda: gc_fraction(whole), 3)
    print("\n## GC of the whole 70 Mb chromosome")
    print(f"| gcol Sequences.gc | {t_gc * 1e3:.1f} ms | {seqs.gc(name):.6f} |")
    print(f"| Biopython gc_fraction (sequence already in memory) | {t_bio * 1e3:.1f} ms | {gc_fraction(whole):.6f} | {t_bio / t_gc:.0f}x gcol |")


if __name__ == "__main__":
    main()

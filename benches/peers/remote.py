#!/usr/bin/env python3
"""Remote first fetch (issue 17): requests and bytes a new process needs
to print one region of a genome served over HTTP, gcol against htslib.

One local server (python/tests/range_server.py, 127.0.0.1, counting
requests and body bytes sent) serves, per genome, the .gcol file and the
bgzipped FASTA with its .fai and .gzi. Each region is fetched by a new
process, as a user at a shell would: `gcol fetch URL REGION` against
`samtools faidx URL REGION` (htslib over libcurl; it reads the .fai and
.gzi, then the BGZF blocks). Outputs are checked equal. Then in one
Python process: `gcol.open(url)` and the same regions, first and second
time (the page cache makes the second free).

Usage: python3 benches/peers/remote.py
  needs: samtools with libcurl (../shared/tools/install-peers.sh), a
  release gcol (built here) and the Python package (pip install ./python).
"""

from __future__ import annotations

import os
import pathlib
import random
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python" / "tests"))
from range_server import RangeServer  # noqa: E402

DATA = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))
WORK = ROOT / "target" / "bench-data" / "remote"
GENOMES = {
    "S. cerevisiae (12 Mb, 16 chr)": "fasta/scerevisiae_S288C_R64_16chr.fa.gz",
    "hs37 chrX first 70 Mb": "fasta/human_hs37_chrX_first70Mb.fa.gz",
}


def run(cmd: list[str], **kw: object) -> bytes:
    return subprocess.run(cmd, check=True, capture_output=True, **kw).stdout  # type: ignore[call-overload,no-any-return]


def prepare(gcol: str, source: pathlib.Path) -> tuple[str, str, list[tuple[str, int]]]:
    stem = source.name.removesuffix(".fa.gz")
    g = WORK / f"{stem}.gcol"
    fa = WORK / f"{stem}.fa.gz"
    if not g.exists():
        run([gcol, "convert", "-q", str(source), "-o", str(g)])
    if not (WORK / f"{stem}.fa.gz.gzi").exists():
        # bgzip'd as htslib wants it (the shared file may be plain gzip).
        plain = run(["gzip", "-dc", str(source)])
        with open(fa, "wb") as out:
            subprocess.run(["bgzip", "-c", "-@2"], input=plain, stdout=out, check=True)
        run(["samtools", "faidx", str(fa)])
    lengths = []
    for line in (WORK / f"{stem}.fa.gz.fai").read_text().splitlines():
        name, length = line.split("\t")[:2]
        lengths.append((name, int(length)))
    return g.name, fa.name, lengths


def regions(lengths: list[tuple[str, int]], seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    out = []
    for size in (1_000, 1_000, 100_000):
        name, length = rng.choice([c for c in lengths if c[1] > size])
        start = rng.randrange(0, length - size)
        out.append(f"{name}:{start + 1}-{start + size}")
    return out


def first_fetch(server: RangeServer, cmd: list[str]) -> tuple[bytes, int, int, float]:
    server.reset()
    t = time.perf_counter()
    out = run(cmd, cwd=WORK / "cwd")
    return out, server.requests, server.bytes, time.perf_counter() - t


def main() -> None:
    if shutil.which("samtools") is None or shutil.which("bgzip") is None:
        sys.exit("needs samtools and bgzip: bash ../shared/tools/install-peers.sh")
    gcol = os.environ.get("GCOL_BIN")
    if not gcol:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "gcol-tools"], cwd=ROOT, check=True)
        gcol = str(ROOT / "target" / "release" / "gcol")
    (WORK / "cwd").mkdir(parents=True, exist_ok=True)
    import gcol as gc

    print("| genome | region | gcol requests | gcol bytes | samtools requests | samtools bytes | bytes ratio | gcol ms | samtools ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    python_rows = []
    with RangeServer(WORK) as server:
        for label, relative in GENOMES.items():
            g, fa, lengths = prepare(gcol, DATA / relative)
            for region in regions(lengths):
                ours, gr, gb, gt = first_fetch(server, [gcol, "fetch", server.url(g), region])
                theirs, sr, sb, st = first_fetch(server, ["samtools", "faidx", server.url(fa), region])
                if ours != theirs:
                    sys.exit(f"gcol fetch differs from samtools faidx on {region}")
                print(
                    f"| {label} | {region} | {gr} | {gb:,} | {sr} | {sb:,} | {sb / gb:.1f}x "
                    f"| {gt * 1000:.0f} | {st * 1000:.0f} |"
                )
            # One Python process: open, then each region twice.
            server.reset()
            t = time.perf_counter()
            f = gc.open(server.url(g), cache=gc.PageCache(256 << 20))
            opened = (server.requests, server.bytes, time.perf_counter() - t)
            seqs = f[f.datasets[0]]
            for region in regions(lengths):
                name, span = region.split(":")
                a, b = (int(x) for x in span.split("-"))
                for attempt in ("first", "again"):
                    server.reset()
                    t = time.perf_counter()
                    seqs.fetch(name, a - 1, b)
                    python_rows.append(
                        (label, region, attempt, server.requests, server.bytes, time.perf_counter() - t)
                    )
            print(
                f"\nPython `gcol.open` of {label}: {opened[0]} requests, {opened[1]:,} bytes, "
                f"{opened[2] * 1000:.1f} ms; stats say {f.remote_stats}\n"
            )
    print("| genome | region | fetch | requests | bytes | ms |")
    print("|---|---|---|---|---|---|")
    for label, region, attempt, r, b, t in python_rows:
        print(f"| {label} | {region} | {attempt} | {r} | {b:,} | {t * 1000:.2f} |")
    left = list((WORK / "cwd").iterdir())
    if left:
        print(f"\n(files left in the working directory by the tools: {[p.name for p in left]})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Scale-out figures (issue 17): the questions of examples/scale_out.py
asked of .gcol files directly (``gcol.dataset`` partitions through the
Arrow C stream) and of their Parquet exports (``gcol export --format
parquet``, the same partitions as files), in one run:

- DuckDB: allele frequency per cohort and 1 Mb bin (two 1000 Genomes chr20
  cohorts, 300 and 203 samples);
- Dask: GC per record across genomes (S. cerevisiae, hs37 chrX 70 Mb).

Best of 3 per query (the machine is noisy); the Parquet export time is
reported apart.

Usage: python3 benches/peers/scale_out.py   (needs duckdb, dask, the package)
"""

from __future__ import annotations

import os
import pathlib
import shutil
import time

import duckdb

import gcol

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))
WORK = ROOT / "target" / "bench-data" / "scale_out"
COHORTS = ["vcf/1000g_chr20_nygc30x_phased_300s.bcf", "vcf/1000g_chr20_nygc30x_mixedphase_203s.bcf"]
GENOMES = ["fasta/scerevisiae_S288C_R64_16chr.fa.gz", "fasta/human_hs37_chrX_first70Mb.fa.gz"]


def best(f, runs=3):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def converted(relative: str) -> tuple[pathlib.Path, pathlib.Path]:
    source = DATA / relative
    stem = source.name.split(".")[0]
    g = WORK / f"{stem}.gcol"
    if not g.exists():
        gcol.convert([source], g, names=["x"])
    pq = WORK / f"{stem}_parquet"
    if pq.exists():
        shutil.rmtree(pq)
    t = time.perf_counter()
    gcol.open(g).export_parquet("x", pq, genotypes=False)
    print(f"  Parquet export of {stem}: {time.perf_counter() - t:.2f} s")
    return g, pq


AF = """SELECT CHROM, POS // 1000000 AS mb, count(*) AS sites, sum("INFO/AC") / sum("INFO/AN") AS af
        FROM {src} GROUP BY ALL ORDER BY ALL"""


def main() -> None:
    import dask.dataframe as dd  # type: ignore[import-untyped]

    WORK.mkdir(parents=True, exist_ok=True)
    cohorts = [converted(c) for c in COHORTS]
    genomes = [converted(g) for g in GENOMES]
    rows = []

    def duck_gcol():  # type: ignore[no-untyped-def]
        out = []
        for g, _ in cohorts:
            parts = gcol.dataset(str(g), columns=["CHROM", "POS", "INFO/AC", "INFO/AN"])  # noqa: F841
            out.append(duckdb.sql(AF.format(src="parts")).fetchall())
        return out

    def duck_parquet():  # type: ignore[no-untyped-def]
        out = []
        for _, pq in cohorts:
            src = f"read_parquet('{pq}/**/*.parquet', hive_partitioning=true)"
            out.append(duckdb.sql(AF.format(src=src)).fetchall())
        return out

    tg, a = best(duck_gcol)
    tp, b = best(duck_parquet)
    assert a == b, "DuckDB answers differ"
    rows.append(("DuckDB: allele frequency per cohort and 1 Mb bin (2 cohorts, 49,980 sites)", tg, tp))

    def gc(frame):  # type: ignore[no-untyped-def]
        s = frame["sequence"].str.upper()
        g = s.str.count("G") + s.str.count("C")
        return frame.assign(gc=g, acgt=g + s.str.count("A") + s.str.count("T"))[["name", "gc", "acgt"]]

    meta = {"name": "object", "gc": "int64", "acgt": "int64"}

    def dask_gcol():  # type: ignore[no-untyped-def]
        frame = gcol.dataset([str(g) for g, _ in genomes], columns=["name", "sequence"]).to_dask()
        return frame.map_partitions(gc, meta=meta).groupby("name")[["gc", "acgt"]].sum().compute().sort_index()

    def dask_parquet():  # type: ignore[no-untyped-def]
        files = sorted(str(f) for _, pq in genomes for f in pq.rglob("*.parquet"))
        frame = dd.read_parquet(files, columns=["name", "sequence"])
        return frame.map_partitions(gc, meta=meta).groupby("name")[["gc", "acgt"]].sum().compute().sort_index()

    tg, a = best(dask_gcol)
    tp, b = best(dask_parquet)
    assert a["gc"].tolist() == b["gc"].tolist(), "Dask answers differ"
    rows.append(("Dask: GC per record (S. cerevisiae + hs37 chrX 70 Mb, 82 Mb)", tg, tp))

    size = lambda p: sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size  # noqa: E731
    print("\n| query | over .gcol (gcol.dataset) | over the Parquet export | ratio |")
    print("|---|---|---|---|")
    for what, tg, tp in rows:
        print(f"| {what} | {tg * 1000:.0f} ms | {tp * 1000:.0f} ms | {tp / tg:.2f}x |")
    print("\n| data | .gcol | Parquet export (zstd 3) |")
    print("|---|---|---|")
    for g, pq in cohorts + genomes:
        print(f"| {g.stem} | {size(g):,} | {size(pq):,} |")


if __name__ == "__main__":
    main()

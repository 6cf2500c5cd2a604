#!/usr/bin/env python3
"""Questions over a directory of .gcol files with engines you already run,
without an export (issue 17):

1. DuckDB: allele frequency per cohort in 1 Mb bins, over the variants of
   every cohort file (``gcol.dataset`` partitions read through the Arrow
   C stream, cut to the columns asked for).
2. Dask: GC content per contig across genomes (one Dask partition per
   gcol partition; each worker opens its file and reads its part).

Usage: python3 examples/scale_out.py DIR
  DIR holds .gcol files: cohorts (variants) and genomes (sequences), as
  ``gcol convert x.bcf -o DIR/x.gcol`` writes them. Without DIR, the
  example converts two 1000 Genomes chr20 cohorts and two genomes from
  ../shared/data into a temporary directory.
"""

from __future__ import annotations

import os
import pathlib
import sys
import tempfile

import gcol


def allele_frequencies(cohorts: list[str]) -> object:
    """DuckDB over the partitions of each cohort, read through their Arrow
    C streams (cut to CHROM, POS, INFO/AC and INFO/AN): allele
    frequency per cohort and 1 Mb bin, from AC and AN (derived from the
    genotypes)."""
    import duckdb

    con = duckdb.connect()
    bins = []
    for path in cohorts:
        parts = gcol.dataset(path, columns=["CHROM", "POS", "INFO/AC", "INFO/AN"])  # noqa: F841 - read by name
        cohort = pathlib.Path(path).stem
        bins.append(
            con.sql(
                f"""SELECT '{cohort}' AS cohort, CHROM, POS // 1000000 AS mb, count(*) AS sites,
                           sum("INFO/AC") AS ac, sum("INFO/AN") AS an
                    FROM parts GROUP BY ALL"""
            ).to_arrow_table()
        )
    per_bin = bins[0]
    for more in bins[1:]:
        per_bin = con.sql("SELECT * FROM per_bin UNION ALL SELECT * FROM more").to_arrow_table()
    return con.sql(
        """SELECT cohort, CHROM, mb, sites, round(ac / an, 5) AS allele_frequency
           FROM per_bin ORDER BY cohort, CHROM, mb"""
    )


def gc_per_contig(genomes: list[str]) -> object:
    """Dask over the partitions of every genome: G+C over A+C+G+T per record."""
    parts = gcol.dataset(genomes, columns=["name", "sequence"])
    frame = parts.to_dask()

    def counts(df):  # type: ignore[no-untyped-def]
        s = df["sequence"].str.upper()
        gc = s.str.count("G") + s.str.count("C")
        acgt = gc + s.str.count("A") + s.str.count("T")
        return df.assign(gc=gc, acgt=acgt)[["name", "gc", "acgt"]]

    per = frame.map_partitions(counts, meta={"name": "object", "gc": "int64", "acgt": "int64"})
    totals = per.groupby("name")[["gc", "acgt"]].sum().compute()
    totals["gc_fraction"] = (totals["gc"] / totals["acgt"]).round(5)
    return totals.sort_index()


def bundled(directory: pathlib.Path) -> pathlib.Path:
    data = pathlib.Path(os.environ.get("GCOL_TEST_DATA", pathlib.Path(__file__).resolve().parents[2] / "shared" / "data"))
    inputs = {
        "cohort_phased_300s": "vcf/1000g_chr20_nygc30x_phased_300s.bcf",
        "cohort_mixed_203s": "vcf/1000g_chr20_nygc30x_mixedphase_203s.bcf",
        "genome_yeast": "fasta/scerevisiae_S288C_R64_16chr.fa.gz",
        "genome_lambda": "fasta/lambda_virus.fa",
    }
    for name, relative in inputs.items():
        out = directory / f"{name}.gcol"
        if not out.exists():
            gcol.convert([data / relative], out, names=[name])
    return directory


def main() -> None:
    if len(sys.argv) > 1:
        directory = pathlib.Path(sys.argv[1])
    else:
        directory = bundled(pathlib.Path(tempfile.mkdtemp(prefix="gcol-scale-out-")))
    cohorts, genomes = [], []
    for path in sorted(directory.glob("*.gcol")):
        f = gcol.open(path)
        kinds = {f.manifest["datasets"][i]["kind"] for i in range(len(f.datasets))}
        (cohorts if "variants" in kinds else genomes).append(str(path))
    if cohorts:
        print(allele_frequencies(cohorts))
    if genomes:
        print(gc_per_contig(genomes))


if __name__ == "__main__":
    main()

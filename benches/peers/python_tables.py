"""Tables from Python (issue 15): attribute search over a feature table of
about 1M rows, and a column scan, gcol against Parquet (pyarrow, and
DuckDB when installed) in one run.

Data: the A. thaliana chr1 GFF3 (`../shared/data/annotation`, 190,221
features) copied until it has at least ROWS features, each copy on its
own sequence name with its ID/Name/Parent values suffixed, converted by
`gcol.convert`. The peers get the same table: its attribute pairs
flattened to (row, key, value) in a Parquet file (zstd), read into memory
by pyarrow once (then each query is a filter), or queried by DuckDB from
the file; for the scan, the table's columns in a Parquet file written by
pyarrow (zstd).

Measures (median per query): exact `ID=...` and prefix `Name=AT1G0123*`
searches through gcol's attribute index (file open once, index pages
cached after the first query) against pyarrow compute filters and DuckDB
queries; and the scan of five columns (seqid, type, start, end, strand)
into Arrow, gcol (open + read) against `pyarrow.parquet.read_table`.

Usage: python3 benches/peers/python_tables.py [rows] [queries]
Needs: gcol (pip install ./python), pyarrow, numpy; duckdb optional.
"""

import gzip
import os
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import gcol
from timing import best_ms, median_ms

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
QUERIES = int(sys.argv[2]) if len(sys.argv) > 2 else 200
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")
DATA = os.environ.get("GCOL_TEST_DATA", os.path.join(ROOT, "../shared/data"))
SOURCE = os.path.join(DATA, "annotation/athaliana_TAIR10_chr1.gff3.gz")


def build(path):
    """The GFF3 copied until it has ROWS features; returns the row count."""
    with gzip.open(SOURCE, "rt") as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    rows = 0
    copy = 0
    with open(path, "w") as out:
        out.write("##gff-version 3\n")
        while rows < ROWS:
            for line in lines:
                fields = line.rstrip("\n").split("\t")
                if copy:
                    fields[0] = f"{fields[0]}_{copy}"
                    attrs = []
                    for a in fields[8].split(";"):
                        k, _, v = a.partition("=")
                        if k in ("ID", "Name", "Parent"):
                            v = ",".join(f"{x}.c{copy}" for x in v.split(","))
                        attrs.append(f"{k}={v}")
                    fields[8] = ";".join(attrs)
                out.write("\t".join(fields) + "\n")
            rows += len(lines)
            copy += 1
    return rows


def median_of(f, items):
    return median_ms(f, items)[0]


def main():
    tmp = tempfile.mkdtemp(prefix="gcol-tables-")
    gff = os.path.join(tmp, "features.gff3")
    rows = build(gff)
    path = os.path.join(tmp, "features.gcol")
    t0 = time.perf_counter()
    gcol.convert([gff], path, names=["f"])
    convert_s = time.perf_counter() - t0
    table = gcol.open(path)["f"]
    assert len(table) == rows
    frame = table.to_arrow(["attr_keys", "attr_values"])
    keys = frame["attr_keys"].combine_chunks()
    values = frame["attr_values"].combine_chunks()
    lengths = pc.list_value_length(keys).fill_null(0).to_numpy()
    flat = pa.table(
        {
            "row": pa.array(np.repeat(np.arange(rows, dtype=np.uint32), lengths)),
            "key": keys.flatten(),
            "value": values.flatten(),
        }
    )
    attrs = os.path.join(tmp, "attrs.parquet")
    pq.write_table(flat, attrs, compression="zstd")
    rng = np.random.default_rng(15)
    ids = [v for k, v in zip(flat["key"].to_pylist(), flat["value"].to_pylist()) if k == "ID"]
    names = [v for k, v in zip(flat["key"].to_pylist(), flat["value"].to_pylist()) if k == "Name"]
    exact = [ids[i] for i in rng.integers(0, len(ids), QUERIES)]
    prefixes = [names[i][:9] for i in rng.integers(0, len(names), QUERIES)]

    # The same answers from every engine.
    loaded = pq.read_table(attrs)
    for v in exact[:5]:
        ours = list(table.search_rows(f"ID={v}"))
        mask = pc.and_(pc.equal(loaded["key"], "ID"), pc.equal(loaded["value"], v))
        assert ours == sorted(set(loaded.filter(mask)["row"].to_pylist())), v

    table.search_rows(f"ID={exact[0]}")  # index pages into the cache
    results = {
        "gcol exact": median_of(lambda v: table.search_rows(f"ID={v}"), exact),
        "gcol prefix": median_of(lambda p: table.search_rows(f"Name={p}*"), prefixes),
    }

    def arrow_exact(v):
        mask = pc.and_(pc.equal(loaded["key"], "ID"), pc.equal(loaded["value"], v))
        return loaded.filter(mask)["row"]

    def arrow_prefix(p):
        mask = pc.and_(pc.equal(loaded["key"], "Name"), pc.starts_with(loaded["value"], p))
        return loaded.filter(mask)["row"]

    results["pyarrow exact (in memory)"] = median_of(arrow_exact, exact[:50])
    results["pyarrow prefix (in memory)"] = median_of(arrow_prefix, prefixes[:50])
    try:
        import duckdb

        con = duckdb.connect()
        results["duckdb exact (Parquet file)"] = median_of(
            lambda v: con.execute(f"SELECT row FROM '{attrs}' WHERE key = 'ID' AND value = ?", [v]).fetchall(), exact[:50]
        )
        results["duckdb prefix (Parquet file)"] = median_of(
            lambda p: con.execute(
                f"SELECT row FROM '{attrs}' WHERE key = 'Name' AND starts_with(value, ?)", [p]
            ).fetchall(),
            prefixes[:50],
        )
    except ImportError:
        print("duckdb not installed: its rows are left out")

    # Scan of five columns into Arrow.
    columns = ["seqid", "type", "start", "end", "strand"]
    scan_parquet = os.path.join(tmp, "scan.parquet")
    pq.write_table(table.to_arrow(columns), scan_parquet, compression="zstd")
    scan = {
        "gcol scan": best_ms(lambda: gcol.open(path)["f"].to_arrow(columns)),
        "pyarrow scan": best_ms(lambda: pq.read_table(scan_parquet, columns=columns)),
    }
    sizes = {
        "gcol file": os.path.getsize(path),
        "gff3": os.path.getsize(gff),
        "attrs parquet": os.path.getsize(attrs),
        "scan parquet": os.path.getsize(scan_parquet),
    }
    print(f"rows {rows}, {QUERIES} queries; convert {convert_s:.1f} s; sizes {sizes}")
    for k, v in results.items():
        print(f"{k:32s} {v:9.4f} ms/query")
    for k, v in scan.items():
        print(f"{k:32s} {v:9.1f} ms ({rows / v / 1000:.1f} M rows/s)")
    print(
        f"ratios: exact {results['pyarrow exact (in memory)'] / results['gcol exact']:.0f}x pyarrow, "
        f"prefix {results['pyarrow prefix (in memory)'] / results['gcol prefix']:.0f}x pyarrow; "
        f"scan gcol/pyarrow time {scan['gcol scan'] / scan['pyarrow scan']:.2f}"
    )


if __name__ == "__main__":
    main()

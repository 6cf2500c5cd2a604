"""Sequence collections made from the development data, for the size table
of benches/peers/sequences.sh (issue 11): records that share long stretches
with other records, as promoter sets, isoforms and tiled amplicons do.

  transcripts.fa  every transcript of A. thaliana chr1 (exons of each mRNA
                  or ncRNA from the NCBI GFF3, joined, reverse-complemented
                  on the minus strand): isoforms of a gene share exons
  upstream.fa     2 kb upstream of every gene (strand-aware): neighbouring
                  genes' regions overlap
  windows.fa      2 kb windows every 1 kb along chr1 (1-6 Mb): every base
                  in two records

Usage: python3 benches/peers/make_collections.py OUTDIR   (reads
$GCOL_TEST_DATA or ../shared/data; writes nothing that exists already)
"""

import gzip
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("GCOL_TEST_DATA", ROOT.parent / "shared" / "data"))
COMPLEMENT = str.maketrans("ACGTRYKMBVDHNacgtrykmbvdhn", "TGCAYRMKVBHDNtgcayrmkvbhdn")


def write(path, records):
    with open(path, "w") as out:
        for header, seq in records:
            out.write(f">{header}\n")
            for i in range(0, len(seq), 60):
                out.write(seq[i:i + 60] + "\n")


def revcomp(seq):
    return seq.translate(COMPLEMENT)[::-1]


def main(outdir):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with gzip.open(DATA / "fasta" / "athaliana_TAIR10_chr1.fa.gz", "rt") as f:
        next(f)
        chrom = "".join(line.strip() for line in f)
    exons, strands, genes = {}, {}, []
    with gzip.open(DATA / "annotation" / "athaliana_TAIR10_chr1.gff3.gz", "rt") as f:
        for line in f:
            if line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 9:
                continue
            attrs = dict(kv.split("=", 1) for kv in cols[8].split(";") if "=" in kv)
            start, end, strand = int(cols[3]), int(cols[4]), cols[6]
            if cols[2] == "exon" and "Parent" in attrs:
                exons.setdefault(attrs["Parent"], []).append((start, end))
                strands[attrs["Parent"]] = strand
            elif cols[2] == "gene":
                genes.append((start, end, strand, attrs.get("ID", "gene")))
    if not (outdir / "transcripts.fa").exists():
        records = []
        for tx, parts in exons.items():
            parts.sort()
            seq = "".join(chrom[a - 1:b] for a, b in parts)
            records.append((f"{tx} exons={len(parts)}", revcomp(seq) if strands[tx] == "-" else seq))
        write(outdir / "transcripts.fa", records)
    if not (outdir / "upstream.fa").exists():
        records = []
        for start, end, strand, gene in genes:
            seq = chrom[max(0, start - 1 - 2000):start - 1] if strand == "+" else revcomp(chrom[end:end + 2000])
            if seq:
                records.append((f"{gene} upstream 2000", seq))
        write(outdir / "upstream.fa", records)
    if not (outdir / "windows.fa").exists():
        region = chrom[1_000_000:6_000_000]
        records = [
            (f"chr1:{1_000_001 + i}-{1_002_000 + i} window {i // 1000}", region[i:i + 2000])
            for i in range(0, len(region) - 2000, 1000)
        ]
        write(outdir / "windows.fa", records)


if __name__ == "__main__":
    main(sys.argv[1])

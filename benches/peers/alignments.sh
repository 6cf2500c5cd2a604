#!/usr/bin/env bash
# Alignments peers side by side (issue 14), in one run:
# - sizes: gcol convert (fast, default, archive) against the BAM and CRAM
#   3.1 without a reference (`samtools view -C -O cram,version=3.1,no_ref`,
#   the issue's measurement) and CRAM 3.1 archive;
# - conversion: gcol convert (default) against `samtools view -b -@2`;
# - a 10 kb region as a new process: gcol view against samtools view on
#   the indexed BAM (output checked equal), default and fast files;
# - depth over 1 Mb (-a) as a new process: gcol depth against samtools depth.
# The Python side (pysam against gcol in one process) is
# benches/peers/python_alignments.py.
#
# Usage: bash benches/peers/alignments.sh [runs]
#   needs: hyperfine samtools (../shared/tools/install-peers.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/alignments
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
runs=${1:-10}
files="1000g_HG02002_illumina_subset CHM1_illumina_vcfanno_ex ont_pcs109_5k_cdna ont_pcs109_5k_cdna_spliced"

echo "| file | records | BAM | CRAM 3.1 | CRAM 3.1 archive | gcol fast | gcol default | gcol archive | default / CRAM 3.1 |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in $files; do
    bam=$data/bam/$f.bam
    samtools view -@2 -C -O cram,version=3.1,no_ref -o "$work/$f.cram" "$bam" 2>/dev/null
    samtools view -@2 -C -O cram,version=3.1,no_ref,archive -o "$work/$f.archive.cram" "$bam" 2>/dev/null
    for c in fast default archive; do
        "$gcol" convert -q --compression $c "$bam" -o "$work/$f.$c.gcol"
    done
    "$gcol" view -h "$work/$f.default.gcol" | cmp -s - <(samtools view --no-PG -h "$bam") \
        || echo "warning: gcol view differs from samtools view on $f" >&2
    size() { stat -c %s "$1"; }
    python3 - "$f" "$(samtools view -c "$bam")" "$(size "$bam")" "$(size "$work/$f.cram")" \
        "$(size "$work/$f.archive.cram")" "$(size "$work/$f.fast.gcol")" \
        "$(size "$work/$f.default.gcol")" "$(size "$work/$f.archive.gcol")" <<'PY'
import sys
f, n, *sizes = sys.argv[1:]
s = [int(x) for x in sizes]
print(f"| {f} | {int(n):,} | " + " | ".join(f"{x:,}" for x in s) + f" | {s[4] / s[1]:.3f} |")
PY
done

echo
echo "| file | gcol convert (default) | samtools view -b -@2 | gcol view 10 kb | gcol view 10 kb (fast file) | samtools view 10 kb (BAI) | gcol depth -a 1 Mb | samtools depth -a 1 Mb |"
echo "|---|---|---|---|---|---|---|---|"
for f in $files; do
    bam=$data/bam/$f.bam
    # A 10 kb region at the first record's position, a 1 Mb one around it.
    read -r chrom pos < <(samtools view "$bam" | awk '$3 != "*" { print $3, $4; exit }')
    region="$chrom:$pos-$((pos + 9999))"
    wide="$chrom:$pos-$((pos + 999999))"
    "$gcol" view "$work/$f.default.gcol" "$region" | cmp -s - <(samtools view "$bam" "$region") \
        || echo "warning: region $region differs on $f" >&2
    json=$work/$f.times.json
    hyperfine --style none -N --warmup 2 --runs "$runs" --export-json "$json" \
        "$gcol convert -q $bam -o $work/$f.t.gcol" \
        "samtools view -b -@2 -o $work/$f.t.bam $bam" \
        "$gcol view $work/$f.default.gcol $region" \
        "$gcol view $work/$f.fast.gcol $region" \
        "samtools view $bam $region" \
        "$gcol depth -a -r $wide $work/$f.default.gcol" \
        "samtools depth -a -r $wide $bam" > /dev/null 2>&1
    python3 - "$json" "$f" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"| {sys.argv[2]} | " + " | ".join(f"{x['mean'] * 1000:.1f} ms" for x in r) + " |")
PY
done

# With a reference (spec 15.10): the standard reads benchmark of
# ../shared/tools/gen-reads.py (1,000,000 x 150 bp on a 5 Mb reference;
# GCOL_BENCH_READS overrides the count), against CRAM 3.1 with the same
# reference. gcol outside: the reference stays a separate file, as with
# CRAM; gcol inside: the FASTA is converted into the same file.
reads=${GCOL_BENCH_READS:-1000000}
ref=$work/gen_ref.fa
sam=$work/gen_reads.$reads.sam
[ -s "$sam" ] || python3 "$data/../tools/gen-reads.py" --reads "$reads" "$ref" "$sam" > /dev/null
samtools view -@2 -b -o "$work/gen.bam" "$sam"
samtools view -@2 -C -O cram,version=3.1 -T "$ref" -o "$work/gen.cram" "$work/gen.bam" 2>/dev/null
samtools view -@2 -C -O cram,version=3.1,archive -T "$ref" -o "$work/gen.archive.cram" "$work/gen.bam" 2>/dev/null
"$gcol" convert -q "$work/gen.bam" --reference "$ref" -o "$work/gen.default.gcol" 2>/dev/null
"$gcol" convert -q --compression archive "$work/gen.bam" --reference "$ref" -o "$work/gen.archive.gcol" 2>/dev/null
"$gcol" convert -q "$ref" "$work/gen.bam" --reference "$ref" -o "$work/gen.inside.gcol"
"$gcol" view -T "$ref" "$work/gen.default.gcol" | cmp -s - <(samtools view "$work/gen.bam") \
    || echo "warning: gcol view -T differs from samtools view on the generated reads" >&2
echo
echo "| $reads reads x 150 bp, 5 Mb reference | BAM | CRAM 3.1 (-T) | CRAM 3.1 archive (-T) | gcol default (outside) | gcol archive (outside) | gcol default (inside) | default / CRAM 3.1 |"
echo "|---|---|---|---|---|---|---|---|"
python3 - "$(stat -c %s "$work/gen.bam")" "$(stat -c %s "$work/gen.cram")" \
    "$(stat -c %s "$work/gen.archive.cram")" "$(stat -c %s "$work/gen.default.gcol")" \
    "$(stat -c %s "$work/gen.archive.gcol")" "$(stat -c %s "$work/gen.inside.gcol")" <<'PY'
import sys
s = [int(x) for x in sys.argv[1:]]
print("| generated | " + " | ".join(f"{x:,}" for x in s) + f" | {s[3] / s[1]:.4f} |")
PY

#!/usr/bin/env bash
# Read compression peers side by side (issue 13), in one run:
# - sizes: gcol convert at --compression fast/default/archive against CRAM
#   3.1 (samtools import, unaligned, no reference; normal and archive),
#   zstd -19 and xz -9 of the FASTQ text;
# - conversion time: gcol convert (default) against `samtools import -O
#   cram,version=3.1` (the goal's peer), 2 threads each;
# - decode of every read: gcol export to FASTQ against samtools fastq of
#   the CRAM;
# - one read as a new process: gcol fetch -f against samtools fqidx.
#
# Usage: bash benches/peers/reads.sh [runs]
#   needs: hyperfine samtools zstd xz (../shared/tools/install-peers.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/reads
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
runs=${1:-5}
cram31=cram,version=3.1,no_ref

echo "| file | FASTQ | gcol fast | gcol default | gcol archive | CRAM 3.1 | CRAM 3.1 archive | zstd -19 | xz -9 |"
echo "|---|---|---|---|---|---|---|---|---|"
for f in CHM1_illumina_42k ont_pcs109_5k_cdna; do
    fq=$work/$f.fq
    [ -f "$fq" ] || gzip -dc "$data/fastq/$f.fastq.gz" > "$fq"
    for c in fast default archive; do
        "$gcol" convert -q --compression $c "$fq" -o "$work/$f.$c.gcol"
    done
    samtools import -@2 -0 "$fq" -O $cram31 -o "$work/$f.cram" 2>/dev/null
    samtools import -@2 -0 "$fq" -O $cram31,archive -o "$work/$f.archive.cram" 2>/dev/null
    [ -f "$work/$f.zst" ] || zstd -q -f -19 -T2 "$fq" -o "$work/$f.zst"
    [ -f "$work/$f.xz" ] || xz -9 -T2 -c "$fq" > "$work/$f.xz"
    sizes=$(for x in fq fast.gcol default.gcol archive.gcol cram archive.cram zst xz; do
        printf "%'d\n" "$(stat -c %s "$work/$f.$x")"; done | paste -sd'|' | sed 's/|/ | /g')
    echo "| $f | $sizes |"
done 2>&1

echo
echo "| file | gcol convert (default) | samtools import -O cram 3.1 | gcol export | samtools fastq (CRAM 3.1) | gcol fetch -f (1 read) | samtools fqidx (1 read) |"
echo "|---|---|---|---|---|---|---|"
for f in CHM1_illumina_42k ont_pcs109_5k_cdna; do
    fq=$work/$f.fq
    [ -f "$fq.fai" ] || samtools fqidx "$fq"
    read=$(awk 'NR == 4 * 2001 - 3 { print substr($1, 2); exit }' "$fq")
    json=$work/$f.times.json
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" \
        "$gcol convert -q -@ 2 $fq -o $work/$f.t.gcol" \
        "samtools import -@2 -0 $fq -O $cram31 -o $work/$f.t.cram" \
        "$gcol export $work/$f.default.gcol -o $work/$f.out.fq" \
        "samtools fastq -@2 $work/$f.cram > $work/$f.out2.fq" \
        "$gcol fetch -f $work/$f.default.gcol '$read' > /dev/null" \
        "samtools fqidx $fq '$read' > /dev/null" > /dev/null 2>&1
    cmp -s "$work/$f.out.fq" "$fq" || echo "warning: gcol export differs from $fq" >&2
    diff <("$gcol" fetch -f "$work/$f.default.gcol" "$read") <(samtools fqidx "$fq" "$read") > /dev/null \
        || echo "warning: gcol fetch -f differs from samtools fqidx" >&2
    mb=$(python3 -c "import os; print(os.path.getsize('$fq') / 1e6)")
    python3 - "$json" "$mb" "$f" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
mb = float(sys.argv[2])
cells = []
for i, x in enumerate(r):
    ms = x["mean"] * 1000
    cells.append(f"{ms:.1f} ms" if i >= 4 else f"{ms:.0f} ms ({mb / x['mean']:.0f} MB/s)")
print(f"| {sys.argv[3]} | " + " | ".join(cells) + " |")
PY
done

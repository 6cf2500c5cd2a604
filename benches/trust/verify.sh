#!/usr/bin/env bash
# Throughput of `gcol verify` (structure and every checksum) and `gcol
# verify --deep` (every page decoded and every dataset invariant checked)
# on the largest development files (issue 16). MB/s of the .gcol file and
# of the source it was converted from (uncompressed), median of 3 runs.
# Usage: bash benches/trust/verify.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
cargo build --release -q -p gcol-tools
gcol=$PWD/target/release/gcol
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "| file | source MB | .gcol MB | verify s | verify MB/s (.gcol) | --deep s | --deep MB/s (source) |"
echo "|---|---|---|---|---|---|---|"
for src in fasta/human_hs37_chrX_first70Mb.fa.gz annotation/athaliana_TAIR10_chr1.gtf.gz \
           vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz; do
    [ -f "$data/$src" ] || { echo "| $src | missing |"; continue; }
    plain=$dir/$(basename "$src" .gz)
    gzip -dc "$data/$src" >"$plain"
    out=$dir/$(basename "$src" .gz).gcol
    "$gcol" convert -q "$plain" -o "$out"
    src_mb=$(echo "scale=1; $(stat -c %s "$plain") / 1000000" | bc)
    gcol_mb=$(echo "scale=2; $(stat -c %s "$out") / 1000000" | bc)
    v=$(for _ in 1 2 3; do secs "$gcol" verify "$out"; done | median)
    d=$(for _ in 1 2 3; do secs "$gcol" verify --deep "$out"; done | median)
    printf "| %s | %s | %s | %.3f | %.0f | %.3f | %.0f |\n" "$(basename "$src")" "$src_mb" "$gcol_mb" \
        "$v" "$(echo "$gcol_mb / $v" | bc -l)" "$d" "$(echo "$src_mb / $d" | bc -l)"
done

#!/usr/bin/env bash
# FASTQ conversion peers side by side, in one run: time of `gcol convert`
# against `bgzip -@2 -l 6` and `zstd -19 -T2` (hyperfine), and the sizes of
# their outputs, on the two FASTQ files of ../shared/data/fastq and on
# big.fq (the Illumina file four times over, names suffixed, 38.7 MB).
#
# Usage: bash benches/peers/fastq.sh [--quick]
#   --quick: the two small files only, 3 runs each, no zstd -19 timing
#   needs: hyperfine bgzip zstd (../shared/tools/install-peers.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/fastq
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
quick=${1:-}
runs=8
[ -n "$quick" ] && runs=3

inputs="CHM1_illumina_42k ont_pcs109_5k_cdna"
for f in $inputs; do
    [ -f "$work/$f.fq" ] || gzip -dc "$data/fastq/$f.fastq.gz" > "$work/$f.fq"
done
if [ -z "$quick" ]; then
    if [ ! -f "$work/big.fq" ]; then
        for i in 1 2 3 4; do
            awk -v s="_$i" 'NR % 4 == 1 { $1 = $1 s } { print }' "$work/CHM1_illumina_42k.fq"
        done > "$work/big.fq"
    fi
    inputs="$inputs big"
fi

echo "| input | MB | gcol convert | bgzip -@2 -l 6 | zstd -19 -T2 | bytes: gcol / bgzip -l 6 / zstd -19 / xz -9 |"
echo "|---|---|---|---|---|---|"
for f in $inputs; do
    fq=$work/$f.fq
    mb=$(python3 -c "print(f'{$(stat -c %s "$fq") / 1e6:.1f}')")
    json=$work/$f.json
    commands=("$gcol convert -q $fq -o $work/$f.gcol" "bgzip -@2 -l 6 -c $fq > $work/$f.bgz")
    [ -z "$quick" ] && commands+=("zstd -q -f -19 -T2 $fq -o $work/$f.zst")
    hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "${commands[@]}" > /dev/null
    [ -f "$work/$f.zst" ] || zstd -q -f -19 -T2 "$fq" -o "$work/$f.zst"
    [ -f "$work/$f.xz" ] || xz -9 -T2 -c "$fq" > "$work/$f.xz"
    times=$(python3 -c "
import json
r = json.load(open('$json'))['results']
print(' | '.join(f\"{x['mean'] * 1000:.0f} ms\" for x in r) + (' | -' if len(r) == 2 else ''))")
    sizes=$(for x in gcol bgz zst xz; do stat -c %s "$work/$f.$x"; done | paste -sd/ | sed 's#/# / #g')
    echo "| $f | $mb | $times | $sizes |"
done

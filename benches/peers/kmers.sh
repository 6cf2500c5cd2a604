#!/usr/bin/env bash
# k-mer counting peers side by side, in one run: `kmer_counts(21,
# canonical=True)` from Python (numpy codes and counts) against `jellyfish
# count -m 21 -C -t 2` on the same genomes, with peak memory (GNU time).
#
# Usage: bash benches/peers/kmers.sh
#   needs: jellyfish, hyperfine, /usr/bin/time, the gcol Python package
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/kmers
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
echo "| genome | Mb | distinct 21-mers | gcol kmer_counts | jellyfish count -t 2 | peak RSS gcol / jellyfish |"
echo "|---|---|---|---|---|---|"
for g in scerevisiae_S288C_R64_16chr athaliana_TAIR10_chr1; do
    fa=$work/$g.fa
    [ -f "$fa" ] || gzip -dc "$data/fasta/$g.fa.gz" > "$fa"
    [ -f "$work/$g.gcol" ] || "$gcol" convert -q "$fa" -o "$work/$g.gcol"
    py="import gcol; c, n = gcol.open('$work/$g.gcol')['$g'].kmer_counts(21, canonical=True); print(len(c))"
    jf="jellyfish count -m 21 -C -s 50M -t 2 -o $work/$g.jf $fa"
    hyperfine --style none --warmup 1 --runs 3 --export-json "$work/$g.json" "python3 -c \"$py\"" "$jf" > /dev/null
    distinct=$(python3 -c "$py")
    times=$(python3 -c "
import json
r = json.load(open('$work/$g.json'))['results']
print(' | '.join(f\"{x['mean']:.2f} s\" for x in r))")
    rss_gcol=$( { /usr/bin/time -f %M python3 -c "$py" > /dev/null; } 2>&1 | tail -1)
    rss_jf=$( { /usr/bin/time -f %M $jf; } 2>&1 | tail -1)
    mb=$(python3 -c "print(f'{$(stat -c %s "$fa") / 1e6:.1f}')")
    echo "| $g | $mb | $distinct | $times | $((rss_gcol / 1024)) MB / $((rss_jf / 1024)) MB |"
done

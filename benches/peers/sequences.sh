#!/usr/bin/env bash
# Sequence peers side by side, in one run: size ratios (.2bit, bgzip -9,
# zstd -19 --long, xz -9, gcol at several zstd levels and page sizes),
# conversion speed (gcol convert vs bgzip -@2), and batch fetch of 10,000
# random 1 kb regions (gcol fetch vs samtools faidx), checking that both
# fetches print the same bytes.
#
# Usage: bash benches/peers/sequences.sh [--quick]
#   needs: samtools bgzip zstd xz hyperfine python3 with numpy
#   (../shared/tools/install-peers.sh installs them)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${GCOL_TEST_DATA:-../shared/data}
work=target/bench-data/peers
mkdir -p "$work"
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
quick=${1:-}

genomes="athaliana_TAIR10_chr1 scerevisiae_S288C_R64_16chr human_hs37_chrX_first70Mb lambda_virus"
for g in $genomes; do
    if [ -f "$data/fasta/$g.fa" ]; then
        cp "$data/fasta/$g.fa" "$work/$g.fa"
    else
        [ -f "$work/$g.fa" ] || gzip -dc "$data/fasta/$g.fa.gz" > "$work/$g.fa"
    fi
done

echo "## Size: uncompressed FASTA bytes / compressed bytes (random access kept: .2bit, bgzip, gcol)"
printf "| genome | .2bit | bgzip -9 | zstd -19 --long | xz -9 | gcol default (zstd 9, 128 KiB pages, 22 KiB blocks) |\n|---|---|---|---|---|---|\n"
for g in $genomes; do
    fa=$work/$g.fa
    raw=$(stat -c %s "$fa")
    [ -f "$work/$g.2bit" ] || python3 ../shared/tools/fa2twobit.py "$fa" "$work/$g.2bit"
    [ -f "$work/$g.fa.bgz" ] || bgzip -@2 -l 9 -c "$fa" > "$work/$g.fa.bgz"
    [ -f "$work/$g.fa.zst" ] || zstd -q -19 --long -T2 -c "$fa" > "$work/$g.fa.zst"
    if [ -z "$quick" ]; then
        [ -f "$work/$g.fa.xz" ] || xz -9 -T2 -c "$fa" > "$work/$g.fa.xz"
        xzr=$(python3 -c "print(f'{$raw/$(stat -c %s "$work/$g.fa.xz"):.3f}')")
    else
        xzr=-
    fi
    "$gcol" convert -q "$fa" -o "$work/$g.gcol"
    r() { python3 -c "print(f'{$raw/$(stat -c %s "$1"):.3f}')"; }
    echo "| $g | $(r "$work/$g.2bit") | $(r "$work/$g.fa.bgz") | $(r "$work/$g.fa.zst") | $xzr | $(r "$work/$g.gcol") |"
done

echo
echo "## Size: proteins, a small genome and collections of overlapping records"
python3 benches/peers/make_collections.py "$work"
for p in athaliana_TAIR10_chr1_protein.faa uniprot_20k_mmseqs2_DB.fasta; do
    [ -f "$work/$p" ] || gzip -dc "$data/fasta/$p.gz" > "$work/$p"
done
printf "| file | kind | MB | .2bit | bgzip -9 | zstd -19 --long | xz -9 | gcol default |\n|---|---|---|---|---|---|---|---|\n"
for f in lambda_virus.fa athaliana_TAIR10_chr1_protein.faa uniprot_20k_mmseqs2_DB.fasta transcripts.fa upstream.fa windows.fa; do
    fa=$work/$f
    raw=$(stat -c %s "$fa")
    case $f in
        *.faa|uniprot*) kind=protein; twobit=- ;;
        lambda*) kind="small genome"; [ -f "$fa.2bit" ] || python3 ../shared/tools/fa2twobit.py "$fa" "$fa.2bit" >/dev/null; twobit=$(python3 -c "print(f'{$raw/$(stat -c %s "$fa.2bit"):.3f}')") ;;
        *) kind=collection; [ -f "$fa.2bit" ] || python3 ../shared/tools/fa2twobit.py "$fa" "$fa.2bit" >/dev/null; twobit=$(python3 -c "print(f'{$raw/$(stat -c %s "$fa.2bit"):.3f}')") ;;
    esac
    r() { python3 -c "print(f'{$raw/$1:.3f}')"; }
    bgz=$(bgzip -@2 -l 9 -c "$fa" | wc -c)
    zst=$(zstd -q -19 --long -T2 -c "$fa" | wc -c)
    if [ -z "$quick" ]; then xzr=$(r "$(xz -9 -T2 -c "$fa" | wc -c)"); else xzr=-; fi
    "$gcol" convert -q "$fa" -o "$work/c.gcol"
    echo "| $f | $kind | $(python3 -c "print(f'{$raw/1e6:.1f}')") | $twobit | $(r "$bgz") | $(r "$zst") | $xzr | $(r "$(stat -c %s "$work/c.gcol")") |"
done

echo
echo "## gcol ratio by zstd level and page size"
printf "| genome | level | page | ratio | masks+ambiguity bits/base |\n|---|---|---|---|---|\n"
for g in $genomes; do
    fa=$work/$g.fa
    raw=$(stat -c %s "$fa")
    for level in 0 3 5 9 19; do
        for kib in 64 128 256; do
            "$gcol" convert -q "$fa" -o "$work/t.gcol" --zstd-level $level --page-kib $kib
            "$gcol" inspect --json "$work/t.gcol" | python3 -c "
import json, sys
r = json.load(sys.stdin); d = r['manifest']['datasets'][0]
c = {x['name']: x['stored_bytes'] for x in d['columns']}
bases = sum(x['num_values'] for x in d['columns'] if x['name'] == 'bases') * 4
runs = sum(v for k, v in c.items() if k.startswith(('mask_', 'amb_')))
print(f'| $g | $level | ${kib} KiB | {$raw / r[\"file_bytes\"]:.3f} | {runs * 8 / bases:.4f} |')"
        done
    done
done

echo
echo "## Conversion speed (hyperfine, plain FASTA in the page cache)"
for g in $genomes; do
    fa=$work/$g.fa
    hyperfine -N -w 2 -r 15 --export-markdown "$work/convert-$g.md" \
        "$gcol convert -q $fa -o $work/h.gcol" \
        "bgzip -@2 -l 6 -c $fa" >/dev/null 2>&1 || true
    raw=$(stat -c %s "$fa")
    python3 - "$work/convert-$g.md" "$raw" "$g" <<'PY'
import sys
path, raw, g = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for line in open(path):
    cells = [c.strip() for c in line.split('|')]
    if len(cells) > 3 and cells[1].startswith('`'):
        mean_ms = float(cells[2].split('±')[0])
        print(f"{g}: {cells[1]}: {mean_ms:.1f} ms = {raw / 1e6 / (mean_ms / 1000):.0f} MB/s")
PY
done

echo
echo "## One 1 kb fetch as a process (open, fetch, exit), hyperfine"
g=human_hs37_chrX_first70Mb
[ -f "$work/$g.fa.fai" ] || samtools faidx "$work/$g.fa"
hyperfine -N -w 20 -r 300 \
    "$gcol fetch $work/$g.gcol X:30000001-30001000" \
    "samtools faidx $work/$g.fa X:30000001-30001000" 2>&1 | grep -E "Benchmark|Time|±" || true

echo
echo "## Batch fetch of 10,000 random 1 kb regions (same regions, output compared)"
g=human_hs37_chrX_first70Mb
fa=$work/$g.fa
[ -f "$fa.fai" ] || samtools faidx "$fa"
python3 - "$fa.fai" "$work/regions.txt" "$work/regions.bed" <<'PY'
import random, sys
name, length = open(sys.argv[1]).readline().split('\t')[:2]
random.seed(1); length = int(length)
with open(sys.argv[2], 'w') as r, open(sys.argv[3], 'w') as b:
    for _ in range(10000):
        s = random.randrange(0, length - 1000)
        r.write(f"{name}:{s + 1}-{s + 1000}\n"); b.write(f"{name}\t{s}\t{s + 1000}\n")
PY
"$gcol" fetch "$work/$g.gcol" --bed "$work/regions.bed" > "$work/gcol.out"
samtools faidx "$fa" -r "$work/regions.txt" > "$work/samtools.out"
cmp "$work/gcol.out" "$work/samtools.out" && echo "outputs identical"
hyperfine -N -w 1 -r 10 \
    "$gcol fetch $work/$g.gcol --bed $work/regions.bed" \
    "samtools faidx $fa -r $work/regions.txt" 2>&1 | grep -E "Benchmark|Time|±" || true

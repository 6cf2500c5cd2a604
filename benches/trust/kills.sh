#!/usr/bin/env bash
# Crash safety at scale (issue 16): kill `gcol convert` with SIGKILL at a
# random moment, N times (default 1,000), while it replaces a valid file;
# after each kill the path must hold the old file or the new one and pass
# `gcol verify`. Half the rounds convert a FASTA (~6 MB), half the 1000
# Genomes VCF (two passes). Prints the counts: old, new, broken (must be 0)
# and the temporaries left after the next write (must be 0).
#
# Usage: bash benches/trust/kills.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
data=${GCOL_TEST_DATA:-../shared/data}
cargo build --quiet --release -p gcol-tools
gcol=$PWD/target/release/gcol
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/big.fa" <<'PY'
import random, sys
random.seed(11)
with open(sys.argv[1], "w") as f:
    f.write(">new\n")
    for _ in range(100_000):
        f.write("".join(random.choice("ACGT") for _ in range(60)) + "\n")
PY
printf ">old\nACGTACGT\n" > "$work/small.fa"
vcf="$data/vcf/1000g_chr20_nygc30x_phased_300s.vcf.gz"
out="$work/out.gcol"
"$gcol" convert -q "$work/small.fa" -o "$out"
old=0; new=0; broken=0
for ((round = 0; round < n; round++)); do
    if ((round % 2 == 0)); then input="$work/big.fa"; limit=40000; else input="$vcf"; limit=300000; fi
    "$gcol" convert -q "$input" -o "$out" &
    pid=$!
    sleep "$(python3 -c "import random; print(random.randrange($limit) / 1e6)")"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if ! "$gcol" verify -q "$out" 2>/dev/null; then
        broken=$((broken + 1))
        "$gcol" convert -q "$work/small.fa" -o "$out"
        continue
    fi
    first=$("$gcol" inspect --json "$out" | python3 -c "import json,sys; print(json.load(sys.stdin)['manifest']['datasets'][0]['name'])")
    if [ "$first" = small ]; then
        old=$((old + 1))
    else
        new=$((new + 1))
        "$gcol" convert -q "$work/small.fa" -o "$out"
    fi
done
"$gcol" convert -q "$work/small.fa" -o "$out"
stray=$(find "$work" -name '*.tmp' | wc -l)
echo "| kills | old file | new file | broken | temporaries left after the next write |"
echo "|---|---|---|---|---|"
echo "| $n | $old | $new | $broken | $stray |"
[ "$broken" -eq 0 ] && [ "$stray" -eq 0 ]

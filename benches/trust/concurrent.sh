#!/usr/bin/env bash
# Readers x writer on one path (issue 16): P reader processes of M threads
# each (one shared page cache per process) open, verify and read the file
# R times per thread while a writer process replaces it W times by atomic
# rename. Every read must see one whole version. Prints one table row.
# Usage: bash benches/trust/concurrent.sh [P] [M] [R] [W]
set -euo pipefail
cd "$(dirname "$0")/../.."
p=${1:-4}; m=${2:-4}; r=${3:-500}; w=${4:-200}
cargo build --release -q -p gcol-tests --bin gcol-stress
stress=target/release/gcol-stress
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
path=$dir/shared.gcol
"$stress" write "$path" 1 >/dev/null
start=$(date +%s.%N)
"$stress" write "$path" "$w" >"$dir/writer.out" &
writer=$!
pids=()
for i in $(seq "$p"); do
    "$stress" read "$path" "$r" "$m" >"$dir/reader$i.out" 2>"$dir/reader$i.err" &
    pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
wait "$writer" || failed=$((failed + 1))
secs=$(echo "$(date +%s.%N) - $start" | bc)
reads=0; versions=0
for i in $(seq "$p"); do
    read -r v n <"$dir/reader$i.out" || true
    reads=$((reads + ${n:-0})); versions=$((versions + ${v:-0}))
done
cat "$dir"/reader*.err >&2 || true
echo "| processes x threads | reads | replacements | versions seen (sum over processes) | inconsistent or failed | seconds |"
echo "|---|---|---|---|---|---|"
echo "| $p x $m | $reads | $w | $versions | $failed | $secs |"
[ "$failed" -eq 0 ]

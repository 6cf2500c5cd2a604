#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 600) each, JOBS at a time
# (default 1); print runs, corpus size and findings per target. Findings
# (crash, timeout, out-of-memory inputs) are under fuzz/artifacts/<target>/;
# the script exits 1 when there is any. Builds first (cargo fuzz build).
# Usage: bash fuzz/run.sh [SECONDS] [JOBS] [TARGET...]
#   (needs: cargo install cargo-fuzz; the stable toolchain with
#   RUSTC_BOOTSTRAP=1 and no sanitizer, as below)
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
jobs=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(import_vcf import_bcf import_fasta import_fastq import_sam import_bam
             import_gff import_genbank import_csv import_graph open decode_page read_mutated)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none >/dev/null 2>&1 || { echo "cargo fuzz build failed" >&2; exit 2; }
logs=$(mktemp -d)
run_one() {
    local target=$1
    mkdir -p "corpus/$target"
    local seeds=()
    [ -d "seeds/$target" ] && seeds=("seeds/$target")
    # Valid and damaged files to start `open` from.
    [ "$target" = open ] && seeds=(../spec/conformance ../tests/data/corrupt)
    # -timeout: an input taking longer is a finding (a hang);
    # -rss_limit_mb: more memory is a finding (an unbounded allocation).
    cargo fuzz run -s none "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
        >"$logs/$target.log" 2>&1 || true
}
running=0
for target in "${targets[@]}"; do
    run_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true
printf "| target | seconds | runs | corpus | findings |\n|---|---|---|---|---|\n"
total=0
for target in "${targets[@]}"; do
    log="$logs/$target.log"
    runs=$(grep -oE "^Done [0-9]+ runs" "$log" | awk '{print $2}' || true)
    if [ -z "$runs" ]; then
        runs=$(grep -oE "^#[0-9]+" "$log" | tail -1 | tr -d '#' || true)
    fi
    corpus=$(ls "corpus/$target" 2>/dev/null | wc -l)
    findings=$(ls "artifacts/$target" 2>/dev/null | wc -l)
    total=$((total + findings))
    echo "| $target | $secs | ${runs:-failed (see $log)} | $corpus | $findings |"
done
if [ "$total" -gt 0 ]; then
    echo "findings: $total (fuzz/artifacts/; logs in $logs)" >&2
    exit 1
fi

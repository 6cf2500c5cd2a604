#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 600) in turn; print runs and
# findings (crash files under fuzz/artifacts/<target>/) per target.
# Usage: bash fuzz/run.sh [SECONDS]   (needs: cargo install cargo-fuzz)
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
export RUSTC_BOOTSTRAP=1
printf "| target | seconds | runs | findings |\n|---|---|---|---|\n"
for target in import_vcf import_bcf open decode_page; do
    mkdir -p "corpus/$target"
    seeds=()
    [ -d "seeds/$target" ] && seeds=("seeds/$target")
    log=$(mktemp)
    cargo fuzz run -s none "$target" "corpus/$target" "${seeds[@]}" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 >"$log" 2>&1 || true
    runs=$(grep -oE "^Done [0-9]+ runs" "$log" | awk '{print $2}' || true)
    findings=$(ls "artifacts/$target" 2>/dev/null | wc -l)
    echo "| $target | $secs | ${runs:-failed (see $log)} | $findings |"
done

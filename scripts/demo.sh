#!/usr/bin/env bash
# The main job on bundled data: build gcol, write a file, then query it.
# Usage: bash scripts/demo.sh [OUTPUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/demo}"
mkdir -p "$out"
cargo build --quiet --release -p gcol-tools
gcol=target/release/gcol

echo "== write a sample file (every encoding, every value type)"
"$gcol" sample -o "$out/sample.gcol"
echo "== inspect"
"$gcol" inspect "$out/sample.gcol"
echo "== verify"
"$gcol" verify "$out/sample.gcol"
echo "== query: rows 660..670 of four columns (0-based, half-open)"
"$gcol" cat "$out/sample.gcol" features chrom start end name --start 660 --end 670

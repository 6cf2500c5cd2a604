#!/usr/bin/env bash
# Every test: Rust unit, integration, property, golden, corrupt-corpus and CLI tests.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null; then
    echo "cargo not found: install Rust (https://rustup.rs) first" >&2
    exit 1
fi
if [ ! -d ../shared/data ] && [ -z "${GCOL_TEST_DATA:-}" ]; then
    echo "note: ../shared/data not found; tests that need real data will say SKIPPED" >&2
fi
# Tests that cannot run (missing data or peer tools) append a line here;
# the summary at the end prints them (cargo hides a passing test's output).
# With GCOL_REQUIRE_DATA=1 (.ci/run) such a test fails instead.
mkdir -p target
export GCOL_SKIP_LOG="$PWD/target/skipped.log"
: > "$GCOL_SKIP_LOG"
# Everything below is also kept in target/test-output.log for the summary.
output="$PWD/target/test-output.log"
exec > >(tee "$output") 2>&1
summary() {
    local status=$?
    echo
    if [ -s "$GCOL_SKIP_LOG" ]; then
        echo "== SKIPPED: $(sort -u "$GCOL_SKIP_LOG" | wc -l) kinds of test could not run:"
        sort -u "$GCOL_SKIP_LOG" | sed 's/^/   /'
    fi
    local rust python
    # (no match is 0, not a failure of the trap under pipefail)
    rust=$( (grep -Eo 'test result: ok\. [0-9]+ passed' "$output" || true) | awk '{s += $4} END {print s + 0}')
    python=$( (grep -Eo '^[0-9]+ passed' "$output" || true) | awk '{s += $1} END {print s + 0}')
    local skipped
    skipped=$(sort -u "$GCOL_SKIP_LOG" | wc -l)
    if [ "$status" -eq 0 ]; then
        echo "== all tests passed: $rust Rust, $python Python (spec reader and package); $skipped kinds skipped"
    else
        echo "== FAILED (exit $status) after $rust Rust and $python Python tests passed; see above"
    fi
}
trap summary EXIT
# The s3:// tests read from a local S3-compatible server (moto).
command -v moto_server >/dev/null 2>&1 || python3 -m pip install -q "moto[server]"
cargo test --workspace --lib --bins --tests
cargo test --workspace --doc

# Python: test dependencies (peers the tests compare against), then the
# independent reader written from spec/ (standard library + zstandard).
python3 -c "import zstandard, pytest, numpy, pandas, pyarrow, pyfaidx, pysam, cyvcf2, bio2zarr, zarr, Bio, mypy, maturin, networkx, gffutils, duckdb, dask.dataframe" 2>/dev/null ||
    python3 -m pip install -q zstandard pytest numpy pandas pyarrow pyfaidx pysam cyvcf2 bio2zarr biopython mypy maturin networkx gffutils duckdb "dask[dataframe]"
cargo build --quiet -p gcol-tools
GCOL_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/gcol" python3 -m pytest -W error -q tests/spec_reader

# The Python package: build and install the wheel (maturin), run its tests
# (strict: warnings are errors) and check the stubs against the module.
python3 -m pip install -q ./python
python3 -m pytest -c python/pyproject.toml -q python/tests
python3 -m mypy.stubtest gcol._gcol
python3 -m mypy --strict python/gcol

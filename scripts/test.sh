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
cargo test --workspace --lib --bins --tests
cargo test --workspace --doc

# The independent reader written from spec/ (Python standard library + zstandard).
python3 -c "import zstandard, pytest" 2>/dev/null || python3 -m pip install -q zstandard pytest
cargo build --quiet -p gcol-tools
GCOL_BIN="$PWD/target/debug/gcol" python3 -m pytest -W error -q tests/spec_reader

#!/usr/bin/env bash
# The whole test suite: installs what the tests need (only if missing), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
cargo test "$@"
# Benchmarks are run by hand (`cargo bench`); here we only make sure they still compile.
cargo check --benches --quiet

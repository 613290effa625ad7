#!/usr/bin/env bash
# The whole test suite: installs what the tests need (only if missing), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# A PostgreSQL server on a loopback port for the shared-queue tests, which fail, rather than
# skip, when it is missing.
ARTICULATE_TEST_POSTGRES="$(scripts/postgres.sh)"
ARTICULATE_TEST_POSTGRES_CA="$(scripts/postgres.sh ca)"
export ARTICULATE_TEST_POSTGRES ARTICULATE_TEST_POSTGRES_CA ARTICULATE_REQUIRE_POSTGRES=1
# Piper (installed above) is the default voice: its tests fail, rather than skip, without it.
export ARTICULATE_REQUIRE_PIPER=1
cargo test "$@"
# Benchmarks are run by hand (`cargo bench`); here we only make sure they still compile.
cargo check --benches --quiet

#!/usr/bin/env bash
# The whole test suite: installs what the tests need (only if missing), then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# A PostgreSQL server on a loopback port for the shared-queue tests, which fail, rather than
# skip, when it is missing. One this script starts, it stops when the tests end.
port="${ARTICULATE_PG_PORT:-55432}"
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  trap 'scripts/postgres.sh stop || true' EXIT
fi
ARTICULATE_TEST_POSTGRES="$(scripts/postgres.sh)"
ARTICULATE_TEST_POSTGRES_CA="$(scripts/postgres.sh ca)"
export ARTICULATE_TEST_POSTGRES ARTICULATE_TEST_POSTGRES_CA ARTICULATE_REQUIRE_POSTGRES=1
# Piper (installed above) is the default voice: its tests fail, rather than skip, without it.
export ARTICULATE_REQUIRE_PIPER=1
# So is the speech recogniser that verifies narrations and times their words.
export ARTICULATE_REQUIRE_RECOGNISER=1
cargo test "$@"
# Benchmarks are run by hand (`cargo bench`); here we only make sure they still compile.
cargo check --benches --quiet

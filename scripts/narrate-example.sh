#!/usr/bin/env bash
# Narrate examples/heartstopper.txt into audio_out/ with the default local engine,
# installing espeak-ng first if this machine lacks it. Extra arguments go to `narrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cargo run --release --quiet -- narrate examples/heartstopper.txt "$@"

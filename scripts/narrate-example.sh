#!/usr/bin/env bash
# Narrate examples/heartstopper.txt into audio_out/ with the default voice, Piper, installing
# it first (into articulate's own virtual environment) if this machine lacks it, and
# espeak-ng, the fallback. If Piper cannot be installed, the narration goes on with
# espeak-ng and says so. Extra arguments go to `narrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-piper.sh || echo "warning: Piper could not be installed; narrating with espeak-ng" >&2
if [[ ! -x "${CARGO_TARGET_DIR:-target}/release/articulate" ]]; then
  echo "Building articulate (release): the first build takes several minutes on 2 cores ..." >&2
fi
# Not --quiet: cargo's progress shows while it builds.
cargo run --release -- narrate examples/heartstopper.txt "$@"

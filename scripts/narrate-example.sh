#!/usr/bin/env bash
# Narrate examples/heartstopper.txt into audio_out/ with the default voice, Piper, installing
# it first (into articulate's own virtual environment) if this machine lacks it, and
# espeak-ng, the fallback. If Piper cannot be installed, the narration goes on with
# espeak-ng and says so. Extra arguments go to `narrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-piper.sh || echo "warning: Piper could not be installed; narrating with espeak-ng" >&2
cargo run --release --quiet -- narrate examples/heartstopper.txt "$@"

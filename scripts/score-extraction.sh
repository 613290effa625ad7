#!/usr/bin/env bash
# Score `articulate extract --text` against the evaluation corpus (../shared/corpus beside
# the repository, or $CORPUS): every page of articles/, uk-articles/ and plaintext/, each
# set's mean F1 from the corpus's own score.py with --neutral (headline, standfirst,
# byline and date neither rewarded nor penalised); then the snippet set's pooled F1.
#
#   scripts/score-extraction.sh            # build, then score all four sets
#   scripts/score-extraction.sh -v         # per-page tables too
#   ARTICULATE=path/to/articulate scripts/score-extraction.sh
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
quiet=--quiet
[[ ${1:-} == -v ]] && quiet=
if [[ -z ${ARTICULATE:-} ]]; then
    cargo build --quiet --bin articulate
    ARTICULATE="${CARGO_TARGET_DIR:-target}/debug/articulate"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for set in articles uk-articles plaintext; do
    mkdir -p "$out/$set"
    for dir in "$corpus/$set"/*/; do
        id=$(basename "$dir")
        input="$dir/source.html"
        [[ $set == plaintext ]] && input="$dir/article.txt"
        "$ARTICULATE" --config config.toml extract "$input" --text >"$out/$set/$id.txt" 2>/dev/null ||
            echo "$id: extract failed" >&2
    done
    echo "== $set"
    python3 "$corpus/score.py" "$corpus/$set" "$out/$set" --neutral $quiet | tail -n "${TAIL_LINES:-2}"
done
# The snippet set: pages from many sites and languages, each with pieces of text that must and
# must not be read (its README says how it is scored).
snippets="$corpus/snippets"
if [[ -f $snippets/pages.tar.xz ]]; then
    tar -C "$out" -xJf "$snippets/pages.tar.xz"
    echo "== snippets"
    python3 "$snippets/score_snippets.py" "$snippets/snippets.json" "$out/pages" \
        --run "$ARTICULATE --config config.toml extract {} --text" --failures 0 | tail -n 1
fi

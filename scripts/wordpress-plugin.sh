#!/usr/bin/env bash
# Build the WordPress plugin's zip, ready for Plugins → Add New → Upload Plugin.
#   scripts/wordpress-plugin.sh          → target/articulate-wordpress.zip
#   scripts/wordpress-plugin.sh OUT.zip  → OUT.zip
# The zip holds one folder, articulate/, as WordPress expects. Every PHP file is checked
# with `php -l` first when PHP is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
src=integrations/wordpress/articulate
out="${1:-target/articulate-wordpress.zip}"
if command -v php >/dev/null; then
  while IFS= read -r -d '' file; do
    php -l "$file" >/dev/null || { echo "error: $file: PHP syntax error" >&2; exit 1; }
  done < <(find "$src" -name '*.php' -print0)
fi
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
rm -f "$out"
# Python's zipfile: no zip program needed; entries in a stable order.
(cd "$(dirname "$src")" && python3 - "$out" <<'PY'
import os, sys, zipfile
out = sys.argv[1]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk("articulate"):
        dirs.sort()
        for name in sorted(files):
            z.write(os.path.join(root, name))
PY
)
echo "$out"

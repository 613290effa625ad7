"""The baseline for `cargo bench --bench extract`: trafilatura, the extractor a user would
otherwise pick, timed the same way in the same run.

Reads page paths, one per line, on stdin; for each page, one warm-up extraction, then the
best of ROUNDS (argv[1]), on one thread, from memory. Prints one line: the summed best
times in seconds and the number of pages. Exits 3 when trafilatura is not installed
(`scripts/install-deps.sh --bench`).
"""

import sys
import time

try:
    import trafilatura
except ImportError:
    sys.exit(3)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    pages = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    total = 0.0
    for path in pages:
        with open(path, encoding="utf-8", errors="replace") as f:
            html = f.read()
        trafilatura.extract(html)
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            trafilatura.extract(html)
            best = min(best, time.perf_counter() - start)
        total += best
    print(f"{total:.6f} {len(pages)}")


main()

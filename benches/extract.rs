//! Extraction speed over the evaluation corpus: every page of `articles/`, `uk-articles/`,
//! `plaintext/` and the snippet set (`snippets/pages.tar.xz`, 416 pages from many sites),
//! ingested from memory and extracted on one thread, several rounds each. Prints pages per
//! second, the median page and the slowest page; then the HTML pages again through
//! trafilatura, the extractor a user would otherwise pick, timed the same way in the same
//! run, and the ratio.
//!
//! Run with `cargo bench --bench extract`. The corpus is `../shared/corpus` beside the
//! repository, or `$CORPUS`; `BENCH_ROUNDS` sets the rounds per page (default 5).
//! trafilatura comes from PyPI: `scripts/install-deps.sh --bench`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use articulate::extract::{ExtractConfig, Extractor};
use articulate::ingest;

/// One page to extract: its set, name, path and bytes.
struct Page {
    set: &'static str,
    name: String,
    path: PathBuf,
    bytes: Vec<u8>,
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus =
        std::env::var_os("CORPUS").map_or_else(|| root.join("../shared/corpus"), PathBuf::from);
    let rounds: u32 = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let extractor = Extractor::new(&ExtractConfig::default()).expect("default settings");
    let snippets = tempfile::tempdir().expect("a temporary directory");
    let pages = load(&corpus, snippets.path());
    assert!(!pages.is_empty(), "no pages under {}; set CORPUS", corpus.display());

    // One warm-up pass, then the best of `rounds` per page: the page's own cost, without
    // the noise of whatever else the machine is doing.
    let mut timings: Vec<(Duration, &Page)> = Vec::new();
    let started = Instant::now();
    for page in &pages {
        let origin = page.path.to_string_lossy();
        let run = || {
            let source = ingest::from_bytes(&origin, &page.bytes).expect("readable page");
            // A page with nothing to narrate is an error, and as much work as an article.
            std::hint::black_box(extractor.extract(&source).ok());
        };
        run();
        let best = (0..rounds)
            .map(|_| {
                let t = Instant::now();
                run();
                t.elapsed()
            })
            .min()
            .unwrap_or_default();
        timings.push((best, page));
    }
    let wall = started.elapsed();
    timings.sort_by_key(|t| t.0);
    let total: Duration = timings.iter().map(|t| t.0).sum();
    let median = timings[timings.len() / 2].0;
    let (slowest, slowest_page) = timings[timings.len() - 1];
    println!(
        "pages: {} ({} rounds each, one thread, {:.1} s in all)",
        pages.len(),
        rounds,
        wall.as_secs_f64()
    );
    println!("pages per second: {:.0}", timings.len() as f64 / total.as_secs_f64());
    println!("median page: {:.2} ms", median.as_secs_f64() * 1000.0);
    println!(
        "slowest page: {}/{} ({} KB): {:.2} ms",
        slowest_page.set,
        slowest_page.name,
        slowest_page.bytes.len() / 1024,
        slowest.as_secs_f64() * 1000.0
    );
    let snippet_time: Duration =
        timings.iter().filter(|t| t.1.set == "snippets").map(|t| t.0).sum();
    let snippet_pages = timings.iter().filter(|t| t.1.set == "snippets").count();
    if snippet_pages > 0 {
        println!(
            "snippet set: {snippet_pages} pages, {:.0} pages per second",
            snippet_pages as f64 / snippet_time.as_secs_f64()
        );
    }

    // The same HTML pages through trafilatura.
    let html: Vec<&(Duration, &Page)> = timings.iter().filter(|t| t.1.set != "plaintext").collect();
    let ours: Duration = html.iter().map(|t| t.0).sum();
    match trafilatura(&root, html.iter().map(|t| t.1.path.as_path()), rounds) {
        Some(theirs) => {
            let n = html.len() as f64;
            println!(
                "HTML pages: articulate {:.0} pages/s, trafilatura {:.0} pages/s: articulate is \
                 {:.1}× as fast",
                n / ours.as_secs_f64(),
                n / theirs.as_secs_f64(),
                theirs.as_secs_f64() / ours.as_secs_f64()
            );
        }
        None => println!(
            "trafilatura is not installed (scripts/install-deps.sh --bench): no comparison"
        ),
    }
}

/// The corpus's pages, the snippet set unpacked into `unpack`.
fn load(corpus: &Path, unpack: &Path) -> Vec<Page> {
    let mut sets: Vec<(&'static str, Vec<PathBuf>)> = Vec::new();
    for (set, file) in
        [("articles", "source.html"), ("uk-articles", "source.html"), ("plaintext", "article.txt")]
    {
        let Ok(dirs) = std::fs::read_dir(corpus.join(set)) else { continue };
        let mut dirs: Vec<PathBuf> = dirs.filter_map(Result::ok).map(|d| d.path()).collect();
        dirs.sort();
        sets.push((set, dirs.into_iter().map(|d| d.join(file)).collect()));
    }
    let archive = corpus.join("snippets/pages.tar.xz");
    let unpacked = archive.exists()
        && Command::new("tar")
            .arg("-xJf")
            .arg(&archive)
            .arg("-C")
            .arg(unpack)
            .status()
            .is_ok_and(|s| s.success());
    if unpacked && let Ok(files) = std::fs::read_dir(unpack.join("pages")) {
        let mut files: Vec<PathBuf> = files.filter_map(Result::ok).map(|f| f.path()).collect();
        files.sort();
        sets.push(("snippets", files));
    }
    let mut pages = Vec::new();
    for (set, paths) in sets {
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                let name = if set == "snippets" {
                    path.file_name()
                } else {
                    path.parent().and_then(Path::file_name)
                };
                let name = name.unwrap_or_default().to_string_lossy().into_owned();
                pages.push(Page { set, name, path, bytes });
            }
        }
    }
    pages
}

/// trafilatura's summed best time over `pages`, or `None` when it cannot be run.
fn trafilatura<'p>(
    root: &Path,
    pages: impl Iterator<Item = &'p Path>,
    rounds: u32,
) -> Option<Duration> {
    // scripts/install-deps.sh --bench puts trafilatura in a virtual environment of its own.
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    let venv = data.map(|d| d.join("articulate/bench-venv/bin/python"));
    let python = venv.filter(|p| p.exists()).unwrap_or_else(|| PathBuf::from("python3"));
    let mut child = Command::new(python)
        .arg(root.join("benches/extract_trafilatura.py"))
        .arg(rounds.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    {
        let mut stdin = child.stdin.take()?;
        for page in pages {
            writeln!(stdin, "{}", page.display()).ok()?;
        }
    }
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let seconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_secs_f64(seconds))
}

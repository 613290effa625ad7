//! Extraction speed over the evaluation corpus: every page of `articles/`, `uk-articles/` and
//! `plaintext/`, ingested from memory and extracted on one thread, several rounds each.
//! Prints pages per second, the median page and the slowest page.
//!
//! Run with `cargo bench --bench extract`. The corpus is `../shared/corpus` beside the
//! repository, or `$CORPUS`; `BENCH_ROUNDS` sets the rounds per page (default 10).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use articulate::extract::{ExtractConfig, Extractor};
use articulate::ingest;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus =
        std::env::var_os("CORPUS").map_or_else(|| root.join("../shared/corpus"), PathBuf::from);
    let rounds: u32 = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(10);
    let extractor = Extractor::new(&ExtractConfig::default()).expect("default settings");

    let mut pages = Vec::new();
    for (set, file) in
        [("articles", "source.html"), ("uk-articles", "source.html"), ("plaintext", "article.txt")]
    {
        let Ok(dirs) = std::fs::read_dir(corpus.join(set)) else { continue };
        let mut dirs: Vec<PathBuf> = dirs.filter_map(Result::ok).map(|d| d.path()).collect();
        dirs.sort();
        for dir in dirs {
            let path = dir.join(file);
            if let Ok(bytes) = std::fs::read(&path) {
                pages.push((
                    format!("{set}/{}", dir.file_name().unwrap_or_default().to_string_lossy()),
                    path,
                    bytes,
                ));
            }
        }
    }
    assert!(!pages.is_empty(), "no pages under {}; set CORPUS", corpus.display());

    // One warm-up pass, then the best of `rounds` per page: the page's own cost, without
    // the noise of whatever else the machine is doing.
    let mut timings: Vec<(Duration, &str, usize)> = Vec::new();
    let started = Instant::now();
    for (name, path, bytes) in &pages {
        let origin = path.to_string_lossy();
        let run = || {
            let source = ingest::from_bytes(&origin, bytes).expect("readable page");
            std::hint::black_box(extractor.extract(&source).expect("an article"));
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
        timings.push((best, name, bytes.len()));
    }
    let wall = started.elapsed();
    timings.sort();
    let total: Duration = timings.iter().map(|t| t.0).sum();
    let median = timings[timings.len() / 2].0;
    let (slowest, slowest_name, slowest_bytes) = timings[timings.len() - 1];
    println!(
        "pages: {} ({} rounds each, one thread, {:.1} s in all)",
        pages.len(),
        rounds,
        wall.as_secs_f64()
    );
    println!("pages per second: {:.0}", timings.len() as f64 / total.as_secs_f64());
    println!("median page: {:.2} ms", median.as_secs_f64() * 1000.0);
    println!(
        "slowest page: {slowest_name} ({} KB): {:.2} ms",
        slowest_bytes / 1024,
        slowest.as_secs_f64() * 1000.0
    );
}

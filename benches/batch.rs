//! A newsroom's batch: the 33 corpus pages plus the example, narrated with the default local
//! engine by `articulate batch`; then one article is edited and the batch run again, the way
//! a platform regenerates audio after a correction.
//!
//! Run with `cargo bench --bench batch` (needs espeak-ng: `scripts/install-deps.sh`, and
//! `../shared/corpus` beside the repository). Prints articles per minute for the cold run,
//! and requests and wall time for the reruns: whole batch from the cache, and
//! `--changed-only`. Target: the rerun synthesizes one chunk and finishes in under 5 s.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus");
    let work = tempfile::tempdir().expect("temp dir");
    let input = work.path().join("in");
    std::fs::create_dir_all(&input).expect("input dir");
    let mut pages = 0;
    for set in ["articles", "uk-articles"] {
        let dir = corpus.join(set);
        for entry in std::fs::read_dir(&dir).expect("../shared/corpus beside the repository") {
            let page = entry.expect("corpus entry").path();
            let name = page.file_name().expect("page id").to_string_lossy().into_owned();
            std::fs::copy(page.join("source.html"), input.join(format!("{name}.html")))
                .expect("copy page");
            pages += 1;
        }
    }
    let example = input.join("heartstopper.txt");
    std::fs::copy(root.join("examples/heartstopper.txt"), &example).expect("copy example");
    let articles = pages + 1;
    println!("batch: {pages} corpus pages + the example, espeak-ng, 2 articles at once");

    let run = |name: &str, extra: &[&str]| -> Run {
        let report = work.path().join(format!("{name}.jsonl"));
        let t = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_articulate"))
            .current_dir(&root)
            .args(["batch", "--voice", "espeak-en-gb", "-o"])
            .arg(work.path().join("out"))
            .arg("--cache-dir")
            .arg(work.path().join("cache"))
            .arg("--report")
            .arg(&report)
            .args(extra)
            .arg(&input)
            .status()
            .expect("articulate runs");
        let wall = t.elapsed();
        Run::read(&report, wall, status.success())
    };

    let cold = run("cold", &[]);
    cold.print("cold (empty cache)");
    println!(
        "  {:.1} articles per minute ({} narrated)",
        cold.narrated as f64 / cold.wall.as_secs_f64() * 60.0,
        cold.narrated
    );
    assert_eq!(cold.narrated + cold.failed, articles, "every article reported");

    // A correction: one sentence of the example changes.
    let text = std::fs::read_to_string(&example).expect("example");
    let edited = text.replacen("Alice Oseman", "the author Alice Oseman", 1);
    assert_ne!(text, edited, "the example names Alice Oseman");
    std::fs::write(&example, edited).expect("edit example");

    let changed = run("changed-only", &["--changed-only"]);
    changed.print("rerun --changed-only after editing one article");
    std::fs::write(&example, text.replacen("Alice Oseman", "Oseman", 1)).expect("edit again");
    let whole = run("whole", &[]);
    whole.print("rerun of the whole batch after another edit");
    println!(
        "target: the edited rerun synthesizes one chunk ({}) in under 5 s ({:.2} s)",
        changed.requests,
        changed.wall.as_secs_f64()
    );
}

/// What one batch run did, from its `--report`.
struct Run {
    wall: Duration,
    ok: bool,
    narrated: usize,
    unchanged: usize,
    failed: usize,
    chunks: u64,
    hits: u64,
    requests: u64,
    errors: Vec<String>,
}

impl Run {
    fn read(report: &Path, wall: Duration, ok: bool) -> Run {
        let mut run = Run {
            wall,
            ok,
            narrated: 0,
            unchanged: 0,
            failed: 0,
            chunks: 0,
            hits: 0,
            requests: 0,
            errors: Vec::new(),
        };
        let lines = std::fs::read_to_string(report).expect("the batch writes its report");
        for line in lines.lines() {
            let line: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
            match line["status"].as_str() {
                Some("narrated") => run.narrated += 1,
                Some("unchanged") => run.unchanged += 1,
                _ => {
                    run.failed += 1;
                    run.errors.push(format!("{}: {}", line["input"], line["error"]));
                }
            }
            run.chunks += line["chunks"].as_u64().unwrap_or(0);
            run.hits += line["cache_hits"].as_u64().unwrap_or(0);
            run.requests += line["requests"].as_u64().unwrap_or(0);
        }
        run
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {:.2} s; {} narrated, {} unchanged, {} failed; {} chunks, {} cache hits, \
             {} requests{}",
            self.wall.as_secs_f64(),
            self.narrated,
            self.unchanged,
            self.failed,
            self.chunks,
            self.hits,
            self.requests,
            if self.ok { "" } else { " (exit code non-zero)" }
        );
        for error in &self.errors {
            println!("  failed: {error}");
        }
    }
}

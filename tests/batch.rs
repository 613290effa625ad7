//! `articulate batch`: many inputs in parallel, failures contained, reports, only what
//! changed, stable names, and a batch killed or interrupted and run again.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::cache::{Counting, STORY, outputs};
use crate::util::articulate;

const TONE: &str = "tests/fixtures/voices/tone.toml";

/// `count` articles of five chunks each in `dir`, every sentence distinct (also from the
/// articles in other directories), so no chunk is a cache hit for another article's.
pub(crate) fn articles(dir: &Path, count: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let place = dir.file_name().unwrap().to_string_lossy().into_owned();
    (0..count)
        .map(|n| {
            let path = dir.join(format!("story-{n}.txt"));
            let story = STORY
                .replace("bridge", &format!("bridge number {n} at {place}"))
                .replace("spring", &format!("spring of year {n} at {place}"))
                .replace("ferry", &format!("ferry number {n} at {place}"));
            std::fs::write(&path, story).unwrap();
            path
        })
        .collect()
}

/// A `--report` file's JSON lines.
pub(crate) fn report(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn batch(args: &[&str], dirs: &[&Path]) -> std::process::Output {
    let mut cmd = articulate();
    cmd.arg("batch").args(args);
    for dir in dirs {
        cmd.arg(dir);
    }
    cmd.output().unwrap()
}

#[test]
fn one_failing_article_is_reported_and_the_others_are_narrated() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    articles(&input.join("nested/deeper"), 2);
    articles(&input, 2);
    std::fs::write(input.join("empty.txt"), "").unwrap();
    let out = tmp.path().join("out");
    let report_file = tmp.path().join("report.jsonl");
    let result = articulate()
        .args(["batch", "--voice", TONE, "-j", "3", "--cache-dir"])
        .arg(tmp.path().join("cache"))
        .arg("--report")
        .arg(&report_file)
        .arg("-o")
        .arg(&out)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "a failed article fails the batch");
    assert!(stderr.contains("empty.txt"), "{stderr}");
    assert!(stderr.contains("5 articles: 4 narrated, 0 unchanged, 1 failed"), "{stderr}");
    let lines = report(&report_file);
    assert_eq!(lines.len(), 5);
    for line in &lines {
        let input = line["input"].as_str().unwrap();
        if input.ends_with("empty.txt") {
            assert_eq!(line["status"], "failed");
            assert!(line["error"].as_str().unwrap().contains("empty"), "{line}");
        } else {
            assert_eq!(line["status"], "narrated", "{line}");
            assert_eq!(line["chunks"], 5);
            assert_eq!(line["requests"], 5, "{line}");
            assert_eq!(line["cache_hits"], 0);
            assert_eq!(line["billed_chars"], 0, "a local engine bills nothing");
            assert!(line["duration_ms"].is_u64());
        }
    }
    // The same stem in two directories: both are told apart by a hash of their path.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".mp3"))
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("story-0-") || n.starts_with("story-1-")),
        "{names:?}"
    );
}

#[test]
fn a_batch_of_one_article_says_so_in_the_singular() {
    let tmp = tempfile::tempdir().unwrap();
    articles(&tmp.path().join("in"), 1);
    let result = articulate()
        .args(["batch", "--voice", TONE, "--cache-dir"])
        .arg(tmp.path().join("cache"))
        .arg("-o")
        .arg(tmp.path().join("out"))
        .arg(tmp.path().join("in"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(stderr.contains("1 article: 1 narrated, 0 unchanged, 0 failed"), "{stderr}");
    assert!(!stderr.contains("1 articles"), "{stderr}");

    std::fs::write(tmp.path().join("in/story-0.txt"), "").unwrap();
    let result = articulate()
        .args(["batch", "--voice", TONE, "--cache-dir"])
        .arg(tmp.path().join("cache"))
        .arg("-o")
        .arg(tmp.path().join("out"))
        .arg(tmp.path().join("in"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("error: 1 of 1 article failed"), "{stderr}");
}

#[test]
fn an_out_template_mirrors_the_input_directories_and_cannot_escape_the_output() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    articles(&input.join("world/uk"), 1);
    let out = tmp.path().join("out");
    for template in ["{dir}/{stem}", "../../{dir}/{stem}"] {
        let result = articulate()
            .args(["batch", "--voice", TONE, "--out-template", template, "--no-cache", "-o"])
            .arg(&out)
            .arg(&input)
            .output()
            .unwrap();
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        assert!(out.join("world/uk/story-0.mp3").is_file(), "{template}");
        assert!(out.join("world/uk/story-0.json").is_file(), "{template}");
    }
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2, "nothing beside in/ and out/");
}

#[test]
fn changed_only_skips_current_articles_and_narrates_the_edited_one() {
    let tmp = tempfile::tempdir().unwrap();
    let files = articles(&tmp.path().join("in"), 3);
    let out = tmp.path().join("out");
    let run = |report_file: &Path| {
        let result = articulate()
            .args(["batch", "--voice", TONE, "--changed-only", "--cache-dir"])
            .arg(tmp.path().join("cache"))
            .arg("--report")
            .arg(report_file)
            .arg("-o")
            .arg(&out)
            .arg(tmp.path().join("in"))
            .output()
            .unwrap();
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        let mut lines = report(report_file);
        lines.sort_by_key(|l| l["input"].as_str().unwrap().to_owned());
        lines
            .into_iter()
            .map(|l| (l["status"].as_str().unwrap().to_owned(), l["requests"].as_u64().unwrap()))
            .collect::<Vec<_>>()
    };
    let first = run(&tmp.path().join("1.jsonl"));
    assert!(first.iter().all(|(s, r)| s == "narrated" && *r == 5), "{first:?}");
    let manifest = crate::util::manifest(&out.join("story-0.json"));
    assert!(manifest.settings_hash.is_some());

    let second = run(&tmp.path().join("2.jsonl"));
    assert!(second.iter().all(|(s, r)| s == "unchanged" && *r == 0), "{second:?}");

    let edited = std::fs::read_to_string(&files[1]).unwrap().replace("spring", "autumn");
    std::fs::write(&files[1], edited).unwrap();
    let third = run(&tmp.path().join("3.jsonl"));
    assert_eq!(
        third,
        [("unchanged".into(), 0), ("narrated".into(), 1), ("unchanged".into(), 0)],
        "only the edited article, and only its edited chunk"
    );
}

#[test]
fn a_json_feed_with_inline_content_is_narrated_and_urls_fail_clearly_per_article() {
    let tmp = tempfile::tempdir().unwrap();
    let feed = tmp.path().join("feed.json");
    let json = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "News",
        "items": [
            {"id": "1", "url": "https://news.example/bridge", "title": "Bridge Approved!",
             "content_html": "<h1>Bridge approved</h1><p>The council voted for a bridge.</p>"},
            {"id": "2", "url": "https://news.example/no-content", "title": "Elsewhere"}
        ]
    });
    std::fs::write(&feed, json.to_string()).unwrap();
    let out = tmp.path().join("out");
    let report_file = tmp.path().join("r.jsonl");
    let result = articulate()
        .args(["batch", "--voice", TONE, "--no-cache", "--report"])
        .arg(&report_file)
        .arg("-o")
        .arg(&out)
        .arg(&feed)
        .output()
        .unwrap();
    assert!(!result.status.success());
    assert!(out.join("bridge-approved.mp3").is_file());
    let manifest = crate::util::manifest(&out.join("bridge-approved.json"));
    assert_eq!(manifest.source.path, "https://news.example/bridge");
    let lines = report(&report_file);
    let failed = lines.iter().find(|l| l["status"] == "failed").unwrap();
    assert_eq!(failed["input"], "https://news.example/no-content");
    assert!(failed["error"].as_str().unwrap().contains("https://news.example/no-content"));
}

/// A batch of `n` articles through the counting engine, as a child process.
fn spawn_batch(counting: &Counting, input: &Path, cache: &Path, out: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_articulate"))
        .current_dir(crate::util::root())
        .env_remove("ARTICULATE_LOG")
        .args(["batch", "-j", "2", "--format", "mp3,wav", "--voice", counting.voice()])
        .arg("--cache-dir")
        .arg(cache)
        .arg("-o")
        .arg(out)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait (bounded) until the engine has answered at least `n` requests.
fn wait_for_requests(counting: &Counting, n: usize) {
    for _ in 0..3000 {
        if counting.requests().len() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the engine never got {n} requests");
}

fn is_manifest(name: &str) -> bool {
    name.ends_with(".json") && !name.ends_with(".chapters.json")
}

#[test]
fn a_batch_killed_mid_way_and_run_again_pays_for_no_committed_chunk_twice_and_ends_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    articles(&input, 6);
    let counting = Counting::new(&tmp.path().join("engine"), "0.05");
    let cache = tmp.path().join("cache");
    let out = tmp.path().join("out");

    let mut child = spawn_batch(&counting, &input, &cache, &out);
    wait_for_requests(&counting, 8);
    child.kill().unwrap(); // SIGKILL: no handler runs, nothing is flushed or cleaned up.
    child.wait().unwrap();
    // Engines the batch started may still be finishing a request; let them. One it had only
    // just spawned reads no text at all (its stdin closes with the batch) and logs an empty
    // line: not a request for any chunk.
    std::thread::sleep(Duration::from_millis(300));
    let asked = || -> Vec<String> {
        counting.requests().into_iter().filter(|text| !text.trim().is_empty()).collect()
    };
    let before = asked();
    let committed = crate::util::cache_entries(&cache);
    assert!(before.len() < 30, "killed mid-way, not after: {}", before.len());
    // Whatever was published is whole: every manifest's audio is there.
    for (name, bytes) in outputs(&out).iter().filter(|(n, _)| is_manifest(n)) {
        let manifest: articulate::model::Manifest = serde_json::from_slice(bytes).unwrap();
        for audio in &manifest.audio {
            assert!(out.join(&audio.file).is_file(), "{name} lists a missing {}", audio.file);
        }
    }

    let rerun = spawn_batch(&counting, &input, &cache, &out).wait_with_output().unwrap();
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    let all = asked();
    let mut distinct = all.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 30, "six articles of five distinct chunks: {distinct:#?}");
    assert_eq!(
        all.len() - before.len(),
        distinct.len() - committed,
        "the rerun asked for exactly the chunks not yet committed"
    );
    assert!(all.len() - distinct.len() <= 4, "only chunks in flight at the kill were asked twice");

    // The same profile (its settings are in the manifest), a cache of its own: every chunk
    // synthesized afresh, uninterrupted.
    let reference = tmp.path().join("reference");
    let clean = spawn_batch(&counting, &input, &tmp.path().join("cache2"), &reference)
        .wait_with_output()
        .unwrap();
    assert!(clean.status.success());
    let (a, b) = (outputs(&out), outputs(&reference));
    assert_eq!(a.len(), 30, "six articles, five files each");
    assert_eq!(a.len(), b.len());
    for ((name, bytes), (other, reference)) in a.iter().zip(&b) {
        assert_eq!(name, other);
        assert!(bytes == reference, "{name} differs from an uninterrupted run");
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_batch_cleanly_and_says_what_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    articles(&input, 6);
    let counting = Counting::new(&tmp.path().join("engine"), "0.05");
    let out = tmp.path().join("out");
    let child = spawn_batch(&counting, &input, &tmp.path().join("cache"), &out);
    wait_for_requests(&counting, 8);
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    assert!(stderr.contains("stopped:") && stderr.contains("not started"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (name, bytes) in outputs(&out).iter().filter(|(n, _)| is_manifest(n)) {
        let manifest: articulate::model::Manifest = serde_json::from_slice(bytes).unwrap();
        for audio in &manifest.audio {
            assert!(out.join(&audio.file).is_file(), "{name} lists a missing {}", audio.file);
        }
    }
}

#[test]
fn shards_split_a_batch_between_workers_without_overlap() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    articles(&input, 8);
    let mut seen = Vec::new();
    for shard in ["0/3", "1/3", "2/3"] {
        let report_file = tmp.path().join(format!("{}.jsonl", shard.replace('/', "-")));
        let result = batch(
            &[
                "--voice",
                TONE,
                "--no-cache",
                "--shard",
                shard,
                "--report",
                report_file.to_str().unwrap(),
                "-o",
                tmp.path().join("out").to_str().unwrap(),
            ],
            &[&input],
        );
        assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
        seen.extend(
            report(&report_file).into_iter().map(|l| l["input"].as_str().unwrap().to_owned()),
        );
    }
    seen.sort();
    let mut expected: Vec<String> =
        (0..8).map(|n| input.join(format!("story-{n}.txt")).display().to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected, "every article exactly once across the shards");
    let bad = batch(&["--shard", "3/3"], &[&input]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("0 <= I < N"));
}

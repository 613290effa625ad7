//! The chaos test: a `batch` of 20 articles and a `serve` with 50 queued jobs, each killed
//! with SIGKILL at 20 random moments and started again. After every restart no temp file
//! of the killed run is left (nor served), every file visible is whole, every job finishes
//! once, and the outputs end byte-identical to an uninterrupted run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::{temp_files, tree};
use crate::batch::articles;
use crate::serve::{Server, Site, article};
use crate::util::{cache_home, root};

const TONE: &str = "tests/fixtures/voices/tone.toml";
const KILLS: usize = 20;

/// A seeded generator, its seed printed so a failure can be replayed (`CHAOS_SEED`).
fn rng() -> fastrand::Rng {
    let seed = std::env::var("CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    eprintln!("chaos seed: CHAOS_SEED={seed}");
    fastrand::Rng::with_seed(seed)
}

/// Every file under `dir` with its bytes, temp files included (so they show up as a
/// difference).
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    tree(dir).into_iter().map(|f| (f.clone(), std::fs::read(dir.join(&f)).unwrap())).collect()
}

/// Every file visible under `dir` (not a temp file) is whole: the same bytes as the
/// uninterrupted run wrote under its name. (Narration is deterministic, so a file of an
/// earlier, killed run is too.) `skip` leaves out files that change as jobs complete.
fn assert_whole(dir: &Path, reference: &BTreeMap<String, Vec<u8>>, skip: &[&str], when: &str) {
    for file in tree(dir) {
        if file.rsplit('/').next().is_some_and(|n| n.starts_with(".articulate-"))
            || skip.contains(&file.as_str())
        {
            continue;
        }
        // A file may be renamed away between listing and reading; what is read must be whole.
        let Ok(bytes) = std::fs::read(dir.join(&file)) else { continue };
        if let Some(whole) = live_whole(&file, &bytes, reference) {
            assert!(whole, "{when}: {file}, of a job's live stream, is not whole");
            continue;
        }
        let Some(expected) = reference.get(&file) else {
            panic!("{when}: {file} is not a file an uninterrupted run writes");
        };
        assert!(bytes == *expected, "{when}: {file} is not whole ({} bytes)", bytes.len());
    }
}

/// Wait (bounded) until the jobs' live streams are taken down, as each is once its job is
/// recorded as done.
fn settle(out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while tree(out).iter().any(|f| f.contains("/live/") || f.ends_with(".m3u8"))
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `file`, if it belongs to a job's live stream (which the uninterrupted run took
/// down when each job was done), is whole: a playlist, a segment that decodes, or the
/// player page the stream put up (the finished one, but for naming the playlist).
fn live_whole(file: &str, bytes: &[u8], reference: &BTreeMap<String, Vec<u8>>) -> Option<bool> {
    let parts: Vec<&str> = file.split('/').collect();
    match parts.as_slice() {
        [id, name] if *name == format!("{id}.m3u8") => {
            let text = String::from_utf8_lossy(bytes);
            Some(text.starts_with("#EXTM3U\n") && text.ends_with('\n'))
        }
        [_, "live", _, name] if name.ends_with(".mp3") => Some(
            bytes.starts_with(b"ID3")
                && articulate::audio::decode(&articulate::model::SpeechAudio {
                    bytes: bytes.to_vec(),
                    format: articulate::model::AudioFormat::Mp3,
                })
                .is_ok(),
        ),
        [_, "player", "index.html"] => {
            let text = String::from_utf8_lossy(bytes);
            if !text.contains(" data-articulate-live=") {
                return None;
            }
            let attributes = regex::Regex::new(r#" data-articulate-(live|title)="[^"]*""#).unwrap();
            let finished = attributes.replace_all(&text, "");
            Some(reference.get(file).is_some_and(|r| r == finished.as_bytes()))
        }
        _ => None,
    }
}

/// The files of an interrupted run are those of the uninterrupted one, byte for byte.
fn assert_same_files(got: &BTreeMap<String, Vec<u8>>, expected: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (file, bytes) in expected {
        if file == "feed.xml" {
            // Articles without a publication time are dated (and so ordered) by when they
            // were narrated, which differs between the runs; all else is the same.
            assert_eq!(undated(&got[file]), undated(bytes), "feed.xml lists other items");
        } else {
            assert!(got[file] == *bytes, "{file} differs from the uninterrupted run's");
        }
    }
}

/// A feed's lines without its dates or closing tags, items in name order: what two runs
/// narrating the same articles at different times have in common. (Each item without the
/// blanks after it: only the last, which differs between the runs, has none.)
fn undated(feed: &[u8]) -> Vec<String> {
    let feed = String::from_utf8_lossy(feed);
    let mut items: Vec<String> = feed
        .split("<item>")
        .map(|part| {
            part.lines()
                .filter(|l| !l.contains("<pubDate>") && !l.contains("</channel>"))
                .filter(|l| !l.contains("</rss>"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim_end()
                .to_owned()
        })
        .collect();
    items[1..].sort();
    items
}

fn batch(input: &Path, out: &Path, cache: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("articulate"));
    command.current_dir(root()).env_remove("ARTICULATE_LOG").env("XDG_CACHE_HOME", cache_home());
    command.args(["batch", "-j", "2", "--voice", TONE, "--cache-dir"]).arg(cache);
    command.arg("-o").arg(out).arg(input);
    command
}

/// Run to the end, successfully.
fn run(command: std::process::Command) {
    assert_cmd::Command::from_std(command).assert().success();
}

fn spawn(mut command: std::process::Command) -> Child {
    command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

/// Wait until a temp file shows under `dir` (a write in progress), for at most `limit`.
fn until_writing(dir: &Path, limit: Duration) {
    let deadline = Instant::now() + limit;
    while temp_files(dir).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Kill `child` with SIGKILL.
fn kill(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Wait (bounded) until none of `stale` exists under `dir`.
fn wait_swept(dir: &Path, stale: &[String], when: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while stale.iter().any(|f| dir.join(f).exists()) {
        assert!(Instant::now() < deadline, "{when}: the killed run's temp files stay: {stale:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_batch_killed_at_twenty_random_moments_ends_as_an_uninterrupted_one() {
    let mut rng = rng();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("articles");
    articles(&input, 20);

    let reference = tmp.path().join("reference");
    let started = Instant::now();
    run(batch(&input, &reference, &tmp.path().join("reference-cache")));
    let whole_run = started.elapsed();
    let expected = contents(&reference);

    let out = tmp.path().join("out");
    let cache = tmp.path().join("cache");
    let mut stale: Vec<String> = Vec::new();
    for round in 0..KILLS {
        let when = format!("restart {round}");
        let child = spawn(batch(&input, &out, &cache));
        let begun = Instant::now();
        wait_swept(&out, &stale, &when);
        assert_whole(&out, &expected, &[], &when);
        let moment = whole_run.mul_f64(rng.f64());
        if let Some(rest) = moment.checked_sub(begun.elapsed()) {
            std::thread::sleep(rest);
        }
        // Every other kill lands mid-write, the moment that leaves temp files behind.
        if round % 2 == 1 {
            until_writing(&out, whole_run);
        }
        kill(child);
        stale = temp_files(&out);
        eprintln!("batch kill {round} at {moment:?}: {} temp files left", stale.len());
        assert_whole(&out, &expected, &[], &format!("after kill {round}"));
    }
    run(batch(&input, &out, &cache));
    assert!(temp_files(&out).is_empty());
    let got = contents(&out);
    assert_same_files(&got, &expected);
}

const JOBS: usize = 50;

fn id(n: usize) -> String {
    format!("story-{n:02}")
}

fn story(n: usize) -> String {
    format!(
        "Story {n} of the day\n\nThe council met for story {n} on Tuesday.\n\n\
         It voted to build bridge number {n}.\n\nResidents of street {n} cheered.\n"
    )
}

/// Post every job (at once: they all queue).
fn post_all(server: &Server) {
    for n in 0..JOBS {
        assert_eq!(server.post(&article(&id(n), &story(n))).status, 202);
    }
}

/// Wait (bounded) until every job is done; their JSON.
fn wait_all(server: &Server) -> Vec<serde_json::Value> {
    (0..JOBS).map(|n| server.wait_for(&id(n))).collect()
}

/// A site whose jobs are taken up soon after their worker dies, and are never failed for
/// being interrupted (here the kills are ours, not the job's doing), published under one
/// URL whatever port it listens on.
fn site() -> Site {
    Site::new("lease_secs = 2\nmax_attempts = 1000\npublic_url = \"https://example.com/audio/\"")
}

#[test]
fn a_server_with_fifty_queued_jobs_killed_at_twenty_random_moments_does_each_job_once() {
    let mut rng = rng();
    let reference_site = site();
    let server = reference_site.start(&[]);
    let started = Instant::now();
    post_all(&server);
    for job in wait_all(&server) {
        assert_eq!(job["state"], "done", "{job}");
    }
    let whole_run = started.elapsed();
    settle(&reference_site.path("out"));
    drop(server);
    let reference: PathBuf = reference_site.path("out");
    let expected = contents(&reference);

    let site = site();
    let out = site.path("out");
    let mut server = site.start(&[]);
    post_all(&server);
    for round in 0..KILLS {
        // Random moments spread over the run; every other one mid-write.
        std::thread::sleep(whole_run.mul_f64(rng.f64() * 2.0 / KILLS as f64));
        if round % 2 == 1 {
            until_writing(&out, whole_run / 4);
        }
        drop(server); // SIGKILL
        let stale = temp_files(&out);
        eprintln!("serve kill {round}: {} temp files left", stale.len());
        assert_whole(&out, &expected, &["feed.xml"], &format!("after kill {round}"));
        server = site.start(&[]);
        let when = format!("restart {round}");
        for file in &stale {
            assert!(!out.join(file).exists(), "{when}: {file} was left");
            let answer = server.get(&format!("/audio/{file}"));
            assert_eq!(answer.status, 404, "{when}: {file} is served");
        }
        assert_whole(&out, &expected, &["feed.xml"], &when);
    }
    for (n, job) in wait_all(&server).into_iter().enumerate() {
        assert_eq!(job["state"], "done", "{job}");
        assert_eq!(job["generation"], 1, "{}", id(n));
        assert_eq!(job["completions"], 1, "{} finished more than once: {job}", id(n));
    }
    // The feed is rewritten by the last job to finish; let it land.
    settle(&out);
    drop(server);
    assert!(temp_files(&out).is_empty());
    let got = contents(&out);
    assert_same_files(&got, &expected);
}

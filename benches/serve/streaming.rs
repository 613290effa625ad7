//! Streaming publish under a burst, with the default neural voice (Piper) on this machine.
//!
//! Twelve variants of the example are posted at once to one `serve` with a worker per
//! article (`-j 12`), an empty chunk cache, and the configured default voice. For every job
//! it measures, from the server's own clock:
//!
//! - webhook → first playable audio: `queued_at_ms` → `playable_at_ms` (the stream's first
//!   segment published, the job `playable`);
//! - webhook → done, the non-streaming path: `queued_at_ms` → `finished_at_ms` (the finished
//!   MP3 with chapters published), and the ratio of the two;
//! - whether synthesis stays ahead of playback at 1×: a listener starting at first-playable
//!   reaches each segment at its place in the stream; the segment's publication time (its
//!   file's modification time, watched on disk while the job runs) must come before that.
//!
//! Then one sentence of one article is edited and posted again: webhook → playable and →
//! done (republished), with the chunk cache warm.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use super::{BURST, Server, database_args, percentile, variant};

/// One job, watched.
#[derive(Default)]
struct Watched {
    /// Segment file name → (published, Unix ms; duration in seconds once a playlist lists it).
    segments: BTreeMap<String, (i64, Option<f64>)>,
    job: Option<serde_json::Value>,
}

pub(crate) fn run(root: &Path, example: &str) {
    let site = tempfile::tempdir().expect("temp dir");
    let voices = root.join("voices");
    let cache = site.path().join("cache");
    // The default voice: no `voice` here, so the configuration's (Piper) speaks.
    let config = format!("[narrate]\ncache_dir = {cache:?}\nvoices_dir = {voices:?}\n");
    let workers = BURST.to_string();
    let server = Server::start_with(
        root,
        site.path(),
        &config,
        &database_args(site.path()),
        &["-j", &workers],
    );
    println!(
        "serve, streaming: {BURST} variants of the example at once, the default voice, no cache, \
         -j {BURST}, this machine ({} cores)",
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    let out = site.path().join("out");
    let ids: Vec<String> = (0..BURST).map(|n| format!("stream-{n}")).collect();
    let started = Instant::now();
    for (n, id) in ids.iter().enumerate() {
        server.post(id, &variant(example, n));
    }
    let watched = watch(&server, &out, &ids);
    println!("  burst narrated in {:.1} s", started.elapsed().as_secs_f64());
    voice_check(&server, &watched[0]);

    let mut playable = Vec::new();
    let mut done = Vec::new();
    let mut stalls = Vec::new();
    for (id, w) in ids.iter().zip(&watched) {
        let job = w.job.as_ref().expect("finished");
        assert_eq!(job["state"], "done", "{id}: {job}");
        let queued = ms(job, "queued_at_ms");
        let first = ms(job, "playable_at_ms");
        playable.push(first - queued);
        done.push(ms(job, "finished_at_ms") - queued);
        stalls.push(ahead_of_playback(id, w, first));
    }
    report(&playable, &done, &stalls);

    // One sentence edited, the cache warm: how soon is the new version out?
    let edited = variant(example, 0).replacen(
        "Heartstopper is based on the graphic novel by Alice Oseman.",
        "Heartstopper is based on the much-loved graphic novel by Alice Oseman.",
        1,
    );
    assert_ne!(edited, variant(example, 0), "the edit must change a sentence");
    server.post(&ids[0], &edited);
    let edit = watch(&server, &out, &ids[..1]).remove(0);
    let job = edit.job.expect("finished");
    assert_eq!(job["state"], "done", "{job}");
    let queued = ms(&job, "queued_at_ms");
    let republished = ms(&job, "finished_at_ms") - queued;
    println!(
        "  one-sentence edit: playable {:.2} s, republished (done) {:.2} s after the webhook \
         (target ≤ 3 s); {} of {} chunks synthesized, the rest from the cache",
        secs(ms(&job, "playable_at_ms") - queued),
        secs(republished),
        job["requests"],
        job["chunks"],
    );
}

/// Watch `ids` until every job is done or failed: their segments as they appear on disk
/// (and the durations their playlists give them), and each job as it ended.
fn watch(server: &Server, out: &Path, ids: &[String]) -> Vec<Watched> {
    let mut watched: Vec<Watched> = ids.iter().map(|_| Watched::default()).collect();
    let mut polled = Instant::now() - Duration::from_secs(1);
    let deadline = Instant::now() + Duration::from_secs(3600);
    while watched.iter().any(|w| w.job.is_none()) {
        assert!(Instant::now() < deadline, "the burst did not finish within an hour");
        for (id, w) in ids.iter().zip(&mut watched) {
            if w.job.is_some() {
                continue;
            }
            look(&out.join(id), id, w);
        }
        if polled.elapsed() >= Duration::from_millis(250) {
            polled = Instant::now();
            for (id, w) in ids.iter().zip(&mut watched) {
                if w.job.is_some() {
                    continue;
                }
                let (_, job) = server.call("GET", &format!("/v1/articles/{id}"), "");
                if matches!(job["state"].as_str(), Some("done" | "failed")) {
                    w.job = Some(job);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    watched
}

/// Note the segments of article `id` published so far, in `dir`.
fn look(dir: &Path, id: &str, w: &mut Watched) {
    let Ok(streams) = std::fs::read_dir(dir.join("live")) else { return };
    for stream in streams.flatten() {
        let Ok(files) = std::fs::read_dir(stream.path()) else { continue };
        for file in files.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || w.segments.contains_key(&name) {
                continue;
            }
            let Ok(modified) = file.metadata().and_then(|m| m.modified()) else { continue };
            let at = modified.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            w.segments.insert(name, (at, None));
        }
    }
    let Ok(playlist) = std::fs::read_to_string(dir.join(format!("{id}.m3u8"))) else { return };
    let mut duration = None;
    for line in playlist.lines() {
        if let Some(extinf) = line.strip_prefix("#EXTINF:") {
            duration = extinf.trim_end_matches(',').parse::<f64>().ok();
        } else if !line.starts_with('#') {
            let name = line.rsplit('/').next().unwrap_or(line);
            if let Some(entry) = w.segments.get_mut(name) {
                entry.1 = duration;
            }
        }
    }
}

/// How late the stream of `id` fell behind a listener who started at `first` (Unix ms):
/// (segments published after the listener reached them, the latest of them in seconds,
/// the time the listener spent waiting in all).
fn ahead_of_playback(id: &str, w: &Watched, first: i64) -> (usize, f64, f64) {
    let mut position = 0.0; // seconds into the stream where each segment starts
    let mut clock = first as f64 / 1000.0; // when the simulated listener gets there
    let mut late = 0;
    let mut worst: f64 = 0.0;
    for (name, (published, duration)) in &w.segments {
        let Some(duration) = duration else {
            panic!("{id}: {name} was never seen in a playlist (the poll missed its last version)");
        };
        let due = first as f64 / 1000.0 + position;
        let at = *published as f64 / 1000.0;
        if at > due {
            late += 1;
            worst = worst.max(at - due);
        }
        clock = clock.max(at) + duration;
        position += duration;
    }
    let waited = clock - (first as f64 / 1000.0 + position);
    (late, worst, waited.max(0.0))
}

fn report(playable: &[i64], done: &[i64], stalls: &[(usize, f64, f64)]) {
    let mut playable_sorted = playable.to_vec();
    playable_sorted.sort_unstable();
    let mut done_sorted = done.to_vec();
    done_sorted.sort_unstable();
    let (p50, p99) = (percentile(&playable_sorted, 50), percentile(&playable_sorted, 99));
    let (d50, d99) = (percentile(&done_sorted, 50), percentile(&done_sorted, 99));
    println!(
        "  webhook → first playable audio: p50 {:.2} s, p99 {:.2} s (targets ≤ 2 s, ≤ 4 s)",
        secs(p50),
        secs(p99)
    );
    println!(
        "  webhook → done (the finished MP3, the non-streaming path): p50 {:.2} s, p99 {:.2} s",
        secs(d50),
        secs(d99)
    );
    println!(
        "  first playable / done: p50 {:.3}, p99 {:.3} ({:.0}× and {:.0}× sooner)",
        p50 as f64 / d50 as f64,
        p99 as f64 / d99 as f64,
        d50 as f64 / p50.max(1) as f64,
        d99 as f64 / p99.max(1) as f64,
    );
    let never = stalls.iter().filter(|(late, _, _)| *late == 0).count();
    let worst = stalls.iter().map(|s| s.1).fold(0.0, f64::max);
    let waited: Vec<String> = stalls.iter().map(|s| format!("{:.1}", s.2)).collect();
    println!(
        "  ahead of playback at 1× (listening from first playable): {never} of {} jobs never \
         stall; latest segment {worst:.1} s after the listener reached it; seconds waited per \
         job: {}",
        stalls.len(),
        waited.join(", ")
    );
}

/// Say which voice spoke, loudly if it is not the configured neural one.
fn voice_check(server: &Server, w: &Watched) {
    let job = w.job.as_ref().expect("finished");
    let url = job["manifest_url"].as_str().expect("a manifest URL");
    let path = url.split_once("/audio/").map(|(_, p)| format!("/audio/{p}")).expect("local");
    let manifest = get_json(server, &path);
    let backend = manifest["backend"].as_str().unwrap_or("?");
    match manifest.get("fallback") {
        Some(fallback) if !fallback.is_null() => println!(
            "  !!! FELL BACK TO {backend} (voice {}): {} was configured but {}. These figures \
             are NOT the neural voice's. Run scripts/install-piper.sh.",
            manifest["voice"], fallback["requested"], fallback["reason"]
        ),
        _ => println!("  voice: {} ({backend})", manifest["voice"].as_str().unwrap_or("?")),
    }
}

fn get_json(server: &Server, path: &str) -> serde_json::Value {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(server.addr).expect("connect");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let (_, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    serde_json::from_str(json).expect("JSON")
}

fn ms(job: &serde_json::Value, key: &str) -> i64 {
    job[key].as_i64().unwrap_or_else(|| panic!("{key} missing from {job}"))
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

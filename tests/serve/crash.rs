//! The durable queue: 200 updates from 20 concurrent clients, the server killed with
//! SIGKILL mid-way and started again on the same database; every article ends narrated
//! from its last version, each generation completed once, and nothing published is corrupt.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::{Server, Site, article, check_published, heartstopper};

const ARTICLES: usize = 20;
const VERSIONS: usize = 10;

fn id(n: usize) -> String {
    format!("story-{n:02}")
}

fn version(text: &str, n: usize, v: usize) -> String {
    let marked = text.replacen(
        "Heartstopper only recently dropped on Netflix",
        &format!("Heartstopper, story {n} version {v}, only recently dropped on Netflix"),
        1,
    );
    assert_ne!(marked, text);
    marked
}

/// Every client posts its article's versions in order, all clients at once.
fn post_all(server: &Server, text: &str) {
    std::thread::scope(|scope| {
        for n in 0..ARTICLES {
            scope.spawn(move || {
                for v in 0..VERSIONS {
                    let answer = server.post(&article(&id(n), &version(text, n, v)));
                    assert_eq!(answer.status, 202, "{:?}", answer.json());
                }
            });
        }
    });
}

fn done_count(server: &Server) -> usize {
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    let line = metrics.lines().find(|l| l.starts_with("articulate_jobs{state=\"done\"}")).unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Every manifest under `out` parses and its audio decodes to its length.
fn check_all_published(out: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(out) else { return 0 };
    let mut checked = 0;
    for entry in entries {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join(format!("{id}.json")).exists() {
                check_published(out, &id);
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn jobs_survive_a_sigkill_and_each_finishes_once_from_its_last_version() {
    let mut site = Site::new("workers = 2\nlease_secs = 1");
    // An engine that logs every request, two at a time: the log shows what was paid for.
    let engine = crate::cache::Counting::new(&site.path("engine"), "0.02");
    site.voice = engine.profile.clone();
    // Its first part, so the whole test takes seconds.
    let text: String = heartstopper().lines().take(30).map(|l| format!("{l}\n")).collect();
    let mut server = site.start(&[]);
    post_all(&server, &text);
    for _ in 0..1200 {
        if done_count(&server) >= 3 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    server.child.kill().unwrap(); // SIGKILL: no handler runs, no lease is given back.
    server.child.wait().unwrap();
    drop(server);

    let database = rusqlite::Connection::open(site.path("jobs.sqlite3")).unwrap();
    let count = |sql: &str| -> usize {
        let n: i64 = database.query_row(sql, [], |r| r.get(0)).unwrap();
        usize::try_from(n).unwrap()
    };
    assert_eq!(count("SELECT COUNT(*) FROM jobs"), ARTICLES, "every post was recorded");
    let done_before = count("SELECT COUNT(*) FROM jobs WHERE state = 'done'");
    assert!(done_before < ARTICLES, "killed mid-way, not after: {done_before} done");
    let mut statement = database.prepare("SELECT id FROM jobs WHERE state = 'running'").unwrap();
    let orphaned: BTreeSet<String> =
        statement.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    drop(statement);
    // Whatever had been published when it died is whole.
    check_all_published(&site.path("out"));

    let server = site.start(&[]);
    let mut generations = Vec::new();
    for n in 0..ARTICLES {
        let job = server.wait_for(&id(n));
        assert_eq!(job["state"], "done", "{job}");
        let manifest = check_published(&site.path("out"), &id(n));
        let spoken: String = serde_json::to_string(&manifest).unwrap();
        let last = format!("story {n} version {}", VERSIONS - 1);
        assert!(spoken.contains(&last), "{} is not its last version", id(n));
        assert!(!spoken.contains(&format!("story {n} version {},", VERSIONS - 2)));
        if orphaned.contains(&id(n)) {
            assert!(job["attempts"].as_u64().unwrap() >= 2, "taken up again: {job}");
        }
        generations.push(job["generation"].as_u64().unwrap());
    }
    assert_eq!(check_all_published(&site.path("out")), ARTICLES);
    drop(server);

    // Each generation that ran completed once, and the last one of every article did.
    let database = rusqlite::Connection::open(site.path("jobs.sqlite3")).unwrap();
    let mut statement =
        database.prepare("SELECT id, generation, state FROM completions ORDER BY id").unwrap();
    let completions: Vec<(String, i64, String)> = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (n, generation) in generations.iter().enumerate() {
        let mine: Vec<_> = completions.iter().filter(|(i, _, _)| *i == id(n)).collect();
        let generation = i64::try_from(*generation).unwrap();
        let last: Vec<_> = mine.iter().filter(|(_, g, _)| *g == generation).collect();
        assert_eq!(last.len(), 1, "{}: {mine:?}", id(n));
        assert_eq!(last[0].2, "done");
        assert!(mine.iter().all(|(_, g, _)| *g <= generation));
    }
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(!stderr.contains("not recorded"), "{stderr}");

    // Every chunk went through the cache both before and after the kill: the articles share
    // all but their marked sentence, and only requests in flight at the kill (the engine
    // takes two at a time) were asked again. An engine the server had only just started
    // when it died reads no text and logs an empty line: not a request.
    let asked: Vec<String> =
        engine.requests().into_iter().filter(|text| !text.trim().is_empty()).collect();
    let mut distinct = asked.clone();
    distinct.sort();
    distinct.dedup();
    assert!(
        asked.len() - distinct.len() <= 2,
        "chunks asked twice: {}",
        asked.len() - distinct.len()
    );
    assert!(distinct.iter().any(|t| t.contains(&format!("story 0 version {}", VERSIONS - 1))));
}

#[cfg(unix)]
#[test]
fn a_server_stopped_by_sigterm_gives_its_running_job_back_at_once() {
    // A lease longer than the test: only giving the job back lets the restart run it.
    let mut site = Site::new("lease_secs = 600");
    let engine = crate::cache::Counting::new(&site.path("engine"), "0.3");
    site.voice = engine.profile.clone();
    let server = site.start(&[]);
    let story = crate::cache::STORY;
    assert_eq!(server.post(&article("slow", story)).status, 202);
    for _ in 0..600 {
        if !engine.requests().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let job = server.call("GET", "/v1/articles/slow", None).json();
    assert_eq!(job["state"], "running", "{job}");
    let pid = i32::try_from(server.child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let mut server = server;
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a clean stop: {status}");
    drop(server);

    let database = rusqlite::Connection::open(site.path("jobs.sqlite3")).unwrap();
    let (state, attempts): (String, i64) = database
        .query_row("SELECT state, attempts FROM jobs WHERE id = 'slow'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((state.as_str(), attempts), ("queued", 0));
    let server = site.start(&[]);
    assert_eq!(server.wait_for("slow")["state"], "done");
    check_published(&site.path("out"), "slow");
}

#[test]
fn a_job_longer_than_its_lease_keeps_it_by_renewing_and_runs_once() {
    let mut site = Site::new("workers = 2\nlease_secs = 1");
    // Five chunks, two at a time, half a second each: about three times the lease.
    let engine = crate::cache::Counting::new(&site.path("engine"), "0.5");
    site.voice = engine.profile.clone();
    let server = site.start(&[]);
    assert_eq!(server.post(&article("long", crate::cache::STORY)).status, 202);
    let job = server.wait_for("long");
    assert_eq!(job["state"], "done", "{job}");
    assert_eq!(job["attempts"], 1, "the idle worker never took it over: {job}");
    // A lower bound the engine's sleeps guarantee, however slow the machine: the job did
    // outlast its lease.
    assert!(
        job["finished_at_ms"].as_i64().unwrap() - job["started_at_ms"].as_i64().unwrap() > 1000
    );
    assert_eq!(engine.requests().len(), 5, "each chunk asked once");
}

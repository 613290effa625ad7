//! The durable queue under load: 1,000 updates from 50 concurrent clients, a process killed
//! with SIGKILL mid-way and started again; every article ends narrated from its last
//! version, each generation completed once, nothing published is corrupt, and no chunk was
//! synthesized twice. Once with one server on SQLite, once with an API server and two
//! `serve --worker` processes on PostgreSQL.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use super::{Server, Site, article, check_published, heartstopper};
use crate::util::postgres::Scratch;

const ARTICLES: usize = 50;
const VERSIONS: usize = 20;

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

/// Wait (bounded) until at least `n` jobs are done.
fn wait_done(server: &Server, n: usize) {
    for _ in 0..3000 {
        if done_count(server) >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("fewer than {n} jobs done");
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

/// The two tables, read straight from either database.
trait Tables {
    /// `(id, state)` of every job.
    fn jobs(&self) -> Vec<(String, String)>;
    /// `(id, generation, state)` of every completion.
    fn completions(&self) -> Vec<(String, i64, String)>;
}

impl Tables for rusqlite::Connection {
    fn jobs(&self) -> Vec<(String, String)> {
        let mut statement = self.prepare("SELECT id, state FROM jobs").unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn completions(&self) -> Vec<(String, i64, String)> {
        let mut statement = self.prepare("SELECT id, generation, state FROM completions").unwrap();
        statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

impl Tables for Scratch {
    fn jobs(&self) -> Vec<(String, String)> {
        let rows = self.connect().query("SELECT id, state FROM jobs", &[]).unwrap();
        rows.iter().map(|r| (r.get(0), r.get(1))).collect()
    }

    fn completions(&self) -> Vec<(String, i64, String)> {
        let rows =
            self.connect().query("SELECT id, generation, state FROM completions", &[]).unwrap();
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
    }
}

/// The first part of the example: the whole test then takes seconds per thousand posts.
fn short_text() -> String {
    heartstopper().lines().take(30).map(|l| format!("{l}\n")).collect()
}

/// An engine that logs every request, two at a time: the log shows what was paid for.
fn counting_engine(site: &mut Site) -> crate::cache::Counting {
    let engine = crate::cache::Counting::new(&site.path("engine"), "0.02");
    site.voice = engine.profile.clone();
    engine
}

/// Once every article is done: each ran its last version, its generations completed once
/// each, what it published decodes, and the articles' shared chunks were paid for once.
fn check_finished(
    site: &Site,
    api: &Server,
    tables: &dyn Tables,
    running_at_kill: &BTreeSet<String>,
    survivors: usize,
    engine: &crate::cache::Counting,
) {
    let mut generations = Vec::new();
    let mut taken_up_again = 0;
    for n in 0..ARTICLES {
        let job = api.wait_for(&id(n));
        assert_eq!(job["state"], "done", "{job}");
        let manifest = check_published(&site.path("out"), &id(n));
        let spoken: String = serde_json::to_string(&manifest).unwrap();
        let last = format!("story {n} version {}", VERSIONS - 1);
        assert!(spoken.contains(&last), "{} is not its last version", id(n));
        assert!(!spoken.contains(&format!("story {n} version {},", VERSIONS - 2)));
        if running_at_kill.contains(&id(n)) && job["attempts"].as_u64().unwrap() >= 2 {
            taken_up_again += 1;
        }
        generations.push(job["generation"].as_u64().unwrap());
    }
    assert_eq!(check_all_published(&site.path("out")), ARTICLES);
    // What was running when the process died was taken up again; only jobs held by a
    // worker process that lived on (one job each) were not.
    assert!(
        taken_up_again + survivors >= running_at_kill.len(),
        "of {running_at_kill:?}, {taken_up_again} taken up again"
    );

    let completions = tables.completions();
    let mut distinct: Vec<(String, i64)> =
        completions.iter().map(|(i, g, _)| (i.clone(), *g)).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), completions.len(), "a generation completed twice");
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

    // Every chunk went through the cache, shared by every process and across the restart:
    // the articles share all but their marked sentence, and only requests in flight at a
    // kill (the engine takes two at a time per process) were asked again. An engine a
    // process had only just started when it died reads no text and logs an empty line:
    // not a request.
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
    // The engine is sent the text as said: "story 0 version 19" reads as words.
    const _: () = assert!(VERSIONS == 20);
    assert!(distinct.iter().any(|t| t.contains("story zero version nineteen")), "{distinct:?}");
}

/// Jobs this process finished, by its metrics.
fn finished(server: &Server) -> usize {
    let metrics = String::from_utf8(server.get("/metrics").body).unwrap();
    let line = metrics
        .lines()
        .find(|l| l.starts_with("articulate_jobs_finished_total{outcome=\"done\"}"))
        .unwrap_or_else(|| panic!("{metrics}"));
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

fn running(tables: &dyn Tables) -> BTreeSet<String> {
    tables.jobs().into_iter().filter(|(_, s)| s == "running").map(|(i, _)| i).collect()
}

#[test]
fn a_thousand_updates_survive_a_sigkill_and_each_job_finishes_once_from_its_last_version() {
    let mut site = Site::new("workers = 2\nlease_secs = 1");
    let engine = counting_engine(&mut site);
    let text = short_text();
    let mut server = site.start(&[]);
    post_all(&server, &text);
    wait_done(&server, 3);
    server.child.kill().unwrap(); // SIGKILL: no handler runs, no lease is given back.
    server.child.wait().unwrap();
    drop(server);

    let database = rusqlite::Connection::open(site.path("jobs.sqlite3")).unwrap();
    let jobs = database.jobs();
    assert_eq!(jobs.len(), ARTICLES, "every post was recorded");
    let done_before = jobs.iter().filter(|(_, s)| s == "done").count();
    assert!(done_before < ARTICLES, "killed mid-way, not after: {done_before} done");
    let orphaned = running(&database);
    // Whatever had been published when it died is whole.
    check_all_published(&site.path("out"));

    let server = site.start(&[]);
    check_finished(&site, &server, &database, &orphaned, 0, &engine);
}

#[cfg(unix)]
#[test]
fn two_workers_on_postgres_share_the_queue_and_a_sigkilled_one_loses_no_job() {
    let Some(database) = Scratch::new("two_workers_on_postgres") else { return };
    let mut site = Site::new("workers = 1\nlease_secs = 1");
    site.database_url = Some(database.url.clone());
    let engine = counting_engine(&mut site);
    let text = short_text();
    // The API alone, and two worker processes publishing where it serves.
    let api = site.start_with(&[], &["-j", "0"]);
    let public = format!("http://{}/audio/", api.addr);
    let worker = || site.start_with(&[], &["--worker", "--public-url", &public]);
    let mut first = worker();
    let second = worker();
    post_all(&api, &text);
    wait_done(&api, 3);
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    drop(first);
    let orphaned = running(&database);
    assert_eq!(database.jobs().len(), ARTICLES, "every post was recorded");
    check_all_published(&site.path("out"));

    // The second worker goes on alone; the first comes back while it does.
    let restarted = worker();
    check_finished(&site, &api, &database, &orphaned, 1, &engine);
    // Both workers ran jobs: each process's metrics count what it finished.
    let (alone, back) = (finished(&second), finished(&restarted));
    assert!(alone > 0 && back > 0, "second worker {alone} jobs, restarted one {back}");
    assert_eq!(second.call("GET", "/v1/articles/story-00", None).status, 404, "no API");
    for process in [second, restarted, api] {
        let status = terminate(process);
        assert!(status.success(), "a clean stop on PostgreSQL: {status}");
    }
}

#[test]
fn worker_processes_sharing_an_s3_cache_and_a_postgres_queue_pay_for_each_chunk_once() {
    let Some(database) = Scratch::new("s3_cache_turns") else { return };
    let moto = match crate::util::moto::Moto::start() {
        Ok(moto) => moto,
        Err(reason) => {
            eprintln!("SKIPPED: s3_cache_turns: {reason}");
            return;
        }
    };
    moto.create_bucket("chunks");
    let env = moto.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut site = Site::new("workers = 2\nlease_secs = 5");
    site.database_url = Some(database.url.clone());
    // No directory in common: the cache is a bucket, the turns are the database's.
    site.cache_url = Some("s3://chunks/cache".into());
    let engine = counting_engine(&mut site);
    let api = site.start_with(&env, &["-j", "0"]);
    let public = format!("http://{}/audio/", api.addr);
    let workers: Vec<Server> =
        (0..2).map(|_| site.start_with(&env, &["--worker", "--public-url", &public])).collect();
    // Eight articles that share all but one sentence, queued at once for four workers in
    // two processes.
    let text = short_text();
    for n in 0..8 {
        assert_eq!(api.post(&article(&id(n), &version(&text, n, 0))).status, 202);
    }
    for n in 0..8 {
        assert_eq!(api.wait_for(&id(n))["state"], "done");
    }
    let asked = engine.requests();
    let mut distinct = asked.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(asked.len(), distinct.len(), "a chunk was paid for twice: {asked:#?}");
    let ran: Vec<usize> = workers.iter().map(finished).collect();
    assert!(ran.iter().all(|n| *n > 0), "both processes ran jobs: {ran:?}");
}

/// Stop a server with SIGTERM and wait for it.
#[cfg(unix)]
fn terminate(mut server: Server) -> std::process::ExitStatus {
    let pid = i32::try_from(server.child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    server.child.wait().unwrap()
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
    let status = terminate(server);
    assert!(status.success(), "a clean stop: {status}");

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

//! The queue's contract, through its public API, on both stores: an SQLite file, and a
//! scratch database on the test PostgreSQL server (`scripts/postgres.sh`), reached both
//! without TLS and over it.

use std::sync::Arc;

use articulate::cache::Turns;
use articulate::serve::queue::{
    Database, Finished, Outcome, PostgresQueue, PostgresTurns, Published, Queue, Request, State,
    Submitted,
};

use crate::util::postgres::Scratch;

/// Each contract test, once per store.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                let (_dir, database) = super::sqlite();
                super::$name(&database);
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                let Some(scratch) = super::Scratch::new(stringify!($name)) else { return };
                super::$name(&super::Database::Postgres(scratch.url.clone()));
            })*
        }
        mod postgres_over_tls {
            $(#[test]
            fn $name() {
                let Some(scratch) = super::Scratch::new(stringify!($name)) else { return };
                super::$name(&super::Database::Postgres(scratch.tls_url()));
            })*
        }
    };
}

contract!(
    the_same_content_again_is_unchanged_and_new_content_is_a_new_generation,
    a_failed_job_posted_again_unchanged_is_retried,
    a_claimed_job_is_not_claimed_again_until_its_lease_expires,
    new_content_while_running_stays_with_the_worker_and_is_queued_when_it_finishes,
    a_released_job_is_claimed_again_at_once_without_using_an_attempt,
    a_job_whose_workers_keep_dying_fails_after_the_last_attempt,
    jobs_survive_reopening_the_database_and_are_counted_by_state,
    workers_with_connections_of_their_own_each_claim_different_jobs_and_finish_each_once,
    a_playable_job_keeps_its_stream_until_it_ends_or_its_content_changes,
);

fn stream(id: &str, since: i64) -> articulate::serve::queue::Live {
    articulate::serve::queue::Live {
        playlist: format!("{id}/{id}.m3u8"),
        segments: format!("{id}/live/t{since}/"),
        player: Some(format!("{id}/player/index.html")),
        since,
    }
}

fn a_playable_job_keeps_its_stream_until_it_ends_or_its_content_changes(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    let claim = q.claim(1, 10_000, 3).unwrap().unwrap();
    assert!(q.playable(&claim, &stream("a", 2)).unwrap());
    let job = q.get("a").unwrap().unwrap();
    assert_eq!(
        (job.state, job.live, job.playable_at),
        (State::Playable, Some(stream("a", 2)), Some(2))
    );
    assert!(q.counts().unwrap().contains(&(State::Playable, 1)));
    // Listed as it is shown: under playable, no longer under running.
    let (playable, total) = q.list(Some(State::Playable), 10, 0).unwrap();
    assert_eq!((playable.len(), total, playable[0].state), (1, 1, State::Playable));
    assert_eq!(q.list(Some(State::Running), 10, 0).unwrap(), (vec![], 0));
    // Done: no longer playable (nothing streams), but when it was is kept.
    assert_eq!(q.finish(&claim, &done(), 3).unwrap(), Finished::Recorded);
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.live, job.playable_at), (State::Done, None, Some(2)));
    // New content while streaming: the stream is the old content's, so no longer shown.
    q.submit(&request("a", "two"), 4).unwrap();
    let claim = q.claim(5, 10_000, 3).unwrap().unwrap();
    assert!(q.playable(&claim, &stream("a", 6)).unwrap());
    q.submit(&request("a", "three"), 7).unwrap();
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.live, job.playable_at), (State::Running, None, None));
    // A stale claim cannot make the new generation playable.
    assert!(!q.playable(&claim, &stream("a", 8)).unwrap());
    assert_eq!(q.finish(&claim, &done(), 9).unwrap(), Finished::Requeued);
    let claim = q.claim(10, 10_000, 3).unwrap().unwrap();
    assert!(q.playable(&claim, &stream("a", 11)).unwrap());
    // Given back (the worker stops): queued, its stream gone.
    q.release(&claim).unwrap();
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.live), (State::Queued, None));
}

fn sqlite() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let database = Database::Sqlite(dir.path().join("jobs.sqlite3"));
    (dir, database)
}

fn request(id: &str, text: &str) -> Request {
    Request { id: id.into(), text: Some(text.into()), ..Request::default() }
}

fn done() -> Outcome {
    Outcome::Done(Published { manifest: "a/a.json".into(), ..Published::default() })
}

fn the_same_content_again_is_unchanged_and_new_content_is_a_new_generation(database: &Database) {
    let q = database.open().unwrap();
    assert_eq!(q.submit(&request("a", "one"), 1).unwrap().0, Submitted::Created);
    let mut moved = request("a", "one");
    moved.updated_at = Some("2026-01-01".into());
    assert_eq!(q.submit(&moved, 2).unwrap().0, Submitted::Unchanged);
    let (what, job) = q.submit(&request("a", "two"), 3).unwrap();
    assert_eq!((what, job.generation, job.state), (Submitted::Changed, 2, State::Queued));
    let mut voiced = request("a", "two");
    voiced.voice = Some("flite".into());
    assert_eq!(q.submit(&voiced, 4).unwrap().0, Submitted::Changed);
}

fn a_failed_job_posted_again_unchanged_is_retried(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    let claim = q.claim(1, 100, 5).unwrap().unwrap();
    q.finish(&claim, &Outcome::Failed("backend down".into()), 2).unwrap();
    let (what, job) = q.submit(&request("a", "one"), 3).unwrap();
    assert_eq!((what, job.state, job.generation), (Submitted::Changed, State::Queued, 2));
    assert_eq!(job.error, None);
}

fn a_claimed_job_is_not_claimed_again_until_its_lease_expires(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    let first = q.claim(10, 100, 5).unwrap().unwrap();
    assert_eq!(q.claim(50, 100, 5).unwrap(), None);
    assert!(q.renew(&first, 90, 100).unwrap());
    assert_eq!(q.claim(150, 100, 5).unwrap(), None, "renewed until 190");
    let second = q.claim(200, 100, 5).unwrap().unwrap();
    assert_ne!(first.token, second.token);
    assert!(!q.renew(&first, 210, 100).unwrap());
    q.release(&first).unwrap();
    assert_eq!(q.claim(211, 100, 5).unwrap(), None, "a lost claim releases nothing");
    assert_eq!(q.finish(&first, &done(), 220).unwrap(), Finished::Lost);
    assert_eq!(q.finish(&second, &done(), 230).unwrap(), Finished::Recorded);
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.completions, job.attempts), (State::Done, 1, 2));
    assert_eq!(job.published.unwrap().manifest, "a/a.json");
}

fn new_content_while_running_stays_with_the_worker_and_is_queued_when_it_finishes(
    database: &Database,
) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    let claim = q.claim(1, 1000, 5).unwrap().unwrap();
    let (_, job) = q.submit(&request("a", "two"), 2).unwrap();
    assert_eq!((job.state, job.generation), (State::Running, 2));
    assert_eq!(q.claim(3, 1000, 5).unwrap(), None, "one worker per article");
    assert_eq!(q.finish(&claim, &done(), 4).unwrap(), Finished::Requeued);
    let next = q.claim(5, 1000, 5).unwrap().unwrap();
    assert_eq!((next.generation, next.request.text.as_deref()), (2, Some("two")));
    assert_eq!(q.finish(&next, &done(), 6).unwrap(), Finished::Recorded);
    assert_eq!(q.get("a").unwrap().unwrap().completions, 2);
}

fn a_released_job_is_claimed_again_at_once_without_using_an_attempt(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    let first = q.claim(1, 1000, 1).unwrap().unwrap();
    q.release(&first).unwrap();
    let again = q.claim(2, 1000, 1).unwrap().unwrap();
    assert_eq!(q.finish(&again, &done(), 3).unwrap(), Finished::Recorded);
}

fn a_job_whose_workers_keep_dying_fails_after_the_last_attempt(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    q.submit(&request("b", "two"), 1).unwrap();
    q.claim(10, 5, 2).unwrap().unwrap();
    q.claim(20, 5, 2).unwrap().unwrap();
    // Both leases expired; "a" has had its two attempts, so "b" is next.
    q.claim(30, 5, 2).unwrap().unwrap();
    let next = q.claim(40, 5, 2).unwrap().unwrap();
    assert_eq!(next.request.id, "b");
    let a = q.get("a").unwrap().unwrap();
    assert_eq!(a.state, State::Failed);
    assert!(a.error.unwrap().contains("2 attempts"));
}

fn jobs_survive_reopening_the_database_and_are_counted_by_state(database: &Database) {
    let q = database.open().unwrap();
    q.submit(&request("a", "one"), 0).unwrap();
    q.submit(&request("b", "two"), 0).unwrap();
    let claim = q.claim(1, 10, 5).unwrap().unwrap();
    q.finish(&claim, &Outcome::Failed("no voice".into()), 2).unwrap();
    drop(q);
    let q = database.open().unwrap();
    let counts = q.counts().unwrap();
    assert_eq!(
        counts,
        [
            (State::Queued, 1),
            (State::Running, 0),
            (State::Playable, 0),
            (State::Done, 0),
            (State::Failed, 1)
        ]
    );
    assert_eq!(q.get("a").unwrap().unwrap().error.as_deref(), Some("no voice"));
    assert!(q.delete("a").unwrap());
    assert!(!q.delete("a").unwrap());
    assert_eq!(q.get("a").unwrap(), None);
}

fn workers_with_connections_of_their_own_each_claim_different_jobs_and_finish_each_once(
    database: &Database,
) {
    const JOBS: usize = 60;
    let q = database.open().unwrap();
    for n in 0..JOBS {
        q.submit(&request(&format!("job-{n:02}"), "text"), 0).unwrap();
    }
    // Four workers as four processes would be: a connection each, claiming at once.
    let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let worker: Arc<dyn Queue> = database.open().unwrap();
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    while let Some(claim) = worker.claim(1, 60_000, 3).unwrap() {
                        assert_eq!(worker.finish(&claim, &done(), 2).unwrap(), Finished::Recorded);
                        mine.push(claim.request.id);
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut all: Vec<String> = claimed.into_iter().flatten().collect();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!((before, all.len()), (JOBS, JOBS), "each job claimed once");
    let counts = q.counts().unwrap();
    assert!(counts.contains(&(State::Done, JOBS as u64)), "{counts:?}");
}

#[test]
fn a_chunk_turn_taken_by_one_process_is_waited_for_by_another_until_given_back() {
    let Some(scratch) = Scratch::new("turns") else { return };
    let url = &scratch.url;
    // Two connections, as two machines would have.
    let (here, there) = (PostgresTurns::open(url).unwrap(), PostgresTurns::open(url).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let digest = "abcdef0123456789abcdef";
        let held = here.take(digest).await.unwrap();
        let waiting = tokio::spawn(async move { there.take(digest).await.is_some() });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the other process waits for the turn");
        assert!(here.take("1234567890abcdef1234").await.is_some(), "other chunks are free");
        drop(held);
        let given = tokio::time::timeout(std::time::Duration::from_secs(10), waiting).await;
        assert!(given.unwrap().unwrap(), "and gets it once it is given back");
    });
}

#[test]
fn a_job_queued_by_one_process_wakes_the_workers_of_another() {
    let Some(scratch) = Scratch::new("notify") else { return };
    wakes_workers_of_another_process(&scratch.url);
}

#[test]
fn a_job_queued_by_one_process_wakes_the_workers_of_another_over_tls() {
    let Some(scratch) = Scratch::new("notify_tls") else { return };
    wakes_workers_of_another_process(&scratch.tls_url());
}

fn wakes_workers_of_another_process(url: &str) {
    let (workers, api) = (PostgresQueue::open(url).unwrap(), PostgresQueue::open(url).unwrap());
    let (woken, wakes) = std::sync::mpsc::channel();
    let woken = std::sync::Mutex::new(woken);
    workers.on_new_jobs(Arc::new(move || {
        let _ = woken.lock().unwrap().send(());
    }));
    let wait = std::time::Duration::from_secs(10);
    // The listener connects on a thread of its own: poll until it hears a submission.
    let mut heard = false;
    for n in 0..50 {
        api.submit(&request(&format!("a{n}"), "one"), 0).unwrap();
        if wakes.recv_timeout(std::time::Duration::from_millis(200)).is_ok() {
            heard = true;
            break;
        }
    }
    assert!(heard, "a submission was announced");
    while wakes.try_recv().is_ok() {}
    let claim = workers.claim(1, 1000, 3).unwrap().unwrap();
    workers.release(&claim).unwrap();
    wakes.recv_timeout(wait).expect("a released job is announced");
    assert_eq!(api.submit(&request("a0", "one"), 2).unwrap().0, Submitted::Unchanged);
}

#[test]
fn a_user_the_server_admits_only_over_tls_is_refused_without_it() {
    let Some(scratch) = Scratch::new("tls_refused") else { return };
    // The over-TLS tests above pass as this user, so they did use TLS.
    let plain = scratch.tls_url().replace("sslmode=require", "sslmode=disable");
    let Err(error) = Database::Postgres(plain).open() else { panic!("connected without TLS") };
    assert!(error.to_string().contains("rejects connection"), "{error}");
}

#[test]
fn a_server_whose_certificate_is_not_from_the_trusted_ca_is_refused_with_a_clear_error() {
    let Some(scratch) = Scratch::new("tls_untrusted") else { return };
    let Err(error) = Database::Postgres(scratch.untrusted_tls_url()).open() else {
        panic!("trusted an unknown CA")
    };
    let message = error.to_string();
    assert!(message.contains("invalid peer certificate"), "{message}");
    assert!(!message.contains('\n'), "one line: {message}");
}

#[test]
fn a_job_database_made_before_streaming_is_opened_and_its_jobs_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    let old = rusqlite::Connection::open(&path).unwrap();
    // The jobs table as it was before `live`.
    old.execute_batch(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, request TEXT NOT NULL, hash TEXT NOT NULL, \
         generation INTEGER NOT NULL, state TEXT NOT NULL, token TEXT, lease_until INTEGER, \
         attempts INTEGER NOT NULL DEFAULT 0, error TEXT, published TEXT, \
         queued_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER); \
         INSERT INTO jobs (id, request, hash, generation, state, queued_at) \
         VALUES ('a', '{\"id\":\"a\",\"text\":\"one\"}', 'h', 1, 'queued', 0);",
    )
    .unwrap();
    drop(old);
    let q = Database::Sqlite(path).open().unwrap();
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.live, job.playable_at), (State::Queued, None, None));
    let claim = q.claim(1, 10_000, 3).unwrap().unwrap();
    let live = articulate::serve::queue::Live {
        playlist: "a/a.m3u8".into(),
        segments: "a/live/t/".into(),
        player: None,
        since: 5,
    };
    assert!(q.playable(&claim, &live).unwrap());
    let job = q.get("a").unwrap().unwrap();
    assert_eq!((job.state, job.live, job.playable_at), (State::Playable, Some(live), Some(5)));
}

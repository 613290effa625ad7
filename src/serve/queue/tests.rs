//! The queue's contract, on SQLite.

use super::*;

fn queue() -> (tempfile::TempDir, SqliteQueue) {
    let dir = tempfile::tempdir().unwrap();
    let queue = SqliteQueue::open(&dir.path().join("jobs.sqlite3")).unwrap();
    (dir, queue)
}

fn request(id: &str, text: &str) -> Request {
    Request {
        id: id.into(),
        url: None,
        html: None,
        text: Some(text.into()),
        updated_at: None,
        voice: None,
    }
}

fn done() -> Outcome {
    Outcome::Done(Published { manifest: "a/a.json".into(), ..Published::default() })
}

#[test]
fn the_same_content_again_is_unchanged_and_new_content_is_a_new_generation() {
    let (_dir, q) = queue();
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

#[test]
fn a_failed_job_posted_again_unchanged_is_retried() {
    let (_dir, q) = queue();
    q.submit(&request("a", "one"), 0).unwrap();
    let claim = q.claim(1, 100, 5).unwrap().unwrap();
    q.finish(&claim, &Outcome::Failed("backend down".into()), 2).unwrap();
    let (what, job) = q.submit(&request("a", "one"), 3).unwrap();
    assert_eq!((what, job.state, job.generation), (Submitted::Changed, State::Queued, 2));
    assert_eq!(job.error, None);
}

#[test]
fn a_claimed_job_is_not_claimed_again_until_its_lease_expires() {
    let (_dir, q) = queue();
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

#[test]
fn new_content_while_running_stays_with_the_worker_and_is_queued_when_it_finishes() {
    let (_dir, q) = queue();
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

#[test]
fn a_released_job_is_claimed_again_at_once_without_using_an_attempt() {
    let (_dir, q) = queue();
    q.submit(&request("a", "one"), 0).unwrap();
    let first = q.claim(1, 1000, 1).unwrap().unwrap();
    q.release(&first).unwrap();
    let again = q.claim(2, 1000, 1).unwrap().unwrap();
    assert_eq!(q.finish(&again, &done(), 3).unwrap(), Finished::Recorded);
}

#[test]
fn a_job_whose_workers_keep_dying_fails_after_the_last_attempt() {
    let (_dir, q) = queue();
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

#[test]
fn jobs_survive_reopening_the_database_and_are_counted_by_state() {
    let (dir, q) = queue();
    q.submit(&request("a", "one"), 0).unwrap();
    q.submit(&request("b", "two"), 0).unwrap();
    let claim = q.claim(1, 10, 5).unwrap().unwrap();
    q.finish(&claim, &Outcome::Failed("no voice".into()), 2).unwrap();
    drop(q);
    let q = SqliteQueue::open(&dir.path().join("jobs.sqlite3")).unwrap();
    let counts = q.counts().unwrap();
    assert_eq!(
        counts,
        [(State::Queued, 1), (State::Running, 0), (State::Done, 0), (State::Failed, 1)]
    );
    assert_eq!(q.get("a").unwrap().unwrap().error.as_deref(), Some("no voice"));
    assert!(q.delete("a").unwrap());
    assert!(!q.delete("a").unwrap());
    assert_eq!(q.get("a").unwrap(), None);
}

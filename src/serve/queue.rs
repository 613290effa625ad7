//! The durable job queue: one row per article id, claimed under a lease.
//!
//! A job is `queued` until a worker claims it, which makes it `running` with a random token
//! and a lease expiry; the worker renews the lease while it works and ends the job with the
//! same token. A worker that dies stops renewing, so once its lease expires the job can be
//! claimed again, by a new token: the dead worker's token no longer matches anything, and
//! a late finish from it changes nothing. Each finish is recorded in `completions` under
//! the primary key (id, generation), so a generation is completed at most once.
//!
//! A repost with changed content bumps the job's `generation`. When the job is running,
//! it stays with its worker (two workers never write one article's files at once) and the
//! finish of the old generation puts it back in the queue for the new one.
//!
//! The trait is synchronous, one short transaction per call; async callers run it on a
//! blocking thread. The schema is plain SQL so a PostgreSQL backend can implement the same
//! trait, claiming with `SELECT … FOR UPDATE SKIP LOCKED` where SQLite takes its single
//! writer lock (`BEGIN IMMEDIATE`).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

/// The queue's store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The database could not be opened, read or written.
    #[error("job database {location}: {source}")]
    Database {
        /// The file.
        location: String,
        /// Why.
        source: rusqlite::Error,
    },
    /// A stored request or result is not valid JSON (the database was edited by hand?).
    #[error("job database {location}: job {id}: {message}")]
    Corrupt {
        /// The file.
        location: String,
        /// The job.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for a worker.
    Queued,
    /// A worker holds its lease.
    Running,
    /// Published.
    Done,
    /// Failed; `error` says why.
    Failed,
}

impl State {
    /// Every state, in the order metrics list them.
    pub const ALL: [State; 4] = [State::Queued, State::Running, State::Done, State::Failed];

    /// The name stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a webhook asked for: the article and its voice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The article's id in the CMS; also its output name.
    pub id: String,
    /// Its public URL, when given (recorded, not fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its HTML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Its plain text (used when there is no HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// When the CMS last changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// A voice profile name; none for the configured voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice: Option<String>,
}

impl Request {
    /// What decides whether a repost changes anything: the content and the voice. (Not
    /// `updated_at`: a CMS bumps it on saves that change nothing spoken.)
    #[must_use]
    pub fn content_hash(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for part in [&self.html, &self.text, &self.voice] {
            // A length prefix per part, so moving bytes between parts changes the hash.
            let bytes = part.as_deref().map(str::as_bytes);
            hasher.update(&bytes.map_or(u64::MAX, |b| b.len() as u64).to_le_bytes());
            hasher.update(bytes.unwrap_or_default());
        }
        hasher.finalize().to_hex().to_string()
    }
}

/// What publishing an article produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The manifest's path relative to the output directory.
    pub manifest: String,
    /// The audio files' paths relative to the output directory.
    pub audio: Vec<String>,
    /// Chunks in the script.
    pub chunks: usize,
    /// Of those, answered from the cache.
    pub cache_hits: usize,
    /// Requests sent to backends.
    pub requests: usize,
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The latest request for the article.
    pub request: Request,
    /// Its [`Request::content_hash`].
    pub hash: String,
    /// Counts content changes from 1.
    pub generation: i64,
    /// Where it is.
    pub state: State,
    /// Why it failed.
    pub error: Option<String>,
    /// The last publication (of any generation).
    pub published: Option<Published>,
    /// Claims so far of this generation.
    pub attempts: i64,
    /// Generations completed, this one included.
    pub completions: i64,
    /// Unix milliseconds: when this generation was queued, claimed, finished.
    pub queued_at: i64,
    /// See `queued_at`.
    pub started_at: Option<i64>,
    /// See `queued_at`.
    pub finished_at: Option<i64>,
}

/// What [`Queue::submit`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// A new article.
    Created,
    /// Changed content, or a failed job posted again: a new generation.
    Changed,
    /// The same content and voice as the current generation: nothing to do.
    Unchanged,
}

/// A job claimed by a worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The request to run.
    pub request: Request,
    /// Its generation.
    pub generation: i64,
    /// Proves the claim is still this worker's.
    pub token: String,
    /// When the generation was queued (unix ms).
    pub queued_at: i64,
}

/// How a claimed job ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Published.
    Done(Published),
    /// Failed for good.
    Failed(String),
}

/// What [`Queue::finish`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finished {
    /// Recorded; the job is done or failed.
    Recorded,
    /// Recorded, but the content changed meanwhile: queued again for the new generation.
    Requeued,
    /// The claim was no longer this worker's (its lease expired and another took it, or the
    /// article was deleted): nothing recorded.
    Lost,
}

/// A durable job queue shared by every worker.
pub trait Queue: Send + Sync {
    /// Record a request: a new job, a new generation, or nothing when unchanged.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn submit(&self, request: &Request, now: i64) -> Result<(Submitted, Job), QueueError>;

    /// The job for an article.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn get(&self, id: &str) -> Result<Option<Job>, QueueError>;

    /// Forget an article; whether there was one.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn delete(&self, id: &str) -> Result<bool, QueueError>;

    /// The oldest queued job, or one whose lease expired, claimed until `now + lease_ms`.
    /// A job claimed `max_attempts` times without finishing fails instead: it is what
    /// kills its workers.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn claim(
        &self,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> Result<Option<Claim>, QueueError>;

    /// Extend a claim's lease; false when it is no longer this worker's.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn renew(&self, claim: &Claim, now: i64, lease_ms: i64) -> Result<bool, QueueError>;

    /// Give a claim back to the queue unfinished (the worker is stopping), as if it had
    /// never been claimed.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn release(&self, claim: &Claim) -> Result<(), QueueError>;

    /// End a claim.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn finish(&self, claim: &Claim, outcome: &Outcome, now: i64) -> Result<Finished, QueueError>;

    /// Jobs in each state.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn counts(&self) -> Result<Vec<(State, u64)>, QueueError>;
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    request     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    token       TEXT,
    lease_until INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    published   TEXT,
    queued_at   INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs (state, queued_at);
CREATE TABLE IF NOT EXISTS completions (
    id          TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    state       TEXT NOT NULL,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (id, generation)
);
";

/// The queue in an SQLite file: one connection, one writer at a time.
pub struct SqliteQueue {
    connection: Mutex<Connection>,
    location: String,
}

impl SqliteQueue {
    /// Open (creating if needed) the database at `path`.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or is not a job database.
    pub fn open(path: &Path) -> Result<SqliteQueue, QueueError> {
        let location = path.display().to_string();
        let db = |source| QueueError::Database { location: location.clone(), source };
        let connection = Connection::open(path).map_err(db)?;
        // WAL: readers (status polls) never wait for the writer. NORMAL loses nothing when
        // the process dies, only (perhaps) the last commits when the machine does.
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(db)?;
        connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
        connection.execute_batch(SCHEMA).map_err(db)?;
        Ok(SqliteQueue { connection: Mutex::new(connection), location })
    }

    fn with<T>(
        &self,
        run: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, QueueError> {
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        run(&mut connection)
            .map_err(|source| QueueError::Database { location: self.location.clone(), source })
    }

    fn corrupt(&self, id: &str, message: impl std::fmt::Display) -> QueueError {
        QueueError::Corrupt {
            location: self.location.clone(),
            id: id.to_owned(),
            message: message.to_string(),
        }
    }

    fn decode(&self, row: RawJob) -> Result<Job, QueueError> {
        let request = serde_json::from_str(&row.request).map_err(|e| self.corrupt(&row.id, e))?;
        let published = match row.published {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| self.corrupt(&row.id, e))?),
            None => None,
        };
        let state = State::parse(&row.state)
            .ok_or_else(|| self.corrupt(&row.id, format!("unknown state {:?}", row.state)))?;
        Ok(Job {
            request,
            hash: row.hash,
            generation: row.generation,
            state,
            error: row.error,
            published,
            attempts: row.attempts,
            completions: row.completions,
            queued_at: row.queued_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }
}

/// A `jobs` row as read.
struct RawJob {
    id: String,
    request: String,
    hash: String,
    generation: i64,
    state: String,
    error: Option<String>,
    published: Option<String>,
    attempts: i64,
    completions: i64,
    queued_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

const SELECT_JOB: &str = "SELECT id, request, hash, generation, state, error, published, \
    attempts, (SELECT COUNT(*) FROM completions c WHERE c.id = jobs.id), queued_at, \
    started_at, finished_at FROM jobs WHERE id = ?1";

fn raw_job(connection: &Connection, id: &str) -> rusqlite::Result<Option<RawJob>> {
    connection
        .query_row(SELECT_JOB, [id], |row| {
            Ok(RawJob {
                id: row.get(0)?,
                request: row.get(1)?,
                hash: row.get(2)?,
                generation: row.get(3)?,
                state: row.get(4)?,
                error: row.get(5)?,
                published: row.get(6)?,
                attempts: row.get(7)?,
                completions: row.get(8)?,
                queued_at: row.get(9)?,
                started_at: row.get(10)?,
                finished_at: row.get(11)?,
            })
        })
        .optional()
}

fn new_token() -> String {
    let mut bytes = [0u8; 16];
    bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    hex::encode(bytes)
}

impl Queue for SqliteQueue {
    fn submit(&self, request: &Request, now: i64) -> Result<(Submitted, Job), QueueError> {
        let hash = request.content_hash();
        let text = serde_json::to_string(request).map_err(|e| self.corrupt(&request.id, e))?;
        let (submitted, row) = self.with(|connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<(String, String)> = tx
                .query_row("SELECT hash, state FROM jobs WHERE id = ?1", [&request.id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let submitted = match current {
                None => {
                    tx.execute(
                        "INSERT INTO jobs (id, request, hash, generation, state, queued_at) \
                         VALUES (?1, ?2, ?3, 1, 'queued', ?4)",
                        params![request.id, text, hash, now],
                    )?;
                    Submitted::Created
                }
                // A failed job posted again is retried: the failure may have been the
                // backend's, and the CMS has no other way to ask.
                Some((old, state)) if old == hash && state != "failed" => Submitted::Unchanged,
                Some((_, state)) => {
                    // A running job stays with its worker; its finish requeues it.
                    let state = if state == "running" { "running" } else { "queued" };
                    tx.execute(
                        "UPDATE jobs SET request = ?2, hash = ?3, generation = generation + 1, \
                         state = ?4, attempts = 0, error = NULL, queued_at = ?5, \
                         started_at = NULL, finished_at = NULL WHERE id = ?1",
                        params![request.id, text, hash, state, now],
                    )?;
                    Submitted::Changed
                }
            };
            let row = raw_job(&tx, &request.id)?;
            tx.commit()?;
            Ok((submitted, row))
        })?;
        let row = row.ok_or_else(|| self.corrupt(&request.id, "vanished while submitted"))?;
        Ok((submitted, self.decode(row)?))
    }

    fn get(&self, id: &str) -> Result<Option<Job>, QueueError> {
        self.with(|c| raw_job(c, id))?.map(|row| self.decode(row)).transpose()
    }

    fn delete(&self, id: &str) -> Result<bool, QueueError> {
        self.with(|connection| {
            let tx = connection.transaction()?;
            let removed = tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
            tx.execute("DELETE FROM completions WHERE id = ?1", [id])?;
            tx.commit()?;
            Ok(removed > 0)
        })
    }

    fn claim(
        &self,
        now: i64,
        lease_ms: i64,
        max_attempts: i64,
    ) -> Result<Option<Claim>, QueueError> {
        loop {
            let found = self.with(|connection| {
                let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let next: Option<(String, String, i64, i64, i64)> = tx
                    .query_row(
                        "SELECT id, request, generation, attempts, queued_at FROM jobs \
                         WHERE state = 'queued' OR (state = 'running' AND lease_until < ?1) \
                         ORDER BY queued_at, id LIMIT 1",
                        [now],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let Some((id, request, generation, attempts, queued_at)) = next else {
                    return Ok(None);
                };
                if attempts >= max_attempts {
                    let error = format!(
                        "gave up after {attempts} attempts: each time, the worker running it \
                         stopped without finishing"
                    );
                    fail(&tx, &id, generation, &error, now)?;
                    tx.commit()?;
                    return Ok(Some(Err(id)));
                }
                let token = new_token();
                tx.execute(
                    "UPDATE jobs SET state = 'running', token = ?2, lease_until = ?3, \
                     attempts = attempts + 1, started_at = ?4 WHERE id = ?1",
                    params![id, token, now + lease_ms, now],
                )?;
                tx.commit()?;
                Ok(Some(Ok((id, request, generation, token, queued_at))))
            })?;
            match found {
                None => return Ok(None),
                // Failed for good; look for another.
                Some(Err(id)) => tracing::warn!(%id, "Job failed: too many attempts."),
                Some(Ok((id, request, generation, token, queued_at))) => {
                    let request =
                        serde_json::from_str(&request).map_err(|e| self.corrupt(&id, e))?;
                    return Ok(Some(Claim { request, generation, token, queued_at }));
                }
            }
        }
    }

    fn renew(&self, claim: &Claim, now: i64, lease_ms: i64) -> Result<bool, QueueError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET lease_until = ?3 WHERE id = ?1 AND token = ?2 \
                 AND state = 'running'",
                params![claim.request.id, claim.token, now + lease_ms],
            )
            .map(|n| n > 0)
        })
    }

    fn release(&self, claim: &Claim) -> Result<(), QueueError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET state = 'queued', token = NULL, lease_until = NULL, \
                 started_at = NULL, attempts = MAX(attempts - 1, 0) \
                 WHERE id = ?1 AND token = ?2 AND state = 'running'",
                params![claim.request.id, claim.token],
            )
            .map(|_| ())
        })
    }

    fn finish(&self, claim: &Claim, outcome: &Outcome, now: i64) -> Result<Finished, QueueError> {
        let id = &claim.request.id;
        // Serialized before the transaction, so it cannot fail half-way.
        let ending = match outcome {
            Outcome::Done(p) => {
                Ending::Done(serde_json::to_string(p).map_err(|e| self.corrupt(id, e))?)
            }
            Outcome::Failed(error) => Ending::Failed(error),
        };
        self.with(|connection| {
            let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current: Option<i64> = tx
                .query_row(
                    "SELECT generation FROM jobs WHERE id = ?1 AND token = ?2 \
                     AND state = 'running'",
                    params![id, claim.token],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(current) = current else { return Ok(Finished::Lost) };
            let finished = match &ending {
                Ending::Done(published) => {
                    tx.execute(
                        "UPDATE jobs SET published = ?2 WHERE id = ?1",
                        params![id, published],
                    )?;
                    tx.execute(
                        "INSERT INTO completions (id, generation, state, finished_at) \
                         VALUES (?1, ?2, 'done', ?3)",
                        params![id, claim.generation, now],
                    )?;
                    if current == claim.generation {
                        tx.execute(
                            "UPDATE jobs SET state = 'done', token = NULL, lease_until = NULL, \
                             error = NULL, finished_at = ?2 WHERE id = ?1",
                            params![id, now],
                        )?;
                        Finished::Recorded
                    } else {
                        requeue(&tx, id)?
                    }
                }
                Ending::Failed(error) => {
                    if current == claim.generation {
                        fail(&tx, id, current, error, now)?;
                        Finished::Recorded
                    } else {
                        requeue(&tx, id)?
                    }
                }
            };
            tx.commit()?;
            Ok(finished)
        })
    }

    fn counts(&self) -> Result<Vec<(State, u64)>, QueueError> {
        let rows: Vec<(String, i64)> = self.with(|c| {
            let mut statement = c.prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        Ok(State::ALL
            .into_iter()
            .map(|state| {
                let n = rows.iter().find(|(s, _)| s == state.as_str()).map_or(0, |(_, n)| *n);
                let n = u64::try_from(n).unwrap_or(0);
                (state, n)
            })
            .collect())
    }
}

/// An [`Outcome`] ready to store.
enum Ending<'a> {
    Done(String),
    Failed(&'a str),
}

fn fail(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    generation: i64,
    error: &str,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE jobs SET state = 'failed', token = NULL, lease_until = NULL, error = ?2, \
         finished_at = ?3 WHERE id = ?1",
        params![id, error, now],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO completions (id, generation, state, finished_at) \
         VALUES (?1, ?2, 'failed', ?3)",
        params![id, generation, now],
    )?;
    Ok(())
}

fn requeue(tx: &rusqlite::Transaction<'_>, id: &str) -> rusqlite::Result<Finished> {
    tx.execute(
        "UPDATE jobs SET state = 'queued', token = NULL, lease_until = NULL, started_at = NULL \
         WHERE id = ?1",
        [id],
    )?;
    Ok(Finished::Requeued)
}

#[cfg(test)]
mod tests {
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
}

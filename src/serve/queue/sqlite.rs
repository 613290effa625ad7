//! The queue in an SQLite file (bundled SQLite: nothing to install).

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    COUNT_STATES, Claim, Finished, Job, Live, Outcome, Queue, QueueError, RawJob, Request, State,
    Submitted, all_counts, corrupt, gave_up, new_token, shown_state,
};

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
    live        TEXT,
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
        let db = |error: rusqlite::Error| QueueError::Database {
            location: location.clone(),
            message: crate::errors::one_line(&error),
        };
        let connection = Connection::open(path).map_err(db)?;
        // WAL: readers (status polls) never wait for the writer. NORMAL loses nothing when
        // the process dies, only (perhaps) the last commits when the machine does.
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
            .map_err(db)?;
        connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
        connection.execute_batch(SCHEMA).map_err(db)?;
        // Databases made before streams were published have no `live` column.
        let has_live: bool = connection
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('jobs') WHERE name = 'live'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(db)?;
        if !has_live {
            connection.execute_batch("ALTER TABLE jobs ADD COLUMN live TEXT").map_err(db)?;
        }
        Ok(SqliteQueue { connection: Mutex::new(connection), location })
    }

    fn with<T>(
        &self,
        run: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, QueueError> {
        let mut connection = self.connection.lock().unwrap_or_else(PoisonError::into_inner);
        run(&mut connection).map_err(|error| QueueError::Database {
            location: self.location.clone(),
            message: crate::errors::one_line(&error),
        })
    }

    fn corrupt(&self, id: &str, message: impl std::fmt::Display) -> QueueError {
        corrupt(&self.location, id, message)
    }
}

const SELECT_JOB: &str = "SELECT id, request, hash, generation, state, error, published, \
    attempts, (SELECT COUNT(*) FROM completions c WHERE c.id = jobs.id), queued_at, \
    started_at, finished_at, live FROM jobs WHERE id = ?1";

fn raw_job(connection: &Connection, id: &str) -> rusqlite::Result<Option<RawJob>> {
    connection.query_row(SELECT_JOB, [id], read_row).optional()
}

/// A row of `SELECT_JOB`'s columns.
fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawJob> {
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
        live: row.get(12)?,
    })
}

/// `SELECT_JOB`'s columns for a page of jobs, newest first; `?1` a state or NULL for all.
const SELECT_PAGE: &str = concat!(
    "SELECT id, request, hash, generation, state, error, published, \
    attempts, (SELECT COUNT(*) FROM completions c WHERE c.id = jobs.id), queued_at, \
    started_at, finished_at, live FROM jobs WHERE ?1 IS NULL OR ",
    shown_state!(),
    " = ?1 \
    ORDER BY queued_at DESC, id DESC LIMIT ?2 OFFSET ?3"
);

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
                         started_at = NULL, finished_at = NULL, live = NULL WHERE id = ?1",
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
        Ok((submitted, row.decode(&self.location)?))
    }

    fn get(&self, id: &str) -> Result<Option<Job>, QueueError> {
        self.with(|c| raw_job(c, id))?.map(|row| row.decode(&self.location)).transpose()
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
                    fail(&tx, &id, generation, &gave_up(attempts), now)?;
                    tx.commit()?;
                    return Ok(Some(Err(id)));
                }
                let token = new_token();
                tx.execute(
                    "UPDATE jobs SET state = 'running', token = ?2, lease_until = ?3, \
                     attempts = attempts + 1, started_at = ?4, live = NULL WHERE id = ?1",
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
                 started_at = NULL, attempts = MAX(attempts - 1, 0), live = NULL \
                 WHERE id = ?1 AND token = ?2 AND state = 'running'",
                params![claim.request.id, claim.token],
            )
            .map(|_| ())
        })
    }

    fn playable(&self, claim: &Claim, live: &Live) -> Result<bool, QueueError> {
        let text = serde_json::to_string(live).map_err(|e| self.corrupt(&claim.request.id, e))?;
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET live = ?4 WHERE id = ?1 AND token = ?2 AND generation = ?3 \
                 AND state = 'running'",
                params![claim.request.id, claim.token, claim.generation, text],
            )
            .map(|n| n > 0)
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
            let mut statement = c.prepare(COUNT_STATES)?;
            let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })?;
        Ok(all_counts(&rows))
    }

    fn list(
        &self,
        state: Option<State>,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<Job>, u64), QueueError> {
        let state = state.map(State::as_str);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let (rows, total) = self.with(|connection| {
            // One read transaction: the page and the total agree.
            let tx = connection.transaction()?;
            let rows = {
                let mut statement = tx.prepare(SELECT_PAGE)?;
                let rows = statement.query_map(params![state, limit, offset], read_row)?;
                rows.collect::<rusqlite::Result<Vec<RawJob>>>()?
            };
            let total: i64 = tx.query_row(
                concat!("SELECT COUNT(*) FROM jobs WHERE ?1 IS NULL OR ", shown_state!(), " = ?1"),
                [state],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok((rows, total))
        })?;
        let jobs =
            rows.into_iter().map(|row| row.decode(&self.location)).collect::<Result<_, _>>()?;
        Ok((jobs, u64::try_from(total).unwrap_or(0)))
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
        "UPDATE jobs SET state = 'queued', token = NULL, lease_until = NULL, started_at = NULL, \
         live = NULL WHERE id = ?1",
        [id],
    )?;
    Ok(Finished::Requeued)
}

//! The queue in PostgreSQL: one database shared by every `serve` process on every machine.
//!
//! Each call is one short transaction at READ COMMITTED. Rows are locked, never tables:
//! a claim takes the oldest claimable row `FOR UPDATE SKIP LOCKED`, so two workers asking
//! at once get two different jobs instead of queueing behind each other, and every change
//! to a job first locks its row, so a claim, a repost and a finish of one article happen
//! one after another.

use std::sync::Arc;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, GenericClient, Row};

use super::connection::Connection;
use super::{
    COUNT_STATES, Claim, Finished, Job, Live, Outcome, Queue, QueueError, RawJob, Request, State,
    Submitted, all_counts, corrupt, gave_up, new_token, shown_state,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    id          TEXT PRIMARY KEY,
    request     TEXT NOT NULL,
    hash        TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    token       TEXT,
    lease_until BIGINT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    error       TEXT,
    published   TEXT,
    live        TEXT,
    queued_at   BIGINT NOT NULL,
    started_at  BIGINT,
    finished_at BIGINT
);
CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs (state, queued_at);
CREATE TABLE IF NOT EXISTS completions (
    id          TEXT NOT NULL,
    generation  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (id, generation)
);
DO $$ BEGIN
    -- Databases made before streams were published have no `live` column. (Checked first:
    -- ALTER TABLE locks the table even when there is nothing to add.)
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'jobs' AND column_name = 'live') THEN
        ALTER TABLE jobs ADD COLUMN live TEXT;
    END IF;
END $$;
";

/// Held while the schema is created: `CREATE … IF NOT EXISTS` is not safe against itself
/// when several workers start at once.
const SCHEMA_LOCK: i64 = 0x6172_7469_6375;

/// The queue in a PostgreSQL database, over one connection per process.
pub struct PostgresQueue {
    db: Arc<Connection>,
}

impl PostgresQueue {
    /// Connect to `url` (`postgres://user@host:port/db`, or libpq's `key=value` form) and
    /// create the tables if missing. A password missing from the URL is taken from
    /// `PGPASSWORD`, as libpq does, so it need not be written in a config file.
    ///
    /// # Errors
    ///
    /// A URL that cannot be parsed, or a server that cannot be reached or refuses.
    pub fn open(url: &str) -> Result<PostgresQueue, QueueError> {
        let queue = PostgresQueue { db: Arc::new(Connection::new(url)?) };
        queue.with(|client| {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
            tx.batch_execute(SCHEMA)?;
            tx.commit()
        })?;
        Ok(queue)
    }

    fn with<T>(
        &self,
        call: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, QueueError> {
        self.db.with(call)
    }
}

/// The channel claimable jobs are announced on.
const CHANNEL: &str = "articulate_jobs";

/// Announce a claimable job to every listening worker, when `tx` commits.
fn announce(tx: &mut impl GenericClient) -> Result<(), postgres::Error> {
    tx.batch_execute(&format!("NOTIFY {CHANNEL}"))
}

/// Listen on [`CHANNEL`] and call `wake` for each announcement, on a connection of its
/// own, made again (after a pause) whenever it breaks.
fn listen(db: &Connection, wake: &(dyn Fn() + Send + Sync)) {
    loop {
        match db.connect() {
            Ok(mut client) => match client.batch_execute(&format!("LISTEN {CHANNEL}")) {
                Ok(()) => {
                    let mut notifications = client.notifications();
                    let mut each = notifications.blocking_iter();
                    loop {
                        match each.next() {
                            Ok(Some(_)) => wake(),
                            Ok(None) => break,
                            Err(e) => {
                                tracing::debug!(database = %db.location, "Listening stopped: {e}");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::debug!(database = %db.location, "Cannot listen: {e}"),
            },
            Err(e) => tracing::debug!(database = %db.location, "Cannot listen: {e}"),
        }
        std::thread::sleep(Duration::from_secs(5));
    }
}

const SELECT_JOB: &str = "SELECT id, request, hash, generation, state, error, published, \
    attempts, (SELECT COUNT(*) FROM completions c WHERE c.id = jobs.id), queued_at, \
    started_at, finished_at, live FROM jobs WHERE id = $1";

fn raw_job(client: &mut impl GenericClient, id: &str) -> Result<Option<RawJob>, postgres::Error> {
    let row: Option<Row> = client.query_opt(SELECT_JOB, &[&id])?;
    row.as_ref().map(read_row).transpose()
}

/// A row of `SELECT_JOB`'s columns.
fn read_row(row: &Row) -> Result<RawJob, postgres::Error> {
    Ok(RawJob {
        id: row.try_get(0)?,
        request: row.try_get(1)?,
        hash: row.try_get(2)?,
        generation: row.try_get(3)?,
        state: row.try_get(4)?,
        error: row.try_get(5)?,
        published: row.try_get(6)?,
        attempts: row.try_get(7)?,
        completions: row.try_get(8)?,
        queued_at: row.try_get(9)?,
        started_at: row.try_get(10)?,
        finished_at: row.try_get(11)?,
        live: row.try_get(12)?,
    })
}

/// `SELECT_JOB`'s columns for a page of jobs, newest first; `$1` a state or NULL for all.
const SELECT_PAGE: &str = concat!(
    "SELECT id, request, hash, generation, state, error, published, \
    attempts, (SELECT COUNT(*) FROM completions c WHERE c.id = jobs.id), queued_at, \
    started_at, finished_at, live FROM jobs WHERE $1::TEXT IS NULL OR ",
    shown_state!(),
    " = $1 \
    ORDER BY queued_at DESC, id DESC LIMIT $2 OFFSET $3"
);

impl Queue for PostgresQueue {
    fn submit(&self, request: &Request, now: i64) -> Result<(Submitted, Job), QueueError> {
        let hash = request.content_hash();
        let text = serde_json::to_string(request)
            .map_err(|e| corrupt(&self.db.location, &request.id, e))?;
        let id = request.id.as_str();
        let (submitted, row) = self.with(|client| {
            // Twice at most: a new article's insert can lose the race to another server's.
            loop {
                let mut tx = client.transaction()?;
                let current =
                    tx.query_opt("SELECT hash, state FROM jobs WHERE id = $1 FOR UPDATE", &[&id])?;
                let submitted = match current {
                    None => {
                        let inserted = tx.execute(
                            "INSERT INTO jobs (id, request, hash, generation, state, queued_at) \
                             VALUES ($1, $2, $3, 1, 'queued', $4) ON CONFLICT (id) DO NOTHING",
                            &[&id, &text, &hash, &now],
                        )?;
                        if inserted == 0 {
                            tx.rollback()?;
                            continue;
                        }
                        announce(&mut tx)?;
                        Submitted::Created
                    }
                    Some(row) => {
                        let (old, state): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                        // As in SQLite: a failed job posted again is retried, a running one
                        // stays with its worker and is requeued by its finish.
                        if old == hash && state != "failed" {
                            Submitted::Unchanged
                        } else {
                            let state = if state == "running" { "running" } else { "queued" };
                            tx.execute(
                                "UPDATE jobs SET request = $2, hash = $3, \
                                 generation = generation + 1, state = $4, attempts = 0, \
                                 error = NULL, queued_at = $5, started_at = NULL, \
                                 finished_at = NULL, live = NULL WHERE id = $1",
                                &[&id, &text, &hash, &state, &now],
                            )?;
                            if state == "queued" {
                                announce(&mut tx)?;
                            }
                            Submitted::Changed
                        }
                    }
                };
                let row = raw_job(&mut tx, id)?;
                tx.commit()?;
                return Ok((submitted, row));
            }
        })?;
        let row = row.ok_or_else(|| corrupt(&self.db.location, id, "vanished while submitted"))?;
        Ok((submitted, row.decode(&self.db.location)?))
    }

    fn get(&self, id: &str) -> Result<Option<Job>, QueueError> {
        self.with(|c| raw_job(c, id))?.map(|row| row.decode(&self.db.location)).transpose()
    }

    fn delete(&self, id: &str) -> Result<bool, QueueError> {
        self.with(|client| {
            let mut tx = client.transaction()?;
            let removed = tx.execute("DELETE FROM jobs WHERE id = $1", &[&id])?;
            tx.execute("DELETE FROM completions WHERE id = $1", &[&id])?;
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
            let found = self.with(|client| {
                let mut tx = client.transaction()?;
                let Some(next) = tx.query_opt(
                    "SELECT id, request, generation, attempts, queued_at FROM jobs \
                     WHERE state = 'queued' OR (state = 'running' AND lease_until < $1) \
                     ORDER BY queued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    &[&now],
                )?
                else {
                    return Ok(None);
                };
                let id: String = next.try_get(0)?;
                let request: String = next.try_get(1)?;
                let generation: i64 = next.try_get(2)?;
                let attempts: i64 = next.try_get(3)?;
                let queued_at: i64 = next.try_get(4)?;
                if attempts >= max_attempts {
                    fail(&mut tx, &id, generation, &gave_up(attempts), now)?;
                    tx.commit()?;
                    return Ok(Some(Err(id)));
                }
                let token = new_token();
                tx.execute(
                    "UPDATE jobs SET state = 'running', token = $2, lease_until = $3, \
                     attempts = attempts + 1, started_at = $4, live = NULL WHERE id = $1",
                    &[&id, &token, &(now + lease_ms), &now],
                )?;
                tx.commit()?;
                Ok(Some(Ok((id, request, generation, token, queued_at))))
            })?;
            match found {
                None => return Ok(None),
                Some(Err(id)) => tracing::warn!(%id, "Job failed: too many attempts."),
                Some(Ok((id, request, generation, token, queued_at))) => {
                    let request = serde_json::from_str(&request)
                        .map_err(|e| corrupt(&self.db.location, &id, e))?;
                    return Ok(Some(Claim { request, generation, token, queued_at }));
                }
            }
        }
    }

    fn renew(&self, claim: &Claim, now: i64, lease_ms: i64) -> Result<bool, QueueError> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND token = $2 \
                 AND state = 'running'",
                &[&claim.request.id, &claim.token, &(now + lease_ms)],
            )
            .map(|n| n > 0)
        })
    }

    fn release(&self, claim: &Claim) -> Result<(), QueueError> {
        self.with(|client| {
            let mut tx = client.transaction()?;
            let released = tx.execute(
                "UPDATE jobs SET state = 'queued', token = NULL, lease_until = NULL, \
                 started_at = NULL, attempts = GREATEST(attempts - 1, 0), live = NULL \
                 WHERE id = $1 AND token = $2 AND state = 'running'",
                &[&claim.request.id, &claim.token],
            )?;
            if released > 0 {
                announce(&mut tx)?;
            }
            tx.commit()
        })
    }

    fn playable(&self, claim: &Claim, live: &Live) -> Result<bool, QueueError> {
        let text = serde_json::to_string(live)
            .map_err(|e| corrupt(&self.db.location, &claim.request.id, e))?;
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET live = $4 WHERE id = $1 AND token = $2 AND generation = $3 \
                 AND state = 'running'",
                &[&claim.request.id, &claim.token, &claim.generation, &text],
            )
            .map(|n| n > 0)
        })
    }

    fn finish(&self, claim: &Claim, outcome: &Outcome, now: i64) -> Result<Finished, QueueError> {
        let id = claim.request.id.as_str();
        let published = match outcome {
            Outcome::Done(p) => {
                Some(serde_json::to_string(p).map_err(|e| corrupt(&self.db.location, id, e))?)
            }
            Outcome::Failed(_) => None,
        };
        self.with(|client| {
            let mut tx = client.transaction()?;
            let Some(row) = tx.query_opt(
                "SELECT generation FROM jobs WHERE id = $1 AND token = $2 \
                 AND state = 'running' FOR UPDATE",
                &[&id, &claim.token],
            )?
            else {
                return Ok(Finished::Lost);
            };
            let current: i64 = row.try_get(0)?;
            let finished = match (outcome, &published) {
                (Outcome::Done(_), Some(published)) => {
                    tx.execute("UPDATE jobs SET published = $2 WHERE id = $1", &[&id, published])?;
                    // No ON CONFLICT: a second completion of a generation must fail loudly.
                    tx.execute(
                        "INSERT INTO completions (id, generation, state, finished_at) \
                         VALUES ($1, $2, 'done', $3)",
                        &[&id, &claim.generation, &now],
                    )?;
                    if current == claim.generation {
                        tx.execute(
                            "UPDATE jobs SET state = 'done', token = NULL, lease_until = NULL, \
                             error = NULL, finished_at = $2 WHERE id = $1",
                            &[&id, &now],
                        )?;
                        Finished::Recorded
                    } else {
                        requeue(&mut tx, id)?
                    }
                }
                (Outcome::Failed(error), _) if current == claim.generation => {
                    fail(&mut tx, id, current, error, now)?;
                    Finished::Recorded
                }
                _ => requeue(&mut tx, id)?,
            };
            tx.commit()?;
            Ok(finished)
        })
    }

    fn counts(&self) -> Result<Vec<(State, u64)>, QueueError> {
        let rows = self.with(|c| {
            c.query(COUNT_STATES, &[])?
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<(String, i64)>, postgres::Error>>()
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
        let (rows, total) = self.with(|client| {
            // One snapshot: the page and the total agree.
            let mut tx = client
                .build_transaction()
                .read_only(true)
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .start()?;
            let rows = tx
                .query(SELECT_PAGE, &[&state, &limit, &offset])?
                .iter()
                .map(read_row)
                .collect::<Result<Vec<RawJob>, postgres::Error>>()?;
            let total: i64 = tx
                .query_one(
                    concat!(
                        "SELECT COUNT(*) FROM jobs WHERE $1::TEXT IS NULL OR ",
                        shown_state!(),
                        " = $1"
                    ),
                    &[&state],
                )?
                .try_get(0)?;
            tx.commit()?;
            Ok((rows, total))
        })?;
        let location = &self.db.location;
        let jobs = rows.into_iter().map(|row| row.decode(location)).collect::<Result<_, _>>()?;
        Ok((jobs, u64::try_from(total).unwrap_or(0)))
    }

    fn on_new_jobs(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) {
        let db = Arc::clone(&self.db);
        let spawned = std::thread::Builder::new()
            .name("articulate-listen".into())
            .spawn(move || listen(&db, wake.as_ref()));
        if let Err(e) = spawned {
            tracing::warn!("Not listening for new jobs (they are found by polling): {e}");
        }
    }
}

fn fail(
    tx: &mut impl GenericClient,
    id: &str,
    generation: i64,
    error: &str,
    now: i64,
) -> Result<(), postgres::Error> {
    tx.execute(
        "UPDATE jobs SET state = 'failed', token = NULL, lease_until = NULL, error = $2, \
         finished_at = $3 WHERE id = $1",
        &[&id, &error, &now],
    )?;
    tx.execute(
        "INSERT INTO completions (id, generation, state, finished_at) \
         VALUES ($1, $2, 'failed', $3) ON CONFLICT DO NOTHING",
        &[&id, &generation, &now],
    )?;
    Ok(())
}

fn requeue(tx: &mut impl GenericClient, id: &str) -> Result<Finished, postgres::Error> {
    tx.execute(
        "UPDATE jobs SET state = 'queued', token = NULL, lease_until = NULL, started_at = NULL, \
         live = NULL WHERE id = $1",
        &[&id],
    )?;
    announce(tx)?;
    Ok(Finished::Requeued)
}

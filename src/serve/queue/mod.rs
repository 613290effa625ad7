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
//! blocking thread. Two stores implement it with the same schema: an SQLite file (one
//! machine; its single writer lock, `BEGIN IMMEDIATE`, orders the claims) and PostgreSQL
//! (any number of machines; workers claim with `SELECT … FOR UPDATE SKIP LOCKED`, so they
//! never wait for each other's rows).

mod connection;
mod postgres;
mod sqlite;
mod turns;

use serde::{Deserialize, Serialize};

pub use postgres::PostgresQueue;
pub use sqlite::SqliteQueue;
pub use turns::PostgresTurns;

/// The queue's store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueueError {
    /// The database could not be opened, read or written.
    #[error("job database {location}: {message}")]
    Database {
        /// The file, or the server's URL without its password.
        location: String,
        /// Why, with its causes: on one line, and said once by `{:#}` (so not a source).
        message: String,
    },
    /// The database URL cannot be used.
    #[error("job database URL {location}: {message}")]
    Url {
        /// The URL without its password.
        location: String,
        /// What is wrong with it.
        message: String,
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

/// Which database holds the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file: one machine (several processes on it may share the file).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL: any number of machines.
    Postgres(String),
}

impl Database {
    /// Open the queue, creating its tables if missing.
    ///
    /// # Errors
    ///
    /// The database cannot be opened or reached.
    pub fn open(&self) -> Result<std::sync::Arc<dyn Queue>, QueueError> {
        Ok(match self {
            Database::Sqlite(path) => std::sync::Arc::new(SqliteQueue::open(path)?),
            Database::Postgres(url) => std::sync::Arc::new(PostgresQueue::open(url)?),
        })
    }
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for a worker.
    Queued,
    /// A worker holds its lease.
    Running,
    /// A worker holds its lease and the narration is being published as it is made: the
    /// job's `live` stream can be played (the stored state stays `running`).
    Playable,
    /// Published.
    Done,
    /// Failed; `error` says why.
    Failed,
}

impl State {
    /// Every state, in the order metrics list them.
    pub const ALL: [State; 5] =
        [State::Queued, State::Running, State::Playable, State::Done, State::Failed];

    /// The name stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Running => "running",
            State::Playable => "playable",
            State::Done => "done",
            State::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a webhook asked for: the article, its metadata and its voice. A field it does not
/// know is an error naming it: a misspelt `"voise"` must not quietly get the default voice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The headline, as the CMS titles it: the manifest's and the feed's title (spoken
    /// first when the content has no headline of its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The byline as printed ("By Jo Bloggs").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byline: Option<String>,
    /// When it was first published (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

impl Request {
    /// What decides whether a repost changes anything: the content, the voice and the
    /// metadata the published files carry. (Not `updated_at`: a CMS bumps it on saves that
    /// change nothing spoken.) Metadata counts only when given, so the hash of a request
    /// without it is what it was before such fields existed.
    #[must_use]
    pub fn content_hash(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        // A length prefix per part, so moving bytes between parts changes the hash.
        let mut part = |bytes: Option<&[u8]>| {
            hasher.update(&bytes.map_or(u64::MAX, |b| b.len() as u64).to_le_bytes());
            hasher.update(bytes.unwrap_or_default());
        };
        for content in [&self.html, &self.text, &self.voice] {
            part(content.as_deref().map(str::as_bytes));
        }
        let metadata =
            [("title", &self.title), ("byline", &self.byline), ("published", &self.published)];
        for (name, value) in metadata.into_iter().chain([("url", &self.url)]) {
            if let Some(value) = value {
                part(Some(name.as_bytes()));
                part(Some(value.as_bytes()));
            }
        }
        hasher.finalize().to_hex().to_string()
    }

    /// Put the request's metadata into the extracted article: the title (and, when the
    /// content has no headline, a spoken one), byline, publication time and URL, which the
    /// manifest records (`source.url`, `metadata.canonical_url`) and the feed links.
    pub fn describe(&self, article: &mut crate::model::Article) {
        use crate::model::{Block, BlockKind};
        fn given(value: &Option<String>) -> Option<&str> {
            value.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        if let Some(title) = given(&self.title) {
            title.clone_into(&mut article.meta.title);
            let has_headline = article.spoken().any(|(_, block)| block.kind == BlockKind::Headline);
            if !has_headline {
                article.blocks.insert(0, Block::speak(BlockKind::Headline, title, "the title"));
            }
        }
        if let Some(byline) = given(&self.byline) {
            article.meta.byline = Some(byline.to_owned());
        }
        if let Some(published) = given(&self.published) {
            article.meta.published = Some(published.to_owned());
        }
        if let Some(url) = given(&self.url) {
            article.meta.canonical_url = Some(url.to_owned());
            article.source.url = Some(url.to_owned());
        }
    }
}

/// What publishing an article produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The manifest's path relative to the output directory.
    pub manifest: String,
    /// The audio files' paths relative to the output directory.
    pub audio: Vec<String>,
    /// The player page's path relative to the output directory (none from versions that
    /// published no player).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    /// Chunks in the script.
    pub chunks: usize,
    /// Of those, answered from the cache.
    pub cache_hits: usize,
    /// Requests sent to backends.
    pub requests: usize,
    /// Segments verified, retried, flagged and unverified, when `[narrate] verify` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<crate::verify::Tally>,
    /// How sure extraction is that the narration holds the story, with a warning when it
    /// may not (as in the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<crate::model::Extraction>,
}

/// A narration being published while it is made (see [`crate::output::hls`]): paths
/// relative to the output directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    /// The HLS playlist, `ID/ID.m3u8`.
    pub playlist: String,
    /// The directory of its segments, ending in `/`: `ID/live/TAG/`.
    pub segments: String,
    /// The player page, when one is published with the stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub player: Option<String>,
    /// Unix milliseconds: when the stream's first segment was published.
    #[serde(default)]
    pub since: i64,
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
    /// The stream of the narration in progress, while the job is [`State::Playable`].
    pub live: Option<Live>,
    /// Unix milliseconds: when this generation's narration became playable (its stream's
    /// first segment published), kept once it is done or failed.
    pub playable_at: Option<i64>,
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

    /// Record that the claim's narration can be played as it is made, from `live`: the job
    /// is [`State::Playable`] until it ends, is given back, or its content changes. False
    /// when the claim is no longer this worker's, or is for an older generation.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn playable(&self, claim: &Claim, live: &Live) -> Result<bool, QueueError>;

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

    /// Up to `limit` jobs (in `state`, if given) after skipping `offset`, the most recently
    /// queued first; and how many there are in all.
    ///
    /// # Errors
    ///
    /// The store failed.
    fn list(
        &self,
        state: Option<State>,
        limit: usize,
        offset: usize,
    ) -> Result<(Vec<Job>, u64), QueueError>;

    /// Have `wake` called whenever another process makes a job claimable, when the store
    /// can tell (PostgreSQL's LISTEN/NOTIFY). Workers find such jobs by polling anyway;
    /// this only spares a new job the wait for the next poll.
    fn on_new_jobs(&self, wake: std::sync::Arc<dyn Fn() + Send + Sync>) {
        let _ = wake;
    }
}

/// A `jobs` row as read, its JSON not yet parsed.
struct RawJob {
    id: String,
    request: String,
    hash: String,
    generation: i64,
    state: String,
    error: Option<String>,
    published: Option<String>,
    live: Option<String>,
    attempts: i64,
    completions: i64,
    queued_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl RawJob {
    /// The job, or why the row is not one; `location` names the database.
    fn decode(self, location: &str) -> Result<Job, QueueError> {
        let id = &self.id;
        let request = serde_json::from_str(&self.request).map_err(|e| corrupt(location, id, e))?;
        let published = match &self.published {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| corrupt(location, id, e))?),
            None => None,
        };
        let mut state = State::parse(&self.state)
            .ok_or_else(|| corrupt(location, id, format!("unknown state {:?}", self.state)))?;
        let recorded: Option<Live> = match &self.live {
            Some(text) => Some(serde_json::from_str(text).map_err(|e| corrupt(location, id, e))?),
            None => None,
        };
        let playable_at = recorded.as_ref().map(|l| l.since);
        // The record outlives the stream: it is the stream only while the job runs.
        let live = recorded.filter(|_| state == State::Running);
        if live.is_some() {
            state = State::Playable;
        }
        Ok(Job {
            request,
            hash: self.hash,
            generation: self.generation,
            state,
            error: self.error,
            published,
            live,
            playable_at,
            attempts: self.attempts,
            completions: self.completions,
            queued_at: self.queued_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        })
    }
}

fn corrupt(location: &str, id: &str, message: impl std::fmt::Display) -> QueueError {
    QueueError::Corrupt {
        location: location.to_owned(),
        id: id.to_owned(),
        message: message.to_string(),
    }
}

/// A claim's proof of ownership: random, so a dead worker's token never matches again.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    bytes.iter_mut().for_each(|b| *b = fastrand::u8(..));
    hex::encode(bytes)
}

/// Why a job claimed `attempts` times without finishing is failed.
fn gave_up(attempts: i64) -> String {
    format!(
        "gave up after {attempts} attempts: each time, the worker running it stopped without \
         finishing"
    )
}

/// A job's state as shown, in SQL: a running job with a live stream is playable. A macro,
/// so the queries that filter and count by it are literals built with `concat!`.
macro_rules! shown_state {
    () => {
        "(CASE WHEN state = 'running' AND live IS NOT NULL THEN 'playable' ELSE state END)"
    };
}
use shown_state;

/// Counting jobs by state as shown.
const COUNT_STATES: &str =
    concat!("SELECT ", shown_state!(), " AS shown, COUNT(*) FROM jobs GROUP BY shown");

/// Counts by state as the metrics want them: every state, zero when absent.
fn all_counts(rows: &[(String, i64)]) -> Vec<(State, u64)> {
    State::ALL
        .into_iter()
        .map(|state| {
            let n = rows.iter().find(|(s, _)| s == state.as_str()).map_or(0, |(_, n)| *n);
            (state, u64::try_from(n).unwrap_or(0))
        })
        .collect()
}

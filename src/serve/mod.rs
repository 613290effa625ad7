//! `articulate serve`: a narration service for CMS webhooks.
//!
//! ```text
//! POST /v1/articles ──► queue (SQLite or PostgreSQL: durable, leased) ──► workers
//!                                                                            │
//!                                                        narrate (chunk cache)
//!                                                                            │
//! GET /audio/ID/ID.mp3 (Range) ◄── output (directory or bucket) ◄── publish ◄┘
//!                                     └─ feed.xml, callback (signed)
//! ```
//!
//! The HTTP side ([`api`]) only validates and records requests; [`worker`]s claim jobs from
//! the [`queue`] under a lease, narrate them through the shared chunk cache (so an edit
//! costs only the chunks it changed) and publish each article into its own directory of
//! the output [`store`], named by its id. Workers may run in this process, in
//! `serve --worker` processes sharing the database, or both.

pub mod api;
pub mod callback;
mod config;
pub mod events;
mod listing;
mod live;
pub mod metrics;
pub mod queue;
pub mod worker;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use config::ServeConfig;
// The object-store output moved to `publish`; the old path stays for publishers.
pub use crate::publish::store;

use crate::cache::ChunkCache;
use crate::config::{Config, VoiceProfile};
use crate::narrate::{CastError, Casting};
use crate::output::OutputFormat;
use crate::publish::feed::FeedOptions;
use crate::publish::store::{OutputStore, StoreError};
use callback::Callback;
use metrics::Metrics;
use queue::{Queue, QueueError};

/// The service cannot start, or its listener failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// No API token: an open API would let anyone spend the backends' budget.
    #[error(
        "no API token: set ARTICULATE_API_TOKENS to one or more tokens, comma-separated; \
         every /v1 request must send one as `Authorization: Bearer TOKEN`"
    )]
    NoTokens,
    /// A token short or simple enough to guess.
    #[error(
        "ARTICULATE_API_TOKENS: token {position} of {count} is too weak to guess-proof the API \
         ({why}); use at least {MIN_TOKEN_CHARS} random characters, e.g. `openssl rand -hex 32`"
    )]
    WeakToken {
        /// Which token, counting from 1 (never the token itself).
        position: usize,
        /// How many were given.
        count: usize,
        /// What is wrong with it.
        why: String,
    },
    /// The job database is where the output is published: anyone could download it.
    #[error(
        "the job database {} is inside the output directory {}, which is served publicly \
         (it holds every article's text): put it elsewhere with --database or [serve] database",
        database.display(),
        output.display()
    )]
    DatabaseInOutput {
        /// The database file.
        database: PathBuf,
        /// The output directory.
        output: PathBuf,
    },
    /// A callback URL without a secret to sign it with.
    #[error(
        "[serve] callback_url is set but {} is empty: callbacks must be signed",
        callback::SECRET_ENV
    )]
    NoCallbackSecret,
    /// A worker process with nothing to do.
    #[error("serve --worker with 0 workers would run no jobs: give --workers 1 or more")]
    NoWorkers,
    /// The files are not served by this process (a `--worker`, or an object store as
    /// output), so it cannot make their URLs.
    #[error(
        "{0} needs [serve] public_url (or --public-url): where players fetch the published \
         files (the API server's /audio/, or the bucket's public or CDN URL)"
    )]
    NoPublicUrl(&'static str),
    /// The address cannot be listened on.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
    /// The output directory cannot be created.
    #[error("output directory {}: {source}", path.display())]
    Output {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The job database failed.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The output store cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The configured voice cannot be built.
    #[error(transparent)]
    Voice(#[from] CastError),
    /// The HTTP server failed.
    #[error("the HTTP server stopped: {0}")]
    Http(std::io::Error),
}

/// The shortest API token accepted.
pub const MIN_TOKEN_CHARS: usize = 20;

/// Why `token` is too weak to stand between the internet and the backends' budget, if it is:
/// fewer than [`MIN_TOKEN_CHARS`] characters, fewer than 8 different ones, or under 80 bits
/// by the size of the alphabet it draws on (`openssl rand -hex 32` gives 256).
#[must_use]
pub fn weak_token(token: &str) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    if chars.len() < MIN_TOKEN_CHARS {
        return Some(format!("{} characters", chars.len()));
    }
    let distinct: std::collections::HashSet<char> = chars.iter().copied().collect();
    if distinct.len() < 8 {
        return Some(format!("only {} different characters", distinct.len()));
    }
    let uses =
        |class: fn(&char) -> bool, size: f64| if chars.iter().any(class) { size } else { 0.0 };
    let alphabet = uses(char::is_ascii_lowercase, 26.0)
        + uses(char::is_ascii_uppercase, 26.0)
        + uses(char::is_ascii_digit, 10.0)
        + uses(|c| !c.is_ascii_alphanumeric(), 32.0);
    #[allow(clippy::cast_precision_loss)] // a token's length
    let bits = chars.len() as f64 * alphabet.log2();
    (bits < 80.0).then(|| format!("about {bits:.0} bits"))
}

/// A callback delivery, awaitable by the next one for the same article.
type Delivery = futures::future::Shared<futures::future::BoxFuture<'static, ()>>;

/// The latest callback of an article: how to tell it a newer one waits, and its delivery.
type Pending = (Arc<tokio::sync::watch::Sender<bool>>, Delivery);

/// Everything the service needs, resolved from config and command line.
pub struct ServeOptions {
    /// Where to listen.
    pub listen: String,
    /// The job database.
    pub database: queue::Database,
    /// Whether to answer the `/v1` API; a `--worker` process only runs jobs (and answers
    /// `/healthz`, `/readyz` and `/metrics`).
    pub api: bool,
    /// Where published files go.
    pub output: OutputStore,
    /// Jobs narrated at once; 0 for an API that leaves them to `--worker` processes.
    pub workers: usize,
    /// The voice when a request names none; `None` for the configuration's.
    pub voice: Option<String>,
    /// The chunk cache.
    pub cache: Option<ChunkCache>,
    /// Formats written.
    pub formats: Vec<OutputFormat>,
    /// Accepted bearer tokens.
    pub tokens: Vec<String>,
    /// The completion callback, if any.
    pub callback: Option<Callback>,
    /// When set, `POST /v1/articles` bodies must be signed with it.
    pub webhook_secret: Option<Vec<u8>>,
}

/// What the HTTP handlers and the workers share.
pub struct Service {
    config: Config,
    queue: Arc<dyn Queue>,
    output: OutputStore,
    /// Where `output` is published, ending in `/`.
    public_url: String,
    formats: Vec<OutputFormat>,
    default_voice: Option<String>,
    cache: Option<ChunkCache>,
    /// One casting per voice, so each backend's concurrency holds across all jobs.
    castings: Mutex<HashMap<Option<String>, Arc<Casting>>>,
    /// Token digests: comparing two digests takes the same time wherever they differ.
    tokens: Vec<blake3::Hash>,
    metrics: Metrics,
    /// Listening counts from the players' events.
    listens: events::Listens,
    /// Wakes idle workers when a job is queued.
    wake: Arc<tokio::sync::Notify>,
    /// One feed rewrite at a time.
    feed: tokio::sync::Mutex<()>,
    callback: Option<Callback>,
    /// Callbacks being delivered, by article: how to tell the latest that a newer one is
    /// waiting, and when it is over.
    callbacks: Mutex<HashMap<String, Pending>>,
    webhook_secret: Option<Vec<u8>>,
    /// Signatures already accepted, with the Unix second after which their timestamp is
    /// too old to be accepted anyway (and the entry is forgotten).
    signatures: Mutex<HashMap<String, i64>>,
    /// How far a signed request's timestamp may be from now.
    signature_window: Duration,
    client: reqwest::Client,
    lease: Duration,
    max_attempts: i64,
    max_body_bytes: usize,
}

impl Service {
    /// The casting for a request's voice (built once per voice).
    fn casting(&self, voice: Option<&str>) -> Arc<Casting> {
        let key = voice.map(str::to_owned).or_else(|| self.default_voice.clone());
        let mut castings = self.castings.lock().unwrap_or_else(PoisonError::into_inner);
        let casting = castings.entry(key.clone()).or_insert_with(|| {
            Arc::new(Casting::with_cache(&self.config, key, self.cache.clone()))
        });
        Arc::clone(casting)
    }

    /// Whether `name` is a voice profile in the voices directory (or built in). Requests
    /// name profiles, never paths.
    fn knows_voice(&self, name: &str) -> bool {
        VoiceProfile::available(&self.config.voices_dir()).iter().any(|(n, _)| n == name)
    }

    /// Whether `token` is one of the accepted ones, in time independent of where it differs.
    fn accepts(&self, token: &str) -> bool {
        let digest = blake3::hash(token.as_bytes());
        // blake3::Hash compares in constant time; every token is compared.
        self.tokens.iter().fold(false, |found, t| found | (*t == digest))
    }

    /// Rewrite the podcast feed of the output.
    ///
    /// # Errors
    ///
    /// Why the feed could not be written: the job that needed it says so.
    async fn write_feed(&self) -> Result<(), crate::publish::feed::FeedError> {
        let _one = self.feed.lock().await;
        let options = FeedOptions::new(&self.public_url, &self.config.serve.feed_title);
        self.output.write_feed(options).await.map(|_| ())
    }

    /// Remember a signature accepted at `timestamp` (Unix seconds); `false` if it was
    /// accepted before (a replay).
    fn first_use(&self, signature: &str, timestamp: i64) -> bool {
        let now = now_ms() / 1000;
        let window = i64::try_from(self.signature_window.as_secs()).unwrap_or(i64::MAX);
        let mut seen = self.signatures.lock().unwrap_or_else(PoisonError::into_inner);
        seen.retain(|_, expires| *expires >= now);
        seen.insert(signature.to_owned(), timestamp.saturating_add(window)).is_none()
    }

    /// Run a queue call on a blocking thread.
    async fn queue<T: Send + 'static>(
        self: &Arc<Self>,
        call: impl FnOnce(&dyn Queue) -> Result<T, QueueError> + Send + 'static,
    ) -> Result<T, QueueError> {
        let service = Arc::clone(self);
        match tokio::task::spawn_blocking(move || call(service.queue.as_ref())).await {
            Ok(result) => result,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
}

/// Refuse an SQLite `database` inside the public output directory `dir` (or any directory
/// under it), however either is spelt.
fn refuse_database_inside(
    database: &std::path::Path,
    dir: &std::path::Path,
) -> Result<(), ServeError> {
    let Ok(output) = dir.canonicalize() else { return Ok(()) };
    // The file may not exist yet; its directory must, for SQLite to create it.
    let parent = match database.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(parent) = parent.canonicalize() else { return Ok(()) };
    if parent.starts_with(&output) {
        return Err(ServeError::DatabaseInOutput {
            database: database.to_path_buf(),
            output: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Unix time in milliseconds.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Open the queue, bind, start the workers and serve until `stop` completes. The bound
/// address is passed to `on_listening` (the CLI prints it; with port 0 it is the only way
/// to learn the port).
///
/// # Errors
///
/// No token, an unusable voice, database, output directory or address.
pub async fn run(
    options: ServeOptions,
    config: Config,
    on_listening: impl FnOnce(SocketAddr),
    stop: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let tokens: Vec<blake3::Hash> = options
        .tokens
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .map(|t| blake3::hash(t.as_bytes()))
        .collect();
    if tokens.is_empty() && options.api {
        return Err(ServeError::NoTokens);
    }
    let given: Vec<&str> =
        options.tokens.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).collect();
    for (i, token) in given.iter().enumerate() {
        if let Some(why) = weak_token(token) {
            return Err(ServeError::WeakToken { position: i + 1, count: given.len(), why });
        }
    }
    if !options.api && options.workers == 0 {
        return Err(ServeError::NoWorkers);
    }
    if !options.api && config.serve.public_url.is_empty() {
        return Err(ServeError::NoPublicUrl("serve --worker"));
    }
    if options.callback.as_ref().is_some_and(|c| c.secret.is_empty()) {
        return Err(ServeError::NoCallbackSecret);
    }
    if options.output.local_dir().is_none() && config.serve.public_url.is_empty() {
        return Err(ServeError::NoPublicUrl("an object store as output (output_url)"));
    }
    if let Some(dir) = options.output.local_dir() {
        std::fs::create_dir_all(dir)
            .map_err(|source| ServeError::Output { path: dir.to_path_buf(), source })?;
        if let queue::Database::Sqlite(database) = &options.database {
            refuse_database_inside(database, dir)?;
        }
        // Temp files a killed process left behind: never published, now never kept.
        let swept = crate::output::sweep_temp_files(dir, true);
        if swept > 0 {
            tracing::info!(swept, dir = %dir.display(), "Removed temp files left by a stopped run.");
        }
    }
    options.output.check().await?;
    let queue = tokio::task::block_in_place(|| options.database.open())?;
    // Workers on other machines share a cache that is not a directory through the database.
    let cache = match (&options.database, options.cache) {
        (queue::Database::Postgres(url), Some(cache)) if cache.dir().is_none() => {
            Some(cache.with_turns(Arc::new(queue::PostgresTurns::open(url)?)))
        }
        (_, cache) => cache,
    };
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|source| ServeError::Listen { address: options.listen.clone(), source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| ServeError::Listen { address: options.listen.clone(), source })?;
    let mut public_url = if config.serve.public_url.is_empty() {
        format!("http://{bound}/audio/")
    } else {
        config.serve.public_url.clone()
    };
    if !public_url.ends_with('/') {
        public_url.push('/');
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("articulate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ServeError::Http(std::io::Error::other(e)))?;
    let service = Arc::new(Service {
        queue,
        output: options.output,
        public_url,
        formats: options.formats,
        default_voice: options.voice,
        cache,
        castings: Mutex::new(HashMap::new()),
        tokens,
        metrics: Metrics::default(),
        listens: events::Listens::default(),
        wake: Arc::new(tokio::sync::Notify::new()),
        feed: tokio::sync::Mutex::new(()),
        callback: options.callback,
        callbacks: Mutex::new(HashMap::new()),
        webhook_secret: options.webhook_secret.filter(|s| !s.is_empty()),
        signatures: Mutex::new(HashMap::new()),
        signature_window: Duration::from_secs(config.serve.signature_window_secs),
        client,
        lease: Duration::from_secs(config.serve.lease_secs),
        max_attempts: i64::from(config.serve.max_attempts),
        max_body_bytes: config.serve.max_body_bytes,
        config,
    });
    if options.workers > 0 {
        let wake = Arc::clone(&service.wake);
        service.queue.on_new_jobs(Arc::new(move || wake.notify_one()));
    }
    // Fail now, not on the first job, when the default voice cannot speak.
    service.casting(None).check()?;
    if options.workers > 0 {
        live::sweep(&service).await;
    }

    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let stopping = Arc::new(stopping);
    let mut workers = tokio::task::JoinSet::new();
    for n in 0..options.workers {
        workers.spawn(worker::run(Arc::clone(&service), n, stopped.clone()));
    }
    on_listening(bound);
    let app = if options.api {
        api::router(Arc::clone(&service))
    } else {
        api::health_router(Arc::clone(&service))
    };
    let limits = service.config.serve.limits();
    let served = crate::listener::serve(listener, app, limits, {
        let stopping = Arc::clone(&stopping);
        async move {
            stop.await;
            // Workers stop at the signal, while open requests are still answered.
            let _ = stopping.send(true);
        }
    })
    .await;
    let _ = stopping.send(true);
    // Workers give their jobs back to the queue as they stop.
    while workers.join_next().await.is_some() {}
    served.map_err(ServeError::Http)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_too_short_or_too_simple_to_stand_guard_are_named_weak() {
        for weak in
            ["x", "test-token-1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abcabcabcabcabcabcabcabc"]
        {
            assert!(weak_token(weak).is_some(), "{weak}");
        }
        assert!(weak_token("00000000000000000000000000001234").is_some(), "too few different");
        for strong in [
            "3f9c2a7e1b8d4c6f0a5e9b2d7c1f8e4a",
            "Zq9-very-secret-key-7Xw",
            "test-token-4f9a2c7e1b8d",
        ] {
            assert_eq!(weak_token(strong), None, "{strong}");
        }
    }
}

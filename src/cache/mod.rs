//! A content-addressed cache of synthesized chunks, so unchanged text is never paid for twice.
//!
//! The key hashes everything that changes the audio: the backend, its resolved settings, the
//! engine's version or model, the exact request text (and the neighbours' text, for a
//! backend that sends it as context), the format asked for, and [`SCHEMA`]. Keys of
//! backends with neither are what they were before those two joined the key. Entries carry a checksum of
//! their payload, so a torn or corrupted entry is detected on read and synthesized again
//! rather than stitched.
//!
//! Entries live in an [`object_store`]: a local directory by default (written to a staging
//! file, synced and renamed), or any S3-compatible bucket (`s3://bucket/prefix`), so many
//! workers on many machines share one cache. Either way an entry is `ab/abcdef…`: the key's
//! first two hex digits, then the whole key.
//!
//! ```no_run
//! # async fn run() -> Result<(), articulate::cache::CacheError> {
//! use articulate::cache::{ChunkCache, PrunePolicy};
//!
//! let cache = ChunkCache::open(&ChunkCache::default_dir())?;
//! println!("{} entries", cache.stats().await?.entries);
//! let policy = PrunePolicy { max_bytes: Some(2_000_000_000), ..PrunePolicy::default() };
//! cache.prune(&policy, std::time::SystemTime::now()).await?;
//! # Ok(()) }
//! ```

mod cached;
mod prune;
mod store;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use object_store::path::Path as Location;
use object_store::{ObjectStore, ObjectStoreExt};
use serde::Serialize;

pub use cached::{Cached, Counts, Tally};
pub use prune::{CacheStats, PrunePolicy, PruneReport};

use crate::model::{AudioFormat, SpeechAudio};

/// Bumped whenever the key or the entry layout changes, orphaning older entries.
pub const SCHEMA: u32 = 1;

const MAGIC: &[u8; 8] = b"ARTCACH1";
const HEADER: usize = 8 + 32 + 8;

/// Everything that determines a chunk's audio.
#[derive(Debug, Serialize)]
pub struct CacheKey<'a> {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The backend kind.
    pub backend: &'a str,
    /// The backend's resolved settings (voice, rate, model...), never secrets.
    pub settings: &'a serde_json::Value,
    /// The exact text sent, after normalisation and the lexicon.
    pub text: &'a str,
    /// The language sent with it.
    pub language: Option<&'a str>,
    /// The format asked for.
    pub format: AudioFormat,
    /// The engine's version or model identity, when it has one
    /// ([`crate::tts::Synthesizer::engine`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<&'a str>,
    /// The neighbouring chunks' text, for a backend that sends it as context
    /// ([`crate::tts::Synthesizer::uses_context`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<(Option<&'a str>, Option<&'a str>)>,
}

impl CacheKey<'_> {
    /// The key's hex digest, which names the entry.
    #[must_use]
    pub fn digest(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        // Serializing plain data into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut hasher, self);
        hasher.finalize().to_hex().to_string()
    }
}

/// A failure to use the cache. Reads never fail (a bad or missing entry is a miss); opening,
/// writing, listing and pruning can.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// A local file or directory could not be used.
    #[error("cache {}: {source}; check permissions and free space, or set --cache-dir", path.display())]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store refused an operation.
    #[error("cache {location}: {source}")]
    Store {
        /// The store (a directory or a URL) and the entry, if one was involved.
        location: String,
        /// Why.
        source: object_store::Error,
    },
    /// `cache_url` (or `--cache-url`) is not a store articulate can open.
    #[error(
        "cache url {url:?}: {message} (use a directory, file:///path, or s3://bucket/prefix \
         with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment)"
    )]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Chunk audio in a store, one object per key. Clones share the store and the record of
/// chunks being synthesized.
#[derive(Clone, Debug)]
pub struct ChunkCache {
    store: Arc<dyn ObjectStore>,
    /// The directory or URL, for messages.
    location: String,
    /// The directory, when the store is local: hits refresh an entry's modification time
    /// there, so `prune --older-than` removes what has not been *used* lately.
    local: Option<PathBuf>,
    /// One lock per key being synthesized in this process, so articles that share a chunk
    /// wait for the first request instead of sending their own.
    pending: Arc<Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>>,
    /// Turns shared with processes on other machines, for a cache that is not local.
    turns: Option<Arc<dyn Turns>>,
}

/// Turns at synthesizing a chunk among processes that share a cache but no file system
/// (workers on several machines over an S3 cache): whoever holds a digest's turn asks the
/// backend; the others wait, then find the chunk in the cache.
#[async_trait::async_trait]
pub trait Turns: Send + Sync + std::fmt::Debug {
    /// Wait for `digest`'s turn, held until the returned guard is dropped; `None` when no
    /// turn can be had (the caller goes ahead alone, at worst paying for a chunk twice).
    async fn take(&self, digest: &str) -> Option<Box<dyn Send + Sync>>;
}

impl ChunkCache {
    /// A cache in the local directory `dir`, created if missing.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created.
    pub fn open(dir: &Path) -> Result<ChunkCache, CacheError> {
        let (store, local) = store::local(dir)?;
        Ok(ChunkCache::with_store(store, dir.display().to_string(), Some(local)))
    }

    /// A cache at `url`: `s3://bucket/prefix` (endpoint, region and credentials from the
    /// `AWS_*` environment variables, as the AWS tools read them), `file:///dir`, or a plain
    /// directory path.
    ///
    /// # Errors
    ///
    /// [`CacheError::Url`] for a scheme articulate cannot open or an S3 configuration the
    /// client rejects; the errors of [`ChunkCache::open`] for a directory.
    pub fn from_url(url: &str) -> Result<ChunkCache, CacheError> {
        match store::parse(url)? {
            store::Target::Dir(dir) => ChunkCache::open(&dir),
            store::Target::S3 { bucket, prefix } => {
                let store = store::s3(url, &bucket, &prefix)?;
                Ok(ChunkCache::with_store(store, url.to_owned(), None))
            }
        }
    }

    /// A cache over any object store; `location` names it in messages.
    #[must_use]
    pub fn with_store(
        store: Arc<dyn ObjectStore>,
        location: String,
        local: Option<PathBuf>,
    ) -> ChunkCache {
        ChunkCache { store, location, local, pending: Arc::default(), turns: None }
    }

    /// This cache, taking `turns` before synthesizing a chunk (a local cache takes file
    /// locks instead, and ignores them).
    #[must_use]
    pub fn with_turns(mut self, turns: Arc<dyn Turns>) -> ChunkCache {
        self.turns = Some(turns);
        self
    }

    /// The platform's default location: `$XDG_CACHE_HOME/articulate`, else
    /// `~/.cache/articulate`, else a directory under the system temp dir.
    #[must_use]
    pub fn default_dir() -> PathBuf {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("articulate")
    }

    /// Where the cache is: a directory or a URL.
    #[must_use]
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The directory entries live in, when the cache is local.
    #[must_use]
    pub fn dir(&self) -> Option<&Path> {
        self.local.as_deref()
    }

    /// The stored audio for `digest`, if an intact entry exists.
    pub async fn get(&self, digest: &str, format: AudioFormat) -> Option<SpeechAudio> {
        let location = entry(digest);
        let bytes = match self.store.get(&location).await {
            Ok(found) => found.bytes().await.ok()?,
            Err(object_store::Error::NotFound { .. }) => return None,
            Err(e) => {
                tracing::warn!(cache = %self.location, "Cache read failed; synthesizing: {e}");
                return None;
            }
        };
        if let Some(payload) = verify(&bytes) {
            self.touch(&location);
            return Some(SpeechAudio { bytes: payload.to_vec(), format });
        }
        tracing::warn!(
            cache = %self.location,
            entry = %location,
            "Corrupt cache entry ignored; it will be synthesized again."
        );
        None
    }

    /// Store audio under `digest`. The entry appears whole or not at all: a local store
    /// writes a staging file, syncs it and renames it; an object store publishes on success.
    ///
    /// # Errors
    ///
    /// When the entry cannot be written.
    pub async fn put(&self, digest: &str, audio: &SpeechAudio) -> Result<(), CacheError> {
        let location = entry(digest);
        let mut bytes = Vec::with_capacity(HEADER + audio.bytes.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(blake3::hash(&audio.bytes).as_bytes());
        bytes.extend_from_slice(&(audio.bytes.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&audio.bytes);
        self.store.put(&location, bytes.into()).await.map_err(|source| CacheError::Store {
            location: format!("{}/{location}", self.location),
            source,
        })?;
        Ok(())
    }

    /// The bytes stored under `digest` by [`ChunkCache::put_blob`] (word marks, what the
    /// recogniser heard), if an intact entry exists.
    pub async fn get_blob(&self, digest: &str) -> Option<Vec<u8>> {
        self.get(digest, AudioFormat::Wav).await.map(|entry| entry.bytes)
    }

    /// Store bytes that belong with a chunk under their own digest, as audio is stored.
    ///
    /// # Errors
    ///
    /// When the entry cannot be written.
    pub async fn put_blob(&self, digest: &str, bytes: Vec<u8>) -> Result<(), CacheError> {
        self.put(digest, &SpeechAudio { bytes, format: AudioFormat::Wav }).await
    }

    /// Hold the right to synthesize `digest`: others asking for the same key wait until
    /// the claim is dropped, then find the entry in the cache. In this process they wait on
    /// a lock per key; in other processes sharing a local cache (`serve --worker`s, batch
    /// shards), on a file lock in the cache directory, which the kernel releases when its
    /// holder dies, however it dies; elsewhere, on the cache's [`Turns`], if it has any.
    pub(crate) async fn claim(&self, digest: &str) -> ChunkClaim {
        let lock = {
            // A poisoned map only means another task panicked mid-insert; the map is intact.
            let mut pending =
                self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            pending.retain(|_, lock| lock.strong_count() > 0);
            match pending.get(digest).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(()));
                    pending.insert(digest.to_owned(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        let here = lock.lock_owned().await;
        let across = match (&self.local, &self.turns) {
            (Some(dir), _) => {
                lock_file(dir, digest).await.map(|file| Box::new(file) as Box<dyn Send + Sync>)
            }
            (None, Some(turns)) => turns.take(digest).await,
            (None, None) => None,
        };
        ChunkClaim { _here: here, _across: across }
    }

    /// Mark a local entry as just used. Best effort: a read-only cache still serves hits.
    fn touch(&self, location: &Location) {
        let Some(dir) = &self.local else { return };
        let path = dir.join(location.as_ref());
        let now = std::time::SystemTime::now();
        if let Err(e) =
            std::fs::File::options().append(true).open(&path).and_then(|f| f.set_modified(now))
        {
            tracing::debug!(entry = %path.display(), "Cannot refresh the entry's time: {e}");
        }
    }
}

/// The right to synthesize one chunk, until dropped.
pub(crate) struct ChunkClaim {
    _here: tokio::sync::OwnedMutexGuard<()>,
    _across: Option<Box<dyn Send + Sync>>,
}

/// Lock `DIR/locks/abc` for a digest starting `abc…`: 4096 files at most, so nothing needs
/// removing; two chunks that share one wait for each other, which only costs time.
/// `None` when the file system cannot lock (the in-process lock still holds).
async fn lock_file(dir: &Path, digest: &str) -> Option<std::fs::File> {
    let stripe = digest.get(..3).unwrap_or("000");
    let path = dir.join("locks").join(stripe);
    let opened = std::fs::create_dir_all(dir.join("locks")).and_then(|()| {
        std::fs::File::options().create(true).truncate(false).write(true).open(&path)
    });
    let file = match opened {
        Ok(file) => file,
        Err(e) => {
            tracing::debug!(lock = %path.display(), "No lock across processes: {e}");
            return None;
        }
    };
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            // Polled, not waited for on a thread: a holder takes as long as a request.
            Err(std::fs::TryLockError::WouldBlock) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                tracing::debug!(lock = %path.display(), "No lock across processes: {e}");
                return None;
            }
        }
    }
}

/// Where the entry for `digest` lives: `ab/abcdef…`.
fn entry(digest: &str) -> Location {
    let shard = digest.get(..2).unwrap_or("00");
    Location::from(format!("{shard}/{digest}"))
}

/// The payload of an entry whose magic, length and checksum are all right.
fn verify(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return None;
    }
    let len = u64::from_le_bytes(bytes[40..48].try_into().ok()?);
    let payload = &bytes[HEADER..];
    (payload.len() as u64 == len && blake3::hash(payload).as_bytes()[..] == bytes[8..40])
        .then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(text: &'a str, settings: &'a serde_json::Value) -> CacheKey<'a> {
        CacheKey {
            schema: SCHEMA,
            backend: "tone",
            settings,
            text,
            language: None,
            format: AudioFormat::Wav,
            engine: None,
            context: None,
        }
    }

    #[test]
    fn the_key_changes_with_the_engine_version_and_the_neighbours_sent_as_context() {
        let a = serde_json::json!({"voice": "a"});
        let base = key("Hello.", &a).digest();
        let v1 = CacheKey { engine: Some("espeak-ng 1.51"), ..key("Hello.", &a) }.digest();
        let v2 = CacheKey { engine: Some("espeak-ng 1.52"), ..key("Hello.", &a) }.digest();
        assert!(base != v1 && v1 != v2);
        let before = CacheKey { context: Some((Some("One."), None)), ..key("Hello.", &a) };
        let after = CacheKey { context: Some((Some("Two."), None)), ..key("Hello.", &a) };
        assert_ne!(before.digest(), after.digest());
    }

    #[test]
    fn a_key_without_engine_or_context_is_what_it_was_before_they_were_added() {
        let settings = serde_json::json!({"voice": "alloy"});
        // As the version before `engine` and `context` computed it: cloud caches stay warm.
        let old = br#"{"schema":1,"backend":"tone","settings":{"voice":"alloy"},"text":"Hello.","language":null,"format":"wav"}"#;
        assert_eq!(key("Hello.", &settings).digest(), blake3::hash(old).to_hex().to_string());
    }

    #[test]
    fn the_key_changes_with_text_settings_and_format() {
        let a = serde_json::json!({"voice": "a"});
        let b = serde_json::json!({"voice": "b"});
        let base = key("Hello.", &a).digest();
        assert_eq!(base, key("Hello.", &a).digest());
        assert_ne!(base, key("Hello!", &a).digest());
        assert_ne!(base, key("Hello.", &b).digest());
        assert_ne!(base, CacheKey { format: AudioFormat::Mp3, ..key("Hello.", &a) }.digest());
    }

    #[tokio::test]
    async fn an_entry_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ChunkCache::open(tmp.path()).unwrap();
        let audio = SpeechAudio { bytes: vec![1, 2, 3], format: AudioFormat::Wav };
        cache.put("abcdef", &audio).await.unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav).await, Some(audio));
        assert_eq!(cache.get("abcdee", AudioFormat::Wav).await, None);
        assert!(tmp.path().join("ab/abcdef").is_file(), "the layout is ab/abcdef");
    }

    #[tokio::test]
    async fn a_truncated_or_corrupted_entry_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ChunkCache::open(tmp.path()).unwrap();
        let audio = SpeechAudio { bytes: vec![7; 100], format: AudioFormat::Wav };
        cache.put("abcdef", &audio).await.unwrap();
        let path = tmp.path().join("ab/abcdef");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav).await, None);
        let mut flipped = bytes.clone();
        flipped[60] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav).await, None);
    }

    #[tokio::test]
    async fn a_claim_in_another_process_on_the_same_cache_is_waited_for() {
        let tmp = tempfile::tempdir().unwrap();
        // Two opens of one directory share nothing in memory, as two processes would not.
        let here = ChunkCache::open(tmp.path()).unwrap();
        let there = ChunkCache::open(tmp.path()).unwrap();
        let first = here.claim("abcdef").await;
        let waiter = tokio::spawn(async move { drop(there.claim("abcdef").await) });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!waiter.is_finished(), "the other cache waits for the file lock");
        drop(first);
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_second_claim_on_a_key_waits_for_the_first() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ChunkCache::open(tmp.path()).unwrap();
        let first = cache.claim("abcdef").await;
        let other = cache.clone();
        let waiter = tokio::spawn(async move { drop(other.claim("abcdef").await) });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "the second claim waits");
        let _unrelated = cache.claim("123456").await;
        drop(first);
        waiter.await.unwrap();
    }
}

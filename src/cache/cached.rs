//! A backend wrapped in the chunk cache: hits never reach the backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

use super::{CacheKey, ChunkCache, SCHEMA};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::cost::Price;
use crate::tts::retry::RetryPolicy;
use crate::tts::{Capabilities, Marked, SynthError, SynthRequest, Synthesizer, WordMark};

/// Retries of a chunk whose answer failed its checks (or of a local engine's passing
/// failure). Cloud backends retry their own HTTP failures first, under their profile's
/// policy, and give up with a failure that is not retried again here.
const RETRY: RetryPolicy = RetryPolicy {
    max_retries: 2,
    base_delay: Duration::from_millis(200),
    max_delay: Duration::from_secs(2),
    budget: Duration::from_secs(30),
};

/// Running counts of what a narration asked its backends for. Shared by every voice of one
/// article, so parallel articles each keep their own.
#[derive(Debug, Default)]
pub struct Tally {
    hits: AtomicUsize,
    requests: AtomicUsize,
    billed_chars: AtomicUsize,
}

/// A snapshot of a [`Tally`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Chunks answered from the cache.
    pub cache_hits: usize,
    /// Requests sent to a backend.
    pub requests: usize,
    /// Characters those requests bill.
    pub billed_chars: usize,
}

impl Tally {
    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> Counts {
        Counts {
            cache_hits: self.hits.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            billed_chars: self.billed_chars.load(Ordering::Relaxed),
        }
    }
}

/// A [`Synthesizer`] that answers from the cache when it can and stores what it fetches.
///
/// Two requests for the same key in one process are sent once: the second waits for the
/// first and is answered from its entry.
pub struct Cached {
    inner: Arc<dyn Synthesizer>,
    cache: Option<ChunkCache>,
    settings: serde_json::Value,
    engine: Option<String>,
    tally: Arc<Tally>,
}

impl Cached {
    /// Wrap `inner`.
    #[must_use]
    pub fn new(inner: Arc<dyn Synthesizer>, cache: ChunkCache) -> Cached {
        Cached::counted(inner, Some(cache), Arc::default())
    }

    /// Wrap `inner`, counting into `tally`; with no cache every chunk is a request.
    #[must_use]
    pub fn counted(
        inner: Arc<dyn Synthesizer>,
        cache: Option<ChunkCache>,
        tally: Arc<Tally>,
    ) -> Cached {
        let settings = inner.settings();
        let engine = inner.engine();
        Cached { inner, cache, settings, engine, tally }
    }

    /// Chunks answered from the cache so far.
    #[must_use]
    pub fn hits(&self) -> usize {
        self.tally.counts().cache_hits
    }

    /// Chunks sent to the backend so far.
    #[must_use]
    pub fn misses(&self) -> usize {
        self.tally.counts().requests
    }

    fn format(&self) -> AudioFormat {
        self.inner.capabilities().formats.first().copied().unwrap_or(AudioFormat::Wav)
    }

    /// Ask the backend, check what it returns, and ask again (a few times, backing off) when
    /// the answer is unusable or the failure may pass.
    async fn request(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        RETRY.run(|_| self.attempt(request)).await
    }

    /// One request, and the checks its answer must pass.
    async fn attempt(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        self.tally.requests.fetch_add(1, Ordering::Relaxed);
        self.tally.billed_chars.fetch_add(self.inner.billed_chars(&request), Ordering::Relaxed);
        let started = std::time::Instant::now();
        let (audio, marks) = self.inner.synthesize_marked(request).await?;
        // Garbage must fail now, not be replayed from the cache forever. Decoding a whole
        // chunk takes a few milliseconds: off the async threads.
        let checked = audio.clone();
        let text = request.text.to_owned();
        let fastest = self.inner.fastest_letters_per_second();
        let verdict =
            tokio::task::spawn_blocking(move || crate::tts::check::check(&checked, &text, fastest))
                .await
                .unwrap_or_else(|e| Err(format!("the check failed: {e}")));
        verdict.map_err(|message| SynthError::BadAudio {
            backend: self.inner.name().to_owned(),
            chunk: request.chunk,
            message,
        })?;
        tracing::debug!(
            chunk = request.chunk,
            backend = self.inner.name(),
            bytes = audio.bytes.len(),
            ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "Synthesized."
        );
        Ok((audio, marks))
    }
}

/// The cache entry holding a chunk's word marks, beside its audio's.
fn marks_digest(digest: &str) -> String {
    blake3::hash(format!("{digest}/word-marks").as_bytes()).to_hex().to_string()
}

#[async_trait]
impl Synthesizer for Cached {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    fn settings(&self) -> serde_json::Value {
        self.settings.clone()
    }

    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        self.inner.billed_chars(request)
    }

    fn price(&self) -> Option<Price> {
        self.inner.price()
    }

    fn engine(&self) -> Option<String> {
        self.inner.engine()
    }

    fn uses_context(&self) -> bool {
        self.inner.uses_context()
    }

    fn fastest_letters_per_second(&self) -> Option<f64> {
        self.inner.fastest_letters_per_second()
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        self.inner.voices().await
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        Ok(self.synthesize_marked(request).await?.0)
    }

    /// Marks are cached beside the audio; audio cached without them (by an older version)
    /// is answered without them.
    async fn synthesize_marked(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        let Some(cache) = &self.cache else { return self.request(request).await };
        let format = self.format();
        let sent = request.body(self.inner.capabilities());
        let key = CacheKey {
            schema: SCHEMA,
            backend: self.inner.name(),
            settings: &self.settings,
            text: &sent,
            language: request.language,
            format,
            engine: self.engine.as_deref(),
            context: self.inner.uses_context().then_some((request.previous, request.next)),
        };
        let digest = key.digest();
        let marks_key = marks_digest(&digest);
        let cached_marks = async || {
            let blob = cache.get_blob(&marks_key).await?;
            serde_json::from_slice::<Vec<WordMark>>(&blob).ok()
        };
        if let Some(audio) = cache.get(&digest, format).await {
            self.tally.hits.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(chunk = request.chunk, backend = self.inner.name(), "From the cache.");
            return Ok((audio, cached_marks().await));
        }
        let _claim = cache.claim(&digest).await;
        // Another article may have synthesized it while this one waited.
        if let Some(audio) = cache.get(&digest, format).await {
            self.tally.hits.fetch_add(1, Ordering::Relaxed);
            return Ok((audio, cached_marks().await));
        }
        let (audio, marks) = self.request(request).await?;
        if let Some(marks) = &marks {
            let blob = serde_json::to_vec(marks).unwrap_or_default();
            if let Err(e) = cache.put_blob(&marks_key, blob).await {
                tracing::warn!(chunk = request.chunk, "Word marks not cached: {e}");
            }
        }
        // Committed before the chunk is used: a run killed after this point never pays for
        // this chunk again.
        if let Err(e) = cache.put(&digest, &audio).await {
            tracing::warn!(chunk = request.chunk, "Not cached: {e}");
        }
        Ok((audio, marks))
    }
}

//! A backend wrapped in the chunk cache: hits never reach the backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use super::{CacheKey, ChunkCache, SCHEMA};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::cost::Price;
use crate::tts::{Capabilities, SynthError, SynthRequest, Synthesizer};

/// A [`Synthesizer`] that answers from the cache when it can and stores what it fetches.
pub struct Cached {
    inner: Arc<dyn Synthesizer>,
    cache: ChunkCache,
    settings: serde_json::Value,
    hits: AtomicUsize,
    misses: AtomicUsize,
}

impl Cached {
    /// Wrap `inner`.
    #[must_use]
    pub fn new(inner: Arc<dyn Synthesizer>, cache: ChunkCache) -> Cached {
        let settings = inner.settings();
        Cached { inner, cache, settings, hits: AtomicUsize::new(0), misses: AtomicUsize::new(0) }
    }

    /// Chunks answered from the cache so far.
    #[must_use]
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Chunks sent to the backend so far.
    #[must_use]
    pub fn misses(&self) -> usize {
        self.misses.load(Ordering::Relaxed)
    }

    fn format(&self) -> AudioFormat {
        self.inner.capabilities().formats.first().copied().unwrap_or(AudioFormat::Wav)
    }
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

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        self.inner.voices().await
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let format = self.format();
        let sent = request.body(self.inner.capabilities());
        let key = CacheKey {
            schema: SCHEMA,
            backend: self.inner.name(),
            settings: &self.settings,
            text: &sent,
            language: request.language,
            format,
        };
        let digest = key.digest();
        if let Some(audio) = self.cache.get(&digest, format) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(audio);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let audio = self.inner.synthesize(request).await?;
        // Garbage must fail now, not be replayed from the cache forever.
        crate::audio::probe(&audio).map_err(|message| SynthError::BadAudio {
            backend: self.inner.name().to_owned(),
            chunk: request.chunk,
            message,
        })?;
        if let Err(e) = self.cache.put(&digest, &audio) {
            tracing::warn!(chunk = request.chunk, "Not cached: {e}");
        }
        Ok(audio)
    }
}

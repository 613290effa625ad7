//! Synthesize: turn chunks of text into encoded speech through a pluggable backend.
//!
//! Every backend implements [`Synthesizer`] and declares what it can do as data in
//! [`Capabilities`]; `segment` reads those limits, and [`synthesize_all`] runs the requests
//! concurrently within the backend's bound. Backends are built from a voice profile by the
//! [`registry`].

pub mod check;
mod command;
pub mod cost;
mod error;
mod espeak;
mod http;
mod limits;
pub mod phonemize;
mod piper;
mod process;
mod profile;
pub mod registry;
pub mod retry;
mod tone;

use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{self, Stream, StreamExt};
use tokio::sync::Semaphore;

// Both moved to `model` so `segment` can read a backend's limits without importing `tts`;
// the old paths stay for publishers.
pub use crate::model::Capabilities;
pub use crate::model::ssml;
pub use cost::{CostEstimate, Price};
pub use error::SynthError;
pub use piper::{
    INSTALL_HINT as PIPER_INSTALL_HINT, installed_models as piper_models, venv_dir as piper_venv,
};
pub use profile::VoiceProfile;

use crate::model::{AudioFormat, Chunk, SpeechAudio};

/// One request: a chunk's text and, for backends that carry prosody across requests, its
/// neighbours.
#[derive(Clone, Copy, Debug)]
pub struct SynthRequest<'a> {
    /// The chunk id, for errors and logs.
    pub chunk: usize,
    /// The text to say, plain (respellings in place).
    pub text: &'a str,
    /// The same as SSML content, escaped, without the `<speak>` root.
    pub ssml: &'a str,
    /// The article's language, if known.
    pub language: Option<&'a str>,
    /// The previous chunk's text, if any.
    pub previous: Option<&'a str>,
    /// The next chunk's text, if any.
    pub next: Option<&'a str>,
}

impl SynthRequest<'_> {
    /// The exact text to send to a backend with these capabilities.
    #[must_use]
    pub fn body(&self, caps: &Capabilities) -> String {
        caps.request_text(self.text, self.ssml, self.language)
    }
}

/// Where one spoken word of a request is in the audio returned for it, in seconds from the
/// audio's start, as the engine reports it. A request's marks are one per
/// whitespace-separated word of its plain text (the request's `text`), in order.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WordMark {
    /// Where the word starts.
    pub start: f64,
    /// Where it ends.
    pub end: f64,
}

/// Encoded audio and, when the engine reports them, where its words are.
pub type Marked = (SpeechAudio, Option<Vec<WordMark>>);

/// A text-to-speech engine or service.
///
/// # For implementations
///
/// `synthesize` must return encoded audio in one of [`Capabilities::formats`], or a
/// [`SynthError`] naming the backend and the chunk. Say whether a failure may be retried
/// through the error's `retryable` flag; the shared retry policy acts on it. Never put a
/// secret in an error or a log line.
#[async_trait]
pub trait Synthesizer: Send + Sync {
    /// The backend kind, as written in a voice profile (`espeak-ng`, `command`, ...).
    fn name(&self) -> &str;

    /// What the backend accepts and returns.
    fn capabilities(&self) -> &Capabilities;

    /// The settings that change the audio, for cache keys and manifests. No secrets.
    fn settings(&self) -> serde_json::Value;

    /// Speak one chunk.
    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError>;

    /// Speak one chunk and say where each of its words is, when the engine knows. Default:
    /// [`Synthesizer::synthesize`], without word marks.
    async fn synthesize_marked(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        Ok((self.synthesize(request).await?, None))
    }

    /// The characters the provider bills for this request. Default: every character sent.
    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        request.body(self.capabilities()).chars().count()
    }

    /// What the profile says billed characters cost, if it says. Default: `None` (free or
    /// unknown).
    fn price(&self) -> Option<Price> {
        None
    }

    /// The engine's own identity beyond its settings (a program's version, a model's), for
    /// cache keys: an upgraded engine must not replay what the old one said. Default: none.
    fn engine(&self) -> Option<String> {
        None
    }

    /// Whether a chunk's audio depends on its neighbours' text (sent as context), so the
    /// cache key must hold them too. Default: false.
    fn uses_context(&self) -> bool {
        false
    }

    /// The most letters (and digits) a second this voice can plausibly speak, to catch audio
    /// cut short; `None` when its speed is unknown (a user's own command). Default: 35, well
    /// over twice the pace of any newsreader.
    fn fastest_letters_per_second(&self) -> Option<f64> {
        Some(check::FASTEST_LETTERS_PER_SECOND)
    }

    /// Start the engine now (load its model, say), blocking, so a voice that cannot start is
    /// known before any work and another can be chosen. Called once, before the first
    /// request, by casting. Default: nothing to start.
    ///
    /// # Errors
    ///
    /// The engine cannot be started.
    fn warm_up(&self) -> Result<(), SynthError> {
        Ok(())
    }

    /// The voices this backend offers, as `id — description` lines, for `articulate voices`.
    /// Backends that cannot list theirs return an empty list; cloud backends ask their
    /// provider and fail with [`SynthError::Voices`], which names no chunk.
    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        Ok(Vec::new())
    }
}

/// Synthesize every chunk, yielding audio in chunk order as it becomes available. Each chunk
/// goes to `backends[chunk.voice]`; at most `concurrency` requests run at once, and no
/// backend gets more than its declared [`Capabilities::concurrency`].
///
/// Each request runs as its own task, so engines keep working while the caller processes
/// the audio already returned.
pub fn synthesize_stream(
    backends: &[Arc<dyn Synthesizer>],
    chunks: &[Chunk],
    language: Option<&str>,
    concurrency: usize,
) -> impl Stream<Item = Result<SpeechAudio, SynthError>> + Send + 'static {
    synthesize_marked_stream(backends, chunks, language, concurrency)
        .map(|reply| reply.map(|(audio, _)| audio))
}

/// [`synthesize_stream`], with each chunk's word marks when its engine reports them.
pub fn synthesize_marked_stream(
    backends: &[Arc<dyn Synthesizer>],
    chunks: &[Chunk],
    language: Option<&str>,
    concurrency: usize,
) -> impl Stream<Item = Result<Marked, SynthError>> + Send + 'static {
    synthesize_ordered(backends, chunks, language, concurrency, false)
}

/// [`synthesize_marked_stream`] for a narration that is played while it is made: the first
/// chunk is asked for alone, and the others only once it is back. Backends serve waiting
/// requests in turn, so when many narrations start at once every one of them gets its
/// opening (and becomes playable) before any gets its second chunk.
pub fn synthesize_marked_stream_head_first(
    backends: &[Arc<dyn Synthesizer>],
    chunks: &[Chunk],
    language: Option<&str>,
    concurrency: usize,
) -> impl Stream<Item = Result<Marked, SynthError>> + Send + 'static {
    synthesize_ordered(backends, chunks, language, concurrency, true)
}

fn synthesize_ordered(
    backends: &[Arc<dyn Synthesizer>],
    chunks: &[Chunk],
    language: Option<&str>,
    concurrency: usize,
    head_first: bool,
) -> impl Stream<Item = Result<Marked, SynthError>> + Send + 'static {
    let backends: Vec<Arc<dyn Synthesizer>> = backends.to_vec();
    // Opened once the first chunk is back (or failed); only the others wait for it.
    let (head_done, head) = tokio::sync::watch::channel(!head_first);
    let head_done = Arc::new(head_done);
    let permits: Vec<Arc<Semaphore>> = backends
        .iter()
        .map(|b| Arc::new(Semaphore::new(b.capabilities().concurrency.max(1))))
        .collect();
    let total: usize = backends.iter().map(|b| b.capabilities().concurrency.max(1)).sum();
    let limit = concurrency.clamp(1, total.max(1));
    let requests: Vec<Owned> = chunks
        .iter()
        .enumerate()
        .map(|(i, chunk)| Owned {
            chunk: chunk.id,
            voice: chunk.voice.min(backends.len().saturating_sub(1)),
            file: chunk.audio_file.clone(),
            text: chunk.speak.clone(),
            ssml: chunk.ssml.clone(),
            language: language.map(str::to_owned),
            previous: i.checked_sub(1).map(|p| chunks[p].speak.clone()),
            next: chunks.get(i + 1).map(|n| n.speak.clone()),
        })
        .collect();
    stream::iter(requests)
        .enumerate()
        .map(move |(i, owned)| {
            let backend = Arc::clone(&backends[owned.voice]);
            let permits = Arc::clone(&permits[owned.voice]);
            let mut head = head.clone();
            let head_done = (i == 0).then(|| Arc::clone(&head_done));
            tokio::spawn(async move {
                let _opens = head_done.map(OpenOnDrop);
                if let Some(path) = &owned.file {
                    return read_audio_file(owned.chunk, path).map(|audio| (audio, None));
                }
                if i > 0 {
                    // The sender lives in the first task: closed means it is over.
                    let _ = head.wait_for(|open| *open).await;
                }
                // The semaphore is never closed, so acquiring cannot fail.
                let _permit = permits.acquire_owned().await.ok();
                let request = SynthRequest {
                    chunk: owned.chunk,
                    text: &owned.text,
                    ssml: &owned.ssml,
                    language: owned.language.as_deref(),
                    previous: owned.previous.as_deref(),
                    next: owned.next.as_deref(),
                };
                backend.synthesize_marked(request).await
            })
        })
        .buffered(limit)
        .map(|joined| match joined {
            Ok(result) => result,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        })
}

/// Opens the gate the other chunks wait at when the first chunk's task ends, however it ends.
struct OpenOnDrop(Arc<tokio::sync::watch::Sender<bool>>);

impl Drop for OpenOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

/// An intro or outro file, played rather than synthesized.
fn read_audio_file(chunk: usize, path: &std::path::Path) -> Result<SpeechAudio, SynthError> {
    let bytes = std::fs::read(path).map_err(|e| SynthError::Engine {
        backend: "file".into(),
        chunk,
        message: format!("cannot read {}: {e}", path.display()),
        retryable: false,
    })?;
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    let format = match extension.to_ascii_lowercase().as_str() {
        "mp3" => AudioFormat::Mp3,
        "ogg" | "oga" | "opus" => AudioFormat::Ogg,
        "flac" => AudioFormat::Flac,
        _ => AudioFormat::Wav,
    };
    Ok(SpeechAudio { bytes, format })
}

/// A request that owns its text, so it can move into a task.
struct Owned {
    chunk: usize,
    voice: usize,
    file: Option<std::path::PathBuf>,
    text: String,
    ssml: String,
    language: Option<String>,
    previous: Option<String>,
    next: Option<String>,
}

//! Runs the whole pipeline for one article: the library's front door.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;

use crate::audio::{Assembler, AudioError};
use crate::config::{Config, VoiceProfile};
use crate::extract::{self, ExtractError};
use crate::ingest::{self, IngestError};
use crate::model::{Article, Manifest, Script, Source};
use crate::output::{self, OutputError, OutputFormat, Writer};
use crate::segment::{self, Lexicon, SegmentError};
use crate::tts::{self, SynthError, Synthesizer};

/// A failure anywhere in the pipeline, naming the input it happened to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NarrateError {
    /// Reading the input failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// Nothing speakable, or extraction failed.
    #[error(transparent)]
    Extract(#[from] ExtractError),
    /// The article could not be cut into chunks.
    #[error("{origin}: {source}")]
    Segment {
        /// The input.
        origin: String,
        /// Why.
        source: SegmentError,
    },
    /// A backend failed.
    #[error("{origin}: {source}")]
    Synth {
        /// The input.
        origin: String,
        /// Why.
        source: SynthError,
    },
    /// The backend's audio could not be assembled.
    #[error("{origin}: backend {backend}: {source}")]
    Audio {
        /// The input.
        origin: String,
        /// The backend that produced the audio.
        backend: String,
        /// Why.
        source: AudioError,
    },
    /// Writing the outputs failed.
    #[error("{origin}: {source}")]
    Output {
        /// The input.
        origin: String,
        /// Why.
        source: OutputError,
    },
}

/// What to narrate and where to put it.
#[derive(Clone, Debug)]
pub struct Job {
    /// A path, a URL, or `-` for stdin.
    pub input: String,
    /// The directory outputs are written to.
    pub output_dir: PathBuf,
    /// The audio formats to write.
    pub formats: Vec<OutputFormat>,
}

/// The result of a narration.
#[derive(Clone, Debug)]
pub struct Narration {
    /// The manifest that was written.
    pub manifest: Manifest,
    /// Every file written, manifest included.
    pub files: Vec<PathBuf>,
}

/// Read and extract one input: what `articulate extract` prints and every narration starts
/// from.
///
/// # Errors
///
/// Unreadable input, or nothing to narrate.
pub fn read_article(input: &str, config: &Config) -> Result<(Source, Article), NarrateError> {
    let source = ingest::read(input)?;
    let article = extract::extract(&source, &config.extract)?;
    Ok((source, article))
}

/// Everything up to synthesis: the article and its script for `backend`.
///
/// # Errors
///
/// Unreadable input, nothing to narrate, or text that cannot be cut to the backend's limit.
pub fn prepare(
    input: &str,
    config: &Config,
    backend: &dyn Synthesizer,
    lexicon: &Lexicon,
) -> Result<(Source, Article, Script), NarrateError> {
    let (source, article) = read_article(input, config)?;
    let script = segment::segment(&article, backend.capabilities(), &config.segment, lexicon)
        .map_err(|source_err| NarrateError::Segment {
            origin: source.origin.clone(),
            source: source_err,
        })?;
    let resolve = |interlude: &segment::InterludeConfig| segment::InterludeConfig {
        file: if interlude.file.as_os_str().is_empty() {
            interlude.file.clone()
        } else {
            config.resolve(&interlude.file)
        },
        ..interlude.clone()
    };
    let speak = segment::speaker(&article, &config.segment, lexicon);
    let script =
        segment::frame(script, &article, &resolve(&config.intro), &resolve(&config.outro), &speak);
    Ok((source, article, script))
}

/// The manifest a narration would write, with `null` timings, without synthesizing.
///
/// # Errors
///
/// As [`prepare`].
pub fn dry_run(
    input: &str,
    config: &Config,
    backend: &dyn Synthesizer,
    voice: &VoiceProfile,
    lexicon: &Lexicon,
) -> Result<Manifest, NarrateError> {
    let (_, article, script) = prepare(input, config, backend, lexicon)?;
    Ok(output::build_manifest(&article, &script, None, backend.name(), &voice.name, Vec::new()))
}

/// Narrate one input end to end and write its files atomically into `job.output_dir`.
///
/// `on_chunk` is called after each chunk is synthesized and placed, with the number done and
/// the total, for progress reporting.
///
/// # Errors
///
/// The first failure of any stage; no output file is created or replaced when one occurs.
pub async fn narrate(
    job: &Job,
    config: &Config,
    backend: &Arc<dyn Synthesizer>,
    voice: &VoiceProfile,
    lexicon: &Lexicon,
    on_chunk: &(dyn Fn(usize, usize) + Sync),
) -> Result<Narration, NarrateError> {
    let (source, article, script) = prepare(&job.input, config, backend.as_ref(), lexicon)?;
    let origin = source.origin.clone();
    let audio_error = |e| NarrateError::Audio {
        origin: origin.clone(),
        backend: backend.name().to_owned(),
        source: e,
    };
    let mut assembler = Assembler::new(&config.audio).map_err(audio_error)?;
    let mut replies = tts::synthesize_stream(
        backend,
        &script.chunks,
        article.meta.language.as_deref(),
        config.narrate.concurrency,
    );
    let total = script.chunks.len();
    let mut done = 0;
    while let Some(reply) = replies.next().await {
        let audio = reply.map_err(|e| NarrateError::Synth { origin: origin.clone(), source: e })?;
        let chunk = &script.chunks[done];
        tokio::task::block_in_place(|| assembler.push(chunk, &audio)).map_err(audio_error)?;
        done += 1;
        on_chunk(done, total);
    }
    drop(replies);
    let assembled = assembler.finish(&script).map_err(audio_error)?;
    let output_error = |e| NarrateError::Output { origin: origin.clone(), source: e };
    tokio::task::block_in_place(|| {
        let mut writer = Writer::create(
            &job.output_dir,
            &source.stem,
            &job.formats,
            &config.output,
            assembled.timeline.rate,
        )
        .map_err(output_error)?;
        assembled.render(|block| writer.write(block).map_err(RenderFailure::Output)).map_err(
            |e| match e {
                RenderFailure::Audio(e) => audio_error(e),
                RenderFailure::Output(e) => output_error(e),
            },
        )?;
        let manifest = output::build_manifest(
            &article,
            &script,
            Some(&assembled.timeline),
            backend.name(),
            &voice.name,
            writer.audio_entries(),
        );
        let files = writer.finish(&assembled.timeline, &manifest).map_err(output_error)?;
        Ok(Narration { manifest, files })
    })
}

/// The path the manifest for `stem` is written to in `dir`.
#[must_use]
pub fn manifest_path(dir: &Path, stem: &str) -> PathBuf {
    dir.join(format!("{stem}.json"))
}

/// Rendering fails either reading the spool back or writing an encoder.
enum RenderFailure {
    Audio(AudioError),
    Output(OutputError),
}

impl From<AudioError> for RenderFailure {
    fn from(e: AudioError) -> Self {
        RenderFailure::Audio(e)
    }
}

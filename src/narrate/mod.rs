//! Runs the whole pipeline for one article: the library's front door.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use articulate::config::Config;
//! use articulate::narrate::{Casting, Job, narrate};
//! use articulate::output::OutputFormat;
//!
//! let config = Config::load(None)?;
//! let casting = Casting::new(&config, None, None);
//! let job = Job {
//!     input: "examples/heartstopper.txt".into(),
//!     output_dir: "audio_out".into(),
//!     formats: vec![OutputFormat::Mp3],
//!     max_chars: None,
//! };
//! let narration = narrate(&job, &config, &casting, &|_, _| {}).await?;
//! println!("{} ms", narration.manifest.duration_ms.unwrap_or_default());
//! # Ok(()) }
//! ```

mod fingerprint;
mod knobs;
mod listen;
mod live;
mod voices;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;

pub use fingerprint::settings_hash;
pub use knobs::Knobs;
pub use live::LiveOptions;
pub use voices::{Cast, CastError, Casting, Voice, VoicesConfig};

use crate::audio::{Assembled, Assembler, AudioError, Limiter, RenderOptions, RenderStats};
use crate::cache::Counts;
use crate::config::Config;
use crate::extract::{self, ExtractError};
use crate::ingest::{self, IngestError};
use crate::model::{Article, Manifest, ManifestCost, SampleRate, Script, Source};
use crate::output::{self, OutputError, OutputFormat, Writer};
use crate::segment::{self, InterludeConfig, SegmentError, VoiceLimits};
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
    /// The job would bill more than `--max-chars` allows.
    #[error("{origin}: {source}")]
    OverCap {
        /// The input.
        origin: String,
        /// By how much.
        source: tts::cost::OverCap,
    },
    /// No voice could be cast for the article.
    #[error("{origin}: {source}")]
    Cast {
        /// The input.
        origin: String,
        /// Why.
        source: CastError,
    },
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
    /// The speech recogniser could not verify the narration.
    #[error("{origin}: {source}")]
    Verify {
        /// The input.
        origin: String,
        /// Why.
        source: crate::verify::VerifyError,
    },
    /// `--strict`: segments do not say their text, so nothing was published.
    #[error(
        "{origin}: {count} segment(s) do not say their text (first: segment {first}, heard \"{heard}\"); nothing was written (--strict)"
    )]
    Flagged {
        /// The input.
        origin: String,
        /// How many segments were flagged.
        count: usize,
        /// The first flagged segment's id.
        first: usize,
        /// What was heard in it.
        heard: String,
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
    /// Refuse to start if the backends would bill more characters than this.
    pub max_chars: Option<usize>,
}

/// The result of a narration.
#[derive(Clone, Debug)]
pub struct Narration {
    /// The manifest that was written.
    pub manifest: Manifest,
    /// Every file written, manifest included.
    pub files: Vec<PathBuf>,
    /// Chunks in the script, intro and outro included.
    pub chunks: usize,
    /// Cache hits, backend requests and billed characters.
    pub counts: Counts,
    /// What loudness normalisation and the limiter did.
    pub render: RenderStats,
}

/// An article ready to synthesize: where it came from, what it says, who says it, and how
/// it is cut.
pub struct Prepared {
    /// The input as read.
    pub source: Source,
    /// The extracted article.
    pub article: Article,
    /// Its voices.
    pub cast: Cast,
    /// Its chunks and chapters, intro and outro included.
    pub script: Script,
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

/// Everything up to synthesis.
///
/// # Errors
///
/// Unreadable input, nothing to narrate, no voice for its language, or text that cannot be
/// cut to a backend's limit.
pub fn prepare(input: &str, config: &Config, casting: &Casting) -> Result<Prepared, NarrateError> {
    prepare_source(ingest::read(input)?, config, casting)
}

/// [`prepare`] a source already read (from a feed's inline content, say).
///
/// # Errors
///
/// As [`prepare`], except reading.
pub fn prepare_source(
    source: Source,
    config: &Config,
    casting: &Casting,
) -> Result<Prepared, NarrateError> {
    prepare_described(source, config, casting, |_| {})
}

/// [`prepare_source`], with what the publisher says about the article (its title, URL...)
/// put into it by `describe` before it is cut.
///
/// # Errors
///
/// As [`prepare_source`].
pub fn prepare_described(
    source: Source,
    config: &Config,
    casting: &Casting,
    describe: impl FnOnce(&mut Article),
) -> Result<Prepared, NarrateError> {
    let mut article = extract::extract(&source, &config.extract)?;
    tracing::debug!(
        input = %source.origin,
        format = ?source.format,
        spoken = article.spoken().count(),
        skipped = article.skipped().count(),
        "Extracted."
    );
    describe(&mut article);
    let origin = || source.origin.clone();
    let cast = casting
        .cast(article.meta.language.as_deref())
        .map_err(|e| NarrateError::Cast { origin: origin(), source: e })?;
    let script = script_for(&article, config, &cast)
        .map_err(|e| NarrateError::Segment { origin: origin(), source: e })?;
    Ok(Prepared { source, article, cast, script })
}

/// Cut the article for its cast, and frame it with the intro and outro.
fn script_for(article: &Article, config: &Config, cast: &Cast) -> Result<Script, SegmentError> {
    let limits: Vec<VoiceLimits<'_>> = cast
        .voices
        .iter()
        .map(|v| VoiceLimits { caps: v.backend.capabilities(), lexicon: &v.lexicon })
        .collect();
    let pick = |kind| cast.for_kind(kind);
    let script = segment::segment_cast(article, &config.segment, &limits, &pick)?;
    let speakers: Vec<_> = cast
        .voices
        .iter()
        .map(|v| segment::speaker(article, &config.segment, &v.lexicon))
        .collect();
    Ok(segment::frame(
        script,
        article,
        &resolve_file(config, &config.intro),
        &resolve_file(config, &config.outro),
        &pick,
        &|voice, text| speakers[voice](text),
    ))
}

/// Interlude files are named relative to the config file.
fn resolve_file(config: &Config, interlude: &InterludeConfig) -> InterludeConfig {
    let mut resolved = interlude.clone();
    if !interlude.file.as_os_str().is_empty() {
        resolved.file = config.resolve(&interlude.file);
    }
    resolved
}

/// The manifest a narration would write, with `null` timings and, under `cost`, what each
/// voice's backend would bill, without synthesizing.
///
/// # Errors
///
/// As [`prepare`].
pub fn dry_run(input: &str, config: &Config, casting: &Casting) -> Result<Manifest, NarrateError> {
    let prepared = prepare(input, config, casting)?;
    let main = prepared.cast.main();
    let mut manifest = output::build_manifest(
        &prepared.article,
        &prepared.script,
        None,
        main.backend.name(),
        &main.profile.name,
        Vec::new(),
    );
    manifest.fallback.clone_from(&main.fallback);
    let cost = estimate(&prepared)
        .into_iter()
        .zip(&prepared.cast.voices)
        .map(|(e, voice)| ManifestCost {
            voice: voice.profile.name.clone(),
            backend: e.backend,
            billed_chars: e.billed_chars,
            requests: e.requests,
            estimated_cost: e.estimated_cost,
            currency: e.price.map(|p| p.currency),
        })
        .collect();
    manifest.cost = Some(cost);
    let sent = sent_texts(&prepared);
    for (segment, sent) in manifest.segments.iter_mut().zip(sent) {
        segment.speak = Some(sent);
    }
    Ok(manifest)
}

/// Exactly what each chunk of a prepared script sends to its engine: the text after
/// normalisation and the lexicon, as an SSML document for an SSML engine.
#[must_use]
pub fn sent_texts(prepared: &Prepared) -> Vec<String> {
    let language = prepared.article.meta.language.as_deref();
    prepared
        .script
        .chunks
        .iter()
        .map(|chunk| {
            let voice = &prepared.cast.voices[chunk.voice.min(prepared.cast.voices.len() - 1)];
            voice.backend.capabilities().request_text(&chunk.speak, &chunk.ssml, language)
        })
        .collect()
}

/// What each voice's backend would bill for the prepared script.
fn estimate(prepared: &Prepared) -> Vec<tts::cost::CostEstimate> {
    let backends: Vec<Arc<dyn Synthesizer>> =
        prepared.cast.voices.iter().map(|v| Arc::clone(&v.backend)).collect();
    tts::cost::estimate_cast(
        &prepared.script.chunks,
        &backends,
        prepared.article.meta.language.as_deref(),
    )
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
    casting: &Casting,
    on_chunk: &(dyn Fn(usize, usize) + Sync),
) -> Result<Narration, NarrateError> {
    let prepared = prepare(&job.input, config, casting)?;
    narrate_prepared(prepared, job, config, on_chunk).await
}

/// [`narrate`] an article already [`prepare`]d (`job.input` is not read again). The files
/// are named after `prepared.source.stem`.
///
/// # Errors
///
/// As [`narrate`].
pub async fn narrate_prepared(
    prepared: Prepared,
    job: &Job,
    config: &Config,
    on_chunk: &(dyn Fn(usize, usize) + Sync),
) -> Result<Narration, NarrateError> {
    narrate_streaming(prepared, job, config, on_chunk, None).await
}

/// [`narrate_prepared`], publishing the narration as it is made, as `live` says (see
/// [`crate::output::hls`]): the first chunk is synthesized before any other, and each is
/// streamed as soon as it is assembled. The stream is complete (its playlist ended) before
/// the files are rendered.
///
/// # Errors
///
/// As [`narrate`], and a live stream that cannot be written. The stream's files are the
/// caller's to remove, whether it succeeded or failed.
pub async fn narrate_live(
    prepared: Prepared,
    job: &Job,
    config: &Config,
    on_chunk: &(dyn Fn(usize, usize) + Sync),
    live: LiveOptions,
) -> Result<Narration, NarrateError> {
    narrate_streaming(prepared, job, config, on_chunk, Some(live)).await
}

async fn narrate_streaming(
    prepared: Prepared,
    job: &Job,
    config: &Config,
    on_chunk: &(dyn Fn(usize, usize) + Sync),
    live: Option<LiveOptions>,
) -> Result<Narration, NarrateError> {
    if let Some(max) = job.max_chars {
        tts::cost::check_max_chars(&estimate(&prepared), max).map_err(|e| {
            NarrateError::OverCap { origin: prepared.source.origin.clone(), source: e }
        })?;
    }
    let fingerprint = settings_hash(&prepared, config, &job.formats);
    let Prepared { source, article, cast, script } = prepared;
    let origin = source.origin.clone();
    // Before any synthesis (which may be paid for): can the files be written at all?
    tokio::task::block_in_place(|| output::prepare_dir(&job.output_dir))
        .map_err(|e| NarrateError::Output { origin: origin.clone(), source: e })?;
    let backends: Vec<Arc<dyn Synthesizer>> =
        cast.voices.iter().map(|v| Arc::clone(&v.backend)).collect();
    let main = cast.main();
    let audio_error = |chunk: Option<usize>, e| NarrateError::Audio {
        origin: origin.clone(),
        backend: chunk
            .and_then(|c| script.chunks.get(c))
            .map_or(main.backend.name(), |c| backends[c.voice].name())
            .to_owned(),
        source: e,
    };
    tracing::info!(
        input = %origin,
        chunks = script.chunks.len(),
        chapters = script.chapters.len(),
        voice = %main.profile.name,
        backend = main.backend.name(),
        "Narrating."
    );
    let started = std::time::Instant::now();
    let mut assembler = Assembler::new(&config.audio).map_err(|e| audio_error(None, e))?;
    let live_error = |e| match e {
        live::LiveError::Audio(e) => audio_error(None, e),
        live::LiveError::Output(e) => NarrateError::Output { origin: origin.clone(), source: e },
    };
    let rate = SampleRate(config.audio.sample_rate);
    let mut live = match live {
        Some(options) => {
            assembler.tap();
            let started = tokio::task::block_in_place(|| {
                live::Live::start(options, &source.stem, config, rate)
            });
            Some(started.map_err(live_error)?)
        }
        None => None,
    };
    let language = article.meta.language.as_deref();
    let listener = listen::Listener {
        config,
        article: &article,
        cast: &cast,
        english: language.is_none_or(|l| l.to_ascii_lowercase().starts_with("en")),
        listened: AtomicUsize::new(0),
        heard_cached: AtomicUsize::new(0),
    };
    let concurrency = config.narrate.concurrency;
    let mut replies = if live.is_some() {
        tts::synthesize_marked_stream_head_first(&backends, &script.chunks, language, concurrency)
            .boxed()
    } else {
        tts::synthesize_marked_stream(&backends, &script.chunks, language, concurrency).boxed()
    };
    let total = script.chunks.len();
    // Progress starts known and empty: 0 of the script's chunks.
    on_chunk(0, total);
    let mut done = 0;
    let mut received = 0;
    let mut batch = Vec::new();
    let mut batch_chars = 0;
    // What is known about each chunk's words once it is placed: marks, what was heard, the
    // verification.
    let mut known = Vec::with_capacity(total);
    loop {
        let next = replies.next().await;
        let finished = next.is_none();
        if let Some(reply) = next {
            let marked =
                reply.map_err(|e| NarrateError::Synth { origin: origin.clone(), source: e })?;
            let chunk = &script.chunks[received];
            received += 1;
            batch_chars += chunk.speak.len();
            batch.push((chunk, marked));
        }
        // About a minute of speech at a time, so short chunks share the recogniser's windows;
        // a live narration's opening alone, so it becomes playable as soon as it can.
        let flush = finished
            || !listener.active()
            || (live.is_some() && done == 0)
            || batch_chars as f64 >= listen::BATCH_SECONDS * 15.0;
        if !flush || batch.is_empty() {
            if finished {
                break;
            }
            continue;
        }
        batch_chars = 0;
        let settled = if listener.active() {
            listener
                .settle(std::mem::take(&mut batch))
                .await
                .map_err(|e| NarrateError::Verify { origin: origin.clone(), source: e })?
        } else {
            batch
                .drain(..)
                .map(|(_, (audio, marks))| listen::Settled {
                    audio,
                    marks,
                    heard: None,
                    verification: None,
                })
                .collect()
        };
        for settled in settled {
            let chunk = &script.chunks[done];
            tokio::task::block_in_place(|| assembler.push(chunk, &settled.audio))
                .map_err(|e| audio_error(Some(done), e))?;
            if let Some(live) = &mut live {
                let tapped = assembler.take_tapped();
                let next = script.chunks.get(done + 1).map(|c| c.pause_before);
                let gap = assembler.gap(next, false);
                tokio::task::block_in_place(|| live.push(&tapped, gap)).map_err(live_error)?;
            }
            known.push((settled.marks, settled.heard, settled.verification));
            done += 1;
            on_chunk(done, total);
        }
        if finished {
            break;
        }
    }
    drop(replies);
    if let Some(live) = live {
        tokio::task::block_in_place(|| live.finish()).map_err(live_error)?;
    }
    let counts = cast.counts();
    tracing::info!(
        input = %origin,
        cache_hits = counts.cache_hits,
        requests = counts.requests,
        billed_chars = counts.billed_chars,
        seconds = started.elapsed().as_secs_f32(),
        "Synthesized."
    );
    if listener.active() {
        tracing::info!(
            input = %origin,
            listened = listener.listened.load(Ordering::Relaxed),
            heard_cached = listener.heard_cached.load(Ordering::Relaxed),
            "Listened: {} chunks, {} more as the cache remembers them.",
            listener.listened.load(Ordering::Relaxed),
            listener.heard_cached.load(Ordering::Relaxed),
        );
    }
    if config.verify.strict {
        let flagged: Vec<usize> = known
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                k.2.as_ref().is_some_and(|v| v.status == crate::verify::Status::Flagged)
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = flagged.first() {
            return Err(NarrateError::Flagged {
                origin: origin.clone(),
                count: flagged.len(),
                first,
                heard: known[first].2.as_ref().map(|v| v.heard.clone()).unwrap_or_default(),
            });
        }
    }
    let assembled = assembler.finish(&script).map_err(|e| audio_error(None, e))?;
    let options = tokio::task::block_in_place(|| lossy_compensation(&assembled, job, config))
        .map_err(|e| audio_error(None, e))?;
    tracing::debug!(
        "Rendering {:+.2} LU over the target, peaks {:.2} dB under the ceiling, for lossy encoding",
        options.loudness_offset_db,
        options.headroom_db
    );
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
        let stats = assembled
            .render(options, |block| writer.write(block).map_err(RenderFailure::Output))
            .map_err(|e| match e {
                RenderFailure::Audio(e) => audio_error(None, e),
                RenderFailure::Output(e) => output_error(e),
            })?;
        tracing::info!(
            input = %origin,
            "Loudness: {:+.1} dB to the target; the compressor took at most {:.1} dB off a \
             peak, the limiter {:.1} dB ({} ms in all)",
            20.0 * f64::from(stats.gain).log10(),
            stats.compressor_max_db,
            stats.limiter_max_db,
            stats.limited_ms,
        );
        let mut manifest = output::build_manifest(
            &article,
            &script,
            Some(&assembled.timeline),
            main.backend.name(),
            &main.profile.name,
            writer.audio_entries(),
        );
        manifest.settings_hash = Some(fingerprint);
        let timeline = &assembled.timeline;
        for (i, segment) in manifest.segments.iter_mut().enumerate() {
            let (marks, heard, verification) = &known[i];
            segment.verification.clone_from(verification);
            segment.words = listener.words(
                &script.chunks[i],
                marks.as_ref(),
                heard.as_ref(),
                timeline.segments[i],
                assembled.trims[i],
                timeline.rate,
            );
        }
        manifest.fallback.clone_from(&main.fallback);
        let files = writer.finish(&assembled.timeline, &manifest).map_err(output_error)?;
        tracing::info!(
            input = %origin,
            duration_ms = manifest.duration_ms.unwrap_or_default(),
            files = files.len(),
            dir = %job.output_dir.display(),
            seconds = started.elapsed().as_secs_f32(),
            "Written."
        );
        Ok(Narration {
            manifest,
            files,
            chunks: script.chunks.len(),
            counts: cast.counts(),
            render: stats,
        })
    })
}

/// When an MP3 is written, encode a two-minute excerpt (limited as the whole will be) to
/// learn what encoding does: give back in advance the loudness it takes away, and hold peaks
/// low enough that the peaks it adds stay under the ceiling. With a WAV beside it, split the
/// loudness difference so both land within a fraction of an LU of the target.
fn lossy_compensation(
    assembled: &Assembled,
    job: &Job,
    config: &Config,
) -> Result<RenderOptions, AudioError> {
    if !job.formats.contains(&OutputFormat::Mp3) {
        return Ok(RenderOptions::default());
    }
    let rate = assembled.timeline.rate;
    let mut excerpt = assembled.excerpt(120)?;
    let mut limiter = Limiter::new(rate, config.audio.true_peak_ceiling_db);
    let mut limited = Vec::with_capacity(excerpt.len());
    limiter.process(&excerpt, &mut limited);
    limiter.finish(&mut limited);
    excerpt = limited;
    let (loss, rise) =
        output::mp3_lossy_effect(&excerpt, rate, &config.output).unwrap_or((0.0, 0.0));
    let share = if job.formats.contains(&OutputFormat::Wav) { 0.5 } else { 1.0 };
    Ok(RenderOptions {
        loudness_offset_db: loss.clamp(0.0, 2.0) * share,
        // A margin over what the excerpt showed: the whole may have a worse moment.
        headroom_db: config.audio.lossy_headroom_db.max(rise.clamp(0.0, 3.0) + 0.3),
    })
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

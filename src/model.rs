//! The plain data every stage hands to the next.
//!
//! `ingest` produces a [`Source`], `extract` an [`Article`], `segment` a [`Script`] of
//! [`Chunk`]s, `tts` one [`SpeechAudio`] per chunk, `audio` a [`Timeline`], and `output`
//! writes files described by a [`Manifest`]. No stage reaches into another's internals.

mod capabilities;
pub mod ssml;
pub mod verification;

use std::ops::{Add, AddAssign, Sub};

use serde::{Deserialize, Serialize};

pub use capabilities::Capabilities;

// ---------------------------------------------------------------------------------------------
// Audio time
// ---------------------------------------------------------------------------------------------

/// A sample rate in hertz.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SampleRate(pub u32);

impl SampleRate {
    /// The number of frames in `ms` milliseconds, rounded down.
    #[must_use]
    pub fn frames_in_ms(self, ms: u64) -> Samples {
        Samples(ms * u64::from(self.0) / 1000)
    }
}

/// A length or position in sample frames (one sample per channel) at some [`SampleRate`].
///
/// Audio time is counted in whole frames everywhere and converted to milliseconds only when
/// written out, so chapter marks computed from the same frame count always agree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Samples(pub u64);

impl Samples {
    /// Milliseconds, rounded down. Every writer uses this one conversion.
    #[must_use]
    pub fn to_ms(self, rate: SampleRate) -> u64 {
        self.0 * 1000 / u64::from(rate.0)
    }

    /// The count as a `usize`, for indexing buffers.
    #[must_use]
    #[allow(clippy::cast_possible_truncation)] // frames in memory always fit a usize
    pub fn as_usize(self) -> usize {
        self.0 as usize
    }
}

impl Add for Samples {
    type Output = Samples;
    fn add(self, rhs: Samples) -> Samples {
        Samples(self.0 + rhs.0)
    }
}

impl AddAssign for Samples {
    fn add_assign(&mut self, rhs: Samples) {
        self.0 += rhs.0;
    }
}

impl Sub for Samples {
    type Output = Samples;
    fn sub(self, rhs: Samples) -> Samples {
        Samples(self.0.saturating_sub(rhs.0))
    }
}

// ---------------------------------------------------------------------------------------------
// Ingest → extract
// ---------------------------------------------------------------------------------------------

/// How a source's bytes are to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// Plain text, blocks separated by blank lines (a scraped page).
    Text,
    /// An HTML page or CMS export.
    Html,
    /// Markdown.
    Markdown,
}

/// An article as read from disk, stdin or the network, before extraction.
#[derive(Clone, Debug)]
pub struct Source {
    /// Where it came from: a path, a URL, or `-` for stdin.
    pub origin: String,
    /// The stem output files are named after (`heartstopper` for `heartstopper.txt`).
    pub stem: String,
    /// How the text is to be read.
    pub format: SourceFormat,
    /// The decoded text (always UTF-8 by now).
    pub text: String,
    /// Hex SHA-256 of the bytes as read, before decoding.
    pub sha256: String,
    /// The `Content-Language` header, when fetched over HTTP.
    pub content_language: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Extract → segment
// ---------------------------------------------------------------------------------------------

/// What part of the article a block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// The article's title. Always the first spoken block and the first chapter.
    Headline,
    /// The standfirst (dek, subtitle) under the headline.
    Standfirst,
    /// An in-body section heading; starts a chapter.
    Heading,
    /// A body paragraph.
    Paragraph,
    /// One item of a list.
    ListItem,
    /// A block quote or pull quote.
    Quote,
    /// One row of a table, read as text.
    TableRow,
    /// Spoken or played before the article (a template or an audio file).
    Intro,
    /// Spoken or played after the article.
    Outro,
    /// Anything else (bylines, captions, promos): normally skipped.
    Other,
}

impl BlockKind {
    /// Whether this kind of block starts a new chapter.
    #[must_use]
    pub fn starts_chapter(self) -> bool {
        matches!(self, BlockKind::Headline | BlockKind::Heading)
    }
}

/// Whether a block is spoken, and the rule that decided it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Decision {
    /// Spoken; `rule` names why it was kept.
    Speak {
        /// The rule that kept it, e.g. `"first block is the headline"`.
        rule: String,
    },
    /// Not spoken; `reason` names the rule that dropped it, e.g. `"image caption"`.
    Skip {
        /// The rule that skipped it.
        reason: String,
    },
}

/// One block of an article in reading order, spoken or skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// What part of the article it is.
    pub kind: BlockKind,
    /// Its text, whitespace-normalised, exactly as the article has it.
    pub text: String,
    /// Spoken or skipped, and why.
    pub decision: Decision,
}

impl Block {
    /// A block that will be spoken.
    #[must_use]
    pub fn speak(kind: BlockKind, text: impl Into<String>, rule: impl Into<String>) -> Block {
        Block { kind, text: text.into(), decision: Decision::Speak { rule: rule.into() } }
    }

    /// A block that will not be spoken.
    #[must_use]
    pub fn skip(kind: BlockKind, text: impl Into<String>, reason: impl Into<String>) -> Block {
        Block { kind, text: text.into(), decision: Decision::Skip { reason: reason.into() } }
    }

    /// Whether the block is spoken.
    #[must_use]
    pub fn is_spoken(&self) -> bool {
        matches!(self.decision, Decision::Speak { .. })
    }

    /// The reason it was skipped, if it was.
    #[must_use]
    pub fn skip_reason(&self) -> Option<&str> {
        match &self.decision {
            Decision::Skip { reason } => Some(reason),
            Decision::Speak { .. } => None,
        }
    }
}

/// What is known about an article besides its text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The headline.
    pub title: String,
    /// The byline as printed ("By Jenny Mensah"), if any.
    pub byline: Option<String>,
    /// Author names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// The publication's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    /// Publication time as the page gives it (ISO 8601 when known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Last-modified time as the page gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// BCP 47 language tag, e.g. `en` or `en-GB`.
    pub language: Option<String>,
    /// The canonical URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_url: Option<String>,
    /// How sure extraction is that the spoken blocks are the story, and what it decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<Extraction>,
}

/// How sure extraction is that it found the whole story.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// From 0 to 1: the share of the page's main text the spoken article holds, the main
    /// text being what the article finder and an independent content-density estimate
    /// each took for it. Rounded to two decimals.
    pub confidence: f64,
    /// Why the narration may have missed or mixed up part of the story, when it may have:
    /// the article finder's choice was small or started late and was corrected, or the
    /// estimates disagree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// What extraction decided, one line each (`articulate extract --explain` prints them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decision: Vec<String>,
}

// Confidence is rounded and never NaN, so equality is total.
impl Eq for Extraction {}

/// Where an article came from, as recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    /// Path, URL or `-`.
    pub path: String,
    /// Hex SHA-256 of the input bytes.
    pub sha256: String,
    /// The article's public URL, when the publisher gave it (`serve`'s `url` field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// An extracted article: metadata plus every block in reading order, spoken or not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Title, byline, language and the rest.
    pub meta: Metadata,
    /// The input it came from.
    pub source: SourceRef,
    /// Every block in reading order, including the skipped ones.
    pub blocks: Vec<Block>,
}

impl Article {
    /// The blocks that will be spoken, with their index in [`Article::blocks`].
    pub fn spoken(&self) -> impl Iterator<Item = (usize, &Block)> {
        self.blocks.iter().enumerate().filter(|(_, b)| b.is_spoken())
    }

    /// The blocks that will not be spoken.
    pub fn skipped(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| !b.is_spoken())
    }
}

// ---------------------------------------------------------------------------------------------
// Segment → synthesize → assemble
// ---------------------------------------------------------------------------------------------

/// The silence placed before a chunk; `audio` turns each into a configured duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pause {
    /// The very first chunk.
    None,
    /// Between two chunks of the same block (the split fell between sentences).
    Sentence,
    /// Between two blocks of the same chapter.
    Paragraph,
    /// Before a heading that does not start a chapter (kept for symmetry with `Chapter`).
    Heading,
    /// Before the first chunk of a new chapter.
    Chapter,
}

/// One request's worth of text: whole sentences from one block, within the backend's limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Position in the script, from 0.
    pub id: usize,
    /// Index of the block it came from in [`Article::blocks`].
    pub block: usize,
    /// Index of its chapter in [`Script::chapters`].
    pub chapter: usize,
    /// The kind of its block.
    pub kind: BlockKind,
    /// The article's own words (what a player highlights).
    pub text: String,
    /// What the backend is asked to say: `text` after normalisation and the lexicon, as
    /// plain text (respellings in place).
    pub speak: String,
    /// The same as SSML content (escaped; lexicon entries as `<sub>`/`<phoneme>`), without
    /// the `<speak>` root, for backends that take SSML.
    pub ssml: String,
    /// The silence before it.
    pub pause_before: Pause,
    /// Which voice speaks it: an index into the narration's cast (0 is the main voice).
    #[serde(default)]
    pub voice: usize,
    /// Audio to play instead of synthesizing (an intro or outro file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_file: Option<std::path::PathBuf>,
}

/// A chapter of the script: a title and the chunk it starts at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptChapter {
    /// The heading's text.
    pub title: String,
    /// The id of its first chunk.
    pub first_chunk: usize,
}

/// An article cut into speakable chunks and grouped into chapters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// Chapters in order; the first starts at chunk 0.
    pub chapters: Vec<ScriptChapter>,
    /// Chunks in reading order.
    pub chunks: Vec<Chunk>,
}

/// The container or encoding a backend returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// RIFF WAVE.
    Wav,
    /// MPEG-1/2 layer III.
    Mp3,
    /// Ogg (Vorbis or Opus).
    Ogg,
    /// FLAC.
    Flac,
    /// Headerless signed 16-bit little-endian mono PCM at the given rate.
    Pcm16 {
        /// Its sample rate in hertz.
        rate: u32,
    },
}

/// What a backend returned for one chunk: encoded audio, still to be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeechAudio {
    /// The encoded bytes.
    pub bytes: Vec<u8>,
    /// What they are.
    pub format: AudioFormat,
}

/// A span of the finished audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First frame.
    pub start: Samples,
    /// One past the last frame.
    pub end: Samples,
}

/// A chapter placed in the finished audio.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chapter {
    /// Its title.
    pub title: String,
    /// Where it starts and ends.
    pub span: Span,
}

/// Where everything landed in the finished audio, in frames at `rate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    /// The output sample rate.
    pub rate: SampleRate,
    /// Length of the whole file.
    pub total: Samples,
    /// Chapters in order; they tile the file from 0 to `total`.
    pub chapters: Vec<Chapter>,
    /// One span per chunk, by chunk id: the chunk's own audio, without its pause.
    pub segments: Vec<Span>,
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// Version of the manifest schema. 2 added `segments[].words` (word timings) and
/// `segments[].verification`; a reader of version 1 that ignores unknown keys reads it as before.
pub const MANIFEST_VERSION: u32 = 2;

/// One audio file the manifest describes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestAudio {
    /// File name, relative to the manifest.
    pub file: String,
    /// `mp3` or `wav`.
    pub format: String,
    /// Sample rate in hertz.
    pub sample_rate: u32,
    /// 1 for mono, 2 for stereo.
    pub channels: u16,
}

/// A chapter in the manifest. Times are `null` in a dry run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestChapter {
    /// Its title.
    pub title: String,
    /// Start in milliseconds.
    pub start_ms: Option<u64>,
    /// End in milliseconds.
    pub end_ms: Option<u64>,
}

/// A spoken segment (one chunk) in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestSegment {
    /// The chunk id.
    pub id: usize,
    /// Index into `chapters`.
    pub chapter: usize,
    /// The block kind.
    pub kind: BlockKind,
    /// The article's own words, before any pronunciation rewriting.
    pub text: String,
    /// In a dry run only: exactly what this segment sends to its engine, after
    /// normalisation and the lexicon (an SSML document for an SSML engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speak: Option<String>,
    /// Start in milliseconds.
    pub start_ms: Option<u64>,
    /// End in milliseconds.
    pub end_ms: Option<u64>,
    /// What the recogniser heard, when the narration was verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<ManifestVerification>,
    /// Every word of `text`, timed on the same clock as the segment, when timings are known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<ManifestWord>>,
}

/// A segment's verification in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestVerification {
    /// Word error rate of what was heard against the text (normalised on both sides).
    pub wer: f64,
    /// What the recogniser heard.
    pub heard: String,
    /// `ok`, `retried`, `flagged` or `unverified`.
    pub status: verification::Status,
    /// The words that failed (neither heard nor accepted where they should be).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
    /// What the second synthesis changed, when there was one: `respell` or `voice`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<verification::Strategy>,
}

/// One word of a segment in the manifest: where it is in the audio and in the text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestWord {
    /// The word as the segment's text has it.
    pub text: String,
    /// Start in milliseconds.
    pub start_ms: u64,
    /// End in milliseconds.
    pub end_ms: u64,
    /// Its first character in the segment's `text`, counted in Unicode scalar values
    /// (`Array.from(text)` in JavaScript).
    pub char_start: usize,
    /// One past its last character.
    pub char_end: usize,
}

/// A skipped block in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSkip {
    /// The block's text.
    pub text: String,
    /// Why it was skipped.
    pub reason: String,
}

/// What a backend will bill for a narration, reported by a dry run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestCost {
    /// The voice profile.
    pub voice: String,
    /// Its backend.
    pub backend: String,
    /// Characters the provider bills.
    pub billed_chars: usize,
    /// Requests that will be sent.
    pub requests: usize,
    /// The estimated cost at the profile's price, if it gives one.
    pub estimated_cost: Option<f64>,
    /// The price's currency.
    pub currency: Option<String>,
}

/// Why the voice that spoke is not the one configured: its engine could not be installed or
/// started, or it does not speak the article's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFallback {
    /// The voice profile configured (`[narrate] voice` or `[voices]`).
    pub requested: String,
    /// Why it did not speak.
    pub reason: String,
}

/// `NAME.json`: everything a player or a publishing script needs about one narration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Schema version, [`MANIFEST_VERSION`].
    pub version: u32,
    /// The headline.
    pub title: String,
    /// The byline, if any.
    pub byline: Option<String>,
    /// BCP 47 language tag.
    pub language: Option<String>,
    /// Author names, publication, times and canonical URL.
    #[serde(default)]
    pub metadata: Metadata,
    /// The input.
    pub source: SourceRef,
    /// The backend that spoke it.
    pub backend: String,
    /// The voice profile's name: the voice that actually spoke.
    pub voice: String,
    /// Present when `voice` is not the voice configured, saying which was and why it did
    /// not speak (an engine that is not installed, a language it does not speak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<ManifestFallback>,
    /// Always true: the narration is a synthetic voice, not a person. A machine-readable
    /// disclosure, as are the MP3's ID3 tag, the feed's `podcast:` tags and the player's label.
    #[serde(default = "always")]
    pub synthetic: bool,
    /// The same disclosure in words, naming the backend and voice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosure: Option<String>,
    /// Length of the audio in milliseconds; `null` in a dry run.
    pub duration_ms: Option<u64>,
    /// The audio files written.
    pub audio: Vec<ManifestAudio>,
    /// Chapters in order.
    pub chapters: Vec<ManifestChapter>,
    /// Spoken segments in order.
    pub segments: Vec<ManifestSegment>,
    /// Blocks not spoken, with reasons.
    pub skipped: Vec<ManifestSkip>,
    /// In a dry run: what each voice's backend would bill. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Vec<ManifestCost>>,
    /// A hash of everything besides the source that shaped the files (the extracted article
    /// and its script, voices and backend settings, audio and output settings, formats,
    /// intro and outro files, the articulate version); with `source.sha256` it tells
    /// `batch --changed-only` the narration is current. Absent in a dry run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_hash: Option<String>,
    /// How sure extraction is that the narration holds the story (`confidence`, and a
    /// `warning` when it may not); absent for articles not extracted by this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extraction: Option<Extraction>,
}

/// Manifests written before `synthetic` existed were synthetic too.
fn always() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_convert_to_whole_milliseconds_rounding_down() {
        let rate = SampleRate(24_000);
        assert_eq!(Samples(23).to_ms(rate), 0);
        assert_eq!(Samples(24).to_ms(rate), 1);
        assert_eq!(Samples(24_000 * 3600).to_ms(rate), 3_600_000);
    }

    #[test]
    fn milliseconds_convert_back_to_frames() {
        assert_eq!(SampleRate(22_050).frames_in_ms(1000), Samples(22_050));
        assert_eq!(SampleRate(44_100).frames_in_ms(10), Samples(441));
    }
}

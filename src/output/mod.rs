//! Output: encode the audio (MP3, WAV), mark its chapters, and write the chapter files and
//! the manifest, all at once or not at all.
//!
//! Audio streams in through [`Writer::write`] as it is rendered and goes straight to temp
//! files, so an hour of narration never sits in memory. [`Writer::finish`] completes every
//! file under a temp name beside its final path, and only when all of them are complete
//! renames them into place; a failure at any point leaves an earlier narration untouched and
//! creates nothing.
//!
//! For a stem `NAME`:
//!
//! | file                 | what                                                        |
//! |----------------------|-------------------------------------------------------------|
//! | `NAME.mp3`           | LAME, gapless; ID3v2 title, artist, album, `CHAP` + `CTOC`   |
//! | `NAME.wav`           | 16- or 24-bit PCM; a `cue ` point and `labl` per chapter     |
//! | `NAME.chapters.vtt`  | WebVTT chapters                                             |
//! | `NAME.chapters.json` | Podcasting 2.0 JSON chapters, version 1.2.0                 |
//! | `NAME.json`          | the [`Manifest`]                                            |
//! | `NAME.words.vtt`, `NAME.transcript.json` | word timings, when the manifest has them (see `words.rs`) |
//! | `NAME.smil`, `NAME.xhtml` | an EPUB 3 Media Overlay, with `--format smil`          |
//!
//! Every chapter time is [`Samples::to_ms`](crate::model::Samples::to_ms) of the same
//! frame count, so the formats agree to the millisecond, and the audio decodes to exactly
//! `timeline.total` frames.
//!
//! ```no_run
//! # use std::path::Path;
//! # use articulate::model::{Manifest, SampleRate, Timeline};
//! # use articulate::output::{OutputConfig, OutputFormat, Writer};
//! # fn run(blocks: &[Vec<f32>], timeline: &Timeline, mut manifest: Manifest)
//! #     -> Result<(), articulate::output::OutputError> {
//! let config = OutputConfig::default();
//! let mut writer =
//!     Writer::create(Path::new("audio_out"), "story", &config.formats, &config, SampleRate(24_000))?;
//! for block in blocks {
//!     writer.write(block)?;
//! }
//! manifest.audio = writer.audio_entries();
//! let files = writer.finish(timeline, &manifest)?;
//! # Ok(()) }
//! ```

mod atomic;
mod chapters;
mod error;
pub mod hls;
mod id3;
mod manifest;
mod mp3;
mod wav;
mod words;

pub use words::transcript_json;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;
use tempfile::NamedTempFile;

pub use atomic::{prepare_dir, sweep_temp_files, write_atomic};
pub use error::OutputError;
pub use hls::{LivePublished, LiveStream};
pub use id3::SYNTHETIC_VOICE;
pub use manifest::{build_manifest, disclosure, disclosure_of};
pub use mp3::lossy_effect as mp3_lossy_effect;

use crate::model::{Manifest, ManifestAudio, SampleRate, Timeline};

/// An audio format `narrate` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// MPEG layer III through LAME, gapless, with ID3v2 chapters.
    Mp3,
    /// PCM WAV with cue points.
    Wav,
    /// Not audio: an EPUB 3 Media Overlay (`NAME.smil` and the `NAME.xhtml` it points into)
    /// for the audio written beside it, when words are timed.
    Smil,
}

impl OutputFormat {
    /// The file extension, which is also the name used in `--format`, the config and the
    /// manifest.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Mp3 => "mp3",
            OutputFormat::Wav => "wav",
            OutputFormat::Smil => "smil",
        }
    }

    /// Parse a comma-separated list such as `"mp3,wav"` (`--format`), dropping repeats.
    ///
    /// # Errors
    ///
    /// [`OutputError::UnknownFormat`] for a name that is not a format, or an empty list.
    pub fn parse_list(list: &str) -> Result<Vec<OutputFormat>, OutputError> {
        let mut formats = Vec::new();
        for name in list.split(',') {
            let format = name.parse()?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        Ok(formats)
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for OutputFormat {
    type Err = OutputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mp3" => Ok(OutputFormat::Mp3),
            "wav" => Ok(OutputFormat::Wav),
            "smil" => Ok(OutputFormat::Smil),
            other => Err(OutputError::UnknownFormat(other.to_owned())),
        }
    }
}

/// `[output]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Audio formats written when `--format` is not given. Default: `["mp3"]`.
    pub formats: Vec<OutputFormat>,
    /// MP3 bitrate in kbit/s (the average, with `mp3_vbr`). Default: 64.
    pub mp3_bitrate: u32,
    /// Variable bitrate MP3 instead of constant. Default: false.
    pub mp3_vbr: bool,
    /// LAME's algorithm quality, 0 (best, slowest) to 9 (fastest). Default: 3, LAME's own.
    pub mp3_quality: u8,
    /// WAV sample size: 16 or 24 bits. Default: 16.
    pub wav_bits: u16,
    /// 1 for mono, 2 for stereo (the same narration in both channels). Default: 1.
    pub channels: u16,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            formats: vec![OutputFormat::Mp3],
            mp3_bitrate: 64,
            mp3_vbr: false,
            mp3_quality: 3,
            wav_bits: 16,
            channels: 1,
        }
    }
}

impl OutputConfig {
    /// Check the settings on their own, without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.formats.is_empty() {
            problems.push("[output] formats must name at least one of \"mp3\", \"wav\"".into());
        }
        if !mp3::is_bitrate(self.mp3_bitrate) {
            problems.push(format!(
                "[output] mp3_bitrate {} is not an mp3 bitrate; use one of {}",
                self.mp3_bitrate,
                mp3::BITRATES.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        if self.mp3_quality > 9 {
            problems.push("[output] mp3_quality must be 0 (best) to 9 (fastest)".into());
        }
        if !matches!(self.wav_bits, 16 | 24) {
            problems.push("[output] wav_bits must be 16 or 24".into());
        }
        if !matches!(self.channels, 1 | 2) {
            problems.push("[output] channels must be 1 (mono) or 2 (stereo)".into());
        }
    }

    /// Check that `formats` can hold audio at `rate` with these settings (MP3 has nine
    /// sample rates, and at each a lowest bitrate that stays gapless), adding every problem
    /// to `problems`. Pure, so it can run before any synthesis; [`Writer::create`] runs it
    /// too.
    pub fn validate_for(
        &self,
        formats: &[OutputFormat],
        rate: SampleRate,
        problems: &mut Vec<String>,
    ) {
        if formats.contains(&OutputFormat::Mp3) {
            mp3::check(self, rate, problems);
        }
        if formats.contains(&OutputFormat::Smil)
            && !formats.iter().any(|f| matches!(f, OutputFormat::Mp3 | OutputFormat::Wav))
        {
            problems.push("the smil format needs an audio format beside it: mp3 or wav".into());
        }
    }
}

/// One audio format being written: samples stream in, a complete file comes out, still
/// under its temp name. Adding a format is one implementation and one line in
/// [`Writer::create`].
///
/// # For implementations
///
/// Write only to temp files in the output directory (`atomic::temp_in`), never to the final
/// path, and name the final path in errors.
trait AudioSink: Send {
    /// Append mono samples in −1..1.
    fn write(&mut self, frames: &[f32]) -> Result<(), OutputError>;

    /// Complete the file; the timeline and manifest are there for tags and chapter marks.
    fn finish(
        self: Box<Self>,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<NamedTempFile, OutputError>;
}

/// Streams audio into encoders and, at the end, writes every output file at once.
pub struct Writer {
    dir: PathBuf,
    stem: String,
    rate: SampleRate,
    channels: u16,
    sinks: Vec<(OutputFormat, Box<dyn AudioSink>)>,
    frames: u64,
    smil: bool,
}

impl Writer {
    /// Start writing `stem`'s outputs in `dir` (created if missing) in each of `formats`
    /// (repeats ignored), from mono audio at `rate`.
    ///
    /// # Errors
    ///
    /// [`OutputError::Unsupported`] when a format cannot hold this audio with these settings
    /// (see [`OutputConfig::validate_for`]), or when the directory or a temp file cannot be
    /// created, or the encoder refuses the settings.
    pub fn create(
        dir: &Path,
        stem: &str,
        formats: &[OutputFormat],
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<Writer, OutputError> {
        let mut problems = Vec::new();
        config.validate(&mut problems);
        config.validate_for(formats, rate, &mut problems);
        if !problems.is_empty() {
            return Err(OutputError::Unsupported { problems });
        }
        std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
        let path = |format: OutputFormat| dir.join(format!("{stem}.{format}"));
        let mut sinks: Vec<(OutputFormat, Box<dyn AudioSink>)> = Vec::new();
        for &format in formats {
            if sinks.iter().any(|(f, _)| *f == format) {
                continue;
            }
            let sink: Box<dyn AudioSink> = match format {
                OutputFormat::Mp3 => {
                    Box::new(mp3::Mp3Stream::new(dir, &path(format), config, rate)?)
                }
                OutputFormat::Wav => {
                    Box::new(wav::WavStream::new(dir, &path(format), config, rate)?)
                }
                OutputFormat::Smil => continue,
            };
            sinks.push((format, sink));
        }
        Ok(Writer {
            dir: dir.to_path_buf(),
            stem: stem.to_owned(),
            rate,
            channels: config.channels,
            sinks,
            frames: 0,
            smil: formats.contains(&OutputFormat::Smil),
        })
    }

    /// Append mono samples in −1..1 (the limiter upstream keeps them there; WAV clamps).
    ///
    /// # Errors
    ///
    /// An encoder or disk failure. The writer should then be dropped, which deletes its
    /// temp files.
    pub fn write(&mut self, frames: &[f32]) -> Result<(), OutputError> {
        for (_, sink) in &mut self.sinks {
            sink.write(frames)?;
        }
        self.frames += frames.len() as u64;
        Ok(())
    }

    /// The audio files this writer produces, in the order of `formats`, for
    /// [`Manifest::audio`].
    #[must_use]
    pub fn audio_entries(&self) -> Vec<ManifestAudio> {
        self.sinks
            .iter()
            .map(|(format, _)| ManifestAudio {
                file: format!("{}.{format}", self.stem),
                format: format.extension().to_owned(),
                sample_rate: self.rate.0,
                channels: self.channels,
            })
            .collect()
    }

    /// Finish the audio, tag it, write the chapter files and the manifest, and move all of
    /// them into place: the audio first, the manifest last, so a reader that sees a new
    /// `NAME.json` finds everything it describes. Returns the final paths in that order.
    ///
    /// The timeline must cover exactly the frames written, and the manifest must carry the
    /// timeline's duration and chapter times (as [`build_manifest`] makes it).
    ///
    /// # Errors
    ///
    /// [`OutputError::Inconsistent`] when the audio, timeline and manifest disagree; any
    /// encoder or disk failure. In every case nothing at the final paths has changed (a
    /// failed rename puts back the files already replaced).
    pub fn finish(
        self,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<Vec<PathBuf>, OutputError> {
        consistency(self.frames, self.rate, timeline, manifest)
            .map_err(OutputError::Inconsistent)?;
        let path = |extension: &str| self.dir.join(format!("{}.{extension}", self.stem));
        let audio_file = self.sinks.first().map(|(f, _)| format!("{}.{f}", self.stem));
        let mut pending = Vec::new();
        for (format, sink) in self.sinks {
            pending.push((sink.finish(timeline, manifest)?, path(format.extension())));
        }
        let mut manifest_json = serde_json::to_string_pretty(manifest)
            .map_err(|e| OutputError::io(&path("json"))(e.into()))?;
        manifest_json.push('\n');
        let mut files = vec![
            ("chapters.vtt", chapters::webvtt(timeline)),
            ("chapters.json", chapters::podcasting_json(timeline)),
        ];
        if words::any(manifest) {
            files.push(("words.vtt", words::webvtt(manifest)));
            files.push(("transcript.json", words::transcript_json(manifest)));
            if let (true, Some(audio_file)) = (self.smil, &audio_file) {
                let (smil, xhtml) = words::media_overlay(manifest, &self.stem, audio_file);
                files.push(("smil", smil));
                files.push(("xhtml", xhtml));
            }
        }
        // The manifest last, so a reader that sees it finds everything it describes.
        files.push(("json", manifest_json));
        for (extension, text) in files {
            let path = path(extension);
            pending.push((atomic::temp_with(&self.dir, &path, text.as_bytes())?, path));
        }
        atomic::commit(pending)
    }
}

/// Why the audio written, the timeline and the manifest disagree, if they do: files written
/// from them would carry chapter marks or a duration that miss the audio.
fn consistency(
    frames: u64,
    rate: SampleRate,
    timeline: &Timeline,
    manifest: &Manifest,
) -> Result<(), String> {
    if timeline.rate != rate {
        return Err(format!(
            "the audio is at {} Hz but the timeline at {} Hz",
            rate.0, timeline.rate.0
        ));
    }
    if timeline.total.0 != frames {
        return Err(format!(
            "{frames} frames of audio were written but the timeline is {} frames long",
            timeline.total.0
        ));
    }
    for (i, c) in timeline.chapters.iter().enumerate() {
        if c.span.start > c.span.end || c.span.end > timeline.total {
            return Err(format!(
                "chapter {i} ({:?}) runs from frame {} to {} of {}",
                c.title, c.span.start.0, c.span.end.0, timeline.total.0
            ));
        }
    }
    let ms = |s: crate::model::Samples| Some(s.to_ms(rate));
    if manifest.duration_ms != ms(timeline.total) {
        return Err(format!(
            "the manifest's duration_ms is {:?} but the audio lasts {} ms",
            manifest.duration_ms,
            timeline.total.to_ms(rate)
        ));
    }
    if manifest.chapters.len() != timeline.chapters.len() {
        return Err(format!(
            "the manifest has {} chapters but the timeline {}",
            manifest.chapters.len(),
            timeline.chapters.len()
        ));
    }
    for (i, (m, t)) in manifest.chapters.iter().zip(&timeline.chapters).enumerate() {
        if (m.start_ms, m.end_ms) != (ms(t.span.start), ms(t.span.end)) {
            return Err(format!(
                "the manifest puts chapter {i} at {:?}–{:?} ms but the timeline at {:?}–{:?} ms",
                m.start_ms,
                m.end_ms,
                ms(t.span.start),
                ms(t.span.end)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

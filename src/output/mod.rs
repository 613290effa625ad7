//! Output: encode the audio (MP3, WAV), tag it with chapters, and write the chapter files
//! and the manifest, all atomically.
//!
//! Audio streams in through [`Writer::write`] while it is rendered, so an hour of narration
//! never sits in memory. Every file goes to a temp file beside its final path; only when all
//! of them are complete does [`Writer::finish`] rename them into place, so a failure leaves
//! an earlier narration untouched and creates nothing.

mod atomic;
mod chapters;
mod manifest;
mod mp3;
mod wav;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::Deserialize;

pub use atomic::write_atomic;
pub use manifest::build_manifest;
pub use mp3::loudness_loss as mp3_loudness_loss;

use crate::model::{Manifest, ManifestAudio, SampleRate, Timeline};

/// An audio format `narrate` can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// MPEG layer III through LAME, with ID3v2 chapters.
    Mp3,
    /// PCM WAV with cue points.
    Wav,
}

impl FromStr for OutputFormat {
    type Err = OutputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mp3" => Ok(OutputFormat::Mp3),
            "wav" => Ok(OutputFormat::Wav),
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
            wav_bits: 16,
            channels: 1,
        }
    }
}

impl OutputConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.formats.is_empty() {
            problems.push("[output] formats must name at least one of \"mp3\", \"wav\"".into());
        }
        if mp3::bitrate(self.mp3_bitrate).is_none() {
            problems.push(format!(
                "[output] mp3_bitrate {} is not an MP3 bitrate; use one of {}",
                self.mp3_bitrate,
                mp3::BITRATES.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        if !matches!(self.wav_bits, 16 | 24) {
            problems.push("[output] wav_bits must be 16 or 24".into());
        }
        if !matches!(self.channels, 1 | 2) {
            problems.push("[output] channels must be 1 (mono) or 2 (stereo)".into());
        }
    }
}

/// A failure to write outputs. Messages name the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file could not be created, written or renamed.
    #[error("cannot write {}: {source}; check the output directory's permissions and free space", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The MP3 encoder failed.
    #[error("MP3 encoder: {0}")]
    Encoder(String),
    /// A tag could not be written.
    #[error("cannot write ID3 tags to {}: {message}", path.display())]
    Tag {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// `--format` named something else.
    #[error("unknown audio format {0:?}; use mp3 or wav")]
    UnknownFormat(String),
}

impl OutputError {
    pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
        move |source| OutputError::Io { path: path.to_path_buf(), source }
    }
}

/// Streams audio into encoders and, at the end, writes every output file at once.
pub struct Writer {
    dir: PathBuf,
    stem: String,
    rate: SampleRate,
    config: OutputConfig,
    mp3: Option<mp3::Mp3Stream>,
    wav: Option<wav::WavStream>,
    frames: u64,
}

impl Writer {
    /// Start writing `stem`'s outputs in `dir` (created if missing), in `formats`, from mono
    /// audio at `rate`.
    ///
    /// # Errors
    ///
    /// When the directory or a temp file cannot be created, or the encoder refuses the
    /// settings.
    pub fn create(
        dir: &Path,
        stem: &str,
        formats: &[OutputFormat],
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<Writer, OutputError> {
        std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
        let mp3 = formats
            .contains(&OutputFormat::Mp3)
            .then(|| mp3::Mp3Stream::new(dir, config, rate))
            .transpose()?;
        let wav = formats
            .contains(&OutputFormat::Wav)
            .then(|| wav::WavStream::new(dir, config, rate))
            .transpose()?;
        Ok(Writer {
            dir: dir.to_path_buf(),
            stem: stem.to_owned(),
            rate,
            config: config.clone(),
            mp3,
            wav,
            frames: 0,
        })
    }

    /// Append mono samples in −1..1.
    ///
    /// # Errors
    ///
    /// An encoder or disk failure.
    pub fn write(&mut self, frames: &[f32]) -> Result<(), OutputError> {
        if let Some(mp3) = &mut self.mp3 {
            mp3.write(frames)?;
        }
        if let Some(wav) = &mut self.wav {
            wav.write(frames)?;
        }
        self.frames += frames.len() as u64;
        Ok(())
    }

    /// The audio files this writer will produce, for the manifest.
    #[must_use]
    pub fn audio_entries(&self) -> Vec<ManifestAudio> {
        let entry = |format: &str| ManifestAudio {
            file: format!("{}.{format}", self.stem),
            format: format.to_owned(),
            sample_rate: self.rate.0,
            channels: self.config.channels,
        };
        let mut entries = Vec::new();
        if self.mp3.is_some() {
            entries.push(entry("mp3"));
        }
        if self.wav.is_some() {
            entries.push(entry("wav"));
        }
        entries
    }

    /// Finish the audio, tag it, write the chapter files and the manifest, and move all of
    /// them into place. Returns the final paths, audio first, manifest last.
    ///
    /// # Errors
    ///
    /// Any failure before the renames, after which nothing at the final paths has changed.
    pub fn finish(
        mut self,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<Vec<PathBuf>, OutputError> {
        debug_assert_eq!(self.frames, timeline.total.0, "the timeline covers every frame written");
        let mut pending = Vec::new();
        if let Some(mp3) = self.mp3.take() {
            pending.push((mp3.finish(timeline, manifest)?, self.path("mp3")));
        }
        if let Some(wav) = self.wav.take() {
            pending.push((wav.finish(timeline)?, self.path("wav")));
        }
        let vtt = chapters::webvtt(timeline);
        pending.push((atomic::temp_with(&self.dir, vtt.as_bytes())?, self.path("chapters.vtt")));
        let json = chapters::podcasting_json(timeline);
        pending.push((atomic::temp_with(&self.dir, json.as_bytes())?, self.path("chapters.json")));
        let mut manifest_json = serde_json::to_string_pretty(manifest)
            .map_err(|e| OutputError::Io { path: self.path("json"), source: e.into() })?;
        manifest_json.push('\n');
        pending.push((atomic::temp_with(&self.dir, manifest_json.as_bytes())?, self.path("json")));
        atomic::commit(pending)
    }

    fn path(&self, extension: &str) -> PathBuf {
        self.dir.join(format!("{}.{extension}", self.stem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Chapter, Metadata, Samples, SourceRef, Span};

    const RATE: SampleRate = SampleRate(24_000);

    /// Three "chapters" of tone separated by silence, and their timeline.
    #[allow(clippy::cast_precision_loss)]
    fn programme() -> (Vec<f32>, Timeline) {
        let mut audio = Vec::new();
        let mut chapters = Vec::new();
        for (i, title) in ["One", "Two: the sequel", "Three"].iter().enumerate() {
            let start = Samples(audio.len() as u64);
            audio.extend(
                (0..RATE.0 as usize).map(|n| (n as f32 * 0.05 * (i + 1) as f32).sin() * 0.3),
            );
            audio.extend(std::iter::repeat_n(0.0, 12_345));
            chapters.push(Chapter {
                title: (*title).to_owned(),
                span: Span { start, end: Samples(0) },
            });
        }
        let total = Samples(audio.len() as u64);
        for i in 0..chapters.len() {
            chapters[i].span.end = chapters.get(i + 1).map_or(total, |c| c.span.start);
        }
        (audio, Timeline { rate: RATE, total, chapters, segments: vec![] })
    }

    fn manifest(timeline: &Timeline) -> Manifest {
        Manifest {
            version: 1,
            title: "A title".into(),
            byline: Some("By Jo Bloggs".into()),
            language: Some("en".into()),
            metadata: Metadata::default(),
            source: SourceRef { path: "x.txt".into(), sha256: String::new() },
            backend: "tone".into(),
            voice: "tone".into(),
            duration_ms: Some(timeline.total.to_ms(timeline.rate)),
            audio: vec![],
            chapters: vec![],
            segments: vec![],
            skipped: vec![],
        }
    }

    fn write_all(
        dir: &Path,
        config: &OutputConfig,
        formats: &[OutputFormat],
    ) -> (Timeline, Vec<PathBuf>) {
        let (audio, timeline) = programme();
        let mut writer = Writer::create(dir, "story", formats, config, RATE).unwrap();
        for block in audio.chunks(4096) {
            writer.write(block).unwrap();
        }
        let files = writer.finish(&timeline, &manifest(&timeline)).unwrap();
        (timeline, files)
    }

    fn decoded_frames(path: &Path, format: crate::model::AudioFormat) -> usize {
        let bytes = std::fs::read(path).unwrap();
        crate::audio::decode(&crate::model::SpeechAudio { bytes, format }).unwrap().samples.len()
    }

    #[test]
    fn mp3_decodes_to_exactly_the_samples_written() {
        let tmp = tempfile::tempdir().unwrap();
        for vbr in [false, true] {
            let config = OutputConfig { mp3_vbr: vbr, ..OutputConfig::default() };
            let (timeline, _) = write_all(tmp.path(), &config, &[OutputFormat::Mp3]);
            let frames =
                decoded_frames(&tmp.path().join("story.mp3"), crate::model::AudioFormat::Mp3);
            assert_eq!(frames as u64, timeline.total.0, "vbr {vbr}");
        }
    }

    #[test]
    fn wav_cue_points_sit_at_chapter_starts_with_their_titles() {
        let tmp = tempfile::tempdir().unwrap();
        let (timeline, _) = write_all(tmp.path(), &OutputConfig::default(), &[OutputFormat::Wav]);
        let path = tmp.path().join("story.wav");
        assert_eq!(decoded_frames(&path, crate::model::AudioFormat::Wav) as u64, timeline.total.0);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize, bytes.len() - 8);
        let cue = bytes.windows(4).position(|w| w == b"cue ").unwrap();
        assert_eq!(u32::from_le_bytes(bytes[cue + 8..cue + 12].try_into().unwrap()), 3);
        let second_offset =
            u32::from_le_bytes(bytes[cue + 12 + 24 + 20..cue + 12 + 48].try_into().unwrap());
        assert_eq!(u64::from(second_offset), timeline.chapters[1].span.start.0);
        assert!(bytes.windows(16).any(|w| w == b"Two: the sequel\0"));
    }

    #[test]
    fn stereo_and_24_bit_wav_are_written_on_request() {
        let tmp = tempfile::tempdir().unwrap();
        let config = OutputConfig { channels: 2, wav_bits: 24, ..OutputConfig::default() };
        let (timeline, _) = write_all(tmp.path(), &config, &[OutputFormat::Wav, OutputFormat::Mp3]);
        let reader = hound::WavReader::open(tmp.path().join("story.wav")).unwrap();
        assert_eq!((reader.spec().channels, reader.spec().bits_per_sample), (2, 24));
        assert_eq!(u64::from(reader.duration()), timeline.total.0);
    }

    #[test]
    fn chapter_files_agree_with_the_timeline_to_the_millisecond() {
        let tmp = tempfile::tempdir().unwrap();
        let (timeline, files) =
            write_all(tmp.path(), &OutputConfig::default(), &[OutputFormat::Mp3]);
        let names: Vec<_> =
            files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["story.mp3", "story.chapters.vtt", "story.chapters.json", "story.json"]);
        let vtt = std::fs::read_to_string(tmp.path().join("story.chapters.vtt")).unwrap();
        let second = timeline.chapters[1].span.start.to_ms(RATE);
        assert!(
            vtt.contains(&format!("00:00:0{}.{:03} --> ", second / 1000, second % 1000)),
            "{vtt}"
        );
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(tmp.path().join("story.chapters.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["chapters"][1]["startTime"].as_f64().unwrap(), second as f64 / 1000.0);
        assert_eq!(json["chapters"][1]["title"], "Two: the sequel");
    }

    #[test]
    fn ffprobe_reads_the_mp3_chapters() {
        if std::process::Command::new("ffprobe").arg("-version").output().is_err() {
            eprintln!("SKIPPED: ffprobe is not installed (scripts/install-deps.sh --test)");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let (timeline, _) = write_all(tmp.path(), &OutputConfig::default(), &[OutputFormat::Mp3]);
        let out = std::process::Command::new("ffprobe")
            .args(["-v", "error", "-show_chapters", "-show_format", "-of", "json"])
            .arg(tmp.path().join("story.mp3"))
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let chapters = json["chapters"].as_array().unwrap();
        assert_eq!(chapters.len(), 3);
        for (c, expected) in chapters.iter().zip(&timeline.chapters) {
            assert_eq!(c["tags"]["title"], expected.title.as_str());
            assert_eq!(c["start"].as_u64().unwrap(), expected.span.start.to_ms(RATE));
            assert_eq!(c["end"].as_u64().unwrap(), expected.span.end.to_ms(RATE));
        }
        assert_eq!(json["format"]["tags"]["title"], "A title");
        assert_eq!(json["format"]["tags"]["artist"], "Jo Bloggs");
    }

    #[test]
    fn an_unfinished_writer_leaves_nothing_behind_and_the_old_files_intact() {
        let tmp = tempfile::tempdir().unwrap();
        write_all(tmp.path(), &OutputConfig::default(), &[OutputFormat::Mp3]);
        let before = std::fs::read(tmp.path().join("story.mp3")).unwrap();
        let mut writer = Writer::create(
            tmp.path(),
            "story",
            &[OutputFormat::Mp3, OutputFormat::Wav],
            &OutputConfig::default(),
            RATE,
        )
        .unwrap();
        writer.write(&[0.5; 1000]).unwrap();
        drop(writer); // a failure elsewhere: finish is never called
        assert_eq!(std::fs::read(tmp.path().join("story.mp3")).unwrap(), before);
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 4, "no temp files, no WAV");
    }

    #[test]
    fn formats_parse_and_bad_settings_are_all_reported() {
        assert_eq!("MP3".parse::<OutputFormat>().unwrap(), OutputFormat::Mp3);
        assert!("ogg".parse::<OutputFormat>().unwrap_err().to_string().contains("mp3 or wav"));
        let mut problems = Vec::new();
        OutputConfig {
            mp3_bitrate: 65,
            wav_bits: 20,
            channels: 3,
            formats: vec![],
            mp3_vbr: false,
        }
        .validate(&mut problems);
        assert_eq!(problems.len(), 4, "{problems:?}");
    }
}

//! PCM WAV through hound, with the chapters as a `cue ` point per chapter start and a
//! `LIST`/`adtl` chunk holding a `labl` (the chapter's title) per cue, appended after the
//! samples, where audio editors and broadcast tools look for them.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavSpec, WavWriter};
use tempfile::NamedTempFile;

use super::{AudioSink, OutputConfig, OutputError};
use crate::model::{Manifest, SampleRate, Timeline};

/// A WAV being written: samples go to a temp file as they come.
pub(super) struct WavStream {
    writer: WavWriter<BufWriter<File>>,
    file: NamedTempFile,
    /// Full scale for the sample size: 2^(bits − 1) − 1.
    full_scale: f32,
    stereo: bool,
    /// The final path, for errors.
    path: PathBuf,
}

impl WavStream {
    /// Start a WAV in a temp file in `dir` that will become `path`.
    pub(super) fn new(
        dir: &Path,
        path: &Path,
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<WavStream, OutputError> {
        let file = super::atomic::temp_in(dir, path)?;
        let handle = file.reopen().map_err(OutputError::io(path))?;
        let spec = WavSpec {
            channels: config.channels,
            sample_rate: rate.0,
            bits_per_sample: config.wav_bits,
            sample_format: SampleFormat::Int,
        };
        let writer =
            WavWriter::new(BufWriter::new(handle), spec).map_err(|e| hound_error(path, e))?;
        let full_scale = if config.wav_bits == 24 { 8_388_607.0 } else { 32_767.0 };
        Ok(WavStream {
            writer,
            file,
            full_scale,
            stereo: config.channels == 2,
            path: path.to_path_buf(),
        })
    }
}

impl AudioSink for WavStream {
    fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        for &s in samples {
            // Round to nearest, clamped: the limiter keeps true peaks under the ceiling, so
            // clamping only guards against a caller that skipped it.
            #[allow(clippy::cast_possible_truncation)] // in range after the clamp
            let v = (s.clamp(-1.0, 1.0) * self.full_scale).round() as i32;
            self.writer.write_sample(v).map_err(|e| hound_error(&self.path, e))?;
            if self.stereo {
                self.writer.write_sample(v).map_err(|e| hound_error(&self.path, e))?;
            }
        }
        Ok(())
    }

    fn finish(
        self: Box<Self>,
        timeline: &Timeline,
        _manifest: &Manifest,
    ) -> Result<NamedTempFile, OutputError> {
        let WavStream { writer, mut file, path, .. } = *self;
        let io = OutputError::io(&path);
        writer.finalize().map_err(|e| hound_error(&path, e))?;
        let f = file.as_file_mut();
        let mut end = f.seek(SeekFrom::End(0)).map_err(&io)?;
        // RIFF chunks start at even offsets; hound does not pad an odd-sized `data` chunk
        // (24-bit mono with an odd number of frames), so the pad byte goes here.
        if end % 2 == 1 {
            f.write_all(&[0]).map_err(&io)?;
            end += 1;
        }
        let chunks = cue_chunks(timeline);
        f.write_all(&chunks).map_err(&io)?;
        let riff = u32::try_from(end + chunks.len() as u64 - 8).map_err(|_| {
            io(std::io::Error::other("a WAV file cannot be larger than 4 GiB; write mp3 instead"))
        })?;
        f.seek(SeekFrom::Start(4)).map_err(&io)?;
        f.write_all(&riff.to_le_bytes()).map_err(&io)?;
        f.sync_data().map_err(&io)?;
        Ok(file)
    }
}

fn hound_error(path: &Path, e: hound::Error) -> OutputError {
    let source = match e {
        hound::Error::IoError(source) => source,
        other => std::io::Error::other(other.to_string()),
    };
    OutputError::Io { path: path.to_path_buf(), source }
}

/// The `cue ` chunk and the `LIST`/`adtl` chunk of `labl`s: cue `n + 1` marks chapter `n`'s
/// first frame. Both are empty lists when there are no chapters.
fn cue_chunks(timeline: &Timeline) -> Vec<u8> {
    let u32_of = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let mut cue = u32_of(timeline.chapters.len()).to_le_bytes().to_vec();
    let mut labels = b"adtl".to_vec();
    for (i, chapter) in timeline.chapters.iter().enumerate() {
        let id = u32_of(i + 1);
        // Frame offsets fit: a WAV's frames number under 2^32.
        let offset = u32::try_from(chapter.span.start.0).unwrap_or(u32::MAX);
        cue.extend_from_slice(&id.to_le_bytes());
        cue.extend_from_slice(&offset.to_le_bytes()); // position (in play order)
        cue.extend_from_slice(b"data"); // the chunk the cue points into
        cue.extend_from_slice(&0u32.to_le_bytes()); // chunk start: no wavl list
        cue.extend_from_slice(&0u32.to_le_bytes()); // block start: uncompressed
        cue.extend_from_slice(&offset.to_le_bytes()); // sample offset
        let mut text = chapter.title.as_bytes().to_vec();
        text.push(0);
        labels.extend_from_slice(b"labl");
        labels.extend_from_slice(&u32_of(4 + text.len()).to_le_bytes());
        labels.extend_from_slice(&id.to_le_bytes());
        labels.extend_from_slice(&text);
        if text.len() % 2 == 1 {
            labels.push(0);
        }
    }
    let mut out = Vec::with_capacity(cue.len() + labels.len() + 16);
    for (id, body) in [(b"cue ", cue), (b"LIST", labels)] {
        out.extend_from_slice(id);
        out.extend_from_slice(&u32_of(body.len()).to_le_bytes());
        out.extend_from_slice(&body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::Samples;
    use crate::output::tests::{programme, programme_manifest};

    /// A RIFF chunk: its id and body.
    pub(in crate::output) type Chunk = ([u8; 4], Vec<u8>);

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    /// The top-level chunks of a WAV, checking the RIFF size and the even alignment.
    pub(in crate::output) fn chunks(bytes: &[u8]) -> Vec<Chunk> {
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(u32_at(bytes, 4) as usize, bytes.len() - 8, "RIFF size");
        assert_eq!(&bytes[8..12], b"WAVE");
        let mut chunks = Vec::new();
        let mut at = 12;
        while at < bytes.len() {
            let size = u32_at(bytes, at + 4) as usize;
            let id = bytes[at..at + 4].try_into().unwrap();
            chunks.push((id, bytes[at + 8..at + 8 + size].to_vec()));
            at += 8 + size + size % 2;
        }
        assert_eq!(at, bytes.len(), "chunks end where the file does");
        chunks
    }

    /// The cue points of a WAV as (sample offset, label), parsed from its chunks.
    pub(in crate::output) fn cues(bytes: &[u8]) -> Vec<(u32, String)> {
        let chunks = chunks(bytes);
        let body = |id: &[u8; 4]| &chunks.iter().find(|(i, _)| i == id).unwrap().1;
        let cue = body(b"cue ");
        let list = body(b"LIST");
        assert_eq!(&list[0..4], b"adtl");
        let mut labels = std::collections::HashMap::new();
        let mut at = 4;
        while at < list.len() {
            assert_eq!(&list[at..at + 4], b"labl");
            let size = u32_at(list, at + 4) as usize;
            let text = &list[at + 12..at + 8 + size];
            assert_eq!(text.last(), Some(&0), "labels are NUL-terminated");
            let text = String::from_utf8(text[..text.len() - 1].to_vec()).unwrap();
            labels.insert(u32_at(list, at + 8), text);
            at += 8 + size + size % 2;
        }
        let count = u32_at(cue, 0) as usize;
        assert_eq!(cue.len(), 4 + 24 * count);
        (0..count)
            .map(|i| {
                let point = &cue[4 + 24 * i..4 + 24 * (i + 1)];
                assert_eq!(&point[8..12], b"data");
                assert_eq!(u32_at(point, 4), u32_at(point, 20), "position is the offset");
                (u32_at(point, 20), labels.remove(&u32_at(point, 0)).unwrap())
            })
            .collect()
    }

    fn write(config: &OutputConfig, audio: &[f32], timeline: &Timeline) -> Vec<u8> {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.wav");
        let mut stream =
            Box::new(WavStream::new(tmp.path(), &path, config, timeline.rate).unwrap());
        for block in audio.chunks(4001) {
            stream.write(block).unwrap();
        }
        let file = stream.finish(timeline, &programme_manifest(timeline)).unwrap();
        std::fs::read(file.path()).unwrap()
    }

    #[test]
    fn wav_cue_points_sit_at_chapter_starts_with_their_titles() {
        let (audio, timeline) = programme(SampleRate(24_000));
        let bytes = write(&OutputConfig::default(), &audio, &timeline);
        let expected: Vec<(u32, String)> = timeline
            .chapters
            .iter()
            .map(|c| (u32::try_from(c.span.start.0).unwrap(), c.title.clone()))
            .collect();
        assert_eq!(cues(&bytes), expected);
        let ids: Vec<[u8; 4]> = chunks(&bytes).into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [*b"fmt ", *b"data", *b"cue ", *b"LIST"]);
    }

    #[test]
    fn wav_holds_the_samples_rounded_and_clamped() {
        let timeline = |n: u64| Timeline {
            rate: SampleRate(8_000),
            total: Samples(n),
            chapters: vec![],
            segments: vec![],
        };
        let audio = [0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -3.0, 0.000_02];
        let bytes = write(&OutputConfig::default(), &audio, &timeline(8));
        let samples: Vec<i16> =
            hound::WavReader::new(&bytes[..]).unwrap().samples().map(Result::unwrap).collect();
        assert_eq!(samples, [0, 16_384, -16_384, 32_767, -32_767, 32_767, -32_767, 1]);
    }

    #[test]
    fn an_odd_sized_24_bit_data_chunk_is_padded_before_the_cues() {
        let (mut audio, mut timeline) = programme(SampleRate(24_000));
        audio.push(0.0);
        timeline.total.0 += 1;
        let config = OutputConfig { wav_bits: 24, ..OutputConfig::default() };
        let bytes = write(&config, &audio, &timeline);
        assert_eq!(cues(&bytes).len(), timeline.chapters.len());
        let reader = hound::WavReader::new(&bytes[..]).unwrap();
        assert_eq!((reader.spec().bits_per_sample, reader.spec().channels), (24, 1));
        assert_eq!(u64::from(reader.duration()), timeline.total.0);
    }

    #[test]
    fn stereo_wav_carries_the_narration_in_both_channels() {
        let (audio, timeline) = programme(SampleRate(24_000));
        let config = OutputConfig { channels: 2, ..OutputConfig::default() };
        let bytes = write(&config, &audio, &timeline);
        let mut reader = hound::WavReader::new(&bytes[..]).unwrap();
        assert_eq!(reader.spec().channels, 2);
        assert_eq!(u64::from(reader.duration()), timeline.total.0);
        let samples: Vec<i16> = reader.samples().map(Result::unwrap).collect();
        assert!(samples.chunks(2).all(|f| f[0] == f[1]));
        assert_eq!(cues(&bytes)[1].0, u32::try_from(timeline.chapters[1].span.start.0).unwrap());
    }
}

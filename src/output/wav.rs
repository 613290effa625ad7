//! WAV through hound, with a `cue ` point and a `LIST`/`adtl` `labl` per chapter appended
//! after the samples (where players that read cue points look for them).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavSpec, WavWriter};
use tempfile::NamedTempFile;

use super::{OutputConfig, OutputError};
use crate::model::{SampleRate, Timeline};

pub(super) struct WavStream {
    writer: WavWriter<BufWriter<File>>,
    file: NamedTempFile,
    bits: u16,
    stereo: bool,
    path: PathBuf,
}

impl WavStream {
    pub(super) fn new(
        dir: &Path,
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<WavStream, OutputError> {
        let file = super::atomic::temp_in(dir)?;
        let path = file.path().to_path_buf();
        let handle = file.reopen().map_err(OutputError::io(&path))?;
        let spec = WavSpec {
            channels: config.channels,
            sample_rate: rate.0,
            bits_per_sample: config.wav_bits,
            sample_format: SampleFormat::Int,
        };
        let writer =
            WavWriter::new(BufWriter::new(handle), spec).map_err(|e| hound_error(&path, e))?;
        Ok(WavStream { writer, file, bits: config.wav_bits, stereo: config.channels == 2, path })
    }

    pub(super) fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        #[allow(clippy::cast_possible_truncation)]
        let full = if self.bits == 24 { 8_388_607.0 } else { 32_767.0 };
        for s in samples {
            #[allow(clippy::cast_possible_truncation)]
            let v = (f64::from(s.clamp(-1.0, 1.0)) * full).round() as i32;
            self.writer.write_sample(v).map_err(|e| hound_error(&self.path, e))?;
            if self.stereo {
                self.writer.write_sample(v).map_err(|e| hound_error(&self.path, e))?;
            }
        }
        Ok(())
    }

    pub(super) fn finish(self, timeline: &Timeline) -> Result<NamedTempFile, OutputError> {
        let path = self.path;
        self.writer.finalize().map_err(|e| hound_error(&path, e))?;
        let mut file = self.file;
        let chunks = cue_chunks(timeline);
        let f = file.as_file_mut();
        let end = f.seek(SeekFrom::End(0)).map_err(OutputError::io(&path))?;
        f.write_all(&chunks).map_err(OutputError::io(&path))?;
        let riff = u32::try_from(end + chunks.len() as u64 - 8).unwrap_or(u32::MAX);
        f.seek(SeekFrom::Start(4)).map_err(OutputError::io(&path))?;
        f.write_all(&riff.to_le_bytes()).map_err(OutputError::io(&path))?;
        f.sync_data().map_err(OutputError::io(&path))?;
        Ok(file)
    }
}

fn hound_error(path: &Path, e: hound::Error) -> OutputError {
    match e {
        hound::Error::IoError(source) => OutputError::Io { path: path.to_path_buf(), source },
        other => OutputError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(other.to_string()),
        },
    }
}

/// The `cue ` chunk and the `LIST`/`adtl` chunk of `labl`s, one per chapter start.
fn cue_chunks(timeline: &Timeline) -> Vec<u8> {
    let count = u32::try_from(timeline.chapters.len()).unwrap_or(u32::MAX);
    let mut cue = Vec::new();
    cue.extend_from_slice(&count.to_le_bytes());
    let mut labels = b"adtl".to_vec();
    for (i, chapter) in timeline.chapters.iter().enumerate() {
        let id = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let offset = u32::try_from(chapter.span.start.0).unwrap_or(u32::MAX);
        cue.extend_from_slice(&id.to_le_bytes());
        cue.extend_from_slice(&offset.to_le_bytes()); // position (in playlist order)
        cue.extend_from_slice(b"data");
        cue.extend_from_slice(&0u32.to_le_bytes()); // chunk start
        cue.extend_from_slice(&0u32.to_le_bytes()); // block start
        cue.extend_from_slice(&offset.to_le_bytes()); // sample offset
        let mut text = chapter.title.as_bytes().to_vec();
        text.push(0);
        let size = u32::try_from(4 + text.len()).unwrap_or(u32::MAX);
        labels.extend_from_slice(b"labl");
        labels.extend_from_slice(&size.to_le_bytes());
        labels.extend_from_slice(&id.to_le_bytes());
        labels.extend_from_slice(&text);
        if text.len() % 2 == 1 {
            labels.push(0);
        }
    }
    let mut out = Vec::new();
    for (id, body) in [(b"cue ", cue), (b"LIST", labels)] {
        out.extend_from_slice(id);
        out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(&body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
    }
    out
}

//! MP3 through LAME: streamed to a temp file, then prefixed with ID3v2 chapters and the
//! LAME tag that makes playback gapless (decoders trim the encoder's delay and padding, so
//! the decoded length equals the manifest's).

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use id3::frame::{Chapter, TableOfContents};
use id3::{Frame, Tag, TagLike, Version};
use mp3lame_encoder::{Bitrate, Builder, DualPcm, Encoder, FlushGap, MonoPcm, Quality, VbrMode};
use tempfile::NamedTempFile;

use super::{OutputConfig, OutputError};
use crate::model::{Manifest, SampleRate, Timeline};

/// The bitrates MP3 allows, in kbit/s.
pub(super) const BITRATES: &[u32] =
    &[8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

pub(super) fn bitrate(kbps: u32) -> Option<Bitrate> {
    Some(match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        _ => return None,
    })
}

pub(super) struct Mp3Stream {
    encoder: Encoder,
    frames: BufWriter<NamedTempFile>,
    stereo: bool,
    buffer: Vec<u8>,
    dir: std::path::PathBuf,
}

fn encoder_error(e: impl std::fmt::Debug) -> OutputError {
    OutputError::Encoder(format!("{e:?}"))
}

impl Mp3Stream {
    pub(super) fn new(
        dir: &Path,
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<Mp3Stream, OutputError> {
        let stereo = config.channels == 2;
        let rate_kbps =
            bitrate(config.mp3_bitrate).ok_or_else(|| encoder_error("invalid bitrate"))?;
        let mut builder = Builder::new().ok_or_else(|| encoder_error("LAME did not start"))?;
        builder.set_num_channels(if stereo { 2 } else { 1 }).map_err(encoder_error)?;
        builder.set_sample_rate(rate.0).map_err(encoder_error)?;
        builder.set_quality(Quality::NearBest).map_err(encoder_error)?;
        if config.mp3_vbr {
            builder.set_vbr_mode(VbrMode::Mtrh).map_err(encoder_error)?;
            builder.set_vbr_quality(vbr_quality(config.mp3_bitrate)).map_err(encoder_error)?;
        } else {
            builder.set_vbr_mode(VbrMode::Off).map_err(encoder_error)?;
            builder.set_brate(rate_kbps).map_err(encoder_error)?;
        }
        // The Xing/LAME tag carries the encoder delay and padding: that is what makes the
        // file gapless and its decoded length exact.
        builder.set_to_write_vbr_tag(true).map_err(encoder_error)?;
        let encoder = builder.build().map_err(encoder_error)?;
        let file = super::atomic::temp_in(dir)?;
        Ok(Mp3Stream {
            encoder,
            frames: BufWriter::new(file),
            stereo,
            buffer: Vec::new(),
            dir: dir.to_path_buf(),
        })
    }

    pub(super) fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        self.buffer.clear();
        self.buffer.reserve(mp3lame_encoder::max_required_buffer_size(samples.len()));
        if self.stereo {
            let pcm = DualPcm { left: samples, right: samples };
            self.encoder.encode_to_vec(pcm, &mut self.buffer).map_err(encoder_error)?;
        } else {
            self.encoder
                .encode_to_vec(MonoPcm(samples), &mut self.buffer)
                .map_err(encoder_error)?;
        }
        self.frames.write_all(&self.buffer).map_err(OutputError::io(&self.dir))
    }

    /// Flush the encoder and assemble the final file: ID3v2 tag, LAME tag frame, audio.
    pub(super) fn finish(
        mut self,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<NamedTempFile, OutputError> {
        self.buffer.clear();
        self.buffer.reserve(7200);
        self.encoder.flush_to_vec::<FlushGap>(&mut self.buffer).map_err(encoder_error)?;
        self.frames.write_all(&self.buffer).map_err(OutputError::io(&self.dir))?;
        let mut frames = self
            .frames
            .into_inner()
            .map_err(|e| OutputError::Io { path: self.dir.clone(), source: e.into_error() })?;
        let mut lame_tag = Vec::with_capacity(self.encoder.lame_tag_size().max(1024));
        self.encoder.lame_tag_encode_to_vec(&mut lame_tag);

        let mut out = BufWriter::new(super::atomic::temp_in(&self.dir)?);
        let tag = id3_tag(timeline, manifest);
        tag.write_to(&mut out, Version::Id3v23)
            .map_err(|e| OutputError::Tag { path: self.dir.clone(), message: e.to_string() })?;
        // LAME reserved the first frame of the stream for this tag; overwrite it.
        out.write_all(&lame_tag).map_err(OutputError::io(&self.dir))?;
        let file = frames.as_file_mut();
        file.seek(SeekFrom::Start(lame_tag.len() as u64)).map_err(OutputError::io(&self.dir))?;
        std::io::copy(&mut file.take(u64::MAX), &mut out).map_err(OutputError::io(&self.dir))?;
        let out = out
            .into_inner()
            .map_err(|e| OutputError::Io { path: self.dir.clone(), source: e.into_error() })?;
        out.as_file().sync_data().map_err(OutputError::io(&self.dir))?;
        Ok(out)
    }
}

fn encoder(config: &OutputConfig, rate: SampleRate, stereo: bool) -> Result<Encoder, OutputError> {
    let rate_kbps = bitrate(config.mp3_bitrate).ok_or_else(|| encoder_error("invalid bitrate"))?;
    let mut builder = Builder::new().ok_or_else(|| encoder_error("LAME did not start"))?;
    builder.set_num_channels(if stereo { 2 } else { 1 }).map_err(encoder_error)?;
    builder.set_sample_rate(rate.0).map_err(encoder_error)?;
    builder.set_quality(Quality::NearBest).map_err(encoder_error)?;
    if config.mp3_vbr {
        builder.set_vbr_mode(VbrMode::Mtrh).map_err(encoder_error)?;
        builder.set_vbr_quality(vbr_quality(config.mp3_bitrate)).map_err(encoder_error)?;
    } else {
        builder.set_vbr_mode(VbrMode::Off).map_err(encoder_error)?;
        builder.set_brate(rate_kbps).map_err(encoder_error)?;
    }
    // The Xing/LAME tag carries the encoder delay and padding: that is what makes the file
    // gapless and its decoded length exact.
    builder.set_to_write_vbr_tag(true).map_err(encoder_error)?;
    builder.build().map_err(encoder_error)
}

/// How much integrated loudness (LU) MP3 encoding with these settings takes away from
/// `excerpt`: LAME's psychoacoustic model drops masked energy, about 0.4 LU for speech at
/// 64 kbit/s. Measured by encoding and decoding the excerpt in memory.
///
/// # Errors
///
/// An encoder failure.
pub fn loudness_loss(
    excerpt: &[f32],
    rate: SampleRate,
    config: &OutputConfig,
) -> Result<f64, OutputError> {
    let mut encoder = encoder(config, rate, false)?;
    let mut bytes = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(excerpt.len()));
    encoder.encode_to_vec(MonoPcm(excerpt), &mut bytes).map_err(encoder_error)?;
    bytes.reserve(7200);
    encoder.flush_to_vec::<FlushGap>(&mut bytes).map_err(encoder_error)?;
    let decoded = crate::audio::decode(&crate::model::SpeechAudio {
        bytes,
        format: crate::model::AudioFormat::Mp3,
    })
    .map_err(OutputError::Encoder)?;
    let before = crate::audio::loudness::integrated(excerpt, rate);
    let after = crate::audio::loudness::integrated(&decoded.samples, decoded.rate);
    Ok(match (before, after) {
        (Some(b), Some(a)) => b - a,
        _ => 0.0,
    })
}

/// LAME's VBR quality (0 best – 9 worst) that averages about `kbps` for mono speech.
fn vbr_quality(kbps: u32) -> Quality {
    match kbps {
        0..=40 => Quality::Ok,
        41..=56 => Quality::Decent,
        57..=72 => Quality::Good,
        73..=96 => Quality::Nice,
        97..=128 => Quality::VeryNice,
        _ => Quality::NearBest,
    }
}

/// ID3v2 title, artist and album, and a CHAP frame per chapter under one CTOC.
fn id3_tag(timeline: &Timeline, manifest: &Manifest) -> Tag {
    let mut tag = Tag::new();
    tag.set_title(manifest.title.clone());
    let artist = if manifest.metadata.authors.is_empty() {
        manifest
            .byline
            .clone()
            .map(|b| b.trim_start_matches("By ").trim_start_matches("by ").to_owned())
    } else {
        Some(manifest.metadata.authors.join(", "))
    };
    if let Some(artist) = artist.or_else(|| manifest.metadata.publication.clone()) {
        tag.set_artist(artist);
    }
    tag.set_album(manifest.metadata.publication.clone().unwrap_or_else(|| "articulate".to_owned()));
    let ids: Vec<String> = (0..timeline.chapters.len()).map(|i| format!("chp{i}")).collect();
    for (chapter, id) in timeline.chapters.iter().zip(&ids) {
        let ms =
            |s: crate::model::Samples| u32::try_from(s.to_ms(timeline.rate)).unwrap_or(u32::MAX);
        tag.add_frame(Chapter {
            element_id: id.clone(),
            start_time: ms(chapter.span.start),
            end_time: ms(chapter.span.end),
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames: vec![Frame::text("TIT2", chapter.title.clone())],
        });
    }
    if !ids.is_empty() {
        tag.add_frame(TableOfContents {
            element_id: "toc".to_owned(),
            top_level: true,
            ordered: true,
            elements: ids,
            frames: vec![Frame::text("TIT2", manifest.title.clone())],
        });
    }
    tag
}

//! MP3 through LAME, gapless: streamed to a temp file while encoding, then written out
//! behind an ID3v2 tag with the LAME tag frame in front of the audio.
//!
//! An MP3 decoder outputs the encoder's delay (576 + 529 frames of LAME's filterbank) before
//! the audio and pads the last frame out, so a plain MP3 decodes longer than what went in
//! and every chapter mark would sit late. LAME reserves the first frame of the stream for
//! its "Xing"/LAME tag; once encoding is done, the tag records the exact delay and padding,
//! and decoders that read it (ffmpeg, symphonia, iTunes, most browsers) trim both, so the
//! file decodes to exactly the frames written and to the manifest's `duration_ms`.
//!
//! LAME drops the tag, silently, when a constant-bitrate frame is too small to hold it,
//! and resamples on its own at low bitrates; [`check`] rules out both, and `finish` refuses
//! to write a file without its tag.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use mp3lame_encoder::{Bitrate, Builder, DualPcm, Encoder, FlushGap, MonoPcm, Quality, VbrMode};
use tempfile::NamedTempFile;

use super::{AudioSink, OutputConfig, OutputError};
use crate::model::{Manifest, SampleRate, Timeline};

/// The bitrates the encoder offers, in kbit/s.
pub(super) const BITRATES: &[u32] =
    &[8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/// The sample rates MPEG audio can hold: MPEG-1, MPEG-2 and MPEG-2.5, three each.
pub(super) const RATES: &[u32] =
    &[8_000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

/// Size of the LAME tag's payload (Xing header, TOC and LAME extension), from LAME 3.100's
/// `VbrTag.c`: `LAMEHEADERSIZE`.
const LAME_TAG_BYTES: u32 = 156;

fn bitrate(kbps: u32) -> Option<Bitrate> {
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

/// Whether `kbps` is a bitrate the encoder offers.
pub(super) fn is_bitrate(kbps: u32) -> bool {
    bitrate(kbps).is_some()
}

/// The constant bitrates that make a gapless file at `rate` with `channels`: allowed by the
/// MPEG version for that rate, with frames big enough for the LAME tag. This is LAME 3.100's
/// own test (`InitVbrTag`): a frame is `(version + 1) * 72000 * kbps / rate` bytes and must
/// hold the 4-byte header, the side info and the tag.
fn gapless_cbr_bitrates(rate: u32, channels: u16) -> Vec<u32> {
    let mpeg1 = rate >= 32_000;
    let side_info = match (mpeg1, channels) {
        (true, 1) => 17,
        (true, _) => 32,
        (false, 1) => 9,
        (false, _) => 17,
    };
    let needed = 4 + side_info + LAME_TAG_BYTES;
    BITRATES
        .iter()
        .copied()
        .filter(|&kbps| {
            let allowed = if mpeg1 { kbps >= 32 } else { kbps <= 160 };
            let frame = if mpeg1 { 144_000 } else { 72_000 } * kbps / rate;
            allowed && frame >= needed
        })
        .collect()
}

fn list(values: &[u32]) -> String {
    values.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Add a problem for each way MP3 with `config` cannot hold audio at `rate` gaplessly.
/// Pure; a bad `mp3_bitrate` on its own is [`OutputConfig::validate`]'s to report.
pub(super) fn check(config: &OutputConfig, rate: SampleRate, problems: &mut Vec<String>) {
    if !RATES.contains(&rate.0) {
        problems.push(format!(
            "mp3 cannot hold {} Hz audio; set [audio] sample_rate to one of {}, or write only wav",
            rate.0,
            list(RATES)
        ));
        return;
    }
    if config.mp3_vbr || !is_bitrate(config.mp3_bitrate) {
        // A VBR stream writes its tag frame at a bitrate of LAME's choosing, which fits.
        return;
    }
    let allowed = gapless_cbr_bitrates(rate.0, config.channels);
    if !allowed.contains(&config.mp3_bitrate) {
        problems.push(format!(
            "[output] mp3_bitrate {} does not make a gapless mp3 at {} Hz {}: use one of {} \
             (lower ones either do not exist at this rate or leave no room for the LAME tag \
             that records the exact length), or set mp3_vbr = true",
            config.mp3_bitrate,
            rate.0,
            if config.channels == 2 { "stereo" } else { "mono" },
            list(&allowed)
        ));
    }
}

/// A LAME encoder for `config` at `rate`, writing the LAME tag.
fn encoder(config: &OutputConfig, rate: SampleRate, stereo: bool) -> Result<Encoder, String> {
    let mut builder = Builder::new().ok_or("LAME could not allocate an encoder")?;
    let e = |what: &'static str| move |e: mp3lame_encoder::BuildError| format!("{what}: {e}");
    builder.set_num_channels(if stereo { 2 } else { 1 }).map_err(e("channels"))?;
    builder.set_sample_rate(rate.0).map_err(e("sample rate"))?;
    // Left to itself LAME resamples at low bitrates (32 kbit/s at 24 kHz comes out at
    // 22.05 kHz), which would change the length and the rate the manifest states.
    builder.set_output_sample_rate(NonZeroU32::new(rate.0)).map_err(e("output sample rate"))?;
    builder.set_quality(quality(config.mp3_quality)).map_err(e("quality"))?;
    if config.mp3_vbr {
        builder.set_vbr_mode(VbrMode::Mtrh).map_err(e("vbr mode"))?;
        builder.set_vbr_quality(vbr_quality(config.mp3_bitrate)).map_err(e("vbr quality"))?;
    } else {
        let kbps = bitrate(config.mp3_bitrate).ok_or("not an mp3 bitrate")?;
        builder.set_vbr_mode(VbrMode::Off).map_err(e("vbr mode"))?;
        builder.set_brate(kbps).map_err(e("bitrate"))?;
    }
    // The Xing/LAME tag carries the encoder delay and padding: that is what makes the file
    // gapless and its decoded length exact.
    builder.set_to_write_vbr_tag(true).map_err(e("lame tag"))?;
    builder.build().map_err(e("settings"))
}

/// A LAME encoder for a live stream of mono audio at `rate`: constant bitrate (the
/// configured one, or 64 kbit/s when the file is VBR), no LAME tag (a stream has no end to
/// record), and no bit reservoir, so that every frame carries all its own data and a
/// stream cut between any two frames leaves pieces that decode on their own.
pub(super) fn live_encoder(config: &OutputConfig, rate: SampleRate) -> Result<Encoder, String> {
    let mut builder = Builder::new().ok_or("LAME could not allocate an encoder")?;
    let e = |what: &'static str| move |e: mp3lame_encoder::BuildError| format!("{what}: {e}");
    builder.set_num_channels(1).map_err(e("channels"))?;
    builder.set_sample_rate(rate.0).map_err(e("sample rate"))?;
    builder.set_output_sample_rate(NonZeroU32::new(rate.0)).map_err(e("output sample rate"))?;
    builder.set_quality(quality(config.mp3_quality)).map_err(e("quality"))?;
    let kbps = if config.mp3_vbr { 64 } else { config.mp3_bitrate };
    builder.set_vbr_mode(VbrMode::Off).map_err(e("vbr mode"))?;
    builder.set_brate(bitrate(kbps).ok_or("not an mp3 bitrate")?).map_err(e("bitrate"))?;
    builder.set_to_write_vbr_tag(false).map_err(e("lame tag"))?;
    // SAFETY: the pointer is the builder's own, live for this call; LAME reads the flag when
    // `build` initialises its parameters. The crate has no setter for it.
    let refused = unsafe { mp3lame_encoder::ffi::lame_set_disable_reservoir(builder.as_ptr(), 1) };
    if refused != 0 {
        return Err("LAME would not turn off its bit reservoir".into());
    }
    builder.build().map_err(e("settings"))
}

/// LAME's algorithm quality, 0 (best, slowest) to 9.
fn quality(q: u8) -> Quality {
    match q {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
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

fn encoder_error(path: &Path, e: impl std::fmt::Display) -> OutputError {
    OutputError::Encoder { path: path.to_path_buf(), message: e.to_string() }
}

/// An MP3 being encoded: frames go to a temp file as they come.
pub(super) struct Mp3Stream {
    encoder: Encoder,
    /// The encoded stream; its first frame is the one LAME reserved for its tag.
    stream: BufWriter<NamedTempFile>,
    stereo: bool,
    buffer: Vec<u8>,
    dir: PathBuf,
    /// The final path, for errors.
    path: PathBuf,
}

impl Mp3Stream {
    /// Start encoding into a temp file in `dir` that will become `path`.
    pub(super) fn new(
        dir: &Path,
        path: &Path,
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<Mp3Stream, OutputError> {
        let stereo = config.channels == 2;
        let encoder = encoder(config, rate, stereo)
            .map_err(|message| OutputError::Encoder { path: path.to_path_buf(), message })?;
        Ok(Mp3Stream {
            encoder,
            stream: BufWriter::new(super::atomic::temp_in(dir, path)?),
            stereo,
            buffer: Vec::new(),
            dir: dir.to_path_buf(),
            path: path.to_path_buf(),
        })
    }

    fn encoder_error(&self, e: impl std::fmt::Display) -> OutputError {
        encoder_error(&self.path, e)
    }

    /// Flush the encoder and assemble the final file: ID3v2 tag, LAME tag frame, audio.
    fn finish_file(
        mut self,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<NamedTempFile, OutputError> {
        let io = OutputError::io(&self.path);
        self.buffer.clear();
        self.buffer.reserve(7200); // LAME's documented worst case for a flush
        let flushed = self.encoder.flush_to_vec::<FlushGap>(&mut self.buffer);
        flushed.map_err(|e| self.encoder_error(e))?;
        self.stream.write_all(&self.buffer).map_err(&io)?;
        let mut stream = self.stream.into_inner().map_err(|e| io(e.into_error()))?;

        let mut lame_tag = Vec::with_capacity(self.encoder.lame_tag_size());
        if self.encoder.lame_tag_encode_to_vec(&mut lame_tag).is_none() {
            // Without it the file would decode longer than the manifest says.
            let message = "LAME wrote no LAME tag, so the file would not be gapless";
            return Err(encoder_error(&self.path, message));
        }

        let mut out = BufWriter::new(super::atomic::temp_in(&self.dir, &self.path)?);
        super::id3::tag(timeline, manifest)
            .write_to(&mut out, ::id3::Version::Id3v23)
            .map_err(|e| OutputError::Tag { path: self.path.clone(), message: e.to_string() })?;
        // LAME reserved the first frame of the stream for this tag: it goes in its place.
        out.write_all(&lame_tag).map_err(&io)?;
        let file = stream.as_file_mut();
        file.seek(SeekFrom::Start(lame_tag.len() as u64)).map_err(&io)?;
        std::io::copy(&mut file.take(u64::MAX), &mut out).map_err(&io)?;
        let out = out.into_inner().map_err(|e| io(e.into_error()))?;
        out.as_file().sync_data().map_err(&io)?;
        Ok(out)
    }
}

impl AudioSink for Mp3Stream {
    fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        self.buffer.clear();
        self.buffer.reserve(mp3lame_encoder::max_required_buffer_size(samples.len()));
        let encoded = if self.stereo {
            let pcm = DualPcm { left: samples, right: samples };
            self.encoder.encode_to_vec(pcm, &mut self.buffer)
        } else {
            self.encoder.encode_to_vec(MonoPcm(samples), &mut self.buffer)
        };
        encoded.map_err(|e| self.encoder_error(e))?;
        self.stream.write_all(&self.buffer).map_err(OutputError::io(&self.path))
    }

    fn finish(
        self: Box<Self>,
        timeline: &Timeline,
        manifest: &Manifest,
    ) -> Result<NamedTempFile, OutputError> {
        self.finish_file(timeline, manifest)
    }
}

/// What MP3 encoding with these settings does to `excerpt`: the loudness it takes away
/// (LAME's psychoacoustic model drops masked energy, about 0.4 LU for speech at 64 kbit/s)
/// and how far it raises the true peak, both in dB. Measured by encoding and decoding the
/// excerpt in memory.
///
/// # Errors
///
/// An encoder or decoder failure.
pub fn lossy_effect(
    excerpt: &[f32],
    rate: SampleRate,
    config: &OutputConfig,
) -> Result<(f64, f64), OutputError> {
    use crate::audio::loudness::{integrated, true_peak_db};
    let mut encoder = encoder(config, rate, false).map_err(OutputError::Measure)?;
    let mut bytes = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(excerpt.len()));
    let measure = |e: mp3lame_encoder::EncodeError| OutputError::Measure(e.to_string());
    encoder.encode_to_vec(MonoPcm(excerpt), &mut bytes).map_err(measure)?;
    bytes.reserve(7200);
    encoder.flush_to_vec::<FlushGap>(&mut bytes).map_err(measure)?;
    let decoded = crate::audio::decode(&crate::model::SpeechAudio {
        bytes,
        format: crate::model::AudioFormat::Mp3,
    })
    .map_err(OutputError::Measure)?;
    let loss = match (integrated(excerpt, rate), integrated(&decoded.samples, decoded.rate)) {
        (Some(before), Some(after)) => before - after,
        _ => 0.0,
    };
    let rise = true_peak_db(&decoded.samples, decoded.rate) - true_peak_db(excerpt, rate);
    Ok((loss, if rise.is_finite() { rise } else { 0.0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AudioFormat, Samples, SpeechAudio};
    use crate::output::tests::{programme, programme_manifest};

    /// Encode `audio` in blocks of odd sizes, as the assembler would, and return the bytes.
    fn encode(config: &OutputConfig, rate: SampleRate, audio: &[f32]) -> Vec<u8> {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.mp3");
        let mut stream = Mp3Stream::new(tmp.path(), &path, config, rate).unwrap();
        for block in audio.chunks(3001) {
            stream.write(block).unwrap();
        }
        let timeline = Timeline {
            rate,
            total: Samples(audio.len() as u64),
            chapters: vec![],
            segments: vec![],
        };
        let file = stream.finish_file(&timeline, &programme_manifest(&timeline)).unwrap();
        std::fs::read(file.path()).unwrap()
    }

    fn decode(bytes: Vec<u8>) -> crate::audio::Pcm {
        crate::audio::decode(&SpeechAudio { bytes, format: AudioFormat::Mp3 }).unwrap()
    }

    #[test]
    fn mp3_decodes_to_exactly_the_samples_written() {
        let (audio, timeline) = programme(SampleRate(24_000));
        for vbr in [false, true] {
            let config = OutputConfig { mp3_vbr: vbr, ..OutputConfig::default() };
            let decoded = decode(encode(&config, timeline.rate, &audio));
            assert_eq!(decoded.rate, timeline.rate, "vbr {vbr}");
            assert_eq!(decoded.samples.len(), audio.len(), "vbr {vbr}");
        }
    }

    #[test]
    fn decoded_mp3_lines_up_with_the_input_sample_for_sample() {
        // Trimming the right number of frames is not enough: the delay trimmed must be the
        // encoder's, or every chapter mark is off by the difference. A click at a known
        // frame must come out at that frame.
        let rate = SampleRate(24_000);
        let mut audio = vec![0.0f32; 30_000];
        let click = 17_321;
        audio[click] = 0.9;
        let decoded = decode(encode(&OutputConfig::default(), rate, &audio));
        let loudest = (0..decoded.samples.len())
            .max_by(|&a, &b| decoded.samples[a].abs().total_cmp(&decoded.samples[b].abs()))
            .unwrap();
        assert_eq!(loudest, click, "the click moved");
    }

    #[test]
    fn every_setting_that_passes_the_check_is_gapless_at_its_own_rate() {
        // Short audio keeps this quick; length and rate are what is checked.
        for &rate in RATES {
            for channels in [1, 2] {
                for &kbps in BITRATES {
                    for vbr in [false, true] {
                        let config = OutputConfig {
                            mp3_bitrate: kbps,
                            mp3_vbr: vbr,
                            channels,
                            ..OutputConfig::default()
                        };
                        let mut problems = Vec::new();
                        check(&config, SampleRate(rate), &mut problems);
                        if !problems.is_empty() || (vbr && kbps != 64) {
                            continue;
                        }
                        let n = rate as usize / 4 + 7;
                        #[allow(clippy::cast_precision_loss)]
                        let audio: Vec<f32> =
                            (0..n).map(|i| (i as f32 * 0.07).sin() * 0.4).collect();
                        let decoded = decode(encode(&config, SampleRate(rate), &audio));
                        let what = format!("{rate} Hz, {channels} ch, {kbps} kbit/s, vbr {vbr}");
                        assert_eq!(decoded.rate.0, rate, "{what}");
                        assert_eq!(decoded.samples.len(), n, "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn bitrates_too_low_for_the_lame_tag_are_refused_with_the_ones_that_work() {
        let mut problems = Vec::new();
        let low = OutputConfig { mp3_bitrate: 32, ..OutputConfig::default() };
        check(&low, SampleRate(24_000), &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].contains("mp3_bitrate 32") && problems[0].contains("64, 80"),
            "{problems:?}"
        );
        problems.clear();
        check(&OutputConfig { mp3_vbr: true, ..low }, SampleRate(24_000), &mut problems);
        assert!(problems.is_empty(), "vbr places its own tag frame: {problems:?}");
        check(&OutputConfig::default(), SampleRate(96_000), &mut problems);
        assert!(
            problems[0].contains("96000 Hz") && problems[0].contains("sample_rate"),
            "{problems:?}"
        );
    }

    #[test]
    fn the_default_settings_suit_every_usual_speech_rate() {
        for rate in [16_000, 22_050, 24_000, 44_100, 48_000] {
            for channels in [1, 2] {
                let mut problems = Vec::new();
                let config = OutputConfig { channels, ..OutputConfig::default() };
                check(&config, SampleRate(rate), &mut problems);
                assert!(problems.is_empty(), "{rate} Hz {channels} ch: {problems:?}");
            }
        }
    }
}

//! What every synthesized chunk must be before it is cached: audio that decodes to its end,
//! lasts about as long as its text takes to say, and is not silence.
//!
//! A cached chunk is replayed forever, so a reply cut short (a CDN that closed early, a
//! well-formed but truncated MP3), a silent one or a wildly long one must fail here, as a
//! failure worth retrying, rather than be stitched into every later narration.

use std::io::Cursor;

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::model::{AudioFormat, SpeechAudio};

/// The most letters a second any voice speaks at its normal rate, with room to spare: a
/// fast newsreader says about 14.
pub const FASTEST_LETTERS_PER_SECOND: f64 = 35.0;

/// Below this peak (−60 dBFS) a chunk is silence.
const SILENCE_PEAK: f32 = 0.001;

/// What a chunk of text may take at the slowest: a pause of this much, then this many seconds
/// a letter (about a sixth of a normal pace).
const SLOWEST_BASE_SECS: f64 = 15.0;
const SLOWEST_SECS_PER_LETTER: f64 = 0.6;

/// A short reply may lose this much to trimming and rounding without being called short.
const SHORT_SLACK_SECS: f64 = 0.3;

/// Check `audio` as the answer for `text`. `fastest` is the most letters a second the voice
/// may speak ([`crate::tts::Synthesizer::fastest_letters_per_second`]); without it the
/// duration is not judged.
///
/// # Errors
///
/// Why the audio is unusable: it does not decode to its end, is shorter than its own header
/// says, is silent, or lasts implausibly short or long for the text.
pub fn check(audio: &SpeechAudio, text: &str, fastest: Option<f64>) -> Result<(), String> {
    let pcm = crate::audio::decode(audio)?;
    let frames = pcm.samples.len() as u64;
    if let Some(declared) = declared_frames(audio)
        && frames + slack(declared, pcm.rate.0) < declared
    {
        return Err(format!(
            "cut short: {} of the {} its header declares",
            ms(frames, pcm.rate.0),
            ms(declared, pcm.rate.0)
        ));
    }
    let peak = pcm.samples.iter().fold(0.0f32, |peak, s| peak.max(s.abs()));
    if peak < SILENCE_PEAK {
        return Err(format!("{} of silence", ms(frames, pcm.rate.0)));
    }
    let Some(fastest) = fastest else { return Ok(()) };
    let letters = text.chars().filter(|c| c.is_alphanumeric()).count();
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let (seconds, letters_f) = (frames as f64 / f64::from(pcm.rate.0), letters as f64);
    let shortest = letters_f / fastest - SHORT_SLACK_SECS;
    if seconds < shortest {
        return Err(format!(
            "{} of audio for {letters} letters of text, too short to say them (cut off?)",
            ms(frames, pcm.rate.0)
        ));
    }
    let longest = SLOWEST_BASE_SECS + letters_f * SLOWEST_SECS_PER_LETTER;
    if seconds > longest {
        return Err(format!(
            "{} of audio for {letters} letters of text, far longer than it takes to say them",
            ms(frames, pcm.rate.0)
        ));
    }
    Ok(())
}

/// Two MP3 frames' worth (and 1%) of a declared length may go missing to encoder delay and
/// padding without the reply being cut short.
fn slack(declared: u64, rate: u32) -> u64 {
    declared / 100 + u64::from(rate) * 2304 / 44_100 + 2304
}

fn ms(frames: u64, rate: u32) -> String {
    format!("{} ms", frames * 1000 / u64::from(rate.max(1)))
}

/// The length the audio's own header declares, where the header is one written before the
/// audio was (a WAV `data` size, an MP3 Xing/Info frame count, FLAC's STREAMINFO), and so
/// says what a reply cut short has lost. Streams written to a pipe declare placeholders,
/// which say nothing.
fn declared_frames(audio: &SpeechAudio) -> Option<u64> {
    match audio.format {
        AudioFormat::Wav => wav_declared_frames(&audio.bytes),
        AudioFormat::Mp3 if has_xing(&audio.bytes) => probed_frames(audio, "mp3"),
        AudioFormat::Flac => probed_frames(audio, "flac"),
        _ => None,
    }
}

/// A WAV's `data` size in frames, when it is a real size rather than a streaming placeholder.
fn wav_declared_frames(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut block_align = None;
    let mut pos = 12usize;
    while pos + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().ok()?);
        let body = pos + 8;
        match &bytes[pos..pos + 4] {
            b"fmt " if bytes.len() >= body + 14 => {
                block_align = Some(u16::from_le_bytes([bytes[body + 12], bytes[body + 13]]));
            }
            b"data" => {
                // 0 and sizes near 4 GB are what pipes write when they cannot seek back.
                if size == 0 || size >= 0x7fff_0000 {
                    return None;
                }
                return Some(u64::from(size) / u64::from(block_align?.max(1)));
            }
            _ => {}
        }
        pos = body.checked_add(size as usize)?.checked_add(size as usize & 1)?;
    }
    None
}

/// Whether an MP3's first frame is a Xing or Info header (which counts the frames).
fn has_xing(bytes: &[u8]) -> bool {
    let start = id3_len(bytes);
    let window = &bytes[start.min(bytes.len())..(start + 200).min(bytes.len())];
    window.windows(4).any(|w| w == b"Xing" || w == b"Info")
}

/// The length of a leading ID3v2 tag.
fn id3_len(bytes: &[u8]) -> usize {
    if bytes.len() < 10 || &bytes[0..3] != b"ID3" {
        return 0;
    }
    let size = bytes[6..10].iter().fold(0usize, |n, b| (n << 7) | usize::from(b & 0x7f));
    10 + size
}

fn probed_frames(audio: &SpeechAudio, extension: &str) -> Option<u64> {
    let mut hint = Hint::new();
    hint.with_extension(extension);
    let stream =
        MediaSourceStream::new(Box::new(Cursor::new(audio.bytes.clone())), Default::default());
    let format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .ok()?;
    format.default_track(TrackType::Audio)?.num_frames
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(samples: &[i16]) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = Cursor::new(Vec::new());
        let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for s in samples {
            writer.write_sample(*s).unwrap();
        }
        writer.finalize().unwrap();
        cursor.into_inner()
    }

    fn tone(seconds: f64) -> Vec<i16> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = (seconds * 16_000.0) as usize;
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        (0..n).map(|i| ((i as f32 * 0.1).sin() * 8000.0) as i16).collect()
    }

    fn speech(bytes: Vec<u8>) -> SpeechAudio {
        SpeechAudio { bytes, format: AudioFormat::Wav }
    }

    const SENTENCE: &str = "The council voted on Tuesday to build a bridge across the river.";

    #[test]
    fn speech_of_a_plausible_length_passes() {
        let audio = speech(wav(&tone(4.0)));
        assert_eq!(check(&audio, SENTENCE, Some(FASTEST_LETTERS_PER_SECOND)), Ok(()));
    }

    #[test]
    fn a_wav_cut_short_of_its_declared_size_fails() {
        let mut bytes = wav(&tone(4.0));
        bytes.truncate(bytes.len() / 3);
        let err = check(&speech(bytes), SENTENCE, None).unwrap_err();
        assert!(err.contains("cut short"), "{err}");
    }

    #[test]
    fn a_streamed_wav_with_placeholder_sizes_is_not_called_short() {
        let mut bytes = wav(&tone(4.0));
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        assert_eq!(check(&speech(bytes), SENTENCE, None), Ok(()));
    }

    #[test]
    fn silence_fails() {
        let err = check(&speech(wav(&[0; 64_000])), SENTENCE, None).unwrap_err();
        assert!(err.contains("silence"), "{err}");
    }

    #[test]
    fn audio_far_too_short_or_long_for_its_text_fails() {
        let fastest = Some(FASTEST_LETTERS_PER_SECOND);
        let short = check(&speech(wav(&tone(0.5))), SENTENCE, fastest).unwrap_err();
        assert!(short.contains("too short"), "{short}");
        let long = check(&speech(wav(&tone(60.0))), "Yes.", fastest).unwrap_err();
        assert!(long.contains("far longer"), "{long}");
        assert_eq!(check(&speech(wav(&tone(0.5))), SENTENCE, None), Ok(()), "speed unknown");
        assert_eq!(check(&speech(wav(&tone(0.4))), "Yes.", fastest), Ok(()));
    }
}

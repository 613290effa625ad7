//! Decoding whatever a backend returned (WAV, MP3, OGG, FLAC or raw PCM) to mono `f32`.

use std::io::Cursor;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::model::{AudioFormat, SampleRate, SpeechAudio};

/// Decoded mono audio.
#[derive(Clone, Debug, PartialEq)]
pub struct Pcm {
    /// Its sample rate.
    pub rate: SampleRate,
    /// Samples in −1..1.
    pub samples: Vec<f32>,
}

/// Check that encoded speech is audio we can decode, reading only its first packets: a
/// backend's 200 with an HTML error page or a truncated header fails here.
///
/// # Errors
///
/// Why the bytes are not usable audio.
pub fn probe(audio: &SpeechAudio) -> Result<(), String> {
    decode_up_to(audio, Some(4)).map(|_| ())
}

/// Decode encoded speech to mono `f32`, averaging channels.
///
/// # Errors
///
/// A message saying why the bytes are not usable audio: empty, not a known container,
/// undecodable, or silent-length.
pub fn decode(audio: &SpeechAudio) -> Result<Pcm, String> {
    decode_up_to(audio, None)
}

fn decode_up_to(audio: &SpeechAudio, max_packets: Option<usize>) -> Result<Pcm, String> {
    if audio.bytes.is_empty() {
        return Err("no audio data (0 bytes)".into());
    }
    if let AudioFormat::Pcm16 { rate } = audio.format {
        return Ok(Pcm { rate: SampleRate(rate), samples: pcm16(&audio.bytes) });
    }
    let bytes = match audio.format {
        AudioFormat::Wav => repair_streamed_wav(&audio.bytes),
        _ => audio.bytes.clone(),
    };
    let mut hint = Hint::new();
    hint.with_extension(match audio.format {
        AudioFormat::Wav => "wav",
        AudioFormat::Mp3 => "mp3",
        AudioFormat::Ogg => "ogg",
        AudioFormat::Flac | AudioFormat::Pcm16 { .. } => "flac",
    });
    let stream = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| format!("not a recognised audio file ({e})"))?;
    let track = format.default_track(TrackType::Audio).ok_or("no audio track")?;
    let track_id = track.id;
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).ok_or("no audio codec")?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| format!("unsupported codec ({e})"))?;
    let mut rate = params.sample_rate;
    let mut samples = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut packets = 0;
    while max_packets.is_none_or(|max| packets < max) {
        packets += 1;
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A stream that ends mid-packet still gave us everything before it.
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(e) => return Err(format!("cannot read packet ({e})")),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(SymphoniaError::DecodeError(e)) => return Err(format!("corrupt audio ({e})")),
            Err(e) => return Err(format!("cannot decode ({e})")),
        };
        rate = Some(buf.spec().rate());
        let channels = buf.spec().channels().count().max(1);
        interleaved.resize(buf.samples_interleaved(), 0.0);
        buf.copy_to_slice_interleaved(&mut interleaved);
        #[allow(clippy::cast_precision_loss)] // channel counts are tiny
        let scale = 1.0 / channels as f32;
        samples.extend(interleaved.chunks_exact(channels).map(|f| f.iter().sum::<f32>() * scale));
    }
    let rate = rate.ok_or("unknown sample rate")?;
    if samples.is_empty() {
        return Err("decoded to zero samples".into());
    }
    Ok(Pcm { rate: SampleRate(rate), samples })
}

fn pcm16(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(2).map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0).collect()
}

/// Engines that write WAV to a pipe cannot seek back to fill in the sizes, so they write
/// placeholders (espeak-ng: 0x7ffff000). Clamp the RIFF and `data` sizes to what is there.
fn repair_streamed_wav(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.len() < 12 || &out[0..4] != b"RIFF" || &out[8..12] != b"WAVE" {
        return out;
    }
    let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
    out[4..8].copy_from_slice(&(len - 8).to_le_bytes());
    let mut pos = 12usize;
    while pos + 8 <= out.len() {
        let size = u32::from_le_bytes([out[pos + 4], out[pos + 5], out[pos + 6], out[pos + 7]]);
        let body = pos + 8;
        if &out[pos..pos + 4] == b"data" {
            let available = u32::try_from(out.len() - body).unwrap_or(u32::MAX);
            // Keep whole sample frames only: a pipe may end mid-frame.
            let fixed = size.min(available) & !1;
            out[pos + 4..pos + 8].copy_from_slice(&fixed.to_le_bytes());
            break;
        }
        pos = body + size as usize + (size as usize & 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for s in samples {
            w.write_sample(*s).unwrap();
        }
        w.finalize().unwrap();
        cursor.into_inner()
    }

    #[test]
    fn wav_decodes_to_mono_at_its_own_rate() {
        let audio =
            SpeechAudio { bytes: wav(&[16384, 0, -16384, 0], 22_050, 2), format: AudioFormat::Wav };
        let pcm = decode(&audio).unwrap();
        assert_eq!(pcm.rate, SampleRate(22_050));
        assert_eq!(pcm.samples, [0.25, -0.25]);
    }

    #[test]
    fn a_wav_streamed_with_placeholder_sizes_still_decodes() {
        let mut bytes = wav(&[1000; 100], 16_000, 1);
        bytes[4..8].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_f000u32.to_le_bytes());
        let pcm = decode(&SpeechAudio { bytes, format: AudioFormat::Wav }).unwrap();
        assert_eq!(pcm.samples.len(), 100);
    }

    #[test]
    fn html_or_empty_bytes_are_rejected_with_a_reason() {
        let page = SpeechAudio {
            bytes: b"<html>502 Bad Gateway</html>".to_vec(),
            format: AudioFormat::Mp3,
        };
        assert!(decode(&page).is_err());
        let empty = SpeechAudio { bytes: vec![], format: AudioFormat::Wav };
        assert_eq!(decode(&empty).unwrap_err(), "no audio data (0 bytes)");
    }

    #[test]
    fn raw_pcm_is_read_as_little_endian_16_bit() {
        let audio = SpeechAudio {
            bytes: vec![0x00, 0x40, 0x00, 0xC0],
            format: AudioFormat::Pcm16 { rate: 16_000 },
        };
        assert_eq!(decode(&audio).unwrap().samples, [0.5, -0.5]);
    }
}

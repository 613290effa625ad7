//! `tone`: a diagnostic backend that "speaks" a short tone per word, instantly and
//! deterministically. It exercises timing, stitching and chapter placement in tests and
//! benchmarks without an engine; never use it for real narration.

use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Capabilities, Marked, SynthError, SynthRequest, Synthesizer, WordMark};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;

const NAME: &str = "tone";

/// A profile's settings for `backend = "tone"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// Sample rate of the returned WAV. Default: 22050.
    #[serde(default = "default_rate")]
    sample_rate: u32,
    /// Length of each word's tone in ms. Default: 120.
    #[serde(default = "default_word_ms")]
    word_ms: u32,
    /// Silence between words, and at each end, in ms. Default: 40.
    #[serde(default = "default_gap_ms")]
    gap_ms: u32,
    /// Longest chunk in characters. Default: 1000.
    #[serde(default = "default_max_chars")]
    max_chars: usize,
}

fn default_rate() -> u32 {
    22_050
}
fn default_word_ms() -> u32 {
    120
}
fn default_gap_ms() -> u32 {
    40
}
fn default_max_chars() -> usize {
    1000
}

struct Tone {
    settings: Settings,
    capabilities: Capabilities,
}

/// Build the diagnostic tone backend.
pub(super) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    let settings: Settings = profile.backend_settings().map_err(|message| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    })?;
    let capabilities = Capabilities {
        max_chars: Some(settings.max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: false,
        formats: vec![AudioFormat::Wav],
        concurrency: 8,
    };
    Ok(Arc::new(Tone { settings, capabilities }))
}

impl Tone {
    /// A WAV with, per word, `word_ms` of a tone whose pitch depends on the word's length.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn render(&self, text: &str) -> Vec<u8> {
        let rate = self.settings.sample_rate;
        let frames = |ms: u32| (u64::from(rate) * u64::from(ms) / 1000) as usize;
        let gap = vec![0i16; frames(self.settings.gap_ms)];
        let mut samples = gap.clone();
        for word in text.split_whitespace() {
            let hz = 180.0 + 20.0 * (word.chars().count() % 10) as f32;
            let n = frames(self.settings.word_ms);
            samples.extend((0..n).map(|i| {
                let envelope = (std::f32::consts::PI * i as f32 / n as f32).sin();
                let phase = std::f32::consts::TAU * hz * i as f32 / rate as f32;
                (phase.sin() * envelope * 12_000.0) as i16
            }));
            samples.extend_from_slice(&gap);
        }
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = Cursor::new(Vec::with_capacity(44 + samples.len() * 2));
        // Writing to memory cannot fail.
        if let Ok(mut writer) = hound::WavWriter::new(&mut cursor, spec) {
            for s in samples {
                let _ = writer.write_sample(s);
            }
            let _ = writer.finalize();
        }
        cursor.into_inner()
    }
}

#[async_trait]
impl Synthesizer for Tone {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A local engine bills nothing.
    fn billed_chars(&self, _: &SynthRequest<'_>) -> usize {
        0
    }

    /// A tone per word, whatever its length: no pace to judge.
    fn fastest_letters_per_second(&self) -> Option<f64> {
        None
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::to_value(&self.settings).unwrap_or_default()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        Ok(SpeechAudio { bytes: self.render(request.text), format: AudioFormat::Wav })
    }

    /// The tone of word `i` starts `gap + i × (word + gap)` into the audio: exactly, to the
    /// sample, as [`Tone::render`] lays it out.
    async fn synthesize_marked(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        let audio = self.synthesize(request).await?;
        let rate = u64::from(self.settings.sample_rate);
        let frames = |ms: u32| u64::from(ms) * rate / 1000;
        let (word, gap) = (frames(self.settings.word_ms), frames(self.settings.gap_ms));
        #[allow(clippy::cast_precision_loss)]
        let seconds = |f: u64| f as f64 / rate as f64;
        let marks = (0..request.text.split_whitespace().count() as u64)
            .map(|i| {
                let start = gap + i * (word + gap);
                WordMark { start: seconds(start), end: seconds(start + word) }
            })
            .collect();
        Ok((audio, Some(marks)))
    }
}

//! Levelling a narration that is played while it is still being assembled.
//!
//! The finished file is normalised once its whole loudness is known ([`super::Assembled`]);
//! a live stream cannot wait for that. But every chunk has already been brought to the
//! loudness target by level matching and compressed ([`super::Assembler::push`]), so the
//! final gain is close to 1 and what is left to decide is small. [`LiveLevel`] applies, to
//! each piece as it comes, the gain the finished file would get if the narration ended
//! with that piece: the target over the integrated loudness (EBU R128, gated) of everything
//! so far, this piece included, plus the same allowance for what MP3 encoding takes away.
//! The gain converges on the final file's as the narration goes on, and changes only
//! between pieces, which start in a pause. The same true-peak limiter as the final render
//! holds peaks under the ceiling, less the same MP3 headroom.

use ebur128::{EbuR128, Mode};

use super::loudness::db_to_gain;
use super::{AudioConfig, AudioError, Limiter};
use crate::model::SampleRate;

/// The most the live gain moves away from 1, in dB: chunks arrive level-matched, so more
/// than this means too little has been heard to measure (a short headline) or silence.
const MAX_LIVE_DB: f64 = 6.0;

/// Loudness normalisation and true-peak limiting for a narration played as it is made.
pub struct LiveLevel {
    meter: EbuR128,
    target: f64,
    limiter: Limiter,
    gain: f32,
}

impl LiveLevel {
    /// Levelling to `[audio] loudness_target_lufs` + `offset_db` under
    /// `true_peak_ceiling_db` − `headroom_db`, at `rate`.
    ///
    /// # Errors
    ///
    /// The loudness meter cannot be made for this rate.
    pub fn new(
        config: &AudioConfig,
        rate: SampleRate,
        offset_db: f64,
        headroom_db: f64,
    ) -> Result<LiveLevel, AudioError> {
        let meter = EbuR128::new(1, rate.0, Mode::I)
            .map_err(|e| AudioError::Spool(std::io::Error::other(e.to_string())))?;
        Ok(LiveLevel {
            meter,
            target: config.loudness_target_lufs + offset_db,
            limiter: Limiter::new(rate, config.true_peak_ceiling_db - headroom_db),
            gain: 1.0,
        })
    }

    /// Level the next piece of the narration; what is ready is appended to `out` (the
    /// limiter holds back its few milliseconds of look-ahead until the next piece or
    /// [`LiveLevel::finish`]).
    pub fn process(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        if self.meter.add_frames_f32(samples).is_ok()
            && let Ok(loudness) = self.meter.loudness_global()
            && loudness.is_finite()
        {
            self.gain = db_to_gain((self.target - loudness).clamp(-MAX_LIVE_DB, MAX_LIVE_DB));
        }
        let gained: Vec<f32> = samples.iter().map(|s| s * self.gain).collect();
        self.limiter.process(&gained, out);
    }

    /// Whatever the limiter still holds.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        self.limiter.finish(out);
    }

    /// The gain applied to the last piece, linear.
    #[must_use]
    pub fn gain(&self) -> f32 {
        self.gain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::loudness::integrated;

    #[allow(clippy::cast_precision_loss)]
    fn tone(amplitude: f32, seconds: f32) -> Vec<f32> {
        (0..(24_000.0 * seconds) as usize)
            .map(|i| amplitude * (i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin())
            .collect()
    }

    #[test]
    fn pieces_levelled_as_they_come_land_on_the_target_and_keep_their_length() {
        let rate = SampleRate(24_000);
        let config = AudioConfig::default();
        let mut level = LiveLevel::new(&config, rate, 0.0, 1.0).unwrap();
        let mut out = Vec::new();
        let mut fed = 0;
        for amplitude in [0.2, 0.25, 0.18, 0.22] {
            let mut piece = vec![0.0; 6_000];
            piece.extend(tone(amplitude, 2.0));
            fed += piece.len();
            level.process(&piece, &mut out);
        }
        level.finish(&mut out);
        assert_eq!(out.len(), fed);
        let reached = integrated(&out, rate).unwrap();
        assert!((reached - config.loudness_target_lufs).abs() < 1.0, "{reached:.2} LUFS");
    }
}

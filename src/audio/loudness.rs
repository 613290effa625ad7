//! Loudness: matching chunks to one level, and normalising the whole narration to a target
//! integrated loudness (EBU R128 / BS.1770, via `ebur128`) under a true-peak ceiling.

use ebur128::{EbuR128, Mode};

use crate::model::SampleRate;

/// The most a chunk is raised or lowered to match its neighbours, in dB. More than this
/// means the chunk is mostly silence or noise, and matching would only amplify that.
const MAX_MATCH_DB: f64 = 15.0;

/// The linear gain that brings a chunk's integrated loudness to `target` LUFS, or 1 when the
/// chunk is too short (under 400 ms) or too quiet to measure.
#[must_use]
pub fn match_gain(samples: &[f32], rate: SampleRate, target: f64) -> f32 {
    let Some(loudness) = integrated(samples, rate) else { return 1.0 };
    db_to_gain((target - loudness).clamp(-MAX_MATCH_DB, MAX_MATCH_DB))
}

/// Integrated loudness in LUFS, if measurable.
#[must_use]
pub fn integrated(samples: &[f32], rate: SampleRate) -> Option<f64> {
    let mut meter = EbuR128::new(1, rate.0, Mode::I).ok()?;
    meter.add_frames_f32(samples).ok()?;
    meter.loudness_global().ok().filter(|l| l.is_finite())
}

/// The true peak of `samples` in dBTP (4× oversampled, as BS.1770 and ffmpeg measure it).
#[must_use]
pub fn true_peak_db(samples: &[f32], _rate: SampleRate) -> f64 {
    let mut meter = super::meter::TruePeak::new();
    let peak = samples.chunks(4096).map(|block| meter.block(block)).fold(0f32, f32::max);
    20.0 * f64::from(peak).log10()
}

/// A linear gain from decibels.
#[must_use]
#[allow(clippy::cast_possible_truncation)]
pub fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn tone(amplitude: f32, seconds: f32) -> Vec<f32> {
        (0..(24_000.0 * seconds) as usize)
            .map(|i| amplitude * (i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin())
            .collect()
    }

    #[test]
    fn a_quiet_and_a_loud_chunk_are_matched_to_the_same_level() {
        let rate = SampleRate(24_000);
        for amplitude in [0.05, 0.8] {
            let mut t = tone(amplitude, 2.0);
            let g = match_gain(&t, rate, -20.0);
            t.iter_mut().for_each(|s| *s *= g);
            assert!((integrated(&t, rate).unwrap() + 20.0).abs() < 0.1);
        }
    }

    #[test]
    fn a_chunk_too_short_to_measure_is_left_alone() {
        assert_eq!(match_gain(&tone(0.5, 0.2), SampleRate(24_000), -20.0), 1.0);
    }
}

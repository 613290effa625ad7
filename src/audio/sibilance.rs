//! How prominent a voice's sibilants are: the level of its loud sibilant frames relative to
//! its loud vowel frames. A measurement for tests and benchmarks, so a change to the
//! loudness chain can show it does not make "s" and "sh" stick out.

use biquad::{Biquad, Coefficients, DirectForm2Transposed, Hertz, Type};

use crate::model::SampleRate;

/// Frames of 20 ms.
const FRAME_MS: u64 = 20;
/// A frame is sibilant when at least this share of its energy lies in 4–10 kHz, and a vowel
/// when at least `VOWEL_SHARE` lies in 100–1500 Hz.
const SIBILANT_SHARE: f64 = 0.5;
const VOWEL_SHARE: f64 = 0.7;
/// "Loud" frames: the level this percentile of each class reaches.
const PERCENTILE: f64 = 0.9;
/// Frames quieter than this (dBFS) are pauses and count in neither class.
const FLOOR_DB: f64 = -70.0;

/// A band-pass of two 2nd-order Butterworth sections (high-pass at `low`, low-pass at
/// `high`), both applied twice: 4th order on each side.
struct Band(Vec<DirectForm2Transposed<f64>>);

impl Band {
    fn new(rate: SampleRate, low: f64, high: f64) -> Band {
        let fs = f64::from(rate.0);
        let high = high.min(fs * 0.45);
        let section = |kind, hz: f64| {
            let c = Hertz::<f64>::from_hz(fs)
                .and_then(|fs| {
                    Coefficients::from_params(
                        kind,
                        fs,
                        Hertz::from_hz(hz)?,
                        biquad::Q_BUTTERWORTH_F64,
                    )
                })
                .unwrap_or(Coefficients { a1: 0.0, a2: 0.0, b0: 1.0, b1: 0.0, b2: 0.0 });
            DirectForm2Transposed::<f64>::new(c)
        };
        Band(vec![
            section(Type::HighPass, low),
            section(Type::HighPass, low),
            section(Type::LowPass, high),
            section(Type::LowPass, high),
        ])
    }

    fn run(&mut self, x: f64) -> f64 {
        self.0.iter_mut().fold(x, |v, s| s.run(v))
    }
}

/// What [`measure`] found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sibilance {
    /// Loud sibilant frames relative to loud vowel frames, in dB (negative: sibilants are
    /// quieter, as they should be).
    pub relative_db: f64,
    /// Frames counted as sibilant.
    pub sibilant_frames: usize,
    /// Frames counted as vowels.
    pub vowel_frames: usize,
}

/// Measure the sibilance of mono `samples`; `None` when there are too few sibilant or vowel
/// frames (under 20 of either) to say.
#[must_use]
pub fn measure(samples: &[f32], rate: SampleRate) -> Option<Sibilance> {
    let frame = rate.frames_in_ms(FRAME_MS).as_usize().max(1);
    let mut hiss = Band::new(rate, 4_000.0, 10_000.0);
    let mut voiced = Band::new(rate, 100.0, 1_500.0);
    let (mut sibilants, mut vowels) = (Vec::new(), Vec::new());
    for block in samples.chunks_exact(frame) {
        let (mut all, mut high, mut low) = (0.0, 0.0, 0.0);
        for &s in block {
            let x = f64::from(s);
            all += x * x;
            high += hiss.run(x).powi(2);
            low += voiced.run(x).powi(2);
        }
        #[allow(clippy::cast_precision_loss)]
        let level = 10.0 * (all / block.len() as f64).max(1e-20).log10();
        if level < FLOOR_DB {
            continue;
        }
        if high >= SIBILANT_SHARE * all {
            sibilants.push(level);
        } else if low >= VOWEL_SHARE * all {
            vowels.push(level);
        }
    }
    if sibilants.len() < 20 || vowels.len() < 20 {
        return None;
    }
    Some(Sibilance {
        relative_db: percentile(&mut sibilants) - percentile(&mut vowels),
        sibilant_frames: sibilants.len(),
        vowel_frames: vowels.len(),
    })
}

fn percentile(levels: &mut [f64]) -> f64 {
    levels.sort_by(f64::total_cmp);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let index = ((levels.len() - 1) as f64 * PERCENTILE).round() as usize;
    levels[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alternating "vowels" (a 200 Hz buzz with harmonics) and "sibilants" (noise above
    /// 4 kHz) at chosen levels.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    fn syllables(vowel: f64, sibilant: f64) -> Vec<f32> {
        let rate = 24_000;
        let mut rng = fastrand::Rng::with_seed(7);
        let mut hiss = Band::new(SampleRate(rate), 4_500.0, 9_000.0);
        let mut out = Vec::new();
        for _ in 0..40 {
            for i in 0..rate as usize / 5 {
                let t = i as f64 / f64::from(rate);
                let buzz: f64 =
                    (1..6).map(|h| (t * 200.0 * f64::from(h) * std::f64::consts::TAU).sin()).sum();
                out.push((vowel * buzz / 3.0) as f32);
            }
            for _ in 0..rate as usize / 10 {
                out.push((sibilant * 4.0 * hiss.run(rng.f64() * 2.0 - 1.0)) as f32);
            }
        }
        out
    }

    #[test]
    fn louder_sibilants_measure_as_more_prominent() {
        let rate = SampleRate(24_000);
        let soft = measure(&syllables(0.3, 0.05), rate).unwrap();
        let harsh = measure(&syllables(0.3, 0.15), rate).unwrap();
        assert!(soft.sibilant_frames >= 100 && soft.vowel_frames >= 200, "{soft:?}");
        let difference = harsh.relative_db - soft.relative_db;
        assert!((difference - 9.5).abs() < 1.0, "{soft:?} vs {harsh:?}");
    }

    #[test]
    fn a_steady_tone_has_no_sibilance_to_measure() {
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        let tone: Vec<f32> = (0..48_000).map(|i| (0.3 * (i as f64 * 0.05).sin()) as f32).collect();
        assert_eq!(measure(&tone, SampleRate(24_000)), None);
    }
}

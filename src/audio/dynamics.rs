//! The voice chain every chunk goes through before it is stitched: a high-pass, a phase
//! rotator and a gentle compressor. Together they bring a voice's peaks close enough to its
//! loudness that the true-peak limiter at the end only trims the odd peak, instead of
//! pulling whole vowels down (which, once loudness is made up, leaves sibilants sticking
//! out). Filters are RBJ biquads from the `biquad` crate; all times are sample counts.

use biquad::{Biquad, Coefficients, DirectForm2Transposed, Hertz, Q_BUTTERWORTH_F64, Type};

use crate::model::SampleRate;

/// Centres of the phase rotator's all-pass sections, in hertz, and their Q. Voiced speech
/// is lopsided: the glottal pulse makes one polarity peak far above the other. Shifting
/// the phase of the low harmonics against the rest makes the waveform more symmetric,
/// which lowers its peaks by 1 to 4 dB (measured on Piper, espeak-ng and Flite) without
/// changing its spectrum: the broadcast "phase rotator".
const ROTATOR_HZ: [f64; 3] = [120.0, 240.0, 480.0];
const ROTATOR_Q: f64 = 1.5;

/// The compressor's detector hears the voice through a high shelf, so that a sibilant is
/// compressed as much as a vowel of the same loudness. Compressing on the plain signal
/// squeezes the loud vowels and leaves the quieter sibilants alone, which makes them more
/// prominent by several dB; with this emphasis the chain leaves their balance as it was.
const SIDECHAIN_SHELF_HZ: f64 = 3_000.0;
const SIDECHAIN_SHELF_DB: f64 = 14.0;
/// Soft knee width, dB.
const KNEE_DB: f64 = 6.0;
/// Attack, release and look-ahead, in microseconds: fast enough to catch a syllable's first
/// peak, slow enough (release well above a pitch period) not to distort.
const ATTACK_US: u64 = 500;
const RELEASE_US: u64 = 30_000;
const LOOKAHEAD_US: u64 = 2_000;

fn biquad(kind: Type<f64>, rate: SampleRate, hz: f64, q: f64) -> DirectForm2Transposed<f64> {
    let fs = f64::from(rate.0);
    // Below Nyquist whatever the rate; the constructor only fails above it.
    let hz = hz.min(fs * 0.45);
    let coefficients = Hertz::<f64>::from_hz(fs)
        .and_then(|fs| Coefficients::from_params(kind, fs, Hertz::from_hz(hz)?, q))
        .unwrap_or(Coefficients { a1: 0.0, a2: 0.0, b0: 1.0, b1: 0.0, b2: 0.0 });
    DirectForm2Transposed::<f64>::new(coefficients)
}

/// The filters: a 2nd-order Butterworth high-pass and the phase rotator.
#[derive(Clone, Debug)]
pub(super) struct Filters {
    stages: Vec<DirectForm2Transposed<f64>>,
}

impl Filters {
    /// A high-pass at `highpass_hz` (none at 0) and, if asked, the phase rotator.
    pub(super) fn new(rate: SampleRate, highpass_hz: f64, phase_rotation: bool) -> Filters {
        let mut stages = Vec::new();
        if highpass_hz > 0.0 {
            stages.push(biquad(Type::HighPass, rate, highpass_hz, Q_BUTTERWORTH_F64));
        }
        if phase_rotation {
            stages.extend(ROTATOR_HZ.iter().map(|&hz| biquad(Type::AllPass, rate, hz, ROTATOR_Q)));
        }
        Filters { stages }
    }

    /// Filter one chunk, starting from rest (chunks are separated by silence).
    pub(super) fn process(&self, samples: &mut [f32]) {
        if self.stages.is_empty() {
            return;
        }
        let mut stages = self.stages.clone();
        stages.iter_mut().for_each(Biquad::reset_state);
        for s in samples {
            #[allow(clippy::cast_possible_truncation)]
            {
                *s = stages.iter_mut().fold(f64::from(*s), |x, stage| stage.run(x)) as f32;
            }
        }
    }
}

/// A feed-forward compressor with a soft knee, a peak detector on a pre-emphasised
/// side-chain, and a short look-ahead.
#[derive(Clone, Debug)]
pub(super) struct Compressor {
    threshold_db: f64,
    ratio: f64,
    attack: f64,
    release: f64,
    lookahead: usize,
    sidechain: DirectForm2Transposed<f64>,
}

impl Compressor {
    /// Compress above `threshold_db` (dBFS, peak) by `ratio`.
    pub(super) fn new(rate: SampleRate, threshold_db: f64, ratio: f64) -> Compressor {
        let per_sample = |us: u64| {
            #[allow(clippy::cast_precision_loss)]
            let samples = (us as f64 * f64::from(rate.0) / 1e6).max(1.0);
            (-1.0 / samples).exp()
        };
        let lookahead = usize::try_from(u64::from(rate.0) * LOOKAHEAD_US / 1_000_000).unwrap_or(0);
        Compressor {
            threshold_db,
            ratio: ratio.max(1.0),
            attack: per_sample(ATTACK_US),
            release: per_sample(RELEASE_US),
            lookahead,
            sidechain: biquad(
                Type::HighShelf(SIDECHAIN_SHELF_DB),
                rate,
                SIDECHAIN_SHELF_HZ,
                Q_BUTTERWORTH_F64,
            ),
        }
    }

    /// The gain reduction (dB) the static curve asks for at a detector level (dBFS).
    fn curve(&self, level_db: f64) -> f64 {
        let over = level_db - self.threshold_db;
        let slope = 1.0 - 1.0 / self.ratio;
        if over <= -KNEE_DB / 2.0 {
            0.0
        } else if over >= KNEE_DB / 2.0 {
            over * slope
        } else {
            slope * (over + KNEE_DB / 2.0).powi(2) / (2.0 * KNEE_DB)
        }
    }

    /// Compress one chunk in place, starting from rest; returns the deepest gain reduction
    /// in dB.
    pub(super) fn process(&self, samples: &mut [f32]) -> f64 {
        if self.ratio <= 1.0 || samples.is_empty() {
            return 0.0;
        }
        let mut sidechain = self.sidechain;
        sidechain.reset_state();
        let wanted: Vec<f64> = samples
            .iter()
            .map(|&s| {
                let level = sidechain.run(f64::from(s)).abs().max(1e-9);
                self.curve(20.0 * level.log10())
            })
            .collect();
        let (mut reduction, mut deepest) = (0.0f64, 0.0f64);
        for (i, s) in samples.iter_mut().enumerate() {
            // The gain moves toward what the detector asks for `lookahead` samples later,
            // so it is already falling when a peak arrives.
            let target = wanted.get(i + self.lookahead).copied().unwrap_or(0.0);
            let coefficient = if target > reduction { self.attack } else { self.release };
            reduction = coefficient * reduction + (1.0 - coefficient) * target;
            deepest = deepest.max(reduction);
            #[allow(clippy::cast_possible_truncation)]
            {
                *s *= 10f64.powf(-reduction / 20.0) as f32;
            }
        }
        deepest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn tone(hz: f64, amplitude: f64, rate: u32, ms: usize) -> Vec<f32> {
        let n = rate as usize * ms / 1000;
        #[allow(clippy::cast_possible_truncation)]
        (0..n)
            .map(|i| {
                (amplitude * (i as f64 * hz * std::f64::consts::TAU / f64::from(rate)).sin()) as f32
            })
            .collect()
    }

    fn rms(x: &[f32]) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        (x.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn the_high_pass_removes_rumble_and_keeps_the_voice() {
        let rate = SampleRate(24_000);
        let filters = Filters::new(rate, 75.0, false);
        let mut rumble = tone(30.0, 0.5, 24_000, 1000);
        let mut voice = tone(300.0, 0.5, 24_000, 1000);
        filters.process(&mut rumble);
        filters.process(&mut voice);
        let db = |after: &[f32]| 20.0 * (rms(&after[12_000..]) / (0.5 / 2f64.sqrt())).log10();
        assert!(db(&rumble) < -12.0, "30 Hz: {:.1} dB", db(&rumble));
        assert!(db(&voice).abs() < 0.3, "300 Hz: {:.1} dB", db(&voice));
    }

    #[test]
    fn the_phase_rotator_keeps_the_level_of_every_frequency() {
        let rate = SampleRate(24_000);
        let filters = Filters::new(rate, 0.0, true);
        for hz in [100.0, 240.0, 1_000.0, 6_000.0] {
            let mut x = tone(hz, 0.5, 24_000, 1000);
            let before = rms(&x[12_000..]);
            filters.process(&mut x);
            let change = 20.0 * (rms(&x[12_000..]) / before).log10();
            assert!(change.abs() < 0.05, "{hz} Hz: {change:.2} dB");
        }
    }

    #[test]
    fn the_compressor_leaves_quiet_audio_alone_and_reduces_loud_audio_by_its_ratio() {
        let rate = SampleRate(24_000);
        let compressor = Compressor::new(rate, -20.0, 3.0);
        let mut quiet = tone(200.0, 0.01, 24_000, 500);
        let original = quiet.clone();
        assert!(compressor.process(&mut quiet) < 1e-6);
        assert_eq!(quiet, original);
        // A 200 Hz tone peaking at -2 dBFS: 18 dB over, 12 dB of reduction at 3:1.
        let mut loud = tone(200.0, 0.794, 24_000, 1000);
        let deepest = compressor.process(&mut loud);
        let peak = loud[12_000..].iter().fold(0f32, |m, s| m.max(s.abs()));
        let peak_db = 20.0 * f64::from(peak).log10();
        assert!((deepest - 12.0).abs() < 0.5, "reduction {deepest:.2} dB");
        // The level detector ripples with a 200 Hz waveform, so the settled gain breathes a
        // little above its deepest point: the peak lands within a dB of the ideal.
        assert!((peak_db - (-14.0)).abs() < 1.0, "peak {peak_db:.2} dBFS");
    }
}

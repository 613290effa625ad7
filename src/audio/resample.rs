//! Sample-rate conversion with rubato's FFT resampler (fixed ratio, high quality).

use std::collections::HashMap;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

use crate::model::SampleRate;

/// Converts mono audio to one output rate, keeping one resampler per input rate (building
/// one plans FFTs, which costs more than resampling a short chunk).
pub struct Resampler {
    to: SampleRate,
    by_rate: HashMap<u32, Fft<f32>>,
}

impl Resampler {
    /// A resampler to `to`.
    #[must_use]
    pub fn new(to: SampleRate) -> Resampler {
        Resampler { to, by_rate: HashMap::new() }
    }

    /// `samples` at `from`, converted to the output rate. The result has
    /// `ceil(len × to / from)` samples and no added delay.
    ///
    /// # Errors
    ///
    /// rubato's message if it cannot resample between these rates.
    pub fn process(&mut self, samples: &[f32], from: SampleRate) -> Result<Vec<f32>, String> {
        if from == self.to || samples.is_empty() {
            return Ok(samples.to_vec());
        }
        let resampler = match self.by_rate.entry(from.0) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let fft =
                    Fft::<f32>::new(from.0 as usize, self.to.0 as usize, 1024, 1, FixedSync::Input)
                        .map_err(|err| {
                            format!("cannot resample {} Hz to {} Hz: {err}", from.0, self.to.0)
                        })?;
                e.insert(fft)
            }
        };
        let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| e.to_string())?;
        let output =
            resampler.process_all(&input, samples.len(), None).map_err(|e| e.to_string())?;
        Ok(output.take_data())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn tone(rate: u32, hz: f32, seconds: f32) -> Vec<f32> {
        let n = (rate as f32 * seconds) as usize;
        (0..n)
            .map(|i| (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin() * 0.5)
            .collect()
    }

    #[test]
    fn resampling_keeps_duration_and_level() {
        let mut r = Resampler::new(SampleRate(24_000));
        let out = r.process(&tone(22_050, 440.0, 1.0), SampleRate(22_050)).unwrap();
        assert!((out.len() as i64 - 24_000).abs() <= 1, "{}", out.len());
        let peak = out[1000..23_000].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((peak - 0.5).abs() < 0.01, "{peak}");
    }

    #[test]
    fn same_rate_passes_through() {
        let mut r = Resampler::new(SampleRate(24_000));
        assert_eq!(r.process(&[0.1, 0.2], SampleRate(24_000)).unwrap(), [0.1, 0.2]);
    }

    /// THD+N in dB of `x` against the best-fitting sine at `hz`, and the frequency measured
    /// from interpolated zero crossings.
    #[allow(clippy::cast_precision_loss)]
    fn analyse(x: &[f32], rate: u32, hz: f64) -> (f64, f64) {
        let w = std::f64::consts::TAU * hz / f64::from(rate);
        // Least squares for a·sin + b·cos (the columns are near-orthogonal over many cycles).
        let (mut ss, mut cc, mut sc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let (s, c) = (w * i as f64).sin_cos();
            let v = f64::from(*v);
            ss += s * s;
            cc += c * c;
            sc += s * c;
            xs += v * s;
            xc += v * c;
        }
        let det = ss * cc - sc * sc;
        let a = (xs * cc - xc * sc) / det;
        let b = (xc * ss - xs * sc) / det;
        let (mut signal, mut residual) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let (s, c) = (w * i as f64).sin_cos();
            let fit = a * s + b * c;
            signal += fit * fit;
            residual += (f64::from(*v) - fit).powi(2);
        }
        let crossings: Vec<f64> = x
            .windows(2)
            .enumerate()
            .filter(|(_, p)| p[0] < 0.0 && p[1] >= 0.0)
            .map(|(i, p)| i as f64 + f64::from(-p[0] / (p[1] - p[0])))
            .collect();
        let periods = (crossings.len() - 1) as f64;
        let measured = f64::from(rate) * periods / (crossings[crossings.len() - 1] - crossings[0]);
        (10.0 * (residual / signal).log10(), measured)
    }

    #[test]
    fn a_1khz_tone_keeps_its_frequency_and_stays_clean_through_every_common_conversion() {
        for (from, to) in [(16_000, 24_000), (22_050, 44_100), (24_000, 48_000), (22_050, 24_000)] {
            let mut r = Resampler::new(SampleRate(to));
            let out = r.process(&tone(from, 1000.0, 2.0), SampleRate(from)).unwrap();
            // Judge the steady state, away from the edges of the clip.
            let middle = &out[out.len() / 10..out.len() * 9 / 10];
            let (thd_n, hz) = analyse(middle, to, 1000.0);
            eprintln!("{from} -> {to} Hz: THD+N {thd_n:.1} dB, {hz:.4} Hz");
            assert!(thd_n < -60.0, "{from} -> {to}: THD+N {thd_n:.1} dB");
            assert!((hz - 1000.0).abs() < 0.05, "{from} -> {to}: {hz:.3} Hz");
        }
    }
}

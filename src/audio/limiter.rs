//! A look-ahead true-peak limiter.
//!
//! No maintained crate offers one, so this is ours, built on `ebur128`'s true-peak meter
//! (4× oversampling, as BS.1770 specifies). Audio is handled in 1 ms blocks: each block's
//! true peak gives the gain it needs; a minimum over the next `LOOKAHEAD` blocks followed by
//! a moving average of the same length makes the gain fall smoothly *before* a peak and
//! never exceed what any peak needs; it then recovers with an exponential release. Output
//! lags input by `LOOKAHEAD + 2` blocks and is exactly as long.

use std::collections::VecDeque;

use ebur128::{EbuR128, Mode};

use crate::model::SampleRate;

/// Blocks the gain looks ahead (and ramps over): 5 ms.
const LOOKAHEAD: usize = 5;
/// Release time constant in blocks (ms).
const RELEASE_MS: f32 = 80.0;

/// Streams mono audio through a true-peak limiter.
pub struct Limiter {
    meter: EbuR128,
    block: usize,
    ceiling: f32,
    release: f32,
    partial: Vec<f32>,
    /// Blocks measured but not yet emitted.
    blocks: VecDeque<Vec<f32>>,
    /// True peaks from the block before the next to emit, onward.
    peaks: VecDeque<f32>,
    /// The last `LOOKAHEAD` look-ahead minima, for the moving average.
    minima: VecDeque<f32>,
    gain: f32,
    started: bool,
    reduced_blocks: u64,
}

impl Limiter {
    /// A limiter holding true peaks at or below `ceiling_db` dBTP.
    ///
    /// # Errors
    ///
    /// When the meter cannot run at `rate`.
    pub fn new(rate: SampleRate, ceiling_db: f64) -> Result<Limiter, String> {
        let meter = EbuR128::new(1, rate.0, Mode::TRUE_PEAK).map_err(|e| e.to_string())?;
        #[allow(clippy::cast_possible_truncation)]
        let ceiling = 10f64.powf(ceiling_db / 20.0) as f32;
        let mut peaks = VecDeque::with_capacity(LOOKAHEAD + 4);
        peaks.push_back(0.0);
        Ok(Limiter {
            meter,
            block: (rate.0 as usize / 1000).max(1),
            ceiling,
            release: 1.0 - (-1.0 / RELEASE_MS).exp(),
            partial: Vec::new(),
            blocks: VecDeque::new(),
            peaks,
            minima: std::iter::repeat_n(1.0, LOOKAHEAD).collect(),
            gain: 1.0,
            started: false,
            reduced_blocks: 0,
        })
    }

    /// Feed samples; limited samples that are ready are appended to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let mut rest = input;
        while !rest.is_empty() {
            let take = (self.block - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() == self.block {
                let block = std::mem::replace(&mut self.partial, Vec::with_capacity(self.block));
                self.measure(block);
                self.emit(out);
            }
        }
    }

    /// Flush everything still held; after this the output is as long as the input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if !self.partial.is_empty() {
            let block = std::mem::take(&mut self.partial);
            self.measure(block);
        }
        while !self.blocks.is_empty() {
            self.peaks.push_back(0.0);
            self.emit(out);
        }
    }

    /// How many milliseconds the limiter reduced gain for.
    #[must_use]
    pub fn reduced_ms(&self) -> u64 {
        self.reduced_blocks
    }

    fn measure(&mut self, block: Vec<f32>) {
        // A meter error here would mean a bug in the block size; treat the block as silent.
        let peak = match self.meter.add_frames_f32(&block) {
            Ok(()) => self.meter.prev_true_peak(0).unwrap_or(0.0),
            Err(_) => 0.0,
        };
        #[allow(clippy::cast_possible_truncation)]
        let peak = (peak as f32).max(block.iter().fold(0.0, |m, s| m.max(s.abs())));
        self.peaks.push_back(peak);
        self.blocks.push_back(block);
    }

    fn emit(&mut self, out: &mut Vec<f32>) {
        while !self.blocks.is_empty() && self.peaks.len() >= LOOKAHEAD + 3 {
            // The meter's interpolator lags a few samples, so a peak may be reported in the
            // next block: each block is held to the worst of itself and its neighbours.
            let needed = |j: usize| {
                let peak = self.peaks[j].max(self.peaks[j + 1]).max(self.peaks[j + 2]);
                if peak > self.ceiling { self.ceiling / peak } else { 1.0 }
            };
            let minimum = (0..=LOOKAHEAD).map(needed).fold(1.0f32, f32::min);
            if !self.started {
                // Nothing came before the first block to ramp over: start at its gain.
                self.started = true;
                self.minima.iter_mut().for_each(|m| *m = minimum);
                self.gain = minimum;
            }
            self.minima.pop_front();
            self.minima.push_back(minimum);
            #[allow(clippy::cast_precision_loss)]
            let smoothed = self.minima.iter().sum::<f32>() / LOOKAHEAD as f32;
            let released = self.gain + (1.0 - self.gain) * self.release;
            let target = smoothed.min(released);
            let Some(mut block) = self.blocks.pop_front() else { break };
            #[allow(clippy::cast_precision_loss)]
            let n = block.len() as f32;
            for (i, s) in block.iter_mut().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let g = self.gain + (target - self.gain) * ((i + 1) as f32 / n);
                *s = (*s * g).clamp(-self.ceiling, self.ceiling);
            }
            if target < 0.999 {
                self.reduced_blocks += 1;
            }
            self.gain = target;
            self.peaks.pop_front();
            out.extend_from_slice(&block);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::cast_precision_loss)]
    fn bursts(rate: u32) -> Vec<f32> {
        // Quiet speech-like tone with loud 50 ms bursts every 300 ms.
        (0..rate as usize * 2)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let loud = (i % (rate as usize * 3 / 10)) < rate as usize / 20;
                let amp = if loud { 1.4 } else { 0.2 };
                amp * (t * 2.0 * std::f32::consts::PI * 997.0).sin()
            })
            .collect()
    }

    fn true_peak_db(samples: &[f32], rate: u32) -> f64 {
        let mut m = EbuR128::new(1, rate, Mode::TRUE_PEAK).unwrap();
        m.add_frames_f32(samples).unwrap();
        20.0 * m.true_peak(0).unwrap().log10()
    }

    fn limit(input: &[f32], rate: u32, ceiling: f64, feed: usize) -> Vec<f32> {
        let mut limiter = Limiter::new(SampleRate(rate), ceiling).unwrap();
        let mut out = Vec::new();
        for piece in input.chunks(feed) {
            limiter.process(piece, &mut out);
        }
        limiter.finish(&mut out);
        out
    }

    #[test]
    fn true_peaks_stay_under_the_ceiling_and_length_is_kept() {
        let input = bursts(24_000);
        let out = limit(&input, 24_000, -1.0, 777);
        assert_eq!(out.len(), input.len());
        let peak = true_peak_db(&out, 24_000);
        assert!(peak <= -1.0 + 0.05, "true peak {peak:.2} dBTP");
    }

    #[test]
    fn quiet_audio_passes_through_untouched() {
        let input: Vec<f32> = bursts(24_000).iter().map(|s| s * 0.3).collect();
        let out = limit(&input, 24_000, -1.0, 4096);
        assert_eq!(out, input);
    }

    #[test]
    fn the_gain_falls_before_a_peak_not_after_it() {
        let rate = 24_000;
        let mut input = vec![0.5f32; rate as usize / 10];
        input.extend(vec![2.0f32; 240]);
        input.extend(vec![0.5f32; rate as usize / 10]);
        let out = limit(&input, rate, -1.0, 100);
        let onset = rate as usize / 10;
        assert!(out[onset - 24] < 0.5 * 0.9, "no look-ahead: {}", out[onset - 24]);
        assert!(out[..onset].iter().all(|s| *s <= 0.5 + 1e-6));
    }
}

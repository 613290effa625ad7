//! A look-ahead true-peak limiter.
//!
//! No maintained crate offers one, so this is ours. Audio is handled in 1 ms blocks: each
//! block's true peak (4× oversampled) gives the gain it needs; a minimum over the next
//! `LOOKAHEAD` blocks followed by a moving average of the same length makes the gain fall
//! smoothly *before* a peak and never exceed what any peak needs; it then recovers with an
//! exponential release. [`GainPlanner`] does this from peaks alone, so the same plan can be
//! computed cheaply from recorded measurements or applied to samples by [`Limiter`].

use std::collections::VecDeque;

use super::meter::{Blocks, TruePeak};
use crate::model::SampleRate;

/// Blocks the gain looks ahead (and ramps over): 5 ms.
const LOOKAHEAD: usize = 5;
/// Release time constant in blocks (ms).
const RELEASE_MS: f32 = 80.0;

/// Decides the gain of each block from the true peaks of it and the blocks after it.
/// Decisions lag the peaks by `LOOKAHEAD + 2` blocks.
#[derive(Clone, Debug)]
pub(super) struct GainPlanner {
    ceiling: f32,
    release: f32,
    /// True peaks from the block before the next to decide, onward.
    peaks: VecDeque<f32>,
    /// The last `LOOKAHEAD` look-ahead minima, for the moving average.
    minima: VecDeque<f32>,
    pending: usize,
    gain: f32,
    started: bool,
    reduced_blocks: u64,
    /// The lowest gain decided so far.
    lowest: f32,
}

impl GainPlanner {
    /// A planner holding true peaks at or below `ceiling_db` dBTP.
    pub(super) fn new(ceiling_db: f64) -> GainPlanner {
        #[allow(clippy::cast_possible_truncation)]
        let ceiling = 10f64.powf(ceiling_db / 20.0) as f32;
        let mut peaks = VecDeque::with_capacity(LOOKAHEAD + 4);
        peaks.push_back(0.0);
        GainPlanner {
            ceiling,
            release: 1.0 - (-1.0 / RELEASE_MS).exp(),
            peaks,
            minima: std::iter::repeat_n(1.0, LOOKAHEAD).collect(),
            pending: 0,
            gain: 1.0,
            started: false,
            reduced_blocks: 0,
            lowest: 1.0,
        }
    }

    /// The next block's true peak; appends `(gain at its start, gain at its end)` for every
    /// block that can now be decided, in order.
    pub(super) fn push(&mut self, peak: f32, decided: &mut Vec<(f32, f32)>) {
        self.peaks.push_back(peak);
        self.pending += 1;
        self.decide(decided);
    }

    /// Decide every remaining block.
    pub(super) fn finish(&mut self, decided: &mut Vec<(f32, f32)>) {
        while self.pending > 0 {
            self.peaks.push_back(0.0);
            self.decide(decided);
        }
    }

    /// How many blocks (milliseconds) had their gain reduced.
    pub(super) fn reduced_ms(&self) -> u64 {
        self.reduced_blocks
    }

    /// The most the gain was reduced, in dB (0 when the limiter never acted).
    pub(super) fn max_reduction_db(&self) -> f64 {
        -20.0 * f64::from(self.lowest).log10()
    }

    fn decide(&mut self, decided: &mut Vec<(f32, f32)>) {
        while self.pending > 0 && self.peaks.len() >= LOOKAHEAD + 3 {
            // An interpolated peak near a block edge belongs to both blocks: each block is
            // held to the worst of itself and its neighbours.
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
            if target < 0.999 {
                self.reduced_blocks += 1;
            }
            self.lowest = self.lowest.min(target);
            decided.push((self.gain, target));
            self.gain = target;
            self.peaks.pop_front();
            self.pending -= 1;
        }
    }

    /// The ceiling, linear.
    pub(super) fn ceiling(&self) -> f32 {
        self.ceiling
    }
}

/// Apply a block's gain ramp (from `start` at its first sample to `end` at its last) and
/// hold the result under `ceiling`.
pub(super) fn apply(block: &mut [f32], (start, end): (f32, f32), ceiling: f32) {
    #[allow(clippy::cast_precision_loss)]
    let n = block.len() as f32;
    for (i, s) in block.iter_mut().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let g = start + (end - start) * ((i + 1) as f32 / n);
        *s = (*s * g).clamp(-ceiling, ceiling);
    }
}

/// Streams mono audio through the limiter, measuring as it goes. Output lags input by
/// `LOOKAHEAD + 2` ms and is exactly as long.
pub struct Limiter {
    blocks: Blocks,
    peak: TruePeak,
    planner: GainPlanner,
    partial: Vec<f32>,
    held: VecDeque<Vec<f32>>,
    decided: Vec<(f32, f32)>,
}

impl Limiter {
    /// A limiter holding true peaks at or below `ceiling_db` dBTP.
    #[must_use]
    pub fn new(rate: SampleRate, ceiling_db: f64) -> Limiter {
        Limiter {
            blocks: Blocks::new(rate),
            peak: TruePeak::new(),
            planner: GainPlanner::new(ceiling_db),
            partial: Vec::new(),
            held: VecDeque::new(),
            decided: Vec::new(),
        }
    }

    /// Feed samples; limited samples that are ready are appended to `out`.
    pub fn process(&mut self, mut input: &[f32], out: &mut Vec<f32>) {
        while !input.is_empty() {
            let block = self.blocks.current();
            let take = (block - self.partial.len()).min(input.len());
            self.partial.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.partial.len() == block {
                self.blocks.advance();
                let full = std::mem::take(&mut self.partial);
                let peak = self.peak.block(&full);
                self.held.push_back(full);
                self.planner.push(peak, &mut self.decided);
                self.release(out);
            }
        }
    }

    /// Flush everything still held; after this the output is as long as the input.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            let peak = self.peak.block(&last);
            self.held.push_back(last);
            self.planner.push(peak, &mut self.decided);
        }
        self.planner.finish(&mut self.decided);
        self.release(out);
    }

    /// How many milliseconds the limiter reduced gain for.
    #[must_use]
    pub fn reduced_ms(&self) -> u64 {
        self.planner.reduced_ms()
    }

    /// The most the limiter reduced the gain, in dB.
    #[must_use]
    pub fn max_reduction_db(&self) -> f64 {
        self.planner.max_reduction_db()
    }

    fn release(&mut self, out: &mut Vec<f32>) {
        let ceiling = self.planner.ceiling();
        for ramp in self.decided.drain(..) {
            if let Some(mut block) = self.held.pop_front() {
                apply(&mut block, ramp, ceiling);
                out.extend_from_slice(&block);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebur128::{EbuR128, Mode};

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
        let mut limiter = Limiter::new(SampleRate(rate), ceiling);
        let mut out = Vec::new();
        for piece in input.chunks(feed) {
            limiter.process(piece, &mut out);
        }
        limiter.finish(&mut out);
        out
    }

    #[test]
    fn true_peaks_stay_under_the_ceiling_and_length_is_kept() {
        for rate in [24_000, 44_100] {
            let input = bursts(rate);
            let out = limit(&input, rate, -1.0, 777);
            assert_eq!(out.len(), input.len());
            let peak = true_peak_db(&out, rate);
            assert!(peak <= -1.0 + 0.05, "{rate} Hz: true peak {peak:.2} dBTP");
        }
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

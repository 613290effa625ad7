//! Per-millisecond measurement of the narration as it is assembled: true peak (4×
//! oversampled, BS.1770 Annex 2) and K-weighted energy (BS.1770 pre-filter and RLB
//! high-pass). With these recorded once, the loudness the limiter will leave at any gain can
//! be computed without touching the audio again, so normalisation needs one render pass.

use std::f64::consts::PI;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::model::SampleRate;

/// Taps per phase of the 4× interpolator (48 in all, as BS.1770 suggests).
const TAPS: usize = 12;
const PHASES: usize = 4;

/// A 4× polyphase windowed-sinc interpolator that reports the largest interpolated
/// magnitude of each block: the block's true peak.
#[derive(Clone, Debug)]
pub(crate) struct TruePeak {
    phases: [[f32; TAPS]; PHASES],
    history: Vec<f32>,
}

impl TruePeak {
    /// The interpolation filter libebur128 and ffmpeg use (a Hann-windowed sinc over 48
    /// taps), so our peaks agree with the meters the narration will be checked with.
    pub(crate) fn new() -> TruePeak {
        let n = TAPS * PHASES;
        let mut phases = [[0f32; TAPS]; PHASES];
        for j in 0..n {
            let x = j as f64;
            let w = 0.5 * (1.0 - (2.0 * PI * x / n as f64).cos());
            let m = x - n as f64 / 2.0;
            let t = m * PI / PHASES as f64;
            let c = if m.abs() > 1e-6 { w * t.sin() / t } else { w };
            #[allow(clippy::cast_possible_truncation)]
            {
                // Tap `k` of phase `p` pairs with the sample `k` steps back.
                phases[j % PHASES][TAPS - 1 - j / PHASES] = c as f32;
            }
        }
        TruePeak { phases, history: vec![0.0; TAPS - 1] }
    }

    /// The true peak (linear) of `block`, continuing from the blocks before it.
    pub(crate) fn block(&mut self, block: &[f32]) -> f32 {
        self.history.extend_from_slice(block);
        let mut peak = 0f32;
        for window in self.history.windows(TAPS) {
            let window: &[f32; TAPS] = window.try_into().unwrap_or(&[0.0; TAPS]);
            for phase in &self.phases {
                let v: f32 = window.iter().zip(phase).map(|(x, h)| x * h).sum();
                peak = peak.max(v.abs());
            }
        }
        let keep = self.history.len() - (TAPS - 1);
        self.history.drain(..keep);
        peak
    }
}

/// The K-weighting filter of BS.1770 (a high shelf, then the RLB high-pass), at any rate.
#[derive(Clone, Debug)]
pub(super) struct KWeighting {
    b: [[f64; 3]; 2],
    a: [[f64; 3]; 2],
    state: [[f64; 2]; 2],
}

impl KWeighting {
    /// Coefficients from libebur128's formulas, exact at 48 kHz and right at other rates.
    pub(super) fn new(rate: SampleRate) -> KWeighting {
        let rate = f64::from(rate.0);
        let (f0, gain_db, q) =
            (1_681.974_450_955_533, 3.999_843_853_973_347, 0.707_175_236_955_419_6);
        let k = (PI * f0 / rate).tan();
        let vh = 10f64.powf(gain_db / 20.0);
        let vb = vh.powf(0.499_666_774_154_541_6);
        let a0 = 1.0 + k / q + k * k;
        let shelf_b = [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ];
        let shelf_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
        let k = (PI * f0 / rate).tan();
        let a0 = 1.0 + k / q + k * k;
        let high_b = [1.0, -2.0, 1.0];
        let high_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
        KWeighting { b: [shelf_b, high_b], a: [shelf_a, high_a], state: [[0.0; 2]; 2] }
    }

    /// The sum of squares of the K-weighted `block`.
    pub(super) fn block_energy(&mut self, block: &[f32]) -> f64 {
        let mut sum = 0.0;
        for &x in block {
            let mut v = f64::from(x);
            for stage in 0..2 {
                let (b, a, s) = (&self.b[stage], &self.a[stage], &mut self.state[stage]);
                // Transposed direct form II.
                let y = b[0] * v + s[0];
                s[0] = b[1] * v - a[1] * y + s[1];
                s[1] = b[2] * v - a[2] * y;
                v = y;
            }
            sum += v * v;
        }
        sum
    }
}

/// One millisecond's measurements.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct BlockStats {
    /// Samples in the block (a full millisecond except, perhaps, the last).
    pub(super) len: u32,
    /// True peak, linear.
    pub(super) peak: f32,
    /// Sum of squares of the K-weighted samples.
    pub(super) energy: f64,
}

const RECORD: usize = 4 + 4 + 8;

/// Measures audio a millisecond at a time and records the results to a temp file.
pub(super) struct Meter {
    blocks: Blocks,
    partial: Vec<f32>,
    peak: TruePeak,
    weighting: KWeighting,
    out: BufWriter<File>,
}

impl Meter {
    pub(super) fn new(rate: SampleRate) -> std::io::Result<Meter> {
        Ok(Meter {
            blocks: Blocks::new(rate),
            partial: Vec::new(),
            peak: TruePeak::new(),
            weighting: KWeighting::new(rate),
            out: BufWriter::new(tempfile::tempfile()?),
        })
    }

    pub(super) fn push(&mut self, mut samples: &[f32]) -> std::io::Result<()> {
        while !samples.is_empty() {
            let block = self.blocks.current();
            let take = (block - self.partial.len()).min(samples.len());
            self.partial.extend_from_slice(&samples[..take]);
            samples = &samples[take..];
            if self.partial.len() == block {
                self.record()?;
                self.blocks.advance();
            }
        }
        Ok(())
    }

    fn record(&mut self) -> std::io::Result<()> {
        let stats = BlockStats {
            len: u32::try_from(self.partial.len()).unwrap_or(u32::MAX),
            peak: self.peak.block(&self.partial),
            energy: self.weighting.block_energy(&self.partial),
        };
        self.out.write_all(&stats.len.to_le_bytes())?;
        self.out.write_all(&stats.peak.to_le_bytes())?;
        self.out.write_all(&stats.energy.to_le_bytes())?;
        self.partial.clear();
        Ok(())
    }

    /// Record the last, partial block and hand back the records.
    pub(super) fn finish(mut self) -> std::io::Result<Records> {
        if !self.partial.is_empty() {
            self.record()?;
        }
        let file = self.out.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        Ok(Records { file })
    }
}

/// Millisecond blocks with exact boundaries: block `b` holds samples
/// `⌊b·rate/1000⌋ .. ⌊(b+1)·rate/1000⌋`, so at 44.1 kHz they are 44 or 45 samples long and
/// 400 of them are exactly 400 ms, as BS.1770's gating blocks need.
#[derive(Clone, Copy, Debug)]
pub(super) struct Blocks {
    rate: u64,
    index: u64,
}

impl Blocks {
    pub(super) fn new(rate: SampleRate) -> Blocks {
        Blocks { rate: u64::from(rate.0), index: 0 }
    }

    /// The length of the current block.
    pub(super) fn current(&self) -> usize {
        let start = self.index * self.rate / 1000;
        let end = (self.index + 1) * self.rate / 1000;
        usize::try_from(end - start).unwrap_or(usize::MAX).max(1)
    }

    /// Move to the next block.
    pub(super) fn advance(&mut self) {
        self.index += 1;
    }
}

/// The recorded measurements, read back in order as often as needed.
pub(super) struct Records {
    file: File,
}

impl Records {
    /// Every block's stats, in order.
    pub(super) fn iter(
        &self,
    ) -> std::io::Result<impl Iterator<Item = std::io::Result<BlockStats>> + '_> {
        (&self.file).seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::with_capacity(1 << 16, &self.file);
        let mut buf = [0u8; RECORD];
        Ok(std::iter::from_fn(move || match reader.read_exact(&mut buf) {
            Ok(()) => Some(Ok(BlockStats {
                len: u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]),
                peak: f32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]),
                energy: f64::from_le_bytes(buf[8..16].try_into().unwrap_or([0; 8])),
            })),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => None,
            Err(e) => Some(Err(e)),
        }))
    }
}

/// BS.1770 gated integrated loudness from per-millisecond energies: 400 ms blocks every
/// 100 ms, an absolute gate at −70 LUFS and a relative gate 10 LU below.
#[derive(Debug, Default)]
pub(super) struct Gate {
    window: std::collections::VecDeque<(f64, u32)>,
    sum: f64,
    count: u64,
    since_step: usize,
    blocks: Vec<f64>,
}

impl Gate {
    /// Add one millisecond's energy (sum of squares over `len` samples).
    pub(super) fn push(&mut self, energy: f64, len: u32) {
        self.window.push_back((energy, len));
        self.sum += energy;
        self.count += u64::from(len);
        if self.window.len() > 400
            && let Some((e, l)) = self.window.pop_front()
        {
            self.sum -= e;
            self.count -= u64::from(l);
        }
        self.since_step += 1;
        if self.window.len() == 400 && self.since_step >= 100 {
            self.since_step = 0;
            #[allow(clippy::cast_precision_loss)]
            self.blocks.push(self.sum.max(0.0) / self.count.max(1) as f64);
        }
    }

    /// The integrated loudness in LUFS, or `None` for silence.
    pub(super) fn loudness(&self) -> Option<f64> {
        let lufs = |z: f64| -0.691 + 10.0 * z.log10();
        let above = |threshold: f64| -> Option<f64> {
            let kept: Vec<f64> =
                self.blocks.iter().copied().filter(|&z| z > 0.0 && lufs(z) > threshold).collect();
            #[allow(clippy::cast_precision_loss)]
            (!kept.is_empty()).then(|| kept.iter().sum::<f64>() / kept.len() as f64)
        };
        let relative = lufs(above(-70.0)?) - 10.0;
        above(relative.max(-70.0)).map(lufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ebur128::{EbuR128, Mode};

    #[allow(clippy::cast_precision_loss)]
    fn speechlike(rate: u32, seconds: usize) -> Vec<f32> {
        // Bursts of mixed tones with pauses, so gating matters.
        (0..rate as usize * seconds)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let on = (t * 1.7).sin() > -0.3;
                let v = 0.3 * (t * 2.0 * std::f32::consts::PI * 220.0).sin()
                    + 0.2 * (t * 2.0 * std::f32::consts::PI * 3_150.0).sin()
                    + 0.1 * (t * 2.0 * std::f32::consts::PI * 7_000.0).sin();
                if on { v } else { v * 0.001 }
            })
            .collect()
    }

    #[test]
    fn gated_loudness_from_millisecond_energies_matches_ebur128() {
        for rate in [16_000, 24_000, 44_100, 48_000] {
            let x = speechlike(rate, 20);
            let mut reference = EbuR128::new(1, rate, Mode::I).unwrap();
            reference.add_frames_f32(&x).unwrap();
            let expected = reference.loudness_global().unwrap();
            let mut weighting = KWeighting::new(SampleRate(rate));
            let mut gate = Gate::default();
            let mut blocks = Blocks::new(SampleRate(rate));
            let mut rest = &x[..];
            while !rest.is_empty() {
                let (block, tail) = rest.split_at(blocks.current().min(rest.len()));
                gate.push(weighting.block_energy(block), u32::try_from(block.len()).unwrap());
                blocks.advance();
                rest = tail;
            }
            let ours = gate.loudness().unwrap();
            assert!((ours - expected).abs() < 0.05, "{rate} Hz: {ours} vs {expected}");
        }
    }

    #[test]
    fn true_peaks_match_ebur128_within_a_tenth_of_a_db() {
        for (rate, hz) in [(24_000u32, 5_997.0f32), (22_050, 4_410.0), (48_000, 11_025.0)] {
            #[allow(clippy::cast_precision_loss)]
            let x: Vec<f32> = (0..rate as usize)
                .map(|i| 0.7 * (i as f32 * hz * std::f32::consts::TAU / rate as f32 + 0.6).sin())
                .collect();
            let mut reference = EbuR128::new(1, rate, Mode::TRUE_PEAK).unwrap();
            reference.add_frames_f32(&x).unwrap();
            let expected = 20.0 * reference.true_peak(0).unwrap().log10();
            let mut tp = TruePeak::new();
            let ours = x.chunks(24).map(|b| tp.block(b)).fold(0f32, f32::max);
            let ours = 20.0 * f64::from(ours).log10();
            assert!(
                (ours - expected).abs() < 0.1,
                "{rate} Hz, {hz} Hz tone: {ours:.3} vs {expected:.3} dBTP"
            );
        }
    }
}

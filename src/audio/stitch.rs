//! Stitching chunks into one timeline, and playing it back normalised.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::dynamics::{Compressor, Filters};
use super::limiter::{GainPlanner, apply};
use super::loudness::{db_to_gain, match_gain};
use super::meter::{Gate, Meter, Records};
use super::{AudioConfig, AudioError, Resampler, decode};
use crate::model::{
    Chapter, Chunk, Pause, SampleRate, Samples, Script, Span, SpeechAudio, Timeline,
};

/// Frames read back from the spool at a time.
const RENDER_BLOCK: usize = 1 << 15;

/// Takes chunks in order and lays them out on one timeline.
pub struct Assembler {
    config: AudioConfig,
    rate: SampleRate,
    resampler: Resampler,
    spool: BufWriter<File>,
    position: Samples,
    segments: Vec<Span>,
    trims: Vec<Samples>,
    meter: Meter,
    filters: Filters,
    compressor: Compressor,
    /// The deepest gain reduction the compressor applied so far, dB.
    compressed_db: f64,
    /// A copy of everything written since the last [`Assembler::take_tapped`], when tapped.
    tapped: Option<Vec<f32>>,
}

impl Assembler {
    /// An empty timeline at the configured output rate, spooled to an anonymous temp file.
    ///
    /// # Errors
    ///
    /// When the temp file cannot be created.
    pub fn new(config: &AudioConfig) -> Result<Assembler, AudioError> {
        let rate = SampleRate(config.sample_rate);
        Ok(Assembler {
            config: config.clone(),
            rate,
            resampler: Resampler::new(rate),
            spool: BufWriter::new(tempfile::tempfile()?),
            position: Samples(0),
            segments: Vec::new(),
            trims: Vec::new(),
            meter: Meter::new(rate)?,
            filters: Filters::new(rate, config.highpass_hz, config.phase_rotation),
            compressor: Compressor::new(
                rate,
                config.loudness_target_lufs + config.compressor_threshold_db,
                config.compressor_ratio,
            ),
            compressed_db: 0.0,
            tapped: None,
        })
    }

    /// Keep a copy of the samples each [`Assembler::push`] lays down (its pause, then its
    /// chunk), exactly as spooled, for [`Assembler::take_tapped`]: what a live stream of the
    /// narration plays while the rest is still being synthesized.
    pub fn tap(&mut self) {
        self.tapped.get_or_insert_with(Vec::new);
    }

    /// The samples laid down since the last call (empty when not tapped).
    pub fn take_tapped(&mut self) -> Vec<f32> {
        self.tapped.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The frames laid down so far.
    #[must_use]
    pub fn position(&self) -> Samples {
        self.position
    }

    /// The silence [`Assembler::push`] puts before a chunk with this pause (the lead-in
    /// before the first), and [`Assembler::finish`] after the last (`None`).
    #[must_use]
    pub fn gap(&self, pause: Option<Pause>, first: bool) -> Samples {
        match pause {
            _ if first => self.rate.frames_in_ms(self.config.lead_in_ms),
            Some(pause) => self.pause(pause),
            None => self.rate.frames_in_ms(self.config.tail_ms),
        }
    }

    /// Append the next chunk: its pause (the lead-in before the first), then its decoded,
    /// resampled, filtered, trimmed, level-matched and compressed audio. Chunks must arrive
    /// in script order.
    ///
    /// # Errors
    ///
    /// Audio that cannot be decoded or resampled (naming the chunk), or a spool failure.
    pub fn push(&mut self, chunk: &Chunk, audio: &SpeechAudio) -> Result<(), AudioError> {
        debug_assert_eq!(chunk.id, self.segments.len(), "chunks must be pushed in order");
        let pcm =
            decode(audio).map_err(|message| AudioError::Decode { chunk: chunk.id, message })?;
        let mut samples = self
            .resampler
            .process(&pcm.samples, pcm.rate)
            .map_err(|message| AudioError::Resample { chunk: chunk.id, message })?;
        // Filtered before trimming, so the trim sees no DC or rumble and the filters'
        // start-up happens in the engine's own silence.
        self.filters.process(&mut samples);
        let (start, end) = speech_bounds(&samples, self.config.trim_threshold_db, self.rate);
        if start == end {
            tracing::warn!(chunk = chunk.id, "The backend returned only silence for this chunk.");
        }
        samples.truncate(end);
        samples.drain(..start);
        self.trims.push(Samples(start as u64));
        fade_edges(&mut samples, self.rate.frames_in_ms(self.config.fade_ms).as_usize());
        if self.config.level_match {
            let gain = match_gain(&samples, self.rate, self.config.loudness_target_lufs);
            samples.iter_mut().for_each(|s| *s *= gain);
        }
        // After level matching, so the threshold, set relative to the loudness target, means
        // the same for every chunk.
        self.compressed_db = self.compressed_db.max(self.compressor.process(&mut samples));
        let pause = self.gap(Some(chunk.pause_before), self.segments.is_empty());
        self.write_silence(pause)?;
        let start = self.position;
        self.write(&samples)?;
        self.segments.push(Span { start, end: self.position });
        Ok(())
    }

    /// Close the timeline: add the tail, place the chapters, and measure the loudness gain.
    ///
    /// The first chapter starts at 0, its lead-in included. Every later chapter starts
    /// `lead_in_ms` before its heading's first sample, inside the pause before it (never
    /// before the end of the previous chunk), so a jump to any chapter gives the same short
    /// breath before the heading.
    ///
    /// # Errors
    ///
    /// A spool failure.
    pub fn finish(mut self, script: &Script) -> Result<Assembled, AudioError> {
        let tail = self.rate.frames_in_ms(self.config.tail_ms);
        self.write_silence(tail)?;
        let total = self.position;
        let lead_in = self.rate.frames_in_ms(self.config.lead_in_ms);
        let starts: Vec<Samples> = script
            .chapters
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    return Samples(0);
                }
                let heading = self.segments[c.first_chunk].start;
                let previous =
                    c.first_chunk.checked_sub(1).map_or(Samples(0), |p| self.segments[p].end);
                (heading - lead_in).max(previous)
            })
            .collect();
        let chapters = script
            .chapters
            .iter()
            .zip(&starts)
            .enumerate()
            .map(|(i, (c, &start))| Chapter {
                title: c.title.clone(),
                span: Span { start, end: starts.get(i + 1).copied().unwrap_or(total) },
            })
            .collect();
        let records = self.meter.finish()?;
        let (loudness, peak) = measure(&records, 1.0, None)?;
        let gain = loudness.map_or(1.0, |l| db_to_gain(self.config.loudness_target_lufs - l));
        let mut spool = self.spool.into_inner().map_err(std::io::IntoInnerError::into_error)?;
        spool.seek(SeekFrom::Start(0))?;
        Ok(Assembled {
            timeline: Timeline { rate: self.rate, total, chapters, segments: self.segments },
            trims: self.trims,
            loudness,
            gain,
            peak,
            records,
            config: self.config,
            spool,
            compressed_db: self.compressed_db,
        })
    }

    fn pause(&self, pause: Pause) -> Samples {
        let ms = match pause {
            Pause::None => 0,
            Pause::Sentence => self.config.pause_sentence_ms,
            Pause::Paragraph => self.config.pause_paragraph_ms,
            Pause::Heading => self.config.pause_heading_ms,
            Pause::Chapter => self.config.pause_chapter_ms,
        };
        self.rate.frames_in_ms(ms)
    }

    fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        for s in samples {
            self.spool.write_all(&s.to_le_bytes())?;
        }
        if let Some(tapped) = &mut self.tapped {
            tapped.extend_from_slice(samples);
        }
        self.meter.push(samples)?;
        self.position += Samples(samples.len() as u64);
        Ok(())
    }

    fn write_silence(&mut self, length: Samples) -> Result<(), AudioError> {
        let zeros = vec![0.0f32; length.as_usize().min(RENDER_BLOCK)];
        let mut left = length.as_usize();
        while left > 0 {
            let n = left.min(zeros.len());
            self.write(&zeros[..n])?;
            left -= n;
        }
        Ok(())
    }
}

/// The finished timeline and its spooled audio, ready to render into encoders.
pub struct Assembled {
    /// Where every chapter and chunk landed.
    pub timeline: Timeline,
    /// Per chunk, the frames (at the output rate) of its decoded audio trimmed off before its
    /// span starts: a time `t` into a chunk's audio as the engine returned it lands at
    /// `span.start + t × rate − trim`.
    pub trims: Vec<Samples>,
    /// Integrated loudness before normalisation, in LUFS (`None` for silence).
    pub loudness: Option<f64>,
    /// The linear gain that brings the measured loudness to the target.
    pub gain: f32,
    /// The highest true peak before normalisation, linear.
    peak: f32,
    records: Records,
    config: AudioConfig,
    spool: File,
    compressed_db: f64,
}

/// What rendering did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RenderStats {
    /// The gain applied before the limiter, linear.
    pub gain: f32,
    /// Milliseconds during which the limiter reduced the level.
    pub limited_ms: u64,
    /// The most the limiter took off any peak, in dB.
    pub limiter_max_db: f64,
    /// The most the compressor took off any peak, in dB.
    pub compressor_max_db: f64,
}

/// Adjustments a caller may ask of [`Assembled::render`] for what the audio becomes next.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RenderOptions {
    /// Added to the loudness target, in LU: lossy encoders take some loudness away, and
    /// this gives it back in advance.
    pub loudness_offset_db: f64,
    /// Taken off the true-peak ceiling, in dB: lossy encoders add peaks.
    pub headroom_db: f64,
}

impl Assembled {
    /// Play the whole timeline into `sink` a block at a time: normalised to the target
    /// loudness, through the true-peak limiter.
    ///
    /// When the limiter engages it takes some loudness away; measuring passes (at most
    /// four, no output) correct the gain until the result lands within 0.05 LU of the
    /// target, then the final pass feeds `sink`.
    ///
    /// # Errors
    ///
    /// The sink's error, or a spool failure ([`AudioError::Spool`]) converted into it.
    pub fn render<E: From<AudioError>>(
        &self,
        options: RenderOptions,
        mut sink: impl FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<RenderStats, E> {
        let target = self.config.loudness_target_lufs + options.loudness_offset_db;
        let ceiling_db = self.config.true_peak_ceiling_db - options.headroom_db;
        let mut gain = self.gain * db_to_gain(options.loudness_offset_db);
        if self.peak * gain > db_to_gain(ceiling_db) {
            gain = self.settle(gain, target, ceiling_db)?;
        }
        let (limited_ms, limiter_max_db) = self.play(gain, ceiling_db, &mut sink)?;
        Ok(RenderStats { gain, limited_ms, limiter_max_db, compressor_max_db: self.compressed_db })
    }

    /// Up to `seconds` of the normalised (not yet limited) audio from the middle of the
    /// timeline, for estimating what an encoder will do to the whole.
    ///
    /// # Errors
    ///
    /// A spool read failure.
    pub fn excerpt(&self, seconds: u64) -> Result<Vec<f32>, AudioError> {
        let total = self.timeline.total.as_usize();
        let want = self.timeline.rate.frames_in_ms(seconds * 1000).as_usize().min(total);
        let start = (total - want) / 2;
        (&self.spool).seek(SeekFrom::Start(start as u64 * 4))?;
        let mut bytes = vec![0u8; want * 4];
        (&self.spool).read_exact(&mut bytes)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * self.gain)
            .collect())
    }

    /// The gain at which the limited output reaches `target` (within 0.02 LU), found with
    /// secant steps, since the limiter takes more away the louder it is driven. Works on
    /// the recorded measurements alone: no audio is read.
    fn settle(&self, start: f32, target: f64, ceiling_db: f64) -> Result<f32, AudioError> {
        let db = |g: f32| 20.0 * f64::from(g).log10();
        let mut gain = start;
        let mut previous: Option<(f64, f64)> = None;
        for _ in 0..8 {
            let (Some(reached), _) = measure(&self.records, gain, Some(ceiling_db))? else {
                break;
            };
            if (target - reached).abs() <= 0.02 {
                break;
            }
            // dB of output per dB of gain: 1 with no limiting, less the harder it limits.
            let slope = match previous {
                Some((g0, l0)) if (db(gain) - g0).abs() > 1e-4 => {
                    ((reached - l0) / (db(gain) - g0)).clamp(0.05, 1.0)
                }
                _ => 1.0,
            };
            previous = Some((db(gain), reached));
            gain *= db_to_gain(((target - reached) / slope).clamp(-12.0, 12.0));
        }
        Ok(gain)
    }

    /// One pass over the spool at `gain` through the limiter, planned from the recorded
    /// peaks. Returns the milliseconds limited and the deepest reduction in dB.
    fn play<E: From<AudioError>>(
        &self,
        gain: f32,
        ceiling_db: f64,
        mut sink: impl FnMut(&[f32]) -> Result<(), E>,
    ) -> Result<(u64, f64), E> {
        let mut planner = GainPlanner::new(ceiling_db);
        let ceiling = planner.ceiling();
        (&self.spool).seek(SeekFrom::Start(0)).map_err(AudioError::Spool)?;
        let mut reader = BufReader::with_capacity(1 << 16, &self.spool);
        let mut held: VecDeque<Vec<f32>> = VecDeque::new();
        let mut decided = Vec::new();
        let mut out = Vec::with_capacity(RENDER_BLOCK + 512);
        let mut bytes = Vec::new();
        let mut flush = |held: &mut VecDeque<Vec<f32>>,
                         decided: &mut Vec<(f32, f32)>,
                         out: &mut Vec<f32>,
                         last: bool| {
            for ramp in decided.drain(..) {
                if let Some(mut block) = held.pop_front() {
                    apply(&mut block, ramp, ceiling);
                    out.extend_from_slice(&block);
                }
            }
            if out.len() >= RENDER_BLOCK || (last && !out.is_empty()) {
                sink(out)?;
                out.clear();
            }
            Ok::<(), E>(())
        };
        for stats in self.records.iter().map_err(AudioError::Spool)? {
            let stats = stats.map_err(AudioError::Spool)?;
            bytes.resize(stats.len as usize * 4, 0);
            reader.read_exact(&mut bytes).map_err(AudioError::Spool)?;
            held.push_back(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * gain)
                    .collect(),
            );
            planner.push(stats.peak * gain, &mut decided);
            flush(&mut held, &mut decided, &mut out, false)?;
        }
        planner.finish(&mut decided);
        flush(&mut held, &mut decided, &mut out, true)?;
        Ok((planner.reduced_ms(), planner.max_reduction_db()))
    }
}

/// Integrated loudness and highest true peak of the recorded audio at `gain`, through the
/// limiter at `ceiling_db` if given (the ramp within each millisecond is averaged).
fn measure(
    records: &Records,
    gain: f32,
    ceiling_db: Option<f64>,
) -> Result<(Option<f64>, f32), AudioError> {
    let mut gate = Gate::default();
    let mut peak = 0f32;
    let g2 = f64::from(gain) * f64::from(gain);
    let Some(ceiling_db) = ceiling_db else {
        for stats in records.iter()? {
            let stats = stats?;
            gate.push(stats.energy * g2, stats.len);
            peak = peak.max(stats.peak * gain);
        }
        return Ok((gate.loudness(), peak));
    };
    let mut planner = GainPlanner::new(ceiling_db);
    let mut pending: VecDeque<(f64, u32, f32)> = VecDeque::new();
    let mut decided = Vec::new();
    let mut settle = |pending: &mut VecDeque<(f64, u32, f32)>, decided: &mut Vec<(f32, f32)>| {
        for (a, b) in decided.drain(..) {
            if let Some((energy, len, block_peak)) = pending.pop_front() {
                // Mean square of a linear ramp from a to b.
                let ramp = (f64::from(a) * f64::from(a)
                    + f64::from(a) * f64::from(b)
                    + f64::from(b) * f64::from(b))
                    / 3.0;
                gate.push(energy * g2 * ramp, len);
                peak = peak.max(block_peak * gain * a.max(b));
            }
        }
    };
    for stats in records.iter()? {
        let stats = stats?;
        pending.push_back((stats.energy, stats.len, stats.peak));
        planner.push(stats.peak * gain, &mut decided);
        settle(&mut pending, &mut decided);
    }
    planner.finish(&mut decided);
    settle(&mut pending, &mut decided);
    Ok((gate.loudness(), peak))
}

/// The range of `samples` that is speech: from a little before the first sample above the
/// threshold to a little after the last, so consonant onsets and decays survive the trim.
fn speech_bounds(samples: &[f32], threshold_db: f64, rate: SampleRate) -> (usize, usize) {
    #[allow(clippy::cast_possible_truncation)]
    let threshold = 10f64.powf(threshold_db / 20.0) as f32;
    let Some(first) = samples.iter().position(|s| s.abs() > threshold) else { return (0, 0) };
    let last = samples.iter().rposition(|s| s.abs() > threshold).unwrap_or(first);
    let lead = rate.frames_in_ms(10).as_usize();
    let decay = rate.frames_in_ms(30).as_usize();
    (first.saturating_sub(lead), (last + 1 + decay).min(samples.len()))
}

/// Raised-cosine fades at both ends, so a cut through low-level noise never clicks.
#[allow(clippy::cast_precision_loss)]
fn fade_edges(samples: &mut [f32], length: usize) {
    let length = length.min(samples.len() / 2);
    let n = samples.len();
    for i in 0..length {
        let g = 0.5 - 0.5 * (std::f32::consts::PI * i as f32 / length as f32).cos();
        samples[i] *= g;
        samples[n - 1 - i] *= g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AudioFormat, BlockKind, ScriptChapter};

    fn wav(samples: &[f32], rate: u32) -> SpeechAudio {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
        for s in samples {
            #[allow(clippy::cast_possible_truncation)]
            w.write_sample((s * 32767.0) as i16).unwrap();
        }
        w.finalize().unwrap();
        SpeechAudio { bytes: cursor.into_inner(), format: AudioFormat::Wav }
    }

    /// 100 ms of silence, `ms` of a 300 Hz tone, 100 ms of silence.
    #[allow(clippy::cast_precision_loss)]
    fn speech(ms: usize, rate: u32) -> Vec<f32> {
        let pad = rate as usize / 10;
        let n = rate as usize * ms / 1000;
        let tone =
            (0..n).map(|i| (i as f32 * 300.0 * std::f32::consts::TAU / rate as f32).sin() * 0.3);
        std::iter::repeat_n(0.0, pad).chain(tone).chain(std::iter::repeat_n(0.0, pad)).collect()
    }

    fn chunk(id: usize, chapter: usize, pause_before: Pause) -> Chunk {
        Chunk {
            id,
            block: id,
            chapter,
            kind: BlockKind::Paragraph,
            text: String::new(),
            speak: String::new(),
            ssml: String::new(),
            voice: 0,
            audio_file: None,
            pause_before,
        }
    }

    /// Only the layout: no voice chain, so the tone's edges stay where they were.
    fn layout_only() -> AudioConfig {
        AudioConfig {
            sample_rate: 24_000,
            highpass_hz: 0.0,
            phase_rotation: false,
            compressor_ratio: 1.0,
            ..AudioConfig::default()
        }
    }

    fn two_chapters() -> Script {
        Script {
            chapters: vec![
                ScriptChapter { title: "A".into(), first_chunk: 0 },
                ScriptChapter { title: "B".into(), first_chunk: 1 },
            ],
            chunks: vec![],
        }
    }

    #[test]
    fn chunks_are_trimmed_and_paused_after_a_lead_in_and_chapters_start_a_lead_in_early() {
        let config = layout_only();
        let mut asm = Assembler::new(&config).unwrap();
        asm.push(&chunk(0, 0, Pause::None), &wav(&speech(500, 22_050), 22_050)).unwrap();
        asm.push(&chunk(1, 1, Pause::Chapter), &wav(&speech(300, 16_000), 16_000)).unwrap();
        let done = asm.finish(&two_chapters()).unwrap();
        let t = &done.timeline;
        let first = t.segments[0];
        let lead_in = Samples(6_000);
        // 500 ms of tone plus the 10 ms lead and 30 ms decay kept around it, after 250 ms.
        assert_eq!(first.start, lead_in);
        assert!(((first.end - first.start).0 as i64 - 12_960).abs() < 30, "{first:?}");
        assert_eq!(t.segments[1].start, first.end + Samples(28_800));
        assert_eq!(t.chapters[0].span.start, Samples(0));
        assert_eq!(t.chapters[1].span.start, t.segments[1].start - lead_in);
        assert_eq!(t.chapters[0].span.end, t.chapters[1].span.start);
        assert_eq!(t.total, t.segments[1].end + Samples(12_000));
        let mut rendered = Vec::new();
        done.render(RenderOptions::default(), |b: &[f32]| -> Result<(), AudioError> {
            rendered.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(rendered.len(), t.total.as_usize());
        assert!(rendered[..first.start.as_usize()].iter().all(|s| *s == 0.0));
        let pause = &rendered[first.end.as_usize()..t.segments[1].start.as_usize()];
        assert!(pause.iter().all(|s| *s == 0.0));
    }

    #[test]
    fn a_chapter_mark_never_reaches_back_into_the_chunk_before_it() {
        let config = AudioConfig { pause_chapter_ms: 100, ..layout_only() };
        let mut asm = Assembler::new(&config).unwrap();
        asm.push(&chunk(0, 0, Pause::None), &wav(&speech(500, 24_000), 24_000)).unwrap();
        asm.push(&chunk(1, 1, Pause::Chapter), &wav(&speech(500, 24_000), 24_000)).unwrap();
        let done = asm.finish(&two_chapters()).unwrap();
        let t = &done.timeline;
        assert_eq!(t.chapters[1].span.start, t.segments[0].end);
    }

    #[test]
    fn without_a_lead_in_chapters_start_on_their_headings_first_sample() {
        let config = AudioConfig { lead_in_ms: 0, ..layout_only() };
        let mut asm = Assembler::new(&config).unwrap();
        asm.push(&chunk(0, 0, Pause::None), &wav(&speech(500, 24_000), 24_000)).unwrap();
        asm.push(&chunk(1, 1, Pause::Chapter), &wav(&speech(500, 24_000), 24_000)).unwrap();
        let t = asm.finish(&two_chapters()).unwrap().timeline;
        assert_eq!(t.segments[0].start, Samples(0));
        assert_eq!(t.chapters[1].span.start, t.segments[1].start);
    }

    #[test]
    fn undecodable_audio_names_the_chunk() {
        let mut asm = Assembler::new(&AudioConfig::default()).unwrap();
        let garbage = SpeechAudio { bytes: b"not audio at all".to_vec(), format: AudioFormat::Wav };
        let err = asm.push(&chunk(0, 0, Pause::None), &garbage).unwrap_err();
        assert!(err.to_string().starts_with("chunk 0:"), "{err}");
    }

    #[test]
    fn fades_start_and_end_at_zero() {
        let mut s = vec![1.0; 100];
        fade_edges(&mut s, 10);
        assert_eq!(s[0], 0.0);
        assert!(s[99] < 0.1 && s[50] == 1.0);
    }
}

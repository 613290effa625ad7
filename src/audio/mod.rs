//! Assemble: decode each chunk, resample, trim the engine's silence, place pauses, and stitch
//! everything into one timeline measured in sample frames.
//!
//! Assembly streams. [`Assembler::push`] takes chunks in order as synthesis finishes them and
//! spools the processed samples to a temp file while measuring loudness; [`Assembled::render`]
//! then plays the spool back through the loudness gain into the encoders. Memory stays at
//! one chunk, however long the article.

mod decode;
mod dynamics;
mod limiter;
pub mod loudness;
mod meter;
mod resample;
pub mod sibilance;
mod stitch;

use serde::Deserialize;

pub use decode::{Pcm, decode, probe};
pub use limiter::Limiter;
pub use resample::Resampler;
pub use stitch::{Assembled, Assembler, RenderOptions, RenderStats};

/// `[audio]` settings.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AudioConfig {
    /// Output sample rate in hertz. Default: 24000.
    pub sample_rate: u32,
    /// Silence between two chunks of one paragraph, in ms. Default: 250.
    pub pause_sentence_ms: u64,
    /// Silence between paragraphs (and list items), in ms. Default: 600.
    pub pause_paragraph_ms: u64,
    /// Silence before a heading that does not start a chapter, in ms. Default: 900.
    pub pause_heading_ms: u64,
    /// Silence before a new chapter, in ms. Default: 1200.
    pub pause_chapter_ms: u64,
    /// Silence after the last chunk, in ms. Default: 500.
    pub tail_ms: u64,
    /// Silence before the first word, in ms; each later chapter's mark also sits this long
    /// before its heading. Default: 250.
    pub lead_in_ms: u64,
    /// Level below which a chunk's leading and trailing samples count as engine silence and
    /// are trimmed, in dBFS. Default: -50.0.
    pub trim_threshold_db: f64,
    /// Fade in and out at each trimmed edge, in ms (at most 10). Default: 5.
    pub fade_ms: u64,
    /// Corner of the high-pass each chunk goes through, in hertz (2nd order); 0 for none.
    /// Default: 75.
    pub highpass_hz: f64,
    /// Pass each chunk through a phase rotator (all-pass filters), which lowers a voice's
    /// peaks without changing its sound. Default: true.
    pub phase_rotation: bool,
    /// Compression starts this many dB (peak, soft knee) above the loudness target.
    /// Default: 2.0.
    pub compressor_threshold_db: f64,
    /// Compression ratio; 1 for none. Default: 4.0.
    pub compressor_ratio: f64,
    /// Integrated loudness the narration is normalised to, in LUFS. Default: -16.0.
    pub loudness_target_lufs: f64,
    /// The true-peak limiter's ceiling, in dBTP. Default: -1.0.
    pub true_peak_ceiling_db: f64,
    /// Extra headroom below the true-peak ceiling when writing MP3, in dB: lossy encoding
    /// raises peaks a little. Default: 1.0.
    pub lossy_headroom_db: f64,
    /// Bring every chunk to the same loudness before stitching, so a change of voice or
    /// backend between chunks does not jump. Default: true.
    pub level_match: bool,
}

impl Default for AudioConfig {
    fn default() -> Self {
        AudioConfig {
            sample_rate: 24_000,
            pause_sentence_ms: 250,
            pause_paragraph_ms: 600,
            pause_heading_ms: 900,
            pause_chapter_ms: 1200,
            tail_ms: 500,
            lead_in_ms: 250,
            trim_threshold_db: -50.0,
            fade_ms: 5,
            highpass_hz: 75.0,
            phase_rotation: true,
            compressor_threshold_db: 2.0,
            compressor_ratio: 4.0,
            loudness_target_lufs: -16.0,
            true_peak_ceiling_db: -1.0,
            lossy_headroom_db: 1.0,
            level_match: true,
        }
    }
}

impl AudioConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if !(8_000..=192_000).contains(&self.sample_rate) {
            problems.push("[audio] sample_rate must be between 8000 and 192000".into());
        }
        if self.fade_ms > 10 {
            problems.push("[audio] fade_ms must be at most 10".into());
        }
        if !(-90.0..0.0).contains(&self.trim_threshold_db) {
            problems.push("[audio] trim_threshold_db must be below 0 and above -90".into());
        }
        if !(-40.0..=-5.0).contains(&self.loudness_target_lufs) {
            problems.push("[audio] loudness_target_lufs must be between -40 and -5".into());
        }
        if !(0.0..=3.0).contains(&self.lossy_headroom_db) {
            problems.push("[audio] lossy_headroom_db must be between 0 and 3".into());
        }
        if self.lead_in_ms > 5_000 {
            problems.push("[audio] lead_in_ms must be at most 5000".into());
        }
        if self.highpass_hz != 0.0 && !(20.0..=300.0).contains(&self.highpass_hz) {
            problems.push("[audio] highpass_hz must be 0 (none) or between 20 and 300".into());
        }
        if !(1.0..=10.0).contains(&self.compressor_ratio) {
            problems.push("[audio] compressor_ratio must be between 1 (none) and 10".into());
        }
        if !(-20.0..=20.0).contains(&self.compressor_threshold_db) {
            problems.push("[audio] compressor_threshold_db must be between -20 and 20".into());
        }
        if !(-20.0..=0.0).contains(&self.true_peak_ceiling_db) {
            problems.push("[audio] true_peak_ceiling_db must be between -20 and 0".into());
        }
    }
}

/// A failure to assemble the audio.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// A chunk's audio could not be decoded.
    #[error("chunk {chunk}: the backend's audio cannot be used: {message}")]
    Decode {
        /// The chunk id.
        chunk: usize,
        /// Why.
        message: String,
    },
    /// A chunk's audio could not be resampled.
    #[error("chunk {chunk}: {message}")]
    Resample {
        /// The chunk id.
        chunk: usize,
        /// Why.
        message: String,
    },
    /// The temporary spool file failed (disk full?).
    #[error("cannot write temporary audio: {0}; check free space in the temp directory")]
    Spool(#[from] std::io::Error),
}

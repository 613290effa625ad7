//! Publishing a narration while it is made: each chunk, as soon as it is assembled, is
//! levelled ([`LiveLevel`]) and encoded into the HLS stream ([`LiveStream`]), and the
//! segments that are complete are published.
//!
//! The stream carries exactly the samples the finished file is rendered from (the
//! assembler's spool, tapped), pauses included, so it has the finished file's timeline: a
//! player can move from one to the other at the same position. The pause after a chunk is
//! known from the script before the next chunk is synthesized, so it is encoded at once:
//! the encoder's look-ahead then holds back only silence, and everything the listener has
//! been given up to the next chunk is playable.

use std::path::PathBuf;

use crate::audio::AudioConfig;
use crate::audio::{AudioError, LiveLevel};
use crate::config::Config;
use crate::model::{SampleRate, Samples};
use crate::output::{self, LivePublished, LiveStream, OutputConfig, OutputError};

/// Where and how to publish a narration as it is made.
pub struct LiveOptions {
    /// The directory the playlist (`STEM.m3u8`) is written to.
    pub dir: PathBuf,
    /// The directory its segments go to, relative to `dir` and `/`-separated
    /// (e.g. `live/3f9c2a7e`): a name no earlier stream used, so no cache mixes two.
    pub segments: String,
    /// Told after every publication, in order; the first means the narration can be played.
    pub on_publish: Box<dyn Fn(&LivePublished) + Send + Sync>,
}

/// A failure of the live stream.
pub(super) enum LiveError {
    Audio(AudioError),
    Output(OutputError),
}

/// A narration's live stream while it is being assembled.
pub(super) struct Live {
    options: LiveOptions,
    stream: Option<LiveStream>,
    level: Option<LiveLevel>,
    audio: AudioConfig,
    output: OutputConfig,
    rate: SampleRate,
    /// Silence already streamed at the end of the last piece: the start of the next chunk's
    /// pause, which the assembler has not laid down yet.
    ahead: usize,
}

impl Live {
    /// Start the stream named `stem` for audio at `rate`.
    pub(super) fn start(
        options: LiveOptions,
        stem: &str,
        config: &Config,
        rate: SampleRate,
    ) -> Result<Live, LiveError> {
        let stream =
            LiveStream::create(&options.dir, stem, &options.segments, &config.output, rate)
                .map_err(LiveError::Output)?;
        Ok(Live {
            options,
            stream: Some(stream),
            level: None,
            audio: config.audio.clone(),
            output: config.output.clone(),
            rate,
            ahead: 0,
        })
    }

    /// Stream what the assembler laid down for one chunk (`tapped`: its pause, then its
    /// audio) and the `gap` of silence that will follow it, and publish.
    pub(super) fn push(&mut self, tapped: &[f32], gap: Samples) -> Result<(), LiveError> {
        let skip = self.ahead.min(tapped.len());
        debug_assert!(tapped[..skip].iter().all(|s| *s == 0.0), "the pause was not silent");
        let mut piece = tapped[skip..].to_vec();
        piece.resize(piece.len() + gap.as_usize(), 0.0);
        self.ahead = gap.as_usize();
        let level = match &mut self.level {
            Some(level) => level,
            None => self.level.insert(self.first_level(&piece)?),
        };
        let mut levelled = Vec::with_capacity(piece.len());
        level.process(&piece, &mut levelled);
        let Some(stream) = &mut self.stream else { return Ok(()) };
        stream.write(&levelled).map_err(LiveError::Output)?;
        let published = stream.publish().map_err(LiveError::Output)?;
        if !published.files.is_empty() {
            (self.options.on_publish)(&published);
        }
        Ok(())
    }

    /// Stream the rest and end the playlist.
    pub(super) fn finish(mut self) -> Result<(), LiveError> {
        let mut rest = Vec::new();
        if let Some(level) = &mut self.level {
            level.finish(&mut rest);
        }
        let Some(mut stream) = self.stream.take() else { return Ok(()) };
        stream.write(&rest).map_err(LiveError::Output)?;
        let published = stream.finish().map_err(LiveError::Output)?;
        (self.options.on_publish)(&published);
        Ok(())
    }

    /// The levelling, set as the finished file's will be: what MP3 encoding does to the
    /// loudness and peaks of the opening (as the final render measures it on an excerpt)
    /// is allowed for in the same way.
    fn first_level(&self, opening: &[f32]) -> Result<LiveLevel, LiveError> {
        let audio = &self.audio;
        let (loss, rise) =
            output::mp3_lossy_effect(opening, self.rate, &self.output).unwrap_or((0.0, 0.0));
        let offset = loss.clamp(0.0, 2.0);
        let headroom = audio.lossy_headroom_db.max(rise.clamp(0.0, 3.0) + 0.3);
        LiveLevel::new(audio, self.rate, offset, headroom).map_err(LiveError::Audio)
    }
}

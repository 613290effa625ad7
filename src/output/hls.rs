//! A narration published while it is still being made: HTTP Live Streaming (RFC 8216) of
//! MP3 "packed audio" segments, in a playlist that grows until it ends.
//!
//! One LAME encoder runs over the whole stream (so there is one encoder delay at the start,
//! not a gap at every segment) with its bit reservoir off, so the stream can be cut between
//! any two frames into segments that each decode on their own. Each segment starts with the
//! ID3 `PRIV` timestamp RFC 8216 §3.4 asks of packed audio. Segments are short (two seconds
//! at most, so `#EXT-X-TARGETDURATION:2`) and are cut from the frames encoded so far each
//! time [`LiveStream::publish`] is called; the playlist is `#EXT-X-PLAYLIST-TYPE:EVENT`
//! (segments are only ever added) and gets `#EXT-X-ENDLIST` from [`LiveStream::finish`].
//!
//! Every file is written atomically and each segment before the playlist that lists it, so
//! a player never sees a half-written segment nor a playlist naming one that is not there.
//!
//! ```text
//! DIR/NAME.m3u8                    the playlist
//! DIR/SEGMENTS/NAME-00000.mp3 ...  its segments (SEGMENTS is given: e.g. live/3f9c2a7e)
//! ```

use std::path::{Path, PathBuf};

use id3::TagLike;
use mp3lame_encoder::{Encoder, FlushGap, MonoPcm};

use super::{OutputConfig, OutputError, write_atomic};
use crate::model::{SampleRate, Samples};

/// The longest segment, in seconds: the playlist's target duration.
pub const TARGET_SECS: u32 = 2;

/// The owner of the ID3 frame that carries a packed audio segment's timestamp.
const TIMESTAMP_OWNER: &str = "com.apple.streaming.transportStreamTimestamp";

/// The MPEG-2 timestamp clock.
const PTS_HZ: u64 = 90_000;

/// What a [`LiveStream::publish`] or [`LiveStream::finish`] added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LivePublished {
    /// The files written, segments first and the playlist last.
    pub files: Vec<PathBuf>,
    /// Segments in the playlist now.
    pub segments: usize,
    /// How much audio the playlist's segments hold now.
    pub duration: Samples,
    /// Whether the playlist is complete (`#EXT-X-ENDLIST`).
    pub ended: bool,
}

/// An HLS stream being written.
pub struct LiveStream {
    dir: PathBuf,
    playlist: PathBuf,
    /// The segments' directory, relative to `dir`, `/`-separated.
    segments_uri: String,
    stem: String,
    encoder: Encoder,
    rate: SampleRate,
    /// Samples per MP3 frame: 1152 for MPEG-1 rates, 576 below 32 kHz.
    frame_samples: u64,
    max_frames: usize,
    /// Encoded bytes after the last whole frame.
    partial: Vec<u8>,
    /// Whole frames not yet in a segment, and where each starts in `frames`.
    frames: Vec<u8>,
    frame_starts: Vec<usize>,
    /// Published segments: file name and frames.
    segments: Vec<(String, usize)>,
    published_frames: u64,
    ended: bool,
}

impl LiveStream {
    /// Start a stream of mono audio at `rate`: the playlist `dir/stem.m3u8`, its segments in
    /// `dir/segments` (a relative, `/`-separated path, created now). Nothing is published
    /// until [`LiveStream::publish`].
    ///
    /// # Errors
    ///
    /// A rate MP3 cannot hold, or a directory that cannot be created.
    pub fn create(
        dir: &Path,
        stem: &str,
        segments: &str,
        config: &OutputConfig,
        rate: SampleRate,
    ) -> Result<LiveStream, OutputError> {
        let playlist = dir.join(format!("{stem}.m3u8"));
        let encoder = super::mp3::live_encoder(config, rate)
            .map_err(|message| OutputError::Encoder { path: playlist.clone(), message })?;
        let segments_dir = dir.join(segments);
        super::prepare_dir(&segments_dir)?;
        let frame_samples: u64 = if rate.0 >= 32_000 { 1152 } else { 576 };
        #[allow(clippy::cast_possible_truncation)] // a couple of hundred frames
        let max_frames = (u64::from(TARGET_SECS) * u64::from(rate.0) / frame_samples) as usize;
        Ok(LiveStream {
            dir: dir.to_path_buf(),
            playlist,
            segments_uri: segments.trim_matches('/').to_owned(),
            stem: stem.to_owned(),
            encoder,
            rate,
            frame_samples,
            max_frames,
            partial: Vec::new(),
            frames: Vec::new(),
            frame_starts: Vec::new(),
            segments: Vec::new(),
            published_frames: 0,
            ended: false,
        })
    }

    /// The playlist's path.
    #[must_use]
    pub fn playlist(&self) -> &Path {
        &self.playlist
    }

    /// Encode more of the stream; it is published by the next [`LiveStream::publish`].
    ///
    /// # Errors
    ///
    /// The encoder failed.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        let mut bytes =
            Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(samples.len()));
        self.encoder
            .encode_to_vec(MonoPcm(samples), &mut bytes)
            .map_err(|e| self.encoder_error(e))?;
        self.take_frames(&bytes);
        Ok(())
    }

    /// Publish every whole frame encoded so far, in segments of at most
    /// [`TARGET_SECS`], and the playlist listing them. Nothing new, nothing written.
    ///
    /// # Errors
    ///
    /// A file that cannot be written.
    pub fn publish(&mut self) -> Result<LivePublished, OutputError> {
        let mut files = self.cut()?;
        if !files.is_empty() {
            write_atomic(&self.playlist, self.m3u8().as_bytes())?;
            files.push(self.playlist.clone());
        }
        Ok(self.published(files))
    }

    /// Flush the encoder, publish the rest and end the playlist.
    ///
    /// # Errors
    ///
    /// The encoder failed, or a file cannot be written.
    pub fn finish(mut self) -> Result<LivePublished, OutputError> {
        let mut bytes = Vec::with_capacity(7200);
        self.encoder.flush_to_vec::<FlushGap>(&mut bytes).map_err(|e| self.encoder_error(e))?;
        self.take_frames(&bytes);
        let mut files = self.cut()?;
        self.ended = true;
        write_atomic(&self.playlist, self.m3u8().as_bytes())?;
        files.push(self.playlist.clone());
        Ok(self.published(files))
    }

    fn published(&self, files: Vec<PathBuf>) -> LivePublished {
        LivePublished {
            files,
            segments: self.segments.len(),
            duration: Samples(self.published_frames * self.frame_samples),
            ended: self.ended,
        }
    }

    fn encoder_error(&self, e: impl std::fmt::Display) -> OutputError {
        OutputError::Encoder { path: self.playlist.clone(), message: e.to_string() }
    }

    /// Move the whole frames in `partial` + `bytes` to `frames`.
    fn take_frames(&mut self, bytes: &[u8]) {
        self.partial.extend_from_slice(bytes);
        let mut at = 0;
        while let Some(length) = frame_length(&self.partial[at..]) {
            if at + length > self.partial.len() {
                break;
            }
            self.frame_starts.push(self.frames.len());
            self.frames.extend_from_slice(&self.partial[at..at + length]);
            at += length;
        }
        self.partial.drain(..at);
    }

    /// Write the pending frames as segments of nearly equal length, none over the target.
    fn cut(&mut self) -> Result<Vec<PathBuf>, OutputError> {
        let count = self.frame_starts.len();
        if count == 0 {
            return Ok(Vec::new());
        }
        let pieces = count.div_ceil(self.max_frames);
        let mut files = Vec::with_capacity(pieces);
        let mut first = 0;
        for piece in 0..pieces {
            let last = count * (piece + 1) / pieces;
            let start = self.frame_starts[first];
            let end = self.frame_starts.get(last).copied().unwrap_or(self.frames.len());
            let name = format!("{}-{:05}.mp3", self.stem, self.segments.len());
            let path = self.dir.join(&self.segments_uri).join(&name);
            let mut bytes = timestamp_tag(self.published_frames * self.frame_samples, self.rate);
            bytes.extend_from_slice(&self.frames[start..end]);
            write_atomic(&path, &bytes)?;
            self.segments.push((name, last - first));
            self.published_frames += (last - first) as u64;
            files.push(path);
            first = last;
        }
        self.frames.clear();
        self.frame_starts.clear();
        Ok(files)
    }

    /// The playlist as it stands.
    fn m3u8(&self) -> String {
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{TARGET_SECS}\n\
             #EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        );
        for (name, frames) in &self.segments {
            let samples = *frames as u64 * self.frame_samples;
            let ms = samples * 1000 / u64::from(self.rate.0);
            text.push_str(&format!(
                "#EXTINF:{}.{:03},\n{}/{name}\n",
                ms / 1000,
                ms % 1000,
                self.segments_uri
            ));
        }
        if self.ended {
            text.push_str("#EXT-X-ENDLIST\n");
        }
        text
    }
}

/// The ID3v2.4 tag a packed audio segment starts with: a `PRIV` frame holding the 33-bit,
/// 90 kHz timestamp of its first sample (`position` samples into the stream at `rate`).
fn timestamp_tag(position: u64, rate: SampleRate) -> Vec<u8> {
    let pts = (u128::from(position) * u128::from(PTS_HZ) / u128::from(rate.0.max(1))) as u64;
    let private = id3::frame::Private {
        owner_identifier: TIMESTAMP_OWNER.to_owned(),
        private_data: (pts & ((1 << 33) - 1)).to_be_bytes().to_vec(),
    };
    let mut tag = id3::Tag::new();
    tag.add_frame(private);
    let mut bytes = Vec::new();
    // Writing to memory cannot fail for a tag this small.
    let _ = tag.write_to(&mut bytes, id3::Version::Id3v24);
    bytes
}

/// The length of the MPEG-1/2/2.5 Layer III frame at the start of `bytes`, if one starts
/// there (`None` when the header is incomplete or not a Layer III header).
fn frame_length(bytes: &[u8]) -> Option<usize> {
    const MPEG1: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const MPEG2: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let header = bytes.get(..4)?;
    if header[0] != 0xFF || header[1] & 0xE0 != 0xE0 || (header[1] >> 1) & 3 != 1 {
        return None;
    }
    let version = (header[1] >> 3) & 3;
    let bitrate_index = usize::from(header[2] >> 4);
    let rate_index = usize::from((header[2] >> 2) & 3);
    let padding = u32::from((header[2] >> 1) & 1);
    let (bitrates, rates, factor) = match version {
        3 => (&MPEG1, [44_100, 48_000, 32_000], 144_000),
        2 => (&MPEG2, [22_050, 24_000, 16_000], 72_000),
        0 => (&MPEG2, [11_025, 12_000, 8_000], 72_000),
        _ => return None,
    };
    let kbps = *bitrates.get(bitrate_index).filter(|k| **k > 0)?;
    let rate = *rates.get(rate_index)?;
    Some((factor * kbps / rate + padding) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AudioFormat, SpeechAudio};

    #[allow(clippy::cast_precision_loss)]
    fn speechlike(seconds: f32) -> Vec<f32> {
        (0..(24_000.0 * seconds) as usize)
            .map(|i| {
                let t = i as f32 / 24_000.0;
                0.3 * (t * 220.0 * std::f32::consts::TAU).sin() * (t * 3.0).sin().abs()
            })
            .collect()
    }

    fn decode(bytes: Vec<u8>) -> crate::audio::Pcm {
        crate::audio::decode(&SpeechAudio { bytes, format: AudioFormat::Mp3 }).unwrap()
    }

    fn segment_names(playlist: &str) -> Vec<String> {
        playlist
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_stream_grows_in_short_segments_that_decode_alone_and_together() {
        let tmp = tempfile::tempdir().unwrap();
        let rate = SampleRate(24_000);
        let config = OutputConfig::default();
        let mut live = LiveStream::create(tmp.path(), "story", "live/abc", &config, rate).unwrap();
        assert_eq!(live.publish().unwrap(), LivePublished::default(), "nothing to publish yet");
        let audio = speechlike(9.3);
        let (head, rest) = audio.split_at(24_000 * 3);
        live.write(head).unwrap();
        let first = live.publish().unwrap();
        assert!(!first.ended && first.segments == 2, "{first:?}");
        // LAME holds back about a frame and its delay; everything else is out.
        let lag = head.len() as u64 - first.duration.0;
        assert!(lag < 2 * 1152 + 576, "{lag} samples held back");
        let playlist = std::fs::read_to_string(live.playlist()).unwrap();
        assert!(playlist.starts_with("#EXTM3U\n") && !playlist.contains("#EXT-X-ENDLIST"));
        assert!(playlist.contains("#EXT-X-PLAYLIST-TYPE:EVENT\n#"), "{playlist}");
        live.write(rest).unwrap();
        let done = live.finish().unwrap();
        assert!(done.ended && done.segments >= 5, "{done:?}");
        let playlist = std::fs::read_to_string(tmp.path().join("story.m3u8")).unwrap();
        assert!(playlist.ends_with("#EXT-X-ENDLIST\n"), "{playlist}");
        let mut whole = Vec::new();
        let mut listed_ms = 0;
        for (line, name) in
            playlist.lines().filter(|l| l.starts_with("#EXTINF:")).zip(segment_names(&playlist))
        {
            let secs: f64 = line["#EXTINF:".len()..].trim_end_matches(',').parse().unwrap();
            assert!(secs.round() <= f64::from(TARGET_SECS), "{line}");
            listed_ms += (secs * 1000.0).round() as u64;
            assert!(name.starts_with("live/abc/story-"), "{name}");
            let bytes = std::fs::read(tmp.path().join(&name)).unwrap();
            assert!(bytes.starts_with(b"ID3\x04"), "packed audio starts with its timestamp tag");
            let alone = decode(bytes.clone());
            #[allow(clippy::cast_possible_truncation)]
            let expected = (secs * 24_000.0).round() as usize;
            assert!(alone.samples.len().abs_diff(expected) <= 576, "{name} decodes alone");
            let audio_start = 10
                + (bytes[6] as usize) * 2_097_152
                + (bytes[7] as usize) * 16_384
                + (bytes[8] as usize) * 128
                + bytes[9] as usize;
            whole.extend_from_slice(&bytes[audio_start..]);
        }
        let together = decode(whole);
        assert!(together.samples.len() >= audio.len(), "the whole stream is there");
        assert!(listed_ms.abs_diff(together.samples.len() as u64 * 1000 / 24_000) <= 5);
    }

    #[test]
    fn timestamps_count_the_samples_before_each_segment() {
        let tag = timestamp_tag(48_000, SampleRate(24_000));
        let parsed = id3::Tag::read_from2(std::io::Cursor::new(&tag)).unwrap();
        let private = parsed
            .frames()
            .find_map(|f| match f.content() {
                id3::Content::Private(p) => Some(p.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(private.owner_identifier, TIMESTAMP_OWNER);
        assert_eq!(private.private_data, 180_000u64.to_be_bytes());
    }

    #[test]
    fn frame_headers_give_frame_lengths() {
        // MPEG-2 Layer III, 64 kbit/s, 24 kHz, no padding: 72000 * 64 / 24000 = 192.
        assert_eq!(frame_length(&[0xFF, 0xF3, 0x84, 0xC4]), Some(192));
        assert_eq!(frame_length(&[0xFF, 0xF3, 0x86, 0xC4]), Some(193));
        assert_eq!(frame_length(&[0xFF, 0xF3]), None);
        assert_eq!(frame_length(b"ID3\x04"), None);
    }
}

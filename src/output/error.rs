//! What can go wrong writing a narration's files.

use std::path::{Path, PathBuf};

/// A failure to write outputs. Messages name the file (its final path, even while it is
/// still a temp file) and say what to do. When `Writer::finish` returns one, nothing at the
/// final paths has changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file could not be created, written or renamed.
    #[error(
        "cannot write {}: {source}; check that the output directory is writable and the disk \
         has room",
        path.display()
    )]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The MP3 encoder refused its settings or failed while encoding.
    #[error(
        "cannot encode {}: the mp3 encoder failed ({message}); check the [output] mp3 settings",
        path.display()
    )]
    Encoder {
        /// The MP3 file.
        path: PathBuf,
        /// LAME's complaint.
        message: String,
    },
    /// The ID3 tag (title, chapters) could not be written.
    #[error("cannot write the ID3 tag of {}: {message}", path.display())]
    Tag {
        /// The MP3 file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A requested format cannot hold audio with these settings (say, MP3 at 96 kHz).
    #[error("cannot write this audio: {}", problems.join("; "))]
    Unsupported {
        /// Each problem, naming the setting to change.
        problems: Vec<String>,
    },
    /// `--format` or `[output] formats` named a format that does not exist.
    #[error("unknown format {0:?}; use mp3, wav or smil")]
    UnknownFormat(String),
    /// The audio written, the timeline and the manifest disagree about timing. Nothing was
    /// written, since the chapter marks would not match the audio.
    #[error(
        "the narration's timing does not add up: {0}; nothing was written (this is a bug in \
         articulate, please report it)"
    )]
    Inconsistent(String),
    /// Measuring what MP3 encoding does to an excerpt failed.
    #[error("cannot measure mp3 encoding on an excerpt: {0}")]
    Measure(String),
}

impl OutputError {
    /// A closure turning an I/O error on `path` into an [`OutputError::Io`].
    pub(crate) fn io(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
        move |source| OutputError::Io { path: path.to_path_buf(), source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_name_the_final_file_and_say_what_to_check() {
        let e = OutputError::io(Path::new("audio_out/story.mp3"))(std::io::Error::other("boom"));
        let text = e.to_string();
        assert!(text.starts_with("cannot write audio_out/story.mp3: boom;"), "{text}");
        assert!(text.contains("writable"), "{text}");
    }
}

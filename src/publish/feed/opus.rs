//! The low-bandwidth rendition a feed offers beside the MP3: Ogg Opus at 24 kbit/s, about a
//! third of the 64 kbit/s MP3, and clear for speech.
//!
//! Encoded by `ffmpeg` (libopus) run as a process, from the MP3 beside it. `ffmpeg` is
//! optional: without it the feed lists the MP3 alone and says why once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::model::Manifest;
use crate::output::disclosure_of;

/// The rendition's bitrate in bits per second: speech stays clear at this rate in Opus.
pub const BITRATE: u32 = 24_000;
/// Its MIME type.
pub const MIME: &str = "audio/ogg";

/// Why there is no Opus rendition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpusError {
    /// No `ffmpeg` to encode with.
    #[error(
        "no low-bandwidth Opus rendition: ffmpeg is not installed (install it, e.g. \
         `apt-get install ffmpeg`, for podcast:alternateEnclosure); the feed lists the MP3 only"
    )]
    NoEncoder,
    /// The encoder failed.
    #[error("{}: Opus encoding failed: {message}", path.display())]
    Failed {
        /// The Opus file.
        path: PathBuf,
        /// What the encoder said.
        message: String,
    },
}

/// `NAME.opus` beside `NAME.mp3`.
#[must_use]
pub fn rendition_of(mp3: &Path) -> PathBuf {
    mp3.with_extension("opus")
}

/// Whether `ffmpeg` with an Opus encoder can be run.
#[must_use]
pub fn available() -> bool {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-h", "encoder=libopus"])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("libopus"))
}

/// Make `NAME.opus` from `mp3` unless one at least as new is there; whether it encoded.
/// The file is written under a temp name and renamed into place, so a failure leaves no
/// half-written rendition.
///
/// # Errors
///
/// [`OpusError::NoEncoder`] without ffmpeg; [`OpusError::Failed`] when it fails.
pub fn ensure(mp3: &Path, manifest: &Manifest) -> Result<bool, OpusError> {
    let opus = rendition_of(mp3);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(done), Some(source)) = (modified(&opus), modified(mp3))
        && done >= source
    {
        return Ok(false);
    }
    encode(mp3, &opus, manifest)?;
    Ok(true)
}

/// Encode `mp3` into `opus`, with the title and the synthetic-voice disclosure as tags.
///
/// # Errors
///
/// [`OpusError::NoEncoder`] without ffmpeg; [`OpusError::Failed`] when it fails.
pub fn encode(mp3: &Path, opus: &Path, manifest: &Manifest) -> Result<(), OpusError> {
    let failed = |message: String| OpusError::Failed { path: opus.to_path_buf(), message };
    let dir = opus.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".articulate-")
        .suffix(".opus.tmp")
        .tempfile_in(dir)
        .map_err(|e| failed(e.to_string()))?;
    let mut command = Command::new("ffmpeg");
    command
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(mp3)
        .args(["-map_metadata", "-1", "-map", "0:a", "-c:a", "libopus", "-b:a"])
        .arg(BITRATE.to_string())
        .args(["-vbr", "on", "-application", "voip"])
        .arg("-metadata")
        .arg(format!("title={}", manifest.title))
        .arg("-metadata")
        .arg(format!("comment={}", disclosure_of(manifest)))
        .arg("-metadata")
        .arg(format!(
            "{}=backend={}; voice={}",
            crate::output::SYNTHETIC_VOICE,
            manifest.backend,
            manifest.voice
        ))
        // Bit-exact: the Ogg stream serial is otherwise random, and the same narration must
        // give the same file (a re-run rewrites nothing; a killed run's files stay whole).
        .args(["-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "ogg"])
        .arg(temp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    dies_with_parent(&mut command);
    let output = match command.output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(OpusError::NoEncoder),
        Err(e) => return Err(failed(e.to_string())),
    };
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let line = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("no message");
        if line.contains("Unknown encoder") {
            return Err(OpusError::NoEncoder);
        }
        return Err(failed(format!("ffmpeg exited with {}: {line}", output.status)));
    }
    temp.persist(opus).map_err(|e| failed(e.error.to_string()))?;
    Ok(())
}

/// The encoder dies with the thread that waits for it: a server killed mid-encode must not
/// leave ffmpeg writing a temp file into the output directory after the next start swept it.
fn dies_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: between fork and exec the closure only calls prctl, which is
        // async-signal-safe and touches no memory of the parent's.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

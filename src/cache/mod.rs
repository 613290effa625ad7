//! A content-addressed cache of synthesized chunks, so unchanged text is never paid for twice.
//!
//! The key hashes everything that changes the audio: the backend, its resolved settings, the
//! exact request text, the format asked for, and [`SCHEMA`]. Entries are written to a temp
//! file and renamed, and carry a checksum of their payload, so a torn or corrupted entry is
//! detected on read and synthesized again rather than stitched.

mod cached;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use cached::Cached;

use crate::model::{AudioFormat, SpeechAudio};

/// Bumped whenever the key or the entry layout changes, orphaning older entries.
pub const SCHEMA: u32 = 1;

const MAGIC: &[u8; 8] = b"ARTCACH1";
const HEADER: usize = 8 + 32 + 8;

/// Everything that determines a chunk's audio.
#[derive(Debug, Serialize)]
pub struct CacheKey<'a> {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The backend kind.
    pub backend: &'a str,
    /// The backend's resolved settings (voice, rate, model...), never secrets.
    pub settings: &'a serde_json::Value,
    /// The exact text sent, after normalisation and the lexicon.
    pub text: &'a str,
    /// The language sent with it.
    pub language: Option<&'a str>,
    /// The format asked for.
    pub format: AudioFormat,
}

impl CacheKey<'_> {
    /// The key's hex digest, which names the entry.
    #[must_use]
    pub fn digest(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        // Serializing plain data into a hasher cannot fail.
        let _ = serde_json::to_writer(&mut hasher, self);
        hasher.finalize().to_hex().to_string()
    }
}

/// A failure to use the cache. Reads never fail (a bad entry is a miss); writes can.
#[derive(Debug, thiserror::Error)]
#[error("cache {}: {source}; check permissions and free space, or set --cache-dir", path.display())]
pub struct CacheError {
    /// The file or directory involved.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

/// Chunk audio stored in a directory, one file per key.
#[derive(Clone, Debug)]
pub struct ChunkCache {
    dir: PathBuf,
}

impl ChunkCache {
    /// A cache in `dir`, created if missing.
    ///
    /// # Errors
    ///
    /// When the directory cannot be created.
    pub fn open(dir: &Path) -> Result<ChunkCache, CacheError> {
        std::fs::create_dir_all(dir).map_err(|source| CacheError { path: dir.to_path_buf(), source })?;
        Ok(ChunkCache { dir: dir.to_path_buf() })
    }

    /// The platform's default location: `$XDG_CACHE_HOME/articulate`, else
    /// `~/.cache/articulate`, else a directory under the system temp dir.
    #[must_use]
    pub fn default_dir() -> PathBuf {
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("articulate")
    }

    /// The directory entries live in.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(&digest[..2]).join(digest)
    }

    /// The stored audio for `digest`, if an intact entry exists.
    #[must_use]
    pub fn get(&self, digest: &str, format: AudioFormat) -> Option<SpeechAudio> {
        let path = self.path(digest);
        let bytes = std::fs::read(&path).ok()?;
        match verify(&bytes) {
            Some(payload) => Some(SpeechAudio { bytes: payload.to_vec(), format }),
            None => {
                tracing::warn!(entry = %path.display(), "Corrupt cache entry ignored; it will be synthesized again.");
                None
            }
        }
    }

    /// Store audio under `digest`, atomically.
    ///
    /// # Errors
    ///
    /// When the entry cannot be written.
    pub fn put(&self, digest: &str, audio: &SpeechAudio) -> Result<(), CacheError> {
        let path = self.path(digest);
        let dir = path.parent().unwrap_or(&self.dir);
        let fail = |source| CacheError { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(fail)?;
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        file.write_all(MAGIC).map_err(fail)?;
        file.write_all(blake3::hash(&audio.bytes).as_bytes()).map_err(fail)?;
        file.write_all(&(audio.bytes.len() as u64).to_le_bytes()).map_err(fail)?;
        file.write_all(&audio.bytes).map_err(fail)?;
        file.as_file().sync_data().map_err(fail)?;
        file.persist(&path).map_err(|e| fail(e.error))?;
        Ok(())
    }
}

/// The payload of an entry whose magic, length and checksum are all right.
fn verify(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return None;
    }
    let len = u64::from_le_bytes(bytes[40..48].try_into().ok()?);
    let payload = &bytes[HEADER..];
    (payload.len() as u64 == len && blake3::hash(payload).as_bytes()[..] == bytes[8..40]).then_some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key<'a>(text: &'a str, settings: &'a serde_json::Value) -> CacheKey<'a> {
        CacheKey { schema: SCHEMA, backend: "tone", settings, text, language: None, format: AudioFormat::Wav }
    }

    #[test]
    fn the_key_changes_with_text_settings_and_format() {
        let a = serde_json::json!({"voice": "a"});
        let b = serde_json::json!({"voice": "b"});
        let base = key("Hello.", &a).digest();
        assert_eq!(base, key("Hello.", &a).digest());
        assert_ne!(base, key("Hello!", &a).digest());
        assert_ne!(base, key("Hello.", &b).digest());
        assert_ne!(base, CacheKey { format: AudioFormat::Mp3, ..key("Hello.", &a) }.digest());
    }

    #[test]
    fn an_entry_round_trips() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ChunkCache::open(tmp.path()).unwrap();
        let audio = SpeechAudio { bytes: vec![1, 2, 3], format: AudioFormat::Wav };
        cache.put("abcdef", &audio).unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav), Some(audio));
        assert_eq!(cache.get("abcdee", AudioFormat::Wav), None);
    }

    #[test]
    fn a_truncated_or_corrupted_entry_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = ChunkCache::open(tmp.path()).unwrap();
        cache.put("abcdef", &SpeechAudio { bytes: vec![7; 100], format: AudioFormat::Wav }).unwrap();
        let path = cache.path("abcdef");
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav), None);
        let mut flipped = bytes.clone();
        flipped[60] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert_eq!(cache.get("abcdef", AudioFormat::Wav), None);
    }
}

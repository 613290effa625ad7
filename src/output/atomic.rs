//! Temp files beside their destination, renamed into place only when all are complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::OutputError;

/// A temp file in `dir` that becomes a published file: readable by all, as files written
/// the ordinary way would be (temp files are private by default).
pub(super) fn temp_in(dir: &Path) -> Result<NamedTempFile, OutputError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".articulate-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir).map_err(OutputError::io(dir))
}

/// A temp file in `dir` holding `bytes`, flushed to disk.
pub(super) fn temp_with(dir: &Path, bytes: &[u8]) -> Result<NamedTempFile, OutputError> {
    let mut file = temp_in(dir)?;
    file.write_all(bytes).map_err(OutputError::io(file.path()))?;
    file.as_file().sync_data().map_err(OutputError::io(dir))?;
    Ok(file)
}

/// Rename every finished temp file to its destination. Renames within one directory are
/// atomic, so each destination is either its old file or its complete new one.
pub(super) fn commit(pending: Vec<(NamedTempFile, PathBuf)>) -> Result<Vec<PathBuf>, OutputError> {
    let mut done = Vec::with_capacity(pending.len());
    for (file, path) in pending {
        file.persist(&path).map_err(|e| OutputError::Io { path: path.clone(), source: e.error })?;
        done.push(path);
    }
    Ok(done)
}

/// Write `bytes` to `path` atomically: a temp file in the same directory, then a rename.
///
/// # Errors
///
/// When the directory is not writable or the disk is full.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file = temp_with(dir, bytes)?;
    commit(vec![(file, path.to_path_buf())]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_whole_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.json");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1, "no temp file left");
    }
}

//! Temp files beside their destination, renamed into place only when all are complete.
//!
//! A rename within one directory is atomic, so each destination is always either its old
//! file or its complete new one. Several renames together are not, so [`commit`] keeps a
//! hidden link to every file it replaces until the last rename has succeeded, and puts the
//! old files back if one fails: a failed commit leaves the directory as it found it.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempPath};

use super::OutputError;

/// Temp files start with this, so a listing shows what they are and they sort apart.
const PREFIX: &str = ".articulate-";

/// A temp file in `dir` that will become a published file: readable by all, as files
/// written the ordinary way would be (temp files are private by default). `path` is the
/// final path, named in errors.
pub(super) fn temp_in(dir: &Path, path: &Path) -> Result<NamedTempFile, OutputError> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(PREFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(dir).map_err(OutputError::io(path))
}

/// A temp file in `dir` holding `bytes`, flushed to disk; `path` is its final path.
pub(super) fn temp_with(
    dir: &Path,
    path: &Path,
    bytes: &[u8],
) -> Result<NamedTempFile, OutputError> {
    let mut file = temp_in(dir, path)?;
    file.write_all(bytes).map_err(OutputError::io(path))?;
    file.as_file().sync_data().map_err(OutputError::io(path))?;
    Ok(file)
}

/// Rename every finished temp file to its destination (all in one directory), in order.
/// If any rename fails, the destinations already renamed get their old files back (or are
/// removed if they had none) before the error is returned.
pub(super) fn commit(pending: Vec<(NamedTempFile, PathBuf)>) -> Result<Vec<PathBuf>, OutputError> {
    let mut backups = Vec::with_capacity(pending.len());
    for (_, path) in &pending {
        backups.push(backup(path)?);
    }
    let mut done: Vec<PathBuf> = Vec::with_capacity(pending.len());
    for (file, path) in pending {
        if let Err(e) = file.persist(&path) {
            roll_back(&done, &mut backups);
            return Err(OutputError::Io { path, source: e.error });
        }
        done.push(path);
    }
    // Make the renames themselves durable; the data was synced when each file was written.
    // Best effort: not every platform or filesystem lets a directory be synced.
    if let Some(dir) = done.first().and_then(|p| p.parent()) {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(handle) = std::fs::File::open(dir) {
            let _ = handle.sync_all();
        }
    }
    Ok(done) // dropping `backups` deletes the links to the replaced files
}

/// A hidden second name for the regular file at `path`, if there is one, so it survives
/// being replaced. A hard link costs nothing; where links are not supported, a copy.
fn backup(path: &Path) -> Result<Option<TempPath>, OutputError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() => {}
        // Nothing to keep: no file, or something a rename will refuse to replace anyway.
        _ => return Ok(None),
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let link = tempfile::Builder::new()
        .prefix(PREFIX)
        .make_in(dir, |name| match std::fs::hard_link(path, name) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                let mut to = std::fs::OpenOptions::new().write(true).create_new(true).open(name)?;
                std::io::copy(&mut std::fs::File::open(path)?, &mut to)?;
                to.sync_data()
            }
            other => other,
        })
        .map_err(OutputError::io(path))?;
    Ok(Some(link.into_temp_path()))
}

/// Undo the renames to `done`, whose old files are in `backups` (in the same order).
fn roll_back(done: &[PathBuf], backups: &mut [Option<TempPath>]) {
    for (path, backup) in done.iter().zip(backups.iter_mut()) {
        let restored = match backup.take() {
            Some(old) => old.persist(path).map_err(|e| e.error),
            None => std::fs::remove_file(path),
        };
        if let Err(error) = restored {
            tracing::warn!(path = %path.display(), %error, "Could not restore the file.");
        }
    }
}

/// Write `bytes` to `path` atomically: a temp file in the same directory, then a rename.
/// Readers see the old contents or the new, never a mixture, and a failure leaves the old
/// file as it was.
///
/// # Errors
///
/// When the directory is missing or not writable, or the disk is full.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file = temp_with(dir, path, bytes)?;
    commit(vec![(file, path.to_path_buf())]).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file_and_leaves_no_temp_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.json");
        write_atomic(&path, b"old contents").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(tmp.path()), ["x.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn published_files_are_readable_by_everyone() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("x.json");
        write_atomic(&path, b"{}").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    }

    #[test]
    fn a_failed_commit_puts_back_the_files_it_had_already_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("a.txt"), "old a").unwrap();
        // A directory where the last file should go: renaming a file onto it fails.
        std::fs::create_dir(dir.join("c.txt")).unwrap();
        let pending = vec![
            (temp_with(dir, &dir.join("a.txt"), b"new a").unwrap(), dir.join("a.txt")),
            (temp_with(dir, &dir.join("b.txt"), b"new b").unwrap(), dir.join("b.txt")),
            (temp_with(dir, &dir.join("c.txt"), b"new c").unwrap(), dir.join("c.txt")),
        ];
        let err = commit(pending).unwrap_err();
        assert!(err.to_string().contains("c.txt"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.join("a.txt")).unwrap(), "old a");
        assert_eq!(names(dir), ["a.txt", "c.txt"], "b.txt is not created, no temp files");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("missing").join("x.json");
        let err = write_atomic(&path, b"{}").unwrap_err().to_string();
        assert!(err.contains("missing/x.json"), "{err}");
    }
}

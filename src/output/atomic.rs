//! Temp files beside their destination, renamed into place only when all are complete.
//!
//! A rename within one directory is atomic, so each destination is always either its old
//! file or its complete new one. Several renames together are not, so [`commit`] keeps a
//! hidden link to every file it replaces until the last rename has succeeded, and puts the
//! old files back if one fails: a failed commit leaves the directory as it found it.
//!
//! Every temp file is locked (`flock`) by the process writing it for as long as it lives,
//! and the kernel drops the lock when that process dies however it dies. So a temp file
//! nobody holds a lock on was left by a killed run, and [`sweep_temp_files`] removes it,
//! while another process's temp files in the same directory, still being written, stay.

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
    // A sweeper may remove a new name in the instant before it is locked: then take another.
    for _ in 0..8 {
        let file = builder.tempfile_in(dir).map_err(OutputError::io(path))?;
        if hold(file.as_file(), file.path()) {
            return Ok(file);
        }
    }
    Err(OutputError::io(path)(std::io::Error::other(
        "temp files vanished as they were made; is another program deleting them?",
    )))
}

/// Lock `file` for as long as it is open, and check it is still the file at `path`.
/// On a file system without locks there is nothing to hold, and sweeping leaves such files.
fn hold(file: &std::fs::File, path: &Path) -> bool {
    match file.try_lock() {
        Ok(()) => same_file(file, path),
        Err(std::fs::TryLockError::WouldBlock) => false,
        Err(std::fs::TryLockError::Error(_)) => true,
    }
}

/// Whether `path` names the open `file` (and not another, or nothing).
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.exists()
    }
}

/// Remove the temp files (ours, by their prefix) in `dir` that no running process holds: a
/// killed run's, never to be renamed into place. With `recursive`, in every directory under
/// it too (never following a link). The number removed.
pub fn sweep_temp_files(dir: &Path, recursive: bool) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_file() && entry.file_name().to_string_lossy().starts_with(PREFIX) {
            removed += usize::from(remove_if_abandoned(&path));
        } else if recursive && kind.is_dir() {
            removed += sweep_temp_files(&path, true);
        }
    }
    removed
}

/// Remove the temp file at `path` if no process holds its lock.
fn remove_if_abandoned(path: &Path) -> bool {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let Ok(file) = options.open(path) else { return false };
    // Locked: being written. Cannot lock at all: cannot tell, so leave it.
    if file.try_lock().is_err() || !same_file(&file, path) {
        return false;
    }
    // Holding the lock, nobody can have taken it up meanwhile.
    std::fs::remove_file(path).is_ok()
}

/// Make sure `dir` exists and a narration can be written into it, before any work is done
/// for one (a full synthesis may cost money), and clear out what a killed run left there.
///
/// # Errors
///
/// When the directory cannot be created or a file cannot be created in it.
pub fn prepare_dir(dir: &Path) -> Result<(), OutputError> {
    std::fs::create_dir_all(dir).map_err(OutputError::io(dir))?;
    sweep_temp_files(dir, false);
    // A real temp file, created and dropped: what writing the outputs will do.
    temp_in(dir, dir).map(drop)
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
/// being replaced (locked while it is kept, as every temp file). A hard link costs
/// nothing; where links are not supported, a copy.
fn backup(path: &Path) -> Result<Option<(TempPath, Option<std::fs::File>)>, OutputError> {
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
    let link = link.into_temp_path();
    let held = std::fs::File::open(&link).ok().filter(|f| hold(f, &link));
    Ok(Some((link, held)))
}

/// Undo the renames to `done`, whose old files are in `backups` (in the same order).
fn roll_back(done: &[PathBuf], backups: &mut [Option<(TempPath, Option<std::fs::File>)>]) {
    for (path, backup) in done.iter().zip(backups.iter_mut()) {
        let restored = match backup.take() {
            Some((old, _held)) => old.persist(path).map_err(|e| e.error),
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
    fn a_sweep_removes_abandoned_temp_files_but_not_those_being_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::create_dir(dir.join("story")).unwrap();
        // As a killed process leaves them: nobody holds their locks.
        std::fs::write(dir.join(".articulate-dead1"), "half").unwrap();
        std::fs::write(dir.join("story/.articulate-dead2"), "half").unwrap();
        std::fs::write(dir.join("story/story.mp3"), "kept").unwrap();
        let live = temp_in(&dir.join("story"), &dir.join("story/x.mp3")).unwrap();
        assert_eq!(sweep_temp_files(dir, false), 1);
        assert_eq!(sweep_temp_files(dir, true), 1);
        assert!(live.path().exists(), "a temp file being written stays");
        assert_eq!(names(&dir.join("story")).len(), 2, "{:?}", names(&dir.join("story")));
        drop(live);
        assert_eq!(names(&dir.join("story")), ["story.mp3"]);
    }

    #[test]
    fn preparing_a_directory_that_cannot_be_written_fails_before_any_work() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "not a directory").unwrap();
        let err = prepare_dir(&file.join("out")).unwrap_err().to_string();
        assert!(err.contains("file/out"), "{err}");
        prepare_dir(&tmp.path().join("fresh")).unwrap();
        assert!(names(&tmp.path().join("fresh")).is_empty(), "no file is left behind");
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("missing").join("x.json");
        let err = write_atomic(&path, b"{}").unwrap_err().to_string();
        assert!(err.contains("missing/x.json"), "{err}");
    }
}

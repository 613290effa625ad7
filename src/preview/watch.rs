//! Noticing that the input file was saved.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// How long writes must pause before a save counts as finished: editors save in several
/// steps (truncate and write, or write a temp file and rename it over the original).
const SETTLE: Duration = Duration::from_millis(150);

/// Watches one file for saves.
pub(super) struct FileWatch {
    // Dropping the watcher stops the notifications, so it lives as long as the receiver.
    _watcher: RecommendedWatcher,
    changes: mpsc::UnboundedReceiver<()>,
}

impl FileWatch {
    /// Start watching `path`.
    ///
    /// The directory is watched rather than the file: an editor that saves by renaming a new
    /// file over the old one replaces the very inode a file watch would be attached to.
    pub(super) fn new(path: &Path) -> Result<FileWatch, notify::Error> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name: OsString = path.file_name().map(OsString::from).unwrap_or_default();
        let (tx, changes) = mpsc::unbounded_channel();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                let Ok(event) = event else { return };
                // Reading the file (our own narration does) is not a change.
                if matches!(event.kind, EventKind::Access(_)) {
                    return;
                }
                if event.paths.iter().any(|p| p.file_name() == Some(name.as_os_str())) {
                    let _ = tx.send(());
                }
            })?;
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        Ok(FileWatch { _watcher: watcher, changes })
    }

    /// Wait for the next save to finish. `None` when notifications have stopped.
    pub(super) async fn changed(&mut self) -> Option<()> {
        self.changes.recv().await?;
        loop {
            match tokio::time::timeout(SETTLE, self.changes.recv()).await {
                Ok(Some(())) => {}
                Ok(None) => return None,
                Err(_) => return Some(()),
            }
        }
    }
}

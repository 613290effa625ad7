//! Where `serve` publishes: a local directory (served under `/audio/`), or an object store
//! (any S3-compatible bucket) that many `serve` processes on many machines share and that
//! players reach through `[serve] public_url`.
//!
//! Either way an article's files are `ID/ID.mp3`, `ID/ID.json` (the manifest) and so on, so
//! its URLs have the same shape. Into a directory, a job narrates straight into `ID/` (each
//! file renamed into place). Into a store, it narrates into a local staging directory, then
//! uploads every file, the manifest last, so whoever reads a manifest finds the audio it
//! names; then it removes what an earlier generation left that this one did not write.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::model::Manifest;
use crate::publish::feed::{FeedError, FeedOptions, StoreFeed};
use crate::store_url::{self, Target, put_options};

/// Files uploaded at once.
const UPLOADS: usize = 4;

/// A failure to open, publish into or remove from the output store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// `output_url` (or `--output-url`) is not a store articulate can open.
    #[error(
        "output url {url:?}: {message} (use a directory, file:///path, or s3://bucket/prefix \
         with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment)"
    )]
    Url {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        message: String,
    },
    /// The object store refused an operation.
    #[error(
        "output store {location}: cannot {action}: {source}; check that the bucket exists and \
         that the AWS_* credentials may list, write and delete in it"
    )]
    Store {
        /// The store's URL and the key involved.
        location: String,
        /// What was being done: `list`, `upload`, `delete`.
        action: &'static str,
        /// Why.
        source: object_store::Error,
    },
    /// A local file or directory could not be used.
    #[error("{}: {source}; check permissions and free space", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The output store.
#[derive(Debug)]
pub enum OutputStore {
    /// A local directory.
    Dir(PathBuf),
    /// An object store.
    Objects(Objects),
}

/// An object store and its feed.
#[derive(Debug)]
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    /// Its URL, for messages.
    url: String,
    feed: StoreFeed,
}

/// The directory a job narrates into; a staging directory is removed when dropped.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Staging {
    /// The directory to write the article's files into.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl OutputStore {
    /// The store `url` names: `s3://bucket/prefix` (endpoint, region and credentials from the
    /// `AWS_*` environment), `file:///dir` or a plain directory. A store's feed lists its
    /// newest `feed_episodes` episodes.
    ///
    /// # Errors
    ///
    /// [`StoreError::Url`] for a scheme articulate cannot open or an S3 configuration the
    /// client rejects.
    pub fn open(url: &str, feed_episodes: usize) -> Result<OutputStore, StoreError> {
        let fail = |message| StoreError::Url { url: url.to_owned(), message };
        match store_url::parse(url).map_err(fail)? {
            Target::Dir(dir) => Ok(OutputStore::Dir(dir)),
            Target::S3 { bucket, prefix } => {
                let store = store_url::s3(&bucket, &prefix).map_err(fail)?;
                Ok(OutputStore::objects(store, url, feed_episodes))
            }
        }
    }

    /// An object store named `url` in messages.
    #[must_use]
    pub fn objects(store: Arc<dyn ObjectStore>, url: &str, feed_episodes: usize) -> OutputStore {
        let url = url.trim_end_matches('/').to_owned();
        let feed = StoreFeed::new(Arc::clone(&store), &url, feed_episodes);
        OutputStore::Objects(Objects { store, url, feed })
    }

    /// The directory, when the store is local (and so served under `/audio/`).
    #[must_use]
    pub fn local_dir(&self) -> Option<&Path> {
        match self {
            OutputStore::Dir(dir) => Some(dir),
            OutputStore::Objects(_) => None,
        }
    }

    /// Make sure the store can be used: a directory is created, a bucket listed.
    ///
    /// # Errors
    ///
    /// A directory that cannot be created; a bucket that is missing or refuses the listing.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self {
            OutputStore::Dir(dir) => std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::Io { path: dir.clone(), source }),
            OutputStore::Objects(o) => match o.store.list(None).next().await {
                Some(Err(source)) => Err(o.error("", "list", source)),
                _ => Ok(()),
            },
        }
    }

    /// Where article `id` (a valid id: one plain name) is narrated.
    ///
    /// # Errors
    ///
    /// A staging directory that cannot be created.
    pub fn stage(&self, id: &str) -> Result<Staging, StoreError> {
        match self {
            OutputStore::Dir(dir) => Ok(Staging { dir: dir.join(id), _temp: None }),
            OutputStore::Objects(_) => {
                let temp = tempfile::Builder::new()
                    .prefix("articulate-publish-")
                    .tempdir()
                    .map_err(|source| StoreError::Io { path: std::env::temp_dir(), source })?;
                Ok(Staging { dir: temp.path().to_path_buf(), _temp: Some(temp) })
            }
        }
    }

    /// Publish what was narrated into `staging` for `id`, whose manifest is `manifest`.
    ///
    /// # Errors
    ///
    /// A staged file that cannot be read, an upload or a listing the store refuses. The
    /// manifest goes up last, so a failure leaves the earlier manifest (and its audio) or none.
    pub async fn publish(
        &self,
        id: &str,
        staging: &Staging,
        manifest: &Manifest,
    ) -> Result<(), StoreError> {
        let OutputStore::Objects(o) = self else { return Ok(()) };
        // The feed links it; up with the audio, it is never missing nor a generation behind.
        let transcript = staging.dir.join(format!("{id}.transcript.vtt"));
        std::fs::write(&transcript, crate::publish::feed::transcript_vtt(manifest))
            .map_err(|source| StoreError::Io { path: transcript, source })?;
        let files = staged_files(&staging.dir)?;
        let manifest_file = format!("{id}.json");
        // Collected first: a stream mapped by a borrowing closure makes the future not Send.
        let uploads: Vec<_> = files
            .iter()
            .filter(|f| **f != manifest_file)
            .map(|file| o.upload(&staging.dir, id, file))
            .collect();
        futures::stream::iter(uploads).buffer_unordered(UPLOADS).try_collect::<()>().await?;
        if files.contains(&manifest_file) {
            o.upload(&staging.dir, id, &manifest_file).await?;
        }
        let fresh: HashSet<String> = files.iter().map(|f| format!("{id}/{f}")).collect();
        let stale: Vec<Key> =
            o.keys(id).await?.into_iter().filter(|k| !fresh.contains(k.as_ref())).collect();
        o.delete(stale).await
    }

    /// Where a live stream of `id` (a valid id) is written: the article's own directory, or
    /// for a store a local directory its files are uploaded from (removed when dropped).
    ///
    /// # Errors
    ///
    /// A directory that cannot be created.
    pub fn live_dir(&self, id: &str) -> Result<Staging, StoreError> {
        match self {
            OutputStore::Dir(dir) => {
                let dir = dir.join(id);
                std::fs::create_dir_all(&dir)
                    .map_err(|source| StoreError::Io { path: dir.clone(), source })?;
                Ok(Staging { dir, _temp: None })
            }
            OutputStore::Objects(_) => self.stage(id),
        }
    }

    /// Publish files of a live stream of `id` written under `dir` ([`OutputStore::live_dir`]),
    /// in the order given (each segment before the playlist that lists it). Files in a
    /// directory are published where they are written.
    ///
    /// # Errors
    ///
    /// A file outside `dir`, or an upload the store refuses.
    pub async fn put_live(
        &self,
        id: &str,
        dir: &Path,
        files: &[PathBuf],
    ) -> Result<(), StoreError> {
        let OutputStore::Objects(o) = self else { return Ok(()) };
        for file in files {
            let relative = file.strip_prefix(dir).map_err(|_| StoreError::Io {
                path: file.clone(),
                source: std::io::Error::other("not in the stream's directory"),
            })?;
            let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
            o.upload(dir, id, &parts.join("/")).await?;
        }
        Ok(())
    }

    /// Take down (parts of) the live stream of `id` (a valid id): the segments in
    /// `live/TAG/`, or every stream's (`live/`) when `tag` is `None`; with `playlist` its
    /// playlist, taken down first (a player that can read it finds its segments); with
    /// `player` the player page too. What is not there is nothing to do.
    ///
    /// # Errors
    ///
    /// A file that cannot be removed, a listing or deletion the store refuses.
    pub async fn remove_live(
        &self,
        id: &str,
        tag: Option<&str>,
        playlist: bool,
        player: bool,
    ) -> Result<(), StoreError> {
        let segments = match tag {
            Some(tag) => format!("{id}/live/{tag}"),
            None => format!("{id}/live"),
        };
        let mut files = Vec::new();
        if playlist {
            files.push(format!("{id}/{id}.m3u8"));
        }
        let mut dirs = vec![segments];
        if player {
            dirs.push(format!("{id}/{}", crate::publish::PLAYER_DIR));
        }
        match self {
            OutputStore::Dir(dir) => {
                let gone = |result: std::io::Result<()>, path: PathBuf| match result {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        Err(StoreError::Io { path, source: e })
                    }
                    _ => Ok(()),
                };
                for file in files {
                    let path = dir.join(file);
                    gone(tokio::fs::remove_file(&path).await, path)?;
                }
                for sub in dirs {
                    let path = dir.join(sub);
                    gone(tokio::fs::remove_dir_all(&path).await, path)?;
                }
                // `live/` itself once no stream is left in it (a new one may be starting),
                // and the article's directory if the stream was all there was.
                let _ = tokio::fs::remove_dir(dir.join(id).join("live")).await;
                if player {
                    let _ = tokio::fs::remove_dir(dir.join(id)).await;
                }
                Ok(())
            }
            OutputStore::Objects(o) => {
                o.delete(files.iter().map(|f| Key::from(f.as_str())).collect()).await?;
                for sub in dirs {
                    let keys = o.keys(&sub).await?;
                    o.delete(keys).await?;
                }
                Ok(())
            }
        }
    }

    /// Remove everything published for `id` (a valid id); whether there was anything.
    ///
    /// # Errors
    ///
    /// A directory that cannot be removed, a listing or deletion the store refuses.
    pub async fn remove(&self, id: &str) -> Result<bool, StoreError> {
        match self {
            OutputStore::Dir(dir) => {
                let dir = dir.join(id);
                match tokio::fs::remove_dir_all(&dir).await {
                    Ok(()) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(source) => Err(StoreError::Io { path: dir, source }),
                }
            }
            OutputStore::Objects(o) => {
                let mut keys = o.keys(id).await?;
                if keys.is_empty() {
                    return Ok(false);
                }
                // The manifest first: a reader that finds it finds its audio still there.
                let manifest = format!("{id}/{id}.json");
                keys.sort_by_key(|k| k.as_ref() != manifest);
                o.delete(keys).await?;
                Ok(true)
            }
        }
    }

    /// Rewrite the podcast feed; the number of episodes in it.
    ///
    /// # Errors
    ///
    /// Whatever stops the feed being read or written.
    pub async fn write_feed(&self, options: FeedOptions) -> Result<usize, FeedError> {
        match self {
            OutputStore::Dir(dir) => {
                let dir = dir.clone();
                let path = dir.clone();
                tokio::task::spawn_blocking(move || {
                    crate::publish::feed::write_feed(&dir, &options)
                })
                .await
                .map_err(|e| FeedError::Io { path, source: std::io::Error::other(e) })?
                .map(|written| written.episodes)
            }
            OutputStore::Objects(o) => o.feed.write(&options).await,
        }
    }
}

impl Objects {
    async fn upload(&self, dir: &Path, id: &str, file: &str) -> Result<(), StoreError> {
        let path = dir.join(file);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|source| StoreError::Io { path: path.clone(), source })?;
        let key = format!("{id}/{file}");
        self.store
            .put_opts(&Key::from(key.as_str()), PutPayload::from(bytes), put_options(&key))
            .await
            .map_err(|source| self.error(&key, "upload", source))?;
        Ok(())
    }

    /// Every key under `id/`.
    async fn keys(&self, id: &str) -> Result<Vec<Key>, StoreError> {
        self.store
            .list(Some(&Key::from(id)))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|source| self.error(&format!("{id}/"), "list", source))
    }

    /// Delete `keys` in order.
    async fn delete(&self, keys: Vec<Key>) -> Result<(), StoreError> {
        for key in keys {
            match self.store.delete(&key).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(source) => return Err(self.error(key.as_ref(), "delete", source)),
            }
        }
        Ok(())
    }

    fn error(&self, key: &str, action: &'static str, source: object_store::Error) -> StoreError {
        StoreError::Store { location: format!("{}/{key}", self.url), action, source }
    }
}

/// The files under `dir`, `/`-separated and relative to it; hidden ones (a temporary file
/// left by a failed write) are not published.
fn staged_files(dir: &Path) -> Result<Vec<String>, StoreError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let io = |source| StoreError::Io { path: next.clone(), source };
        for entry in std::fs::read_dir(&next).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type().map_err(io)?.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<_> = relative.iter().map(|p| p.to_string_lossy()).collect();
                files.push(parts.join("/"));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;

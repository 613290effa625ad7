//! The podcast feed of an object store that many processes publish into.
//!
//! One paginated LIST gives every key with its size and upload time; the newest
//! `max_episodes` manifests (`ID/ID.json`, by upload time) are fetched, a few at once, and
//! remembered by ETag, so a rewrite fetches only manifests that changed. After writing
//! `feed.xml` the store is listed again: another process may have published (and written its
//! own feed from an older listing) meanwhile, so the writer whose listing is stale renders
//! again. The last writer thus always lists what its listing saw.

use std::collections::HashMap;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as Key;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload};

use super::{Episode, FeedError, FeedOptions, render_feed, transcript_json, transcript_vtt};
use crate::model::Manifest;
use crate::store_url::put_options;

/// Manifests fetched at once.
const FETCHES: usize = 8;
/// Renders per rewrite when other processes keep publishing while it runs.
const ROUNDS: usize = 4;

/// The feed of one object store, as one process keeps it.
#[derive(Debug)]
pub struct StoreFeed {
    store: Arc<dyn ObjectStore>,
    /// The store's URL, for messages.
    location: String,
    max_episodes: usize,
    /// Manifests already read, by key: their ETag (or upload time) and content.
    known: tokio::sync::Mutex<HashMap<String, (String, Manifest)>>,
}

impl StoreFeed {
    /// The feed of `store` (named `location` in messages), listing the newest
    /// `max_episodes` episodes.
    #[must_use]
    pub fn new(store: Arc<dyn ObjectStore>, location: &str, max_episodes: usize) -> StoreFeed {
        StoreFeed {
            store,
            location: location.trim_end_matches('/').to_owned(),
            max_episodes: max_episodes.max(1),
            known: tokio::sync::Mutex::default(),
        }
    }

    /// Write the feed (and any transcript it links that is missing) into the store; the
    /// number of episodes listed.
    ///
    /// # Errors
    ///
    /// A bad base URL, or a listing, read or write the store refuses.
    pub async fn write(&self, options: &FeedOptions) -> Result<usize, FeedError> {
        super::base_url(&options.base_url)?;
        let mut known = self.known.lock().await;
        let mut rendered: Option<Vec<(String, String)>> = None;
        let mut count = 0;
        for _ in 0..ROUNDS {
            let listing = self.list().await?;
            let chosen = newest_manifests(&listing, self.max_episodes);
            let seen: Vec<(String, String)> =
                chosen.iter().map(|m| (m.location.to_string(), version(m))).collect();
            if rendered.as_ref() == Some(&seen) {
                break;
            }
            self.fetch(&chosen, &mut known).await?;
            known.retain(|key, _| seen.iter().any(|(k, _)| k == key));
            let size_of = |key: &str| listing.get(key).map(|m| m.size);
            let episodes: Vec<Episode> = seen
                .iter()
                .filter_map(|(key, _)| {
                    let (_, manifest) = known.get(key)?;
                    let name = key.strip_suffix(".json")?.to_owned();
                    let mut episode = Episode::new(name, manifest.clone(), size_of)?;
                    episode.narrated_at = listing.get(key).map(|m| m.last_modified.into());
                    Some(episode)
                })
                .collect();
            for episode in &episodes {
                let transcript = episode.transcript();
                if !listing.contains_key(&transcript) {
                    self.put(&transcript, transcript_vtt(&episode.manifest)).await?;
                }
                let transcript = episode.transcript_json();
                if !listing.contains_key(&transcript) {
                    let json = transcript_json(&episode.manifest);
                    self.put(&transcript, json).await?;
                }
            }
            count = episodes.len();
            let xml = render_feed(episodes, options)?;
            self.put(&options.file_name, xml).await?;
            rendered = Some(seen);
        }
        Ok(count)
    }

    /// Every object in the store, by key.
    async fn list(&self) -> Result<HashMap<String, ObjectMeta>, FeedError> {
        self.store
            .list(None)
            .map_ok(|meta| (meta.location.to_string(), meta))
            .try_collect()
            .await
            .map_err(|source| self.error("", source))
    }

    /// Read the manifests among `chosen` that `known` lacks or has an older version of.
    async fn fetch(
        &self,
        chosen: &[&ObjectMeta],
        known: &mut HashMap<String, (String, Manifest)>,
    ) -> Result<(), FeedError> {
        let stale: Vec<&ObjectMeta> = chosen
            .iter()
            .copied()
            .filter(|m| known.get(m.location.as_ref()).is_none_or(|(v, _)| *v != version(m)))
            .collect();
        // Collected first: a stream mapped by a borrowing closure makes the future not Send.
        let reads: Vec<_> = stale
            .into_iter()
            .map(|meta| async move {
                let read = match self.store.get(&meta.location).await {
                    Ok(found) => found.bytes().await,
                    Err(e) => Err(e),
                };
                (meta, read)
            })
            .collect();
        let fetched: Vec<_> =
            futures::stream::iter(reads).buffer_unordered(FETCHES).collect().await;
        for (meta, read) in fetched {
            let key = meta.location.to_string();
            let bytes = match read {
                Ok(bytes) => bytes,
                // Unpublished since the listing: the next listing will not have it.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(source) => return Err(self.error(&key, source)),
            };
            match serde_json::from_slice::<Manifest>(&bytes) {
                Ok(manifest) => {
                    known.insert(key, (version(meta), manifest));
                }
                Err(e) => tracing::warn!(key, "Not an episode: manifest unreadable: {e}"),
            }
        }
        Ok(())
    }

    async fn put(&self, key: &str, text: String) -> Result<(), FeedError> {
        let payload = PutPayload::from(text.into_bytes());
        // A single PUT replaces the object whole: readers see the old feed or the new one.
        self.store
            .put_opts(&Key::from(key), payload, put_options(key))
            .await
            .map(drop)
            .map_err(|source| self.error(key, source))
    }

    fn error(&self, key: &str, source: object_store::Error) -> FeedError {
        FeedError::Store { location: format!("{}/{key}", self.location), source }
    }
}

/// What tells one upload of an object from another.
fn version(meta: &ObjectMeta) -> String {
    meta.e_tag.clone().unwrap_or_else(|| meta.last_modified.to_rfc3339())
}

/// The manifests `ID/ID.json` in a listing, most recently uploaded first, at most `max`.
fn newest_manifests(listing: &HashMap<String, ObjectMeta>, max: usize) -> Vec<&ObjectMeta> {
    let mut manifests: Vec<&ObjectMeta> = listing
        .iter()
        .filter(|(key, _)| {
            key.split_once('/')
                .is_some_and(|(id, file)| file.strip_suffix(".json") == Some(id) && !id.is_empty())
        })
        .map(|(_, meta)| meta)
        .collect();
    manifests.sort_by(|a, b| {
        b.last_modified.cmp(&a.last_modified).then_with(|| a.location.cmp(&b.location))
    });
    manifests.truncate(max);
    manifests
}

#[cfg(test)]
mod tests;

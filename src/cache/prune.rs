//! What the cache holds, and removing what is old or over a size budget.

use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use object_store::{ObjectMeta, ObjectStoreExt};
use serde::Serialize;

use super::{CacheError, ChunkCache};

/// What a cache holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Where the cache is.
    pub location: String,
    /// Chunk entries.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// When the least recently used entry was last used (local) or written (object store).
    #[serde(with = "unix_seconds")]
    pub oldest: Option<SystemTime>,
    /// When the most recently used entry was.
    #[serde(with = "unix_seconds")]
    pub newest: Option<SystemTime>,
}

/// What `prune` removes. Entries older than `older_than` go first; then, while the rest is
/// larger than `max_bytes`, the least recently used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrunePolicy {
    /// Keep at most this many bytes. Default: no limit.
    pub max_bytes: Option<u64>,
    /// Remove entries not used for this long. Default: no limit.
    pub older_than: Option<Duration>,
    /// Report what would be removed without removing it. Default: false.
    pub dry_run: bool,
}

/// What a prune removed (or, in a dry run, would remove) and what is left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    /// Entries removed.
    pub removed: u64,
    /// Bytes they held.
    pub removed_bytes: u64,
    /// Entries left.
    pub kept: u64,
    /// Bytes left.
    pub kept_bytes: u64,
}

impl ChunkCache {
    /// Count the entries and their size.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed.
    pub async fn stats(&self) -> Result<CacheStats, CacheError> {
        let entries = self.entries().await?;
        let times = entries.iter().map(|e| SystemTime::from(e.last_modified));
        Ok(CacheStats {
            location: self.location.clone(),
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.size).sum(),
            oldest: times.clone().min(),
            newest: times.max(),
        })
    }

    /// Remove entries as `policy` says, measuring age from `now`.
    ///
    /// Safe while narrations run: an entry removed under a reader is a miss, and it is
    /// synthesized and stored again.
    ///
    /// # Errors
    ///
    /// When the store cannot be listed or an entry cannot be removed.
    pub async fn prune(
        &self,
        policy: &PrunePolicy,
        now: SystemTime,
    ) -> Result<PruneReport, CacheError> {
        let mut entries = self.entries().await?;
        // Oldest first; the name breaks ties so the order does not depend on the listing.
        entries.sort_by(|a, b| {
            a.last_modified.cmp(&b.last_modified).then_with(|| a.location.cmp(&b.location))
        });
        let cutoff = policy.older_than.and_then(|age| now.checked_sub(age));
        let mut left: u64 = entries.iter().map(|e| e.size).sum();
        let mut report = PruneReport::default();
        for entry in &entries {
            let stale = cutoff.is_some_and(|c| SystemTime::from(entry.last_modified) < c);
            let over = policy.max_bytes.is_some_and(|max| left > max);
            if !(stale || over) {
                report.kept += 1;
                report.kept_bytes += entry.size;
                continue;
            }
            if !policy.dry_run {
                match self.store.delete(&entry.location).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(source) => {
                        return Err(CacheError::Store {
                            location: format!("{}/{}", self.location, entry.location),
                            source,
                        });
                    }
                }
            }
            left -= entry.size;
            report.removed += 1;
            report.removed_bytes += entry.size;
        }
        if !policy.dry_run {
            self.remove_stale_staging(now);
        }
        Ok(report)
    }

    /// Every chunk entry (`ab/abcdef…`); anything else in the store is not ours.
    async fn entries(&self) -> Result<Vec<ObjectMeta>, CacheError> {
        let listed: Vec<ObjectMeta> = self
            .store
            .list(None)
            .try_collect()
            .await
            .map_err(|source| CacheError::Store { location: self.location.clone(), source })?;
        Ok(listed.into_iter().filter(|meta| is_entry(meta.location.as_ref())).collect())
    }

    /// A writer killed mid-entry leaves its staging file (`NAME#N`) behind; one older than
    /// an hour belongs to nobody.
    fn remove_stale_staging(&self, now: SystemTime) {
        let Some(dir) = &self.local else { return };
        let Ok(shards) = std::fs::read_dir(dir) else { return };
        let cutoff = now.checked_sub(Duration::from_secs(3600)).unwrap_or(SystemTime::UNIX_EPOCH);
        for shard in shards.flatten() {
            let Ok(files) = std::fs::read_dir(shard.path()) else { continue };
            for file in files.flatten() {
                let name = file.file_name();
                let stale = file.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < cutoff);
                if name.to_string_lossy().contains('#') && stale {
                    let _ = std::fs::remove_file(file.path());
                }
            }
        }
    }
}

/// Whether a store path is a chunk entry: two hex digits, a slash, and a 64-digit key
/// that starts with them.
fn is_entry(location: &str) -> bool {
    let Some((shard, digest)) = location.rsplit_once('/') else { return false };
    let shard = shard.rsplit('/').next().unwrap_or(shard);
    digest.len() == 64
        && digest.bytes().all(|b| b.is_ascii_hexdigit())
        && digest.starts_with(shard)
        && shard.len() == 2
}

/// Times as whole seconds since the Unix epoch in JSON.
mod unix_seconds {
    use std::time::SystemTime;

    use serde::Serializer;

    #[allow(clippy::ref_option)] // serde's `with` passes a reference to the field.
    pub(super) fn serialize<S: Serializer>(
        time: &Option<SystemTime>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match time.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
            Some(d) => serializer.serialize_some(&d.as_secs()),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AudioFormat, SpeechAudio};

    fn digest(n: u8) -> String {
        blake3::hash(&[n]).to_hex().to_string()
    }

    /// A cache of three 1000-byte entries last used 40, 20 and 1 days before `now`.
    async fn aged_cache(dir: &std::path::Path, now: SystemTime) -> ChunkCache {
        let cache = ChunkCache::open(dir).unwrap();
        for (n, days) in [(1u8, 40u64), (2, 20), (3, 1)] {
            let audio = SpeechAudio {
                bytes: vec![n; 1000 - super::super::HEADER],
                format: AudioFormat::Wav,
            };
            cache.put(&digest(n), &audio).await.unwrap();
            let path = dir.join(&digest(n)[..2]).join(digest(n));
            let file = std::fs::File::options().append(true).open(path).unwrap();
            file.set_modified(now - Duration::from_secs(days * 86_400)).unwrap();
        }
        cache
    }

    #[tokio::test]
    async fn stats_count_entries_and_bytes_and_ignore_foreign_files() {
        let tmp = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = aged_cache(tmp.path(), now).await;
        std::fs::write(tmp.path().join("README"), "not an entry").unwrap();
        let stats = cache.stats().await.unwrap();
        assert_eq!((stats.entries, stats.bytes), (3, 3000));
        assert!(stats.oldest < stats.newest);
    }

    #[tokio::test]
    async fn prune_removes_entries_older_than_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = aged_cache(tmp.path(), now).await;
        let policy = PrunePolicy {
            older_than: Some(Duration::from_secs(30 * 86_400)),
            ..PrunePolicy::default()
        };
        let report = cache.prune(&policy, now).await.unwrap();
        assert_eq!((report.removed, report.kept, report.kept_bytes), (1, 2, 2000));
        assert_eq!(cache.get(&digest(1), AudioFormat::Wav).await, None);
        assert!(cache.get(&digest(2), AudioFormat::Wav).await.is_some());
    }

    #[tokio::test]
    async fn prune_to_a_size_removes_the_least_recently_used_first() {
        let tmp = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = aged_cache(tmp.path(), now).await;
        let policy = PrunePolicy { max_bytes: Some(1500), ..PrunePolicy::default() };
        let report = cache.prune(&policy, now).await.unwrap();
        assert_eq!((report.removed, report.removed_bytes, report.kept), (2, 2000, 1));
        assert!(cache.get(&digest(3), AudioFormat::Wav).await.is_some());
    }

    #[tokio::test]
    async fn a_dry_run_prune_reports_without_removing() {
        let tmp = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = aged_cache(tmp.path(), now).await;
        let policy = PrunePolicy { max_bytes: Some(0), dry_run: true, ..PrunePolicy::default() };
        assert_eq!(cache.prune(&policy, now).await.unwrap().removed, 3);
        assert_eq!(cache.stats().await.unwrap().entries, 3);
    }

    #[tokio::test]
    async fn a_hit_makes_an_entry_recently_used() {
        let tmp = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let cache = aged_cache(tmp.path(), now).await;
        assert!(cache.get(&digest(1), AudioFormat::Wav).await.is_some());
        let policy = PrunePolicy { max_bytes: Some(1000), ..PrunePolicy::default() };
        cache.prune(&policy, SystemTime::now()).await.unwrap();
        assert!(cache.get(&digest(1), AudioFormat::Wav).await.is_some(), "used just now");
    }
}

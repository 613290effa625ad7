//! Opening the store a cache lives in: a local directory or an S3-compatible bucket.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use super::CacheError;
use crate::store_url;
pub(super) use crate::store_url::Target;

/// Read a cache URL: `s3://bucket/prefix`, `file:///dir`, or a plain path.
pub(super) fn parse(url: &str) -> Result<Target, CacheError> {
    store_url::parse(url).map_err(|message| CacheError::Url { url: url.to_owned(), message })
}

/// A local directory store, created if missing. Writes are synced before they are renamed
/// into place, so an entry survives a power cut whole or not at all.
pub(super) fn local(dir: &Path) -> Result<(Arc<dyn ObjectStore>, PathBuf), CacheError> {
    let io = |source| CacheError::Io { path: dir.to_path_buf(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    let canonical = std::fs::canonicalize(dir).map_err(io)?;
    let store = LocalFileSystem::new_with_prefix(&canonical)
        .map_err(|source| CacheError::Store { location: dir.display().to_string(), source })?
        .with_fsync(true);
    Ok((Arc::new(store), canonical))
}

/// An S3-compatible bucket, configured from the `AWS_*` environment, with keys under `prefix`.
pub(super) fn s3(
    url: &str,
    bucket: &str,
    prefix: &str,
) -> Result<Arc<dyn ObjectStore>, CacheError> {
    store_url::s3(bucket, prefix)
        .map_err(|message| CacheError::Url { url: url.to_owned(), message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_scheme_or_a_missing_bucket_is_an_error_saying_what_works() {
        let err = parse("gs://bucket/x").unwrap_err().to_string();
        assert!(err.contains("gs") && err.contains("s3://bucket/prefix"), "{err}");
        assert!(parse("s3:///x").is_err());
    }
}

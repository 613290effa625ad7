//! Opening the store a cache lives in: a local directory or an S3-compatible bucket.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;

use super::CacheError;

/// What a cache URL names.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Target {
    /// A local directory.
    Dir(PathBuf),
    /// A bucket and a key prefix within it (no leading or trailing slash).
    S3 { bucket: String, prefix: String },
}

/// Read a cache URL: `s3://bucket/prefix`, `file:///dir`, or a plain path.
pub(super) fn parse(url: &str) -> Result<Target, CacheError> {
    let fail = |message: &str| CacheError::Url { url: url.to_owned(), message: message.into() };
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(Target::Dir(PathBuf::from(url)));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => Ok(Target::Dir(PathBuf::from(rest))),
        "s3" | "s3a" => {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(fail("no bucket named"));
            }
            Ok(Target::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            })
        }
        _ => Err(fail(&format!("unsupported scheme {scheme:?}"))),
    }
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

/// An S3-compatible bucket, configured from the `AWS_*` environment (`AWS_ENDPOINT_URL`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`...), with keys under `prefix`.
pub(super) fn s3(
    url: &str,
    bucket: &str,
    prefix: &str,
) -> Result<Arc<dyn ObjectStore>, CacheError> {
    // reqwest is built without a default TLS provider; the HTTP backends install the same.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint = std::env::var("AWS_ENDPOINT_URL_S3")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL"))
        .unwrap_or_default();
    // An endpoint given as http:// is a deliberate choice (a local MinIO, a test server).
    if endpoint.starts_with("http://") {
        builder = builder.with_allow_http(true);
    }
    if std::env::var_os("AWS_REGION").is_none() && std::env::var_os("AWS_DEFAULT_REGION").is_none()
    {
        builder = builder.with_region("us-east-1");
    }
    let store = builder
        .build()
        .map_err(|e| CacheError::Url { url: url.to_owned(), message: e.to_string() })?;
    if prefix.is_empty() {
        Ok(Arc::new(store))
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_urls_name_a_directory_or_a_bucket_and_prefix() {
        assert_eq!(parse("/var/cache/a").unwrap(), Target::Dir("/var/cache/a".into()));
        assert_eq!(parse("file:///var/cache/a").unwrap(), Target::Dir("/var/cache/a".into()));
        assert_eq!(
            parse("s3://bucket/team/tts/").unwrap(),
            Target::S3 { bucket: "bucket".into(), prefix: "team/tts".into() }
        );
        assert_eq!(
            parse("s3://bucket").unwrap(),
            Target::S3 { bucket: "bucket".into(), prefix: String::new() }
        );
    }

    #[test]
    fn an_unknown_scheme_or_a_missing_bucket_is_an_error_saying_what_works() {
        let err = parse("gs://bucket/x").unwrap_err().to_string();
        assert!(err.contains("gs") && err.contains("s3://bucket/prefix"), "{err}");
        assert!(parse("s3:///x").is_err());
    }
}

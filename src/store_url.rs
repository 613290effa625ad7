//! Opening an object store from a URL (a local directory or an S3-compatible bucket), and
//! writing the objects browsers fetch from one. The chunk cache and `serve`'s output store
//! both name their store this way.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::prefix::PrefixStore;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions};

/// What a store URL names.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A local directory.
    Dir(PathBuf),
    /// A bucket and a key prefix within it (no leading or trailing slash).
    S3 { bucket: String, prefix: String },
}

/// Read a store URL: `s3://bucket/prefix`, `file:///dir`, or a plain path. The error is what
/// is wrong with it; callers name the URL and what works.
pub(crate) fn parse(url: &str) -> Result<Target, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(Target::Dir(PathBuf::from(url)));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "file" => Ok(Target::Dir(PathBuf::from(rest))),
        "s3" | "s3a" => {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err("no bucket named".into());
            }
            Ok(Target::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            })
        }
        _ => Err(format!("unsupported scheme {scheme:?}")),
    }
}

/// An S3-compatible bucket, configured from the `AWS_*` environment (`AWS_ENDPOINT_URL`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`...), with keys under `prefix`.
/// The error is the client's complaint, which never quotes the credentials.
pub(crate) fn s3(bucket: &str, prefix: &str) -> Result<Arc<dyn ObjectStore>, String> {
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
    let store = builder.build().map_err(|e| e.to_string())?;
    if prefix.is_empty() {
        Ok(Arc::new(store))
    } else {
        Ok(Arc::new(PrefixStore::new(store, prefix)))
    }
}

/// Options that store `key` with the content type its extension says, so a browser or a
/// podcast app fetching it straight from a bucket reads it as what it is.
pub(crate) fn put_options(key: &str) -> PutOptions {
    let extension = key.rsplit_once('.').map_or("", |(_, e)| e);
    let mime = match extension {
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "json" => "application/json",
        "vtt" => "text/vtt; charset=utf-8",
        "xml" => "application/rss+xml; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        // A live playlist grows: a CDN must ask again every time, never keep a copy.
        "m3u8" => {
            return Attributes::from_iter([
                (Attribute::ContentType, "application/vnd.apple.mpegurl"),
                (Attribute::CacheControl, "no-cache"),
            ])
            .into();
        }
        _ => return PutOptions::default(),
    };
    Attributes::from_iter([(Attribute::ContentType, mime)]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_urls_name_a_directory_or_a_bucket_and_prefix() {
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
    fn an_unknown_scheme_or_a_missing_bucket_is_refused() {
        assert!(parse("gs://bucket/x").unwrap_err().contains("gs"));
        assert!(parse("s3:///x").is_err());
    }
}

//! Ingest: read an article from a file or stdin, decode it to text and decide how it is to
//! be read (plain text, HTML or Markdown).
//!
//! Everything that can go wrong with the bytes themselves (missing, empty, binary, too large,
//! undecodable) is caught here, so `extract` only ever sees text.

mod decode;
mod error;
mod fetch;
mod sniff;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

pub use error::IngestError;
pub use fetch::FetchOptions;

use crate::model::{Source, SourceFormat};

/// The largest input accepted, in bytes: far beyond any article, small enough that a wrong
/// file (a video, a database dump) is refused before it is read into memory.
pub const MAX_INPUT_BYTES: u64 = 50 * 1024 * 1024;

/// Read `input` (a file path, or `-` for stdin) into a [`Source`].
///
/// The format comes from the file extension (`.txt`, `.html`, `.md` and their variants) or,
/// when there is none or it is unknown, from the content.
///
/// # Errors
///
/// A missing, unreadable, empty, binary, undecodable or oversized input, or a URL (not
/// supported yet).
pub fn read(input: &str) -> Result<Source, IngestError> {
    read_with_limit(input, MAX_INPUT_BYTES)
}

/// [`read`] with a size limit other than [`MAX_INPUT_BYTES`].
///
/// # Errors
///
/// As [`read`]; [`IngestError::TooLarge`] when the input has more than `limit` bytes.
pub fn read_with_limit(input: &str, limit: u64) -> Result<Source, IngestError> {
    if is_url(input) {
        return read_url(input, &FetchOptions::default());
    }
    let bytes = if input == "-" { read_stdin(limit)? } else { read_file(input, limit)? };
    from_bytes(input, &bytes)
}

/// Build a [`Source`] from bytes already in hand; `origin` is the path they came from (its
/// extension and stem are used) or `-` for stdin.
///
/// # Errors
///
/// Empty, binary or undecodable bytes.
pub fn from_bytes(origin: &str, bytes: &[u8]) -> Result<Source, IngestError> {
    from_bytes_declared(origin, bytes, format_from_extension(origin))
}

/// [`from_bytes`] for bytes whose format the caller knows (a JSON Feed item's
/// `content_html` or `content_text`, a webhook's `html` or `text`): `format` decides how
/// they are read, whatever `origin`'s extension or the bytes themselves suggest.
///
/// # Errors
///
/// Empty, binary or undecodable bytes.
pub fn from_bytes_as(
    origin: &str,
    bytes: &[u8],
    format: SourceFormat,
) -> Result<Source, IngestError> {
    from_bytes_declared(origin, bytes, Some(format))
}

fn from_bytes_declared(
    origin: &str,
    bytes: &[u8],
    declared: Option<SourceFormat>,
) -> Result<Source, IngestError> {
    let name = display_name(origin);
    let text = decode::decode(&name, bytes, declared)?;
    if text.trim().is_empty() {
        return Err(IngestError::Empty { name });
    }
    let format = declared.unwrap_or_else(|| sniff::sniff(&text));
    Ok(Source {
        origin: origin.to_owned(),
        stem: stem(origin),
        format,
        text,
        sha256: hex::encode(Sha256::digest(bytes)),
        content_language: None,
    })
}

/// Fetch an article page from an http or https URL; the format comes from the server's
/// `Content-Type` (or the content), the charset from its header, a `<meta>` or the bytes.
///
/// # Errors
///
/// Another scheme, no connection, a timeout, an error status, too many redirects, a body
/// over `options.max_bytes`, a type that is not text, or bytes that are not text.
pub fn read_url(url: &str, options: &FetchOptions) -> Result<Source, IngestError> {
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
    if !matches!(scheme.as_str(), "http" | "https") || url::Url::parse(url).is_err() {
        return Err(IngestError::UrlNotSupported { url: url.to_owned() });
    }
    let page = fetch::fetch(url, options)?;
    let text = decode::decode_as(url, &page.bytes, page.format, page.charset)?;
    if text.trim().is_empty() {
        return Err(IngestError::Empty { name: url.to_owned() });
    }
    let format = page.format.unwrap_or_else(|| sniff::sniff(&text));
    Ok(Source {
        origin: url.to_owned(),
        stem: url_stem(url),
        format,
        text,
        sha256: hex::encode(Sha256::digest(&page.bytes)),
        content_language: page.content_language,
    })
}

/// The name a narration of `input` (a path, a URL or `-`) is written under, before any
/// disambiguation: the file's stem, the URL's last path segment (or host), or `stdin`.
#[must_use]
pub fn output_stem(input: &str) -> String {
    if is_url(input) { url_stem(input) } else { stem(input) }
}

/// Output files are named after the URL's last path segment, or its host.
fn url_stem(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else { return "article".to_owned() };
    let segment = parsed
        .path_segments()
        .and_then(|mut s| s.rfind(|seg| !seg.is_empty()).map(str::to_owned))
        .map(|seg| stem(&seg));
    segment
        .filter(|s| s != "article" && !s.is_empty())
        .or_else(|| parsed.host_str().map(str::to_owned))
        .unwrap_or_else(|| "article".to_owned())
}

/// How errors name the input: the path as given, or `stdin`.
fn display_name(origin: &str) -> String {
    if origin == "-" { "stdin".to_owned() } else { origin.to_owned() }
}

/// Anything with a scheme is meant as a URL, even a mistyped one: reading it as a path would
/// only produce a confusing "no such file".
fn is_url(input: &str) -> bool {
    input.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

fn read_file(path: &str, limit: u64) -> Result<Vec<u8>, IngestError> {
    let name = path.to_owned();
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => IngestError::Missing { name: name.clone() },
        _ => IngestError::Unreadable { name: name.clone(), source },
    })?;
    if !meta.is_file() {
        return Err(IngestError::NotAFile { name });
    }
    if meta.len() > limit {
        return Err(too_large(name, limit));
    }
    let file = std::fs::File::open(path)
        .map_err(|source| IngestError::Unreadable { name: name.clone(), source })?;
    read_limited(file, &name, limit)
}

fn read_stdin(limit: u64) -> Result<Vec<u8>, IngestError> {
    read_limited(std::io::stdin().lock(), "stdin", limit)
}

/// Read at most `limit` bytes, failing rather than truncating: a file can grow after its
/// size was checked, and stdin has no size at all.
fn read_limited(reader: impl Read, name: &str, limit: u64) -> Result<Vec<u8>, IngestError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| IngestError::Unreadable { name: name.to_owned(), source })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(name.to_owned(), limit));
    }
    Ok(bytes)
}

fn too_large(name: String, limit: u64) -> IngestError {
    IngestError::TooLarge { name, limit_mb: limit.div_ceil(1024 * 1024) }
}

/// The format a file's extension declares, if it declares one we know.
fn format_from_extension(origin: &str) -> Option<SourceFormat> {
    let ext = Path::new(origin).extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "txt" | "text" => Some(SourceFormat::Text),
        "html" | "htm" | "xhtml" => Some(SourceFormat::Html),
        "md" | "markdown" => Some(SourceFormat::Markdown),
        _ => None,
    }
}

/// Output files are named after the input file; stdin has no name of its own.
fn stem(origin: &str) -> String {
    if origin == "-" {
        return "stdin".to_owned();
    }
    Path::new(origin)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "article".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_text_file_is_read_with_its_stem_format_and_hash() {
        let tmp = tempfile::tempdir().unwrap();
        let path = write(tmp.path(), "story.txt", b"Headline\n\nBody text.\n");
        let source = read(&path).unwrap();
        assert_eq!(source.stem, "story");
        assert_eq!(source.format, SourceFormat::Text);
        assert_eq!(source.origin, path);
        assert_eq!(source.text, "Headline\n\nBody text.\n");
        assert_eq!(
            source.sha256,
            "d6abd70d5cae1a3c1275ed8dc32ee3646ad461fceaa5433918329ccd3ce6a5cd"
        );
    }

    #[test]
    fn the_extension_decides_the_format_whatever_the_content() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, format) in [
            ("a.htm", SourceFormat::Html),
            ("a.XHTML", SourceFormat::Html),
            ("a.markdown", SourceFormat::Markdown),
            ("a.text", SourceFormat::Text),
        ] {
            let path = write(tmp.path(), name, b"Just words.\n");
            assert_eq!(read(&path).unwrap().format, format, "{name}");
        }
    }

    #[test]
    fn without_a_known_extension_the_content_decides_the_format() {
        let tmp = tempfile::tempdir().unwrap();
        let html =
            write(tmp.path(), "page", b"<!DOCTYPE html><html><body><p>Hi.</p></body></html>");
        let md = write(tmp.path(), "notes.data", b"# Title\n\nSome [link](http://x.org).\n");
        let text = write(tmp.path(), "plain.out", b"Title\n\nSome words.\n");
        assert_eq!(read(&html).unwrap().format, SourceFormat::Html);
        assert_eq!(read(&md).unwrap().format, SourceFormat::Markdown);
        assert_eq!(read(&text).unwrap().format, SourceFormat::Text);
    }

    #[test]
    fn a_missing_file_is_named_in_a_one_line_error() {
        let err = read("no/such/article.txt").unwrap_err();
        assert!(matches!(err, IngestError::Missing { .. }));
        assert_eq!(err.to_string(), "no/such/article.txt: no such file; check the path");
    }

    #[test]
    fn a_directory_is_not_an_article() {
        let tmp = tempfile::tempdir().unwrap();
        let err = read(tmp.path().to_str().unwrap()).unwrap_err();
        assert!(matches!(err, IngestError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn an_empty_or_whitespace_only_file_is_rejected() {
        let tmp = tempfile::tempdir().unwrap();
        for (name, bytes) in
            [("e.txt", &b""[..]), ("w.txt", b"  \n\t\n\n"), ("b.md", b"\xEF\xBB\xBF\n")]
        {
            let path = write(tmp.path(), name, bytes);
            let err = read(&path).unwrap_err();
            assert!(matches!(err, IngestError::Empty { .. }), "{name}: {err}");
            assert!(err.to_string().starts_with(&format!("{path}: ")), "{err}");
        }
    }

    #[test]
    fn a_binary_file_is_rejected_whatever_its_extension() {
        let tmp = tempfile::tempdir().unwrap();
        let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
        let path = write(tmp.path(), "image.txt", &bytes);
        let err = read(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{path}: looks like binary data, not an article; give a text, HTML or Markdown file"
            )
        );
    }

    #[test]
    fn an_input_over_the_limit_is_refused_before_it_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let path = write(tmp.path(), "big.txt", &[b'a'; 2048]);
        let err = read_with_limit(&path, 1024).unwrap_err();
        assert!(matches!(err, IngestError::TooLarge { limit_mb: 1, .. }), "{err}");
        assert!(read_with_limit(&path, 2048).is_ok());
    }

    #[test]
    fn a_reader_longer_than_the_limit_fails_rather_than_truncating() {
        let err = read_limited(&[b'x'; 11][..], "stdin", 10).unwrap_err();
        assert!(err.to_string().starts_with("stdin: larger than"), "{err}");
        assert_eq!(read_limited(&[b'x'; 10][..], "stdin", 10).unwrap().len(), 10);
    }

    #[test]
    fn urls_with_other_schemes_get_a_clear_error_instead_of_a_missing_file() {
        let err = read("ftp://example.com/news/story").unwrap_err();
        assert!(matches!(err, IngestError::UrlNotSupported { .. }));
        assert!(err.to_string().contains("only http and https"), "{err}");
        assert!(!is_url("notes/a:b.txt"));
    }

    #[test]
    fn a_url_is_named_after_its_last_path_segment_or_its_host() {
        assert_eq!(
            url_stem("https://example.com/news/storm-closes-bridge.html"),
            "storm-closes-bridge"
        );
        assert_eq!(url_stem("https://example.com/news/story/"), "story");
        assert_eq!(url_stem("https://example.com/"), "example.com");
    }

    #[test]
    fn a_declared_format_wins_over_the_origins_extension_and_the_content() {
        let markup = b"Tags like <b>bold</b> are text here.";
        let text = from_bytes_as("https://example.com/story.html", markup, SourceFormat::Text);
        assert_eq!(text.unwrap().format, SourceFormat::Text);
        let html = from_bytes_as("https://example.com/story.txt", b"Words.", SourceFormat::Html);
        assert_eq!(html.unwrap().format, SourceFormat::Html);
        assert_eq!(from_bytes("story.html", markup).unwrap().format, SourceFormat::Html);
    }

    #[test]
    fn stdin_is_named_stdin_in_stems_and_errors() {
        let source = from_bytes("-", b"Headline\n\nBody.").unwrap();
        assert_eq!(source.stem, "stdin");
        assert_eq!(source.origin, "-");
        let err = from_bytes("-", b"   ").unwrap_err();
        assert!(err.to_string().starts_with("stdin: "), "{err}");
    }
}

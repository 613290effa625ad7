//! Fetch an article page over HTTP(S): bounded in time, redirects and size, and only when
//! the server says it is text.
//!
//! The library's callers may already be inside an async runtime (narrate is) or not
//! (extract is), so the request runs on a thread of its own with its own small runtime;
//! either way the caller just blocks until the page is in.

use std::time::Duration;

use encoding_rs::Encoding;

use super::IngestError;
use crate::model::SourceFormat;

/// Limits on fetching one page.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// To connect. Default: 10 s.
    pub connect_timeout: Duration,
    /// For the whole request, body included. Default: 30 s.
    pub timeout: Duration,
    /// Redirects followed before giving up (a loop ends here). Default: 10.
    pub max_redirects: usize,
    /// The largest body accepted. Default: 10 MB.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_redirects: 10,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// A page as the server sent it.
#[derive(Debug)]
pub(super) struct Fetched {
    pub(super) bytes: Vec<u8>,
    /// From the `Content-Type` header's `charset`, when it names one we know.
    pub(super) charset: Option<&'static Encoding>,
    /// From the `Content-Type` header's media type.
    pub(super) format: Option<SourceFormat>,
    /// The `Content-Language` header's first tag.
    pub(super) content_language: Option<String>,
}

/// Fetch `url` (already checked to be http or https).
pub(super) fn fetch(url: &str, options: &FetchOptions) -> Result<Fetched, IngestError> {
    let url_owned = url.to_owned();
    let options = options.clone();
    let worker = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| failed(&url_owned, &e.to_string()))?;
        runtime.block_on(get(&url_owned, &options))
    });
    worker.join().unwrap_or_else(|_| Err(failed(url, "the fetching thread panicked")))
}

fn failed(url: &str, reason: &str) -> IngestError {
    IngestError::Fetch { url: url.to_owned(), reason: reason.to_owned() }
}

async fn get(url: &str, options: &FetchOptions) -> Result<Fetched, IngestError> {
    // reqwest is built without a crypto provider so aws-lc stays out of the build; ring is
    // installed once per process. A second install fails harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(options.connect_timeout)
        .timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::limited(options.max_redirects))
        .user_agent(concat!("articulate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| failed(url, &format!("cannot set up the HTTP client: {e}")))?;
    let mut response = client
        .get(url)
        .header(
            reqwest::header::ACCEPT,
            "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
        )
        .send()
        .await
        .map_err(|e| failed(url, &describe(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(IngestError::HttpStatus { url: url.to_owned(), status: status.as_u16() });
    }
    let header =
        |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let content_language = header(reqwest::header::CONTENT_LANGUAGE)
        .and_then(|l| l.split(',').next().map(|l| l.trim().to_owned()))
        .filter(|l| !l.is_empty());
    let (format, charset) = match content_type.as_deref() {
        Some(ct) => media_type(url, ct)?,
        None => (None, None),
    };
    let too_large = || IngestError::TooLarge {
        name: url.to_owned(),
        limit_mb: options.max_bytes.div_ceil(1024 * 1024),
    };
    if response.content_length().is_some_and(|n| n > options.max_bytes) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(url, &describe(&e)))? {
        if (bytes.len() + chunk.len()) as u64 > options.max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched { bytes, charset, format, content_language })
}

/// The format and charset a `Content-Type` declares, or an error for types that are not an
/// article (images, PDFs, JSON).
fn media_type(
    url: &str,
    content_type: &str,
) -> Result<(Option<SourceFormat>, Option<&'static Encoding>), IngestError> {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let format = match essence.as_str() {
        "text/html" | "application/xhtml+xml" => Some(SourceFormat::Html),
        "text/markdown" | "text/x-markdown" => Some(SourceFormat::Markdown),
        "text/plain" => Some(SourceFormat::Text),
        "" => None,
        _ => {
            return Err(IngestError::WrongContentType {
                url: url.to_owned(),
                content_type: essence,
            });
        }
    };
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .and_then(|(_, v)| Encoding::for_label(v.trim().trim_matches('"').as_bytes()));
    Ok((format, charset))
}

/// reqwest's error with its causes, on one line ("operation timed out", "too many
/// redirects"), which its own `Display` leaves out.
fn describe(error: &reqwest::Error) -> String {
    let text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_redirect() {
        "too many redirects (a redirect loop?)".to_owned()
    } else {
        error.to_string()
    };
    crate::errors::chain(text, std::error::Error::source(error))
}

#[cfg(test)]
mod tests;

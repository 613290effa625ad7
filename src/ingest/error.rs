//! Why an input could not be read. Every message is one line that names the input and says
//! what to do about it.

/// A failure to read an article.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The path does not exist.
    #[error("{name}: no such file; check the path")]
    Missing {
        /// The path as given.
        name: String,
    },
    /// The path is a directory or something else that is not a regular file.
    #[error("{name}: not a file; give the path of an article file")]
    NotAFile {
        /// The path as given.
        name: String,
    },
    /// The file or stdin exists but could not be read.
    #[error("{name}: cannot read it: {source}; check that it is readable")]
    Unreadable {
        /// The path as given, or `stdin`.
        name: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The input is larger than one article could be.
    #[error(
        "{name}: larger than the {limit_mb} MB limit for one article; pass the article itself, \
         not an archive or a dump"
    )]
    TooLarge {
        /// The path as given, or `stdin`.
        name: String,
        /// The limit in megabytes.
        limit_mb: u64,
    },
    /// Nothing but whitespace.
    #[error("{name}: the input is empty; nothing to narrate")]
    Empty {
        /// The path as given, or `stdin`.
        name: String,
    },
    /// NUL bytes or mostly control characters: an image, an archive, an executable.
    #[error("{name}: looks like binary data, not an article; give a text, HTML or Markdown file")]
    Binary {
        /// The path as given, or `stdin`.
        name: String,
    },
    /// Bytes that are neither UTF-8 nor any encoding we can recognise.
    #[error("{name}: not valid UTF-8 text; save it as UTF-8 and try again")]
    NotText {
        /// The path as given, or `stdin`.
        name: String,
    },
    /// A URL with a scheme other than http or https.
    #[error("{url}: only http and https URLs can be read; save the page and pass the file")]
    UrlNotSupported {
        /// The URL as given.
        url: String,
    },
    /// The page could not be fetched: no connection, a timeout, too many redirects.
    #[error("{url}: cannot fetch it: {reason}")]
    Fetch {
        /// The URL as given.
        url: String,
        /// What went wrong, on one line.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("{url}: the server answered HTTP {status}; check the address")]
    HttpStatus {
        /// The URL as given.
        url: String,
        /// The HTTP status code.
        status: u16,
    },
    /// The server sent something other than a page of text.
    #[error("{url}: the server sent {content_type}, not an article page (HTML or text)")]
    WrongContentType {
        /// The URL as given.
        url: String,
        /// The media type it declared.
        content_type: String,
    },
}

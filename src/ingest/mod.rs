//! Ingest: read an article from a file, stdin or a URL, and decode it to text.

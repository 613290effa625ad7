//! Fetching against a tiny HTTP server on 127.0.0.1: the tests never reach the internet.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use crate::ingest::{FetchOptions, IngestError, read_url};
use crate::model::SourceFormat;

/// A server answering each request with `respond(path)` (the whole HTTP response), on a
/// thread of its own; returns its base URL.
fn serve(respond: fn(&str) -> Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let _ = stream.write_all(&respond(&path));
            });
        }
    });
    base
}

fn response(content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nContent-Language: pt-BR\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

fn routes(path: &str) -> Vec<u8> {
    match path {
        "/story" => response("text/html; charset=utf-8", "<h1>Olá</h1><p>Notícia.</p>".as_bytes()),
        "/latin1" => response("text/html; charset=ISO-8859-1", b"<p>Not\xedcia</p>"),
        "/meta-charset" => response(
            "text/html",
            b"<html><head><meta charset=\"windows-1250\"></head><body><p>\x9a\x9dastie</p></body></html>",
        ),
        "/sjis" => response("text/plain; charset=Shift_JIS", b"\x93\xfa\x96\x7b\x8c\xea"),
        "/image" => response("image/png", b"\x89PNG"),
        "/huge" => response("text/html", &vec![b'a'; 2048]),
        "/loop" => b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        "/moved" => b"HTTP/1.1 301 Moved\r\nLocation: /story\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
        "/slow" => {
            std::thread::sleep(Duration::from_secs(5));
            response("text/html", b"<p>late</p>")
        }
        _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
    }
}

fn quick() -> FetchOptions {
    FetchOptions { max_bytes: 1024, timeout: Duration::from_millis(500), ..FetchOptions::default() }
}

#[test]
fn a_page_is_fetched_with_its_format_language_and_name() {
    let base = serve(routes);
    let source = read_url(&format!("{base}/story"), &quick()).unwrap();
    assert_eq!(source.format, SourceFormat::Html);
    assert!(source.text.contains("Notícia"));
    assert_eq!(source.content_language.as_deref(), Some("pt-BR"));
    assert_eq!(source.stem, "story");
    assert_eq!(source.origin, format!("{base}/story"));
}

#[test]
fn the_charset_comes_from_the_header_or_else_the_meta_tag() {
    let base = serve(routes);
    let latin1 = read_url(&format!("{base}/latin1"), &quick()).unwrap();
    assert!(latin1.text.contains("Notícia"), "{}", latin1.text);
    let meta = read_url(&format!("{base}/meta-charset"), &quick()).unwrap();
    assert!(meta.text.contains("šťastie"), "{}", meta.text);
    let sjis = read_url(&format!("{base}/sjis"), &quick()).unwrap();
    assert_eq!((sjis.text.as_str(), sjis.format), ("日本語", SourceFormat::Text));
}

#[test]
fn what_is_not_a_page_of_text_is_refused_by_its_content_type() {
    let base = serve(routes);
    let err = read_url(&format!("{base}/image"), &quick()).unwrap_err();
    assert!(matches!(err, IngestError::WrongContentType { .. }), "{err}");
    assert!(err.to_string().contains("image/png"), "{err}");
}

#[test]
fn a_body_over_the_size_cap_is_refused() {
    let base = serve(routes);
    let err = read_url(&format!("{base}/huge"), &quick()).unwrap_err();
    assert!(matches!(err, IngestError::TooLarge { .. }), "{err}");
    let roomy = FetchOptions { max_bytes: 4096, ..quick() };
    assert!(read_url(&format!("{base}/huge"), &roomy).is_ok());
}

#[test]
fn redirects_are_followed_but_a_loop_ends_in_an_error() {
    let base = serve(routes);
    let moved = read_url(&format!("{base}/moved"), &quick()).unwrap();
    assert!(moved.text.contains("Olá"));
    let err = read_url(&format!("{base}/loop"), &quick()).unwrap_err();
    assert!(matches!(err, IngestError::Fetch { .. }), "{err}");
    assert!(err.to_string().contains("redirect"), "{err}");
}

#[test]
fn an_error_status_and_a_server_too_slow_are_reported() {
    let base = serve(routes);
    let err = read_url(&format!("{base}/missing"), &quick()).unwrap_err();
    assert!(matches!(err, IngestError::HttpStatus { status: 404, .. }), "{err}");
    let err = read_url(&format!("{base}/slow"), &quick()).unwrap_err();
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[test]
fn no_server_listening_is_a_one_line_fetch_error() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/story", listener.local_addr().unwrap());
    drop(listener);
    let err = read_url(&url, &quick()).unwrap_err();
    assert!(matches!(err, IngestError::Fetch { .. }), "{err}");
    assert!(!err.to_string().contains('\n'));
}

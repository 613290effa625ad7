//! `articulate extract` and `narrate --dry-run` on a page served over HTTP from 127.0.0.1:
//! the URL path runs the same code as a file.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use crate::util::{articulate, fixture};

/// Serve `page` as text/html to every request; returns the page's URL.
fn serve(page: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let url = format!("http://{}/news/river-park.html", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("socket"));
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                page.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&page);
        }
    });
    url
}

#[test]
fn a_url_extracts_exactly_as_the_same_page_saved_to_a_file() {
    let path = fixture("articles/sample.html");
    let url = serve(std::fs::read(&path).expect("the sample page"));
    let from_url = articulate().args(["extract", &url, "--text"]).assert().success();
    let from_file = articulate()
        .args(["extract", path.to_str().expect("utf-8 path"), "--text"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&from_url.get_output().stdout).into_owned();
    assert_eq!(text, String::from_utf8_lossy(&from_file.get_output().stdout));
    assert!(text.starts_with("River park approved after two-year campaign\n\n"), "{text}");
}

#[test]
fn narrate_dry_run_reads_a_url_into_its_manifest() {
    let url = serve(std::fs::read(fixture("articles/sample.html")).expect("the sample page"));
    let out = tempfile::tempdir().expect("temp dir");
    let run = articulate()
        .args(["narrate", &url, "--dry-run", "-o", out.path().to_str().expect("utf-8")])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(stdout.contains("River park approved"), "{stdout}");
    assert!(stdout.contains(&url), "the manifest names its source URL");
}

#[test]
fn an_unreachable_url_is_a_one_line_error_naming_it() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let url = format!("http://{}/gone", listener.local_addr().expect("address"));
    drop(listener);
    let run = articulate().args(["extract", &url]).assert().failure();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(stderr.starts_with(&format!("error: {url}: cannot fetch it")), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

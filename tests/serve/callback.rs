//! The completion callback: the result POSTed, signed with the shared secret, retried.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use articulate::serve::callback::sign;

use super::{Site, article};

const SECRET: &str = "shared-callback-secret";

/// Read one HTTP request: its headers (lowercased names) and body.
fn receive(listener: &TcpListener, status: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let (stream, _) = listener.accept().unwrap();
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize =
        headers.iter().find(|(n, _)| n == "content-length").unwrap().1.parse().unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    reader.get_mut().write_all(answer.as_bytes()).unwrap();
    (headers, body)
}

#[test]
fn a_job_is_posted_to_the_callback_when_playable_and_when_done_signed_and_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let site = Site::new(&format!("callback_url = {hook:?}\ncallback_attempts = 2"));

    // Without the secret, callbacks could not be signed: the server will not start.
    let refused = site.command(&[]).output().unwrap();
    assert!(!refused.status.success());
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(stderr.contains("ARTICULATE_CALLBACK_SECRET"), "{stderr}");

    let server = site.start(&[("ARTICULATE_CALLBACK_SECRET", SECRET)]);
    assert_eq!(server.post(&article("called-back", "One sentence to say.")).status, 202);
    // Told first that it can be played (it is streamed as it is made), then that it is done.
    let (headers, playable) = receive(&listener, "204 No Content");
    let signature = headers.iter().find(|(n, _)| n == "x-articulate-signature").unwrap();
    assert_eq!(signature.1, sign(SECRET.as_bytes(), &playable));
    let playable: serde_json::Value = serde_json::from_slice(&playable).unwrap();
    assert_eq!(playable["state"], "playable", "{playable}");
    assert!(playable["playlist_url"].as_str().unwrap().ends_with("/called-back/called-back.m3u8"));
    let (_, first) = receive(&listener, "500 Internal Server Error");
    let (headers, body) = receive(&listener, "204 No Content");
    assert_eq!(first, body, "the retry sends the same bytes");
    let signature = headers.iter().find(|(n, _)| n == "x-articulate-signature").unwrap();
    assert_eq!(signature.1, sign(SECRET.as_bytes(), &body));
    assert_ne!(signature.1, sign(b"another secret", &body));
    let job: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((job["id"].as_str(), job["state"].as_str()), (Some("called-back"), Some("done")));
    assert!(job["manifest_url"].as_str().unwrap().ends_with("/called-back/called-back.json"));
    assert_eq!(job["playlist_url"], serde_json::Value::Null);
    drop(server);
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    assert!(!stderr.contains(SECRET), "the secret was logged:\n{stderr}");
}

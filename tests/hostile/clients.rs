//! Findings 8–12, 20 and 21: hostile clients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use articulate::serve::callback::{sign, sign_request};

use crate::serve::{Answer, Server, Site, TOKEN, article};
use crate::util::{self, articulate};

/// `command` run under `ulimit -n fds`, as a server is on a small machine: what a flood of
/// connections uses up first. Returns the child and the first line it prints.
fn spawn_limited(command: &Command, fds: u32, stderr: &Path) -> (Child, String) {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("ulimit -n {fds} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        limited.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => limited.env(key, value),
            None => limited.env_remove(key),
        };
    }
    let log = std::fs::File::options().create(true).append(true).open(stderr).unwrap();
    limited.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(log);
    let mut child = limited.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    (child, line)
}

/// The port in the first `http://HOST:PORT` of a line.
fn port_in(line: &str) -> u16 {
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap_or_else(|| {
        panic!("no URL in {line:?}");
    });
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `count` connections that each send half a request head and then nothing.
fn half_sent(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ");
            stream
        })
        .collect()
}

/// One GET with `host`, answered within `limit`; the status and how long it took.
fn timed_get(addr: SocketAddr, path: &str, host: &str, limit: Duration) -> (u16, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(limit)).unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let status = String::from_utf8_lossy(&answer)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, started.elapsed())
}

/// Finding 8, for `serve`.
#[test]
fn three_hundred_half_sent_requests_do_not_keep_serve_from_answering_healthz() {
    let site = Site::new("header_timeout_secs = 2");
    let (child, line) = spawn_limited(&site.command(&[]), 256, &site.path("stderr.txt"));
    let server = Server { child, addr: SocketAddr::from(([127, 0, 0, 1], port_in(&line))) };
    let slow = half_sent(server.addr, 300);
    let (status, took) = timed_get(server.addr, "/healthz", "x", Duration::from_secs(30));
    assert_eq!(status, 200, "healthz unreachable after {took:?}");
    assert!(took < Duration::from_secs(15), "{took:?}");
    drop(slow);
}

/// Finding 8, for `preview`.
#[test]
fn three_hundred_half_sent_requests_do_not_keep_the_preview_from_answering() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("story.txt");
    std::fs::write(&input, "A story\n\nIt is short.\n").unwrap();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("articulate"));
    command
        .current_dir(util::root())
        .env("XDG_CACHE_HOME", util::cache_home())
        .args([
            "preview",
            "--port",
            "0",
            "--no-watch",
            "--voice",
            "tests/fixtures/voices/tone.toml",
        ])
        .arg(&input);
    let (mut child, line) = spawn_limited(&command, 256, &tmp.path().join("stderr.txt"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port_in(&line)));
    let slow = half_sent(addr, 300);
    let host = format!("127.0.0.1:{}", addr.port());
    let (status, took) = timed_get(addr, "/", &host, Duration::from_secs(40));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 200, "the page was unreachable after {took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    drop(slow);
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A request signed as a CMS signs it.
fn signed(server: &Server, method: &str, path: &str, body: &str, secret: &[u8], at: u64) -> Answer {
    let timestamp = at.to_string();
    let signature = sign_request(secret, &timestamp, method, path, body.as_bytes());
    let head = format!(
        "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nX-Articulate-Timestamp: {timestamp}\r\n\
         X-Articulate-Signature: {signature}"
    );
    server.raw(&head, body.as_bytes())
}

fn error_of(answer: &Answer) -> String {
    answer.json()["error"].as_str().unwrap_or_default().to_owned()
}

/// Finding 9.
#[test]
fn with_a_webhook_secret_every_mutating_request_is_signed_timely_and_once() {
    const SECRET: &[u8] = b"inbound-webhook-secret";
    let site = Site::new("signature_window_secs = 60");
    let server = site.start(&[("ARTICULATE_WEBHOOK_SECRET", "inbound-webhook-secret")]);
    let first = article("story", "The first version, later corrected.").to_string();
    let corrected = article("story", "The corrected version.").to_string();
    let at = now();
    assert_eq!(signed(&server, "POST", "/v1/articles", &first, SECRET, at - 5).status, 202);
    server.wait_for("story");
    assert_eq!(signed(&server, "POST", "/v1/articles", &corrected, SECRET, at).status, 202);
    assert_eq!(server.wait_for("story")["generation"], 2);

    // The first request, captured and sent again: refused, the correction stands.
    let replay = signed(&server, "POST", "/v1/articles", &first, SECRET, at - 5);
    assert_eq!(replay.status, 401);
    assert!(error_of(&replay).contains("already used"), "{}", error_of(&replay));
    // Signed long ago (a request kept for later), or for the future.
    for stale in [at - 3600, at + 3600] {
        let old = signed(&server, "POST", "/v1/articles", &first, SECRET, stale);
        assert_eq!(old.status, 401);
        assert!(error_of(&old).contains("window"), "{}", error_of(&old));
    }
    // The old scheme, the body alone signed, carries no time: refused.
    let head = format!(
        "POST /v1/articles HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nX-Articulate-Signature: {}",
        sign(SECRET, first.as_bytes())
    );
    assert_eq!(server.raw(&head, first.as_bytes()).status, 401);
    assert_eq!(server.wait_for("story")["generation"], 2);

    // DELETE needs a signature too, for its own method and path.
    let unsigned = server.call("DELETE", "/v1/articles/story", None);
    assert_eq!(unsigned.status, 401, "{}", error_of(&unsigned));
    let elsewhere = signed(&server, "DELETE", "/v1/articles/other", "", SECRET, now());
    assert_eq!(elsewhere.status, 404, "a signed delete of another article");
    let wrong_path = {
        let timestamp = now().to_string();
        let signature = sign_request(SECRET, &timestamp, "DELETE", "/v1/articles/other", b"");
        let head = format!(
            "DELETE /v1/articles/story HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\
             X-Articulate-Timestamp: {timestamp}\r\nX-Articulate-Signature: {signature}"
        );
        server.raw(&head, b"")
    };
    assert_eq!(wrong_path.status, 401, "a signature is for one path");
    assert_eq!(server.call("GET", "/v1/articles/story", None).status, 200, "still there");
    assert_eq!(signed(&server, "DELETE", "/v1/articles/story", "", SECRET, now()).status, 200);
    assert_eq!(server.call("GET", "/v1/articles/story", None).status, 404);
}

/// Finding 10.
#[test]
fn a_short_or_simple_api_token_is_refused_at_start_without_being_printed() {
    let site = Site::new("");
    for weak in ["x", "letmein", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababababab"] {
        let run = site
            .command(&[("ARTICULATE_API_TOKENS", &format!("{TOKEN},{weak}"))])
            .output()
            .unwrap();
        assert!(!run.status.success(), "{weak:?} was accepted");
    }
    let stderr = std::fs::read_to_string(site.path("stderr.txt")).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    for line in lines {
        assert!(
            line.starts_with("error: ARTICULATE_API_TOKENS: token 2 of 2 is too weak"),
            "{line}"
        );
        assert!(line.contains("openssl rand -hex 32"), "{line}");
        assert!(!line.contains("letmein") && !line.contains("aaaa"), "{line}");
    }
    drop(site.start(&[]));
}

/// Finding 11, for `serve`'s `/audio/`, the preview and `batch`.
#[test]
fn links_out_of_the_served_or_narrated_directories_are_not_followed() {
    let site = Site::new("");
    let secret = site.path("secret.txt");
    std::fs::write(&secret, "EMBARGOED: the minister resigns").unwrap();
    let server = site.start(&[]);
    assert_eq!(server.post(&article("a", "Published words.")).status, 202);
    assert_eq!(server.wait_for("a")["state"], "done");
    let out = site.path("out/a");
    for file in ["a.chapters.vtt", "a.transcript.vtt"] {
        std::fs::remove_file(out.join(file)).unwrap();
        std::os::unix::fs::symlink(&secret, out.join(file)).unwrap();
        let answer = server.get(&format!("/audio/a/{file}"));
        assert_eq!(answer.status, 404, "{file}");
        assert!(!String::from_utf8_lossy(&answer.body).contains("EMBARGOED"));
    }
    let player = out.join("player");
    std::fs::remove_dir_all(&player).unwrap();
    std::fs::create_dir_all(site.path("elsewhere")).unwrap();
    std::fs::write(site.path("elsewhere/index.html"), "EMBARGOED").unwrap();
    std::os::unix::fs::symlink(site.path("elsewhere"), &player).unwrap();
    assert_eq!(server.get("/audio/a/player/index.html").status, 404);
    drop(server);

    // The preview serves the audio it wrote, not what a link put in its place.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("story.txt");
    std::fs::write(&input, "A story\n\nIt is short.\n").unwrap();
    let preview_out = tmp.path().join("out");
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("articulate"));
    command
        .current_dir(util::root())
        .env("XDG_CACHE_HOME", util::cache_home())
        .args([
            "preview",
            "--port",
            "0",
            "--no-watch",
            "--voice",
            "tests/fixtures/voices/tone.toml",
        ])
        .arg("-o")
        .arg(&preview_out)
        .arg(&input);
    let (mut child, line) = spawn_limited(&command, 1024, &tmp.path().join("stderr.txt"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port_in(&line)));
    let host = format!("127.0.0.1:{}", addr.port());
    assert_eq!(timed_get(addr, "/v/1/story.mp3", &host, Duration::from_secs(10)).0, 200);
    std::fs::remove_file(preview_out.join("story.mp3")).unwrap();
    std::os::unix::fs::symlink(&secret, preview_out.join("story.mp3")).unwrap();
    let (status, _) = timed_get(addr, "/v/1/story.mp3", &host, Duration::from_secs(10));
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status, 404);

    // A batch over a directory narrates what is in it, not what a link leads to.
    let articles = tmp.path().join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    std::fs::write(articles.join("real.txt"), "A real story\n\nIt is here.\n").unwrap();
    std::fs::write(tmp.path().join("private.txt"), "Private notes\n\nNot for narration.\n")
        .unwrap();
    std::os::unix::fs::symlink(tmp.path().join("private.txt"), articles.join("leak.txt")).unwrap();
    let batch_out = tmp.path().join("batch-out");
    let run = articulate()
        .args(["batch", "--voice", "tests/fixtures/voices/tone.toml", "--no-cache", "-o"])
        .arg(&batch_out)
        .arg(&articles)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(batch_out.join("real.mp3").is_file());
    assert!(!batch_out.join("leak.mp3").exists(), "the link was followed");
    assert!(stderr.contains("leak.txt") && stderr.contains("leads out"), "{stderr}");
}

/// Finding 12.
#[test]
fn a_preview_on_all_interfaces_still_refuses_requests_naming_another_host() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("story.txt");
    std::fs::write(&input, "A story\n\nIt is short.\n").unwrap();
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("articulate"));
    command
        .current_dir(util::root())
        .env("XDG_CACHE_HOME", util::cache_home())
        .args(["preview", "--host", "0.0.0.0", "--port", "0", "--no-watch"])
        .args(["--allow-host", "preview.newsroom.test", "--voice"])
        .arg("tests/fixtures/voices/tone.toml")
        .arg(&input);
    let (mut child, line) = spawn_limited(&command, 1024, &tmp.path().join("stderr.txt"));
    let port = port_in(&line);
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let get = |host: &str| timed_get(addr, "/", host, Duration::from_secs(10)).0;
    let results = [
        get(&format!("evil.example:{port}")),
        get(&format!("127.0.0.1.nip.io:{port}")),
        get(&format!("127.0.0.1:{port}")),
        get(&format!("192.168.1.20:{port}")),
        get(&format!("preview.newsroom.test:{port}")),
        get(&format!("localhost:{port}")),
    ];
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(results, [403, 403, 200, 200, 200, 200]);
}

/// Finding 20.
#[test]
fn a_webhook_body_with_a_field_the_api_does_not_know_is_refused_naming_it() {
    let site = Site::new("");
    let server = site.start(&[]);
    let misspelt = serde_json::json!({"id": "a", "text": "Words.", "voise": "espeak-en-us"});
    let answer = server.post(&misspelt);
    assert_eq!(answer.status, 422, "{}", String::from_utf8_lossy(&answer.body));
    assert!(error_of(&answer).contains("voise"), "{}", error_of(&answer));
    assert_eq!(server.call("GET", "/v1/articles/a", None).status, 404, "nothing was queued");
}

/// Finding 21.
#[test]
fn every_error_answer_is_json() {
    let site = Site::new("");
    let server = site.start(&[]);
    assert_eq!(server.post(&article("a", "Published words.")).status, 202);
    assert_eq!(server.wait_for("a")["state"], "done");
    let auth = format!("Authorization: Bearer {TOKEN}");
    let answers = [
        server.get("/audio/nobody/nobody.mp3"),
        server.get("/audio/"),
        server.get("/audio/a/a.mp3%FF"),
        server.raw(&format!("GET /v1/articles/%FF%FE HTTP/1.1\r\n{auth}"), b""),
        server.raw("GET /audio/a/a.mp3 HTTP/1.1\r\nRange: bytes=999999999-", b""),
        server.raw("GET /audio/a/a.mp3 HTTP/1.1\r\nRange: bytes=oops", b""),
        server.raw(
            &format!("POST /v1/articles HTTP/1.1\r\n{auth}\r\nContent-Type: text/plain"),
            b"x",
        ),
        server.raw("OPTIONS /healthz HTTP/1.1", b""),
    ];
    for answer in answers {
        assert!(answer.status >= 400, "{answer:?}");
        let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_else(|e| {
            panic!("{} {e}: {:?}", answer.status, String::from_utf8_lossy(&answer.body))
        });
        assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()), "{json}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
    }
}

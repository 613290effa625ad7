//! A running `articulate preview`, and plain HTTP/1.1 spoken to it over a socket (so request
//! paths reach the server exactly as written, `..` and all).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::util;

/// `articulate preview` on a free loopback port with the instant tone voice, over an article
/// in a directory of its own (with its output and chunk cache beside it).
pub(crate) struct Preview {
    child: Child,
    dir: tempfile::TempDir,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// `http://ADDR/`.
    pub(crate) url: String,
}

impl Preview {
    /// Preview `text` saved as `name` (its extension picks the format).
    pub(crate) fn start(name: &str, text: &str) -> Preview {
        Preview::start_with(name, text, &[])
    }

    /// The same, with more arguments for `articulate preview`.
    pub(crate) fn start_with(name: &str, text: &str, args: &[&str]) -> Preview {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let stderr = std::fs::File::create(dir.path().join("stderr.txt")).unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("articulate"))
            .current_dir(util::root())
            .env_remove("ARTICULATE_LOG")
            .env("XDG_CACHE_HOME", util::cache_home())
            .arg("preview")
            .arg(dir.path().join(name))
            .arg("--voice")
            .arg(util::fixture("voices/tone.toml"))
            .args(["--port", "0", "-o"])
            .arg(dir.path().join("out"))
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        // The first line says where it listens, once the first narration is done.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let _ = child.kill();
                let stderr = std::fs::read_to_string(dir.path().join("stderr.txt"));
                panic!("preview did not start: {line:?}\n{}", stderr.unwrap_or_default())
            })
            .to_owned();
        let addr = url.trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
        Preview { child, dir, addr, url }
    }

    /// The article file being previewed.
    pub(crate) fn input(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The directory the narration is written to.
    pub(crate) fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// The chunk cache's entries.
    pub(crate) fn cache_entries(&self) -> usize {
        crate::util::cache_entries(&self.dir.path().join("cache"))
    }

    /// What it has printed on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.txt")).unwrap()
    }

    /// `GET path` with the right `Host`.
    pub(crate) fn get(&self, path: &str) -> Response {
        self.request(path, &[])
    }

    /// `GET path` with extra header lines; a `Host` among them replaces the default one.
    pub(crate) fn request(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        request(self.addr, path, headers)
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        // Asked politely, it removes its files; the temp dir goes anyway.
        #[allow(clippy::cast_possible_wrap)]
        let pid = self.child.id() as libc::pid_t;
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

/// An HTTP response.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// A header's value (names compared without case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One `GET` on its own connection.
pub(crate) fn request(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("GET {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Response { status, headers, body: raw[split + 4..].to_vec() }
}

/// Reads server-sent events from `/events`.
pub(crate) struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    /// Subscribe.
    pub(crate) fn open(addr: SocketAddr) -> Events {
        let mut stream = TcpStream::connect(addr).unwrap();
        // A generous limit, so a broken server fails the test instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(stream, "GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n")
            .unwrap();
        Events { reader: BufReader::new(stream) }
    }

    /// The next `version` event's data.
    pub(crate) fn next_version(&mut self) -> u64 {
        let mut line = String::new();
        loop {
            line.clear();
            assert!(self.reader.read_line(&mut line).unwrap() > 0, "the event stream ended");
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                // Chunked framing puts size lines around events; only data lines matter.
                return data.parse().unwrap();
            }
        }
    }
}

/// Where a test's screenshot goes: `$CARGO_TARGET_DIR/screenshots/NAME` (else `target/`).
pub(crate) fn screenshot_path(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| util::root().join("target"), |dir| util::root().join(dir));
    target.join("screenshots").join(name)
}

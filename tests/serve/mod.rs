//! `articulate serve`: the webhook API over a real socket, its defences, the durable queue
//! surviving a SIGKILL, and the signed callback.

// The helpers here are test code too: a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used)]

mod api;
mod callback;
mod crash;
mod everyday;
mod queue;
mod s3;
mod security;
mod stream;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::util;

/// The token every test server accepts.
pub(crate) const TOKEN: &str = "test-token-4f9a2c7e1b8d";

/// The other token every test server accepts.
pub(crate) const OTHER_TOKEN: &str = "other-token-7c3e9a1f5b2d";

/// A directory for a server: its config, database, output and cache, kept across restarts.
pub(crate) struct Site {
    pub(crate) dir: tempfile::TempDir,
    /// The voice profile requests get.
    pub(crate) voice: PathBuf,
    /// `--output-url`, instead of `-o DIR/out`.
    pub(crate) output_url: Option<String>,
    /// `--database-url`, instead of `--database DIR/jobs.sqlite3`.
    pub(crate) database_url: Option<String>,
    /// `--cache-url`, instead of `--cache-dir DIR/cache`.
    pub(crate) cache_url: Option<String>,
    /// `--database FILE`, instead of `--database DIR/jobs.sqlite3`.
    pub(crate) database_file: Option<PathBuf>,
}

impl Site {
    /// A site whose config.toml has these `[serve]` lines (besides the defaults).
    pub(crate) fn new(serve: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[narrate]\nvoices_dir = {:?}\n\n[serve]\n{serve}\n",
            util::root().join("voices").display().to_string()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Site {
            dir,
            voice: util::fixture("voices/tone.toml"),
            output_url: None,
            database_url: None,
            cache_url: None,
            database_file: None,
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `articulate serve` on a free loopback port with the site's voice.
    pub(crate) fn start(&self, env: &[(&str, &str)]) -> Server {
        self.start_with(env, &[])
    }

    /// `articulate serve` with more arguments (`--worker`, `-j N`...).
    pub(crate) fn start_with(&self, env: &[(&str, &str)], args: &[&str]) -> Server {
        let mut command = self.command(env);
        command.args(args);
        command.stdout(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = std::fs::read_to_string(self.path("stderr.txt")).unwrap_or_default();
            panic!("serve did not start: {line:?}\n{stderr}");
        };
        let addr = url.trim_start_matches("http://").parse().unwrap();
        Server { child, addr }
    }

    /// The command line, for tests that expect it to fail.
    pub(crate) fn command(&self, env: &[(&str, &str)]) -> Command {
        let stderr = std::fs::File::options()
            .create(true)
            .append(true)
            .open(self.path("stderr.txt"))
            .unwrap();
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("articulate"));
        command
            .current_dir(util::root())
            .env_remove("ARTICULATE_LOG")
            .env_remove("ARTICULATE_API_TOKENS")
            .env_remove("ARTICULATE_CALLBACK_SECRET")
            .env_remove("ARTICULATE_DATABASE_URL")
            .env("ARTICULATE_API_TOKENS", format!("{OTHER_TOKEN}, {TOKEN}"))
            .envs(env.iter().copied())
            .arg("--config")
            .arg(self.path("config.toml"))
            .args(["serve", "--listen", "127.0.0.1:0", "--voice"])
            .arg(&self.voice);
        match &self.output_url {
            Some(url) => command.args(["--output-url", url]),
            None => command.arg("-o").arg(self.path("out")),
        };
        match &self.database_url {
            Some(url) => command.args(["--database-url", url]),
            None => command
                .arg("--database")
                .arg(self.database_file.clone().unwrap_or_else(|| self.path("jobs.sqlite3"))),
        };
        command.arg("--cache-dir").arg(self.path("cache")).stdin(Stdio::null()).stderr(stderr);
        command
    }
}

/// A running server; killed when dropped.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("{e}: {} {}", self.status, String::from_utf8_lossy(&self.body))
        })
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

impl Server {
    /// One request over a fresh connection, exactly as written; `Connection: close`.
    pub(crate) fn raw(&self, head: &str, body: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let request = format!(
            "{head}\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        // The server may answer (413) before reading a large body, and close.
        let _ = stream.write_all(body);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        parse(&bytes)
    }

    /// A request with the test token.
    pub(crate) fn call(
        &self,
        method: &str,
        path: &str,
        json: Option<&serde_json::Value>,
    ) -> Answer {
        let body = json.map(|j| j.to_string().into_bytes()).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json"
        );
        self.raw(&head, &body)
    }

    /// POST an article.
    pub(crate) fn post(&self, article: &serde_json::Value) -> Answer {
        self.call("POST", "/v1/articles", Some(article))
    }

    /// GET a path (no token needed outside /v1).
    pub(crate) fn get(&self, path: &str) -> Answer {
        self.raw(&format!("GET {path} HTTP/1.1"), b"")
    }

    /// Poll an article until it is done or failed (bounded), and return its job.
    pub(crate) fn wait_for(&self, id: &str) -> serde_json::Value {
        for _ in 0..1200 {
            let job = self.call("GET", &format!("/v1/articles/{id}"), None).json();
            if job["state"] == "done" || job["state"] == "failed" {
                return job;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("{id} never finished");
    }

    /// The path part of a URL this server published.
    pub(crate) fn local(&self, url: &serde_json::Value) -> String {
        let url = url.as_str().unwrap();
        url.strip_prefix(&format!("http://{}", self.addr)).unwrap().to_owned()
    }
}

fn parse(bytes: &[u8]) -> Answer {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no HTTP answer: {:?}", String::from_utf8_lossy(bytes));
    });
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split_whitespace().nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: bytes[split + 4..].to_vec() }
}

/// An article as the CMS would post it.
pub(crate) fn article(id: &str, text: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "text": text, "updated_at": "2026-11-25T08:00:00Z" })
}

/// The example article.
pub(crate) fn heartstopper() -> String {
    std::fs::read_to_string(util::root().join("examples/heartstopper.txt")).unwrap()
}

/// Check one published article on disk: the manifest parses, lists audio that is there and
/// decodes to the manifest's length.
pub(crate) fn check_published(out: &Path, id: &str) -> articulate::model::Manifest {
    let manifest = util::manifest(&out.join(id).join(format!("{id}.json")));
    assert!(!manifest.audio.is_empty());
    for audio in &manifest.audio {
        let (frames, rate, _) = util::decode(&out.join(id).join(&audio.file));
        let ms = frames * 1000 / u64::from(rate);
        let expected = manifest.duration_ms.unwrap();
        assert!(ms.abs_diff(expected) <= 2, "{id}: {ms} ms decoded, manifest says {expected}");
    }
    manifest
}

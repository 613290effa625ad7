//! `articulate serve` under a burst of webhooks: the example article posted as many distinct
//! articles at once, narrated with the default local engine (espeak-ng) and no chunk cache,
//! so every job synthesizes every chunk; once with one worker and once with two.
//!
//! Run with `cargo bench --bench serve` (needs espeak-ng: `scripts/install-deps.sh`). Prints,
//! per worker count, jobs per minute over the burst and the p50/p99 time from webhook to
//! published audio (the server's own `queued_at_ms` → `finished_at_ms`), and the same time
//! for one article posted alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "bench-token";
const BURST: usize = 12;
const ALONE: usize = 5;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/heartstopper.txt")).expect("example");
    println!("serve: {BURST} variants of the example at once, espeak-ng, no cache");
    for workers in [1, 2] {
        let site = tempfile::tempdir().expect("temp dir");
        let server = Server::start(&root, site.path(), workers);
        let ids: Vec<String> = (0..BURST).map(|n| format!("burst-{n}")).collect();
        for (n, id) in ids.iter().enumerate() {
            server.post(id, &variant(&example, n));
        }
        let jobs: Vec<serde_json::Value> = ids.iter().map(|id| server.wait(id)).collect();
        let first = jobs.iter().map(|j| ms(j, "queued_at_ms")).min().expect("jobs");
        let last = jobs.iter().map(|j| ms(j, "finished_at_ms")).max().expect("jobs");
        let mut latencies: Vec<i64> =
            jobs.iter().map(|j| ms(j, "finished_at_ms") - ms(j, "queued_at_ms")).collect();
        latencies.sort_unstable();
        let mut alone: Vec<i64> = (0..ALONE)
            .map(|n| {
                let id = format!("alone-{n}");
                server.post(&id, &variant(&example, BURST + n));
                let job = server.wait(&id);
                ms(&job, "finished_at_ms") - ms(&job, "queued_at_ms")
            })
            .collect();
        alone.sort_unstable();
        let minutes = (last - first) as f64 / 60_000.0;
        println!(
            "  {workers} worker(s): {:.1} jobs per minute; burst webhook → published p50 {:.2} s, \
             p99 {:.2} s; one article alone p50 {:.2} s",
            BURST as f64 / minutes,
            percentile(&latencies, 50) as f64 / 1000.0,
            percentile(&latencies, 99) as f64 / 1000.0,
            percentile(&alone, 50) as f64 / 1000.0,
        );
    }
}

/// The example with every paragraph marked `n`, so no two variants share a chunk.
fn variant(text: &str, n: usize) -> String {
    text.split("\n\n").map(|p| format!("{p} Variant {n}.")).collect::<Vec<_>>().join("\n\n")
}

fn ms(job: &serde_json::Value, key: &str) -> i64 {
    job[key].as_i64().unwrap_or_else(|| panic!("{key} missing from {job}"))
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[i64], p: usize) -> i64 {
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(root: &Path, dir: &Path, workers: usize) -> Server {
        let config = dir.join("config.toml");
        let voices = root.join("voices");
        std::fs::write(&config, format!("[narrate]\ncache = false\nvoices_dir = {voices:?}\n"))
            .expect("config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_articulate"))
            .current_dir(root)
            .env("ARTICULATE_API_TOKENS", TOKEN)
            .arg("--config")
            .arg(&config)
            .args(["serve", "--listen", "127.0.0.1:0", "-j", &workers.to_string(), "-o"])
            .arg(dir.join("out"))
            .arg("--database")
            .arg(dir.join("jobs.sqlite3"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("articulate serve runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the listening line");
        let url = line.split_whitespace().find(|w| w.starts_with("http://")).expect("a URL");
        let addr = url.trim_start_matches("http://").parse().expect("an address");
        Server { child, addr }
    }

    fn call(&self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("answer");
        let (head, json) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status");
        (status, serde_json::from_str(json).expect("JSON"))
    }

    fn post(&self, id: &str, text: &str) {
        let body = serde_json::json!({ "id": id, "text": text }).to_string();
        let (status, job) = self.call("POST", "/v1/articles", &body);
        assert_eq!(status, 202, "{job}");
    }

    fn wait(&self, id: &str) -> serde_json::Value {
        loop {
            let (_, job) = self.call("GET", &format!("/v1/articles/{id}"), "");
            match job["state"].as_str() {
                Some("done") => return job,
                Some("failed") => panic!("{id} failed: {job}"),
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
}

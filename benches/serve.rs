//! `articulate serve` under a burst of webhooks: the example article posted as many distinct
//! articles at once, narrated with the default local engine (espeak-ng) and no chunk cache,
//! so every job synthesizes every chunk. Four deployments: one `serve` on SQLite with one
//! worker and with two; an API server on PostgreSQL with one `serve --worker` process and
//! with two.
//!
//! Run with `cargo bench --bench serve` (needs espeak-ng, and PostgreSQL for the last two:
//! `scripts/install-deps.sh --test`; the server is started by `scripts/postgres.sh`).
//! Prints, per deployment, jobs per minute over the burst and the p50/p99 time from webhook
//! to published audio (the server's own `queued_at_ms` → `finished_at_ms`), and the same
//! time for one article posted alone.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const TOKEN: &str = "bench-token-5e8c1a9f3d7b";
const BURST: usize = 12;
const ALONE: usize = 5;

/// How the service runs.
#[derive(Clone, Copy)]
enum Deployment {
    /// One process on SQLite with N workers.
    Sqlite(usize),
    /// An API process and N `--worker` processes on PostgreSQL.
    Postgres(usize),
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/heartstopper.txt")).expect("example");
    println!("serve: {BURST} variants of the example at once, espeak-ng, no cache");
    let postgres = postgres_admin(&root);
    let mut deployments = vec![Deployment::Sqlite(1), Deployment::Sqlite(2)];
    match &postgres {
        Ok(_) => deployments.extend([Deployment::Postgres(1), Deployment::Postgres(2)]),
        Err(why) => println!("  PostgreSQL runs skipped: {why}"),
    }
    for deployment in deployments {
        let site = tempfile::tempdir().expect("temp dir");
        let (label, _processes, api) = match deployment {
            Deployment::Sqlite(workers) => {
                let server = Server::start(
                    &root,
                    site.path(),
                    &database_args(site.path()),
                    &["-j", &workers.to_string()],
                );
                (format!("SQLite, 1 process, {workers} worker(s)"), Vec::new(), server)
            }
            Deployment::Postgres(workers) => {
                let admin = postgres.as_ref().expect("checked above");
                let url = scratch_database(admin);
                let db = ["--database-url".to_owned(), url];
                let api = Server::start(&root, site.path(), &db, &["-j", "0"]);
                let public = format!("http://{}/audio/", api.addr);
                let processes: Vec<Server> = (0..workers)
                    .map(|_| {
                        Server::start(
                            &root,
                            site.path(),
                            &db,
                            &["--worker", "--public-url", &public, "-j", "1"],
                        )
                    })
                    .collect();
                (format!("PostgreSQL, {workers} worker process(es)"), processes, api)
            }
        };
        measure(&api, &example, &label);
    }
}

fn measure(server: &Server, example: &str, label: &str) {
    let ids: Vec<String> = (0..BURST).map(|n| format!("burst-{n}")).collect();
    for (n, id) in ids.iter().enumerate() {
        server.post(id, &variant(example, n));
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
            server.post(&id, &variant(example, BURST + n));
            let job = server.wait(&id);
            ms(&job, "finished_at_ms") - ms(&job, "queued_at_ms")
        })
        .collect();
    alone.sort_unstable();
    let minutes = (last - first) as f64 / 60_000.0;
    println!(
        "  {label}: {:.1} jobs per minute; burst webhook → published p50 {:.2} s, p99 {:.2} s; \
         one article alone p50 {:.2} s",
        BURST as f64 / minutes,
        percentile(&latencies, 50) as f64 / 1000.0,
        percentile(&latencies, 99) as f64 / 1000.0,
        percentile(&alone, 50) as f64 / 1000.0,
    );
}

fn database_args(dir: &Path) -> Vec<String> {
    vec!["--database".to_owned(), dir.join("jobs.sqlite3").display().to_string()]
}

/// The test PostgreSQL server's admin URL, starting it if needed.
fn postgres_admin(root: &Path) -> Result<String, String> {
    if let Ok(url) = std::env::var("ARTICULATE_TEST_POSTGRES") {
        return Ok(url);
    }
    let out = Command::new(root.join("scripts/postgres.sh"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("scripts/postgres.sh: {e}"))?;
    if !out.status.success() {
        return Err("scripts/postgres.sh failed".into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A fresh database on the server (left for the server's owner to drop).
fn scratch_database(admin: &str) -> String {
    let name =
        format!("articulate_bench_{}", std::process::id() as u64 * 1000 + fastrand::u64(..1000));
    let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("PostgreSQL");
    client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create database");
    format!("{}/{name}", admin.rsplit_once('/').expect("a URL").0)
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
    fn start(root: &Path, dir: &Path, database: &[String], args: &[&str]) -> Server {
        let config = dir.join("config.toml");
        let voices = root.join("voices");
        std::fs::write(
            &config,
            format!(
                "[narrate]\nvoice = \"espeak-en-gb\"\ncache = false\nvoices_dir = {voices:?}\n"
            ),
        )
        .expect("config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_articulate"))
            .current_dir(root)
            .env("ARTICULATE_API_TOKENS", TOKEN)
            .arg("--config")
            .arg(&config)
            .args(["serve", "--listen", "127.0.0.1:0", "-o"])
            .arg(dir.join("out"))
            .args(database)
            .args(args)
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

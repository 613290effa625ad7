//! moto's S3-compatible server on a loopback port, for tests of what goes to a bucket.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The Python of the tests' own virtual environment, where `scripts/install-deps.sh --test`
/// installs moto: `$XDG_DATA_HOME/articulate/test-venv` (else `~/.local/share/…`).
fn python() -> std::path::PathBuf {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .unwrap_or_default();
    data.join("articulate/test-venv/bin/python")
}

/// moto's S3 server, stopped when dropped.
pub(crate) struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Start the server, or the reason it cannot be (moto not installed).
    pub(crate) fn start() -> Result<Moto, String> {
        let python = python();
        let probe = Command::new(&python).args(["-c", "import moto.server, flask"]).output();
        if !probe.is_ok_and(|o| o.status.success()) {
            return Err("moto[server] is not installed (scripts/install-deps.sh --test)".into());
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start moto: {e}"))?;
        let moto = Moto { child, port };
        for _ in 0..400 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(moto);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("moto did not start listening".into())
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a client needs to reach it (as the AWS tools read it).
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// Create a bucket (moto accepts unsigned requests).
    pub(crate) fn create_bucket(&self, name: &str) {
        let (status, body) = self.request("PUT", &format!("/{name}"), "");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }

    /// Create a bucket anyone may read, as one published through its public URL is.
    pub(crate) fn create_public_bucket(&self, name: &str) {
        let (status, body) = self.request("PUT", &format!("/{name}"), "x-amz-acl: public-read\r\n");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }

    /// GET `/bucket/key` as a browser would, unsigned: the status and body.
    pub(crate) fn get(&self, path: &str) -> (u16, Vec<u8>) {
        self.request("GET", path, "")
    }

    /// The keys in `bucket` under `prefix`.
    pub(crate) fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let (status, body) = self.get(&format!("/{bucket}?list-type=2&prefix={prefix}"));
        let xml = String::from_utf8(body).unwrap();
        assert_eq!(status, 200, "{xml}");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let mut keys: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("Key"))
            .filter_map(|n| n.text().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }

    /// One request; `headers` are whole lines, each ending in CRLF.
    fn request(&self, method: &str, path: &str, headers: &str) -> (u16, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             {headers}Connection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        let split = reply.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&reply[..split]).into_owned();
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, reply[split + 4..].to_vec())
    }
}

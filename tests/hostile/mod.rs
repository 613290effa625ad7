//! Issue 16, tried as an attacker and as an unlucky operator would: a crash, a hostile
//! client or an odd article never publishes the wrong thing. One test per finding, named by
//! it, plus a chaos test that kills a batch and a server at random moments.
//!
//! | module      | findings                                                               |
//! |-------------|------------------------------------------------------------------------|
//! | `publish`   | 1 temp files, 2 database in the output, 3 reserved ids and the feed, 4 one name for two inputs |
//! | `chunks`    | 5 chunks checked before they are cached                                 |
//! | `clients`   | 8 slow clients, 9 signed requests, 10 weak tokens, 11 links, 12 host names, 20 unknown fields, 21 JSON errors |
//! | `operators` | 13 metrics, 14 unwritable output, 15 one-line errors, 16 logs, 17 billing, 18 declared formats, 19 cache keys |
//! | `text`      | 6 long tokens, 7 words joined by invisible characters or emoji          |
//! | `chaos`     | SIGKILL at random moments, for `batch` and `serve`                      |

mod chaos;
mod chunks;
mod clients;
mod operators;
mod publish;
mod text;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A request a stub speech service received.
#[derive(Clone, Debug)]
pub(crate) struct Heard {
    pub(crate) body: serde_json::Value,
}

impl Heard {
    /// The text to speak: OpenAI's `input`, ElevenLabs' `text`.
    pub(crate) fn text(&self) -> String {
        self.body["input"].as_str().or(self.body["text"].as_str()).unwrap_or_default().to_owned()
    }
}

/// An answer from the stub: status, content type, body.
pub(crate) type Reply = (u16, &'static str, Vec<u8>);

/// A speech service on loopback (OpenAI- and ElevenLabs-compatible: any POST with a JSON
/// body) whose every answer the test scripts, given the request and how many came before
/// it. Returns its base URL and what it heard.
pub(crate) fn stub_tts(
    answer: impl Fn(&Heard, usize) -> Reply + Send + 'static,
) -> (String, Arc<Mutex<Vec<Heard>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heard = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&heard);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(value) = lower.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let request = Heard { body: serde_json::from_slice(&body).unwrap_or_default() };
            let n = {
                let mut heard = log.lock().unwrap();
                heard.push(request.clone());
                heard.len() - 1
            };
            let (status, kind, bytes) = answer(&request, n);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                bytes.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&bytes));
        }
    });
    (base, heard)
}

/// An MP3 (24 kHz mono, CBR, no Xing header: as many services stream it) of a tone lasting
/// `seconds`.
pub(crate) fn mp3(seconds: f64) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm};
    let rate = 24_000u32;
    let frames = (seconds * f64::from(rate)) as usize;
    let samples: Vec<i16> = (0..frames)
        .map(|i| {
            ((i as f64 * 220.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 9000.0) as i16
        })
        .collect();
    let mut builder = Builder::new().unwrap();
    builder.set_num_channels(1).unwrap();
    builder.set_sample_rate(rate).unwrap();
    builder.set_brate(Bitrate::Kbps64).unwrap();
    let mut encoder = builder.build().unwrap();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(samples.len()));
    encoder.encode_to_vec(MonoPcm(&samples), &mut out).unwrap();
    out.reserve(7200);
    encoder.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

/// How long `text` takes a real voice: about 14 letters a second.
pub(crate) fn spoken_seconds(text: &str) -> f64 {
    text.chars().filter(|c| c.is_alphanumeric()).count() as f64 / 14.0 + 0.3
}

/// A cloud voice profile (`backend` = `openai` or `elevenlabs`) pointed at a stub, with
/// its key in `ARTICULATE_TEST_KEY`, quick retries, and `extra` lines.
pub(crate) fn cloud_profile(dir: &Path, backend: &str, base: &str, extra: &str) -> String {
    let specific = match backend {
        "elevenlabs" => "voice_id = \"v1\"\noutput_format = \"mp3_24000_64\"\n",
        _ => "response_format = \"mp3\"\n",
    };
    let path = dir.join(format!("{backend}-stub.toml"));
    std::fs::write(
        &path,
        format!(
            "backend = \"{backend}\"\nlanguage = \"en\"\nbase_url = \"{base}\"\n\
             api_key_env = \"ARTICULATE_TEST_KEY\"\nconcurrency = 1\nretry_base_ms = 5\n\
             max_retries = 2\ntimeout_secs = 10\n{specific}{extra}"
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// Every file under `dir`, relative, sorted.
pub(crate) fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, found);
            } else {
                found.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

/// The temp files (`.articulate-*`) anywhere under `dir`.
pub(crate) fn temp_files(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|f| f.rsplit('/').next().is_some_and(|n| n.starts_with(".articulate-")))
        .collect()
}

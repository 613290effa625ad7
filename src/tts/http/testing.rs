//! Test support: a loopback HTTP/1.1 server whose answers each test scripts (faults
//! included), and real audio encoded in the test.
//!
//! The server is a few lines over a raw socket rather than a framework, so a test can do
//! what frameworks prevent: promise a body and cut it short, or never answer.

use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::tts::SynthRequest;
use crate::tts::VoiceProfile;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    /// Names lowercased, in the order sent.
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// When it arrived.
    pub(crate) at: Instant,
}

impl Request {
    /// The first value of a header.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` if it is not).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// The body as text.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// What the server does with a request.
pub(crate) enum Reply {
    /// A complete answer.
    Full { status: u16, headers: Vec<(String, String)>, body: Vec<u8> },
    /// Headers promising the whole body, half of it, then a closed connection.
    Truncated { content_type: String, body: Vec<u8> },
    /// Nothing for this long, then a closed connection.
    Silence(Duration),
    /// The connection reset (TCP RST) without an answer.
    Reset,
    /// Wait, then answer.
    Delayed(Duration, Box<Reply>),
}

impl Reply {
    /// 200 with `body` of `content_type`.
    pub(crate) fn ok(content_type: &str, body: Vec<u8>) -> Reply {
        Reply::status(200, content_type, body)
    }

    /// 200 with a JSON body.
    pub(crate) fn json(body: &serde_json::Value) -> Reply {
        Reply::ok("application/json", body.to_string().into_bytes())
    }

    /// `status` with `body` of `content_type`.
    pub(crate) fn status(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        let headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        Reply::Full { status, headers, body: body.into() }
    }

    /// The same answer with one more header.
    pub(crate) fn with(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

struct State {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A server on 127.0.0.1 at a random port, stopped when dropped.
pub(crate) struct Server {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    state: Arc<State>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Start a server; `handler` gets each request and its index (from 0) in arrival order.
    pub(crate) async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&shared)));
            }
        });
        Server { url, state, task }
    }

    /// Every request so far, in arrival order.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The most requests that were being answered at once.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut socket: TcpStream, state: Arc<State>) {
    let Some(request) = read_request(&mut socket).await else { return };
    let index = {
        let mut requests = state.requests.lock().unwrap();
        requests.push(request.clone());
        requests.len() - 1
    };
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let reply = (state.handler)(&request, index);
    write_reply(&mut socket, reply).await;
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
}

async fn read_request(socket: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = socket.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut buf).await.ok().filter(|n| *n > 0)?;
        body.extend_from_slice(&buf[..n]);
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Request {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
        at: Instant::now(),
    })
}

async fn write_reply(socket: &mut TcpStream, reply: Reply) {
    match reply {
        Reply::Full { status, headers, body } => {
            let reason = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Status");
            let mut head = format!("HTTP/1.1 {status} {reason}\r\nConnection: close\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
        }
        Reply::Truncated { content_type, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: {content_type}\r\n\
                 Content-Length: {}\r\n\r\n",
                body.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body[..body.len() / 2]).await;
        }
        Reply::Silence(wait) => tokio::time::sleep(wait).await,
        Reply::Reset => {
            // A zero linger makes closing send RST rather than FIN.
            let _ = socket.set_zero_linger();
            return;
        }
        Reply::Delayed(wait, reply) => {
            tokio::time::sleep(wait).await;
            Box::pin(write_reply(socket, *reply)).await;
        }
    }
    let _ = socket.shutdown().await;
}

/// A profile from TOML text, as a file would give it.
pub(crate) fn profile(text: &str) -> VoiceProfile {
    VoiceProfile::parse("test", None, text).unwrap()
}

/// An environment with only these variables.
pub(crate) fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let vars: Vec<(String, String)> =
        vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A request for one chunk of plain text, its SSML escaped as the segmenter does.
pub(crate) fn request<'a>(chunk: usize, text: &'a str, ssml: &'a str) -> SynthRequest<'a> {
    SynthRequest { chunk, text, ssml, language: Some("en-GB"), previous: None, next: None }
}

/// A deterministic tone standing in for speech: its pitch and length follow the text, so
/// different chunks give different audio.
pub(crate) fn tone(text: &str, rate: u32) -> Vec<i16> {
    let hash = text.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let hz = 200.0 + f64::from(hash % 400);
    let frames = (rate / 10) as usize * (1 + text.len().min(20) / 4);
    (0..frames)
        .map(|i| {
            let phase = std::f64::consts::TAU * hz * i as f64 / f64::from(rate);
            (phase.sin() * 12_000.0) as i16
        })
        .collect()
}

/// The tone as a 16-bit mono WAV file.
pub(crate) fn wav(text: &str, rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for s in tone(text, rate) {
        writer.write_sample(s).unwrap();
    }
    writer.finalize().unwrap();
    cursor.into_inner()
}

/// The tone as headerless 16-bit little-endian PCM.
pub(crate) fn pcm(text: &str, rate: u32) -> Vec<u8> {
    tone(text, rate).iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// The tone as an MP3 file, through LAME.
pub(crate) fn mp3(text: &str, rate: u32) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm};
    let samples = tone(text, rate);
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

/// The elements in an SSML document, in order (`speak`, `/speak`, ...), read without our
/// own escaping code so the check is independent of it.
pub(crate) fn elements(ssml: &str) -> Vec<String> {
    ssml.split('<')
        .skip(1)
        .map(|rest| {
            let tag = rest.split('>').next().unwrap_or_default();
            tag.split(|c: char| c.is_whitespace()).next().unwrap_or_default().to_owned()
        })
        .collect()
}

/// The text of an SSML document: markup removed and the five XML entities decoded.
pub(crate) fn text_of(ssml: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in ssml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Text a hostile article might carry: markup, entities, quotes and a closing root.
pub(crate) const HOSTILE: &str = "Tom & Jerry said \"<b>hi</b>\" & 'bye' </speak><speak> \
                                  <audio src=\"http://evil.example/x.mp3\"/> <break time=\"60s\"/> \
                                  a < b > c &amp; ]]> done.";

//! How close the HTTP path gets to ideal concurrency: a loopback OpenAI-compatible server
//! that takes 300 ms per request, 64 chunks, 8 requests at a time, through the real
//! `tts::synthesize_stream` and the `openai` backend (client, limits, retries, response
//! checks and decoding probe included).
//!
//! Ideal wall time is ceil(64 / 8) × 0.3 s = 2.4 s; the target is a ratio of at most 1.15.
//! Run with `cargo bench --bench http`. `BENCH_RUNS` sets the number of runs (default 3).

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use articulate::config::VoiceProfile;
use articulate::model::{BlockKind, Chunk, Pause};
use articulate::tts::{self, registry};
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CHUNKS: usize = 64;
const CONCURRENCY: usize = 8;
const LATENCY: Duration = Duration::from_millis(300);

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let url = serve(Arc::new(wav())).await;
        let text = format!(
            "backend = \"openai\"\nbase_url = \"{url}\"\nresponse_format = \"wav\"\n\
             api_key_env = \"\"\nconcurrency = {CONCURRENCY}\n"
        );
        let profile = VoiceProfile::parse("bench", None, &text).expect("profile");
        let backend = registry::build(&profile).expect("openai backend");
        let chunks = chunks();
        let ideal = LATENCY * u32::try_from(CHUNKS.div_ceil(CONCURRENCY)).expect("small");
        println!(
            "{CHUNKS} chunks, concurrency {CONCURRENCY}, {} ms per request: ideal {:.3} s",
            LATENCY.as_millis(),
            ideal.as_secs_f64()
        );
        let mut ratios = Vec::new();
        for run in 1..=runs {
            let start = Instant::now();
            let replies: Vec<_> =
                tts::synthesize_stream(std::slice::from_ref(&backend), &chunks, None, CONCURRENCY)
                    .collect()
                    .await;
            let wall = start.elapsed();
            let failed = replies.iter().filter(|r| r.is_err()).count();
            assert_eq!(failed, 0, "every request succeeds");
            let ratio = wall.as_secs_f64() / ideal.as_secs_f64();
            println!("run {run}: wall {:.3} s, wall / ideal = {ratio:.3}", wall.as_secs_f64());
            ratios.push(ratio);
        }
        let best = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        #[allow(clippy::cast_precision_loss)]
        let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
        let verdict = if mean <= 1.15 { "within" } else { "OVER" };
        println!("wall / ideal: best {best:.3}, mean {mean:.3} ({verdict} the 1.15 target)");
    });
}

/// 64 chunks of a few sentences each.
fn chunks() -> Vec<Chunk> {
    (0..CHUNKS)
        .map(|id| {
            let text = format!("Paragraph {id} of the benchmark article, read aloud at last.");
            Chunk {
                id,
                block: id,
                chapter: 0,
                kind: BlockKind::Paragraph,
                text: text.clone(),
                speak: text.clone(),
                ssml: text,
                pause_before: Pause::Paragraph,
                voice: 0,
                audio_file: None,
            }
        })
        .collect()
}

/// Half a second of a 16-bit mono tone, the same for every request.
fn wav() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 24_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("wav");
    for i in 0..12_000u32 {
        let phase = f64::from(i) * 440.0 * std::f64::consts::TAU / 24_000.0;
        #[allow(clippy::cast_possible_truncation)]
        writer.write_sample((phase.sin() * 8_000.0) as i16).expect("sample");
    }
    writer.finalize().expect("finalize");
    cursor.into_inner()
}

/// A loopback server answering every request with `audio` after [`LATENCY`].
async fn serve(audio: Arc<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, Arc::clone(&audio)));
        }
    });
    url
}

async fn answer(mut socket: TcpStream, audio: Arc<Vec<u8>>) {
    // Read the head and the body it announces; the content does not matter here.
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut buf).await else { return };
        if n == 0 {
            return;
        }
        data.extend_from_slice(&buf[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                break;
            }
        }
    }
    tokio::time::sleep(LATENCY).await;
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        audio.len()
    );
    let _ = socket.write_all(head.as_bytes()).await;
    let _ = socket.write_all(&audio).await;
    let _ = socket.shutdown().await;
}

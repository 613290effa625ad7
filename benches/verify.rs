//! Verification and word alignment, measured against what a user would otherwise run.
//!
//! The example's chunks are spoken by the default voice (Piper), then listened to:
//! - by articulate's recogniser (faster-whisper, Whisper base, int8, one long-lived process:
//!   every chunk transcribed and its words force-aligned, short chunks packed into shared
//!   30-second windows), the work `narrate --verify --words` adds;
//! - by faster-whisper's own `transcribe(word_timestamps=True)` (greedy, from the same venv,
//!   model loaded before the clock) on the same audio joined into one file: what a user
//!   would run to get a transcript with word times.
//!
//! Prints × real time for each and their ratio, and the recogniser process's peak memory.
//! Run with `cargo bench --bench verify` (needs Piper and the recogniser:
//! `scripts/install-deps.sh --test`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use articulate::audio::{Resampler, decode};
use articulate::config::{Config, VoiceProfile};
use articulate::model::SampleRate;
use articulate::narrate::read_article;
use articulate::segment::segment;
use articulate::tts::{self, registry};
use articulate::verify::{self, Listen, Recogniser, VerifyConfig, display_words};
use futures::StreamExt;

const BASELINE: &str = r#"
import sys, time, wave, numpy as np
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
with wave.open(sys.argv[2]) as w:
    audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
t = time.time()
segments, _ = model.transcribe(audio, language="en", beam_size=1, word_timestamps=True,
                               vad_filter=False)
words = sum(len(s.words) for s in segments)
print(time.time() - t, words)
"#;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).expect("repository root");
    let config = Config::load(Some(&root.join("config.toml"))).expect("config.toml");
    let work = tempfile::tempdir().expect("temp dir");
    let voice = VoiceProfile::resolve(&config.narrate.voice, &config.voices_dir()).expect("voice");
    let engine = registry::build(&voice).expect("Piper installed (scripts/install-piper.sh)");
    let (_, article) = read_article("examples/heartstopper.txt", &config).expect("extract");
    let lexicon = config.lexicon_for(&voice).expect("lexicon");
    let script =
        segment(&article, engine.capabilities(), &config.segment, &lexicon).expect("segment");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let chunks: Vec<Vec<f32>> = runtime.block_on(async {
        let mut replies = tts::synthesize_stream(
            std::slice::from_ref(&engine),
            &script.chunks,
            None,
            config.narrate.concurrency,
        );
        let mut chunks = Vec::new();
        while let Some(reply) = replies.next().await {
            let pcm = decode(&reply.expect("synthesis")).expect("decode");
            let mut resampler = Resampler::new(SampleRate(verify::RATE));
            chunks.push(resampler.process(&pcm.samples, pcm.rate).expect("resample"));
        }
        chunks
    });
    drop(engine);
    let words: Vec<_> = script.chunks.iter().map(|c| display_words(&c.text, true)).collect();
    #[allow(clippy::cast_precision_loss)]
    let seconds: f64 = chunks.iter().map(|c| c.len() as f64).sum::<f64>() / f64::from(verify::RATE);
    let word_count: usize = words.iter().map(Vec::len).sum();
    println!(
        "the example read by {}: {} chunks, {word_count} words, {seconds:.1} s of speech, {} cores",
        voice.name,
        chunks.len(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );

    // articulate's recogniser: model load first, off the clock.
    let settings = VerifyConfig::default();
    let recogniser =
        Recogniser::new(&settings).expect("recogniser (scripts/install-recogniser.sh)");
    let t = Instant::now();
    let warm = [Listen { audio: &chunks[0], words: &words[0] }];
    recogniser.listen(&warm, Some("en")).expect("recogniser starts");
    let load = t.elapsed().as_secs_f64();
    let items: Vec<Listen<'_>> =
        chunks.iter().zip(&words).map(|(audio, words)| Listen { audio, words }).collect();
    let t = Instant::now();
    let heard = recogniser.listen(&items, Some("en")).expect("listen");
    let ours = t.elapsed().as_secs_f64();
    let timed: usize = heard.iter().map(|h| h.words.len()).sum();
    let peak_kb = sidecar_peak_kb();
    drop(recogniser);

    // faster-whisper's own transcription with word timestamps, on the same audio joined.
    let joined = work.path().join("example-16k.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: verify::RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::create(&joined, spec).expect("wav");
    for chunk in &chunks {
        for s in chunk.iter().chain(&[0.0; verify::RATE as usize / 2]) {
            #[allow(clippy::cast_possible_truncation)]
            wav.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16).expect("wav");
        }
    }
    wav.finalize().expect("wav");
    let out = Command::new(settings.python_path())
        .arg("-c")
        .arg(BASELINE)
        .arg(settings.model_dir())
        .arg(&joined)
        .output()
        .expect("the recogniser's Python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let answer = String::from_utf8_lossy(&out.stdout);
    let mut fields = answer.split_whitespace();
    let theirs: f64 = fields.next().and_then(|f| f.parse().ok()).expect("seconds");
    let their_words: usize = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);

    println!("\nverification + word alignment (model load {load:.1} s, before the clock)");
    println!(
        "  articulate recogniser:                    {ours:6.1} s  {:.3} x real time  \
         ({timed} words aligned, every chunk transcribed)",
        ours / seconds
    );
    println!(
        "  faster-whisper transcribe, word times:    {theirs:6.1} s  {:.3} x real time  \
         ({their_words} words)",
        theirs / seconds
    );
    println!("  ratio (faster-whisper / articulate): {:.2}x", theirs / ours);
    println!(
        "  an hour of narration: about {:.0} min to verify and align on this machine",
        ours / seconds * 60.0
    );
    match peak_kb {
        Some(kb) => {
            println!("  recogniser process peak memory (VmHWM): {:.0} MB", kb as f64 / 1024.0)
        }
        None => println!("  recogniser process peak memory: not found"),
    }
}

/// Peak resident memory of this process's recogniser child, from /proc.
fn sidecar_peak_kb() -> Option<u64> {
    let me = std::process::id().to_string();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let parent = status.lines().find_map(|l| l.strip_prefix("PPid:")).map(str::trim);
        let cmdline = std::fs::read_to_string(entry.path().join("cmdline")).unwrap_or_default();
        if parent == Some(me.as_str()) && cmdline.contains("recogniser driver") {
            return status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok());
        }
    }
    None
}

//! Narrate about an hour of speech with espeak-ng and time every stage; then
//! assemble the same chunks with ffmpeg (concat + two-pass loudnorm + libmp3lame) and print
//! both times, the ratio, peak memory, and the loudness each reached.
//!
//! Run with `cargo bench --bench pipeline` (needs espeak-ng and ffmpeg:
//! `scripts/install-deps.sh --test`). `BENCH_MINUTES` sets the target length (default 60).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use articulate::audio::{Assembler, AudioError};
use articulate::cache::{Cached, ChunkCache};
use articulate::config::{Config, VoiceProfile};
use articulate::model::{BlockKind, Pause};
use articulate::narrate::read_article;
use articulate::output::{OutputFormat, Writer};
use articulate::segment::segment;
use articulate::tts::{self, Synthesizer, registry};
use futures::StreamExt;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).expect("repository root");
    let minutes: f64 =
        std::env::var("BENCH_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(60.0);
    let work = tempfile::tempdir().expect("temp dir");
    let config = Config::load(Some(&root.join("config.toml"))).expect("config.toml");

    let article_path = work.path().join("long.txt");
    let words = write_long_article(&config, &article_path, minutes);
    println!(
        "article: {words} words (the example's body repeated), target {minutes} min of speech"
    );

    // In-process, stage by stage, cold cache.
    // espeak-ng, so the time is the pipeline's, not a neural voice's (`cargo bench --bench
    // voice` measures that); BENCH_VOICE picks another.
    let voice_name = std::env::var("BENCH_VOICE").unwrap_or_else(|_| "espeak-en-gb".into());
    let voice = VoiceProfile::resolve(&voice_name, &config.voices_dir()).expect("voice");
    let engine = registry::build(&voice).expect("espeak-ng installed (scripts/install-deps.sh)");
    let cache_dir = work.path().join("cache");
    let cached = Arc::new(Cached::new(engine, ChunkCache::open(&cache_dir).expect("cache")));
    let backend: Arc<dyn Synthesizer> = cached.clone();
    let input = article_path.to_string_lossy().into_owned();

    let t = Instant::now();
    let (source, article) = read_article(&input, &config).expect("extract");
    let t_extract = t.elapsed();
    let t = Instant::now();
    let lexicon = config.lexicon_for(&voice).expect("lexicon");
    let script =
        segment(&article, backend.capabilities(), &config.segment, &lexicon).expect("segment");
    let t_segment = t.elapsed();

    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let t = Instant::now();
    runtime.block_on(async {
        let mut replies = tts::synthesize_stream(
            std::slice::from_ref(&backend),
            &script.chunks,
            None,
            config.narrate.concurrency,
        );
        while let Some(reply) = replies.next().await {
            reply.expect("synthesis");
        }
    });
    let t_synth = t.elapsed();

    let t = Instant::now();
    let mut assembler = Assembler::new(&config.audio).expect("assembler");
    runtime.block_on(async {
        let mut replies = tts::synthesize_stream(
            std::slice::from_ref(&backend),
            &script.chunks,
            None,
            config.narrate.concurrency,
        );
        let mut i = 0;
        while let Some(reply) = replies.next().await {
            assembler.push(&script.chunks[i], &reply.expect("cached chunk")).expect("assemble");
            i += 1;
        }
    });
    let assembled = assembler.finish(&script).expect("finish");
    let t_assemble = t.elapsed();
    let audio = Duration::from_millis(assembled.timeline.total.to_ms(assembled.timeline.rate));

    let t = Instant::now();
    let out = work.path().join("inproc");
    let mut writer = Writer::create(
        &out,
        &source.stem,
        &[OutputFormat::Mp3],
        &config.output,
        assembled.timeline.rate,
    )
    .expect("writer");
    assembled
        .render(articulate::audio::RenderOptions::default(), |b| {
            writer.write(b).map_err(|e| AudioError::Spool(std::io::Error::other(e.to_string())))
        })
        .expect("render");
    let manifest = articulate::output::build_manifest(
        &article,
        &script,
        Some(&assembled.timeline),
        "espeak-ng",
        &voice.name,
        writer.audio_entries(),
    );
    writer.finish(&assembled.timeline, &manifest).expect("write");
    let t_encode = t.elapsed();

    println!(
        "audio: {:.1} min in {} chunks, {} chapters ({} chunks read back from the cache)",
        audio.as_secs_f64() / 60.0,
        script.chunks.len(),
        script.chapters.len(),
        cached.hits()
    );
    println!("\nstage                       time     real-time factor");
    for (name, d) in [
        ("ingest + extract", t_extract),
        ("segment", t_segment),
        ("synthesize (espeak-ng)", t_synth),
        ("assemble (decode, resample, trim, stitch, measure)", t_assemble),
        ("normalise + encode MP3 + write", t_encode),
    ] {
        println!(
            "{name:<52} {:>8.3} s   {:>8.0}x",
            d.as_secs_f64(),
            audio.as_secs_f64() / d.as_secs_f64()
        );
    }

    // Whole runs of the binary, for wall time and peak memory.
    let bin = env!("CARGO_BIN_EXE_articulate");
    let fresh_cache = work.path().join("cache2");
    let cold = run_measured(bin, &input, &work.path().join("cold"), &fresh_cache);
    let warm = run_measured(bin, &input, &work.path().join("warm"), &fresh_cache);
    println!(
        "\narticulate narrate, cold cache: {:>7.2} s, peak RSS {:>5.0} MB",
        cold.0.as_secs_f64(),
        cold.1
    );
    println!(
        "articulate narrate, warm cache: {:>7.2} s, peak RSS {:>5.0} MB",
        warm.0.as_secs_f64(),
        warm.1
    );

    // The same chunks, pauses included, assembled by ffmpeg the way an engineer would:
    // concat, two-pass loudnorm (measure, then apply linearly), libmp3lame at our bitrate.
    let chunks_dir = work.path().join("chunks");
    let list = write_ffmpeg_inputs(&runtime, &backend, &script, &config, &chunks_dir);
    let mp3 = work.path().join("ffmpeg.mp3");
    let t = Instant::now();
    let target = "I=-16:TP=-1:LRA=11";
    let first = ffmpeg_concat(&list)
        .args(["-af", &format!("loudnorm={target}:print_format=json")])
        .args(["-f", "null", "-"])
        .output()
        .expect("ffmpeg installed (scripts/install-deps.sh --test)");
    assert!(first.status.success(), "ffmpeg loudnorm pass 1 failed");
    let measured = loudnorm_measurements(&String::from_utf8_lossy(&first.stderr));
    let bitrate = format!("{}k", config.output.mp3_bitrate);
    let rate = config.audio.sample_rate.to_string();
    let second = ffmpeg_concat(&list)
        .args(["-v", "error"])
        .args(["-af", &format!("loudnorm={target}:{measured}:linear=true")])
        .args(["-ar", &rate, "-ac", "1", "-c:a", "libmp3lame", "-b:a", &bitrate])
        .arg(&mp3)
        .status()
        .expect("ffmpeg");
    assert!(second.success(), "ffmpeg loudnorm pass 2 failed");
    let t_ffmpeg = t.elapsed();

    let ours = work.path().join("warm").join("long.mp3");
    let (our_lufs, our_peak) = ebur128(&ours);
    let (their_lufs, their_peak) = ebur128(&mp3);
    println!("ffmpeg concat + two-pass loudnorm + libmp3lame: {:>7.2} s", t_ffmpeg.as_secs_f64());
    println!(
        "\nloudness reached (ffmpeg ebur128, target -16 LUFS, ceiling -1 dBTP):\n  \
         articulate {our_lufs:>6.1} LUFS, true peak {our_peak:>5.1} dBTP\n  \
         ffmpeg     {their_lufs:>6.1} LUFS, true peak {their_peak:>5.1} dBTP"
    );
    println!(
        "\nratio, articulate warm run / ffmpeg on the same chunks: {:.3} (target <= 0.25); \
         peak memory {:.0} MB (target <= 150)",
        warm.0.as_secs_f64() / t_ffmpeg.as_secs_f64(),
        warm.1.max(cold.1)
    );
}

/// ffmpeg reading the concat list, quietly.
fn ffmpeg_concat(list: &Path) -> Command {
    let mut command = Command::new("ffmpeg");
    command.args(["-hide_banner", "-nostats", "-y", "-f", "concat", "-safe", "0", "-i"]).arg(list);
    command
}

/// loudnorm's first-pass JSON as its second pass's `measured_*` options.
fn loudnorm_measurements(stderr: &str) -> String {
    let json = &stderr[stderr.rfind('{').expect("loudnorm JSON")..];
    let json = &json[..=json.find('}').expect("loudnorm JSON end")];
    let values: serde_json::Value = serde_json::from_str(json).expect("loudnorm JSON");
    let field = |name: &str| values[name].as_str().expect("loudnorm field").to_owned();
    format!(
        "measured_I={}:measured_TP={}:measured_LRA={}:measured_thresh={}:offset={}",
        field("input_i"),
        field("input_tp"),
        field("input_lra"),
        field("input_thresh"),
        field("target_offset")
    )
}

/// Integrated loudness and true peak of `file`, by ffmpeg's `ebur128` filter.
fn ebur128(file: &Path) -> (f64, f64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(file)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .expect("ffmpeg");
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = &log[log.rfind("Summary:").expect("ebur128 summary")..];
    let after = |label: &str| -> f64 {
        let rest = &summary[summary.find(label).expect("ebur128 field") + label.len()..];
        rest.split_whitespace().next().and_then(|v| v.parse().ok()).expect("a number")
    };
    (after("I:"), after("Peak:"))
}

/// Write the example's spoken blocks, repeated to about `minutes` of speech, as plain text.
fn write_long_article(config: &Config, path: &Path, minutes: f64) -> usize {
    let (_, article) = read_article("examples/heartstopper.txt", config).expect("example");
    let blocks: Vec<_> = article.spoken().map(|(_, b)| b).collect();
    let body_words: usize =
        blocks.iter().skip(1).map(|b| b.text.split_whitespace().count()).sum::<usize>().max(1);
    // espeak-ng at 165 words per minute, plus pauses.
    let copies = ((minutes * 150.0) / body_words as f64).ceil().max(1.0) as usize;
    let mut text = format!("{}\n\n", blocks[0].text);
    // Each copy is numbered, so every chunk is distinct and none is answered from the cache.
    for copy in 1..=copies {
        for block in &blocks[1..] {
            let _ = match block.kind {
                BlockKind::ListItem => writeln!(text, "  • {} ({copy})\n", block.text),
                BlockKind::Heading => writeln!(text, "{} Part {copy}\n", block.text),
                _ => writeln!(text, "Part {copy}. {}\n", block.text),
            };
        }
    }
    std::fs::write(path, &text).expect("write article");
    text.split_whitespace().count()
}

/// Run `articulate narrate` and return its wall time and peak resident memory in MB.
// wait4 reaps the child (Child::wait cannot report its peak memory).
#[allow(clippy::zombie_processes)]
fn run_measured(bin: &str, input: &str, out: &Path, cache: &Path) -> (Duration, f64) {
    let t = Instant::now();
    let child = Command::new(bin)
        .args(["narrate", input, "--voice", "espeak-en-gb", "-o"])
        .arg(out)
        .arg("--cache-dir")
        .arg(cache)
        .spawn()
        .expect("articulate runs");
    let pid = i32::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 fills it for the child we just spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child; status and usage are valid for writes.
    let waited = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    assert_eq!(waited, pid, "wait4");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "articulate failed");
    (t.elapsed(), usage.ru_maxrss as f64 / 1024.0)
}

/// Write each cached chunk and the pause before it as WAV files and an ffmpeg concat list.
fn write_ffmpeg_inputs(
    runtime: &tokio::runtime::Runtime,
    backend: &Arc<dyn Synthesizer>,
    script: &articulate::model::Script,
    config: &Config,
    dir: &Path,
) -> PathBuf {
    std::fs::create_dir_all(dir).expect("chunks dir");
    let mut list = String::new();
    let mut rate = 22_050;
    runtime.block_on(async {
        let mut replies =
            tts::synthesize_stream(std::slice::from_ref(backend), &script.chunks, None, 4);
        let mut i = 0;
        while let Some(reply) = replies.next().await {
            let audio = reply.expect("cached chunk");
            let pcm = articulate::audio::decode(&audio).expect("decodable");
            rate = pcm.rate.0;
            let ms = match script.chunks[i].pause_before {
                Pause::None => 0,
                Pause::Sentence => config.audio.pause_sentence_ms,
                Pause::Paragraph => config.audio.pause_paragraph_ms,
                Pause::Heading => config.audio.pause_heading_ms,
                Pause::Chapter => config.audio.pause_chapter_ms,
            };
            if ms > 0 {
                let silence = dir.join(format!("pause-{ms}.wav"));
                if !silence.exists() {
                    write_wav(&silence, &vec![0.0; (u64::from(rate) * ms / 1000) as usize], rate);
                }
                let _ = writeln!(list, "file '{}'", silence.display());
            }
            let file = dir.join(format!("{i:05}.wav"));
            write_wav(&file, &pcm.samples, rate);
            let _ = writeln!(list, "file '{}'", file.display());
            i += 1;
        }
    });
    let path = dir.join("list.txt");
    std::fs::write(&path, list).expect("concat list");
    path
}

fn write_wav(path: &Path, samples: &[f32], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav");
    for s in samples {
        w.write_sample((s * 32767.0) as i16).expect("sample");
    }
    w.finalize().expect("wav");
}

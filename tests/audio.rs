//! Broadcast-grade audio, measured independently: loudness and true peak with ffmpeg's
//! `ebur128` filter, chunk levels with the `ebur128` crate, and joins sample by sample.

use std::path::Path;
use std::process::Command;

use crate::util::{self, articulate};

/// Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's `ebur128=peak=true` reports.
fn ffmpeg_loudness(path: &Path) -> (f64, f64) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs (scripts/install-deps.sh --test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = &log[log.rfind("Summary:").expect("an ebur128 summary")..];
    let value = |label: &str| -> f64 {
        let line = summary.lines().find(|l| l.trim_start().starts_with(label)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    (value("I:"), value("Peak:"))
}

fn narrate_with(voice: &str, dir: &Path) {
    articulate()
        .args([
            "narrate",
            "examples/heartstopper.txt",
            "--format",
            "mp3,wav",
            "--voice",
            voice,
            "-o",
        ])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn every_local_voice_lands_on_the_loudness_target_under_the_true_peak_ceiling() {
    for voice in ["espeak-en-gb", "espeak-en-us", "flite"] {
        let tmp = tempfile::tempdir().unwrap();
        narrate_with(voice, tmp.path());
        for file in ["heartstopper.wav", "heartstopper.mp3"] {
            let (integrated, peak) = ffmpeg_loudness(&tmp.path().join(file));
            eprintln!("{voice} {file}: {integrated:.1} LUFS, true peak {peak:.1} dBTP");
            assert!((integrated + 16.0).abs() <= 0.5, "{voice} {file}: {integrated} LUFS");
            assert!(peak <= -1.0, "{voice} {file}: true peak {peak} dBTP");
        }
    }
}

#[test]
fn chunks_are_level_matched_within_three_lu() {
    let tmp = tempfile::tempdir().unwrap();
    narrate_with("espeak-en-gb", tmp.path());
    let manifest = util::manifest(&tmp.path().join("heartstopper.json"));
    let (_, rate, samples) = util::decode(&tmp.path().join("heartstopper.wav"));
    let at = |ms: u64| (ms * u64::from(rate) / 1000) as usize;
    let levels: Vec<f64> = manifest
        .segments
        .iter()
        .filter(|s| s.end_ms.unwrap() - s.start_ms.unwrap() >= 3000)
        .map(|s| {
            let mut meter = ebur128::EbuR128::new(1, rate, ebur128::Mode::S).unwrap();
            meter.add_frames_f32(&samples[at(s.start_ms.unwrap())..at(s.end_ms.unwrap())]).unwrap();
            meter.loudness_shortterm().unwrap()
        })
        .collect();
    assert!(levels.len() >= 10, "{levels:?}");
    let spread = levels.iter().copied().fold(f64::MIN, f64::max)
        - levels.iter().copied().fold(f64::MAX, f64::min);
    eprintln!("short-term loudness over {} chunks: spread {spread:.2} LU", levels.len());
    assert!(spread <= 3.0, "{levels:?}");
}

#[test]
fn no_join_clicks_louder_than_the_speech_around_it() {
    let tmp = tempfile::tempdir().unwrap();
    narrate_with("espeak-en-gb", tmp.path());
    let manifest = util::manifest(&tmp.path().join("heartstopper.json"));
    let (_, rate, x) = util::decode(&tmp.path().join("heartstopper.wav"));
    let at = |ms: u64| (ms * u64::from(rate) / 1000) as usize;
    let max_step = |a: usize, b: usize| {
        x[a.max(1)..b.min(x.len())]
            .iter()
            .zip(&x[a.max(1) - 1..])
            .fold(0f32, |m, (p, q)| m.max((p - q).abs()))
    };
    for s in &manifest.segments {
        let (start, end) = (at(s.start_ms.unwrap()), at(s.end_ms.unwrap()));
        let speech = max_step(start, end);
        let window = at(10);
        for join in [start, end] {
            let step = max_step(join.saturating_sub(window), join + window);
            assert!(step <= speech, "segment {}: step {step} at a join, {speech} inside", s.id);
        }
    }
}

/// The example narrated through the library with a real voice: the engine's own audio
/// (decoded and resampled, nothing else), the WAV written, and what rendering did.
struct Real {
    raw: Vec<f32>,
    written: Vec<f32>,
    rate: articulate::model::SampleRate,
    stats: articulate::audio::RenderStats,
}

fn real_narration(voice: &str) -> Real {
    use articulate::narrate::{Casting, Job, narrate, prepare};
    use articulate::output::OutputFormat;
    use futures::StreamExt;

    let root = util::root();
    let example = root.join("examples/heartstopper.txt").to_string_lossy().into_owned();
    let config = articulate::config::Config::load(Some(&root.join("config.toml"))).unwrap();
    // The e2e cache, so the chunks tests/narrate.rs already had Piper say are reused.
    let casting =
        Casting::new(&config, Some(voice.to_owned()), Some(util::cache_home().join("articulate")));
    let out = tempfile::tempdir().unwrap();
    let job = Job {
        input: example.clone(),
        output_dir: out.path().to_path_buf(),
        formats: vec![OutputFormat::Mp3, OutputFormat::Wav],
        max_chars: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let narration = runtime.block_on(narrate(&job, &config, &casting, &|_, _| {})).unwrap();
    let (_, rate, written) = util::decode(&out.path().join("heartstopper.wav"));
    let rate = articulate::model::SampleRate(rate);
    // The same chunks again, from the cache: the voice as the engine gave it.
    let prepared = prepare(&example, &config, &casting).unwrap();
    let backends: Vec<_> = prepared.cast.voices.iter().map(|v| v.backend.clone()).collect();
    let replies: Vec<_> = runtime.block_on(
        articulate::tts::synthesize_stream(&backends, &prepared.script.chunks, None, 4)
            .collect::<Vec<_>>(),
    );
    let mut resampler = articulate::audio::Resampler::new(rate);
    let mut raw = Vec::new();
    for reply in replies {
        let pcm = articulate::audio::decode(&reply.unwrap()).unwrap();
        raw.extend(resampler.process(&pcm.samples, pcm.rate).unwrap());
    }
    Real { raw, written, rate, stats: narration.render }
}

/// The default voice (when installed) and its fallback, each narrated once for these tests.
fn real_voices() -> Vec<(&'static str, &'static Real)> {
    static PIPER: std::sync::OnceLock<Real> = std::sync::OnceLock::new();
    static ESPEAK: std::sync::OnceLock<Real> = std::sync::OnceLock::new();
    let mut voices = vec![("espeak-en-us", ESPEAK.get_or_init(|| real_narration("espeak-en-us")))];
    if crate::voice::piper_installed() {
        voices.push(("piper-en-us", PIPER.get_or_init(|| real_narration("piper-en-us"))));
    }
    voices
}

#[test]
fn the_limiter_takes_at_most_three_db_off_any_peak_of_a_real_narration() {
    for (voice, real) in real_voices() {
        let s = real.stats;
        eprintln!(
            "{voice}: compressor at most {:.1} dB, limiter at most {:.1} dB ({} ms limited)",
            s.compressor_max_db, s.limiter_max_db, s.limited_ms
        );
        assert!(s.limiter_max_db <= 3.0, "{voice}: the limiter took {:.1} dB", s.limiter_max_db);
    }
}

#[test]
fn the_loudness_chain_does_not_make_sibilants_more_prominent() {
    use articulate::audio::sibilance;
    for (voice, real) in real_voices() {
        let before = sibilance::measure(&real.raw, real.rate).unwrap();
        let after = sibilance::measure(&real.written, real.rate).unwrap();
        eprintln!(
            "{voice}: sibilants {:+.1} dB against vowels as the engine said them, {:+.1} dB \
             as written ({} and {} sibilant frames)",
            before.relative_db, after.relative_db, before.sibilant_frames, after.sibilant_frames
        );
        assert!(before.sibilant_frames >= 100, "{voice}: {before:?}");
        assert!(
            after.relative_db <= before.relative_db + 0.5,
            "{voice}: sibilants {:+.1} dB before, {:+.1} dB after",
            before.relative_db,
            after.relative_db
        );
    }
}

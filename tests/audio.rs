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

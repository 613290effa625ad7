//! Helpers for end-to-end tests: running the binary, and reading its outputs back with
//! independent tools (symphonia, ffprobe, a RIFF parser).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use articulate::model::Manifest;

pub(crate) mod moto;
pub(crate) mod postgres;

/// The repository root (tests run with it as the working directory).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `articulate` with the repository root as its working directory.
pub(crate) fn articulate() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("articulate").expect("the binary is built");
    cmd.current_dir(root()).env_remove("ARTICULATE_LOG").env("XDG_CACHE_HOME", cache_home());
    cmd
}

/// Entries in a local chunk cache: files in its `ab/` shard directories, not the lock
/// files beside them nor a write still in progress (`#` in its name).
pub(crate) fn cache_entries(cache: &Path) -> usize {
    let Ok(dirs) = std::fs::read_dir(cache) else { return 0 };
    dirs.map(|d| d.unwrap())
        .filter(|d| d.file_name().len() == 2 && d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap())
        .filter(|e| !e.as_ref().unwrap().file_name().to_string_lossy().contains('#'))
        .count()
}

/// A chunk cache private to this test run, so tests neither see nor leave the user's cache.
pub(crate) fn cache_home() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap()).path()
}

/// A fixture's path.
pub(crate) fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// Read a manifest.
pub(crate) fn manifest(path: &Path) -> Manifest {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decode an audio file with symphonia: (frames, sample rate, mono samples).
pub(crate) fn decode(path: &Path) -> (u64, u32, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("mp3") => articulate::model::AudioFormat::Mp3,
        _ => articulate::model::AudioFormat::Wav,
    };
    let pcm = articulate::audio::decode(&articulate::model::SpeechAudio { bytes, format }).unwrap();
    (pcm.samples.len() as u64, pcm.rate.0, pcm.samples)
}

/// Whether a program is on PATH.
pub(crate) fn installed(program: &str) -> bool {
    Command::new(program).arg("-version").output().is_ok()
}

/// Chapters as ffprobe reads them from a file: (start ms, end ms, title).
pub(crate) fn ffprobe_chapters(path: &Path) -> Vec<(u64, u64, String)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs (scripts/install-deps.sh --test installs it)");
    assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let base = c["time_base"].as_str().unwrap();
            let den: u64 = base.split('/').nth(1).unwrap().parse().unwrap();
            let ms = |v: &serde_json::Value| v.as_u64().unwrap() * 1000 / den;
            (ms(&c["start"]), ms(&c["end"]), c["tags"]["title"].as_str().unwrap_or("").to_owned())
        })
        .collect()
}

/// The `cue ` points of a WAV with their `labl` titles: (sample offset, title).
pub(crate) fn wav_cues(path: &Path) -> Vec<(u32, String)> {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize, bytes.len() - 8);
    let mut cues: Vec<(u32, u32)> = Vec::new();
    let mut labels: Vec<(u32, String)> = Vec::new();
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let size = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let body = &bytes[pos + 8..pos + 8 + size];
        if id == b"cue " {
            let n = u32::from_le_bytes(body[0..4].try_into().unwrap()) as usize;
            for i in 0..n {
                let p = &body[4 + i * 24..4 + (i + 1) * 24];
                let cue_id = u32::from_le_bytes(p[0..4].try_into().unwrap());
                let offset = u32::from_le_bytes(p[20..24].try_into().unwrap());
                cues.push((cue_id, offset));
            }
        }
        if id == b"LIST" && &body[0..4] == b"adtl" {
            let mut q = 4;
            while q + 8 <= body.len() {
                let sub = &body[q..q + 4];
                let sub_size = u32::from_le_bytes(body[q + 4..q + 8].try_into().unwrap()) as usize;
                if sub == b"labl" {
                    let cue_id = u32::from_le_bytes(body[q + 8..q + 12].try_into().unwrap());
                    let text = &body[q + 12..q + 8 + sub_size];
                    let text = String::from_utf8(text.split(|b| *b == 0).next().unwrap().to_vec())
                        .unwrap();
                    labels.push((cue_id, text));
                }
                q += 8 + sub_size + (sub_size & 1);
            }
        }
        pos += 8 + size + (size & 1);
    }
    cues.iter()
        .map(|(id, offset)| {
            let title =
                labels.iter().find(|(l, _)| l == id).map(|(_, t)| t.clone()).unwrap_or_default();
            (*offset, title)
        })
        .collect()
}

/// WebVTT cues: (start ms, end ms, text).
pub(crate) fn vtt_cues(path: &Path) -> Vec<(u64, u64, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("WEBVTT"));
    let parse = |t: &str| -> u64 {
        let (hms, ms) = t.trim().split_once('.').unwrap();
        let parts: Vec<u64> = hms.split(':').map(|p| p.parse().unwrap()).collect();
        let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
        secs * 1000 + ms.parse::<u64>().unwrap()
    };
    let mut cues = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if let Some((a, b)) = line.split_once(" --> ") {
            cues.push((parse(a), parse(b), lines[i + 1].to_owned()));
        }
    }
    cues
}

/// RMS level in dBFS of a slice.
pub(crate) fn rms_db(samples: &[f32]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let mean =
        samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum::<f64>() / samples.len() as f64;
    10.0 * mean.log10()
}

/// A mono 16-bit WAV of a 220 Hz tone, `frames` long: what a stand-in engine answers.
pub(crate) fn tone_wav(sample_rate: u32, frames: u32) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::new(&mut bytes, spec).unwrap();
    for i in 0..frames {
        let t = f64::from(i) / f64::from(sample_rate);
        writer.write_sample(((t * 220.0 * std::f64::consts::TAU).sin() * 8000.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
    bytes.into_inner()
}

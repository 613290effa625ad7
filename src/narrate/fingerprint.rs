//! The settings hash recorded in a manifest: everything besides the source's bytes that
//! shapes the files written from it.

use std::path::Path;

use serde::Serialize;

use super::Prepared;
use crate::config::Config;
use crate::output::OutputFormat;

/// What the hash covers. The article and script stand in for the extract and segment
/// settings, the lexicons and the intro and outro texts, and they also change when a new
/// version extracts or cuts differently; the rest is what happens after synthesis.
#[derive(Serialize)]
struct Fingerprint<'a> {
    articulate: &'static str,
    article: &'a crate::model::Article,
    script: &'a crate::model::Script,
    voices: Vec<VoiceFingerprint<'a>>,
    audio: String,
    output: String,
    formats: Vec<&'static str>,
    /// Verification and word timings change what the manifest holds (and, through a retry,
    /// the audio).
    verify: String,
    /// Intro and outro files by content, so replacing a jingle re-narrates.
    files: Vec<Option<String>>,
}

#[derive(Serialize)]
struct VoiceFingerprint<'a> {
    profile: &'a str,
    backend: &'a str,
    settings: serde_json::Value,
    /// An upgraded engine or model speaks differently: `--changed-only` narrates again.
    #[serde(skip_serializing_if = "Option::is_none")]
    engine: Option<String>,
}

/// The settings hash of a prepared article narrated into `formats` (hex BLAKE3).
#[must_use]
pub fn settings_hash(prepared: &Prepared, config: &Config, formats: &[OutputFormat]) -> String {
    // `strict` decides whether files are written, not what they hold.
    let verify = crate::verify::VerifyConfig { strict: false, ..config.verify.clone() };
    let fingerprint = Fingerprint {
        articulate: env!("CARGO_PKG_VERSION"),
        article: &prepared.article,
        script: &prepared.script,
        voices: prepared
            .cast
            .voices
            .iter()
            .map(|v| VoiceFingerprint {
                profile: &v.profile.name,
                backend: v.backend.name(),
                settings: v.backend.settings(),
                engine: v.backend.engine(),
            })
            .collect(),
        // Plain structs of numbers and flags: their Debug form is complete and stable.
        audio: format!("{:?}", config.audio),
        output: format!("{:?}", config.output),
        formats: formats.iter().map(|f| f.extension()).collect(),
        verify: format!(
            "{:?} {:?} {:?}",
            config.narrate.verify, config.narrate.word_timings, verify
        ),
        files: prepared
            .script
            .chunks
            .iter()
            .filter_map(|c| c.audio_file.as_deref())
            .map(file_hash)
            .collect(),
    };
    let mut hasher = blake3::Hasher::new();
    // Serializing plain data into a hasher cannot fail.
    let _ = serde_json::to_writer(&mut hasher, &fingerprint);
    hasher.finalize().to_hex().to_string()
}

fn file_hash(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|bytes| blake3::hash(&bytes).to_hex().to_string())
}

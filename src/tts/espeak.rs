//! `espeak-ng`: the default local engine, run as a child process per chunk.
//!
//! espeak-ng starts in a few milliseconds and speaks about a thousand times faster than real
//! time, so one process per chunk costs nothing worth a long-lived server.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Capabilities, SynthError, SynthRequest, Synthesizer, process};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;

const NAME: &str = "espeak-ng";

/// A profile's settings for `backend = "espeak-ng"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// espeak-ng voice name (`espeak-ng --voices`). Default: `"en-gb"`.
    #[serde(default = "default_voice")]
    voice: String,
    /// Words per minute. Default: 165.
    #[serde(default = "default_rate")]
    rate: u32,
    /// Pitch, 0–99. Default: 50.
    #[serde(default = "default_pitch")]
    pitch: u32,
    /// Send SSML (escaped text in `<speak>`) rather than plain text. Default: true.
    #[serde(default = "default_true")]
    ssml: bool,
    /// Longest chunk in characters. Default: 2000.
    #[serde(default = "default_max_chars")]
    max_chars: usize,
    /// Processes at once. Default: the number of CPUs.
    #[serde(default)]
    concurrency: Option<usize>,
    /// Seconds before a chunk is abandoned. Default: 60.
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
    /// The program to run. Default: `"espeak-ng"`.
    #[serde(default = "default_program")]
    program: String,
}

fn default_voice() -> String {
    "en-gb".into()
}
fn default_rate() -> u32 {
    165
}
fn default_pitch() -> u32 {
    50
}
fn default_true() -> bool {
    true
}
fn default_max_chars() -> usize {
    2000
}
fn default_timeout() -> u64 {
    60
}
fn default_program() -> String {
    NAME.into()
}

struct Espeak {
    settings: Settings,
    /// `espeak-ng --version`'s version, for cache keys.
    version: String,
    capabilities: Capabilities,
}

/// Build an espeak-ng backend from a profile. Fails if espeak-ng is not installed.
pub(super) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    let settings: Settings = profile.backend_settings().map_err(|message| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    })?;
    if settings.pitch > 99 || !(80..=450).contains(&settings.rate) {
        return Err(SynthError::Profile {
            backend: NAME.into(),
            profile: profile.origin(),
            message: "pitch must be 0–99 and rate 80–450 words per minute".into(),
        });
    }
    if !process::installed(&settings.program) {
        return Err(SynthError::NotInstalled {
            backend: NAME.into(),
            program: settings.program.clone(),
            hint: "install it with `apt-get install -y espeak-ng` (or run scripts/narrate-example.sh, \
                   which does)"
                .into(),
        });
    }
    let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let capabilities = Capabilities {
        max_chars: Some(settings.max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: settings.ssml,
        formats: vec![AudioFormat::Wav],
        concurrency: settings.concurrency.unwrap_or(cpus).max(1),
    };
    let version = version(&settings.program);
    Ok(Arc::new(Espeak { settings, version, capabilities }))
}

/// The version `program --version` reports ("eSpeak NG text-to-speech: 1.51  Data at: …"
/// gives "1.51"), or its whole first line when it says something else.
fn version(program: &str) -> String {
    let out = std::process::Command::new(program).arg("--version").output();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
    let line = text.lines().next().unwrap_or_default();
    line.split_once("text-to-speech:")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or(line)
        .trim()
        .to_owned()
}

#[async_trait]
impl Synthesizer for Espeak {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "voice": self.settings.voice,
            "rate": self.settings.rate,
            "pitch": self.settings.pitch,
            "ssml": self.settings.ssml,
        })
    }

    fn engine(&self) -> Option<String> {
        Some(format!("espeak-ng {}", self.version))
    }

    /// A local engine bills nothing (and its SSML wrapper is not text anyone pays for).
    fn billed_chars(&self, _: &SynthRequest<'_>) -> usize {
        0
    }

    fn fastest_letters_per_second(&self) -> Option<f64> {
        let rate = f64::from(self.settings.rate) / f64::from(default_rate());
        Some(crate::tts::check::FASTEST_LETTERS_PER_SECOND * rate.max(1.0))
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let args = ["--voices".to_owned()];
        let out =
            process::run(NAME, 0, &self.settings.program, &args, None, Duration::from_secs(10))
                .await?;
        // Columns: Pty Language Age/Gender VoiceName File Other-languages.
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .skip(1)
            .filter_map(|line| {
                let cols: Vec<&str> = line.split_whitespace().collect();
                Some(format!("{} — {}", cols.get(1)?, cols.get(3)?.replace('_', " ")))
            })
            .collect())
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let text = request.body(&self.capabilities);
        let mut args = vec![
            "-v".to_owned(),
            self.settings.voice.clone(),
            "-s".to_owned(),
            self.settings.rate.to_string(),
            "-p".to_owned(),
            self.settings.pitch.to_string(),
            "-b".to_owned(),
            "1".to_owned(),
            "--stdin".to_owned(),
            "--stdout".to_owned(),
        ];
        if self.settings.ssml {
            args.push("-m".to_owned());
        }
        let timeout = Duration::from_secs(self.settings.timeout_secs);
        let bytes = process::run(
            NAME,
            request.chunk,
            &self.settings.program,
            &args,
            Some(text.as_bytes()),
            timeout,
        )
        .await?;
        Ok(SpeechAudio { bytes, format: AudioFormat::Wav })
    }
}

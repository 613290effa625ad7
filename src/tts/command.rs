//! `command`: any local program that turns text into audio.
//!
//! The profile gives the program and its arguments. `{input}` in an argument is replaced by
//! the path of a file holding the text (otherwise the text goes to stdin) and `{output}` by
//! the path the program must write audio to (otherwise its stdout is the audio).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Capabilities, SynthError, SynthRequest, Synthesizer, process};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;

const NAME: &str = "command";

/// A profile's settings for `backend = "command"`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The program to run.
    program: String,
    /// Its arguments; `{input}` and `{output}` are replaced by file paths.
    #[serde(default)]
    args: Vec<String>,
    /// What it writes: `wav`, `mp3`, `ogg` or `flac`. Default: `"wav"`.
    #[serde(default = "default_format")]
    format: String,
    /// Send SSML rather than plain text. Default: false.
    #[serde(default)]
    ssml: bool,
    /// Longest chunk in characters. Default: 1000.
    #[serde(default = "default_max_chars")]
    max_chars: usize,
    /// Processes at once. Default: 2.
    #[serde(default = "default_concurrency")]
    concurrency: usize,
    /// Seconds before a chunk is abandoned. Default: 60.
    #[serde(default = "default_timeout")]
    timeout_secs: u64,
    /// Shown when the program is missing, e.g. `"apt-get install -y flite"`.
    #[serde(default)]
    install_hint: Option<String>,
}

fn default_format() -> String {
    "wav".into()
}
fn default_max_chars() -> usize {
    1000
}
fn default_concurrency() -> usize {
    2
}
fn default_timeout() -> u64 {
    60
}

struct CommandBackend {
    settings: Settings,
    format: AudioFormat,
    capabilities: Capabilities,
}

/// Build a `command` backend from a profile. Fails if the program is not installed.
pub(super) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    let settings: Settings = profile.backend_settings().map_err(invalid)?;
    let format = match settings.format.as_str() {
        "wav" => AudioFormat::Wav,
        "mp3" => AudioFormat::Mp3,
        "ogg" => AudioFormat::Ogg,
        "flac" => AudioFormat::Flac,
        other => {
            return Err(invalid(format!("unknown format {other:?}; use wav, mp3, ogg or flac")));
        }
    };
    if !process::installed(&settings.program) {
        return Err(SynthError::NotInstalled {
            backend: NAME.into(),
            program: settings.program.clone(),
            hint: settings
                .install_hint
                .clone()
                .unwrap_or_else(|| "install it or fix `program`".into()),
        });
    }
    let capabilities = Capabilities {
        max_chars: Some(settings.max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: settings.ssml,
        formats: vec![format],
        concurrency: settings.concurrency.max(1),
    };
    Ok(Arc::new(CommandBackend { settings, format, capabilities }))
}

#[async_trait]
impl Synthesizer for CommandBackend {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// A local engine bills nothing.
    fn billed_chars(&self, _: &SynthRequest<'_>) -> usize {
        0
    }

    /// A user's own program may speak at any pace (or play anything at all).
    fn fastest_letters_per_second(&self) -> Option<f64> {
        None
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "program": self.settings.program,
            "args": self.settings.args,
            "format": self.settings.format,
            "ssml": self.settings.ssml,
        })
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let text = request.body(&self.capabilities);
        let io_error = |what: &str, e: std::io::Error| SynthError::Engine {
            backend: NAME.into(),
            chunk: request.chunk,
            message: format!("{what}: {e}"),
            retryable: false,
        };
        let dir = tempfile::tempdir().map_err(|e| io_error("cannot create a temp dir", e))?;
        let input = dir.path().join("input.txt");
        let output = dir.path().join(format!("output.{}", self.settings.format));
        let uses_input = self.settings.args.iter().any(|a| a.contains("{input}"));
        let uses_output = self.settings.args.iter().any(|a| a.contains("{output}"));
        if uses_input {
            std::fs::write(&input, &text)
                .map_err(|e| io_error("cannot write the input file", e))?;
        }
        let args: Vec<String> = self
            .settings
            .args
            .iter()
            .map(|a| {
                a.replace("{input}", &input.to_string_lossy())
                    .replace("{output}", &output.to_string_lossy())
            })
            .collect();
        let stdin = (!uses_input).then_some(text.as_bytes());
        let timeout = Duration::from_secs(self.settings.timeout_secs);
        let stdout =
            process::run(NAME, request.chunk, &self.settings.program, &args, stdin, timeout)
                .await?;
        let bytes = if uses_output {
            std::fs::read(&output).map_err(|e| io_error("the program wrote no output file", e))?
        } else {
            stdout
        };
        Ok(SpeechAudio { bytes, format: self.format })
    }
}

//! `openai`: OpenAI's speech endpoint, `POST {base_url}/v1/audio/speech`, and every server
//! that copies it (Kokoro-FastAPI, LocalAI, Speaches and the like), selected by `base_url`.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::secret::{self, Env};
use super::transport::{Protocol, Transport};
use crate::config::VoiceProfile;
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer};

const NAME: &str = "openai";

/// OpenAI's limit on `input`, in characters.
pub(super) const MAX_INPUT_CHARS: usize = 4096;

/// A profile's settings for `backend = "openai"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Settings {
    /// Where the API is; a trailing `/v1` is tolerated. Default: `"https://api.openai.com"`.
    base_url: String,
    /// The model. Default: `"tts-1"`.
    model: String,
    /// The voice. Default: `"alloy"`.
    voice: String,
    /// `mp3`, `wav`, `flac`, `opus` or `pcm` (24 kHz 16-bit mono). Default: `"mp3"`.
    response_format: String,
    /// Speaking speed, 0.25–4.0. Default: 1.0.
    speed: f64,
    /// How to speak, for models that take instructions (`gpt-4o-mini-tts`). Default: none.
    instructions: Option<String>,
    /// The environment variable holding the key; `""` sends none (a local server).
    /// Default: `"OPENAI_API_KEY"`.
    api_key_env: String,
    /// Longest request in characters. Default: 4096, OpenAI's limit.
    max_chars: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "https://api.openai.com".into(),
            model: "tts-1".into(),
            voice: "alloy".into(),
            response_format: "mp3".into(),
            speed: 1.0,
            instructions: None,
            api_key_env: "OPENAI_API_KEY".into(),
            max_chars: MAX_INPUT_CHARS,
        }
    }
}

/// The audio format a `response_format` names.
fn format(name: &str) -> Option<AudioFormat> {
    Some(match name {
        "mp3" => AudioFormat::Mp3,
        "wav" => AudioFormat::Wav,
        "flac" => AudioFormat::Flac,
        "opus" => AudioFormat::Ogg,
        "pcm" => AudioFormat::Pcm16 { rate: 24_000 },
        _ => return None,
    })
}

/// An OpenAI-compatible speech endpoint.
#[derive(Debug)]
pub(super) struct OpenAi {
    settings: Settings,
    url: Url,
    auth: Option<HeaderValue>,
    protocol: Protocol,
    capabilities: Capabilities,
    transport: Transport,
    options: HttpOptions,
}

/// Build from a profile, reading the key from the process environment.
pub(crate) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    Ok(Arc::new(build_with(profile, &secret::process_env)?))
}

/// Build from a profile, reading the key from `env`. Fails before any request when the
/// profile is wrong or the key is missing.
pub(super) fn build_with(profile: &VoiceProfile, env: Env<'_>) -> Result<OpenAi, SynthError> {
    let (options, settings) = options::read::<Settings>(profile, NAME, |s, problems| {
        if !(0.25..=4.0).contains(&s.speed) {
            problems.push("speed must be 0.25–4.0".into());
        }
        if format(&s.response_format).is_none() {
            problems.push(format!(
                "response_format {:?} is not one of mp3, wav, flac, opus, pcm",
                s.response_format
            ));
        }
        if s.max_chars == 0 {
            problems.push("max_chars must be at least 1".into());
        }
        if let Err(e) = super::endpoint(&s.base_url, "") {
            problems.push(e);
        }
    })?;
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    // OpenAI's SDKs put `/v1` in the base URL; the issue's profiles do not. Accept both.
    let base = settings.base_url.trim_end_matches('/').trim_end_matches("/v1");
    let url = super::endpoint(base, "/v1/audio/speech").map_err(invalid)?;
    let key = match settings.api_key_env.as_str() {
        "" => None,
        var => Some(secret::required(NAME, var, "api_key_env", env)?),
    };
    let auth = key
        .as_ref()
        .map(|k| super::secret_header(&format!("Bearer {}", k.expose())))
        .transpose()
        .map_err(invalid)?;
    let hint = format!("check the key in {}", settings.api_key_env);
    let transport =
        Transport::new(NAME, &options, 4, key.into_iter().collect(), hint).map_err(invalid)?;
    let format = format(&settings.response_format).unwrap_or(AudioFormat::Mp3);
    let capabilities = Capabilities {
        max_chars: Some(settings.max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: false,
        formats: vec![format],
        concurrency: transport.concurrency(),
    };
    let protocol = Protocol::audio(format);
    Ok(OpenAi { settings, url, auth, protocol, capabilities, transport, options })
}

impl OpenAi {
    /// The JSON body for one request.
    fn body(&self, request: &SynthRequest<'_>) -> serde_json::Value {
        let mut body = serde_json::json!({
            "model": self.settings.model,
            "voice": self.settings.voice,
            "input": self.sent_text(request),
            "response_format": self.settings.response_format,
            "speed": self.settings.speed,
        });
        if let Some(instructions) = &self.settings.instructions {
            body["instructions"] = instructions.as_str().into();
        }
        body
    }

    /// The text a request sends, as the provider counts it against its limit.
    pub(super) fn sent_text(&self, request: &SynthRequest<'_>) -> String {
        request.text.to_owned()
    }
}

#[async_trait]
impl Synthesizer for OpenAi {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "endpoint": self.url.as_str(),
            "model": self.settings.model,
            "voice": self.settings.voice,
            "response_format": self.settings.response_format,
            "speed": self.settings.speed,
            "instructions": self.settings.instructions,
        })
    }

    fn price(&self) -> Option<Price> {
        self.options.price()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let body = self.body(&request);
        let build = |client: &reqwest::Client| {
            let mut r = client.post(self.url.clone()).json(&body);
            if let Some(auth) = &self.auth {
                r = r.header(AUTHORIZATION, auth.clone());
            }
            r
        };
        self.transport.send(request.chunk, &self.protocol, &build).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tts::http::testing::{self, Reply, Server, env, mp3, profile, request};
    use crate::tts::ssml;

    /// A server that checks requests as OpenAI does and answers with MP3 of the input.
    async fn openai_server(key: &'static str) -> Server {
        Server::start(move |req, _| {
            if req.method != "POST" || req.path != "/v1/audio/speech" {
                return Reply::status(404, "application/json", r#"{"error":{"message":"Not found"}}"#);
            }
            if req.header("authorization") != Some(&format!("Bearer {key}")) {
                let body = r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#;
                return Reply::status(401, "application/json", body);
            }
            let json = req.json();
            let ok = req.header("content-type") == Some("application/json")
                && json["model"].is_string()
                && json["voice"].is_string()
                && json["response_format"] == "mp3"
                && json["speed"].is_number();
            match json["input"].as_str() {
                Some(input) if ok && input.chars().count() <= MAX_INPUT_CHARS => {
                    Reply::ok("audio/mpeg", mp3(input, 24_000))
                }
                _ => Reply::status(400, "application/json", r#"{"error":{"message":"Invalid request"}}"#),
            }
        })
        .await
    }

    #[tokio::test]
    async fn the_issues_profile_works_as_written_against_a_compatible_server() {
        let server = openai_server("local-key").await;
        let port = server.url.rsplit(':').next().unwrap();
        let text = format!(
            "backend = \"openai\"\nbase_url = \"http://127.0.0.1:{port}\"\nmodel = \"tts-1\"\n\
             voice = \"alloy\"\napi_key_env = \"MY_KEY_VAR\"\n"
        );
        let backend = build_with(&profile(&text), &env(&[("MY_KEY_VAR", "local-key")])).unwrap();
        let audio = backend.synthesize(request(4, "Hello there.", "Hello there.")).await.unwrap();
        assert_eq!(audio.format, AudioFormat::Mp3);
        assert_eq!(audio.bytes, mp3("Hello there.", 24_000));
        let sent = &server.requests()[0];
        let json = sent.json();
        assert_eq!(
            (json["model"].as_str(), json["voice"].as_str()),
            (Some("tts-1"), Some("alloy"))
        );
        assert_eq!(json["input"], "Hello there.");
    }

    #[test]
    fn the_issues_profile_points_at_port_8000_and_reads_its_key_variable() {
        let text = "backend = \"openai\"\nbase_url = \"http://127.0.0.1:8000\"\nmodel = \"tts-1\"\n\
                    voice = \"alloy\"\napi_key_env = \"MY_KEY_VAR\"\n";
        let backend = build_with(&profile(text), &env(&[("MY_KEY_VAR", "k")])).unwrap();
        assert_eq!(backend.url.as_str(), "http://127.0.0.1:8000/v1/audio/speech");
        assert_eq!(backend.capabilities().max_chars, Some(MAX_INPUT_CHARS));
        let err = build_with(&profile(text), &env(&[])).err().unwrap().to_string();
        assert!(err.contains("MY_KEY_VAR"), "{err}");
    }

    #[test]
    fn a_base_url_ending_in_v1_is_not_doubled() {
        let p = profile("backend = \"openai\"\nbase_url = \"https://api.openai.com/v1/\"\n");
        let backend = build_with(&p, &env(&[("OPENAI_API_KEY", "k")])).unwrap();
        assert_eq!(backend.url.as_str(), "https://api.openai.com/v1/audio/speech");
    }

    #[test]
    fn formats_and_bad_settings_are_checked_when_built() {
        let p = profile("backend = \"openai\"\nresponse_format = \"pcm\"\napi_key_env = \"\"\n");
        let backend = build_with(&p, &env(&[])).unwrap();
        assert_eq!(backend.capabilities().formats, [AudioFormat::Pcm16 { rate: 24_000 }]);
        let p = profile("backend = \"openai\"\nresponse_format = \"aac\"\nspeed = 9.0\n");
        let err = build_with(&p, &env(&[])).err().unwrap().to_string();
        assert!(err.contains("aac") && err.contains("speed"), "{err}");
    }

    #[tokio::test]
    async fn hostile_text_reaches_the_server_as_exactly_the_same_string() {
        let server = openai_server("k").await;
        let p = profile(&format!("backend = \"openai\"\nbase_url = \"{}\"\n", server.url));
        let backend = build_with(&p, &env(&[("OPENAI_API_KEY", "k")])).unwrap();
        let escaped = ssml::escape(testing::HOSTILE);
        backend.synthesize(request(0, testing::HOSTILE, &escaped)).await.unwrap();
        assert_eq!(server.requests()[0].json()["input"], testing::HOSTILE);
    }

    #[test]
    fn settings_for_the_cache_carry_no_key() {
        let p = profile("backend = \"openai\"\napi_key_env = \"K\"\n");
        let backend = build_with(&p, &env(&[("K", "sk-very-secret-123")])).unwrap();
        let settings = backend.settings().to_string();
        assert!(!settings.contains("sk-very-secret") && settings.contains("alloy"), "{settings}");
    }
}

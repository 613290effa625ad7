//! `openai`: OpenAI's speech endpoint, `POST {base_url}/v1/audio/speech`, and every server
//! that copies it (Kokoro-FastAPI, LocalAI, Speaches and the like), selected by `base_url`.
//! Voices are listed from `GET {base_url}/v1/audio/voices`, which compatible servers offer
//! and OpenAI does not.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::secret::{self, Env};
use super::transport::{Protocol, Transport};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer};

const NAME: &str = "openai";

/// OpenAI's limit on `input`, in characters.
pub(super) const MAX_INPUT_CHARS: usize = 4096;

/// The voices OpenAI documents for its speech models. OpenAI has no endpoint that lists
/// them, so they are shown when the server answers the list request with 404.
const BUILT_IN_VOICES: &[&str] = &[
    "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
];

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
    voices_url: Url,
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
    let voices_url = super::endpoint(base, "/v1/audio/voices").map_err(invalid)?;
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
    Ok(OpenAi { settings, url, voices_url, auth, protocol, capabilities, transport, options })
}

/// A voice list as compatible servers give it: `{"voices": [...]}` (Kokoro-FastAPI),
/// `{"data": [...]}` (OpenAI's list style) or a bare array.
#[derive(Deserialize)]
#[serde(untagged)]
enum VoiceList {
    Voices { voices: Vec<ListedVoice> },
    Data { data: Vec<ListedVoice> },
    Bare(Vec<ListedVoice>),
}

/// One listed voice: its name alone, or an object with an id and perhaps a name.
#[derive(Deserialize)]
#[serde(untagged)]
enum ListedVoice {
    Id(String),
    Described { id: Option<String>, name: Option<String> },
}

impl VoiceList {
    fn lines(self) -> Vec<String> {
        let (VoiceList::Voices { voices }
        | VoiceList::Data { data: voices }
        | VoiceList::Bare(voices)) = self;
        voices
            .into_iter()
            .filter_map(|voice| match voice {
                ListedVoice::Id(id) => Some(id),
                ListedVoice::Described { id: Some(id), name: Some(name) } if id != name => {
                    Some(super::voice_line(&id, [name.as_str()]))
                }
                ListedVoice::Described { id, name } => id.or(name),
            })
            .filter(|line| !line.trim().is_empty())
            .collect()
    }
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

    fn fastest_letters_per_second(&self) -> Option<f64> {
        Some(crate::tts::check::FASTEST_LETTERS_PER_SECOND * self.settings.speed)
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

    /// The server's list; when it has none (404, as OpenAI itself answers), OpenAI's
    /// documented voices, each saying where it came from.
    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let build = |client: &reqwest::Client| {
            let mut r = client.get(self.voices_url.clone());
            if let Some(auth) = &self.auth {
                r = r.header(AUTHORIZATION, auth.clone());
            }
            r
        };
        match self.transport.get_json::<VoiceList>(self.protocol.classify, &build).await {
            Ok(list) => Ok(list.lines()),
            Err(SynthError::Voices { status: Some(404), .. }) => Ok(BUILT_IN_VOICES
                .iter()
                .map(|v| super::voice_line(v, ["OpenAI built-in (the server lists no voices)"]))
                .collect()),
            Err(e) => Err(e),
        }
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

    /// A Kokoro-FastAPI stand-in: lists its voices to a client with the key.
    async fn kokoro(key: &'static str, list: serde_json::Value) -> Server {
        Server::start(move |req, _| {
            if req.method != "GET" || req.path != "/v1/audio/voices" {
                return Reply::status(404, "application/json", r#"{"detail":"Not Found"}"#);
            }
            if !key.is_empty() && req.header("authorization") != Some(&format!("Bearer {key}")) {
                let body = format!(
                    r#"{{"error":{{"message":"Incorrect API key provided: {}"}}}}"#,
                    req.header("authorization").unwrap_or_default()
                );
                return Reply::status(401, "application/json", body);
            }
            Reply::json(&list)
        })
        .await
    }

    fn at(server: &Server, extra: &str, vars: &[(&str, &str)]) -> OpenAi {
        let text = format!("backend = \"openai\"\nbase_url = \"{}/v1\"\n{extra}", server.url);
        build_with(&profile(&text), &env(vars)).unwrap()
    }

    #[tokio::test]
    async fn a_compatible_servers_list_of_names_is_fetched_with_the_key() {
        let list = serde_json::json!({ "voices": ["af_bella", "am_adam"] });
        let server = kokoro("kk-key", list).await;
        let backend = at(&server, "", &[("OPENAI_API_KEY", "kk-key")]);
        assert_eq!(backend.voices().await.unwrap(), ["af_bella", "am_adam"]);
        let sent = &server.requests()[0];
        assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/v1/audio/voices"));
        assert_eq!(sent.header("authorization"), Some("Bearer kk-key"));
    }

    #[tokio::test]
    async fn listed_objects_show_their_id_and_a_name_that_differs() {
        let list = serde_json::json!([
            { "id": "v1", "name": "Warm narrator" },
            { "id": "af_sky", "name": "af_sky" },
            { "name": "only-a-name" },
            {},
        ]);
        let server = kokoro("", list).await;
        let backend = at(&server, "api_key_env = \"\"", &[]);
        let lines = backend.voices().await.unwrap();
        assert_eq!(lines, ["v1 — Warm narrator", "af_sky", "only-a-name"]);
        assert_eq!(server.requests()[0].header("authorization"), None);
        let data = serde_json::json!({ "data": [{ "id": "x" }] });
        let server = kokoro("", data).await;
        assert_eq!(at(&server, "api_key_env = \"\"", &[]).voices().await.unwrap(), ["x"]);
    }

    #[tokio::test]
    async fn openai_itself_lists_nothing_so_its_documented_voices_are_shown_as_such() {
        let server = openai_server("k").await;
        let backend = at(&server, "", &[("OPENAI_API_KEY", "k")]);
        let lines = backend.voices().await.unwrap();
        assert_eq!(lines.len(), BUILT_IN_VOICES.len());
        assert_eq!(lines[0], "alloy — OpenAI built-in (the server lists no voices)");
        assert!(lines.iter().any(|l| l.starts_with("verse — ")), "{lines:?}");
        assert_eq!(server.requests().len(), 1, "a 404 is not retried");
    }

    #[tokio::test]
    async fn a_rejected_key_gives_one_line_naming_backend_and_variable_but_not_the_key() {
        let server = kokoro("right-key", serde_json::json!({ "voices": [] })).await;
        let backend = at(&server, "", &[("OPENAI_API_KEY", "sk-wrong-key-123")]);
        let err = backend.voices().await.unwrap_err().to_string();
        assert!(err.starts_with("backend openai: cannot list voices: HTTP 401"), "{err}");
        assert!(err.contains("Incorrect API key") && err.contains("OPENAI_API_KEY"), "{err}");
        assert!(!err.contains("sk-wrong-key-123") && !err.contains('\n'), "{err}");
    }

    #[tokio::test]
    async fn a_busy_server_is_asked_again_as_for_synthesis() {
        let server = Server::start(|_, i| match i {
            0 => Reply::status(503, "text/plain", "busy").with("Retry-After", "0"),
            _ => Reply::json(&serde_json::json!({ "voices": ["af_bella"] })),
        })
        .await;
        let backend = at(&server, "api_key_env = \"\"\nretry_base_ms = 5", &[]);
        assert_eq!(backend.voices().await.unwrap(), ["af_bella"]);
        assert_eq!(server.requests().len(), 2);
    }

    #[tokio::test]
    async fn an_answer_that_is_not_a_voice_list_is_explained() {
        let server =
            Server::start(|_, _| Reply::ok("text/html", b"<h1>Welcome</h1>".to_vec())).await;
        let backend = at(&server, "api_key_env = \"\"", &[]);
        let err = backend.voices().await.unwrap_err().to_string();
        assert!(err.contains("text/html") && err.contains("Welcome"), "{err}");
    }

    #[test]
    fn settings_for_the_cache_carry_no_key() {
        let p = profile("backend = \"openai\"\napi_key_env = \"K\"\n");
        let backend = build_with(&p, &env(&[("K", "sk-very-secret-123")])).unwrap();
        let settings = backend.settings().to_string();
        assert!(!settings.contains("sk-very-secret") && settings.contains("alloy"), "{settings}");
    }
}

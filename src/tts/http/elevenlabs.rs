//! `elevenlabs`: `POST /v1/text-to-speech/{voice_id}`, with the neighbouring chunks sent as
//! `previous_text` and `next_text` so intonation carries across request boundaries. Voices
//! are listed from `GET /v1/voices`.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::response::{self, Failure, Verdict};
use super::secret::{self, Env};
use super::transport::{AUDIO, Protocol, Transport};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer};

const NAME: &str = "elevenlabs";

/// Characters per request for models not in [`MODEL_LIMITS`]: below every model's limit.
pub(super) const DEFAULT_MAX_CHARS: usize = 2500;

/// Characters per request by model, as ElevenLabs documents them; where sources disagree
/// the lower figure is used.
const MODEL_LIMITS: &[(&str, usize)] = &[
    ("eleven_v3", 3000),
    ("eleven_multilingual_v2", 10_000),
    ("eleven_flash_v2_5", 40_000),
    ("eleven_turbo_v2_5", 40_000),
    ("eleven_flash_v2", 30_000),
    ("eleven_turbo_v2", 30_000),
];

/// A profile's settings for `backend = "elevenlabs"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// The voice's id (from the voice library). Required.
    voice_id: String,
    /// Where the API is. Default: `"https://api.elevenlabs.io"`.
    #[serde(default = "default_base_url")]
    base_url: String,
    /// The model. Default: `"eleven_multilingual_v2"`.
    #[serde(default = "default_model")]
    model_id: String,
    /// `mp3_<rate>_<kbps>` or `pcm_<rate>`. Default: `"mp3_44100_128"`.
    #[serde(default = "default_format")]
    output_format: String,
    /// Voice stability, 0–1. Default: 0.5.
    #[serde(default = "default_stability")]
    stability: f64,
    /// Closeness to the original voice, 0–1. Default: 0.75.
    #[serde(default = "default_similarity")]
    similarity_boost: f64,
    /// Style exaggeration, 0–1. Default: the voice's.
    #[serde(default)]
    style: Option<f64>,
    /// Speaker boost. Default: the voice's.
    #[serde(default)]
    use_speaker_boost: Option<bool>,
    /// Speaking speed, 0.7–1.2. Default: the voice's.
    #[serde(default)]
    speed: Option<f64>,
    /// ISO 639-1 language to enforce (models that support it). Default: detected.
    #[serde(default)]
    language_code: Option<String>,
    /// Send the neighbouring chunks as context. Default: true.
    #[serde(default = "default_true")]
    context: bool,
    /// The environment variable holding the key. Default: `"ELEVENLABS_API_KEY"`.
    #[serde(default = "default_key_env")]
    api_key_env: String,
    /// Longest request in characters. Default: the model's limit, or 2500 for a model not
    /// known here.
    #[serde(default)]
    max_chars: Option<usize>,
}

fn default_base_url() -> String {
    "https://api.elevenlabs.io".into()
}
fn default_model() -> String {
    "eleven_multilingual_v2".into()
}
fn default_format() -> String {
    "mp3_44100_128".into()
}
fn default_stability() -> f64 {
    0.5
}
fn default_similarity() -> f64 {
    0.75
}
fn default_true() -> bool {
    true
}
fn default_key_env() -> String {
    "ELEVENLABS_API_KEY".into()
}

/// The audio format an `output_format` names.
fn format(name: &str) -> Option<AudioFormat> {
    let mut parts = name.split('_');
    let (kind, rate) = (parts.next()?, parts.next()?.parse::<u32>().ok()?);
    match (kind, parts.next(), parts.next()) {
        ("mp3", Some(kbps), None) if kbps.parse::<u32>().is_ok() => Some(AudioFormat::Mp3),
        ("pcm", None, None) => Some(AudioFormat::Pcm16 { rate }),
        _ => None,
    }
}

fn check(s: &Settings, problems: &mut Vec<String>) {
    let id_chars = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if s.voice_id.is_empty() || !s.voice_id.chars().all(id_chars) {
        problems.push(format!("voice_id {:?} is not an ElevenLabs voice id", s.voice_id));
    }
    if format(&s.output_format).is_none() {
        problems.push(format!(
            "output_format {:?}: use mp3_<rate>_<kbps> (e.g. mp3_44100_128) or pcm_<rate>",
            s.output_format
        ));
    }
    let unit = [("stability", Some(s.stability)), ("similarity_boost", Some(s.similarity_boost))];
    for (key, value) in unit.into_iter().chain([("style", s.style)]) {
        if value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            problems.push(format!("{key} must be 0–1"));
        }
    }
    if s.speed.is_some_and(|v| !(0.7..=1.2).contains(&v)) {
        problems.push("speed must be 0.7–1.2".into());
    }
    if s.max_chars == Some(0) {
        problems.push("max_chars must be at least 1".into());
    }
    if let Err(e) = super::endpoint(&s.base_url, "") {
        problems.push(e);
    }
}

/// ElevenLabs text to speech.
#[derive(Debug)]
pub(super) struct ElevenLabs {
    settings: Settings,
    url: Url,
    voices_url: Url,
    key: HeaderValue,
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
pub(super) fn build_with(profile: &VoiceProfile, env: Env<'_>) -> Result<ElevenLabs, SynthError> {
    let (options, settings) = options::read::<Settings>(profile, NAME, check)?;
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    let path = format!("/v1/text-to-speech/{}", settings.voice_id);
    let mut url = super::endpoint(&settings.base_url, &path).map_err(invalid)?;
    url.query_pairs_mut().append_pair("output_format", &settings.output_format);
    let voices_url = super::endpoint(&settings.base_url, "/v1/voices").map_err(invalid)?;
    let key = secret::required(NAME, &settings.api_key_env, "api_key_env", env)?;
    let header = super::secret_header(key.expose()).map_err(invalid)?;
    let hint = format!("check the key in {}", settings.api_key_env);
    // Concurrency is per plan (2 on the free tier); start low.
    let transport = Transport::new(NAME, &options, 2, vec![key], hint).map_err(invalid)?;
    let model_limit = MODEL_LIMITS.iter().find(|(m, _)| *m == settings.model_id);
    let max_chars =
        settings.max_chars.or(model_limit.map(|(_, n)| *n)).unwrap_or(DEFAULT_MAX_CHARS);
    let format = format(&settings.output_format).unwrap_or(AudioFormat::Mp3);
    let capabilities = Capabilities {
        max_chars: Some(max_chars),
        max_bytes: None,
        max_billed_chars: None,
        ssml: false,
        formats: vec![format],
        concurrency: transport.concurrency(),
    };
    let protocol = Protocol { accept: AUDIO, format, unwrap: Ok, classify };
    Ok(ElevenLabs {
        settings,
        url,
        voices_url,
        key: header,
        protocol,
        capabilities,
        transport,
        options,
    })
}

/// `GET /v1/voices`: the account's voices, premade and its own.
#[derive(Deserialize)]
struct VoiceList {
    voices: Vec<ListedVoice>,
}

#[derive(Deserialize)]
struct ListedVoice {
    voice_id: String,
    #[serde(default)]
    name: Option<String>,
    /// `premade`, `cloned`, `generated`, `professional`.
    #[serde(default)]
    category: Option<String>,
    /// Free-form (so values are not assumed to be strings); `accent` and `gender` are the
    /// ones that help choose.
    #[serde(default)]
    labels: serde_json::Map<String, serde_json::Value>,
}

impl ListedVoice {
    /// `voice_id — name, Female, british, premade`: the id is what a profile's `voice_id`
    /// takes.
    fn line(&self) -> String {
        let label = |key: &str| self.labels.get(key).and_then(|v| v.as_str()).unwrap_or_default();
        let gender = super::gender(label("gender")).unwrap_or_default();
        let category = self.category.as_deref().unwrap_or_default();
        super::voice_line(
            &self.voice_id,
            [self.name.as_deref().unwrap_or_default(), &gender, label("accent"), category],
        )
    }
}

/// ElevenLabs answers 429 both for "too many at once" (retry) and for a spent quota
/// (`quota_exceeded`: retrying cannot help).
fn classify(failure: &Failure<'_>) -> Verdict {
    let json: serde_json::Value = serde_json::from_str(failure.body).unwrap_or_default();
    let status = json["detail"]["status"].as_str().unwrap_or_default();
    let message = response::message(failure.status, failure.body);
    let retryable = response::retry_status(failure.status) && status != "quota_exceeded";
    Verdict { message, retryable }
}

impl ElevenLabs {
    fn body(&self, request: &SynthRequest<'_>) -> serde_json::Value {
        let s = &self.settings;
        let mut voice = serde_json::json!({
            "stability": s.stability,
            "similarity_boost": s.similarity_boost,
        });
        for (key, value) in [("style", s.style), ("speed", s.speed)] {
            if let Some(v) = value {
                voice[key] = v.into();
            }
        }
        if let Some(boost) = s.use_speaker_boost {
            voice["use_speaker_boost"] = boost.into();
        }
        let mut body = serde_json::json!({
            "text": self.sent_text(request),
            "model_id": s.model_id,
            "voice_settings": voice,
        });
        if s.context {
            if let Some(previous) = request.previous {
                body["previous_text"] = previous.into();
            }
            if let Some(next) = request.next {
                body["next_text"] = next.into();
            }
        }
        if let Some(language) = &s.language_code {
            body["language_code"] = language.as_str().into();
        }
        body
    }

    /// The text a request asks to be spoken (what counts against the limit and is billed).
    pub(super) fn sent_text(&self, request: &SynthRequest<'_>) -> String {
        request.text.to_owned()
    }
}

#[async_trait]
impl Synthesizer for ElevenLabs {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// The neighbours' text is sent as context, and it changes the intonation.
    fn uses_context(&self) -> bool {
        self.settings.context
    }

    fn settings(&self) -> serde_json::Value {
        let s = &self.settings;
        serde_json::json!({
            "endpoint": self.url.as_str(),
            "model_id": s.model_id,
            "stability": s.stability,
            "similarity_boost": s.similarity_boost,
            "style": s.style,
            "use_speaker_boost": s.use_speaker_boost,
            "speed": s.speed,
            "language_code": s.language_code,
        })
    }

    /// ElevenLabs bills the text spoken; the neighbouring context is free.
    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        request.text.chars().count()
    }

    fn price(&self) -> Option<Price> {
        self.options.price()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let body = self.body(&request);
        let build = |client: &reqwest::Client| {
            client.post(self.url.clone()).header("xi-api-key", self.key.clone()).json(&body)
        };
        self.transport.send(request.chunk, &self.protocol, &build).await
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let build = |client: &reqwest::Client| {
            client.get(self.voices_url.clone()).header("xi-api-key", self.key.clone())
        };
        let list: VoiceList = self.transport.get_json(self.protocol.classify, &build).await?;
        Ok(list.voices.iter().map(ListedVoice::line).collect())
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;
    use crate::model::{BlockKind, Chunk, Pause};
    use crate::tts::http::testing::{Reply, Server, env, mp3, pcm, profile, request};

    const VOICE: &str = "21m00Tcm4TlvDq8ikWAM";

    async fn elevenlabs() -> Server {
        Server::start(|req, _| {
            let json = req.json();
            let voice = &json["voice_settings"];
            let valid = req.method == "POST"
                && req.path == format!("/v1/text-to-speech/{VOICE}")
                && json["model_id"] == "eleven_multilingual_v2"
                && voice["stability"].is_number()
                && voice["similarity_boost"].is_number();
            if req.header("xi-api-key") != Some("el-key") {
                let body = r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#;
                return Reply::status(401, "application/json", body);
            }
            let text = json["text"].as_str().unwrap_or_default();
            match req.query.as_str() {
                _ if !valid => {
                    Reply::status(422, "application/json", r#"{"detail":[{"msg":"bad"}]}"#)
                }
                "output_format=mp3_44100_128" => Reply::ok("audio/mpeg", mp3(text, 44_100)),
                "output_format=pcm_22050" => Reply::ok("audio/pcm", pcm(text, 22_050)),
                _ => Reply::status(400, "application/json", r#"{"detail":"bad format"}"#),
            }
        })
        .await
    }

    fn backend(server: &Server, extra: &str) -> Arc<ElevenLabs> {
        let text = format!(
            "backend = \"elevenlabs\"\nvoice_id = \"{VOICE}\"\nbase_url = \"{}\"\n{extra}",
            server.url
        );
        Arc::new(build_with(&profile(&text), &env(&[("ELEVENLABS_API_KEY", "el-key")])).unwrap())
    }

    fn chunk(id: usize, text: &str) -> Chunk {
        Chunk {
            id,
            block: 0,
            chapter: 0,
            kind: BlockKind::Paragraph,
            text: text.into(),
            speak: text.into(),
            ssml: text.into(),
            pause_before: Pause::Sentence,
            voice: 0,
            audio_file: None,
        }
    }

    #[tokio::test]
    async fn neighbouring_chunks_are_sent_as_context_and_audio_comes_back_in_order() {
        let server = elevenlabs().await;
        let backend: Arc<dyn Synthesizer> = backend(&server, "");
        let chunks = [chunk(0, "One."), chunk(1, "Two."), chunk(2, "Three.")];
        let audio: Vec<_> =
            crate::tts::synthesize_stream(&[backend], &chunks, None, 3).collect().await;
        let bytes: Vec<Vec<u8>> = audio.into_iter().map(|a| a.unwrap().bytes).collect();
        assert_eq!(bytes, ["One.", "Two.", "Three."].map(|t| mp3(t, 44_100)));
        let sent: Vec<serde_json::Value> = server.requests().iter().map(|r| r.json()).collect();
        let two = sent.iter().find(|j| j["text"] == "Two.").unwrap();
        assert_eq!(
            (two["previous_text"].as_str(), two["next_text"].as_str()),
            (Some("One."), Some("Three."))
        );
        let one = sent.iter().find(|j| j["text"] == "One.").unwrap();
        assert!(one.get("previous_text").is_none() && one["next_text"] == "Two.");
    }

    #[tokio::test]
    async fn hostile_text_reaches_the_server_as_exactly_the_same_string() {
        let server = elevenlabs().await;
        let backend = backend(&server, "");
        let hostile = crate::tts::http::testing::HOSTILE;
        backend.synthesize(request(0, hostile, "")).await.unwrap();
        assert_eq!(server.requests()[0].json()["text"], hostile);
    }

    #[tokio::test]
    async fn pcm_output_is_read_at_its_rate() {
        let server = elevenlabs().await;
        let backend = backend(&server, "output_format = \"pcm_22050\"\ncontext = false\n");
        let audio = backend.synthesize(request(0, "Hi.", "Hi.")).await.unwrap();
        assert_eq!(audio.format, AudioFormat::Pcm16 { rate: 22_050 });
        assert!(server.requests()[0].json().get("next_text").is_none());
    }

    #[tokio::test]
    async fn a_bad_key_fails_at_once_with_the_providers_message() {
        let server = elevenlabs().await;
        let text = format!(
            "backend = \"elevenlabs\"\nvoice_id = \"{VOICE}\"\nbase_url = \"{}\"\n",
            server.url
        );
        let backend =
            build_with(&profile(&text), &env(&[("ELEVENLABS_API_KEY", "wrong-key")])).unwrap();
        let msg = backend.synthesize(request(9, "Hi.", "Hi.")).await.unwrap_err().to_string();
        assert!(msg.contains("chunk 9") && msg.contains("Invalid API key"), "{msg}");
        assert!(msg.contains("ELEVENLABS_API_KEY") && !msg.contains("wrong-key"), "{msg}");
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn a_spent_quota_is_not_retried_but_too_many_requests_is() {
        let headers = reqwest::header::HeaderMap::new();
        let verdict = |body: &str| {
            classify(&Failure {
                status: reqwest::StatusCode::TOO_MANY_REQUESTS,
                headers: &headers,
                body,
            })
        };
        let quota = verdict(r#"{"detail":{"status":"quota_exceeded","message":"Out of credits"}}"#);
        assert!(!quota.retryable && quota.message == "Out of credits");
        let busy =
            verdict(r#"{"detail":{"status":"too_many_concurrent_requests","message":"Busy"}}"#);
        assert!(busy.retryable);
    }

    /// ElevenLabs' voice list, as `GET /v1/voices` answers it, to a client with the key.
    async fn voice_library() -> Server {
        Server::start(|req, _| {
            if req.method != "GET" || req.path != "/v1/voices" {
                return Reply::status(404, "application/json", r#"{"detail":"Not Found"}"#);
            }
            if req.header("xi-api-key") != Some("el-key") {
                let body = r#"{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}"#;
                return Reply::status(401, "application/json", body);
            }
            Reply::json(&serde_json::json!({ "voices": [
                {
                    "voice_id": VOICE,
                    "name": "Rachel",
                    "category": "premade",
                    "labels": { "accent": "american", "gender": "female", "age": "young" },
                    "preview_url": "https://example.invalid/rachel.mp3",
                },
                { "voice_id": "myClone01", "name": "My narrator", "category": "cloned" },
            ]}))
        })
        .await
    }

    #[tokio::test]
    async fn the_voice_library_is_listed_by_id_and_name_with_the_key_in_its_header() {
        let server = voice_library().await;
        let lines = backend(&server, "").voices().await.unwrap();
        assert_eq!(
            lines,
            [
                format!("{VOICE} — Rachel, Female, american, premade"),
                "myClone01 — My narrator, cloned".to_owned(),
            ]
        );
        let sent = &server.requests()[0];
        assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/v1/voices"));
        assert_eq!((sent.header("xi-api-key"), sent.query.as_str()), (Some("el-key"), ""));
    }

    #[tokio::test]
    async fn a_bad_key_gives_one_line_with_the_providers_message_and_no_key() {
        let server = voice_library().await;
        let text = format!(
            "backend = \"elevenlabs\"\nvoice_id = \"{VOICE}\"\nbase_url = \"{}\"\n",
            server.url
        );
        let vars = env(&[("ELEVENLABS_API_KEY", "wrong-key")]);
        let err = build_with(&profile(&text), &vars).unwrap().voices().await.unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("backend elevenlabs: cannot list voices: HTTP 401"), "{msg}");
        assert!(msg.contains("Invalid API key") && msg.contains("ELEVENLABS_API_KEY"), "{msg}");
        assert!(!msg.contains("wrong-key") && !msg.contains('\n'), "{msg}");
        assert_eq!(server.requests().len(), 1);
    }

    #[test]
    fn the_limit_follows_the_model_conservatively_and_the_profile_can_set_it() {
        let vars = env(&[("ELEVENLABS_API_KEY", "k")]);
        let limit = |extra: &str| {
            let text = format!("backend = \"elevenlabs\"\nvoice_id = \"{VOICE}\"\n{extra}");
            build_with(&profile(&text), &vars).unwrap().capabilities().max_chars
        };
        assert_eq!(limit(""), Some(10_000));
        assert_eq!(limit("model_id = \"eleven_v3\""), Some(3000));
        assert_eq!(limit("model_id = \"eleven_future_v9\""), Some(DEFAULT_MAX_CHARS));
        assert_eq!(limit("model_id = \"eleven_v3\"\nmax_chars = 1200"), Some(1200));
    }

    #[test]
    fn a_voice_id_that_could_change_the_path_is_refused() {
        let text = "backend = \"elevenlabs\"\nvoice_id = \"../admin?x=1\"\n";
        let err = build_with(&profile(text), &env(&[("ELEVENLABS_API_KEY", "k")])).err().unwrap();
        assert!(err.to_string().contains("voice_id"), "{err}");
    }
}

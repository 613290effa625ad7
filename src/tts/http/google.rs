//! `google`: Cloud Text-to-Speech, `POST /v1/text:synthesize` with an API key, text or SSML
//! in, base64 `audioContent` out. Voices are listed from `GET /v1/voices`.

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use reqwest::header::HeaderValue;
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::response;
use super::secret::{self, Env};
use super::transport::{Protocol, Transport};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer, ssml};

const NAME: &str = "google";

/// Google's limit on the input, in UTF-8 bytes, SSML markup included.
pub(super) const MAX_INPUT_BYTES: usize = 5000;

/// A profile's settings for `backend = "google"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Settings {
    /// Where the API is. Default: `"https://texttospeech.googleapis.com"`.
    base_url: String,
    /// The voice name (`en-GB-Neural2-B`). Default: `"en-US-Neural2-F"`.
    voice: String,
    /// The voice's language. Default: from the voice name.
    language_code: Option<String>,
    /// Send SSML (escaped text in `<speak>`) rather than plain text. Default: true.
    ssml: bool,
    /// `MP3`, `LINEAR16` (WAV) or `OGG_OPUS`. Default: `"MP3"`.
    audio_encoding: String,
    /// Output sample rate in Hz. Default: the voice's.
    sample_rate_hertz: Option<u32>,
    /// Speaking rate, 0.25–4.0. Default: the voice's (1.0).
    speaking_rate: Option<f64>,
    /// Pitch in semitones, −20–20. Default: the voice's (0).
    pitch: Option<f64>,
    /// Volume gain in dB, −96–16. Default: 0.
    volume_gain_db: Option<f64>,
    /// The environment variable holding the API key. Default: `"GOOGLE_API_KEY"`.
    api_key_env: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: "https://texttospeech.googleapis.com".into(),
            voice: "en-US-Neural2-F".into(),
            language_code: None,
            ssml: true,
            audio_encoding: "MP3".into(),
            sample_rate_hertz: None,
            speaking_rate: None,
            pitch: None,
            volume_gain_db: None,
            api_key_env: "GOOGLE_API_KEY".into(),
        }
    }
}

fn format(encoding: &str) -> Option<AudioFormat> {
    Some(match encoding {
        "MP3" => AudioFormat::Mp3,
        // Google puts a WAV header on LINEAR16 audio.
        "LINEAR16" => AudioFormat::Wav,
        "OGG_OPUS" => AudioFormat::Ogg,
        _ => return None,
    })
}

fn check(s: &Settings, problems: &mut Vec<String>) {
    if format(&s.audio_encoding).is_none() {
        problems
            .push(format!("audio_encoding {:?}: use MP3, LINEAR16 or OGG_OPUS", s.audio_encoding));
    }
    if s.language_code.is_none() && super::language_of_voice(&s.voice).is_none() {
        problems.push(format!("set language_code: it cannot be read from voice {:?}", s.voice));
    }
    let ranges = [
        ("speaking_rate", s.speaking_rate, 0.25, 4.0),
        ("pitch", s.pitch, -20.0, 20.0),
        ("volume_gain_db", s.volume_gain_db, -96.0, 16.0),
    ];
    for (key, value, low, high) in ranges {
        if value.is_some_and(|v| !(low..=high).contains(&v)) {
            problems.push(format!("{key} must be {low}–{high}"));
        }
    }
    if let Err(e) = super::endpoint(&s.base_url, "") {
        problems.push(e);
    }
}

/// Google Cloud Text-to-Speech.
#[derive(Debug)]
pub(super) struct Google {
    settings: Settings,
    language: String,
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
pub(super) fn build_with(profile: &VoiceProfile, env: Env<'_>) -> Result<Google, SynthError> {
    let (options, settings) = options::read::<Settings>(profile, NAME, check)?;
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    let url = super::endpoint(&settings.base_url, "/v1/text:synthesize").map_err(invalid)?;
    let mut voices_url = super::endpoint(&settings.base_url, "/v1/voices").map_err(invalid)?;
    // A profile that names its language lists that language's voices; otherwise the voice
    // name's language would hide every other, so all are listed.
    if let Some(language) = &settings.language_code {
        voices_url.query_pairs_mut().append_pair("languageCode", language);
    }
    let language = settings
        .language_code
        .clone()
        .or_else(|| super::language_of_voice(&settings.voice))
        .unwrap_or_default();
    // The key goes in a header, never the `?key=` query: URLs end up in logs and errors.
    let key = secret::required(NAME, &settings.api_key_env, "api_key_env", env)?;
    let header = super::secret_header(key.expose()).map_err(invalid)?;
    let hint = format!("check the key in {}", settings.api_key_env);
    let transport = Transport::new(NAME, &options, 4, vec![key], hint).map_err(invalid)?;
    let format = format(&settings.audio_encoding).unwrap_or(AudioFormat::Mp3);
    let capabilities = Capabilities {
        max_chars: None,
        max_bytes: Some(MAX_INPUT_BYTES),
        max_billed_chars: None,
        ssml: settings.ssml,
        formats: vec![format],
        concurrency: transport.concurrency(),
    };
    let protocol = Protocol {
        accept: &["application/json"],
        format,
        unwrap: audio_content,
        classify: response::classify,
    };
    Ok(Google {
        settings,
        language,
        url,
        voices_url,
        key: header,
        protocol,
        capabilities,
        transport,
        options,
    })
}

/// `GET /v1/voices`: every voice, or a language's.
#[derive(Deserialize)]
struct VoiceList {
    /// Left out altogether when no voice matches.
    #[serde(default)]
    voices: Vec<ListedVoice>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedVoice {
    name: String,
    #[serde(default)]
    language_codes: Vec<String>,
    #[serde(default)]
    ssml_gender: Option<String>,
}

impl ListedVoice {
    /// `en-GB-Neural2-B — en-GB, Male`: the name is what a profile's `voice` takes.
    fn line(&self) -> String {
        let languages = self.language_codes.join(" ");
        let gender = self.ssml_gender.as_deref().and_then(super::gender).unwrap_or_default();
        super::voice_line(&self.name, [languages.as_str(), &gender])
    }
}

/// The audio in a `text:synthesize` answer: `{"audioContent": "<base64>"}`.
fn audio_content(body: Vec<u8>) -> Result<Vec<u8>, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        audio_content: String,
    }
    let answer: Answer = serde_json::from_slice(&body).map_err(|e| {
        let text = response::shorten(&String::from_utf8_lossy(&body), 200);
        format!("expected JSON with audioContent ({e}): {text}")
    })?;
    base64::engine::general_purpose::STANDARD
        .decode(answer.audio_content.trim())
        .map_err(|e| format!("audioContent is not base64: {e}"))
}

impl Google {
    /// The input a request sends. The SSML has no `xml:lang` (the voice sets the language),
    /// so it is never longer than what segmentation measured.
    pub(super) fn sent_text(&self, request: &SynthRequest<'_>) -> String {
        if self.settings.ssml { ssml::wrap(request.ssml, None) } else { request.text.to_owned() }
    }

    fn body(&self, request: &SynthRequest<'_>) -> serde_json::Value {
        let s = &self.settings;
        let input = if s.ssml { "ssml" } else { "text" };
        let mut audio = serde_json::json!({ "audioEncoding": s.audio_encoding });
        if let Some(rate) = s.sample_rate_hertz {
            audio["sampleRateHertz"] = rate.into();
        }
        for (key, value) in [
            ("speakingRate", s.speaking_rate),
            ("pitch", s.pitch),
            ("volumeGainDb", s.volume_gain_db),
        ] {
            if let Some(v) = value {
                audio[key] = v.into();
            }
        }
        serde_json::json!({
            "input": { input: self.sent_text(request) },
            "voice": { "languageCode": self.language, "name": s.voice },
            "audioConfig": audio,
        })
    }
}

#[async_trait]
impl Synthesizer for Google {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn fastest_letters_per_second(&self) -> Option<f64> {
        let rate = self.settings.speaking_rate.unwrap_or(1.0);
        Some(crate::tts::check::FASTEST_LETTERS_PER_SECOND * rate)
    }

    fn settings(&self) -> serde_json::Value {
        let s = &self.settings;
        serde_json::json!({
            "endpoint": self.url.as_str(),
            "voice": s.voice,
            "language_code": self.language,
            "ssml": s.ssml,
            "audio_encoding": s.audio_encoding,
            "sample_rate_hertz": s.sample_rate_hertz,
            "speaking_rate": s.speaking_rate,
            "pitch": s.pitch,
            "volume_gain_db": s.volume_gain_db,
        })
    }

    /// Google counts SSML tags as billed characters (all but `<mark>`, which we never send),
    /// so the whole input is billed.
    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        self.sent_text(request).chars().count()
    }

    fn price(&self) -> Option<Price> {
        self.options.price()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let body = self.body(&request);
        let build = |client: &reqwest::Client| {
            client.post(self.url.clone()).header("x-goog-api-key", self.key.clone()).json(&body)
        };
        self.transport.send(request.chunk, &self.protocol, &build).await
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let build = |client: &reqwest::Client| {
            client.get(self.voices_url.clone()).header("x-goog-api-key", self.key.clone())
        };
        let list: VoiceList = self.transport.get_json(self.protocol.classify, &build).await?;
        Ok(list.voices.iter().map(ListedVoice::line).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tts::http::testing::{
        self, Reply, Server, elements, env, profile, request, text_of, wav,
    };

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// A Google stand-in: checks key, path and body, answers with base64 WAV of the input.
    async fn google() -> Server {
        Server::start(|req, _| {
            let json = req.json();
            if req.header("x-goog-api-key") != Some("g-key") || !req.query.is_empty() {
                let body = r#"{"error":{"code":403,"message":"API key not valid. Please pass a valid API key.","status":"PERMISSION_DENIED"}}"#;
                return Reply::status(403, "application/json; charset=UTF-8", body);
            }
            let input = json["input"]["ssml"].as_str().or(json["input"]["text"].as_str());
            let valid = req.method == "POST"
                && req.path == "/v1/text:synthesize"
                && json["voice"]["languageCode"] == "en-GB"
                && json["voice"]["name"] == "en-GB-Neural2-B"
                && json["audioConfig"]["audioEncoding"] == "LINEAR16";
            match input {
                Some(text) if valid && text.len() <= MAX_INPUT_BYTES => {
                    let body = serde_json::json!({ "audioContent": b64(&wav(text, 24_000)) });
                    Reply::ok("application/json; charset=UTF-8", body.to_string().into_bytes())
                }
                _ => Reply::status(400, "application/json", r#"{"error":{"code":400,"message":"Invalid request","status":"INVALID_ARGUMENT"}}"#),
            }
        })
        .await
    }

    fn backend(server: &Server, extra: &str) -> Google {
        let text = format!(
            "backend = \"google\"\nbase_url = \"{}\"\nvoice = \"en-GB-Neural2-B\"\n\
             audio_encoding = \"LINEAR16\"\n{extra}",
            server.url
        );
        build_with(&profile(&text), &env(&[("GOOGLE_API_KEY", "g-key")])).unwrap()
    }

    #[tokio::test]
    async fn ssml_goes_in_and_base64_wav_comes_out_decoded() {
        let server = google().await;
        let google = backend(&server, "");
        let audio = google.synthesize(request(1, "Hello.", "Hello.")).await.unwrap();
        assert_eq!(audio.format, AudioFormat::Wav);
        let sent = server.requests()[0].json()["input"]["ssml"].as_str().unwrap().to_owned();
        assert_eq!(audio.bytes, wav(&sent, 24_000));
        assert_eq!(text_of(&sent), "Hello.");
    }

    #[tokio::test]
    async fn plain_text_is_sent_as_text_when_ssml_is_off() {
        let server = google().await;
        let google = backend(&server, "ssml = false\nspeaking_rate = 1.1\n");
        google.synthesize(request(1, "Hello.", "Hello.")).await.unwrap();
        let json = server.requests()[0].json();
        assert_eq!(json["input"]["text"], "Hello.");
        assert_eq!(json["audioConfig"]["speakingRate"], 1.1);
    }

    #[tokio::test]
    async fn hostile_text_cannot_add_ssml_elements() {
        let server = google().await;
        let google = backend(&server, "");
        let escaped = crate::tts::ssml::escape(testing::HOSTILE);
        google.synthesize(request(0, testing::HOSTILE, &escaped)).await.unwrap();
        let sent = server.requests()[0].json()["input"]["ssml"].as_str().unwrap().to_owned();
        assert_eq!(elements(&sent), ["speak", "/speak"]);
        assert_eq!(text_of(&sent), testing::HOSTILE);
    }

    #[tokio::test]
    async fn a_bad_key_fails_at_once_with_googles_message_and_the_key_stays_out_of_the_url() {
        let server = google().await;
        let text = format!("backend = \"google\"\nbase_url = \"{}\"\n", server.url);
        let google = build_with(&profile(&text), &env(&[("GOOGLE_API_KEY", "bad-key")])).unwrap();
        let err = google.synthesize(request(3, "Hi.", "Hi.")).await.unwrap_err().to_string();
        assert!(err.contains("HTTP 403") && err.contains("API key not valid"), "{err}");
        assert!(err.contains("GOOGLE_API_KEY") && !err.contains("bad-key"), "{err}");
        assert_eq!(server.requests().len(), 1);
    }

    /// Google's voice list, filtered by `languageCode` as Google does, to a client with the
    /// key in its header (a `key=` query would be refused, as it must never be sent).
    async fn voice_list() -> Server {
        Server::start(|req, _| {
            if req.method != "GET" || req.path != "/v1/voices" {
                return Reply::status(404, "text/html", "<p>Not Found</p>");
            }
            if req.header("x-goog-api-key") != Some("g-key") || req.query.contains("key=") {
                let body = r#"{"error":{"code":403,"message":"API key not valid. Please pass a valid API key.","status":"PERMISSION_DENIED"}}"#;
                return Reply::status(403, "application/json; charset=UTF-8", body);
            }
            let voices = serde_json::json!([
                {"languageCodes": ["en-GB"], "name": "en-GB-Neural2-B", "ssmlGender": "MALE",
                 "naturalSampleRateHertz": 24000},
                {"languageCodes": ["de-DE"], "name": "de-DE-Wavenet-A", "ssmlGender": "FEMALE",
                 "naturalSampleRateHertz": 24000},
            ]);
            let wanted = req.query.strip_prefix("languageCode=");
            let voices: Vec<&serde_json::Value> = voices
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| wanted.is_none_or(|l| v["languageCodes"][0] == l))
                .collect();
            Reply::json(&serde_json::json!({ "voices": voices }))
        })
        .await
    }

    #[tokio::test]
    async fn every_voice_is_listed_with_its_language_and_gender() {
        let server = voice_list().await;
        let lines = backend(&server, "").voices().await.unwrap();
        assert_eq!(lines, ["en-GB-Neural2-B — en-GB, Male", "de-DE-Wavenet-A — de-DE, Female"]);
        let sent = &server.requests()[0];
        assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", "/v1/voices"));
        assert_eq!((sent.header("x-goog-api-key"), sent.query.as_str()), (Some("g-key"), ""));
    }

    #[tokio::test]
    async fn a_profile_that_names_its_language_lists_that_languages_voices() {
        let server = voice_list().await;
        let lines = backend(&server, "language_code = \"de-DE\"").voices().await.unwrap();
        assert_eq!(lines, ["de-DE-Wavenet-A — de-DE, Female"]);
        assert_eq!(server.requests()[0].query, "languageCode=de-DE");
    }

    #[tokio::test]
    async fn a_bad_key_gives_one_line_with_googles_message_and_no_key() {
        let server = voice_list().await;
        let text = format!("backend = \"google\"\nbase_url = \"{}\"\n", server.url);
        let google = build_with(&profile(&text), &env(&[("GOOGLE_API_KEY", "bad-key")])).unwrap();
        let err = google.voices().await.unwrap_err().to_string();
        assert!(err.starts_with("backend google: cannot list voices: HTTP 403"), "{err}");
        assert!(err.contains("API key not valid") && err.contains("GOOGLE_API_KEY"), "{err}");
        assert!(!err.contains("bad-key") && !err.contains('\n'), "{err}");
    }

    #[test]
    fn an_answer_without_audio_content_is_explained() {
        let err = audio_content(br#"{"error":"nope"}"#.to_vec()).unwrap_err();
        assert!(err.contains("audioContent"), "{err}");
        assert!(audio_content(br#"{"audioContent":"!!!"}"#.to_vec()).is_err());
    }

    #[test]
    fn the_limit_is_5000_bytes_of_input_and_billing_counts_the_markup() {
        let vars = env(&[("GOOGLE_API_KEY", "k")]);
        let google = build_with(&profile("backend = \"google\"\n"), &vars).unwrap();
        assert_eq!(google.capabilities().max_bytes, Some(5000));
        let req = request(0, "A & B", "A &amp; B");
        assert_eq!(google.billed_chars(&req), google.sent_text(&req).chars().count());
        assert!(google.billed_chars(&req) > 5);
    }
}

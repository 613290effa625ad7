//! `azure`: Azure AI Speech, `POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`
//! with an SSML document, `Ocp-Apim-Subscription-Key` and `X-Microsoft-OutputFormat`. Voices
//! are listed from `GET …/cognitiveservices/voices/list`.

use std::sync::Arc;

use async_trait::async_trait;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::secret::{self, Env};
use super::transport::{Protocol, Transport};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer, cost, ssml};

const NAME: &str = "azure";

/// Azure's limit on a request's SSML document, in bytes.
pub(super) const MAX_SSML_BYTES: usize = 65_536;

/// Azure returns at most ten minutes of audio per request. At 150 characters a minute
/// (slow Mandarin; English runs at 800 or more) 1500 characters is ten minutes, so a chunk
/// within this never meets that cap, even at a slowed prosody rate of −50% for English.
pub(super) const DEFAULT_MAX_CHARS: usize = 1500;

/// A profile's settings for `backend = "azure"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Settings {
    /// The Speech resource's region, e.g. `"westeurope"`. Required unless `base_url` is set.
    region: Option<String>,
    /// Where the API is. Default: `https://{region}.tts.speech.microsoft.com`.
    base_url: Option<String>,
    /// The voice. Default: `"en-US-AvaMultilingualNeural"`.
    voice: String,
    /// The document's `xml:lang`. Default: from the voice name.
    language: Option<String>,
    /// An `X-Microsoft-OutputFormat` ending in `-mp3`, or `riff-…`/`raw-…-16bit-mono-pcm`,
    /// or `ogg-…-opus`. Default: `"audio-24khz-48kbitrate-mono-mp3"`.
    output_format: String,
    /// `<prosody rate>`, e.g. `"+10%"` or `"slow"`. Default: none.
    rate: Option<String>,
    /// `<prosody pitch>`, e.g. `"-2st"`. Default: none.
    pitch: Option<String>,
    /// The environment variable holding the key. Default: `"AZURE_SPEECH_KEY"`.
    api_key_env: String,
    /// Longest chunk in characters (keeps each answer under ten minutes). Default: 1500.
    max_chars: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            region: None,
            base_url: None,
            voice: "en-US-AvaMultilingualNeural".into(),
            language: None,
            output_format: "audio-24khz-48kbitrate-mono-mp3".into(),
            rate: None,
            pitch: None,
            api_key_env: "AZURE_SPEECH_KEY".into(),
            max_chars: DEFAULT_MAX_CHARS,
        }
    }
}

/// The audio format an `X-Microsoft-OutputFormat` names.
fn format(name: &str) -> Option<AudioFormat> {
    let rate = || {
        let token = name.split('-').nth(1)?;
        match token.strip_suffix("khz") {
            Some(k) => k.parse::<u32>().ok().map(|k| k * 1000),
            None => token.strip_suffix("hz")?.parse().ok(),
        }
    };
    if name.ends_with("-mp3") {
        Some(AudioFormat::Mp3)
    } else if name.starts_with("ogg-") && name.ends_with("-opus") {
        Some(AudioFormat::Ogg)
    } else if name.starts_with("riff-") && name.ends_with("-16bit-mono-pcm") {
        rate().map(|_| AudioFormat::Wav)
    } else if name.starts_with("raw-") && name.ends_with("-16bit-mono-pcm") {
        rate().map(|rate| AudioFormat::Pcm16 { rate })
    } else {
        None
    }
}

fn check(s: &Settings, problems: &mut Vec<String>) {
    let host_part = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric());
    match (&s.region, &s.base_url) {
        (None, None) => problems.push("set region (e.g. \"westeurope\") or base_url".into()),
        (Some(region), _) if !host_part(region) => {
            problems.push(format!("region {region:?} is not an Azure region name"));
        }
        _ => {}
    }
    if let Some(base) = &s.base_url
        && let Err(e) = super::endpoint(base, "")
    {
        problems.push(e);
    }
    if format(&s.output_format).is_none() {
        problems.push(format!(
            "output_format {:?}: use an mp3 format, riff-/raw-…-16bit-mono-pcm or ogg-…-opus",
            s.output_format
        ));
    }
    if s.language.is_none() && super::language_of_voice(&s.voice).is_none() {
        problems.push(format!("set language: it cannot be read from voice {:?}", s.voice));
    }
    if s.max_chars == 0 {
        problems.push("max_chars must be at least 1".into());
    }
}

/// Azure AI Speech.
#[derive(Debug)]
pub(super) struct Azure {
    settings: Settings,
    url: Url,
    voices_url: Url,
    key: HeaderValue,
    /// The document around the content: `<speak …><voice …>[<prosody …>]` and its closing.
    open: String,
    close: String,
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
pub(super) fn build_with(profile: &VoiceProfile, env: Env<'_>) -> Result<Azure, SynthError> {
    let (options, settings) = options::read::<Settings>(profile, NAME, check)?;
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    let base = match (&settings.base_url, &settings.region) {
        (Some(base), _) => base.clone(),
        (None, region) => {
            format!("https://{}.tts.speech.microsoft.com", region.as_deref().unwrap_or_default())
        }
    };
    let url = super::endpoint(&base, "/cognitiveservices/v1").map_err(invalid)?;
    let voices_url = super::endpoint(&base, "/cognitiveservices/voices/list").map_err(invalid)?;
    let key = secret::required(NAME, &settings.api_key_env, "api_key_env", env)?;
    let header = super::secret_header(key.expose()).map_err(invalid)?;
    let hint = format!("check the key in {} and the region", settings.api_key_env);
    let transport = Transport::new(NAME, &options, 4, vec![key], hint).map_err(invalid)?;
    let (open, close) = frame(&settings);
    // Segmentation measures content inside the generic `<speak>` root; ours is longer by
    // the voice and prosody elements, so the byte limit is lowered by the difference.
    let generic = ssml::wrap("", Some("en-GB-oxendict")).len();
    let max_bytes = (MAX_SSML_BYTES + generic).saturating_sub(open.len() + close.len());
    let format = format(&settings.output_format).unwrap_or(AudioFormat::Mp3);
    let capabilities = Capabilities {
        max_chars: None,
        max_bytes: Some(max_bytes),
        max_billed_chars: Some(settings.max_chars),
        ssml: true,
        formats: vec![format],
        concurrency: transport.concurrency(),
    };
    let protocol = Protocol::audio(format);
    Ok(Azure {
        settings,
        url,
        voices_url,
        key: header,
        open,
        close,
        protocol,
        capabilities,
        transport,
        options,
    })
}

/// One voice of `GET /cognitiveservices/voices/list`, which answers with a bare array.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedVoice {
    short_name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    gender: Option<String>,
    /// `Neural`, or `Standard` for the retired ones.
    #[serde(default)]
    voice_type: Option<String>,
}

impl ListedVoice {
    /// `en-GB-SoniaNeural — en-GB, Female`: the short name is what a profile's `voice` takes.
    fn line(&self) -> String {
        let gender = self.gender.as_deref().and_then(super::gender).unwrap_or_default();
        // Nearly every voice is neural; only the exceptions are worth a word.
        let kind = self.voice_type.as_deref().filter(|t| *t != "Neural").unwrap_or_default();
        super::voice_line(&self.short_name, [self.locale.as_str(), &gender, kind])
    }
}

/// The SSML around a chunk's content, every attribute escaped.
fn frame(s: &Settings) -> (String, String) {
    let language = s.language.clone().or_else(|| super::language_of_voice(&s.voice));
    let mut open = format!(
        "<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\" \
         xml:lang=\"{}\"><voice name=\"{}\">",
        ssml::escape(language.as_deref().unwrap_or("en-US")),
        ssml::escape(&s.voice)
    );
    let mut close = "</voice></speak>".to_owned();
    if s.rate.is_some() || s.pitch.is_some() {
        open.push_str("<prosody");
        for (name, value) in [("rate", &s.rate), ("pitch", &s.pitch)] {
            if let Some(v) = value {
                open.push_str(&format!(" {name}=\"{}\"", ssml::escape(v)));
            }
        }
        open.push('>');
        close.insert_str(0, "</prosody>");
    }
    (open, close)
}

impl Azure {
    /// The SSML document a request sends.
    pub(super) fn sent_text(&self, request: &SynthRequest<'_>) -> String {
        format!("{}{}{}", self.open, request.ssml, self.close)
    }
}

/// Azure bills the spoken text, not the markup, and counts each Chinese character (kanji and
/// hanja included) as two.
fn billed(ssml: &str) -> usize {
    let han = |c: char| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F);
    cost::spoken_text(ssml).chars().map(|c| if han(c) { 2 } else { 1 }).sum()
}

#[async_trait]
impl Synthesizer for Azure {
    fn name(&self) -> &str {
        NAME
    }

    fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    fn settings(&self) -> serde_json::Value {
        serde_json::json!({
            "endpoint": self.url.as_str(),
            "voice": self.settings.voice,
            "document": format!("{}…{}", self.open, self.close),
            "output_format": self.settings.output_format,
        })
    }

    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        billed(request.ssml)
    }

    fn price(&self) -> Option<Price> {
        self.options.price()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let document = self.sent_text(&request);
        let build = |client: &reqwest::Client| {
            client
                .post(self.url.clone())
                .header("Ocp-Apim-Subscription-Key", self.key.clone())
                .header(CONTENT_TYPE, "application/ssml+xml")
                .header("X-Microsoft-OutputFormat", &self.settings.output_format)
                .body(document.clone())
        };
        self.transport.send(request.chunk, &self.protocol, &build).await
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let build = |client: &reqwest::Client| {
            client
                .get(self.voices_url.clone())
                .header("Ocp-Apim-Subscription-Key", self.key.clone())
        };
        let list: Vec<ListedVoice> =
            self.transport.get_json(self.protocol.classify, &build).await?;
        Ok(list.iter().map(ListedVoice::line).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tts::http::testing::{
        self, Reply, Server, elements, env, mp3, pcm, profile, request, text_of, wav,
    };

    /// An Azure stand-in: checks the key, headers and document; answers in the asked format.
    async fn azure() -> Server {
        Server::start(|req, _| {
            if req.header("ocp-apim-subscription-key") != Some("az-key") {
                return Reply::status(401, "text/plain", "");
            }
            let doc = req.text();
            let valid = req.method == "POST"
                && req.path == "/cognitiveservices/v1"
                && req.header("content-type") == Some("application/ssml+xml")
                && req.header("user-agent").is_some_and(|ua| ua.starts_with("articulate/"))
                && doc.len() <= MAX_SSML_BYTES
                && doc.starts_with("<speak ")
                && doc.contains("xml:lang=\"en-GB\"><voice name=\"en-GB-SoniaNeural\">");
            let text = text_of(&doc);
            match req.header("x-microsoft-outputformat") {
                _ if !valid => Reply::status(400, "text/plain", ""),
                Some("audio-24khz-48kbitrate-mono-mp3") => {
                    Reply::ok("audio/mpeg", mp3(&text, 24_000))
                }
                Some("riff-24khz-16bit-mono-pcm") => Reply::ok("audio/x-wav", wav(&text, 24_000)),
                Some("raw-16khz-16bit-mono-pcm") => Reply::ok("audio/x-wav", pcm(&text, 16_000)),
                _ => Reply::status(400, "text/plain", ""),
            }
        })
        .await
    }

    fn backend(server: &Server, extra: &str, key: &str) -> Azure {
        let text = format!(
            "backend = \"azure\"\nbase_url = \"{}\"\nvoice = \"en-GB-SoniaNeural\"\n{extra}",
            server.url
        );
        build_with(&profile(&text), &env(&[("AZURE_SPEECH_KEY", key)])).unwrap()
    }

    #[tokio::test]
    async fn an_ssml_document_with_the_voice_comes_back_as_mp3() {
        let server = azure().await;
        let azure = backend(&server, "", "az-key");
        let audio = azure.synthesize(request(0, "Good evening.", "Good evening.")).await.unwrap();
        assert_eq!((audio.format, audio.bytes), (AudioFormat::Mp3, mp3("Good evening.", 24_000)));
        let doc = server.requests()[0].text();
        assert_eq!(elements(&doc), ["speak", "voice", "/voice", "/speak"]);
    }

    #[tokio::test]
    async fn wav_and_raw_pcm_formats_are_read_as_such() {
        let server = azure().await;
        let riff = backend(&server, "output_format = \"riff-24khz-16bit-mono-pcm\"", "az-key");
        assert_eq!(riff.synthesize(request(0, "A.", "A.")).await.unwrap().format, AudioFormat::Wav);
        let raw = backend(&server, "output_format = \"raw-16khz-16bit-mono-pcm\"", "az-key");
        let audio = raw.synthesize(request(0, "A.", "A.")).await.unwrap();
        assert_eq!(audio.format, AudioFormat::Pcm16 { rate: 16_000 });
    }

    #[tokio::test]
    async fn hostile_text_and_profile_values_cannot_add_ssml_elements() {
        let server = azure().await;
        let azure = backend(&server, "rate = \"+5%\\\"><audio src='x'/>\"", "az-key");
        let escaped = ssml::escape(testing::HOSTILE);
        azure.synthesize(request(0, testing::HOSTILE, &escaped)).await.unwrap();
        let doc = server.requests()[0].text();
        assert_eq!(elements(&doc), ["speak", "voice", "prosody", "/prosody", "/voice", "/speak"]);
        assert_eq!(text_of(&doc), testing::HOSTILE);
    }

    #[tokio::test]
    async fn a_401_with_an_empty_body_fails_at_once_with_the_status_and_a_hint() {
        let server = azure().await;
        let azure = backend(&server, "", "wrong");
        let err = azure.synthesize(request(6, "A.", "A.")).await.unwrap_err().to_string();
        assert!(err.contains("chunk 6") && err.contains("HTTP 401: Unauthorized"), "{err}");
        assert!(err.contains("AZURE_SPEECH_KEY"), "{err}");
        assert_eq!(server.requests().len(), 1);
    }

    /// Azure's voice list, as the regional endpoint answers it, to a client with the key.
    async fn voice_list() -> Server {
        Server::start(|req, _| {
            if req.method != "GET" || req.path != "/cognitiveservices/voices/list" {
                return Reply::status(404, "text/plain", "");
            }
            if req.header("ocp-apim-subscription-key") != Some("az-key") {
                return Reply::status(401, "text/plain", "");
            }
            Reply::json(&serde_json::json!([
                {"Name": "Microsoft Server Speech Text to Speech Voice (en-GB, SoniaNeural)",
                 "DisplayName": "Sonia", "ShortName": "en-GB-SoniaNeural", "Gender": "Female",
                 "Locale": "en-GB", "VoiceType": "Neural", "Status": "GA"},
                {"ShortName": "en-US-OldStandard", "Gender": "Male", "Locale": "en-US",
                 "VoiceType": "Standard"},
            ]))
        })
        .await
    }

    #[tokio::test]
    async fn the_regions_voices_are_listed_with_locale_and_gender() {
        let server = voice_list().await;
        let lines = backend(&server, "", "az-key").voices().await.unwrap();
        assert_eq!(
            lines,
            ["en-GB-SoniaNeural — en-GB, Female", "en-US-OldStandard — en-US, Male, Standard"]
        );
        let sent = &server.requests()[0];
        let path = (sent.method.as_str(), sent.path.as_str());
        assert_eq!(path, ("GET", "/cognitiveservices/voices/list"));
        assert_eq!(sent.header("ocp-apim-subscription-key"), Some("az-key"));
    }

    #[tokio::test]
    async fn a_401_gives_one_line_naming_the_key_variable_but_not_the_key() {
        let server = voice_list().await;
        let err = backend(&server, "", "wrong-az-key").voices().await.unwrap_err().to_string();
        assert_eq!(
            err,
            "backend azure: cannot list voices: HTTP 401: Unauthorized; check the key in \
             AZURE_SPEECH_KEY and the region"
        );
    }

    #[test]
    fn the_voice_list_is_on_the_regions_host() {
        let vars = env(&[("AZURE_SPEECH_KEY", "k")]);
        let azure =
            build_with(&profile("backend = \"azure\"\nregion = \"uksouth\"\n"), &vars).unwrap();
        assert_eq!(
            azure.voices_url.as_str(),
            "https://uksouth.tts.speech.microsoft.com/cognitiveservices/voices/list"
        );
    }

    #[test]
    fn billing_skips_markup_and_counts_chinese_characters_twice() {
        assert_eq!(billed("Hello &amp; bye"), 11);
        assert_eq!(billed("<sub alias=\"x\">東京</sub>です"), 6);
    }

    #[test]
    fn the_limits_allow_for_the_voice_element_and_ten_minutes_of_audio() {
        let vars = env(&[("AZURE_SPEECH_KEY", "k")]);
        let azure =
            build_with(&profile("backend = \"azure\"\nregion = \"westeurope\"\n"), &vars).unwrap();
        assert_eq!(
            azure.url.as_str(),
            "https://westeurope.tts.speech.microsoft.com/cognitiveservices/v1"
        );
        let caps = azure.capabilities();
        assert_eq!(caps.max_billed_chars, Some(DEFAULT_MAX_CHARS));
        let content =
            "x".repeat(caps.max_bytes.unwrap() - ssml::wrap("", Some("en-GB-oxendict")).len());
        assert!(caps.fits("", &content));
        assert_eq!(azure.sent_text(&request(0, "", &content)).len(), MAX_SSML_BYTES);
    }

    #[test]
    fn a_profile_without_region_or_base_url_is_refused() {
        let err = build_with(&profile("backend = \"azure\"\n"), &env(&[("AZURE_SPEECH_KEY", "k")]))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("region"), "{err}");
    }
}

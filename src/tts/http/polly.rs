//! `polly`: Amazon Polly's `SynthesizeSpeech` (`POST /v1/speech`), signed with AWS
//! Signature Version 4 using the standard AWS environment variables. Voices are listed with
//! `DescribeVoices` (`GET /v1/voices`), signed the same way.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use serde::Deserialize;
use url::Url;

use super::options::{self, HttpOptions};
use super::response::{self, Failure, Verdict};
use super::secret::{self, Env};
use super::sigv4::{self, Credentials, Scope};
use super::transport::{AUDIO, Protocol, Transport};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::VoiceProfile;
use crate::tts::{Capabilities, Price, SynthError, SynthRequest, Synthesizer, cost};

const NAME: &str = "polly";

/// Polly's limit on billed characters (text without SSML tags) per request.
pub(super) const MAX_BILLED_CHARS: usize = 3000;
/// Polly's limit on all characters of a request, SSML tags included.
pub(super) const MAX_TOTAL_CHARS: usize = 6000;
/// The most pages of `DescribeVoices` followed. Polly has about a hundred voices and sends
/// them in one page; the bound stops a server that hands out tokens forever.
const MAX_VOICE_PAGES: usize = 50;

/// A profile's settings for `backend = "polly"`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Settings {
    /// The AWS region. Default: `"us-east-1"`.
    region: String,
    /// Where the API is. Default: `https://polly.{region}.amazonaws.com`.
    base_url: Option<String>,
    /// The voice id (`aws polly describe-voices`). Default: `"Joanna"`.
    voice: String,
    /// `standard`, `neural`, `long-form` or `generative`. Default: `"neural"`.
    engine: String,
    /// `mp3`, `ogg_vorbis` or `pcm` (16-bit mono). Default: `"mp3"`.
    output_format: String,
    /// Hz: 8000, 16000, 22050 or 24000 (pcm: 8000 or 16000). Default: Polly's.
    sample_rate: Option<u32>,
    /// For bilingual voices, which language to speak. Default: the voice's.
    language_code: Option<String>,
    /// Send SSML (escaped text in `<speak>`) rather than plain text. Default: true.
    ssml: bool,
    /// Environment variable of the access key id. Default: `"AWS_ACCESS_KEY_ID"`.
    access_key_env: String,
    /// Environment variable of the secret key. Default: `"AWS_SECRET_ACCESS_KEY"`.
    secret_key_env: String,
    /// Environment variable of the session token, if any. Default: `"AWS_SESSION_TOKEN"`.
    session_token_env: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            region: "us-east-1".into(),
            base_url: None,
            voice: "Joanna".into(),
            engine: "neural".into(),
            output_format: "mp3".into(),
            sample_rate: None,
            language_code: None,
            ssml: true,
            access_key_env: "AWS_ACCESS_KEY_ID".into(),
            secret_key_env: "AWS_SECRET_ACCESS_KEY".into(),
            session_token_env: "AWS_SESSION_TOKEN".into(),
        }
    }
}

/// The audio format an `OutputFormat` names; raw PCM is 16 kHz unless the profile says.
fn format(name: &str, rate: Option<u32>) -> Option<AudioFormat> {
    Some(match name {
        "mp3" => AudioFormat::Mp3,
        "ogg_vorbis" => AudioFormat::Ogg,
        "pcm" => AudioFormat::Pcm16 { rate: rate.unwrap_or(16_000) },
        _ => return None,
    })
}

fn check(s: &Settings, problems: &mut Vec<String>) {
    let word = |v: &str| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !word(&s.region) {
        problems.push(format!("region {:?} is not an AWS region name", s.region));
    }
    if !word(&s.voice) {
        problems.push(format!("voice {:?} is not a Polly voice id", s.voice));
    }
    if !["standard", "neural", "long-form", "generative"].contains(&s.engine.as_str()) {
        problems
            .push(format!("engine {:?}: use standard, neural, long-form or generative", s.engine));
    }
    match (format(&s.output_format, s.sample_rate), s.sample_rate) {
        (None, _) => problems
            .push(format!("output_format {:?}: use mp3, ogg_vorbis or pcm", s.output_format)),
        (Some(AudioFormat::Pcm16 { .. }), Some(r)) if ![8000, 16_000].contains(&r) => {
            problems.push("sample_rate for pcm must be 8000 or 16000".into());
        }
        (_, Some(r)) if ![8000, 16_000, 22_050, 24_000].contains(&r) => {
            problems.push("sample_rate must be 8000, 16000, 22050 or 24000".into());
        }
        _ => {}
    }
    if let Some(base) = &s.base_url
        && let Err(e) = super::endpoint(base, "")
    {
        problems.push(e);
    }
}

/// Amazon Polly.
#[derive(Debug)]
pub(super) struct Polly {
    settings: Settings,
    url: Url,
    voices_url: Url,
    host: String,
    credentials: Credentials,
    protocol: Protocol,
    capabilities: Capabilities,
    transport: Transport,
    options: HttpOptions,
}

/// Build from a profile, reading credentials from the process environment.
pub(crate) fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    Ok(Arc::new(build_with(profile, &secret::process_env)?))
}

/// Build from a profile, reading credentials from `env`. Fails before any request when the
/// profile is wrong or a credential is missing.
pub(super) fn build_with(profile: &VoiceProfile, env: Env<'_>) -> Result<Polly, SynthError> {
    let (options, settings) = options::read::<Settings>(profile, NAME, check)?;
    let invalid = |message: String| SynthError::Profile {
        backend: NAME.into(),
        profile: profile.origin(),
        message,
    };
    let base = settings
        .base_url
        .clone()
        .unwrap_or_else(|| format!("https://polly.{}.amazonaws.com", settings.region));
    let url = super::endpoint(&base, "/v1/speech").map_err(invalid)?;
    let voices_url = super::endpoint(&base, "/v1/voices").map_err(invalid)?;
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let credentials = Credentials {
        access_key: secret::required(NAME, &settings.access_key_env, "access_key_env", env)?,
        secret_key: secret::required(NAME, &settings.secret_key_env, "secret_key_env", env)?,
        session_token: secret::optional(&settings.session_token_env, env),
    };
    // Ids and tokens go into headers; refuse ones that cannot, without showing them.
    let ids = [Some(&credentials.access_key), credentials.session_token.as_ref()];
    for value in ids.into_iter().flatten() {
        super::secret_header(value.expose()).map_err(invalid)?;
    }
    let secrets = [&credentials.access_key, &credentials.secret_key]
        .into_iter()
        .chain(credentials.session_token.as_ref())
        .cloned()
        .collect();
    let hint = format!(
        "check the credentials in {} and {} (and {} for temporary ones), and the clock",
        settings.access_key_env, settings.secret_key_env, settings.session_token_env
    );
    let transport = Transport::new(NAME, &options, 4, secrets, hint).map_err(invalid)?;
    let format = format(&settings.output_format, settings.sample_rate).unwrap_or(AudioFormat::Mp3);
    let capabilities = Capabilities {
        max_chars: Some(MAX_TOTAL_CHARS),
        max_bytes: None,
        max_billed_chars: Some(MAX_BILLED_CHARS),
        ssml: settings.ssml,
        formats: vec![format],
        concurrency: transport.concurrency(),
    };
    let protocol = Protocol { accept: AUDIO, format, unwrap: Ok, classify };
    Ok(Polly {
        settings,
        url,
        voices_url,
        host,
        credentials,
        protocol,
        capabilities,
        transport,
        options,
    })
}

/// One page of `DescribeVoices`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VoicePage {
    #[serde(default)]
    voices: Vec<ListedVoice>,
    /// Where the next page starts; absent on the last.
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListedVoice {
    id: String,
    #[serde(default)]
    language_code: String,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    supported_engines: Vec<String>,
}

impl ListedVoice {
    /// `Joanna — en-US, Female, neural/standard`: the id is what a profile's `voice` takes,
    /// and the engines say which `engine` it works with.
    fn line(&self) -> String {
        let gender = self.gender.as_deref().and_then(super::gender).unwrap_or_default();
        let engines = self.supported_engines.join("/");
        super::voice_line(&self.id, [self.language_code.as_str(), &gender, &engines])
    }
}

/// AWS says what went wrong in `x-amzn-ErrorType` (or `__type`), and throttling comes as a
/// 400, so the status alone would not show that a retry may work.
fn classify(failure: &Failure<'_>) -> Verdict {
    let from_header = failure.headers.get("x-amzn-errortype").and_then(|v| v.to_str().ok());
    let json: serde_json::Value = serde_json::from_str(failure.body).unwrap_or_default();
    let kind = from_header
        .or_else(|| json["__type"].as_str())
        .map(|k| k.split(':').next().unwrap_or(k).rsplit('#').next().unwrap_or(k).to_owned());
    let message = response::message(failure.status, failure.body);
    let retryable = response::retry_status(failure.status)
        || kind.as_deref().is_some_and(|k| {
            matches!(
                k,
                "ThrottlingException"
                    | "TooManyRequestsException"
                    | "ServiceFailureException"
                    | "ServiceUnavailableException"
                    | "RequestTimeoutException"
            )
        });
    let message = match kind {
        Some(kind) if !message.contains(&kind) => format!("{kind}: {message}"),
        _ => message,
    };
    Verdict { message, retryable }
}

impl Polly {
    /// The text a request sends: bare `<speak>` SSML (Polly's own form) or plain text.
    pub(super) fn sent_text(&self, request: &SynthRequest<'_>) -> String {
        if self.settings.ssml {
            format!("<speak>{}</speak>", request.ssml)
        } else {
            request.text.to_owned()
        }
    }

    fn body(&self, request: &SynthRequest<'_>) -> Vec<u8> {
        let mut body = serde_json::json!({
            "Engine": self.settings.engine,
            "OutputFormat": self.settings.output_format,
            "Text": self.sent_text(request),
            "TextType": if self.settings.ssml { "ssml" } else { "text" },
            "VoiceId": self.settings.voice,
        });
        if let Some(rate) = self.settings.sample_rate {
            body["SampleRate"] = rate.to_string().into();
        }
        if let Some(language) = &self.settings.language_code {
            body["LanguageCode"] = language.as_str().into();
        }
        body.to_string().into_bytes()
    }

    /// A request, signed at the moment it is built (each retry signs afresh): a POST of
    /// `body` as JSON, or a GET when there is none.
    fn signed(
        &self,
        client: &reqwest::Client,
        url: &Url,
        body: Option<&[u8]>,
    ) -> reqwest::RequestBuilder {
        let amz_date = sigv4::amz_date(SystemTime::now());
        let token = self.credentials.session_token.as_ref().map(secret::Secret::expose);
        let mut headers = vec![("host", self.host.as_str()), ("x-amz-date", amz_date.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        if let Some(token) = token {
            headers.push(("x-amz-security-token", token));
        }
        let scope = Scope { amz_date: &amz_date, region: &self.settings.region, service: "polly" };
        let method = if body.is_some() { "POST" } else { "GET" };
        let payload = body.unwrap_or_default();
        let authorization =
            sigv4::authorization(&self.credentials, scope, method, url, &headers, payload);
        let request = match body {
            Some(body) => client
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec()),
            None => client.get(url.clone()),
        };
        let mut request = request.header(HOST, &self.host).header("x-amz-date", &amz_date);
        // Both were checked when the backend was built, so they are valid header values.
        if let Some(token) = token.and_then(|t| super::secret_header(t).ok()) {
            request = request.header("x-amz-security-token", token);
        }
        if let Ok(value) = super::secret_header(&authorization) {
            request = request.header(AUTHORIZATION, value);
        }
        request
    }

    /// The `DescribeVoices` URL for the page starting at `token`. The query is written in
    /// the form the signature covers, so what is sent is exactly what was signed.
    fn voices_page(&self, token: Option<&str>) -> Url {
        let mut url = self.voices_url.clone();
        if let Some(token) = token {
            url.set_query(Some(&format!("NextToken={}", sigv4::uri_encode(token))));
        }
        url
    }
}

#[async_trait]
impl Synthesizer for Polly {
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
            "engine": self.settings.engine,
            "output_format": self.settings.output_format,
            "sample_rate": self.settings.sample_rate,
            "language_code": self.settings.language_code,
            "ssml": self.settings.ssml,
        })
    }

    /// Polly bills the text, not the SSML tags.
    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        if self.settings.ssml {
            cost::spoken_chars(request.ssml)
        } else {
            request.text.chars().count()
        }
    }

    fn price(&self) -> Option<Price> {
        self.options.price()
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        let body = self.body(&request);
        let build = |client: &reqwest::Client| self.signed(client, &self.url, Some(&body));
        self.transport.send(request.chunk, &self.protocol, &build).await
    }

    /// Every voice, following `NextToken` from page to page. All are listed, whatever the
    /// profile's engine: each line says which engines a voice supports.
    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        let mut lines = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_VOICE_PAGES {
            let url = self.voices_page(token.as_deref());
            let build = |client: &reqwest::Client| self.signed(client, &url, None);
            let page: VoicePage = self.transport.get_json(self.protocol.classify, &build).await?;
            lines.extend(page.voices.iter().map(ListedVoice::line));
            token = page.next_token.filter(|t| !t.is_empty());
            if token.is_none() {
                return Ok(lines);
            }
        }
        Err(SynthError::Voices {
            backend: NAME.into(),
            status: None,
            message: format!("the list did not end after {MAX_VOICE_PAGES} pages"),
            retryable: false,
            retry_after: None,
        })
    }
}

#[cfg(test)]
mod tests;

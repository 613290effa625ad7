//! The shared HTTP client: one per backend, with its concurrency cap, rate limit, timeouts,
//! retries, and the checks every answer must pass before it counts as audio.

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;

use super::options::HttpOptions;
use super::response::{self, Failure, Verdict};
use super::secret::{Secret, redact};
use crate::model::{AudioFormat, SpeechAudio};
use crate::tts::SynthError;
use crate::tts::limits::RateLimiter;
use crate::tts::retry::RetryPolicy;

/// The most audio one answer may carry: ten minutes of 48 kHz stereo PCM is 110 MB.
const MAX_AUDIO_BYTES: usize = 256 << 20;
/// How much of an error answer is read for its message.
const MAX_ERROR_BYTES: usize = 64 << 10;
/// The most a voice list may be. The longest (Google's, ElevenLabs' with a big library)
/// run to a few hundred kilobytes.
const MAX_LIST_BYTES: usize = 16 << 20;

/// Content types that may carry audio. Compatible servers often say `octet-stream`.
pub(crate) const AUDIO: &[&str] = &["audio/", "application/octet-stream", "binary/octet-stream"];

/// What a provider answers with, and how its errors read.
#[derive(Debug)]
pub(crate) struct Protocol {
    /// Content types that mean success (see [`response::accepts`]).
    pub(crate) accept: &'static [&'static str],
    /// The audio format asked for.
    pub(crate) format: AudioFormat,
    /// Turns a successful body into encoded audio (Google wraps it in base64 JSON).
    pub(crate) unwrap: fn(Vec<u8>) -> Result<Vec<u8>, String>,
    /// Reads an error answer: the provider's message, and whether to retry.
    pub(crate) classify: Classify,
}

impl Protocol {
    /// Raw audio of `format` in the body, errors read the usual way.
    pub(crate) fn audio(format: AudioFormat) -> Protocol {
        Protocol { accept: AUDIO, format, unwrap: Ok, classify: response::classify }
    }
}

/// Reads an error answer: the provider's message, and whether to retry.
pub(crate) type Classify = fn(&Failure<'_>) -> Verdict;

/// Makes one attempt's request. Called again for each retry, so signatures can carry the
/// time of sending.
pub(crate) type Build<'a> = &'a (dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Sync);

/// One backend's connection to its service.
#[derive(Debug)]
pub(crate) struct Transport {
    backend: &'static str,
    client: reqwest::Client,
    inflight: Semaphore,
    concurrency: usize,
    rate: Option<RateLimiter>,
    policy: RetryPolicy,
    timeout: Duration,
    secrets: Vec<Secret>,
    key_hint: String,
}

impl Transport {
    /// A transport for `backend` with the profile's `options`. `concurrency` is the
    /// provider's default cap, `secrets` are redacted from everything a server says back,
    /// and `key_hint` ("check the key in OPENAI_API_KEY") is added to 401 and 403 errors.
    ///
    /// # Errors
    ///
    /// When the TLS stack cannot be set up.
    pub(crate) fn new(
        backend: &'static str,
        options: &HttpOptions,
        concurrency: usize,
        secrets: Vec<Secret>,
        key_hint: String,
    ) -> Result<Transport, String> {
        // reqwest is built without a crypto provider so aws-lc stays out of the build;
        // ring is installed once per process. A second install fails harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout())
            .timeout(options.timeout())
            .user_agent(concat!("articulate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
        let concurrency = options.concurrency.unwrap_or(concurrency).max(1);
        Ok(Transport {
            backend,
            client,
            inflight: Semaphore::new(concurrency),
            concurrency,
            rate: options.requests_per_minute.map(RateLimiter::per_minute),
            policy: options.retry_policy(),
            timeout: options.timeout(),
            secrets,
            key_hint,
        })
    }

    /// Requests this transport lets run at once.
    pub(crate) fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Send a chunk's request, retrying per the shared policy, and return checked audio.
    ///
    /// # Errors
    ///
    /// The provider's error (status, message, backend and chunk), a timeout, a broken
    /// connection, or an answer that is not decodable audio.
    pub(crate) async fn send(
        &self,
        chunk: usize,
        protocol: &Protocol,
        build: Build<'_>,
    ) -> Result<SpeechAudio, SynthError> {
        // Held across retries: a chunk waiting to retry still counts against the cap, which
        // is what a service that answered 429 wants.
        let _permit = self.inflight.acquire().await.ok();
        self.policy.run(|_| self.attempt(chunk, protocol, build)).await
    }

    /// Fetch a JSON document (a voice list) and parse it as `T`, retrying per the shared
    /// policy. `classify` reads error answers as for synthesis.
    ///
    /// # Errors
    ///
    /// [`SynthError::Voices`] with the provider's error (status, message and what to do), a
    /// timeout, a broken connection, or an answer that is not the JSON expected.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        classify: Classify,
        build: Build<'_>,
    ) -> Result<T, SynthError> {
        let _permit = self.inflight.acquire().await.ok();
        self.policy.run(|_| self.fetch_json(classify, build)).await
    }

    async fn fetch_json<T: DeserializeOwned>(
        &self,
        classify: Classify,
        build: Build<'_>,
    ) -> Result<T, SynthError> {
        if let Some(rate) = &self.rate {
            rate.acquire().await;
        }
        let mut response = build(&self.client).send().await.map_err(|e| self.unlisted(&e))?;
        let status = response.status();
        tracing::debug!(backend = self.backend, status = status.as_u16(), "Voices answered.");
        if !status.is_success() {
            let (verdict, retry_after) = self.explain(response, classify).await;
            let hint = match status.as_u16() {
                401 | 403 => Some(self.key_hint.clone()),
                404 => Some("check base_url in the profile".to_owned()),
                _ => None,
            };
            let message = with_hint(verdict.message, hint);
            return Err(self.voices_error(
                Some(status),
                format!("HTTP {}: {message}", status.as_u16()),
                verdict.retryable,
                retry_after,
            ));
        }
        let media = response::content_type(response.headers());
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(piece)) if body.len() + piece.len() > MAX_LIST_BYTES => {
                    let limit = MAX_LIST_BYTES >> 20;
                    let message = format!("the answer is larger than {limit} MB");
                    return Err(self.voices_error(None, message, false, None));
                }
                Ok(Some(piece)) => body.extend_from_slice(&piece),
                Ok(None) => break,
                Err(e) => return Err(self.unlisted(&e)),
            }
        }
        serde_json::from_slice(&body).map_err(|e| {
            let words = response::plain_text(&String::from_utf8_lossy(&body));
            let media = media.unwrap_or_else(|| "no content type".into());
            let message = format!(
                "the answer ({media}) is not the JSON expected ({e}): {}",
                response::shorten(&words, 200)
            );
            self.voices_error(None, message, false, None)
        })
    }

    /// A voice list that did not arrive: a timeout, or a connection that failed or broke
    /// off (both worth another try), or a request that could not be made.
    fn unlisted(&self, error: &reqwest::Error) -> SynthError {
        let message = if error.is_timeout() {
            format!("no answer after {:?}", self.timeout)
        } else {
            self.causes(error)
        };
        self.voices_error(None, message, !error.is_builder(), None)
    }

    /// Error messages become one line whatever the server put in them: the CLI prints one
    /// line per backend.
    fn voices_error(
        &self,
        status: Option<StatusCode>,
        message: String,
        retryable: bool,
        retry_after: Option<Duration>,
    ) -> SynthError {
        let message = redact(&message, &self.secrets);
        SynthError::Voices {
            backend: self.backend.to_owned(),
            status: status.map(|s| s.as_u16()),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            retryable,
            retry_after,
        }
    }

    async fn attempt(
        &self,
        chunk: usize,
        protocol: &Protocol,
        build: Build<'_>,
    ) -> Result<SpeechAudio, SynthError> {
        if let Some(rate) = &self.rate {
            rate.acquire().await;
        }
        let response = build(&self.client).send().await.map_err(|e| self.failed(chunk, &e))?;
        let status = response.status();
        tracing::debug!(backend = self.backend, chunk, status = status.as_u16(), "Answered.");
        if !status.is_success() {
            let (verdict, retry_after) = self.explain(response, protocol.classify).await;
            return Err(SynthError::Http {
                backend: self.backend.to_owned(),
                chunk,
                status: status.as_u16(),
                message: with_hint(verdict.message, self.hint(status)),
                retryable: verdict.retryable,
                retry_after,
            });
        }
        if let Some(media) = response::content_type(response.headers())
            && !response::accepts(protocol.accept, &media)
        {
            let body = read_prefix(response, MAX_ERROR_BYTES).await;
            let words = response::plain_text(&String::from_utf8_lossy(&body));
            return Err(self.bad(
                chunk,
                format!(
                    "expected {} but the answer is {media}: {}",
                    protocol.accept.join(" or "),
                    response::shorten(&words, 200)
                ),
            ));
        }
        let body = self.read(chunk, response).await?;
        if body.is_empty() {
            return Err(self.bad(chunk, "the answer was empty".into()));
        }
        let bytes = (protocol.unwrap)(body).map_err(|m| self.bad(chunk, m))?;
        let audio = SpeechAudio { bytes, format: protocol.format };
        if matches!(audio.format, AudioFormat::Pcm16 { .. }) && !audio.bytes.len().is_multiple_of(2)
        {
            return Err(self.bad(chunk, "16-bit PCM with an odd number of bytes".into()));
        }
        crate::audio::probe(&audio).map_err(|m| self.bad(chunk, m))?;
        Ok(audio)
    }

    /// Read a whole successful answer; a connection that breaks off is a retryable failure.
    async fn read(
        &self,
        chunk: usize,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, SynthError> {
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(piece)) if body.len() + piece.len() > MAX_AUDIO_BYTES => {
                    let limit = MAX_AUDIO_BYTES >> 20;
                    return Err(self.bad(chunk, format!("the answer is larger than {limit} MB")));
                }
                Ok(Some(piece)) => body.extend_from_slice(&piece),
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.failed(chunk, &e)),
            }
        }
    }

    /// A failed exchange: a timeout, or a connection that failed or broke off.
    fn failed(&self, chunk: usize, error: &reqwest::Error) -> SynthError {
        let backend = self.backend.to_owned();
        if error.is_timeout() {
            return SynthError::Timeout { backend, chunk, after: self.timeout };
        }
        let message = self.causes(error);
        if error.is_builder() {
            return SynthError::Engine { backend, chunk, message, retryable: false };
        }
        let message = if error.is_body() || error.is_decode() {
            format!("the answer broke off: {message}")
        } else {
            message
        };
        SynthError::Network { backend, chunk, message }
    }

    /// An error and its causes on one line, secrets redacted.
    fn causes(&self, error: &reqwest::Error) -> String {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        redact(&message, &self.secrets)
    }

    /// Read an error answer with the provider's `classify`: its verdict (the message
    /// redacted) and how long it asked us to wait.
    async fn explain(
        &self,
        response: reqwest::Response,
        classify: Classify,
    ) -> (Verdict, Option<Duration>) {
        let status = response.status();
        let headers = response.headers().clone();
        let retry_after = response::retry_after(&headers, SystemTime::now());
        let body = read_prefix(response, MAX_ERROR_BYTES).await;
        let text = String::from_utf8_lossy(&body);
        let verdict = classify(&Failure { status, headers: &headers, body: &text });
        let message = redact(&verdict.message, &self.secrets);
        (Verdict { message, ..verdict }, retry_after)
    }

    fn bad(&self, chunk: usize, message: String) -> SynthError {
        let message = redact(&message, &self.secrets);
        SynthError::BadAudio { backend: self.backend.to_owned(), chunk, message }
    }

    /// What to do about a status, when we know.
    fn hint(&self, status: StatusCode) -> Option<String> {
        match status.as_u16() {
            401 | 403 => Some(self.key_hint.clone()),
            404 => Some("check base_url and the voice and model names in the profile".into()),
            413 => Some("the request is too large; lower max_chars in the profile".into()),
            _ => None,
        }
    }
}

/// A message with what to do about it, when we know.
fn with_hint(message: String, hint: Option<String>) -> String {
    match hint {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}

/// Up to `limit` bytes of an answer, for its error message; a broken body gives what came.
async fn read_prefix(mut response: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(piece)) = response.chunk().await {
        body.extend_from_slice(&piece);
        if body.len() >= limit {
            body.truncate(limit);
            break;
        }
    }
    body
}

//! Errors from synthesis. Each names its backend and, where there is one, its chunk.

use std::time::Duration;

/// A failure to synthesize. Messages name the backend and chunk, never a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// The profile names a backend nobody registered.
    #[error("unknown backend {name:?} in voice profile {profile}; known backends: {known}")]
    UnknownBackend {
        /// The name given.
        name: String,
        /// The profile it was given in.
        profile: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// The profile's settings for this backend are wrong.
    #[error("backend {backend}: invalid voice profile {profile}: {message}")]
    Profile {
        /// The backend kind.
        backend: String,
        /// The profile's name or path.
        profile: String,
        /// What is wrong.
        message: String,
    },
    /// The engine's program is not installed.
    #[error("backend {backend}: {program} not found on PATH; {hint}")]
    NotInstalled {
        /// The backend kind.
        backend: String,
        /// The program looked for.
        program: String,
        /// How to install it.
        hint: String,
    },
    /// The engine ran and failed.
    #[error("backend {backend}: chunk {chunk}: {message}")]
    Engine {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// What happened, including the engine's own stderr when it printed any.
        message: String,
        /// Whether trying again may succeed.
        retryable: bool,
    },
    /// The engine did not answer in time.
    #[error("backend {backend}: chunk {chunk}: no answer after {after:?}")]
    Timeout {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// How long we waited.
        after: Duration,
    },
    /// The engine answered with something that is not audio we can use: undecodable, cut
    /// short, silent, or far from the length of its text. Worth another try: a CDN's
    /// challenge page or a connection closed early passes.
    #[error("backend {backend}: chunk {chunk}: returned unusable audio: {message}")]
    BadAudio {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// Why it is unusable.
        message: String,
    },
    /// A cloud backend needs a key the environment does not have. Raised when the backend is
    /// built, before any request.
    #[error(
        "backend {backend}: the environment variable {var} is not set (or empty); export it \
         with your key, or name another variable with `{setting}` in the voice profile"
    )]
    MissingKey {
        /// The backend kind.
        backend: String,
        /// The variable's name (never its value).
        var: String,
        /// The profile key that names the variable.
        setting: String,
    },
    /// A service answered with an HTTP error status.
    #[error("backend {backend}: chunk {chunk}: HTTP {status}: {message}")]
    Http {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// The status code.
        status: u16,
        /// The provider's own message (secrets redacted), and what to do when we know.
        message: String,
        /// Whether trying again may succeed; the backend decides.
        retryable: bool,
        /// How long the service asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// The connection failed or broke before a whole answer arrived (refused, reset, cut
    /// short). Always worth another try.
    #[error("backend {backend}: chunk {chunk}: {message}")]
    Network {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// What broke (secrets redacted).
        message: String,
    },
    /// A service would not give its list of voices. Raised by
    /// [`crate::tts::Synthesizer::voices`], which sends no chunk, so none is named.
    #[error("backend {backend}: cannot list voices: {message}")]
    Voices {
        /// The backend kind.
        backend: String,
        /// The HTTP status, when the service answered with an error.
        status: Option<u16>,
        /// What went wrong (secrets redacted), and what to do when we know.
        message: String,
        /// Whether asking again may succeed.
        retryable: bool,
        /// How long the service asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// A retryable failure that kept failing until the retry policy gave up.
    #[error("{last} (gave up after {attempts} attempts: {why})")]
    GaveUp {
        /// The last failure.
        last: Box<SynthError>,
        /// Requests sent.
        attempts: u32,
        /// Why no further attempt was made.
        why: String,
    },
}

impl SynthError {
    /// Whether the same request may succeed if sent again.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            SynthError::Engine { retryable, .. }
            | SynthError::Http { retryable, .. }
            | SynthError::Voices { retryable, .. } => *retryable,
            SynthError::Timeout { .. }
            | SynthError::Network { .. }
            | SynthError::BadAudio { .. } => true,
            _ => false,
        }
    }

    /// How long the service asked us to wait before trying again, if it said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            SynthError::Http { retry_after, .. } | SynthError::Voices { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

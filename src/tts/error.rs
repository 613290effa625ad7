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
    /// The engine answered with something that is not audio we can decode.
    #[error("backend {backend}: chunk {chunk}: returned unusable audio: {message}")]
    BadAudio {
        /// The backend kind.
        backend: String,
        /// The chunk id.
        chunk: usize,
        /// Why it is unusable.
        message: String,
    },
}

impl SynthError {
    /// Whether the same request may succeed if sent again.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            SynthError::Engine { retryable, .. } => *retryable,
            SynthError::Timeout { .. } => true,
            _ => false,
        }
    }
}

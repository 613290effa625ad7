//! The table from a profile's `backend = "…"` to the code that builds it.
//!
//! Adding a backend is one file in `tts/` plus one line in [`BACKENDS`].

use std::sync::Arc;

use super::http::{azure, elevenlabs, google, openai, polly};
use super::{SynthError, Synthesizer, command, espeak, piper, tone};
use crate::tts::VoiceProfile;

/// Builds a backend from a voice profile. Reads only the profile's own settings.
pub type Factory = fn(&VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError>;

/// Every backend, by the name a profile uses.
#[rustfmt::skip] // one line per backend
pub const BACKENDS: &[(&str, Factory)] = &[
    ("espeak-ng", espeak::build),
    ("command", command::build),
    ("piper", piper::build),
    ("tone", tone::build),
    ("openai", openai::build),
    ("elevenlabs", elevenlabs::build),
    ("google", google::build),
    ("azure", azure::build),
    ("polly", polly::build),
];

/// Backends that run on this machine and cost nothing per character: the only ones chosen
/// without being asked for (see `narrate::Casting`).
pub const LOCAL: &[&str] = &["espeak-ng", "command", "piper", "tone"];

/// Build the backend a profile names.
///
/// # Errors
///
/// An unknown backend name (listing the known ones), invalid settings, or a missing engine.
pub fn build(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    match BACKENDS.iter().find(|(name, _)| *name == profile.backend) {
        Some((_, factory)) => factory(profile),
        None => Err(SynthError::UnknownBackend {
            name: profile.backend.clone(),
            profile: profile.origin(),
            known: known(),
        }),
    }
}

/// Build the backend a profile names, for estimating its cost only (`--dry-run`): a cloud
/// backend builds without its key, which an estimate does not need. Never synthesize with
/// it.
///
/// # Errors
///
/// As [`build`], except a missing key.
pub fn build_for_estimate(profile: &VoiceProfile) -> Result<Arc<dyn Synthesizer>, SynthError> {
    super::http::build_unkeyed(profile).unwrap_or_else(|| build(profile))
}

/// The registered backend names, comma-separated.
#[must_use]
pub fn known() -> String {
    BACKENDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_backend_is_an_error_listing_the_known_ones() {
        let profile = VoiceProfile::parse("x", None, "backend = \"festival\"").unwrap();
        let err = build(&profile).err().unwrap().to_string();
        assert!(err.contains("festival") && err.contains("espeak-ng, command, piper"), "{err}");
    }
}

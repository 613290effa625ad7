//! Cloud backends: OpenAI-compatible, ElevenLabs, Google, Azure and Polly, over HTTP.
//!
//! Each provider is one file that knows its protocol: the request, the limits that drive
//! segmentation, how it bills, and how to read its errors (including which may be
//! retried). What they share lives here: [`options`] (the profile keys for limits,
//! timeouts, retries and price), [`transport`] (the client with its concurrency cap, rate
//! limit and retries through [`crate::tts::retry`], and the checks every answer must pass),
//! and [`secret`] (keys from the environment that never reach a log, error or file).

pub(super) mod azure;
pub(super) mod elevenlabs;
pub(super) mod google;
pub(super) mod openai;
mod options;
pub(super) mod polly;
mod response;
mod secret;
mod sigv4;
mod transport;

#[cfg(test)]
mod faults;
#[cfg(test)]
mod segment_limits;
#[cfg(test)]
mod testing;

use std::sync::Arc;

use reqwest::header::HeaderValue;
use url::Url;

use crate::tts::VoiceProfile;
use crate::tts::{SynthError, Synthesizer};

/// Build a cloud backend that will only be asked what it would bill (`--dry-run`): a key
/// missing from the environment is stood in for, since estimating sends nothing. `None`
/// for a backend that is not a cloud one.
pub(crate) fn build_unkeyed(
    profile: &VoiceProfile,
) -> Option<Result<Arc<dyn Synthesizer>, SynthError>> {
    // Never sent: a dry run makes no request.
    let env = |name: &str| secret::process_env(name).or_else(|| Some("dry-run".to_owned()));
    fn boxed<T: Synthesizer + 'static>(
        built: Result<T, SynthError>,
    ) -> Result<Arc<dyn Synthesizer>, SynthError> {
        built.map(|b| Arc::new(b) as Arc<dyn Synthesizer>)
    }
    Some(match profile.backend.as_str() {
        "openai" => boxed(openai::build_with(profile, &env)),
        "elevenlabs" => boxed(elevenlabs::build_with(profile, &env)),
        "google" => boxed(google::build_with(profile, &env)),
        "azure" => boxed(azure::build_with(profile, &env)),
        "polly" => boxed(polly::build_with(profile, &env)),
        _ => return None,
    })
}

/// The URL of `path` (which starts with `/`) under a profile's `base_url`.
///
/// The base may carry a path prefix (for a proxy) but no credentials, query or fragment:
/// keys belong in the environment, and a key in a URL ends up in logs and error messages.
///
/// # Errors
///
/// What is wrong with the URL.
fn endpoint(base_url: &str, path: &str) -> Result<Url, String> {
    let base = Url::parse(base_url).map_err(|e| format!("base_url {base_url:?}: {e}"))?;
    if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
        return Err(format!("base_url {base_url:?} must be an http:// or https:// URL"));
    }
    if !base.username().is_empty() || base.password().is_some() {
        return Err("base_url must not contain a user name or password; keys are read from \
                    the environment variable the profile names"
            .into());
    }
    if base.query().is_some() || base.fragment().is_some() {
        return Err(format!("base_url {base_url:?} must not have a query or fragment"));
    }
    if base.scheme() == "http" && !is_loopback(&base) {
        tracing::warn!(url = %base, "Sending credentials over plain HTTP to a remote host.");
    }
    let joined = format!("{}{path}", base.as_str().trim_end_matches('/'));
    Url::parse(&joined).map_err(|e| format!("base_url {base_url:?}: {e}"))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    }
}

/// A header value holding a secret, marked sensitive so HTTP-level logging leaves it out.
///
/// # Errors
///
/// When the value has characters a header cannot carry (the message does not show it).
fn secret_header(value: &str) -> Result<HeaderValue, String> {
    let mut header = HeaderValue::from_str(value)
        .map_err(|_| "the key contains characters an HTTP header cannot carry".to_owned())?;
    header.set_sensitive(true);
    Ok(header)
}

/// The language part of a voice name such as `en-GB-Neural2-B` or `en-US-AvaNeural`.
fn language_of_voice(voice: &str) -> Option<String> {
    let mut parts = voice.split('-');
    let (lang, region) = (parts.next()?, parts.next()?);
    let plausible = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic());
    plausible.then(|| format!("{lang}-{region}"))
}

/// One line of a voice listing, `id — detail, detail` as the other engines write theirs;
/// empty details are left out.
fn voice_line<'a>(id: &str, details: impl IntoIterator<Item = &'a str>) -> String {
    let details: Vec<&str> = details.into_iter().map(str::trim).filter(|d| !d.is_empty()).collect();
    if details.is_empty() { id.to_owned() } else { format!("{id} — {}", details.join(", ")) }
}

/// A gender as providers spell it (`FEMALE`, `female`, `Female`) written one way, `Female`;
/// the "unspecified" values say nothing and give `None`.
fn gender(value: &str) -> Option<String> {
    let value = value.trim().to_ascii_lowercase();
    let mut chars = value.chars();
    let first = chars.next()?;
    let unsaid = value.contains("unspecified") || value == "unknown";
    (!unsaid).then(|| first.to_ascii_uppercase().to_string() + chars.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tts::{SynthError, Synthesizer};

    #[test]
    fn endpoints_join_the_base_and_keep_a_proxy_prefix() {
        let url = endpoint("http://127.0.0.1:8000", "/v1/audio/speech").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8000/v1/audio/speech");
        let url = endpoint("https://proxy.example/tts/", "/v1/speech").unwrap();
        assert_eq!(url.as_str(), "https://proxy.example/tts/v1/speech");
    }

    #[test]
    fn a_base_url_with_credentials_or_a_query_is_refused_without_echoing_the_secret() {
        let err = endpoint("https://user:hunter22@api.example", "/x").unwrap_err();
        assert!(!err.contains("hunter22"), "{err}");
        assert!(endpoint("https://api.example/?key=abc", "/x").is_err());
        assert!(endpoint("ftp://api.example", "/x").is_err());
        assert!(endpoint("not a url", "/x").is_err());
    }

    #[test]
    fn a_secret_header_is_marked_sensitive_and_bad_keys_are_not_echoed() {
        assert!(secret_header("Bearer sk-1").unwrap().is_sensitive());
        let err = secret_header("sk-1\nInjected: yes").unwrap_err();
        assert!(!err.contains("sk-1"), "{err}");
    }

    #[test]
    fn every_example_profile_builds_once_its_keys_are_set() {
        let keys = testing::env(&[
            ("OPENAI_API_KEY", "k"),
            ("ELEVENLABS_API_KEY", "k"),
            ("GOOGLE_API_KEY", "k"),
            ("AZURE_SPEECH_KEY", "k"),
            ("AWS_ACCESS_KEY_ID", "k"),
            ("AWS_SECRET_ACCESS_KEY", "k"),
        ]);
        let load = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("voices/{name}-example.toml"));
            crate::tts::VoiceProfile::load(&path).unwrap()
        };
        let openai = openai::build_with(&load("openai"), &keys).unwrap();
        assert!(openai.price().is_some());
        elevenlabs::build_with(&load("elevenlabs"), &keys).unwrap();
        google::build_with(&load("google"), &keys).unwrap();
        azure::build_with(&load("azure"), &keys).unwrap();
        polly::build_with(&load("polly"), &keys).unwrap();
        for name in ["openai", "elevenlabs", "google", "azure", "polly"] {
            let err = crate::tts::registry::build(&load(name)).err();
            // Without keys in the environment the error names the variable; with them the
            // backend builds. Either way the profile itself is valid.
            assert!(err.is_none_or(|e| matches!(e, SynthError::MissingKey { .. })), "{name}");
        }
    }

    /// Build a backend and check neither its `Debug` output nor its settings show `secret`.
    fn keeps_hidden<T: std::fmt::Debug + Synthesizer>(built: Result<T, SynthError>, secret: &str) {
        let backend = built.unwrap();
        let shown = format!("{backend:?} {backend:#?} {}", backend.settings());
        assert!(shown.contains("***") || shown.contains("Sensitive"), "{shown}");
        assert!(!shown.contains(secret), "{}: {shown}", backend.name());
    }

    #[test]
    fn no_backend_shows_its_keys_in_settings_or_debug_output() {
        let secret = "Zq9-very-secret-key-7Xw";
        let keys = testing::env(&[
            ("OPENAI_API_KEY", secret),
            ("ELEVENLABS_API_KEY", secret),
            ("GOOGLE_API_KEY", secret),
            ("AZURE_SPEECH_KEY", secret),
            ("AWS_ACCESS_KEY_ID", secret),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_SESSION_TOKEN", secret),
        ]);
        let p = testing::profile;
        keeps_hidden(openai::build_with(&p("backend = \"openai\""), &keys), secret);
        let eleven = p("backend = \"elevenlabs\"\nvoice_id = \"v\"");
        keeps_hidden(elevenlabs::build_with(&eleven, &keys), secret);
        keeps_hidden(google::build_with(&p("backend = \"google\""), &keys), secret);
        let azure = p("backend = \"azure\"\nregion = \"x\"");
        keeps_hidden(azure::build_with(&azure, &keys), secret);
        keeps_hidden(polly::build_with(&p("backend = \"polly\""), &keys), secret);
    }

    #[test]
    fn voice_lines_join_the_details_that_are_there() {
        assert_eq!(voice_line("Joanna", ["en-US", "", " Female "]), "Joanna — en-US, Female");
        assert_eq!(voice_line("af_bella", []), "af_bella");
    }

    #[test]
    fn genders_are_written_one_way_and_unspecified_ones_are_dropped() {
        assert_eq!(gender("FEMALE").as_deref(), Some("Female"));
        assert_eq!(gender("male").as_deref(), Some("Male"));
        assert_eq!(gender("SSML_VOICE_GENDER_UNSPECIFIED"), None);
        assert_eq!(gender(""), None);
    }

    #[test]
    fn a_voice_name_gives_its_language() {
        assert_eq!(language_of_voice("en-GB-Neural2-B").as_deref(), Some("en-GB"));
        assert_eq!(language_of_voice("cmn-CN-Wavenet-A").as_deref(), Some("cmn-CN"));
        assert_eq!(language_of_voice("Joanna"), None);
    }
}

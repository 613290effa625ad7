//! API keys: read from the environment once, when a backend is built, and kept out of every
//! log line, error, `Debug` output, cache key and manifest.

use std::fmt;

use crate::tts::SynthError;

/// A credential. Its `Debug` prints `***` and it has no `Display` or `Serialize`, so it
/// cannot reach a log line, an error message or a manifest by accident; the only way to its
/// value is [`Secret::expose`], used where a request is put together.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// Wrap a credential.
    #[cfg(test)]
    pub(crate) fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, to put in a request.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where backends read their keys: the process environment, or a map in tests (which keeps
/// tests from racing on the real environment).
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Read a required key from `var`. `setting` is the profile key naming the variable, for
/// the error.
///
/// # Errors
///
/// [`SynthError::MissingKey`] naming the variable (never a value) when it is unset or empty.
pub(crate) fn required(
    backend: &str,
    var: &str,
    setting: &str,
    env: Env<'_>,
) -> Result<Secret, SynthError> {
    optional(var, env).ok_or_else(|| SynthError::MissingKey {
        backend: backend.to_owned(),
        var: var.to_owned(),
        setting: setting.to_owned(),
    })
}

/// Read a key that may be absent; an empty value counts as absent.
pub(crate) fn optional(var: &str, env: Env<'_>) -> Option<Secret> {
    env(var).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).map(Secret)
}

/// `text` with every secret (as written, and percent-encoded as it would be in a URL)
/// replaced by `***`: for anything a server or a library says back to us.
pub(crate) fn redact(text: &str, secrets: &[Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.0.len() >= 4) {
        let encoded: String = url::form_urlencoded::byte_serialize(secret.0.as_bytes()).collect();
        out = out.replace(&secret.0, "***").replace(&encoded, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = Secret::new("sk-live-abcdef123456");
        assert_eq!(format!("{key:?}"), "***");
        let wrapped = Some(vec![key]);
        assert!(!format!("{wrapped:?} {wrapped:#?}").contains("abcdef"));
    }

    #[test]
    fn a_missing_or_empty_variable_names_the_variable_and_no_value() {
        let env = |name: &str| (name == "EMPTY").then(|| "  ".to_owned());
        for var in ["UNSET", "EMPTY"] {
            let err = required("openai", var, "api_key_env", &env).unwrap_err().to_string();
            assert!(err.contains(var) && err.contains("api_key_env"), "{err}");
        }
    }

    #[test]
    fn a_present_variable_is_read_and_trimmed() {
        let env = |name: &str| (name == "KEY").then(|| "secret-value\n".to_owned());
        assert_eq!(required("x", "KEY", "k", &env).unwrap().expose(), "secret-value");
    }

    #[test]
    fn redaction_removes_plain_and_url_encoded_keys() {
        let secrets = [Secret::new("wJalr/K7MDENG+bPxRfi"), Secret::new("sk-123456")];
        let said = "bad key sk-123456; signature for wJalr/K7MDENG+bPxRfi or \
                    wJalr%2FK7MDENG%2BbPxRfi";
        let out = redact(said, &secrets);
        assert_eq!(out, "bad key ***; signature for *** or ***");
    }
}

//! The profile keys every cloud backend shares: limits, timeouts, retries and price.
//!
//! They are taken out of the profile's table before the provider's own settings are read,
//! and each half is deserialized with unknown keys rejected, so a typo in either is an error
//! naming the key (a `flatten` would let it through silently).

use std::time::Duration;

use serde::Deserialize;

use crate::tts::SynthError;
use crate::tts::VoiceProfile;
use crate::tts::cost::Price;
use crate::tts::retry::RetryPolicy;

/// The shared HTTP settings of a cloud voice profile.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct HttpOptions {
    /// Requests in flight at once. Default: the provider's (see each backend).
    pub(crate) concurrency: Option<usize>,
    /// Most request starts per minute; unset for no limit. Default: none.
    pub(crate) requests_per_minute: Option<u32>,
    /// Seconds to wait for a connection. Default: 10.
    pub(crate) connect_timeout_secs: f64,
    /// Seconds for a whole request, answer included. Default: 120.
    pub(crate) timeout_secs: f64,
    /// Retries after a failure that may be retried. Default: 4.
    pub(crate) max_retries: u32,
    /// First backoff in milliseconds; each later one doubles. Default: 500.
    pub(crate) retry_base_ms: u64,
    /// Longest backoff in seconds. Default: 30.
    pub(crate) retry_max_delay_secs: f64,
    /// Seconds from a chunk's first attempt after which no retry starts. Default: 180.
    pub(crate) retry_budget_secs: f64,
    /// What a million billed characters cost, for `--dry-run`. Default: none.
    pub(crate) price_per_million_chars: Option<f64>,
    /// The price's currency. Default: `"USD"`.
    pub(crate) currency: String,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            concurrency: None,
            requests_per_minute: None,
            connect_timeout_secs: 10.0,
            timeout_secs: 120.0,
            max_retries: 4,
            retry_base_ms: 500,
            retry_max_delay_secs: 30.0,
            retry_budget_secs: 180.0,
            price_per_million_chars: None,
            currency: "USD".into(),
        }
    }
}

/// The keys of [`HttpOptions`], as written in a profile.
const KEYS: &[&str] = &[
    "concurrency",
    "requests_per_minute",
    "connect_timeout_secs",
    "timeout_secs",
    "max_retries",
    "retry_base_ms",
    "retry_max_delay_secs",
    "retry_budget_secs",
    "price_per_million_chars",
    "currency",
];

impl HttpOptions {
    /// Check the values, adding every problem to `problems`.
    fn validate(&self, problems: &mut Vec<String>) {
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if self.concurrency == Some(0) {
            problems.push("concurrency must be at least 1".into());
        }
        if self.requests_per_minute == Some(0) {
            problems.push("requests_per_minute must be at least 1 (or left out)".into());
        }
        for (key, value) in [
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("timeout_secs", self.timeout_secs),
            ("retry_max_delay_secs", self.retry_max_delay_secs),
            ("retry_budget_secs", self.retry_budget_secs),
        ] {
            if !positive(value) {
                problems.push(format!("{key} must be a positive number of seconds"));
            }
        }
        if self.price_per_million_chars.is_some_and(|p| !p.is_finite() || p < 0.0) {
            problems.push("price_per_million_chars must be zero or more".into());
        }
    }

    /// Seconds to wait for a connection.
    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.connect_timeout_secs)
    }

    /// Seconds for a whole request.
    pub(crate) fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout_secs)
    }

    /// The retry policy these settings describe.
    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries,
            base_delay: Duration::from_millis(self.retry_base_ms),
            max_delay: Duration::from_secs_f64(self.retry_max_delay_secs),
            budget: Duration::from_secs_f64(self.retry_budget_secs),
        }
    }

    /// The price, if the profile gives one.
    pub(crate) fn price(&self) -> Option<Price> {
        self.price_per_million_chars
            .map(|p| Price { per_million_chars: p, currency: self.currency.clone() })
    }
}

/// Read a cloud profile: the shared [`HttpOptions`] and the provider's own settings `P`.
/// `check` adds the provider's own problems; all problems are reported together.
///
/// # Errors
///
/// [`SynthError::Profile`] listing every unknown key and bad value.
pub(crate) fn read<P: serde::de::DeserializeOwned>(
    profile: &VoiceProfile,
    backend: &str,
    check: impl FnOnce(&P, &mut Vec<String>),
) -> Result<(HttpOptions, P), SynthError> {
    let mut own = profile.settings.clone();
    let mut shared = toml::Table::new();
    for key in KEYS {
        if let Some(value) = own.remove(*key) {
            shared.insert((*key).to_owned(), value);
        }
    }
    let split = |settings| VoiceProfile { settings, ..profile.clone() };
    let mut problems = Vec::new();
    let options = split(shared).backend_settings::<HttpOptions>();
    let provider = split(own).backend_settings::<P>().map_err(|e| {
        if e.contains("unknown field") {
            format!("{e}, or one of the shared HTTP settings: {}", KEYS.join(", "))
        } else {
            e
        }
    });
    match &options {
        Ok(options) => options.validate(&mut problems),
        Err(e) => problems.push(e.clone()),
    }
    match &provider {
        Ok(provider) => check(provider, &mut problems),
        Err(e) => problems.push(e.clone()),
    }
    match (options, provider) {
        (Ok(options), Ok(provider)) if problems.is_empty() => Ok((options, provider)),
        _ => Err(SynthError::Profile {
            backend: backend.to_owned(),
            profile: profile.origin(),
            message: problems.join("; "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Own {
        voice: String,
    }

    fn profile(text: &str) -> VoiceProfile {
        VoiceProfile::parse("p", None, &format!("backend = \"x\"\n{text}")).unwrap()
    }

    #[test]
    fn shared_and_provider_keys_are_read_from_one_table() {
        let p = profile("voice = \"v\"\nrequests_per_minute = 60\ntimeout_secs = 2.5\n");
        let (options, own) = read::<Own>(&p, "x", |_, _| {}).unwrap();
        assert_eq!(own.voice, "v");
        assert_eq!(options.requests_per_minute, Some(60));
        assert_eq!(options.timeout(), Duration::from_millis(2500));
        assert_eq!(options.max_retries, 4);
    }

    #[test]
    fn integer_seconds_are_accepted_where_fractions_are_allowed() {
        let (options, _) =
            read::<Own>(&profile("voice = \"v\"\ntimeout_secs = 30\n"), "x", |_, _| {}).unwrap();
        assert_eq!(options.timeout(), Duration::from_secs(30));
    }

    #[test]
    fn every_unknown_key_and_bad_value_is_reported_together() {
        let p = profile("voice = \"v\"\nvoise = 1\nconcurrency = 0\ntimeout_secs = -1\n");
        let err = read::<Own>(&p, "x", |_, problems| problems.push("own problem".into()))
            .unwrap_err()
            .to_string();
        for part in ["voise", "shared HTTP settings", "concurrency must be", "timeout_secs must"] {
            assert!(err.contains(part), "{part} in {err}");
        }
    }
}

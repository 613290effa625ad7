//! `--rate`, `--pitch` and `--volume`: the voice's own knobs, set from the command line in
//! the backend's own units, for the backends that have them.
//!
//! | backend      | `--rate`                         | `--pitch`                  | `--volume`                  |
//! |--------------|----------------------------------|----------------------------|-----------------------------|
//! | `espeak-ng`  | `rate`, words per minute (165)   | `pitch`, 0–99 (50)         | —                           |
//! | `piper`      | `length_scale`, >1 slower (1.0)  | —                          | —                           |
//! | `openai`     | `speed`, 0.25–4.0 (1.0)          | —                          | —                           |
//! | `elevenlabs` | `speed`, 0.7–1.2                 | —                          | —                           |
//! | `google`     | `speaking_rate`, 0.25–4.0 (1.0)  | `pitch`, semitones ±20 (0) | `volume_gain_db`, dB ±16 (0) |
//! | `azure`      | `rate`, e.g. `"+10%"`, `"slow"`  | `pitch`, e.g. `"-2st"`     | —                           |
//!
//! A knob is written into the voice profile's settings before its backend is built, so the
//! backend checks the value as it checks the profile's, and the chunk cache keys on it.
//! Asking a backend for a knob it does not have is an error naming the ones that do.

use crate::config::{ConfigError, VoiceProfile};

/// The knobs and, per backend, the setting each one sets.
const TABLE: &[(&str, [Option<&str>; 3])] = &[
    ("espeak-ng", [Some("rate"), Some("pitch"), None]),
    ("piper", [Some("length_scale"), None, None]),
    ("openai", [Some("speed"), None, None]),
    ("elevenlabs", [Some("speed"), None, None]),
    ("google", [Some("speaking_rate"), Some("pitch"), Some("volume_gain_db")]),
    ("azure", [Some("rate"), Some("pitch"), None]),
];

/// The knobs' names, in [`TABLE`]'s column order.
const NAMES: [&str; 3] = ["rate", "pitch", "volume"];

/// Values for the knobs, as given on the command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Knobs {
    /// `--rate`.
    pub rate: Option<String>,
    /// `--pitch`.
    pub pitch: Option<String>,
    /// `--volume`.
    pub volume: Option<String>,
}

impl Knobs {
    /// Whether no knob is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rate.is_none() && self.pitch.is_none() && self.volume.is_none()
    }

    /// Set the knobs in `profile`'s settings.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the knob when the profile's backend has no such
    /// setting, and the backends that do.
    pub fn apply(&self, profile: &mut VoiceProfile) -> Result<(), ConfigError> {
        let backend = TABLE.iter().find(|(name, _)| *name == profile.backend);
        for (column, value) in [&self.rate, &self.pitch, &self.volume].into_iter().enumerate() {
            let Some(value) = value else { continue };
            let knob = NAMES[column];
            let Some(key) = backend.and_then(|(_, keys)| keys[column]) else {
                let offered: Vec<String> = TABLE
                    .iter()
                    .filter_map(|(name, keys)| keys[column].map(|key| format!("{name} ({key})")))
                    .collect();
                return Err(ConfigError::Invalid {
                    file: format!("--{knob}"),
                    problems: vec![format!(
                        "voice {} (backend {}) has no {knob} setting; --{knob} works with {}",
                        profile.name,
                        profile.backend,
                        offered.join(", ")
                    )],
                });
            };
            profile.settings.insert(key.to_owned(), parse(value));
        }
        Ok(())
    }
}

/// A command-line value as TOML: an integer, a number, else a string (`"+10%"`).
fn parse(value: &str) -> toml::Value {
    let value = value.trim();
    if let Ok(n) = value.parse::<i64>() {
        toml::Value::Integer(n)
    } else if let Ok(x) = value.parse::<f64>() {
        toml::Value::Float(x)
    } else {
        toml::Value::String(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(backend: &str) -> VoiceProfile {
        let text = format!("backend = {backend:?}\nrate = 165\n");
        VoiceProfile::parse("test-voice", None, &text).unwrap()
    }

    #[test]
    fn a_knob_sets_the_backends_own_setting_in_its_own_units() {
        let knobs = Knobs { rate: Some("200".into()), pitch: Some("30".into()), volume: None };
        let mut espeak = profile("espeak-ng");
        knobs.apply(&mut espeak).unwrap();
        assert_eq!(espeak.settings["rate"], toml::Value::Integer(200));
        assert_eq!(espeak.settings["pitch"], toml::Value::Integer(30));
        let mut piper = profile("piper");
        Knobs { rate: Some("1.2".into()), ..Knobs::default() }.apply(&mut piper).unwrap();
        assert_eq!(piper.settings["length_scale"], toml::Value::Float(1.2));
        let mut azure = profile("azure");
        Knobs { rate: Some("+10%".into()), ..Knobs::default() }.apply(&mut azure).unwrap();
        assert_eq!(azure.settings["rate"], toml::Value::String("+10%".into()));
    }

    #[test]
    fn a_knob_the_backend_lacks_is_refused_naming_the_backends_that_have_it() {
        let knobs = Knobs { volume: Some("3".into()), ..Knobs::default() };
        let error = knobs.apply(&mut profile("espeak-ng")).unwrap_err().to_string();
        assert!(error.contains("--volume"), "{error}");
        assert!(error.contains("backend espeak-ng) has no volume setting"), "{error}");
        assert!(error.contains("google (volume_gain_db)"), "{error}");
        let error = Knobs { pitch: Some("1".into()), ..Knobs::default() }
            .apply(&mut profile("tone"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("no pitch setting"), "{error}");
    }
}

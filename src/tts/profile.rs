//! Voice profiles: `voices/NAME.toml`, one backend and its settings each.
//!
//! A profile's common keys are read here; everything else belongs to the backend named by
//! `backend`, which deserializes its own table (with unknown keys rejected) when it is built.
//! Reading `backend` first, instead of a tagged enum, is what keeps unknown keys errors.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::errors::{ConfigError, toml_message};

/// The profiles shipped in `voices/`, compiled in so an installed binary works anywhere.
const BUILTIN: &[(&str, &str)] = &[
    ("espeak-en-gb", include_str!("../../voices/espeak-en-gb.toml")),
    ("espeak-en-us", include_str!("../../voices/espeak-en-us.toml")),
    ("espeak-de", include_str!("../../voices/espeak-de.toml")),
    ("espeak-fr", include_str!("../../voices/espeak-fr.toml")),
    ("espeak-es", include_str!("../../voices/espeak-es.toml")),
    ("espeak-pt", include_str!("../../voices/espeak-pt.toml")),
    ("flite", include_str!("../../voices/flite.toml")),
    ("piper-en-us", include_str!("../../voices/piper-en-us.toml")),
];

/// A voice profile, with the backend's own settings left for the backend to read.
#[derive(Clone, Debug)]
pub struct VoiceProfile {
    /// The profile's name: its file stem.
    pub name: String,
    /// Where it was read from, or `None` for a built-in profile.
    pub path: Option<PathBuf>,
    /// The backend kind, e.g. `espeak-ng`.
    pub backend: String,
    /// What the voice is, for `articulate voices`.
    pub description: Option<String>,
    /// The language(s) it speaks, BCP 47.
    pub languages: Vec<String>,
    /// `[lexicon]`: how to say the words this voice gets wrong (see `segment::Lexicon`).
    pub lexicon: toml::Table,
    /// Whether lexicon entries match regardless of case, if the profile says.
    pub lexicon_ignore_case: Option<bool>,
    /// The backend's own keys.
    pub settings: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    backend: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    language: Option<Languages>,
    #[serde(default)]
    lexicon: toml::Table,
    #[serde(default)]
    lexicon_ignore_case: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Languages {
    One(String),
    Many(Vec<String>),
}

const COMMON_KEYS: &[&str] =
    &["backend", "description", "language", "lexicon", "lexicon_ignore_case"];

impl VoiceProfile {
    /// Parse a profile from TOML text. `origin` names it in errors.
    ///
    /// # Errors
    ///
    /// Invalid TOML or a missing or mistyped common key.
    pub fn parse(name: &str, path: Option<&Path>, text: &str) -> Result<VoiceProfile, ConfigError> {
        let origin =
            path.map_or_else(|| format!("built-in voice {name}"), |p| p.display().to_string());
        let invalid = |message: String| ConfigError::Invalid {
            file: origin.clone(),
            problems: vec![message],
        };
        let mut table: toml::Table = toml::from_str(text).map_err(|e| invalid(toml_message(&e)))?;
        let mut common = toml::Table::new();
        for key in COMMON_KEYS {
            if let Some(v) = table.remove(*key) {
                common.insert((*key).to_owned(), v);
            }
        }
        let common: Common =
            common.try_into().map_err(|e: toml::de::Error| invalid(toml_message(&e)))?;
        let languages = match common.language {
            None => Vec::new(),
            Some(Languages::One(l)) => vec![l],
            Some(Languages::Many(ls)) => ls,
        };
        Ok(VoiceProfile {
            name: name.to_owned(),
            path: path.map(Path::to_path_buf),
            backend: common.backend,
            description: common.description,
            languages,
            lexicon: common.lexicon,
            lexicon_ignore_case: common.lexicon_ignore_case,
            settings: table,
        })
    }

    /// Find a profile by name in `voices_dir` (then among the built-ins), or read it from a
    /// path when `name_or_path` ends in `.toml` or contains a path separator.
    ///
    /// # Errors
    ///
    /// An unknown name (the message lists the known ones) or an unreadable or invalid file.
    pub fn resolve(name_or_path: &str, voices_dir: &Path) -> Result<VoiceProfile, ConfigError> {
        let as_path = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || name_or_path.contains(std::path::MAIN_SEPARATOR) {
            return Self::load(as_path);
        }
        let file = voices_dir.join(format!("{name_or_path}.toml"));
        if file.is_file() {
            return Self::load(&file);
        }
        if let Some((name, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(name, None, text);
        }
        Err(ConfigError::UnknownVoice {
            name: name_or_path.to_owned(),
            known: Self::available(voices_dir)
                .into_iter()
                .map(|(n, _)| n)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// Read a profile file.
    ///
    /// # Errors
    ///
    /// An unreadable or invalid file.
    pub fn load(path: &Path) -> Result<VoiceProfile, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { file: path.display().to_string(), source })?;
        let stem = path.file_stem().map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        Self::parse(&stem, Some(path), &text)
    }

    /// Every profile name available: files in `voices_dir` and the built-ins, sorted, with
    /// the file each came from (`None` for built-ins not on disk).
    #[must_use]
    pub fn available(voices_dir: &Path) -> Vec<(String, Option<PathBuf>)> {
        let mut found: Vec<(String, Option<PathBuf>)> = std::fs::read_dir(voices_dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), Some(p))))
            .collect();
        for (name, _) in BUILTIN {
            if !found.iter().any(|(n, _)| n == name) {
                found.push(((*name).to_owned(), None));
            }
        }
        found.sort();
        found
    }

    /// The name shown in errors: the file path if there is one.
    #[must_use]
    pub fn origin(&self) -> String {
        self.path.as_ref().map_or_else(|| self.name.clone(), |p| p.display().to_string())
    }

    /// Deserialize the backend's own settings, rejecting unknown keys.
    ///
    /// # Errors
    ///
    /// The deserializer's message, on one line, naming the key.
    pub fn backend_settings<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        self.settings.clone().try_into().map_err(|e: toml::de::Error| toml_message(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_keys_are_split_from_backend_settings() {
        let p = VoiceProfile::parse(
            "x",
            None,
            "backend = \"espeak-ng\"\nlanguage = \"en-GB\"\nvoice = \"en-gb\"\n",
        )
        .unwrap();
        assert_eq!(p.backend, "espeak-ng");
        assert_eq!(p.languages, ["en-GB"]);
        assert!(p.settings.contains_key("voice") && !p.settings.contains_key("backend"));
    }

    #[test]
    fn unknown_voice_lists_the_known_ones() {
        let err = VoiceProfile::resolve("nope", Path::new("/nonexistent")).unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("espeak-en-gb"), "{err}");
    }

    #[test]
    fn a_profile_without_backend_is_an_error() {
        assert!(VoiceProfile::parse("x", None, "voice = \"en\"").is_err());
    }
}

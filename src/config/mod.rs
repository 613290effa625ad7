//! Configuration: `config.toml` for the pipeline, `voices/*.toml` for voice profiles.
//!
//! Loading runs in two phases. Each section is deserialized on its own (unknown keys are
//! errors naming the key), then every section validates itself without I/O. [`Config::load`]
//! then reads the files the configuration applies to every article (the house pronunciation
//! dictionary) and checks them too; all problems are reported together, before any work
//! starts.

use std::path::{Path, PathBuf};

use serde::Deserialize;

// Both live lower down so a TTS backend can read its profile without depending on the
// applications this module aggregates; the old paths stay for publishers.
pub use crate::errors::ConfigError;
pub use crate::tts::VoiceProfile;

use crate::audio::AudioConfig;
use crate::batch::BatchConfig;
use crate::extract::ExtractConfig;
use crate::narrate::VoicesConfig;
use crate::output::OutputConfig;
use crate::segment::lexicon::LexiconTable;
use crate::segment::{InterludeConfig, Lexicon, SegmentConfig};
use crate::serve::ServeConfig;

/// The documented defaults, compiled in: used when no `config.toml` is found.
pub const DEFAULT_CONFIG: &str = include_str!("../../config.toml");

/// The house pronunciation dictionary's default path, relative to the config file. Unlike a
/// path set in `[narrate] lexicon`, it may be missing: then there are no house entries.
pub const DEFAULT_HOUSE_LEXICON: &str = "lexicon.toml";

/// `[narrate]`: what `articulate narrate` does when no flag says otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NarrateConfig {
    /// Voice profile name (in `voices/`) or path. Default: `"piper-en-us"`.
    pub voice: String,
    /// Where outputs go. Default: `"audio_out"`.
    pub output_dir: PathBuf,
    /// Most chunks synthesized at once (a backend may allow fewer). Default: 4.
    pub concurrency: usize,
    /// Where voice profiles live, relative to the config file. Default: `"voices"`.
    pub voices_dir: PathBuf,
    /// Reuse audio already synthesized for identical text and settings. Default: true.
    pub cache: bool,
    /// Where the chunk cache lives; empty means `$XDG_CACHE_HOME/articulate`, else
    /// `~/.cache/articulate`. Default: `""`.
    pub cache_dir: PathBuf,
    /// The chunk cache as a URL, used instead of `cache_dir` when set: `s3://bucket/prefix`
    /// for any S3-compatible store (endpoint and credentials from `AWS_ENDPOINT_URL`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`), so many workers share
    /// one cache. Default: `""`.
    pub cache_url: String,
    /// The house pronunciation dictionary: a TOML file with a `[lexicon]` table, applied to
    /// every voice under the profile's own. Empty for none. Default: `"lexicon.toml"`, which
    /// may be missing (see [`DEFAULT_HOUSE_LEXICON`]).
    pub lexicon: PathBuf,
    /// Whether lexicon entries match regardless of case (a profile may override).
    /// Default: false.
    pub lexicon_ignore_case: bool,
    /// Listen to every chunk before publishing: `true`, `false` or `"best-effort"` (see
    /// [`crate::verify`]). Default: false.
    pub verify: crate::verify::VerifyMode,
    /// Where word timings come from: `"auto"`, `"always"` or `"off"`. Default: `"auto"`.
    pub word_timings: crate::verify::WordTimings,
}

impl Default for NarrateConfig {
    fn default() -> Self {
        NarrateConfig {
            voice: "piper-en-us".into(),
            output_dir: "audio_out".into(),
            concurrency: 4,
            voices_dir: "voices".into(),
            cache: true,
            cache_dir: PathBuf::new(),
            cache_url: String::new(),
            lexicon: DEFAULT_HOUSE_LEXICON.into(),
            lexicon_ignore_case: false,
            verify: crate::verify::VerifyMode::Off,
            word_timings: crate::verify::WordTimings::Auto,
        }
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// `[narrate]`
    pub narrate: NarrateConfig,
    /// `[extract]`
    pub extract: ExtractConfig,
    /// `[segment]`
    pub segment: SegmentConfig,
    /// `[audio]`
    pub audio: AudioConfig,
    /// `[output]`
    pub output: OutputConfig,
    /// `[voices]`
    pub voices: VoicesConfig,
    /// `[intro]`
    pub intro: InterludeConfig,
    /// `[outro]`
    pub outro: InterludeConfig,
    /// `[batch]`
    pub batch: BatchConfig,
    /// `[serve]`
    pub serve: ServeConfig,
    /// `[verify]`
    pub verify: crate::verify::VerifyConfig,
    /// The directory relative paths in the file are resolved against.
    pub base_dir: PathBuf,
    /// The house pronunciation dictionary, read by [`Config::load`] (empty after
    /// [`Config::parse`], which reads no file).
    pub house_lexicon: LexiconTable,
}

impl Config {
    /// Load `path`, or `./config.toml` if it exists, or the built-in defaults, and the house
    /// pronunciation dictionary it names.
    ///
    /// # Errors
    ///
    /// An unreadable file, or every problem found in it and in the house dictionary.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let local = Path::new("config.toml");
        let path = path.or_else(|| local.is_file().then_some(local));
        let (text, file, base_dir) = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    file: p.display().to_string(),
                    source,
                })?;
                let base = p.parent().map_or_else(PathBuf::new, Path::to_path_buf);
                (text, p.display().to_string(), base)
            }
            None => (DEFAULT_CONFIG.to_owned(), "built-in config.toml".to_owned(), PathBuf::new()),
        };
        let (mut config, problems) = Self::sections(&text, &file, base_dir)?;
        let mut errors = Vec::new();
        if !problems.is_empty() {
            errors.push(ConfigError::Invalid { file: file.clone(), problems });
        }
        // Read even when the config has problems, so both files' mistakes come at once.
        match config.read_house_lexicon(&file) {
            Ok(table) => config.house_lexicon = table,
            Err(e) => errors.push(e),
        }
        match errors.len() {
            0 => Ok(config),
            1 => Err(errors.remove(0)),
            _ => Err(ConfigError::Several(errors)),
        }
    }

    /// Parse and validate configuration text; `file` names it in errors. No file is read:
    /// the house dictionary is left empty.
    ///
    /// # Errors
    ///
    /// Every problem found, in one [`ConfigError::Invalid`].
    pub fn parse(text: &str, file: &str, base_dir: PathBuf) -> Result<Config, ConfigError> {
        let (config, problems) = Self::sections(text, file, base_dir)?;
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid { file: file.to_owned(), problems })
        }
    }

    /// Every section read and validated, with the problems found (a config with defaults
    /// where a section was wrong), or a TOML syntax error.
    fn sections(
        text: &str,
        file: &str,
        base_dir: PathBuf,
    ) -> Result<(Config, Vec<String>), ConfigError> {
        let invalid = |problems| ConfigError::Invalid { file: file.to_owned(), problems };
        let table: toml::Table =
            toml::from_str(text).map_err(|e| invalid(vec![crate::errors::toml_message(&e)]))?;
        let mut problems = Vec::new();
        let mut config = Config { base_dir, ..Config::default() };
        for (key, value) in table {
            match key.as_str() {
                "narrate" => {
                    // Kept even when the section has a mistake elsewhere, so the house
                    // dictionary's own problems are reported with it.
                    let lexicon =
                        value.get("lexicon").and_then(toml::Value::as_str).map(PathBuf::from);
                    section(&key, value, &mut config.narrate, &mut problems);
                    if let Some(lexicon) = lexicon {
                        config.narrate.lexicon = lexicon;
                    }
                }
                "extract" => section(&key, value, &mut config.extract, &mut problems),
                "segment" => section(&key, value, &mut config.segment, &mut problems),
                "audio" => section(&key, value, &mut config.audio, &mut problems),
                "output" => section(&key, value, &mut config.output, &mut problems),
                "voices" => section(&key, value, &mut config.voices, &mut problems),
                "intro" => section(&key, value, &mut config.intro, &mut problems),
                "outro" => section(&key, value, &mut config.outro, &mut problems),
                "batch" => section(&key, value, &mut config.batch, &mut problems),
                "serve" => section(&key, value, &mut config.serve, &mut problems),
                "verify" => section(&key, value, &mut config.verify, &mut problems),
                _ => problems.push(format!(
                    "unknown section [{key}]; known sections: narrate, voices, extract, segment, \
                     audio, output, intro, outro, batch, serve, verify"
                )),
            }
        }
        if config.narrate.concurrency == 0 {
            problems.push("[narrate] concurrency must be at least 1".into());
        }
        config.extract.validate(&mut problems);
        config.segment.validate(&mut problems);
        config.audio.validate(&mut problems);
        config.output.validate(&mut problems);
        let rate = crate::model::SampleRate(config.audio.sample_rate);
        config.output.validate_for(&config.output.formats, rate, &mut problems);
        config.intro.validate("intro", &mut problems);
        config.outro.validate("outro", &mut problems);
        config.batch.validate(&mut problems);
        config.serve.validate(&mut problems);
        config.verify.validate(&mut problems);
        Ok((config, problems))
    }

    /// Where the house pronunciation dictionary is, if one is configured.
    #[must_use]
    pub fn house_lexicon_path(&self) -> Option<PathBuf> {
        let path = &self.narrate.lexicon;
        (!path.as_os_str().is_empty()).then(|| self.resolve(path))
    }

    /// Read and check the house dictionary; `config_file` names the config in errors.
    fn read_house_lexicon(&self, config_file: &str) -> Result<LexiconTable, ConfigError> {
        let Some(path) = self.house_lexicon_path() else { return Ok(LexiconTable::default()) };
        let origin = path.display().to_string();
        let invalid = |problems| ConfigError::Lexicon { problems };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && self.narrate.lexicon == Path::new(DEFAULT_HOUSE_LEXICON) =>
            {
                return Ok(LexiconTable { origin, entries: Vec::new() });
            }
            Err(e) => {
                return Err(invalid(vec![format!(
                    "{origin}: cannot read it ({e}); it is named by [narrate] lexicon in \
                     {config_file} (set lexicon = \"\" for no house dictionary)"
                )]));
            }
        };
        let table = LexiconTable::parse_file(&origin, &text)
            .map_err(|problem| invalid(vec![format!("{origin} {problem}")]))?;
        Lexicon::compile(std::slice::from_ref(&table), self.narrate.lexicon_ignore_case)
            .map_err(invalid)?;
        Ok(table)
    }

    /// Resolve a path from the config file against the file's directory.
    #[must_use]
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.base_dir.join(path) }
    }

    /// The chunk cache's directory.
    #[must_use]
    pub fn cache_dir(&self) -> PathBuf {
        if self.narrate.cache_dir.as_os_str().is_empty() {
            crate::cache::ChunkCache::default_dir()
        } else {
            self.resolve(&self.narrate.cache_dir)
        }
    }

    /// The pronunciation lexicon for `voice`: the house dictionary's entries, overridden by
    /// the profile's own.
    ///
    /// # Errors
    ///
    /// Every invalid entry in the profile's `[lexicon]`.
    pub fn lexicon_for(&self, voice: &VoiceProfile) -> Result<Lexicon, ConfigError> {
        let tables =
            [self.house_lexicon.clone(), LexiconTable::from_table(&voice.origin(), &voice.lexicon)];
        let ignore_case = voice.lexicon_ignore_case.unwrap_or(self.narrate.lexicon_ignore_case);
        Lexicon::compile(&tables, ignore_case).map_err(|problems| ConfigError::Lexicon { problems })
    }

    /// The directory voice profiles are looked up in.
    #[must_use]
    pub fn voices_dir(&self) -> PathBuf {
        self.resolve(&self.narrate.voices_dir)
    }
}

fn section<T: serde::de::DeserializeOwned>(
    name: &str,
    value: toml::Value,
    into: &mut T,
    problems: &mut Vec<String>,
) {
    match value.try_into::<T>() {
        Ok(parsed) => *into = parsed,
        Err(e) => problems.push(format!("[{name}] {}", crate::errors::toml_message(&e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_parses_and_equals_the_built_in_defaults() {
        let parsed = Config::parse(DEFAULT_CONFIG, "config.toml", PathBuf::new()).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn unknown_keys_and_sections_are_all_reported_together() {
        let err = Config::parse(
            "[narrate]\nvoise = \"x\"\n[bogus]\n[audio]\nsample_rat = 1\n",
            "c.toml",
            PathBuf::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("voise") && err.contains("bogus") && err.contains("sample_rat"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_serve_section_names_each_wrong_key() {
        let err = Config::parse(
            "[serve]\nlisten = \"nowhere\"\nmax_attempts = 0\ncallback_url = \"ftp://x\"\n",
            "c.toml",
            PathBuf::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("listen") && err.contains("max_attempts") && err.contains("callback_url"),
            "{err}"
        );
    }

    #[test]
    fn every_shipped_voice_profile_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("voices");
        for (name, path) in VoiceProfile::available(&dir) {
            let path = path.unwrap_or_else(|| panic!("built-in {name} is not in voices/"));
            VoiceProfile::load(&path).unwrap();
        }
    }
}

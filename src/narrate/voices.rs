//! Casting: which voice profile speaks which part of an article.
//!
//! `[narrate] voice` (or `--voice`) is the main voice; `[voices]` may give the headline,
//! quotes, list items and so on voices of their own. When the article's language is not one
//! the main voice speaks, and no voice was asked for explicitly, the first profile that
//! speaks it is chosen instead. Backends are built once per profile and reused, and each
//! keeps its declared concurrency across every article narrated at once.
//!
//! Every backend is started ([`Synthesizer::warm_up`]: Piper loads its model) when it is
//! built, before any work. A configured local voice whose engine cannot be installed or
//! started falls back to espeak-ng for the same language, saying so in one line on stderr
//! and in the manifest; a voice asked for with `--voice` never does: it is an error.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use serde::Deserialize;
use tokio::sync::Semaphore;

use crate::cache::{Cached, ChunkCache, Counts, Tally};
use crate::config::{Config, ConfigError, VoiceProfile};
use crate::model::{BlockKind, ManifestFallback, SpeechAudio};
use crate::segment::Lexicon;
use crate::tts::cost::Price;
use crate::tts::{Capabilities, Marked, SynthError, SynthRequest, Synthesizer, registry};
use crate::verify::{Recogniser, Strategy, VerifyError, VerifyMode, WordTimings};

/// `[voices]`: a voice profile per part of the article, keyed by block kind (`headline`,
/// `standfirst`, `heading`, `paragraph`, `list_item`, `quote`, `table_row`, `intro`,
/// `outro`); an unknown kind is an error naming it. Default: none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct VoicesConfig {
    /// Profile name or path per block kind.
    pub parts: BTreeMap<BlockKind, String>,
}

/// A voice ready to speak: its profile, its backend (cached), its lexicon.
#[derive(Clone)]
pub struct Voice {
    /// The profile.
    pub profile: VoiceProfile,
    /// Its backend, behind the chunk cache when caching is on (in a [`Cast`], counting into
    /// the cast's tally).
    pub backend: Arc<dyn Synthesizer>,
    /// Its compiled lexicon.
    pub lexicon: Lexicon,
    /// When this voice stands in for another: which, and why.
    pub fallback: Option<ManifestFallback>,
}

/// The voices for one article: the main one first, and which speaks each block kind.
#[derive(Clone)]
pub struct Cast {
    /// Distinct voices; index 0 is the main voice.
    pub voices: Vec<Voice>,
    /// The run's speech recogniser, when verification or alignment needs one.
    pub recogniser: Option<Arc<Recogniser>>,
    /// The voice a failed chunk is tried again with (`[verify] retry = ["voice"]`).
    pub fallback: Option<Voice>,
    /// The chunk cache, where what the recogniser heard is kept too.
    pub cache: Option<ChunkCache>,
    parts: HashMap<BlockKind, usize>,
    tally: Arc<Tally>,
}

impl Cast {
    /// The index in [`Cast::voices`] of the voice for `kind`.
    #[must_use]
    pub fn for_kind(&self, kind: BlockKind) -> usize {
        self.parts.get(&kind).copied().unwrap_or(0)
    }

    /// The main voice.
    #[must_use]
    pub fn main(&self) -> &Voice {
        &self.voices[0]
    }

    /// What this cast's voices have asked their backends for so far: cache hits, requests
    /// and billed characters.
    #[must_use]
    pub fn counts(&self) -> Counts {
        self.tally.counts()
    }
}

/// A failure to cast voices.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CastError {
    /// A profile or lexicon is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A backend cannot be built.
    #[error(transparent)]
    Backend(#[from] SynthError),
    /// The speech recogniser verification needs is missing.
    #[error(transparent)]
    Recogniser(#[from] VerifyError),
    /// No profile speaks the article's language.
    #[error(
        "no voice profile speaks {language:?}; available languages: {available} \
         (add a profile to voices/ or pass --voice)"
    )]
    NoVoiceForLanguage {
        /// The article's language.
        language: String,
        /// The languages profiles cover.
        available: String,
    },
}

/// Builds and remembers voices; one per run.
pub struct Casting {
    config: Config,
    explicit: Option<String>,
    cache: Option<ChunkCache>,
    built: Mutex<HashMap<String, Voice>>,
    knobs: super::Knobs,
    recogniser: OnceLock<Result<Arc<Recogniser>, String>>,
    /// Voices only estimate what they would bill: cloud ones need no key.
    estimating: bool,
}

impl Casting {
    /// Casting from `config`. `explicit` is the `--voice` given on the command line, which
    /// wins over language matching; `cache_dir` enables the chunk cache.
    #[must_use]
    pub fn new(config: &Config, explicit: Option<String>, cache_dir: Option<PathBuf>) -> Casting {
        let cache = cache_dir.and_then(|dir| match ChunkCache::open(&dir) {
            Ok(cache) => Some(cache),
            Err(e) => {
                tracing::warn!("Chunk cache disabled: {e}");
                None
            }
        });
        Casting::with_cache(config, explicit, cache)
    }

    /// [`Casting::new`] with a cache already opened (any store), or none.
    #[must_use]
    pub fn with_cache(
        config: &Config,
        explicit: Option<String>,
        cache: Option<ChunkCache>,
    ) -> Casting {
        Casting {
            config: config.clone(),
            explicit,
            cache,
            built: Mutex::new(HashMap::new()),
            knobs: super::Knobs::default(),
            recogniser: OnceLock::new(),
            estimating: false,
        }
    }

    /// Every voice with `--rate`, `--pitch` and `--volume` set (see [`super::Knobs`]).
    #[must_use]
    pub fn with_knobs(mut self, knobs: super::Knobs) -> Casting {
        self.knobs = knobs;
        self
    }

    /// Casting for `--dry-run`: its voices say what they would bill and never speak, so a
    /// cloud voice needs no key in the environment.
    #[must_use]
    pub fn for_estimates(config: &Config, explicit: Option<String>) -> Casting {
        Casting { estimating: true, ..Casting::with_cache(config, explicit, None) }
    }

    /// Build and check every voice the configuration names, before any work starts.
    ///
    /// # Errors
    ///
    /// The first profile that cannot be read, compiled or built.
    pub fn check(&self) -> Result<(), CastError> {
        self.configured(self.main_name())?;
        for name in self.config.voices.parts.values() {
            self.configured(name)?;
        }
        self.recogniser()?;
        Ok(())
    }

    /// The run's speech recogniser, started on first use, when `[narrate] verify` or
    /// `word_timings = "always"` needs one; `None` when nothing does, or when it is missing
    /// and verification is only best-effort.
    ///
    /// # Errors
    ///
    /// [`VerifyError::NotInstalled`] naming what is missing and the install command.
    pub fn recogniser(&self) -> Result<Option<Arc<Recogniser>>, VerifyError> {
        let narrate = &self.config.narrate;
        if narrate.verify == VerifyMode::Off && narrate.word_timings != WordTimings::Always {
            return Ok(None);
        }
        let built = self.recogniser.get_or_init(|| {
            let mut verify = self.config.verify.clone();
            for path in [&mut verify.python, &mut verify.model] {
                if !path.as_os_str().is_empty() && path.components().count() > 1 {
                    *path = self.config.resolve(path);
                }
            }
            Recogniser::new(&verify).map(Arc::new).map_err(|e| match e {
                VerifyError::NotInstalled { missing } => missing,
                other => other.to_string(),
            })
        });
        match built {
            Ok(recogniser) => Ok(Some(Arc::clone(recogniser))),
            Err(missing) if narrate.verify == VerifyMode::BestEffort => {
                tracing::warn!(
                    "Segments will be marked unverified: the speech recogniser is not installed ({missing})."
                );
                Ok(None)
            }
            Err(missing) => Err(VerifyError::NotInstalled { missing: missing.clone() }),
        }
    }

    /// The voice a failed chunk is tried again with: `[verify] fallback_voice`, or another
    /// local profile of the main voice's language whose engine is installed.
    fn fallback(&self, main: &Voice, language: Option<&str>) -> Option<Voice> {
        let verify = &self.config.verify;
        if self.config.narrate.verify == VerifyMode::Off || !verify.retry.contains(&Strategy::Voice)
        {
            return None;
        }
        if !verify.fallback_voice.is_empty() {
            return self
                .voice(&verify.fallback_voice)
                .map_err(|e| tracing::warn!("No fallback voice: {e}"))
                .ok();
        }
        let language =
            language.map(str::to_owned).or_else(|| main.profile.languages.first().cloned())?;
        let dir = self.config.voices_dir();
        VoiceProfile::available(&dir).into_iter().find_map(|(name, _)| {
            let profile = VoiceProfile::resolve(&name, &dir).ok()?;
            let usable = profile.name != main.profile.name
                && speaks(&profile, &language)
                && registry::LOCAL.contains(&profile.backend.as_str());
            usable.then(|| self.voice(&name).ok()).flatten()
        })
    }

    fn main_name(&self) -> &str {
        self.explicit.as_deref().unwrap_or(&self.config.narrate.voice)
    }

    /// The cast for an article in `language`, with a tally of its own.
    ///
    /// # Errors
    ///
    /// A profile that cannot be built, or no profile for the language.
    pub fn cast(&self, language: Option<&str>) -> Result<Cast, CastError> {
        let mut main = self.configured(self.main_name())?;
        if let (None, Some(lang)) = (&self.explicit, language)
            && !speaks(&main.profile, lang)
        {
            let requested = main.fallback.as_ref().map_or(&main.profile.name, |f| &f.requested);
            let fallback = ManifestFallback {
                requested: requested.clone(),
                reason: format!(
                    "{} speaks {}, not {lang:?}",
                    main.profile.name,
                    main.profile.languages.join(", ")
                ),
            };
            main = self.voice_for_language(lang)?;
            main.fallback = Some(fallback);
        }
        let mut voices = vec![main];
        let mut parts = HashMap::new();
        for (kind, name) in &self.config.voices.parts {
            let voice = self.configured(name)?;
            let index = match voices.iter().position(|v| v.profile.name == voice.profile.name) {
                Some(i) => i,
                None => {
                    voices.push(voice);
                    voices.len() - 1
                }
            };
            parts.insert(*kind, index);
        }
        // Per cast, so parallel articles count their own hits and requests; the cache and
        // the backends underneath are shared.
        let tally = Arc::new(Tally::default());
        let mut fallback = self.fallback(&voices[0], language);
        for voice in voices.iter_mut().chain(fallback.as_mut()) {
            let backend = Arc::clone(&voice.backend);
            voice.backend =
                Arc::new(Cached::counted(backend, self.cache.clone(), Arc::clone(&tally)));
        }
        let recogniser = self.recogniser()?;
        Ok(Cast { voices, recogniser, fallback, cache: self.cache.clone(), parts, tally })
    }

    fn voice_for_language(&self, language: &str) -> Result<Voice, CastError> {
        let dir = self.config.voices_dir();
        let mut available = Vec::new();
        for (name, _) in VoiceProfile::available(&dir) {
            let Ok(profile) = VoiceProfile::resolve(&name, &dir) else { continue };
            // Never run up a bill nobody asked for: only local engines are chosen this way.
            if speaks(&profile, language) && registry::LOCAL.contains(&profile.backend.as_str()) {
                // Skip voices whose engine is missing; another may speak the language.
                match self.voice(&name) {
                    Ok(voice) => return Ok(voice),
                    Err(e) => tracing::info!(voice = %name, "Not usable: {e}"),
                }
            }
            available.extend(profile.languages);
        }
        available.sort();
        available.dedup();
        Err(CastError::NoVoiceForLanguage {
            language: language.to_owned(),
            available: available.join(", "),
        })
    }

    /// A voice the configuration or the command line names: [`Casting::voice`], except that
    /// a configured local voice whose engine cannot be installed or started gives way to
    /// espeak-ng for its language (once per run, said once).
    fn configured(&self, name: &str) -> Result<Voice, CastError> {
        let error = match self.voice(name) {
            Ok(voice) => return Ok(voice),
            Err(CastError::Backend(e)) if cannot_start(&e) => e,
            Err(e) => return Err(e),
        };
        let dir = self.config.voices_dir();
        let profile = VoiceProfile::resolve(name, &dir)?;
        let may_fall_back = self.explicit.as_deref() != Some(name)
            && profile.backend != "espeak-ng"
            && registry::LOCAL.contains(&profile.backend.as_str());
        if !may_fall_back {
            return Err(error.into());
        }
        let Some(substitute) = self.espeak_for(&profile) else { return Err(error.into()) };
        let reason = match &error {
            SynthError::NotInstalled { program, hint, .. } => {
                format!("{program} is not installed ({hint})")
            }
            other => other.to_string(),
        };
        eprintln!(
            "warning: voice {name} cannot be used: {reason}; narrating with {} (espeak-ng)",
            substitute.profile.name
        );
        let voice = Voice {
            fallback: Some(ManifestFallback { requested: name.to_owned(), reason }),
            ..substitute
        };
        if let Ok(mut built) = self.built.lock() {
            built.insert(name.to_owned(), voice.clone());
        }
        Ok(voice)
    }

    /// The espeak-ng profile for a profile's language: the same tag if there is one
    /// (en-US), else the same primary language (en).
    fn espeak_for(&self, profile: &VoiceProfile) -> Option<Voice> {
        let dir = self.config.voices_dir();
        let language = profile.languages.first()?;
        let candidates: Vec<VoiceProfile> = VoiceProfile::available(&dir)
            .into_iter()
            .filter_map(|(name, _)| VoiceProfile::resolve(&name, &dir).ok())
            .filter(|p| p.backend == "espeak-ng" && speaks(p, language))
            .collect();
        let exact = candidates
            .iter()
            .position(|p| p.languages.iter().any(|l| l.eq_ignore_ascii_case(language)));
        let order = exact.into_iter().chain(0..candidates.len());
        order.filter_map(|i| self.voice(&candidates[i].name).ok()).next()
    }

    /// Build (once) and start a voice by profile name or path.
    fn voice(&self, name: &str) -> Result<Voice, CastError> {
        if let Some(voice) = self.built.lock().ok().and_then(|b| b.get(name).cloned()) {
            return Ok(voice);
        }
        let mut profile = VoiceProfile::resolve(name, &self.config.voices_dir())?;
        self.knobs.apply(&mut profile)?;
        let lexicon = self.config.lexicon_for(&profile)?;
        let engine = if self.estimating {
            registry::build_for_estimate(&profile)?
        } else {
            let engine = registry::build(&profile)?;
            engine.warm_up()?;
            engine
        };
        let backend: Arc<dyn Synthesizer> = Arc::new(Shared::new(engine));
        let voice = Voice { profile, backend, lexicon, fallback: None };
        if let Ok(mut built) = self.built.lock() {
            built.insert(name.to_owned(), voice.clone());
        }
        Ok(voice)
    }
}

/// A backend shared by every article of a run: its declared concurrency holds across all of
/// them, not per article.
struct Shared {
    inner: Arc<dyn Synthesizer>,
    permits: Semaphore,
}

impl Shared {
    fn new(inner: Arc<dyn Synthesizer>) -> Shared {
        let permits = Semaphore::new(inner.capabilities().concurrency.max(1));
        Shared { inner, permits }
    }
}

#[async_trait]
impl Synthesizer for Shared {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn capabilities(&self) -> &Capabilities {
        self.inner.capabilities()
    }

    fn settings(&self) -> serde_json::Value {
        self.inner.settings()
    }

    fn billed_chars(&self, request: &SynthRequest<'_>) -> usize {
        self.inner.billed_chars(request)
    }

    fn price(&self) -> Option<Price> {
        self.inner.price()
    }

    fn engine(&self) -> Option<String> {
        self.inner.engine()
    }

    fn uses_context(&self) -> bool {
        self.inner.uses_context()
    }

    fn fastest_letters_per_second(&self) -> Option<f64> {
        self.inner.fastest_letters_per_second()
    }

    async fn voices(&self) -> Result<Vec<String>, SynthError> {
        self.inner.voices().await
    }

    async fn synthesize(&self, request: SynthRequest<'_>) -> Result<SpeechAudio, SynthError> {
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.permits.acquire().await.ok();
        self.inner.synthesize(request).await
    }

    async fn synthesize_marked(&self, request: SynthRequest<'_>) -> Result<Marked, SynthError> {
        let _permit = self.permits.acquire().await.ok();
        self.inner.synthesize_marked(request).await
    }
}

/// Whether a failure means the engine cannot be installed or started on this machine (as
/// opposed to a mistake in the profile, or a missing cloud key).
fn cannot_start(error: &SynthError) -> bool {
    matches!(
        error,
        SynthError::NotInstalled { .. } | SynthError::Engine { .. } | SynthError::Timeout { .. }
    )
}

/// Whether a profile speaks `language` (`en` covers `en-GB`, and `en-GB` matches `en`).
fn speaks(profile: &VoiceProfile, language: &str) -> bool {
    let primary = |tag: &str| tag.split(['-', '_']).next().unwrap_or_default().to_ascii_lowercase();
    profile.languages.is_empty()
        || profile.languages.iter().any(|l| primary(l) == primary(language))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text =
            format!("[narrate]\nvoice = \"tone\"\ncache = false\nvoices_dir = \"voices\"\n{extra}");
        let mut config = Config::parse(&text, "test.toml", PathBuf::new()).unwrap();
        config.base_dir =
            std::env::temp_dir().join(format!("articulate-cast-{}", std::process::id()));
        let dir = config.voices_dir();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("tone.toml"), "backend = \"tone\"\nlanguage = \"en\"\n").unwrap();
        std::fs::write(
            dir.join("tone-de.toml"),
            "backend = \"tone\"\nlanguage = \"de\"\nword_ms = 90\n",
        )
        .unwrap();
        config
    }

    #[test]
    fn parts_can_have_voices_of_their_own() {
        let casting = Casting::new(
            &config("[voices]\nquote = \"tone-de\"\nheadline = \"tone\"\n"),
            None,
            None,
        );
        casting.check().unwrap();
        let cast = casting.cast(Some("en")).unwrap();
        assert_eq!(cast.voices.len(), 2);
        assert_eq!(cast.voices[cast.for_kind(BlockKind::Quote)].profile.name, "tone-de");
        assert_eq!(cast.for_kind(BlockKind::Headline), 0);
        assert_eq!(cast.for_kind(BlockKind::Paragraph), 0);
    }

    #[test]
    fn the_articles_language_chooses_the_voice_unless_one_was_asked_for() {
        let casting = Casting::new(&config(""), None, None);
        let german = casting.cast(Some("de-AT")).unwrap();
        assert!(german.main().profile.languages.iter().any(|l| l.starts_with("de")));
        let explicit = Casting::new(&config(""), Some("tone".into()), None);
        assert_eq!(explicit.cast(Some("de")).unwrap().main().profile.name, "tone");
    }

    #[test]
    fn a_language_no_profile_speaks_is_an_error_listing_those_available() {
        let casting = Casting::new(&config(""), None, None);
        let err = casting.cast(Some("tlh")).err().unwrap().to_string();
        assert!(err.contains("\"tlh\"") && err.contains("de") && err.contains("en-GB"), "{err}");
    }

    #[test]
    fn an_unknown_part_is_a_config_error_naming_it() {
        let text = "[voices]\nfootnote = \"tone\"\n";
        let err = Config::parse(text, "c.toml", PathBuf::new()).unwrap_err().to_string();
        assert!(err.contains("footnote"), "{err}");
    }
}

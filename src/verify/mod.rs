//! Verify and align: an offline speech recogniser listens to every chunk, says whether it
//! says its text, and times every word of it.
//!
//! The recogniser is faster-whisper (CTranslate2) with a Whisper model, run as one
//! long-lived Python process per run (our small `driver.py`, JSON lines over stdin/stdout),
//! the way Piper is run. For each chunk it does two things with one pass of Whisper's
//! encoder: it transcribes freely (greedy, the chunk's capitalised words given as hot words,
//! so names are spelled as the article spells them) and it force-aligns the chunk's own
//! display words, giving each a start, an end and the probability the model gives it there.
//! Whisper always encodes 30-second windows, so short chunks are packed several to a
//! window; a chunk longer than a window is cut at its quietest moments.
//!
//! A word **failed** when the transcript has nothing like it at its place and the model,
//! asked, does not accept it there either; a segment is **flagged** when more than the
//! configured share of its words failed. The word error rate against the text that was
//! sent (or the article's own words, whichever is closer) is reported beside it.
//!
//! This stage is sync code: the recogniser is a child process behind a mutex, and the
//! application layer calls it on a blocking thread.

pub mod compare;
pub mod english;
mod judge;
mod recogniser;
pub mod timing;
mod windows;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use compare::{TextWord, display_words};
// The manifest records these, so they live in `model`; the old paths stay for publishers.
pub use crate::model::verification::{Status, Strategy};
pub use judge::{Verdict, judge};
pub use recogniser::{Heard, HeardWord, Listen, Recogniser};

/// The sample rate the recogniser listens at.
pub const RATE: u32 = 16_000;

/// The command that installs the recogniser, for messages.
pub const INSTALL_HINT: &str = "install it with scripts/install-recogniser.sh";

/// `[narrate] verify`: whether chunks are verified before publishing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyMode {
    /// No verification (`false`).
    #[default]
    Off,
    /// Every chunk verified; a recogniser failure fails the run (`true`).
    On,
    /// Every chunk verified when the recogniser can; otherwise its segments are marked
    /// `unverified` and the run goes on (`"best-effort"`).
    BestEffort,
}

impl<'de> Deserialize<'de> for VerifyMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Name(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Flag(true) => Ok(VerifyMode::On),
            Raw::Flag(false) => Ok(VerifyMode::Off),
            Raw::Name(name) if name == "best-effort" => Ok(VerifyMode::BestEffort),
            Raw::Name(other) => Err(serde::de::Error::custom(format!(
                "verify must be true, false or \"best-effort\", not {other:?}"
            ))),
        }
    }
}

/// `[narrate] word_timings`: where word timings come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WordTimings {
    /// From the engine when it reports them, or from the recogniser when it runs anyway
    /// (verification); never an extra recogniser pass.
    #[default]
    Auto,
    /// Always: from the engine, else by aligning with the recogniser, which must then be
    /// installed.
    Always,
    /// None.
    Off,
}

/// `[verify]` settings: the recogniser, and what counts as a failure.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyConfig {
    /// A Python with faster-whisper. Empty: the virtual environment
    /// `scripts/install-recogniser.sh` makes.
    pub python: PathBuf,
    /// A Whisper model directory in CTranslate2's format (`model.bin`, `config.json`,
    /// `tokenizer.json`). Empty: the one `scripts/install-recogniser.sh` assembles.
    pub model: PathBuf,
    /// CPU threads the recogniser uses. Default: 2.
    pub threads: usize,
    /// Seconds to wait for one answer (the first includes loading the model); a recogniser
    /// that takes longer is stopped and tried once more. Default: 120.
    pub timeout_secs: u64,
    /// A segment is flagged when more than this share of its words failed. Default: 0.0
    /// (any failed word).
    pub threshold: f64,
    /// A word was heard when a transcript word near its place is at least this alike
    /// (1 − edit distance / length). Default: 0.6.
    pub min_similarity: f64,
    /// A word not heard is still accepted when the recogniser, asked to find it there,
    /// gives it at least this probability. Default: 0.002.
    pub min_probability: f64,
    /// What a failed segment is synthesized again with, once: the first of these that
    /// applies. Default: `["respell", "voice"]`.
    pub retry: Vec<Strategy>,
    /// The voice profile `voice` retries with. Empty: another local profile of the same
    /// language whose engine is installed.
    pub fallback_voice: String,
    /// A TOML file with a `[lexicon]` table of respellings used only for words that failed.
    /// Empty: only the built-in rule (a word in capitals is spelled out).
    pub respellings: PathBuf,
    /// A flagged segment fails the narration, so nothing is published (`--strict`).
    /// Default: false.
    pub strict: bool,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            python: PathBuf::new(),
            model: PathBuf::new(),
            threads: 2,
            timeout_secs: 120,
            threshold: 0.0,
            min_similarity: 0.6,
            min_probability: 0.002,
            retry: vec![Strategy::Respell, Strategy::Voice],
            fallback_voice: String::new(),
            respellings: PathBuf::new(),
            strict: false,
        }
    }
}

impl VerifyConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.threads == 0 {
            problems.push("[verify] threads must be at least 1".into());
        }
        if self.timeout_secs == 0 {
            problems.push("[verify] timeout_secs must be at least 1".into());
        }
        for (name, value) in [
            ("threshold", self.threshold),
            ("min_similarity", self.min_similarity),
            ("min_probability", self.min_probability),
        ] {
            if !(0.0..=1.0).contains(&value) {
                problems.push(format!("[verify] {name} must be between 0 and 1"));
            }
        }
    }

    /// Where `scripts/install-recogniser.sh` installs: `$ARTICULATE_RECOGNISER_HOME`, else
    /// `$XDG_DATA_HOME/articulate/recogniser`, else `~/.local/share/articulate/recogniser`.
    #[must_use]
    pub fn default_home() -> PathBuf {
        if let Some(home) = std::env::var_os("ARTICULATE_RECOGNISER_HOME").filter(|v| !v.is_empty())
        {
            return PathBuf::from(home);
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(std::env::temp_dir);
        data.join("articulate").join("recogniser")
    }

    /// The Python to run: `python`, or the installed environment's.
    #[must_use]
    pub fn python_path(&self) -> PathBuf {
        if self.python.as_os_str().is_empty() {
            Self::default_home().join("venv/bin/python")
        } else {
            self.python.clone()
        }
    }

    /// The model directory: `model`, or the installed one.
    #[must_use]
    pub fn model_dir(&self) -> PathBuf {
        if self.model.as_os_str().is_empty() {
            Self::default_home().join("whisper-base")
        } else {
            self.model.clone()
        }
    }
}

/// A failure of the recogniser.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The recogniser is not installed where the configuration says.
    #[error("the speech recogniser is not installed ({missing}); {INSTALL_HINT}")]
    NotInstalled {
        /// What is missing.
        missing: String,
    },
    /// The recogniser crashed, hung or answered nonsense, twice.
    #[error("the speech recogniser failed twice: {message}")]
    Failed {
        /// The last failure.
        message: String,
    },
}

/// How a narration's segments came out of verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Segments that say their text (`ok` or `retried`).
    pub verified: usize,
    /// Of those, the ones that needed a second synthesis.
    pub retried: usize,
    /// Segments that do not say their text.
    pub flagged: usize,
    /// Segments the recogniser could not check (`verify = "best-effort"`).
    pub unverified: usize,
}

impl Tally {
    /// Count the verification statuses in a manifest's segments (all zero when it was not
    /// verified).
    #[must_use]
    pub fn of(manifest: &crate::model::Manifest) -> Tally {
        let mut tally = Tally::default();
        for v in manifest.segments.iter().filter_map(|s| s.verification.as_ref()) {
            match v.status {
                Status::Ok => tally.verified += 1,
                Status::Retried => {
                    tally.verified += 1;
                    tally.retried += 1;
                }
                Status::Flagged => tally.flagged += 1,
                Status::Unverified => tally.unverified += 1,
            }
        }
        tally
    }
}

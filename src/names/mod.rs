//! `articulate names`: the proper nouns of an article, the phonemes the voice will use for
//! each, whether the house dictionary or the voice's lexicon already covers it, and which the
//! voice is likely to get wrong, so an editor can add a line to the dictionary before
//! publishing.
//!
//! "Likely wrong" needs two kinds of evidence: espeak-ng had no dictionary entry and spelled
//! the word out by its letter-to-sound rules (for voices whose phonemes are unknown, this
//! part is skipped), and the word shows signs of not being English ([`signs`]).

mod signs;

use serde::Serialize;

use crate::config::{Config, VoiceProfile};
use crate::model::Article;
use crate::segment::lexicon::{Lexicon, Pronunciation, edit};
use crate::segment::names::proper_nouns;
use crate::segment::{Normalizer, SentenceSplitter};
use crate::tts::phonemize::{Phonemes, Phonemizer};

/// What `articulate names` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The voice profile's name.
    pub voice: String,
    /// Its backend.
    pub backend: String,
    /// How the phonemes were found (`espeak-ng -v en-gb`), if they can be.
    pub phonemizer: Option<String>,
    /// Why there are no phonemes, when there are none.
    pub phonemes_unknown: Option<String>,
    /// The house dictionary's path, if one is configured.
    pub house_lexicon: Option<String>,
    /// The names, in order of first appearance.
    pub names: Vec<Name>,
}

/// One name.
#[derive(Clone, Debug, Serialize)]
pub struct Name {
    /// As written.
    pub name: String,
    /// How often it occurs.
    pub count: usize,
    /// The text the engine is sent for it (after normalisation and the lexicon).
    pub sent: String,
    /// The IPA the voice will use, if known.
    pub phonemes: Option<String>,
    /// The lexicon entries that apply to it.
    pub covered_by: Vec<Coverage>,
    /// Its words.
    pub words: Vec<Word>,
    /// Whether any of its words is likely to be said wrong.
    pub likely_wrong: bool,
}

/// A lexicon entry that applies to a name.
#[derive(Clone, Debug, Serialize)]
pub struct Coverage {
    /// The entry's key.
    pub key: String,
    /// `house` or `profile`.
    pub layer: &'static str,
    /// The file or profile it is in.
    pub origin: String,
}

/// One word of a name.
#[derive(Clone, Debug, Serialize)]
pub struct Word {
    /// As written.
    pub word: String,
    /// Whether espeak-ng has it in its dictionary (`null` when the voice is not espeak-ng's).
    pub in_dictionary: Option<bool>,
    /// Whether a lexicon entry covers it.
    pub covered: bool,
    /// Signs it is not English, or that espeak-ng guessed badly.
    pub signs: Vec<String>,
    /// Likely wrong: not covered, guessed rather than looked up, with signs of trouble.
    pub likely_wrong: bool,
    /// The house dictionary line that would fix it, to be edited: the respelling of how it
    /// should sound.
    pub suggestion: Option<String>,
}

/// The names of `article` as `profile` will say them with `lexicon`.
#[must_use]
pub fn report(
    article: &Article,
    config: &Config,
    profile: &VoiceProfile,
    lexicon: &Lexicon,
) -> Report {
    let splitter = SentenceSplitter::new(&config.segment.abbreviations);
    let normalizer = Normalizer::new(&config.segment.normalize, article.meta.language.as_deref())
        .protecting(lexicon.words());
    let phonemizer = Phonemizer::for_profile(profile);
    let mut unknown = match &phonemizer {
        Some(_) => None,
        None => Some(format!(
            "{} voices phonemise for themselves; only IPA from the lexicon is known",
            profile.backend
        )),
    };
    let house = &config.house_lexicon.origin;
    let mut names = Vec::new();
    for noun in proper_nouns(article, &splitter) {
        let text = normalizer.normalize(&noun.name);
        let matches = lexicon.matches(&text);
        let sent = lexicon.render(&text).plain;
        let phonemes: Option<Phonemes> = match (&phonemizer, unknown.is_some()) {
            (Some(p), false) => match p.phonemize(&sent) {
                Ok(ph) => Some(ph),
                Err(e) => {
                    unknown = Some(e.to_string());
                    None
                }
            },
            _ => None,
        };
        let ipa = phonemes.as_ref().map(|p| p.ipa.clone()).or_else(|| {
            // An SSML voice takes the lexicon's IPA when an entry gives it for the whole name.
            let whole = matches.iter().find(|m| m.range == (0..text.len()))?;
            whole.ipa.map(str::to_owned)
        });
        let ipa_words: Vec<&str> =
            ipa.as_deref().map(|i| i.split(' ').collect()).unwrap_or_default();
        let written: Vec<&str> = noun.name.split(' ').collect();
        let mut words = Vec::new();
        let mut offset = 0;
        for (i, word) in written.iter().enumerate() {
            let start = text[offset..].find(word).map_or(usize::MAX, |p| p + offset);
            let range = start..start.saturating_add(word.len());
            offset = range.end.min(text.len());
            let covered =
                matches.iter().any(|m| m.range.start < range.end && range.start < m.range.end);
            // Aligned only when espeak-ng kept the words apart (it joins some compounds).
            let said = (ipa_words.len() == written.len()).then(|| ipa_words[i]);
            let in_dictionary = phonemes.as_ref().map(|p| {
                word.split(['-', '‐']).all(|part| {
                    p.words.iter().any(|w| w.in_dictionary && w.word == part.to_lowercase())
                })
            });
            let mut found = signs::letters(word);
            if in_dictionary == Some(false)
                && let Some(said) = said
            {
                found.extend(signs::stress(said));
            }
            if in_dictionary == Some(false) && signs::syllables(word) >= 4 {
                found.push("a long word spelled out by rules".into());
            }
            let likely_wrong = !covered && in_dictionary != Some(true) && !found.is_empty();
            let suggestion = likely_wrong.then(|| suggest(word));
            words.push(Word {
                word: (*word).to_owned(),
                in_dictionary,
                covered,
                signs: found,
                likely_wrong,
                suggestion,
            });
        }
        let covered_by = matches
            .iter()
            .map(|m| Coverage {
                key: m.key.to_owned(),
                layer: if m.origin == house { "house" } else { "profile" },
                origin: m.origin.to_owned(),
            })
            .collect();
        let likely_wrong = words.iter().any(|w| w.likely_wrong);
        names.push(Name {
            name: noun.name,
            count: noun.count,
            sent,
            phonemes: ipa,
            covered_by,
            words,
            likely_wrong,
        });
    }
    Report {
        voice: profile.name.clone(),
        backend: profile.backend.clone(),
        phonemizer: phonemizer.map(|p| format!("{} -v {}", p.program, p.voice)),
        phonemes_unknown: unknown,
        house_lexicon: config.house_lexicon_path().map(|p| p.display().to_string()),
        names,
    }
}

/// The dictionary line for a word, to be edited into how it should sound.
fn suggest(word: &str) -> String {
    let entry = (word.to_owned(), Pronunciation { say: Some(word.to_owned()), ipa: None });
    edit::to_toml(&[entry]).lines().nth(1).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggestion_is_one_valid_dictionary_line() {
        assert_eq!(suggest("Oshunremi"), "Oshunremi = \"Oshunremi\"");
        assert_eq!(suggest("O'Brien"), "\"O'Brien\" = \"O'Brien\"");
    }
}

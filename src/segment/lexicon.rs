//! Pronunciation lexicons: names and words the engine gets wrong, said the way they should be.
//!
//! A lexicon is a TOML table (`[lexicon]` in a voice profile, or the global file named by
//! `[narrate] lexicon`):
//!
//! ```toml
//! [lexicon]
//! Oseman = "Ozeman"                        # whole word (also "Oseman's"), respelled
//! Locke = { say = "Lock", ipa = "lɒk" }    # IPA for SSML engines, the respelling for others
//! "re:\\bSt\\.? Pancras\\b" = "Saint Pancras"  # a regular expression
//! ```
//!
//! SSML engines get `<sub alias>` (or `<phoneme>` for IPA entries); the others the respelling.
//! Only the entries that matched end up in the text sent, so editing one entry changes the
//! cache key of exactly the chunks that contain its word.

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::tts::ssml;

/// One entry's value: a respelling, or a respelling with IPA.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged, deny_unknown_fields)]
pub enum Pronunciation {
    /// Say this instead.
    Say(String),
    /// Say this, or, on SSML engines, these IPA phonemes.
    Full {
        /// The respelling for engines without SSML.
        say: String,
        /// IPA for SSML engines.
        #[serde(default)]
        ipa: Option<String>,
    },
}

#[derive(Clone, Debug)]
struct Entry {
    pattern: Regex,
    say: String,
    ipa: Option<String>,
    regex: bool,
}

/// A compiled lexicon.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    entries: Vec<Entry>,
}

/// Text after the lexicon, in both renderings a backend may need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Plain text with respellings.
    pub plain: String,
    /// SSML content (escaped, with `<sub>`/`<phoneme>` tags), without the `<speak>` root.
    pub ssml: String,
}

impl Lexicon {
    /// Compile tables in order of precedence (later tables override earlier ones for the
    /// same key). `origin` names each table in errors.
    ///
    /// # Errors
    ///
    /// Every invalid entry, each naming its table and key.
    pub fn compile(
        tables: &[(&str, &toml::Table)],
        ignore_case: bool,
    ) -> Result<Lexicon, Vec<String>> {
        let mut problems = Vec::new();
        let mut entries: Vec<(String, Entry)> = Vec::new();
        for (origin, table) in tables {
            for (key, value) in *table {
                let pronunciation: Pronunciation = match value.clone().try_into() {
                    Ok(p) => p,
                    Err(e) => {
                        problems.push(format!(
                            "{origin}: lexicon entry {key:?}: {}",
                            e.message().trim()
                        ));
                        continue;
                    }
                };
                let (say, ipa) = match pronunciation {
                    Pronunciation::Say(say) => (say, None),
                    Pronunciation::Full { say, ipa } => (say, ipa),
                };
                let (source, regex) = match key.strip_prefix("re:") {
                    Some(pattern) => (pattern.to_owned(), true),
                    None => (format!(r"\b{}\b", regex::escape(key)), false),
                };
                match RegexBuilder::new(&source).case_insensitive(ignore_case).build() {
                    Ok(pattern) => {
                        entries.retain(|(k, _)| k != key);
                        entries.push((key.clone(), Entry { pattern, say, ipa, regex }));
                    }
                    Err(e) => problems.push(format!(
                        "{origin}: lexicon entry {key:?}: invalid regex: {}",
                        e.to_string().lines().last().unwrap_or_default()
                    )),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Longer keys first, so "New York Times" wins over "York".
        entries.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        Ok(Lexicon { entries: entries.into_iter().map(|(_, e)| e).collect() })
    }

    /// Whether the lexicon has an entry for exactly this word (so normalisation leaves it).
    #[must_use]
    pub fn has_word(&self, word: &str) -> bool {
        self.entries.iter().any(|e| !e.regex && e.pattern.is_match(word))
    }

    /// The words (literal keys) the lexicon covers.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter(|e| !e.regex).map(|e| {
            let source = e.pattern.as_str();
            source.strip_prefix(r"\b").and_then(|s| s.strip_suffix(r"\b")).unwrap_or(source)
        })
    }

    /// Apply every entry to `text`, producing the plain and SSML renderings.
    #[must_use]
    pub fn render(&self, text: &str) -> Rendered {
        // Find non-overlapping matches, earlier entries (longer keys) first.
        let mut spans: Vec<(usize, usize, &Entry, String)> = Vec::new();
        for entry in &self.entries {
            for caps in entry.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                if m.is_empty() || spans.iter().any(|(s, e, _, _)| m.start() < *e && *s < m.end()) {
                    continue;
                }
                let mut say = String::new();
                caps.expand(&entry.say, &mut say);
                spans.push((m.start(), m.end(), entry, say));
            }
        }
        spans.sort_by_key(|(start, ..)| *start);
        let mut out = Rendered::default();
        let mut at = 0;
        for (start, end, entry, say) in spans {
            let plain = &text[at..start];
            out.plain.push_str(plain);
            out.ssml.push_str(&ssml::escape(plain));
            let original = &text[start..end];
            out.plain.push_str(&say);
            match &entry.ipa {
                Some(ipa) => out.ssml.push_str(&format!(
                    "<phoneme alphabet=\"ipa\" ph=\"{}\">{}</phoneme>",
                    ssml::escape(ipa),
                    ssml::escape(original)
                )),
                None => out.ssml.push_str(&format!(
                    "<sub alias=\"{}\">{}</sub>",
                    ssml::escape(&say),
                    ssml::escape(original)
                )),
            }
            at = end;
        }
        out.plain.push_str(&text[at..]);
        out.ssml.push_str(&ssml::escape(&text[at..]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(toml_text: &str, ignore_case: bool) -> Lexicon {
        let table: toml::Table = toml::from_str(toml_text).unwrap();
        Lexicon::compile(&[("test", &table)], ignore_case).unwrap()
    }

    #[test]
    fn a_whole_word_and_its_possessive_are_respelled() {
        let lex = lexicon("Oseman = \"Ozeman\"", false);
        let r = lex.render("Alice Oseman's novels, by Oseman. Osemania is not a word.");
        assert_eq!(r.plain, "Alice Ozeman's novels, by Ozeman. Osemania is not a word.");
        assert_eq!(r.ssml.matches("<sub alias=\"Ozeman\">Oseman</sub>").count(), 2);
    }

    #[test]
    fn entries_are_case_sensitive_unless_configured() {
        assert_eq!(lexicon("Nice = \"Neese\"", false).render("nice Nice").plain, "nice Neese");
        assert_eq!(lexicon("Nice = \"Neese\"", true).render("nice Nice").plain, "Neese Neese");
    }

    #[test]
    fn ipa_entries_become_phonemes_for_ssml_and_the_respelling_otherwise() {
        let lex = lexicon("Locke = { say = \"Lock\", ipa = \"lɒk\" }", false);
        let r = lex.render("Joe Locke");
        assert_eq!(r.plain, "Joe Lock");
        assert_eq!(r.ssml, "Joe <phoneme alphabet=\"ipa\" ph=\"lɒk\">Locke</phoneme>");
    }

    #[test]
    fn regex_entries_can_use_groups() {
        let lex = lexicon(r#""re:\\b(\\d+)-(\\d+)\\b" = "$1 to $2""#, false);
        assert_eq!(lex.render("scored 3-1 today").plain, "scored 3 to 1 today");
    }

    #[test]
    fn hostile_text_stays_escaped_around_entries() {
        let lex = lexicon("Oseman = \"Ozeman\"", false);
        let r = lex.render("<b>Oseman</b> & co");
        assert_eq!(r.ssml, "&lt;b&gt;<sub alias=\"Ozeman\">Oseman</sub>&lt;/b&gt; &amp; co");
    }

    #[test]
    fn invalid_entries_are_all_reported_by_key() {
        let table: toml::Table = toml::from_str("\"re:(\" = \"x\"\nBad = 3\n").unwrap();
        let errors = Lexicon::compile(&[("voices/x.toml", &table)], false).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().any(|e| e.contains("\"re:(\"") && e.contains("voices/x.toml")));
        assert!(errors.iter().any(|e| e.contains("\"Bad\"")));
    }
}

//! Pronunciation lexicons: names and words the engine gets wrong, said the way they should be.
//!
//! Two layers apply to every voice: the house dictionary (`lexicon.toml` at the repository
//! root, or the file named by `[narrate] lexicon`), then the voice profile's own `[lexicon]`,
//! whose entries win. Both are TOML tables of the same form:
//!
//! ```toml
//! [lexicon]
//! Oseman = "Ozeman"                        # whole word (also "Oseman's"), respelled
//! Locke = { say = "Lock", ipa = "lɒk" }    # IPA for SSML engines, the respelling for others
//! "re:\\bSt\\.? Pancras\\b" = "Saint Pancras"  # a regular expression
//! ```
//!
//! SSML engines get `<sub alias>`, or `<phoneme>` for IPA entries, with the respelling inside
//! so an engine that ignores `<phoneme>` (espeak-ng) still says it right; the others get the
//! respelling. Only the entries that matched end up in the text sent, so editing one entry
//! changes the cache key of exactly the chunks that contain its word. W3C PLS files convert
//! to and from these tables ([`pls`]).

pub mod edit;
pub mod pls;
mod table;

use std::ops::Range;

use regex::{Regex, RegexBuilder};

pub use table::{LexiconTable, Pronunciation, TableEntry};

use crate::model::ssml;

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    pattern: Regex,
    pronunciation: Pronunciation,
    regex: bool,
    /// Index of the table it came from: later tables win.
    layer: usize,
}

/// A compiled lexicon.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    /// In the order written, table by table.
    entries: Vec<Entry>,
    /// Indexes into `entries` in matching order: longer keys first, then later layers.
    order: Vec<usize>,
    origins: Vec<String>,
}

/// Text after the lexicon, in both renderings a backend may need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rendered {
    /// Plain text with respellings.
    pub plain: String,
    /// SSML content (escaped, with `<sub>`/`<phoneme>` tags), without the `<speak>` root.
    pub ssml: String,
}

/// Where an entry matched some text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match<'a> {
    /// The bytes of the text it covers.
    pub range: Range<usize>,
    /// The entry's key as written.
    pub key: &'a str,
    /// The table it came from (a file path or a profile).
    pub origin: &'a str,
    /// What is said instead, groups expanded for a regex entry; the text itself when the
    /// entry gives only IPA.
    pub say: String,
    /// The entry's IPA, if it has one.
    pub ipa: Option<&'a str>,
}

impl Lexicon {
    /// Compile tables in order of precedence: an entry in a later table replaces one with the
    /// same key (compared regardless of case when `ignore_case`) in an earlier one.
    ///
    /// # Errors
    ///
    /// Every invalid entry, each naming its table, line (when known) and key.
    pub fn compile(tables: &[LexiconTable], ignore_case: bool) -> Result<Lexicon, Vec<String>> {
        let same = |a: &str, b: &str| {
            if ignore_case { a.to_lowercase() == b.to_lowercase() } else { a == b }
        };
        let mut problems = Vec::new();
        let mut entries: Vec<Entry> = Vec::new();
        for (layer, table) in tables.iter().enumerate() {
            for TableEntry { key, value, line } in &table.entries {
                let at = match line {
                    Some(n) => format!("{} line {n}", table.origin),
                    None => table.origin.clone(),
                };
                let problem = |message: String| format!("{at}: lexicon entry {key:?}: {message}");
                let pronunciation = match Pronunciation::from_toml(value) {
                    Ok(p) => p,
                    Err(message) => {
                        problems.push(problem(message));
                        continue;
                    }
                };
                let (source, regex) = match key.strip_prefix("re:") {
                    Some(pattern) => (pattern.to_owned(), true),
                    None if key.trim().is_empty() => {
                        problems.push(problem("the word is empty".into()));
                        continue;
                    }
                    None => (format!(r"\b{}\b", regex::escape(key)), false),
                };
                match RegexBuilder::new(&source).case_insensitive(ignore_case).build() {
                    Ok(pattern) => {
                        entries.retain(|e| !same(&e.key, key));
                        entries.push(Entry {
                            key: key.clone(),
                            pattern,
                            pronunciation,
                            regex,
                            layer,
                        });
                    }
                    Err(e) => problems.push(problem(format!(
                        "invalid regex: {}",
                        e.to_string().lines().last().unwrap_or_default()
                    ))),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Longer keys first, so "New York Times" wins over "York"; then the later layer.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| {
            (std::cmp::Reverse(entries[i].key.len()), std::cmp::Reverse(entries[i].layer))
        });
        let origins = tables.iter().map(|t| t.origin.clone()).collect();
        Ok(Lexicon { entries, order, origins })
    }

    /// Whether there are no entries.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the lexicon has an entry for exactly this word (so normalisation leaves it).
    #[must_use]
    pub fn has_word(&self, word: &str) -> bool {
        self.entries.iter().any(|e| !e.regex && e.pattern.is_match(word))
    }

    /// The words (literal keys) the lexicon covers.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter(|e| !e.regex).map(|e| e.key.as_str())
    }

    /// Every entry in force, in the order written, table by table: key, pronunciation, and
    /// the table it came from. Regex entries have keys starting `re:`.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Pronunciation, &str)> {
        self.entries
            .iter()
            .map(|e| (e.key.as_str(), &e.pronunciation, self.origins[e.layer].as_str()))
    }

    /// Where entries match `text`, in order, never overlapping: at any place the longest
    /// key wins, then the later table.
    #[must_use]
    pub fn matches(&self, text: &str) -> Vec<Match<'_>> {
        let mut found: Vec<Match<'_>> = Vec::new();
        for entry in self.order.iter().map(|&i| &self.entries[i]) {
            for caps in entry.pattern.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                if m.is_empty()
                    || found.iter().any(|f| m.start() < f.range.end && f.range.start < m.end())
                {
                    continue;
                }
                let say = match &entry.pronunciation.say {
                    Some(say) if entry.regex => {
                        let mut out = String::new();
                        caps.expand(say, &mut out);
                        out
                    }
                    Some(say) => say.clone(),
                    None => m.as_str().to_owned(),
                };
                found.push(Match {
                    range: m.range(),
                    key: &entry.key,
                    origin: &self.origins[entry.layer],
                    say,
                    ipa: entry.pronunciation.ipa.as_deref(),
                });
            }
        }
        found.sort_by_key(|m| m.range.start);
        found
    }

    /// Apply every entry to `text`, producing the plain and SSML renderings.
    #[must_use]
    pub fn render(&self, text: &str) -> Rendered {
        let mut out = Rendered::default();
        let mut at = 0;
        for m in self.matches(text) {
            let before = &text[at..m.range.start];
            out.plain.push_str(before);
            out.ssml.push_str(&ssml::escape(before));
            out.plain.push_str(&m.say);
            let original = &text[m.range.clone()];
            match m.ipa {
                // The respelling inside: engines that honour <phoneme> use the IPA, and those
                // that ignore the tag (espeak-ng) say its content.
                Some(ipa) => out.ssml.push_str(&format!(
                    "<phoneme alphabet=\"ipa\" ph=\"{}\">{}</phoneme>",
                    ssml::escape(ipa),
                    ssml::escape(&m.say)
                )),
                None => out.ssml.push_str(&format!(
                    "<sub alias=\"{}\">{}</sub>",
                    ssml::escape(&m.say),
                    ssml::escape(original)
                )),
            }
            at = m.range.end;
        }
        out.plain.push_str(&text[at..]);
        out.ssml.push_str(&ssml::escape(&text[at..]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(origin: &str, toml_text: &str) -> LexiconTable {
        LexiconTable::from_table(origin, &toml::from_str(toml_text).unwrap())
    }

    fn lexicon(toml_text: &str, ignore_case: bool) -> Lexicon {
        Lexicon::compile(&[table("test", toml_text)], ignore_case).unwrap()
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
    fn ipa_entries_become_phonemes_around_the_respelling_for_ssml_and_the_respelling_otherwise() {
        let lex = lexicon("Locke = { say = \"Lock\", ipa = \"lɒk\" }", false);
        let r = lex.render("Joe Locke");
        assert_eq!(r.plain, "Joe Lock");
        assert_eq!(r.ssml, "Joe <phoneme alphabet=\"ipa\" ph=\"lɒk\">Lock</phoneme>");
    }

    #[test]
    fn an_ipa_only_entry_leaves_plain_text_as_written() {
        let r = lexicon("Locke = { ipa = \"lɒk\" }", false).render("Joe Locke");
        assert_eq!(r.plain, "Joe Locke");
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
    fn invalid_entries_are_all_reported_by_table_and_key() {
        let bad = table("voices/x.toml", "\"re:(\" = \"x\"\nBad = 3\n\"\" = \"y\"\n");
        let errors = Lexicon::compile(&[bad], false).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("\"re:(\"") && e.contains("voices/x.toml")));
        assert!(errors.iter().any(|e| e.contains("\"Bad\"") && e.contains("found integer")));
        assert!(errors.iter().any(|e| e.contains("empty")));
    }

    #[test]
    fn an_entry_read_from_a_file_is_reported_with_its_line() {
        let house =
            LexiconTable::parse_file("lexicon.toml", "[lexicon]\nA = \"a\"\nB = [1]\n").unwrap();
        let errors = Lexicon::compile(&[house], false).unwrap_err();
        assert_eq!(
            errors,
            ["lexicon.toml line 3: lexicon entry \"B\": expected a respelling \
            (\"Ozeman\") or a table ({ say = \"Ozeman\", ipa = \"ˈəʊzmən\" }), found array"]
        );
    }

    #[test]
    fn a_profile_entry_wins_over_the_house_entry_for_the_same_word() {
        let house = table("lexicon.toml", "Oseman = \"Ozeman\"\nLocke = \"Lock\"\n");
        let profile = table("voices/v.toml", "Oseman = \"Ohseman\"\n");
        let lex = Lexicon::compile(&[house, profile], false).unwrap();
        assert_eq!(lex.render("Oseman and Locke").plain, "Ohseman and Lock");
        let origins: Vec<_> = lex.matches("Oseman and Locke").iter().map(|m| m.origin).collect();
        assert_eq!(origins, ["voices/v.toml", "lexicon.toml"]);
    }

    #[test]
    fn ignoring_case_a_profile_entry_replaces_the_house_entry_spelled_otherwise() {
        let house = table("house", "oseman = \"Ozeman\"\n");
        let profile = table("profile", "OSEMAN = \"Ohseman\"\n");
        let lex = Lexicon::compile(&[house, profile], true).unwrap();
        assert_eq!(lex.entries().count(), 1);
        assert_eq!(lex.render("Oseman").plain, "Ohseman");
    }

    #[test]
    fn the_longer_entry_wins_whichever_table_it_is_in() {
        let house = table("house", "\"Alice Oseman\" = \"Alice Ozeman\"\n");
        let profile = table("profile", "Oseman = \"Ohseman\"\n");
        let lex = Lexicon::compile(&[house, profile], false).unwrap();
        assert_eq!(lex.render("Alice Oseman, or Oseman").plain, "Alice Ozeman, or Ohseman");
    }
}

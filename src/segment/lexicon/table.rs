//! Lexicon tables as written: a voice profile's `[lexicon]`, or the house dictionary file,
//! checked entry by entry so every mistake is reported with its file, line and key.

use std::collections::BTreeMap;

use serde::Deserialize;

/// How to say one word: a respelling, IPA, or both. At least one is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pronunciation {
    /// Said instead of the word by engines without SSML (and in `<sub alias>` by those with
    /// it). `None`: engines without SSML say the word as written.
    pub say: Option<String>,
    /// IPA for SSML engines (`<phoneme alphabet="ipa">`).
    pub ipa: Option<String>,
}

impl Pronunciation {
    /// Read an entry's value: `"Ozeman"`, or `{ say = "Ozeman", ipa = "ˈəʊzmən" }` with
    /// either key alone allowed.
    ///
    /// # Errors
    ///
    /// What is wrong with it, in words an editor can act on.
    pub fn from_toml(value: &toml::Value) -> Result<Pronunciation, String> {
        match value {
            toml::Value::String(say) => {
                Ok(Pronunciation { say: Some(non_empty("respelling", say)?), ipa: None })
            }
            toml::Value::Table(table) => {
                let mut p = Pronunciation { say: None, ipa: None };
                for (key, v) in table {
                    let slot = match key.as_str() {
                        "say" => &mut p.say,
                        "ipa" => &mut p.ipa,
                        _ => return Err(format!("unknown key {key:?} (expected say, ipa)")),
                    };
                    let Some(text) = v.as_str() else {
                        return Err(format!("{key} must be a string, found {}", v.type_str()));
                    };
                    *slot = Some(non_empty(key, text)?);
                }
                if let Some(ipa) = &p.ipa {
                    check_ipa(ipa)?;
                }
                if p.say.is_none() && p.ipa.is_none() {
                    return Err("give say = \"…\", ipa = \"…\" or both".into());
                }
                Ok(p)
            }
            other => Err(format!(
                "expected a respelling (\"Ozeman\") or a table ({{ say = \"Ozeman\", ipa = \
                 \"ˈəʊzmən\" }}), found {}",
                other.type_str()
            )),
        }
    }

    /// The value as TOML: a string for a bare respelling, else an inline table.
    #[must_use]
    pub fn to_toml(&self) -> toml::Value {
        match (&self.say, &self.ipa) {
            (Some(say), None) => toml::Value::String(say.clone()),
            _ => {
                let mut table = toml::Table::new();
                if let Some(say) = &self.say {
                    table.insert("say".into(), toml::Value::String(say.clone()));
                }
                if let Some(ipa) = &self.ipa {
                    table.insert("ipa".into(), toml::Value::String(ipa.clone()));
                }
                toml::Value::Table(table)
            }
        }
    }
}

fn non_empty(what: &str, text: &str) -> Result<String, String> {
    if text.trim().is_empty() { Err(format!("{what} is empty")) } else { Ok(text.to_owned()) }
}

/// IPA has no capital letters or digits; finding one means a respelling (or another
/// alphabet, such as X-SAMPA) was put where IPA belongs, and an SSML engine would fail on it
/// or say nonsense.
fn check_ipa(ipa: &str) -> Result<(), String> {
    match ipa.chars().find(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) {
        Some(c) => Err(format!(
            "ipa {ipa:?} is not IPA ({c:?} is no IPA symbol); put a respelling in say = \"…\""
        )),
        None => Ok(()),
    }
}

/// One entry as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TableEntry {
    /// The word (or `re:` pattern).
    pub key: String,
    /// Its value, not yet checked.
    pub value: toml::Value,
    /// The line it is on, when read from a file of its own.
    pub line: Option<usize>,
}

/// One layer of a lexicon: the house dictionary or a profile's `[lexicon]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LexiconTable {
    /// Where it was read from (a path, or a profile's name), named in errors and by
    /// `articulate names`.
    pub origin: String,
    /// Its entries, in the order written when that is known.
    pub entries: Vec<TableEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HouseFile {
    #[serde(default)]
    lexicon: BTreeMap<String, toml::Spanned<toml::Value>>,
}

impl LexiconTable {
    /// A profile's `[lexicon]` table (already parsed, so without line numbers).
    #[must_use]
    pub fn from_table(origin: &str, table: &toml::Table) -> LexiconTable {
        let entries = table
            .iter()
            .map(|(key, value)| TableEntry { key: key.clone(), value: value.clone(), line: None })
            .collect();
        LexiconTable { origin: origin.to_owned(), entries }
    }

    /// A house dictionary file's text: one `[lexicon]` table (or nothing, or only comments).
    ///
    /// # Errors
    ///
    /// A TOML syntax error or a key other than `[lexicon]`, with its line.
    pub fn parse_file(origin: &str, text: &str) -> Result<LexiconTable, String> {
        let file: HouseFile = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| format!("line {}: ", line_of(text, s.start)));
            format!("{}{}", at.unwrap_or_default(), e.message().trim())
        })?;
        let mut entries: Vec<TableEntry> = file
            .lexicon
            .into_iter()
            .map(|(key, value)| TableEntry {
                key,
                line: Some(line_of(text, value.span().start)),
                value: value.into_inner(),
            })
            .collect();
        entries.sort_by_key(|e| e.line);
        Ok(LexiconTable { origin: origin.to_owned(), entries })
    }
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> toml::Value {
        toml::from_str::<toml::Table>(&format!("v = {text}")).unwrap().remove("v").unwrap()
    }

    #[test]
    fn a_respelling_ipa_or_both_are_pronunciations() {
        let say = Pronunciation::from_toml(&value("\"Ozeman\"")).unwrap();
        assert_eq!(say, Pronunciation { say: Some("Ozeman".into()), ipa: None });
        let ipa = Pronunciation::from_toml(&value("{ ipa = \"lɒk\" }")).unwrap();
        assert_eq!(ipa, Pronunciation { say: None, ipa: Some("lɒk".into()) });
        let both = Pronunciation::from_toml(&value("{ say = \"Lock\", ipa = \"lɒk\" }")).unwrap();
        assert_eq!(both.to_toml(), value("{ say = \"Lock\", ipa = \"lɒk\" }"));
    }

    #[test]
    fn wrong_values_say_what_is_expected() {
        let err = |v: &str| Pronunciation::from_toml(&value(v)).unwrap_err();
        assert!(err("3").contains("found integer"), "{}", err("3"));
        assert!(err("\"  \"").contains("empty"));
        assert!(err("{ sya = \"x\" }").contains("unknown key \"sya\""));
        assert!(err("{}").contains("say"));
        assert!(err("{ ipa = \"OH-zuh-man\" }").contains("not IPA"));
        assert!(err("{ say = 1 }").contains("say must be a string"));
    }

    #[test]
    fn a_house_file_keeps_the_line_of_every_entry() {
        let text = "# House names\n[lexicon]\nOseman = \"Ozeman\"\n\nLocke = { ipa = \"lɒk\" }\n";
        let table = LexiconTable::parse_file("lexicon.toml", text).unwrap();
        let lines: Vec<_> = table.entries.iter().map(|e| (e.key.as_str(), e.line)).collect();
        assert_eq!(lines, [("Oseman", Some(3)), ("Locke", Some(5))]);
    }

    #[test]
    fn a_house_file_with_only_comments_is_empty_and_other_tables_are_errors() {
        assert!(LexiconTable::parse_file("l", "# nothing yet\n").unwrap().entries.is_empty());
        let err = LexiconTable::parse_file("l", "[lexicon]\nA = \"a\"\n[voices]\n").unwrap_err();
        assert!(err.contains("line 3") && err.contains("voices"), "{err}");
        let err = LexiconTable::parse_file("l", "[lexicon]\nA = \n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }
}

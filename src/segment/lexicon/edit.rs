//! Merging entries into the house dictionary's text, keeping its comments, order and layout
//! (toml_edit), so an import reads as if an editor had typed the new lines at the end.

use toml_edit::{DocumentMut, InlineTable, Item, Value};

use super::Pronunciation;

/// The text a new house dictionary starts with.
pub const NEW_FILE: &str = "\
# The house pronunciation dictionary: how to say names and words the voices get wrong,
# applied to every article and every voice (a voice profile's own [lexicon] wins over it).
#   Oseman = \"Ozeman\"                       # whole word (also \"Oseman's\"), respelled
#   Locke = { say = \"Lock\", ipa = \"lɒk\" }   # IPA for SSML engines, the respelling for others
# `articulate names ARTICLE` lists an article's names and which need an entry.
[lexicon]
";

/// The result of a merge: the new text and what happened to each entry.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Merged {
    /// The dictionary's new text.
    pub text: String,
    /// Keys added at the end.
    pub added: Vec<String>,
    /// Keys whose value was replaced (only when asked to replace).
    pub replaced: Vec<String>,
    /// Keys already there with the same value.
    pub unchanged: Vec<String>,
    /// Keys already there with another value, left as they were: (key, the value kept).
    pub kept: Vec<(String, String)>,
}

/// Merge `entries` into the dictionary `text` (empty for a new file). An existing entry with
/// another value is kept unless `replace`.
///
/// # Errors
///
/// The text is not TOML, or its `lexicon` is not a table.
pub fn merge(
    text: &str,
    entries: &[(String, Pronunciation)],
    replace: bool,
) -> Result<Merged, String> {
    let source = if text.trim().is_empty() { NEW_FILE } else { text };
    let mut doc: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        e.to_string().lines().next().unwrap_or_default().trim().to_owned()
    })?;
    let Some(table) = doc.entry("lexicon").or_insert(toml_edit::table()).as_table_mut() else {
        return Err("`lexicon` is not a [lexicon] table".into());
    };
    let mut merged = Merged::default();
    for (key, pronunciation) in entries {
        let new = to_value(pronunciation);
        match table.get_mut(key) {
            None => {
                table.insert(key, Item::Value(new));
                merged.added.push(key.clone());
            }
            Some(item) => {
                let old = item.as_value().and_then(read);
                if old.as_ref() == Some(pronunciation) {
                    merged.unchanged.push(key.clone());
                } else if replace {
                    let mut new = new;
                    if let Some(old) = item.as_value() {
                        *new.decor_mut() = old.decor().clone();
                    }
                    *item = Item::Value(new);
                    merged.replaced.push(key.clone());
                } else {
                    merged.kept.push((key.clone(), item.to_string().trim().to_owned()));
                }
            }
        }
    }
    merged.text = doc.to_string();
    Ok(merged)
}

/// `entries` as the text of a `[lexicon]` table, one line each.
#[must_use]
pub fn to_toml(entries: &[(String, Pronunciation)]) -> String {
    let mut doc = DocumentMut::new();
    let mut table = toml_edit::Table::new();
    for (key, pronunciation) in entries {
        table.insert(key, Item::Value(to_value(pronunciation)));
    }
    doc.insert("lexicon", Item::Table(table));
    doc.to_string()
}

fn to_value(pronunciation: &Pronunciation) -> Value {
    match pronunciation {
        Pronunciation { say: Some(say), ipa: None } => Value::from(say.as_str()),
        Pronunciation { say, ipa } => {
            let mut table = InlineTable::new();
            if let Some(say) = say {
                table.insert("say", Value::from(say.as_str()));
            }
            if let Some(ipa) = ipa {
                table.insert("ipa", Value::from(ipa.as_str()));
            }
            Value::InlineTable(table)
        }
    }
}

fn read(value: &Value) -> Option<Pronunciation> {
    let parsed: toml::Table = toml::from_str(&format!("v = {}", value.to_string().trim())).ok()?;
    Pronunciation::from_toml(parsed.get("v")?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(key: &str, say: &str) -> (String, Pronunciation) {
        (key.into(), Pronunciation { say: Some(say.into()), ipa: None })
    }

    #[test]
    fn new_entries_go_at_the_end_and_comments_stay() {
        let text = "# Our names\n[lexicon]\n# authors\nOseman = \"Ozeman\"  # Alice\n";
        let entries =
            [say("Oseman", "Ozeman"), say("Niamh", "Neev"), say("Dún Laoghaire", "Dun Leary")];
        let merged = merge(text, &entries, false).unwrap();
        assert_eq!(
            merged.text,
            "# Our names\n[lexicon]\n# authors\nOseman = \"Ozeman\"  # Alice\nNiamh = \"Neev\"\n\
             \"Dún Laoghaire\" = \"Dun Leary\"\n"
        );
        assert_eq!(merged.added, ["Niamh", "Dún Laoghaire"]);
        assert_eq!(merged.unchanged, ["Oseman"]);
    }

    #[test]
    fn an_entry_with_another_value_is_kept_unless_replacing() {
        let text = "[lexicon]\nOseman = \"Ozeman\"  # checked with the author\n";
        let ipa = Pronunciation { say: Some("Ohzman".into()), ipa: Some("ˈəʊzmən".into()) };
        let entries = [("Oseman".to_owned(), ipa)];
        let kept = merge(text, &entries, false).unwrap();
        assert_eq!(kept.text, text);
        assert_eq!(
            kept.kept,
            [("Oseman".to_owned(), "\"Ozeman\"  # checked with the author".to_owned())]
        );
        let replaced = merge(text, &entries, true).unwrap();
        assert_eq!(
            replaced.text,
            "[lexicon]\nOseman = { say = \"Ohzman\", ipa = \"ˈəʊzmən\" }  # checked with the author\n"
        );
        assert_eq!(replaced.replaced, ["Oseman"]);
    }

    #[test]
    fn a_missing_dictionary_starts_from_the_documented_header() {
        let merged = merge("", &[say("Keir", "Keer")], false).unwrap();
        assert!(merged.text.starts_with(NEW_FILE) && merged.text.ends_with("Keir = \"Keer\"\n"));
    }

    #[test]
    fn entries_print_as_a_lexicon_table() {
        let ipa = ("Locke".to_owned(), Pronunciation { say: None, ipa: Some("lɒk".into()) });
        assert_eq!(
            to_toml(&[say("Keir", "Keer"), ipa]),
            "[lexicon]\nKeir = \"Keer\"\nLocke = { ipa = \"lɒk\" }\n"
        );
    }
}

//! W3C Pronunciation Lexicon Specification 1.0: the XML lexicons cloud voices and other
//! tools read and write (<https://www.w3.org/TR/pronunciation-lexicon/>).
//!
//! A lexeme's graphemes become entries; its first IPA `<phoneme>` becomes `ipa` and its
//! first `<alias>` becomes `say`. What the TOML form cannot hold (other phonetic alphabets,
//! `role`) and what PLS cannot hold (regex entries) is reported, never dropped silently.
//! XML is written by quick-xml, which escapes text and attributes by construction.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::Pronunciation;

/// The PLS namespace.
pub const NAMESPACE: &str = "http://www.w3.org/2005/01/pronunciation-lexicon";

/// A PLS document that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlsError {
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// Well-formed, but not a PLS lexicon.
    #[error("line {line}: {message}")]
    NotPls {
        /// Where.
        line: u32,
        /// What is wrong.
        message: String,
    },
}

/// What an import found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// The entries, in document order.
    pub entries: Vec<(String, Pronunciation)>,
    /// The `xml:lang` of the lexicon.
    pub language: Option<String>,
    /// Lexemes or parts of them not imported, each with its line and why.
    pub notes: Vec<String>,
}

/// Read a PLS document.
///
/// # Errors
///
/// Malformed XML, or a root that is not a PLS `<lexicon>`.
pub fn import(xml: &str) -> Result<Imported, PlsError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| PlsError::Xml(e.to_string()))?;
    let line = |node: roxmltree::Node<'_, '_>| doc.text_pos_at(node.range().start).row;
    let root = doc.root_element();
    let namespace = root.tag_name().namespace();
    if root.tag_name().name() != "lexicon" || namespace.is_some_and(|ns| ns != NAMESPACE) {
        return Err(PlsError::NotPls {
            line: line(root),
            message: format!(
                "the root element is <{}>, not a PLS <lexicon> (namespace {NAMESPACE})",
                root.tag_name().name()
            ),
        });
    }
    let default_alphabet = root.attribute("alphabet").unwrap_or("ipa");
    let mut imported = Imported {
        language: root.attribute(("http://www.w3.org/XML/1998/namespace", "lang")).map(Into::into),
        ..Imported::default()
    };
    let is = |node: &roxmltree::Node<'_, '_>, name: &str| {
        node.is_element()
            && node.tag_name().name() == name
            && node.tag_name().namespace() == namespace
    };
    for lexeme in root.children().filter(|n| is(n, "lexeme")) {
        let at = line(lexeme);
        let text = |node: roxmltree::Node<'_, '_>| {
            let text: String =
                node.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        };
        let graphemes: Vec<String> = lexeme
            .children()
            .filter(|n| is(n, "grapheme"))
            .map(text)
            .filter(|g| !g.is_empty())
            .collect();
        let mut ipa = None;
        let mut other_alphabets = Vec::new();
        for phoneme in lexeme.children().filter(|n| is(n, "phoneme")) {
            let alphabet = phoneme.attribute("alphabet").unwrap_or(default_alphabet);
            let ph = text(phoneme);
            if alphabet.eq_ignore_ascii_case("ipa") {
                // A preferred pronunciation wins over the first one.
                if ipa.is_none() || phoneme.attribute("prefer") == Some("true") {
                    ipa = Some(ph);
                }
            } else {
                other_alphabets.push(alphabet.to_owned());
            }
        }
        let say = lexeme.children().filter(|n| is(n, "alias")).map(text).find(|a| !a.is_empty());
        if graphemes.is_empty() {
            imported.notes.push(format!("line {at}: a lexeme without a grapheme: skipped"));
            continue;
        }
        let names = graphemes.join(", ");
        if let Some(role) = lexeme.attribute("role") {
            imported.notes.push(format!(
                "line {at}: {names}: role {role:?} ignored (an entry applies to every use of \
                 the word)"
            ));
        }
        if ipa.is_none() && !other_alphabets.is_empty() {
            imported.notes.push(format!(
                "line {at}: {names}: phonemes in {} are not IPA: {}",
                other_alphabets.join(", "),
                if say.is_some() { "only the alias was imported" } else { "skipped" }
            ));
        }
        let value = Pronunciation { say, ipa };
        if value.say.is_none() && value.ipa.is_none() {
            if other_alphabets.is_empty() {
                imported.notes.push(format!("line {at}: {names}: no phoneme or alias: skipped"));
            }
            continue;
        }
        if let Err(why) = Pronunciation::from_toml(&value.to_toml()) {
            imported.notes.push(format!("line {at}: {names}: {why}: skipped"));
            continue;
        }
        for grapheme in graphemes {
            if imported.entries.iter().any(|(g, _)| *g == grapheme) {
                // PLS says the first lexeme for a grapheme wins.
                imported.notes.push(format!(
                    "line {at}: {grapheme}: already given by an earlier lexeme: skipped"
                ));
            } else {
                imported.entries.push((grapheme, value.clone()));
            }
        }
    }
    Ok(imported)
}

/// Write entries as a PLS document in `language` (`xml:lang`, e.g. `en-GB`). Regex entries
/// (keys starting `re:`) have no PLS form; their keys are returned beside the document.
#[must_use]
pub fn export<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a Pronunciation)>,
    language: &str,
) -> (String, Vec<String>) {
    let mut skipped = Vec::new();
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail, so neither can these.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let _ = writer
        .create_element("lexicon")
        .with_attributes([
            ("version", "1.0"),
            ("xmlns", NAMESPACE),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.w3.org/2005/01/pronunciation-lexicon \
                 http://www.w3.org/TR/2007/CR-pronunciation-lexicon-20071212/pls.xsd",
            ),
            ("alphabet", "ipa"),
            ("xml:lang", language),
        ])
        .write_inner_content(|w| {
            for (key, pronunciation) in entries {
                if key.starts_with("re:") {
                    skipped.push(key.to_owned());
                    continue;
                }
                w.create_element("lexeme").write_inner_content(|w| {
                    w.create_element("grapheme").write_text_content(BytesText::new(key))?;
                    // The first pronunciation is the one a PLS reader uses: IPA when there is.
                    if let Some(ipa) = &pronunciation.ipa {
                        w.create_element("phoneme").write_text_content(BytesText::new(ipa))?;
                    }
                    if let Some(say) = &pronunciation.say {
                        w.create_element("alias").write_text_content(BytesText::new(say))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        });
    let mut xml = String::from_utf8(writer.into_inner()).unwrap_or_default();
    xml.push('\n');
    (xml, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(say: Option<&str>, ipa: Option<&str>) -> Pronunciation {
        Pronunciation { say: say.map(Into::into), ipa: ipa.map(Into::into) }
    }

    #[test]
    fn entries_survive_a_round_trip_through_pls() {
        let entries = vec![
            ("Oseman".to_owned(), p(Some("Ozeman"), None)),
            ("Locke".to_owned(), p(Some("Lock"), Some("lɒk"))),
            ("Niamh".to_owned(), p(None, Some("niːv"))),
            ("AT&T <Corp>".to_owned(), p(Some("A T and T \"corp\""), None)),
        ];
        let (xml, skipped) = export(entries.iter().map(|(k, v)| (k.as_str(), v)), "en-GB");
        assert!(skipped.is_empty());
        assert!(xml.contains("<grapheme>AT&amp;T &lt;Corp&gt;</grapheme>"), "{xml}");
        let back = import(&xml).unwrap();
        assert_eq!(back.entries, entries);
        assert_eq!(back.language.as_deref(), Some("en-GB"));
        assert!(back.notes.is_empty(), "{:?}", back.notes);
    }

    #[test]
    fn regex_entries_are_left_out_of_pls_and_named() {
        let value = p(Some("$1 to $2"), None);
        let (xml, skipped) = export([("re:(\\d+)-(\\d+)", &value)], "en");
        assert_eq!(skipped, ["re:(\\d+)-(\\d+)"]);
        assert!(!xml.contains("<lexeme>"));
    }

    #[test]
    fn a_vendor_lexicon_imports_every_grapheme_and_reports_what_it_cannot_hold() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-US">
  <lexeme>
    <grapheme>Siobhan</grapheme>
    <grapheme>Siobhán</grapheme>
    <phoneme>ʃɪˈvɔːn</phoneme>
  </lexeme>
  <lexeme role="noun">
    <grapheme>W3C</grapheme>
    <alias>World Wide Web Consortium</alias>
  </lexeme>
  <lexeme>
    <grapheme>tomato</grapheme>
    <phoneme alphabet="x-sampa">t@"meItoU</phoneme>
  </lexeme>
  <lexeme>
    <grapheme>Siobhan</grapheme>
    <alias>Shivawn</alias>
  </lexeme>
</lexicon>"#;
        let got = import(xml).unwrap();
        let keys: Vec<_> = got.entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["Siobhan", "Siobhán", "W3C"]);
        assert_eq!(got.entries[0].1, p(None, Some("ʃɪˈvɔːn")));
        assert_eq!(got.entries[2].1, p(Some("World Wide Web Consortium"), None));
        let notes = got.notes.join("\n");
        assert!(notes.contains("line 9: W3C: role \"noun\" ignored"), "{notes}");
        assert!(notes.contains("line 13: tomato: phonemes in x-sampa are not IPA: skipped"));
        assert!(notes.contains("line 17: Siobhan: already given"), "{notes}");
    }

    #[test]
    fn something_else_than_pls_is_an_error_with_its_line() {
        let err = import("<speak>hi</speak>").unwrap_err().to_string();
        assert!(err.starts_with("line 1:") && err.contains("<speak>"), "{err}");
        assert!(import("<lexicon><lexeme>").unwrap_err().to_string().contains("XML"));
    }

    #[test]
    fn capitals_in_imported_ipa_are_skipped_with_a_reason() {
        let xml = r#"<lexicon xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
          version="1.0" alphabet="ipa" xml:lang="en"><lexeme><grapheme>Oz</grapheme>
          <phoneme>OZ</phoneme></lexeme></lexicon>"#;
        let got = import(xml).unwrap();
        assert!(got.entries.is_empty());
        assert!(got.notes[0].contains("not IPA") && got.notes[0].ends_with("skipped"));
    }
}

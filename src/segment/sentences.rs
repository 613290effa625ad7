//! Sentence boundaries for English-like text, without splitting after abbreviations,
//! initials, dotted acronyms or inside decimals.
//!
//! A hand-written splitter rather than the `srx` crate: srx ships no rules, LanguageTool's
//! rules (LGPL) split after "Dr." unless patched, and the handful of rules narration needs
//! fit on one screen and are driven by the configurable abbreviation list.

use std::collections::HashSet;

/// Splits text into sentences.
#[derive(Clone, Debug)]
pub struct SentenceSplitter {
    abbreviations: HashSet<String>,
}

const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];
const OPENERS: &[char] = &['"', '\'', '“', '‘', '(', '[', '«'];

impl SentenceSplitter {
    /// A splitter that never ends a sentence after one of `abbreviations` (written without
    /// the full stop, matched case-sensitively: "Mr", "Dr", "St", "vs").
    #[must_use]
    pub fn new<S: AsRef<str>>(abbreviations: &[S]) -> SentenceSplitter {
        SentenceSplitter {
            abbreviations: abbreviations.iter().map(|a| a.as_ref().to_owned()).collect(),
        }
    }

    /// The sentences of `text`, trimmed, in order. Joining them with single spaces gives
    /// back the text with its whitespace collapsed at the boundaries.
    #[must_use]
    pub fn split<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut sentences = Vec::new();
        let mut start = 0;
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            let (pos, c) = chars[i];
            if !matches!(c, '.' | '!' | '?' | '…') {
                i += 1;
                continue;
            }
            // Swallow runs of terminators and closing quotes: `?!`, `...`, `."`, `.)`.
            let mut j = i + 1;
            while j < chars.len()
                && (matches!(chars[j].1, '.' | '!' | '?' | '…') || CLOSERS.contains(&chars[j].1))
            {
                j += 1;
            }
            let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
            if j < chars.len() && !chars[j].1.is_whitespace() {
                i = j; // "3.14", "U.S.-led", "example.com": not a boundary
                continue;
            }
            let mut k = j;
            while k < chars.len() && chars[k].1.is_whitespace() {
                k += 1;
            }
            let next = chars.get(k).map(|&(_, n)| n);
            let boundary = match next {
                None => true,
                Some(n) => {
                    starts_sentence(n)
                        && !(c == '.' && j == i + 1 && self.is_abbreviation(&text[start..pos]))
                }
            };
            if boundary {
                let sentence = text[start..end].trim();
                if !sentence.is_empty() {
                    sentences.push(sentence);
                }
                start = chars.get(k).map_or(text.len(), |&(p, _)| p);
            }
            i = k.max(i + 1);
        }
        let rest = text[start..].trim();
        if !rest.is_empty() {
            sentences.push(rest);
        }
        sentences
    }

    /// Whether the word that ends `before` (the text up to a full stop) is an abbreviation,
    /// an initial or a dotted acronym, after which a full stop does not end a sentence.
    fn is_abbreviation(&self, before: &str) -> bool {
        let word = before.rsplit(char::is_whitespace).next().unwrap_or_default();
        let word = word.trim_start_matches(OPENERS);
        if word.is_empty() {
            return false;
        }
        let mut letters = word.chars();
        let single_capital =
            matches!((letters.next(), letters.next()), (Some(l), None) if l.is_uppercase());
        let dotted = word.contains('.') && word.chars().all(|c| c.is_alphabetic() || c == '.');
        single_capital || dotted || self.abbreviations.contains(word)
    }
}

/// Whether a sentence may start with `c`: not with a lower-case letter ("e.g. this").
fn starts_sentence(c: char) -> bool {
    !c.is_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        SentenceSplitter::new(&["Mr", "Mrs", "Dr", "St", "Prof", "vs", "No"]).split(text)
    }

    #[test]
    fn splits_on_full_stops_question_and_exclamation_marks() {
        assert_eq!(split("One. Two? Three! Four"), ["One.", "Two?", "Three!", "Four"]);
    }

    #[test]
    fn does_not_split_after_titles_and_saints() {
        assert_eq!(
            split("Mr. Ajayi met Dr. Who at St. Paul's. Then they left."),
            ["Mr. Ajayi met Dr. Who at St. Paul's.", "Then they left."]
        );
    }

    #[test]
    fn does_not_split_after_dotted_acronyms_or_initials() {
        assert_eq!(
            split("The U.S. Senate and J. K. Rowling agreed. Fine."),
            ["The U.S. Senate and J. K. Rowling agreed.", "Fine."]
        );
    }

    #[test]
    fn does_not_split_inside_decimals_or_before_lower_case() {
        assert_eq!(
            split("It rose 3.5 per cent, e.g. to 4.2 in May. Next."),
            ["It rose 3.5 per cent, e.g. to 4.2 in May.", "Next."]
        );
    }

    #[test]
    fn a_sentence_ending_in_a_decimal_number_still_ends() {
        assert_eq!(split("It cost £5.50. It rose."), ["It cost £5.50.", "It rose."]);
    }

    #[test]
    fn keeps_closing_quotes_with_their_sentence() {
        assert_eq!(split("He said: \"Go.\" She went."), ["He said: \"Go.\"", "She went."]);
        assert_eq!(split("“Really?” she asked. Yes."), ["“Really?” she asked.", "Yes."]);
    }

    #[test]
    fn an_ellipsis_before_lower_case_continues_the_sentence() {
        assert_eq!(
            split("It found an audience... and with good reason."),
            ["It found an audience... and with good reason."]
        );
    }
}

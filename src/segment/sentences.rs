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
    /// German: "am 3. Oktober", "zum 2. Mal" are ordinals, not sentence ends.
    ordinal_dots: bool,
}

/// Abbreviations that end a sentence when a capitalised word follows ("…, pears etc. The
/// market…") and not otherwise ("approx. 40", "etc. and").
const MAY_END: &[&str] = &[
    "etc", "approx", "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "Bros", "plc", "a.m", "p.m", "et al",
];
const MONTHS_DE: &[&str] = &[
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

const CLOSERS: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];
const OPENERS: &[char] = &['"', '\'', '“', '‘', '(', '[', '«'];

impl SentenceSplitter {
    /// A splitter that never ends a sentence after one of `abbreviations` (written without
    /// the full stop, matched case-sensitively: "Mr", "Dr", "St", "vs").
    #[must_use]
    pub fn new<S: AsRef<str>>(abbreviations: &[S]) -> SentenceSplitter {
        SentenceSplitter {
            abbreviations: abbreviations.iter().map(|a| a.as_ref().to_owned()).collect(),
            ordinal_dots: false,
        }
    }

    /// The same splitter for text in `language` (BCP 47): German writes ordinals with a
    /// full stop ("am 3. Oktober"), which then ends no sentence.
    #[must_use]
    pub fn for_language(mut self, language: Option<&str>) -> SentenceSplitter {
        self.ordinal_dots = language.is_some_and(|l| {
            l.eq_ignore_ascii_case("de") || l.to_ascii_lowercase().starts_with("de-")
        });
        self
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
                    let single_stop = c == '.' && j == i + 1;
                    let before = &text[start..pos];
                    let next_word = text[chars.get(k).map_or(text.len(), |&(p, _)| p)..]
                        .split_whitespace()
                        .next()
                        .unwrap_or_default();
                    if single_stop && may_end(before) {
                        n.is_uppercase()
                    } else if single_stop && self.ordinal(before, next_word) {
                        false
                    } else {
                        starts_sentence(n) && !(single_stop && self.is_abbreviation(before))
                    }
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

    /// Whether the number that ends `before` is an ordinal ("3." before "Oktober").
    fn ordinal(&self, before: &str, next_word: &str) -> bool {
        let word = before.rsplit(char::is_whitespace).next().unwrap_or_default();
        if word.is_empty() || word.len() > 3 || !word.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        let next = next_word.trim_end_matches(|c: char| !c.is_alphanumeric());
        MONTHS_DE.contains(&next)
            || (self.ordinal_dots && next.chars().next().is_some_and(char::is_alphabetic))
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

/// Whether `before` ends in an abbreviation that may also end a sentence.
fn may_end(before: &str) -> bool {
    let word = before.rsplit(char::is_whitespace).next().unwrap_or_default();
    let word = word.trim_start_matches(OPENERS);
    MAY_END.contains(&word) || before.ends_with(" et al")
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
    fn a_sentence_final_abbreviation_that_may_end_one_does() {
        assert_eq!(
            split("They sold apples, pears etc. The market closed. It was approx. 40 km."),
            ["They sold apples, pears etc.", "The market closed.", "It was approx. 40 km."]
        );
        assert_eq!(
            split("It was made by Acme Inc. The firm said."),
            ["It was made by Acme Inc.", "The firm said."]
        );
        assert_eq!(
            split("He left at 10 a.m. Then it rained."),
            ["He left at 10 a.m.", "Then it rained."]
        );
        assert_eq!(split("Apples etc. and pears."), ["Apples etc. and pears."]);
    }

    #[test]
    fn titles_never_end_a_sentence() {
        assert_eq!(split("Ask Dr. Smith. He knows."), ["Ask Dr. Smith.", "He knows."]);
    }

    #[test]
    fn german_ordinals_end_no_sentence() {
        let de = SentenceSplitter::new(&["Dr"]).for_language(Some("de"));
        assert_eq!(
            de.split("Am 3. Oktober wurde er zum 2. Mal Meister. Dann ging er."),
            ["Am 3. Oktober wurde er zum 2. Mal Meister.", "Dann ging er."]
        );
        assert_eq!(split("Am 3. Oktober war Feiertag."), ["Am 3. Oktober war Feiertag."]);
    }

    #[test]
    fn an_ellipsis_before_lower_case_continues_the_sentence() {
        assert_eq!(
            split("It found an audience... and with good reason."),
            ["It found an audience... and with good reason."]
        );
    }
}

//! Judging one segment: which of its words failed, and whether it passes.

use super::VerifyConfig;
use super::compare::{self, TextWord};
use super::recogniser::Heard;

/// How many heard words either side of a word's place may be it: dates and numbers are
/// often read in another order than written ("November 18" → "the 18th of November").
const NEARBY: usize = 3;

/// The judgement on one segment.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Word error rate of the transcript against the closest reference text, normalised.
    pub wer: f64,
    /// Indexes of the display words that failed.
    pub failed: Vec<usize>,
    /// How many words were judged (links, handles and emoji are not).
    pub judged: usize,
    /// Whether the segment passes: no more than the threshold's share of its words failed.
    pub pass: bool,
}

impl Verdict {
    /// Two listens to the same audio (decoded differently) agreed on: a word failed only
    /// if it failed in both. The word error rate is the better of the two.
    #[must_use]
    pub fn agreed(&self, other: &Verdict, config: &VerifyConfig) -> Verdict {
        let failed: Vec<usize> =
            self.failed.iter().copied().filter(|i| other.failed.contains(i)).collect();
        #[allow(clippy::cast_precision_loss)]
        let pass = failed.len() as f64 <= config.threshold * self.judged as f64;
        Verdict { wer: self.wer.min(other.wer), failed, judged: self.judged, pass }
    }
}

/// Judge a segment's display `words` against what was `heard`. `references` are the texts it
/// may fairly be compared with (the article's words, and what the engine was sent); the word
/// error rate is against the closest.
#[must_use]
pub fn judge(
    words: &[TextWord],
    heard: &Heard,
    references: &[&str],
    english: bool,
    config: &VerifyConfig,
) -> Verdict {
    let heard_words = compare::words(&heard.text, english);
    let heard_units: Vec<String> =
        heard.text.split_whitespace().map(|w| compare::unit(w, english)).collect();
    let heard_units: Vec<String> = heard_units.into_iter().filter(|u| !u.is_empty()).collect();
    let units: Vec<String> = words.iter().map(|w| w.unit.clone()).collect();
    let places = compare::places(&units, &heard_units);
    let mut failed = Vec::new();
    let mut judged = 0;
    for (i, word) in words.iter().enumerate() {
        if !word.judged || word.unit.is_empty() {
            continue;
        }
        judged += 1;
        let similarity = compare::nearby(&word.unit, &heard_units, places[i], NEARBY);
        let probability = heard.words.get(i).map_or(0.0, |w| w.probability);
        if similarity < config.min_similarity && probability < config.min_probability {
            failed.push(i);
        }
    }
    let wer = references
        .iter()
        .map(|r| f64::from(compare::wer(&compare::words(r, english), &heard_words)))
        .fold(f64::INFINITY, f64::min);
    #[allow(clippy::cast_precision_loss)]
    let pass = failed.len() as f64 <= config.threshold * judged as f64;
    Verdict { wer: if wer.is_finite() { wer } else { 0.0 }, failed, judged, pass }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{HeardWord, display_words};

    fn heard(text: &str, probabilities: &[f64]) -> Heard {
        Heard {
            text: text.to_owned(),
            words: probabilities
                .iter()
                .map(|&probability| HeardWord { start: 0.0, end: 0.0, probability })
                .collect(),
        }
    }

    #[test]
    fn a_name_spelled_differently_passes_and_a_swapped_word_fails() {
        let config = VerifyConfig::default();
        let text = "Alice Oseman wrote it.";
        let words = display_words(text, true);
        let ok = judge(
            &words,
            &heard("Alice Osman wrote it.", &[0.9, 0.02, 0.9, 0.9]),
            &[text],
            true,
            &config,
        );
        assert!(ok.pass, "{ok:?}");
        let bad = judge(
            &words,
            &heard("Alice Oseman stole it.", &[0.9, 0.5, 0.001, 0.9]),
            &[text],
            true,
            &config,
        );
        assert_eq!(bad.failed, [2]);
        assert!(!bad.pass);
        assert!((bad.wer - 0.25).abs() < 1e-9);
    }

    #[test]
    fn a_word_the_model_accepts_there_passes_even_when_not_transcribed() {
        let config = VerifyConfig::default();
        let text = "It rose 5 per cent.";
        let words = display_words(text, true);
        let v = judge(
            &words,
            &heard("It rose five percent.", &[0.9, 0.9, 0.6, 0.3, 0.3]),
            &[text],
            true,
            &config,
        );
        assert!(v.pass, "{v:?}");
        assert!(v.wer < 1e-9, "{v:?}");
        let date = "on November 18, 2019";
        let words = display_words(date, true);
        let v = judge(
            &words,
            &heard("on the 18th of November 2019", &[0.9, 0.001, 0.001, 0.9]),
            &[date],
            true,
            &config,
        );
        assert!(v.pass, "{v:?}");
    }

    #[test]
    fn a_number_read_wrong_fails_however_alike_its_digits() {
        let config = VerifyConfig::default();
        let text = "A study from 2012 counted 17 types.";
        let words = display_words(text, true);
        let v = judge(
            &words,
            &heard("A study from 2012 counted 18 types.", &[0.9, 0.9, 0.9, 0.9, 0.9, 0.0001, 0.9]),
            &[text],
            true,
            &config,
        );
        assert_eq!(v.failed, [5]);
    }

    #[test]
    fn a_word_fails_two_listens_only_when_it_fails_both() {
        let config = VerifyConfig::default();
        let text = "Is Joe Locke gay?";
        let words = display_words(text, true);
        // With its names as hot words Whisper takes them as said already (and the model,
        // prompted so, doubts them where they are); without, it misses the last word.
        let hinted =
            judge(&words, &heard("gay?", &[0.001, 0.001, 0.001, 0.9]), &[text], true, &config);
        let plain =
            judge(&words, &heard("Is Joe Locke?", &[0.5, 0.9, 0.9, 0.001]), &[text], true, &config);
        assert!(!hinted.pass && !plain.pass, "{hinted:?} {plain:?}");
        let both = hinted.agreed(&plain, &config);
        assert!(both.pass && both.failed.is_empty(), "{both:?}");
        let swapped = judge(
            &words,
            &heard("Is Joe Locke gone?", &[0.5, 0.9, 0.9, 0.001]),
            &[text],
            true,
            &config,
        );
        assert_eq!(swapped.agreed(&plain, &config).failed, [3]);
    }

    #[test]
    fn the_threshold_allows_a_share_of_failed_words() {
        let config = VerifyConfig { threshold: 0.5, ..VerifyConfig::default() };
        let text = "one two three four";
        let words = display_words(text, true);
        let v = judge(&words, &heard("one two", &[0.9, 0.9, 0.0, 0.0]), &[text], true, &config);
        assert_eq!(v.failed.len(), 2);
        assert!(v.pass);
    }
}

//! A second, independent estimate of where a page's main text is: no scores, no element
//! tree, only the blocks in reading order and how much running text each holds.
//!
//! Each block weighs its words: running text (a block of a dozen words or more, few of
//! them links, with a sentence in it) counts for, everything else against, links most of
//! all. The stretch of blocks with the greatest total weight is the main text, as in Finn
//! et al.'s body text extraction. The article finder's choice is compared with it: the
//! share of this main text that the spoken article holds is the extraction's confidence.

use super::rules::Rules;
use crate::model::{Block, Extraction};

/// A block as the estimate sees it.
pub(super) struct Seen<'t> {
    /// Its text.
    pub(super) text: &'t str,
    /// The share of its text in links.
    pub(super) link_density: f32,
    /// No reader sees it (hidden, code, marked by the publisher): it weighs nothing.
    pub(super) unseen: bool,
    /// Known not to be the story: page furniture skipped as a whole (navigation, a
    /// footer, a comment section), or anything above the headline.
    pub(super) furniture: bool,
}

/// The estimate: the blocks of the main stretch, and which of all blocks read as running
/// text.
#[derive(Debug, Default)]
pub(super) struct Estimate {
    /// The main stretch, as a range of block indices.
    pub(super) span: std::ops::Range<usize>,
    /// Per block: whether it reads as running text.
    pub(super) running: Vec<bool>,
    /// Per block: its words.
    pub(super) words: Vec<usize>,
}

impl Estimate {
    /// The words of running text in the main stretch.
    pub(super) fn main_words(&self) -> usize {
        self.span.clone().filter(|&i| self.running[i]).map(|i| self.words[i]).sum()
    }

    /// Whether block `i` is running text in the main stretch.
    pub(super) fn is_main(&self, i: usize) -> bool {
        self.span.contains(&i) && self.running[i]
    }
}

/// Running text has at least this many words.
const MIN_WORDS: usize = 10;
/// Running text has less than this share of its text in links.
const MAX_LINKS: f32 = 0.35;

/// Estimate the main stretch of `blocks`.
pub(super) fn estimate(blocks: &[Seen<'_>], rules: &Rules) -> Estimate {
    let words: Vec<usize> = blocks.iter().map(|b| words(b.text)).collect();
    let running: Vec<bool> = blocks
        .iter()
        .zip(&words)
        .map(|(b, &w)| {
            !b.unseen
                && !b.furniture
                && w >= MIN_WORDS
                && b.link_density < MAX_LINKS
                && has_sentence(b.text)
                && !truncated(b.text)
                && rules.classify(b.text).is_none()
        })
        .collect();
    let weight = |i: usize| -> f32 {
        let b = &blocks[i];
        let w = words[i] as f32;
        if b.unseen {
            0.0
        } else if running[i] {
            w
        } else if b.furniture {
            -(1.0 + 0.5 * w)
        } else {
            let links = w * b.link_density;
            -(2.0 + links + 0.25 * (w - links))
        }
    };
    // The stretch of greatest total weight (Kadane).
    let (mut best, mut best_span) = (0.0f32, 0..0);
    let (mut sum, mut start) = (0.0f32, 0);
    for i in 0..blocks.len() {
        if sum <= 0.0 {
            sum = 0.0;
            start = i;
        }
        sum += weight(i);
        if sum > best {
            best = sum;
            best_span = start..i + 1;
        }
    }
    Estimate { span: best_span, running, words }
}

/// The confidence of an extraction that had nothing to choose among (plain text,
/// Markdown): the share of the input's main text that is spoken.
pub(super) fn confidence_of(blocks: &[Block], rules: &Rules) -> Extraction {
    let seen: Vec<Seen<'_>> = blocks
        .iter()
        .map(|b| Seen { text: &b.text, link_density: 0.0, unseen: false, furniture: false })
        .collect();
    let estimate = estimate(&seen, rules);
    let main: Vec<usize> = (0..blocks.len())
        .filter(|&i| estimate.is_main(i) || (estimate.running[i] && blocks[i].is_spoken()))
        .collect();
    let total: usize = main.iter().map(|&i| estimate.words[i]).sum();
    let spoken: usize =
        main.iter().filter(|&&i| blocks[i].is_spoken()).map(|&i| estimate.words[i]).sum();
    let confidence =
        if total == 0 { 1.0 } else { (spoken as f64 * 100.0 / total as f64).round() / 100.0 };
    let mut decision = vec![format!(
        "content density: main text of {} words of running text, {spoken} of them spoken",
        estimate.main_words()
    )];
    decision.push(format!("confidence {confidence:.2}"));
    let warning = (confidence < WARN_BELOW).then(|| {
        format!(
            "only {:.0}% of the input's running text is narrated; the rest was skipped as \
             furniture",
            confidence * 100.0
        )
    });
    Extraction { confidence, warning, decision }
}

/// Below this confidence an extraction carries a warning even if nothing was corrected.
pub(super) const WARN_BELOW: f64 = 0.5;

/// Words: runs of letters and digits; each Chinese or Japanese character counts as one.
pub(super) fn words(text: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for c in text.chars() {
        if is_ideograph(c) {
            count += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            count += usize::from(!in_word);
            in_word = true;
        } else {
            in_word = false;
        }
    }
    count
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}')
}

/// A teaser's summary, cut short: it ends in an ellipsis.
fn truncated(text: &str) -> bool {
    let text = text.trim_end();
    text.ends_with('…') || text.ends_with("...")
}

/// Whether the text holds a sentence's end (or a clause's, in languages that write them
/// without spaces).
fn has_sentence(text: &str) -> bool {
    text.contains(['.', '!', '?', '…', '。', '！', '？', '؟', '।'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::ExtractConfig;

    fn seen(text: &str, link_density: f32) -> Seen<'_> {
        Seen { text, link_density, unseen: false, furniture: false }
    }

    const PROSE: &str =
        "The council met on Tuesday night and voted, after a long debate, to close the bridge.";

    #[test]
    fn the_main_stretch_is_the_running_text_between_the_link_lists() {
        let rules = Rules::compile(&ExtractConfig::default()).unwrap();
        // Twenty links: a navigation bar weighs more than the prose after it.
        let nav = "Home News Sport Weather Culture Travel Opinion Video Audio Puzzles Home News \
                   Sport Weather Culture Travel Opinion Video Audio Puzzles";
        let blocks = [
            seen(nav, 1.0),
            seen(PROSE, 0.0),
            seen("What happens next", 0.0),
            seen(PROSE, 0.1),
            seen(nav, 1.0),
            seen(PROSE, 0.0),
        ];
        let estimate = estimate(&blocks, &rules);
        assert_eq!(estimate.span, 1..4);
        assert!(estimate.is_main(1) && !estimate.is_main(2) && estimate.is_main(3));
        assert_eq!(estimate.main_words(), 2 * words(PROSE));
    }

    #[test]
    fn hidden_text_and_furniture_are_never_main_text() {
        let rules = Rules::compile(&ExtractConfig::default()).unwrap();
        let mut hidden = seen(PROSE, 0.0);
        hidden.unseen = true;
        let mut comments = seen(PROSE, 0.0);
        comments.furniture = true;
        let estimate = estimate(&[hidden, seen(PROSE, 0.0), comments], &rules);
        assert_eq!(estimate.span, 1..2);
        assert!(!estimate.is_main(0) && estimate.is_main(1) && !estimate.is_main(2));
    }

    #[test]
    fn words_count_letters_and_ideographs() {
        assert_eq!(words("It's 5 o'clock."), 5);
        assert_eq!(words("東京は晴れ"), 5);
    }
}

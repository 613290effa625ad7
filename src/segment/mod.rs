//! Segment: cut the spoken blocks into chunks of whole sentences within a backend's limit,
//! and group them into chapters, one per headline or heading.
//!
//! A chunk never spans two blocks, so each manifest segment maps to one paragraph, heading
//! or list item that a player can highlight.

mod sentences;

use serde::Deserialize;

pub use sentences::SentenceSplitter;

use crate::model::{Article, BlockKind, Chunk, Pause, Script, ScriptChapter};
use crate::tts::Capabilities;

/// `[segment]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentConfig {
    /// Longest chunk in characters, even if the backend allows more. Default: 1000.
    pub max_chunk_chars: usize,
    /// Words after which a full stop does not end a sentence, written without the stop.
    pub abbreviations: Vec<String>,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        const ABBREVIATIONS: &[&str] = &[
            "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "St", "Sr", "Jr", "Rev", "Fr", "Gen", "Gov",
            "Sen", "Rep", "Lt", "Col", "Capt", "Sgt", "Cpl", "Mt", "Ft", "Ave", "Rd", "No", "Nos",
            "vs", "etc", "approx", "Inc", "Ltd", "Co", "Corp", "Jan", "Feb", "Mar", "Apr", "Jun",
            "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        ];
        SegmentConfig {
            max_chunk_chars: 1000,
            abbreviations: ABBREVIATIONS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

impl SegmentConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.max_chunk_chars < 50 {
            problems.push("[segment] max_chunk_chars must be at least 50".into());
        }
        for (i, a) in self.abbreviations.iter().enumerate() {
            if a.is_empty() || a.ends_with('.') || a.contains(char::is_whitespace) {
                problems.push(format!(
                    "[segment] abbreviations[{i}] {a:?}: write one word without its full stop"
                ));
            }
        }
    }
}

/// A failure to segment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentError {
    /// A single word is longer than one request may be.
    #[error(
        "block {block}: the word {word:?}… is longer than one request to this backend allows; \
         remove it or choose a backend with a larger limit"
    )]
    WordTooLong {
        /// Index of the block in the article.
        block: usize,
        /// The start of the word.
        word: String,
    },
    /// The article has no spoken block.
    #[error("nothing to narrate: every block was skipped")]
    Empty,
}

/// Cut an article's spoken blocks into chunks that each fit one request to `caps`.
///
/// # Errors
///
/// When nothing is spoken, or one word alone exceeds the backend's limit.
pub fn segment(
    article: &Article,
    caps: &Capabilities,
    config: &SegmentConfig,
) -> Result<Script, SegmentError> {
    let splitter = SentenceSplitter::new(&config.abbreviations);
    let fits = |text: &str| text.chars().count() <= config.max_chunk_chars && caps.fits(text);
    let mut script = Script::default();
    let mut previous_block = None;
    for (index, block) in article.spoken() {
        let new_chapter = block.kind.starts_chapter() || script.chapters.is_empty();
        if new_chapter {
            let title = if block.kind.starts_chapter() { &block.text } else { &article.meta.title };
            script
                .chapters
                .push(ScriptChapter { title: title.clone(), first_chunk: script.chunks.len() });
        }
        let pieces = pack(&splitter.split(&block.text), &fits)
            .map_err(|word| SegmentError::WordTooLong { block: index, word })?;
        for (n, text) in pieces.into_iter().enumerate() {
            let pause_before = match (previous_block, n) {
                (None, _) => Pause::None,
                (Some(_), 1..) => Pause::Sentence,
                (Some(_), 0) if new_chapter => Pause::Chapter,
                (Some(_), 0) if block.kind == BlockKind::Heading => Pause::Heading,
                (Some(_), 0) => Pause::Paragraph,
            };
            script.chunks.push(Chunk {
                id: script.chunks.len(),
                block: index,
                chapter: script.chapters.len() - 1,
                kind: block.kind,
                speak: speakable(&text, block.kind),
                text,
                pause_before,
            });
            previous_block = Some(index);
        }
    }
    if script.chunks.is_empty() {
        return Err(SegmentError::Empty);
    }
    Ok(script)
}

/// Headings and list items often lack a full stop; give the engine one so it ends the
/// phrase with a falling tone and a breath, rather than running into the next chunk.
fn speakable(text: &str, kind: BlockKind) -> String {
    let ends_sentence = text.ends_with(['.', '!', '?', '…', ':', ';', '"', '”', '\'', '’', ')']);
    if ends_sentence || kind == BlockKind::Paragraph { text.to_owned() } else { format!("{text}.") }
}

/// Greedily pack sentences into as few pieces as fit; a sentence that does not fit alone is
/// cut at clause punctuation, then between words. `Err` carries a word that cannot fit.
fn pack(sentences: &[&str], fits: &dyn Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for sentence in sentences {
        let candidate = join(&current, sentence);
        if fits(&candidate) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if fits(sentence) {
            current = (*sentence).to_owned();
            continue;
        }
        for clause in split_long(sentence, fits)? {
            pieces.push(clause);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    Ok(pieces)
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_owned() } else { format!("{a} {b}") }
}

/// Cut one over-long sentence: first after clause punctuation, then between words.
fn split_long(sentence: &str, fits: &dyn Fn(&str) -> bool) -> Result<Vec<String>, String> {
    let clauses: Vec<&str> = sentence
        .split_inclusive([',', ';', ':', '—', '–'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let mut pieces = Vec::new();
    let mut current = String::new();
    for clause in clauses {
        let candidate = join(&current, clause);
        if fits(&candidate) {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if fits(clause) {
            current = clause.to_owned();
            continue;
        }
        for word in clause.split_whitespace() {
            let candidate = join(&current, word);
            if fits(&candidate) {
                current = candidate;
            } else if fits(word) {
                pieces.push(std::mem::replace(&mut current, word.to_owned()));
            } else {
                return Err(word.chars().take(40).collect());
            }
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    Ok(pieces.into_iter().filter(|p| !p.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Block, Metadata, SourceRef};

    fn caps(max_chars: usize) -> Capabilities {
        Capabilities {
            max_chars: Some(max_chars),
            max_bytes: None,
            max_billed_chars: None,
            ssml: false,
            formats: vec![],
            concurrency: 1,
        }
    }

    fn article(blocks: Vec<Block>) -> Article {
        Article {
            meta: Metadata { title: "Title".into(), ..Metadata::default() },
            source: SourceRef { path: "x".into(), sha256: String::new() },
            blocks,
        }
    }

    #[test]
    fn headings_start_chapters_and_pauses_follow_the_structure() {
        let a = article(vec![
            Block::speak(BlockKind::Headline, "Title", "headline"),
            Block::skip(BlockKind::Other, "Picture: X", "caption"),
            Block::speak(BlockKind::Paragraph, "One. Two.", "paragraph"),
            Block::speak(BlockKind::Heading, "Why?", "heading"),
            Block::speak(BlockKind::Paragraph, "Because.", "paragraph"),
        ]);
        let script = segment(&a, &caps(1000), &SegmentConfig::default()).unwrap();
        let titles: Vec<_> = script.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Title", "Why?"]);
        let pauses: Vec<_> = script.chunks.iter().map(|c| c.pause_before).collect();
        assert_eq!(pauses, [Pause::None, Pause::Paragraph, Pause::Chapter, Pause::Paragraph]);
        assert_eq!(script.chunks[1].block, 2);
        assert_eq!(script.chapters[1].first_chunk, 2);
        assert_eq!(script.chunks[0].speak, "Title.");
        assert_eq!(script.chunks[0].text, "Title");
    }

    #[test]
    fn sentences_are_packed_up_to_the_limit_and_never_cut() {
        let text = "First sentence here. Second sentence here. Third one.";
        let a = article(vec![Block::speak(BlockKind::Paragraph, text, "p")]);
        let script = segment(&a, &caps(45), &SegmentConfig::default()).unwrap();
        let chunks: Vec<_> = script.chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(chunks, ["First sentence here. Second sentence here.", "Third one."]);
        assert_eq!(script.chunks[1].pause_before, Pause::Sentence);
    }

    #[test]
    fn an_over_long_sentence_splits_at_clauses_then_between_words() {
        let text = "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda mu nu xi.";
        let pieces = pack(&[text], &|s: &str| s.chars().count() <= 30).unwrap();
        assert_eq!(pieces[0], "alpha beta gamma,");
        assert!(pieces.iter().all(|p| p.chars().count() <= 30));
        assert_eq!(pieces.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_limit_is_an_error_naming_the_block() {
        let a = article(vec![Block::speak(BlockKind::Paragraph, "x".repeat(80), "p")]);
        let err = segment(&a, &caps(60), &SegmentConfig::default()).unwrap_err();
        assert!(err.to_string().starts_with("block 0:"), "{err}");
    }

    #[test]
    fn an_article_with_nothing_spoken_is_an_error() {
        let a = article(vec![Block::skip(BlockKind::Other, "Ad", "advert")]);
        assert!(matches!(
            segment(&a, &caps(100), &SegmentConfig::default()),
            Err(SegmentError::Empty)
        ));
    }
}

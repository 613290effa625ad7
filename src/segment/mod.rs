//! Segment: cut the spoken blocks into chunks of whole sentences within a backend's limit,
//! and group them into chapters, one per headline or heading.
//!
//! A chunk never spans two blocks, so each manifest segment maps to one paragraph, heading
//! or list item that a player can highlight.

pub mod interlude;
pub mod lexicon;
pub mod names;
pub mod normalize;
mod sentences;

use serde::Deserialize;

pub use interlude::{InterludeConfig, frame};
pub use lexicon::{Lexicon, Rendered};
pub use normalize::{NormalizeConfig, Normalizer};
pub use sentences::SentenceSplitter;

use crate::model::Capabilities;
use crate::model::{Article, BlockKind, Chunk, Pause, Script, ScriptChapter};

/// `[segment]` settings.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentConfig {
    /// Longest chunk in characters, even if the backend allows more. Default: 1000.
    pub max_chunk_chars: usize,
    /// Words after which a full stop does not end a sentence, written without the stop.
    pub abbreviations: Vec<String>,
    /// `[segment.normalize]`: how text is rewritten into words before synthesis.
    pub normalize: NormalizeConfig,
}

impl Default for SegmentConfig {
    fn default() -> Self {
        const ABBREVIATIONS: &[&str] = &[
            "Mr", "Mrs", "Ms", "Mx", "Dr", "Prof", "St", "Sr", "Jr", "Rev", "Fr", "Gen", "Gov",
            "Sen", "Rep", "Lt", "Col", "Capt", "Sgt", "Cpl", "Mt", "Ft", "Ave", "Rd", "No", "Nos",
            "vs", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov",
            "Dec", "Cllr", "Supt", "Insp", "Det",
        ];
        SegmentConfig {
            max_chunk_chars: 1000,
            abbreviations: ABBREVIATIONS.iter().map(|s| (*s).to_owned()).collect(),
            normalize: NormalizeConfig::default(),
        }
    }
}

impl SegmentConfig {
    /// Check the settings without I/O, adding every problem to `problems`.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if self.max_chunk_chars < 50 {
            problems.push("[segment] max_chunk_chars must be at least 50".into());
        }
        self.normalize.validate(problems);
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
/// Each sentence is normalised on its own (dates, money, acronyms... become words), and the
/// backend's limit is checked against that normalised text, since that is what is sent.
///
/// # Errors
///
/// When nothing is spoken, or one word alone exceeds the backend's limit.
pub fn segment(
    article: &Article,
    caps: &Capabilities,
    config: &SegmentConfig,
    lexicon: &Lexicon,
) -> Result<Script, SegmentError> {
    segment_cast(article, config, &[VoiceLimits { caps, lexicon }], &|_| 0)
}

/// One voice's limits and lexicon, for [`segment_cast`].
#[derive(Clone, Copy)]
pub struct VoiceLimits<'a> {
    /// What its backend accepts.
    pub caps: &'a Capabilities,
    /// How it pronounces words.
    pub lexicon: &'a Lexicon,
}

/// [`segment`] with several voices: `pick` says which of `voices` speaks each block kind,
/// and each chunk is cut to its own voice's limit and rendered with its lexicon.
///
/// # Errors
///
/// As [`segment`].
pub fn segment_cast(
    article: &Article,
    config: &SegmentConfig,
    voices: &[VoiceLimits<'_>],
    pick: &dyn Fn(BlockKind) -> usize,
) -> Result<Script, SegmentError> {
    let splitter =
        SentenceSplitter::new(&config.abbreviations).for_language(article.meta.language.as_deref());
    let speakers: Vec<_> = voices.iter().map(|v| speaker(article, config, v.lexicon)).collect();
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
        let voice = pick(block.kind).min(voices.len() - 1);
        let caps = voices[voice].caps;
        let fits = |speech: &Rendered| {
            speech.plain.chars().count() <= config.max_chunk_chars
                && caps.fits(&speech.plain, &speech.ssml)
        };
        let pieces = pack(&splitter.split(&block.text), &speakers[voice], &fits)
            .map_err(|word| SegmentError::WordTooLong { block: index, word })?;
        for (n, piece) in pieces.into_iter().enumerate() {
            let pause_before = match (previous_block, n) {
                (None, _) => Pause::None,
                (Some(_), 1..) => Pause::Sentence,
                (Some(_), 0) if new_chapter => Pause::Chapter,
                (Some(_), 0) if block.kind == BlockKind::Heading => Pause::Heading,
                (Some(_), 0) => Pause::Paragraph,
            };
            let speech = speakable(piece.speech, block.kind);
            // A stray zero-width space or byte-order mark is a block to a page, but silence
            // to an engine: nothing to send, nothing to time.
            if !speech.plain.chars().any(char::is_alphanumeric) {
                continue;
            }
            script.chunks.push(Chunk {
                id: script.chunks.len(),
                block: index,
                chapter: script.chapters.len() - 1,
                kind: block.kind,
                speak: speech.plain,
                ssml: speech.ssml,
                text: piece.text,
                pause_before,
                voice,
                audio_file: None,
            });
            previous_block = Some(index);
        }
    }
    if script.chunks.is_empty() {
        return Err(SegmentError::Empty);
    }
    Ok(script)
}

/// What the engine is sent for some of `article`'s text: normalised, then the lexicon.
pub fn speaker<'a>(
    article: &Article,
    config: &SegmentConfig,
    lexicon: &'a Lexicon,
) -> impl Fn(&str) -> Rendered + 'a {
    let normalizer = Normalizer::new(&config.normalize, article.meta.language.as_deref())
        .protecting(lexicon.words());
    move |text: &str| lexicon.render(&normalizer.normalize(text))
}

/// Headings and list items often lack a full stop; give the engine one so it ends the
/// phrase with a falling tone and a breath, rather than running into the next chunk.
fn speakable(mut speech: Rendered, kind: BlockKind) -> Rendered {
    let text = speech.plain.trim_end();
    let ends_sentence = text.ends_with(['.', '!', '?', '…', ':', ';', '"', '”', '\'', '’', ')']);
    if !(ends_sentence || kind == BlockKind::Paragraph || text.is_empty()) {
        speech.plain.push('.');
        speech.ssml.push('.');
    }
    speech
}

/// Some of the article's words and what the engine is asked to say for them.
#[derive(Clone, Debug, Default)]
struct Piece {
    text: String,
    speech: Rendered,
}

/// Turns article text into what is sent.
type Speak<'a> = dyn Fn(&str) -> Rendered + 'a;
/// Whether a rendering fits one request.
type Fits<'a> = dyn Fn(&Rendered) -> bool + 'a;

impl Piece {
    fn new(text: &str, speak: &Speak<'_>) -> Piece {
        Piece { text: text.to_owned(), speech: speak(text) }
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// This piece followed by `next`, or `None` if the result would not fit.
    fn joined(&self, next: &Piece, fits: &Fits<'_>) -> Option<Piece> {
        if self.is_empty() {
            return fits(&next.speech).then(|| next.clone());
        }
        let speech = Rendered {
            plain: join(&self.speech.plain, &next.speech.plain),
            ssml: join(&self.speech.ssml, &next.speech.ssml),
        };
        fits(&speech).then(|| Piece { text: join(&self.text, &next.text), speech })
    }
}

/// Greedily pack sentences into as few pieces as fit; a sentence that does not fit alone is
/// cut at clause punctuation, then between words, and a word too long for one request (a
/// run of characters with no space) into parts. `Err` carries a word that cannot fit even
/// one character at a time.
fn pack(sentences: &[&str], speak: &Speak<'_>, fits: &Fits<'_>) -> Result<Vec<Piece>, String> {
    let units: Vec<Piece> = sentences.iter().map(|s| Piece::new(s, speak)).collect();
    greedy(units, fits, &|unit: &Piece| {
        let clauses: Vec<Piece> = unit
            .text
            .split_inclusive([',', ';', ':', '—', '–'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| Piece::new(c, speak))
            .collect();
        greedy(clauses, fits, &|clause: &Piece| {
            let words = clause.text.split_whitespace().map(|w| Piece::new(w, speak)).collect();
            greedy(words, fits, &|word: &Piece| split_word(word, speak, fits))
        })
    })
}

/// Join consecutive units while they fit; a unit that does not fit alone goes to `split`.
fn greedy(
    units: Vec<Piece>,
    fits: &Fits<'_>,
    split: &dyn Fn(&Piece) -> Result<Vec<Piece>, String>,
) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut current = Piece::default();
    for unit in units {
        if let Some(longer) = current.joined(&unit, fits) {
            current = longer;
            continue;
        }
        if !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if fits(&unit.speech) {
            current = unit;
        } else {
            pieces.extend(split(&unit)?);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    Ok(pieces)
}

/// A word too long for one request, halved until each part fits.
fn split_word(word: &Piece, speak: &Speak<'_>, fits: &Fits<'_>) -> Result<Vec<Piece>, String> {
    let chars: Vec<char> = word.text.chars().collect();
    if chars.len() < 2 {
        return Err(word.text.clone());
    }
    let (a, b) = chars.split_at(chars.len() / 2);
    let mut parts = Vec::new();
    for half in [a, b] {
        let piece = Piece::new(&half.iter().collect::<String>(), speak);
        if fits(&piece.speech) {
            parts.push(piece);
        } else {
            parts.extend(split_word(&piece, speak, fits)?);
        }
    }
    Ok(parts)
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() { b.to_owned() } else { format!("{a} {b}") }
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
            source: SourceRef { path: "x".into(), sha256: String::new(), url: None },
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
        let script =
            segment(&a, &caps(1000), &SegmentConfig::default(), &Lexicon::default()).unwrap();
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
    fn blocks_with_nothing_to_say_make_no_chunk() {
        let a = article(vec![
            Block::speak(BlockKind::Headline, "Title", "headline"),
            Block::speak(BlockKind::Paragraph, "\u{200b}", "paragraph"),
            Block::speak(BlockKind::Paragraph, "\u{feff} … –", "paragraph"),
            Block::speak(BlockKind::Paragraph, "Words.", "paragraph"),
        ]);
        let script =
            segment(&a, &caps(1000), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        let spoken: Vec<_> = script.chunks.iter().map(|c| (c.block, c.text.as_str())).collect();
        assert_eq!(spoken, [(0, "Title"), (3, "Words.")]);
        assert_eq!(script.chunks[1].pause_before, Pause::Paragraph);
    }

    #[test]
    fn sentences_are_packed_up_to_the_limit_and_never_cut() {
        let text = "First sentence here. Second sentence here. Third one.";
        let a = article(vec![Block::speak(BlockKind::Paragraph, text, "p")]);
        let script =
            segment(&a, &caps(45), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        let chunks: Vec<_> = script.chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(chunks, ["First sentence here. Second sentence here.", "Third one."]);
        assert_eq!(script.chunks[1].pause_before, Pause::Sentence);
    }

    #[test]
    fn an_over_long_sentence_splits_at_clauses_then_between_words() {
        let text = "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda mu nu xi.";
        let same = |s: &str| Rendered { plain: s.to_owned(), ssml: s.to_owned() };
        let pieces = pack(&[text], &same, &|s: &Rendered| s.plain.chars().count() <= 30).unwrap();
        assert_eq!(pieces[0].text, "alpha beta gamma,");
        assert!(pieces.iter().all(|p| p.text.chars().count() <= 30));
        let texts: Vec<&str> = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts.join(" "), text);
    }

    #[test]
    fn limits_apply_to_the_normalised_text_that_is_sent() {
        let a =
            article(vec![Block::speak(BlockKind::Paragraph, "It cost £5.50. It cost £6.50.", "p")]);
        let script =
            segment(&a, &caps(40), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        let speak: Vec<_> = script.chunks.iter().map(|c| c.speak.as_str()).collect();
        assert_eq!(speak, ["It cost five pounds fifty.", "It cost six pounds fifty."]);
        assert_eq!(script.chunks[0].text, "It cost £5.50.");
    }

    #[test]
    fn a_word_longer_than_the_limit_is_split_rather_than_refused() {
        let word = "x".repeat(130);
        let a = article(vec![Block::speak(BlockKind::Paragraph, format!("See {word} now."), "p")]);
        let script =
            segment(&a, &caps(60), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        assert!(script.chunks.iter().all(|c| c.speak.chars().count() <= 60));
        let sent: String = script.chunks.iter().map(|c| c.speak.replace(' ', "")).collect();
        assert_eq!(sent.matches('x').count(), 130);
    }

    #[test]
    fn a_long_tracking_url_is_said_as_its_domain_and_never_refused() {
        let url = format!("https://track.example.com/c/{}?utm_source=x", "a1b2".repeat(410));
        let text = format!("Read more at {url} today.");
        let a = article(vec![Block::speak(BlockKind::Paragraph, text.clone(), "p")]);
        let script =
            segment(&a, &caps(200), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        assert_eq!(script.chunks[0].speak, "Read more at track dot example dot com today.");
        assert_eq!(script.chunks[0].text, text);
        // Even with normalisation off, the article is narrated, in parts.
        let mut config = SegmentConfig::default();
        config.normalize.enabled = false;
        let script = segment(&a, &caps(200), &config, &Lexicon::default()).unwrap();
        assert!(script.chunks.len() > 1);
    }

    #[test]
    fn words_joined_by_zero_width_characters_or_emoji_are_said_apart() {
        let a = article(vec![Block::speak(
            BlockKind::Paragraph,
            "Join\u{200b}us and😀share today.",
            "p",
        )]);
        let script =
            segment(&a, &caps(200), &SegmentConfig::default(), &Lexicon::default()).unwrap();
        assert_eq!(script.chunks[0].speak, "Join us and share today.");
    }

    #[test]
    fn an_article_with_nothing_spoken_is_an_error() {
        let a = article(vec![Block::skip(BlockKind::Other, "Ad", "advert")]);
        assert!(matches!(
            segment(&a, &caps(100), &SegmentConfig::default(), &Lexicon::default()),
            Err(SegmentError::Empty)
        ));
    }
}

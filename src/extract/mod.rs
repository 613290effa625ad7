//! Extract: keep what a listener should hear, and record everything skipped with its reason.
//!
//! Each input format has its own reader (`text`, `html`, `markdown`) that cuts the source
//! into blocks in reading order and decides on each; they share the configured patterns and
//! the tests of what a heading, a sentence or a caption looks like (`rules`). Nothing is
//! dropped silently: a skipped block stays in the [`Article`] with the rule that skipped it,
//! which is what `articulate extract --explain` prints and the manifest records.
//!
//! ```no_run
//! use articulate::extract::{ExtractConfig, Extractor};
//!
//! let extractor = Extractor::new(&ExtractConfig::default())?;
//! let source = articulate::ingest::read("examples/heartstopper.txt")?;
//! let article = extractor.extract(&source)?;
//! for (_, block) in article.spoken() {
//!     println!("{}", block.text);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod defaults;
mod density;
mod html;
mod language;
mod markdown;
mod markers;
mod pattern;
mod rules;
mod text;

#[cfg(test)]
mod robustness;

pub use config::{ExtractConfig, SiteConfig, Tables};

use crate::model::{
    Article, Block, BlockKind, Decision, Metadata, Source, SourceFormat, SourceRef,
};
use rules::{Rules, reason};

/// A failure to extract an article.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// Nothing in the input would be spoken.
    #[error("{origin}: nothing to narrate: no headline or body text found")]
    NothingSpeakable {
        /// The input.
        origin: String,
    },
    /// The extraction's confidence is below `[extract] min_confidence` (`--min-confidence`).
    #[error(
        "{origin}: extraction confidence {confidence:.2} is below the minimum {minimum:.2}: \
         {why}; see `articulate extract {origin} --explain`, or lower --min-confidence"
    )]
    LowConfidence {
        /// The input.
        origin: String,
        /// Its confidence.
        confidence: f64,
        /// The minimum asked for.
        minimum: f64,
        /// The extraction's warning, or what the confidence means.
        why: String,
    },
    /// The `[extract]` settings are invalid (normally caught when the config is loaded).
    #[error("invalid [extract] settings: {}", problems.join("; "))]
    InvalidConfig {
        /// Every problem, one line each.
        problems: Vec<String>,
    },
}

/// `[extract]` compiled once, for extracting any number of articles.
#[derive(Clone, Debug)]
pub struct Extractor {
    rules: Rules,
    min_confidence: f64,
}

impl Extractor {
    /// Compile the configured patterns.
    ///
    /// # Errors
    ///
    /// [`ExtractError::InvalidConfig`] listing every invalid pattern or setting.
    pub fn new(config: &ExtractConfig) -> Result<Extractor, ExtractError> {
        let rules =
            Rules::compile(config).map_err(|problems| ExtractError::InvalidConfig { problems })?;
        Ok(Extractor { rules, min_confidence: config.min_confidence })
    }

    /// Extract the article from a source: every block in reading order, each spoken or
    /// skipped with its reason, plus what is known of the title, byline and dates.
    ///
    /// # Errors
    ///
    /// [`ExtractError::NothingSpeakable`] when no block would be spoken,
    /// [`ExtractError::LowConfidence`] when the extraction's confidence is below the
    /// configured minimum.
    pub fn extract(&self, source: &Source) -> Result<Article, ExtractError> {
        let (plain, marked) = match source.format {
            SourceFormat::Html => (None, Vec::new()),
            _ => {
                let (kept, regions) = markers::strip(&source.text);
                (Some(kept), regions)
            }
        };
        let input = plain.as_deref().unwrap_or(&source.text);
        let Draft { mut blocks, mut meta } = match source.format {
            SourceFormat::Text => text::extract(input, &self.rules),
            SourceFormat::Html => html::extract(input, &self.rules, &source.origin),
            SourceFormat::Markdown => markdown::extract(input, &self.rules),
        };
        // The regions' places are lost with their markers; they are recorded after the text.
        blocks.extend(
            marked.into_iter().map(|t| Block::skip(BlockKind::Other, t, markers::WORDS_REASON)),
        );
        let site = self.rules.site(&source.origin, meta.canonical_url.as_deref());
        for block in blocks.iter_mut().filter(|b| b.is_spoken()) {
            if let Some(pattern) = site.skip_line(&block.text) {
                block.decision =
                    Decision::Skip { reason: format!("configured skip line pattern {pattern:?}") };
            }
        }
        mark_standfirst(&mut blocks);
        skip_repeated_quotes(&mut blocks);
        if !blocks.iter().any(Block::is_spoken) {
            return Err(ExtractError::NothingSpeakable { origin: source.origin.clone() });
        }
        if meta.title.is_empty() {
            meta.title.clone_from(&source.stem);
        }
        if meta.language.is_none() {
            meta.language.clone_from(&source.content_language);
        }
        if meta.language.is_none() {
            let spoken: Vec<&str> =
                blocks.iter().filter(|b| b.is_spoken()).map(|b| b.text.as_str()).collect();
            meta.language = language::guess(&spoken.join(" ")).map(str::to_owned);
        }
        let extraction =
            meta.extraction.get_or_insert_with(|| density::confidence_of(&blocks, &self.rules));
        if extraction.confidence < self.min_confidence {
            return Err(ExtractError::LowConfidence {
                origin: source.origin.clone(),
                confidence: extraction.confidence,
                minimum: self.min_confidence,
                why: extraction.warning.clone().unwrap_or_else(|| {
                    format!(
                        "the narration would hold {:.0}% of the page's main text",
                        extraction.confidence * 100.0
                    )
                }),
            });
        }
        let source =
            SourceRef { path: source.origin.clone(), sha256: source.sha256.clone(), url: None };
        Ok(Article { meta, source, blocks })
    }
}

/// Extract the article from a source with `config`, compiling its patterns for this one
/// call; use an [`Extractor`] to extract many.
///
/// # Errors
///
/// Invalid settings, or nothing speakable.
pub fn extract(source: &Source, config: &ExtractConfig) -> Result<Article, ExtractError> {
    // The last settings' extractor is kept, so a batch or a server reading many articles
    // with one configuration compiles each pattern once, not once per article.
    static LAST: std::sync::Mutex<Option<(ExtractConfig, Extractor)>> = std::sync::Mutex::new(None);
    let cached = {
        let last = LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        last.as_ref().filter(|(c, _)| c == config).map(|(_, e)| e.clone())
    };
    let extractor = match cached {
        Some(extractor) => extractor,
        None => {
            let extractor = Extractor::new(config)?;
            *LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((config.clone(), extractor.clone()));
            extractor
        }
    };
    extractor.extract(source)
}

/// What a format's reader hands back: blocks in reading order and the metadata it found.
struct Draft {
    blocks: Vec<Block>,
    meta: Metadata,
}

/// A pull quote repeats words the body says anyway: read once, where the body says them. A
/// quote whose words all appear within another spoken block is skipped.
fn skip_repeated_quotes(blocks: &mut [Block]) {
    // Pages quoting hundreds of times are not worth a quadratic search.
    const MAX_QUOTES: usize = 200;
    let quotes: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].kind == BlockKind::Quote && blocks[i].is_spoken())
        .take(MAX_QUOTES + 1)
        .collect();
    if quotes.is_empty() || quotes.len() > MAX_QUOTES {
        return;
    }
    let texts: Vec<Option<String>> =
        blocks.iter().map(|b| b.is_spoken().then(|| rules::word_string(&b.text))).collect();
    for q in quotes {
        let Some(quote) = texts[q].as_deref() else { continue };
        if quote.split(' ').count() < 5 {
            continue;
        }
        let repeated = texts.iter().enumerate().any(|(i, t)| {
            i != q && t.as_deref().is_some_and(|t| t.len() >= quote.len() && t.contains(quote))
        });
        if repeated {
            blocks[q].decision = Decision::Skip { reason: reason::PULL_QUOTE.into() };
        }
    }
}

/// The first paragraph after the headline is its standfirst when a skipped block (byline,
/// dateline, player, figure) sets it apart from the body that follows; a first body
/// paragraph runs straight on into the next.
fn mark_standfirst(blocks: &mut [Block]) {
    let Some(headline) = blocks.iter().position(|b| b.kind == BlockKind::Headline && b.is_spoken())
    else {
        return;
    };
    let Some(first) =
        blocks[headline + 1..].iter().position(Block::is_spoken).map(|i| i + headline + 1)
    else {
        return;
    };
    let set_apart = blocks.get(first + 1).is_some_and(|next| !next.is_spoken());
    if blocks[first].kind == BlockKind::Paragraph && set_apart {
        blocks[first].kind = BlockKind::Standfirst;
        blocks[first].decision = Decision::Speak { rule: reason::STANDFIRST.into() };
    }
}

#[cfg(test)]
mod tests;

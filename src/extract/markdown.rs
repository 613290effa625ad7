//! Markdown: the first heading is the headline, later ones start chapters; paragraphs, list
//! items, block quotes and table rows are read; images (with their alt text), code blocks
//! and raw HTML are skipped with a reason. Text patterns (promos, captions, bylines) apply
//! as in plain text. pulldown-cmark hands over a flat stream of events, so nesting depth
//! costs no stack here.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::Draft;
use super::rules::{self, CELL, Rules, reason};
use crate::model::{Block, BlockKind, Metadata};

/// One block as found, before the text patterns and the headline are decided.
struct Candidate {
    kind: BlockKind,
    text: String,
    skip: Option<&'static str>,
}

/// Where text events go at the moment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Body,
    Code,
    Html,
    FrontMatter,
}

/// Collects text events into blocks as the stream opens and closes tags.
struct Reader {
    out: Vec<Candidate>,
    text: String,
    kinds: Vec<BlockKind>,
    mode: Mode,
    /// Text that is not narrated (alt text, code, raw HTML, front matter).
    aside: String,
    images: usize,
    /// Images met in the middle of a paragraph, recorded after it.
    pending: Vec<Candidate>,
    front_matter: String,
}

/// Extract the blocks of a Markdown document.
pub(super) fn extract(text: &str, rules: &Rules) -> Draft {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut reader = Reader {
        out: Vec::new(),
        text: String::new(),
        kinds: Vec::new(),
        mode: Mode::Body,
        aside: String::new(),
        images: 0,
        pending: Vec::new(),
        front_matter: String::new(),
    };
    for event in Parser::new_ext(text, options) {
        reader.event(event);
    }
    reader.flush();
    decide(reader.out, &reader.front_matter, rules)
}

impl Reader {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(&tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.push_text(&t);
            }
            Event::Html(t) if self.mode == Mode::Html => self.aside.push_str(&t),
            Event::SoftBreak | Event::HardBreak => {
                self.push_text(if self.mode == Mode::Body { " " } else { "\n" })
            }
            Event::Rule => self.flush(),
            _ => {}
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.images > 0 || self.mode != Mode::Body {
            self.aside.push_str(text);
        } else {
            self.text.push_str(text);
        }
    }

    fn start(&mut self, tag: &Tag<'_>) {
        match tag {
            Tag::Heading { .. } => self.open(BlockKind::Heading),
            Tag::BlockQuote(_) => self.open(BlockKind::Quote),
            Tag::Item => self.open(BlockKind::ListItem),
            Tag::TableHead | Tag::TableRow => self.open(BlockKind::TableRow),
            Tag::Paragraph | Tag::List(_) | Tag::FootnoteDefinition(_) => self.flush(),
            Tag::CodeBlock(_) => self.enter(Mode::Code),
            Tag::HtmlBlock => self.enter(Mode::Html),
            Tag::MetadataBlock(_) => self.enter(Mode::FrontMatter),
            Tag::Image { .. } => {
                if self.images == 0 {
                    self.aside.clear();
                }
                self.images += 1;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::Item
            | TagEnd::TableHead
            | TagEnd::TableRow => {
                self.flush();
                self.kinds.pop();
            }
            TagEnd::Paragraph | TagEnd::List(_) | TagEnd::FootnoteDefinition => self.flush(),
            TagEnd::TableCell => self.text.push(CELL),
            TagEnd::CodeBlock => self.leave("code block"),
            TagEnd::HtmlBlock => self.leave("raw HTML in Markdown"),
            TagEnd::MetadataBlock(_) => {
                self.front_matter = std::mem::take(&mut self.aside);
                self.mode = Mode::Body;
            }
            TagEnd::Image => {
                self.images = self.images.saturating_sub(1);
                if self.images == 0 {
                    let alt = rules::collapse_whitespace(&std::mem::take(&mut self.aside));
                    let image = Candidate {
                        kind: BlockKind::Other,
                        text: alt,
                        skip: Some("image alt text"),
                    };
                    if image.text.is_empty() {
                        return;
                    }
                    if self.text.trim().is_empty() {
                        self.out.push(image);
                    } else {
                        self.pending.push(image);
                    }
                }
            }
            _ => {}
        }
    }

    fn open(&mut self, kind: BlockKind) {
        self.flush();
        // Paragraphs inside a quote or list item keep that kind; a heading is a heading.
        self.kinds.push(kind);
    }

    fn enter(&mut self, mode: Mode) {
        self.flush();
        self.aside.clear();
        self.mode = mode;
    }

    fn leave(&mut self, why: &'static str) {
        let text = rules::collapse_whitespace(&std::mem::take(&mut self.aside));
        if !text.is_empty() {
            self.out.push(Candidate { kind: BlockKind::Other, text, skip: Some(why) });
        }
        self.mode = Mode::Body;
    }

    /// End the block being collected, then record any images met inside it.
    fn flush(&mut self) {
        let kind = self.kinds.last().copied().unwrap_or(BlockKind::Paragraph);
        let text = rules::block_text(kind, &self.text);
        self.text.clear();
        if !text.is_empty() {
            self.out.push(Candidate { kind, text, skip: None });
        }
        self.out.append(&mut self.pending);
    }
}

/// `title:`, `author:` and `date:` from YAML front matter, without a YAML parser: the
/// values are single scalars in every front matter that matters here.
fn front_matter(yaml: &str, meta: &mut Metadata) {
    for line in yaml.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        if value.is_empty() {
            continue;
        }
        match key.trim().to_ascii_lowercase().as_str() {
            "title" => meta.title = value.to_owned(),
            "author" | "authors" | "byline" => {
                meta.authors = value
                    .trim_matches(['[', ']'])
                    .split(',')
                    .map(|a| a.trim().trim_matches(['"', '\'']).to_owned())
                    .filter(|a| !a.is_empty())
                    .collect();
            }
            "date" | "published" => meta.published = Some(value.to_owned()),
            "lang" | "language" => meta.language = Some(value.to_owned()),
            _ => {}
        }
    }
}

/// Settle the headline and apply the text patterns.
fn decide(candidates: Vec<Candidate>, yaml: &str, rules: &Rules) -> Draft {
    let mut meta = Metadata::default();
    front_matter(yaml, &mut meta);
    let first_open = candidates.iter().position(|c| c.skip.is_none());
    // The first block is the headline if it is a heading or looks like one; front matter
    // can name the title instead.
    let headline = first_open.filter(|&i| {
        let c = &candidates[i];
        let said = meta.title.is_empty() || rules::same_words(&c.text, &meta.title);
        said && (c.kind == BlockKind::Heading
            || (meta.title.is_empty() && rules.looks_like_heading(&c.text)))
    });
    let mut blocks = Vec::with_capacity(candidates.len() + 1);
    if headline.is_none() && !meta.title.is_empty() {
        blocks.push(Block::speak(
            BlockKind::Headline,
            meta.title.clone(),
            "title from the front matter",
        ));
    }
    for (i, c) in candidates.into_iter().enumerate() {
        if Some(i) == headline {
            meta.title.clone_from(&c.text);
            blocks.push(Block::speak(BlockKind::Headline, c.text, reason::HEADLINE));
        } else if let Some(why) = c.skip {
            blocks.push(Block::skip(c.kind, c.text, why));
        } else if let Some(class) = rules.classify(&c.text) {
            class.record(&c.text, &mut meta);
            blocks.push(Block::skip(c.kind, c.text, class.reason()));
        } else {
            let rule = match c.kind {
                BlockKind::Heading => "heading",
                BlockKind::ListItem => reason::LIST_ITEM,
                BlockKind::Quote => reason::QUOTE,
                BlockKind::TableRow => reason::TABLE_ROW,
                _ => reason::PARAGRAPH,
            };
            blocks.push(Block::speak(c.kind, c.text, rule));
        }
    }
    Draft { blocks, meta }
}

#[cfg(test)]
mod tests;

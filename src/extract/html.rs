//! HTML, a first cut: find the article element, read its blocks in order, and skip the
//! page furniture inside it by element (figures, asides, forms, hidden elements) and by text
//! (the same promo, widget and caption patterns as plain text).
//!
//! The tree is walked with an explicit traversal, never recursion, so a page nested a
//! hundred thousand elements deep cannot overflow the stack.

mod meta;

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::{Html, Node};

use super::Draft;
use super::rules::{self, Rules, reason};
use crate::model::{Block, BlockKind, Decision};

/// Separates table cells while a row is collected; never in real text.
const CELL: char = '\u{1f}';

/// Elements whose contents are code or markup, never narration: dropped without a record.
const NOT_TEXT: &[&str] = &["script", "style", "template", "head", "svg", "math", "link", "meta"];

/// Elements that end one block of text and start another.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
    "caption",
];

/// One block as found, before the text patterns and the headline are decided.
struct Candidate {
    kind: BlockKind,
    /// 1–6 for headings, 0 otherwise.
    level: u8,
    text: String,
    skip: Option<&'static str>,
}

/// Extract the blocks of an HTML page.
pub(super) fn extract(html: &str, rules: &Rules) -> Draft {
    let doc = Html::parse_document(html);
    let page = meta::read(&doc);
    let candidates = walk(article_root(&doc));
    decide(candidates, page, rules)
}

/// The element holding the article: the `<article>` with the most text, else `<main>`,
/// else the element with `role="main"`, else `<body>`.
fn article_root(doc: &Html) -> NodeRef<'_, Node> {
    let root = doc.tree.root();
    let elements = || root.descendants().filter(|n| n.value().is_element());
    let named =
        |name: &str| elements().find(|n| n.value().as_element().is_some_and(|e| e.name() == name));
    let biggest_article = elements()
        .filter(|n| n.value().as_element().is_some_and(|e| e.name() == "article"))
        .max_by_key(|n| visible_text(*n).len());
    biggest_article
        .or_else(|| named("main"))
        .or_else(|| {
            elements().find(|n| n.value().as_element().and_then(|e| e.attr("role")) == Some("main"))
        })
        .or_else(|| named("body"))
        .unwrap_or(root)
}

/// Why an element and everything in it is not read, if it is not: `Some(None)` for
/// elements that are not text at all, `Some(Some(reason))` for text that is skipped.
fn skipped_element(el: &scraper::node::Element, in_article: bool) -> Option<Option<&'static str>> {
    let name = el.name();
    if NOT_TEXT.contains(&name) {
        return Some(None);
    }
    let style = el.attr("style").map(|s| s.to_ascii_lowercase().replace(char::is_whitespace, ""));
    let hidden = el.attr("hidden").is_some()
        || el.attr("aria-hidden").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || style.is_some_and(|s| s.contains("display:none") || s.contains("visibility:hidden"));
    if hidden {
        return Some(Some("hidden element"));
    }
    let why = match name {
        "figure" | "picture" => "figure (image, caption and credit)",
        "figcaption" => reason::CAPTION,
        "nav" => "navigation",
        "aside" => "aside (sidebar or pull-out box)",
        "header" if !in_article => "page header",
        "footer" if in_article => "article footer (tags, author box)",
        "footer" => "page footer",
        "form" | "button" | "input" | "select" | "textarea" | "dialog" => "form or button",
        "iframe" | "embed" | "object" | "video" | "audio" | "canvas" => "embedded media",
        "noscript" => "fallback for pages without JavaScript",
        _ => return None,
    };
    Some(Some(why))
}

/// The block kind an element gives its text, given its parent's.
fn kind_of(name: &str, parent: (BlockKind, u8)) -> (BlockKind, u8) {
    match name {
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
            (BlockKind::Heading, name[1..].parse().unwrap_or(2))
        }
        "li" => (BlockKind::ListItem, 0),
        "blockquote" => (BlockKind::Quote, 0),
        "tr" => (BlockKind::TableRow, 0),
        _ => match parent.0 {
            BlockKind::ListItem | BlockKind::Quote | BlockKind::TableRow | BlockKind::Heading => {
                parent
            }
            _ => (BlockKind::Paragraph, 0),
        },
    }
}

/// Collects inline text into blocks as the traversal opens and closes elements.
#[derive(Default)]
struct Collector {
    out: Vec<Candidate>,
    text: String,
    kinds: Vec<(BlockKind, u8)>,
}

impl Collector {
    fn current(&self) -> (BlockKind, u8) {
        self.kinds.last().copied().unwrap_or((BlockKind::Paragraph, 0))
    }

    /// End the block being collected, if it has any text.
    fn flush(&mut self) {
        let (kind, level) = self.current();
        let text = if kind == BlockKind::TableRow {
            let cells: Vec<String> = self
                .text
                .split(CELL)
                .map(rules::collapse_whitespace)
                .filter(|c| !c.is_empty())
                .collect();
            cells.join(", ")
        } else {
            rules::collapse_whitespace(&self.text.replace(CELL, " "))
        };
        self.text.clear();
        if !text.is_empty() {
            self.out.push(Candidate { kind, level, text, skip: None });
        }
    }
}

/// Read the blocks under `root` in document order.
fn walk(root: NodeRef<'_, Node>) -> Vec<Candidate> {
    let mut c = Collector::default();
    let mut skipping = None;
    let mut articles = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => c.text.push_str(text),
                    Node::Element(el) => {
                        if let Some(why) = skipped_element(el, articles > 0) {
                            c.flush();
                            let text = why.map(|_| visible_text(node)).unwrap_or_default();
                            if let (Some(why), false) = (why, text.is_empty()) {
                                c.out.push(Candidate {
                                    kind: BlockKind::Other,
                                    level: 0,
                                    text,
                                    skip: Some(why),
                                });
                            }
                            skipping = Some(node.id());
                            continue;
                        }
                        let name = el.name();
                        articles += usize::from(name == "article");
                        if name == "br" {
                            c.text.push(' ');
                        } else if BLOCK_ELEMENTS.contains(&name) {
                            c.flush();
                            let kind = kind_of(name, c.current());
                            c.kinds.push(kind);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skipping.is_some() {
                    if skipping == Some(node.id()) {
                        skipping = None;
                    }
                    continue;
                }
                let Node::Element(el) = node.value() else { continue };
                let name = el.name();
                articles -= usize::from(name == "article" && articles > 0);
                if matches!(name, "td" | "th") {
                    c.text.push(CELL);
                } else if BLOCK_ELEMENTS.contains(&name) {
                    c.flush();
                    c.kinds.pop();
                }
            }
        }
    }
    c.flush();
    c.out
}

/// Whether an element's edges separate words even when no whitespace is written there.
fn separates_words(name: &str) -> bool {
    BLOCK_ELEMENTS.contains(&name)
        || matches!(name, "br" | "td" | "th" | "button" | "label" | "option")
}

/// All the text under `node` that a reader could see, whitespace collapsed.
pub(super) fn visible_text(node: NodeRef<'_, Node>) -> String {
    let mut text = String::new();
    let mut skipping = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if skipping.is_none() => match n.value() {
                Node::Text(t) => text.push_str(t),
                Node::Element(el) if NOT_TEXT.contains(&el.name()) => skipping = Some(n.id()),
                Node::Element(el) if separates_words(el.name()) => text.push(' '),
                _ => {}
            },
            Edge::Close(n) if skipping == Some(n.id()) => skipping = None,
            _ => {}
        }
    }
    rules::collapse_whitespace(&text)
}

/// Settle the headline, apply the text patterns, and turn candidates into blocks.
fn decide(mut candidates: Vec<Candidate>, page: meta::PageMeta, rules: &Rules) -> Draft {
    let mut meta = page.meta.clone();
    let title = page.title().unwrap_or_default().to_owned();
    let headline = find_headline(&candidates, &title, page.title_may_have_suffix());
    let mut blocks = Vec::with_capacity(candidates.len() + 1);
    match headline {
        Some(h) => {
            meta.title.clone_from(&candidates[h].text);
            for c in &mut candidates[..h] {
                c.skip.get_or_insert(reason::ABOVE_HEADLINE);
            }
        }
        None if !title.is_empty() => {
            meta.title.clone_from(&title);
            blocks.push(Block::speak(
                BlockKind::Headline,
                title.clone(),
                reason::HEADLINE_FROM_METADATA,
            ));
        }
        None => {}
    }
    for (i, c) in candidates.into_iter().enumerate() {
        if Some(i) == headline {
            blocks.push(Block::speak(BlockKind::Headline, c.text, reason::HEADLINE));
            continue;
        }
        if let Some(why) = c.skip {
            blocks.push(Block::skip(c.kind, c.text, why));
            continue;
        }
        if rules::same_words(&c.text, &meta.title) {
            blocks.push(Block::skip(c.kind, c.text, reason::REPEATS_HEADLINE));
            continue;
        }
        if let Some(class) = rules.classify(&c.text) {
            class.record(&c.text, &mut meta);
            blocks.push(Block::skip(c.kind, c.text, class.reason()));
            continue;
        }
        let rule = match c.kind {
            BlockKind::Heading => format!("h{} heading", c.level),
            BlockKind::ListItem => reason::LIST_ITEM.to_owned(),
            BlockKind::Quote => reason::QUOTE.to_owned(),
            BlockKind::TableRow => reason::TABLE_ROW.to_owned(),
            _ => reason::PARAGRAPH.to_owned(),
        };
        blocks.push(Block { kind: c.kind, text: c.text, decision: Decision::Speak { rule } });
    }
    mark_described_standfirst(&mut blocks, page.description.as_deref());
    Draft { blocks, meta }
}

/// The heading that is the headline: one saying the page title's words (or, when the title
/// may carry the site's name after it, its first words), provided nothing but short labels
/// comes before it. Otherwise the headline is taken from the metadata.
fn find_headline(candidates: &[Candidate], title: &str, may_have_suffix: bool) -> Option<usize> {
    let title_words = rules::collapse_whitespace(&title.to_lowercase());
    let at = candidates.iter().position(|c| {
        let heading = c.kind == BlockKind::Heading && c.skip.is_none();
        let text = c.text.to_lowercase();
        heading
            && (rules::same_words(&c.text, title)
                || (may_have_suffix && text.len() >= 10 && title_words.starts_with(&text))
                || (title.is_empty() && c.level == 1))
    })?;
    let labels_only =
        candidates[..at].iter().all(|c| c.skip.is_some() || c.text.split_whitespace().count() <= 4);
    labels_only.then_some(at)
}

/// The page's own description, when the first paragraph under the headline repeats it,
/// marks that paragraph as the standfirst.
fn mark_described_standfirst(blocks: &mut [Block], description: Option<&str>) {
    let Some(description) = description else { return };
    let mut spoken = blocks.iter_mut().filter(|b| b.is_spoken());
    let (Some(first), Some(second)) = (spoken.next(), spoken.next()) else { return };
    if first.kind == BlockKind::Headline
        && second.kind == BlockKind::Paragraph
        && rules::same_words(&second.text, description)
    {
        second.kind = BlockKind::Standfirst;
        second.decision = Decision::Speak { rule: "standfirst (the page's description)".into() };
    }
}

#[cfg(test)]
mod tests;

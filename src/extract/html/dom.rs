//! Facts about the page's elements gathered in one pass: how much text each holds, how
//! much of it is link text, and the words its `class` and `id` are made of.
//!
//! The pass is an explicit traversal with a stack of open elements, so depth costs heap,
//! never call stack.

use std::collections::HashMap;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::Node;
use scraper::node::Element;

/// Text counts of one element, skipped descendants excluded.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Stats {
    /// Characters of text, whitespace runs counted once.
    pub(super) chars: usize,
    /// Of which inside links.
    pub(super) link_chars: usize,
    /// Commas: a cheap measure of running prose.
    pub(super) commas: usize,
    /// Whether a block-level element is among its children: a `<div>` without one is a
    /// paragraph in all but name.
    pub(super) has_block_child: bool,
    /// Characters of its own paragraph: text not inside a block-level descendant.
    pub(super) loose_chars: usize,
    /// Of which inside links.
    pub(super) loose_link_chars: usize,
    /// Paragraph breaks (two `<br>` in a row) in that text: unparagraphed text written
    /// as lines.
    pub(super) breaks: usize,
    /// Characters of running text in it: paragraphs of [`PROSE_MIN_CHARS`] or more with
    /// few links. What a reader would call the text, as opposed to labels and links.
    pub(super) prose: usize,
}

/// A paragraph this long, with under [`PROSE_MAX_LINKS`] of it in links, is running text.
pub(super) const PROSE_MIN_CHARS: usize = 40;
/// See [`PROSE_MIN_CHARS`].
pub(super) const PROSE_MAX_LINKS: f32 = 0.3;

impl Stats {
    /// The share of the text that is link text, 0 for no text.
    pub(super) fn link_density(&self) -> f32 {
        if self.chars == 0 { 0.0 } else { self.link_chars as f32 / self.chars as f32 }
    }

    /// Whether its own paragraph is running text.
    pub(super) fn loose_is_prose(&self) -> bool {
        self.loose_chars >= PROSE_MIN_CHARS
            && (self.loose_link_chars as f32) < self.loose_chars as f32 * PROSE_MAX_LINKS
    }
}

/// An open element during the pass.
struct Open {
    id: NodeId,
    stats: Stats,
    is_link: bool,
    is_block: bool,
}

/// Called as each element closes, with its counts and its open ancestors (nearest last).
pub(super) type OnClose<'c, 'a> = dyn FnMut(NodeRef<'a, Node>, &Stats, &[NodeId]) + 'c;

/// Count the text of every element under `root`, leaving out the subtrees `excluded` says
/// are not read. `on_close` sees each element with its counts and its open ancestors
/// (nearest last), as the element closes.
pub(super) fn measure<'a>(
    root: NodeRef<'a, Node>,
    excluded: &dyn Fn(NodeRef<'a, Node>, &Element) -> bool,
    on_close: &mut OnClose<'_, 'a>,
) -> HashMap<NodeId, Stats> {
    let mut all = HashMap::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut ancestors: Vec<NodeId> = Vec::new();
    let mut skipping: Option<NodeId> = None;
    // Whether the text so far ended in whitespace, so runs count once.
    let mut last_space = true;
    // A `<br>` with nothing but whitespace after it yet: a second one breaks the paragraph.
    let mut after_br = false;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(el) => {
                        if excluded(node, el) {
                            skipping = Some(node.id());
                            continue;
                        }
                        let block = is_block(el.name());
                        if el.name() == "br" {
                            if after_br && let Some(top) = stack.last_mut() {
                                top.stats.breaks += 1;
                            }
                            after_br = true;
                        } else if block {
                            after_br = false;
                        }
                        if let Some(parent) = stack.last_mut() {
                            parent.stats.has_block_child |= block;
                        }
                        stack.push(Open {
                            id: node.id(),
                            stats: Stats::default(),
                            is_link: el.name() == "a",
                            is_block: block,
                        });
                        ancestors.push(node.id());
                    }
                    Node::Text(text) => {
                        let (chars, commas) = count(text, &mut last_space);
                        after_br &= text.trim().is_empty();
                        let in_link = stack.iter().any(|o| o.is_link);
                        if let Some(top) = stack.last_mut() {
                            top.stats.chars += chars;
                            top.stats.loose_chars += chars;
                            top.stats.commas += commas;
                            if in_link {
                                top.stats.link_chars += chars;
                                top.stats.loose_link_chars += chars;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if !node.value().is_element() {
                    continue;
                }
                let Some(mut open) = stack.pop() else { continue };
                ancestors.pop();
                if open.is_block || stack.is_empty() {
                    after_br &= !open.is_block;
                    // Its own paragraph is complete: count it as running text or not.
                    if open.stats.loose_is_prose() {
                        open.stats.prose += open.stats.loose_chars;
                    }
                }
                on_close(node, &open.stats, &ancestors);
                if let Some(parent) = stack.last_mut() {
                    let s = &open.stats;
                    parent.stats.chars += s.chars;
                    parent.stats.link_chars += s.link_chars;
                    parent.stats.commas += s.commas;
                    parent.stats.prose += s.prose;
                    if !open.is_block {
                        // An inline element's text is part of its parent's paragraph.
                        parent.stats.loose_chars += s.loose_chars;
                        parent.stats.loose_link_chars += s.loose_link_chars;
                        parent.stats.breaks += s.breaks;
                    }
                }
                all.insert(open.id, open.stats);
            }
        }
    }
    all
}

/// Characters (whitespace runs as one) and commas in a text node.
fn count(text: &str, last_space: &mut bool) -> (usize, usize) {
    let (mut chars, mut commas) = (0, 0);
    for c in text.chars() {
        if c.is_whitespace() {
            if !*last_space {
                chars += 1;
            }
            *last_space = true;
        } else {
            chars += 1;
            commas += usize::from(matches!(c, ',' | '，' | '、'));
            *last_space = false;
        }
    }
    (chars, commas)
}

/// Elements that break text into blocks.
pub(super) fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "dd"
            | "details"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "header"
            | "hr"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "tfoot"
            | "thead"
            | "tr"
            | "ul"
    )
}

/// The lower-case words of an element's `class` and `id`: `relatedArticles__list` gives
/// `related`, `articles`, `list`.
pub(super) fn name_words(el: &Element) -> Vec<String> {
    let mut words = Vec::new();
    let names = el.attr("class").into_iter().chain(el.attr("id"));
    for name in names.flat_map(str::split_whitespace) {
        let mut word = String::new();
        let mut prev_lower = false;
        for c in name.chars() {
            let boundary = !c.is_alphanumeric() || (c.is_uppercase() && prev_lower);
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Whether `words` holds `phrase` (space-separated words) as consecutive words.
pub(super) fn has_phrase(words: &[String], phrase: &str) -> bool {
    phrase_at(words, phrase).next().is_some()
}

/// Where `words` holds `phrase` as consecutive words.
pub(super) fn phrase_at<'w>(
    words: &'w [String],
    phrase: &'w str,
) -> impl Iterator<Item = usize> + 'w {
    let parts: Vec<&str> = phrase.split(' ').collect();
    words
        .windows(parts.len())
        .enumerate()
        .filter(move |(_, w)| w.iter().zip(&parts).all(|(a, b)| a == b))
        .map(|(i, _)| i)
}

/// Whether the name word at `i` says what an element holds or lacks rather than what it is
/// (`has-ads`, `with-sidebar`, `no-comments`).
pub(super) fn describes_contents(words: &[String], i: usize) -> bool {
    i > 0 && matches!(words[i - 1].as_str(), "has" | "with" | "no" | "without" | "contains")
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use scraper::Html;

    /// The first element of an HTML fragment.
    pub(in crate::extract::html) fn element(html: &str) -> Element {
        let doc = Html::parse_fragment(html);
        doc.tree
            .root()
            .descendants()
            .filter_map(|n| n.value().as_element())
            .find(|e| e.name() != "html")
            .cloned()
            .unwrap()
    }

    #[test]
    fn class_and_id_names_split_into_words_at_dashes_underscores_and_camel_case() {
        let el = element(r#"<div class="relatedArticles__list js-share" id="most_read-2"></div>"#);
        assert_eq!(
            name_words(&el),
            ["related", "articles", "list", "js", "share", "most", "read", "2"]
        );
        assert!(has_phrase(&name_words(&el), "most read"));
        assert!(!has_phrase(&name_words(&el), "read most"));
    }

    #[test]
    fn text_and_link_text_are_counted_without_skipped_subtrees() {
        let doc = Html::parse_document(
            "<body><div id=a>Hello,   world <a>link</a><script>x = 1</script></div></body>",
        );
        let stats = measure(doc.tree.root(), &|_, el| el.name() == "script", &mut |_, _, _| {});
        let div = doc
            .tree
            .root()
            .descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.id() == Some("a")));
        let s = stats[&div.unwrap().id()];
        assert_eq!((s.chars, s.link_chars, s.commas), (17, 4, 1));
    }

    fn stats_of(html: &str, id: &str) -> Stats {
        let doc = Html::parse_document(html);
        let stats = measure(doc.tree.root(), &|_, _| false, &mut |_, _, _| {});
        let node = doc
            .tree
            .root()
            .descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.id() == Some(id)))
            .unwrap();
        stats[&node.id()]
    }

    #[test]
    fn running_text_is_counted_by_paragraph_and_links_and_labels_are_not() {
        let sentence = "The council met on Tuesday and voted, once more, to close the bridge.";
        let html = format!(
            "<body><div id=a><p>{sentence}</p><p>Short label</p><ul><li><a>{sentence}</a></li></ul>\
             <span>{sentence}</span></div></body>"
        );
        let s = stats_of(&html, "a");
        // The first paragraph, and the loose text of the div itself (the span); not the
        // label, not the link.
        assert_eq!(s.prose, 2 * sentence.len());
        assert_eq!(s.loose_chars, sentence.len());
    }

    #[test]
    fn two_line_breaks_in_a_row_break_a_paragraph() {
        let s = stats_of(
            "<body><div id=a>One line<br>next line<br><br>New paragraph<br> <br>Third</div></body>",
            "a",
        );
        assert_eq!(s.breaks, 2);
        assert!(!s.has_block_child);
    }
}

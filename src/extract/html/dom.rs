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
}

impl Stats {
    /// The share of the text that is link text, 0 for no text.
    pub(super) fn link_density(&self) -> f32 {
        if self.chars == 0 { 0.0 } else { self.link_chars as f32 / self.chars as f32 }
    }
}

/// An open element during the pass.
struct Open {
    id: NodeId,
    stats: Stats,
    is_link: bool,
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
                        if let Some(parent) = stack.last_mut() {
                            parent.stats.has_block_child |= is_block(el.name());
                        }
                        stack.push(Open {
                            id: node.id(),
                            stats: Stats::default(),
                            is_link: el.name() == "a",
                        });
                        ancestors.push(node.id());
                    }
                    Node::Text(text) => {
                        let (chars, commas) = count(text, &mut last_space);
                        let in_link = stack.iter().any(|o| o.is_link);
                        if let Some(top) = stack.last_mut() {
                            top.stats.chars += chars;
                            top.stats.commas += commas;
                            if in_link {
                                top.stats.link_chars += chars;
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
                let Some(open) = stack.pop() else { continue };
                ancestors.pop();
                on_close(node, &open.stats, &ancestors);
                if let Some(parent) = stack.last_mut() {
                    parent.stats.chars += open.stats.chars;
                    parent.stats.link_chars += open.stats.link_chars;
                    parent.stats.commas += open.stats.commas;
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
    let parts: Vec<&str> = phrase.split(' ').collect();
    words.windows(parts.len()).any(|w| w.iter().zip(&parts).all(|(a, b)| a == b))
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
}

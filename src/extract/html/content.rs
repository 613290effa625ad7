//! Where the article is in the page, scored the way Readability does: every paragraph of
//! running text votes for its parent and, less, for its grandparent and beyond; the
//! element with the most votes (discounted by its share of link text) holds the article,
//! together with the siblings that score nearly as well.
//!
//! An element the page itself labels `itemprop="articleBody"` is taken at its word when it
//! holds a fair amount of text.

use std::collections::HashMap;

use ego_tree::{NodeId, NodeRef};
use scraper::{Html, Node};

use super::dom::Stats;
use super::furniture;

/// A paragraph shorter than this many characters casts no vote (labels, bylines, buttons).
const MIN_PARAGRAPH_CHARS: usize = 25;
/// How many generations above a paragraph receive its vote.
const VOTE_LEVELS: usize = 5;
/// An `articleBody` element with less text than this is a teaser, not the article.
const MIN_ARTICLE_BODY_CHARS: usize = 200;

/// The scores the paragraphs gave their ancestors.
#[derive(Default)]
pub(super) struct Votes {
    scores: HashMap<NodeId, f32>,
    article_body: Vec<NodeId>,
}

impl Votes {
    /// Called for each element as the measuring pass closes it.
    pub(super) fn on_close(
        &mut self,
        doc: &Html,
        node: NodeRef<'_, Node>,
        stats: &Stats,
        ancestors: &[NodeId],
    ) {
        let Some(el) = node.value().as_element() else { return };
        if el.attr("itemprop").is_some_and(|p| p.split_whitespace().any(|p| p == "articleBody"))
            && stats.chars >= MIN_ARTICLE_BODY_CHARS
        {
            self.article_body.push(node.id());
        }
        // Its own paragraph: the text not inside a block-level descendant (the text of a
        // `<div>` without `<p>`s, or the lines between its `<br>`s).
        let paragraph = matches!(
            el.name(),
            "p" | "pre" | "td" | "blockquote" | "div" | "section" | "article" | "main" | "dd"
        );
        let chars = stats.loose_chars;
        if !paragraph || chars < MIN_PARAGRAPH_CHARS {
            return;
        }
        let commas = (stats.commas * chars).checked_div(stats.chars).unwrap_or(0);
        // Text written as lines with blank lines between is as many paragraphs.
        let paragraphs = (stats.breaks + 1).min(chars / MIN_PARAGRAPH_CHARS).max(1) as f32;
        let vote = paragraphs + commas as f32 + (chars as f32 / 100.0).min(3.0 * paragraphs);
        for (level, &id) in ancestors.iter().rev().take(VOTE_LEVELS).enumerate() {
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                n => n as f32 * 3.0,
            };
            let score = self.scores.entry(id).or_insert_with(|| initial_score(doc, id));
            *score += vote / divider;
        }
    }

    /// The elements that hold the article, in document order; empty when no paragraph
    /// voted (the caller reads the whole page then).
    pub(super) fn roots(&self, doc: &Html, stats: &HashMap<NodeId, Stats>) -> Vec<NodeId> {
        // A story split into sections may mark each one: all of them are the article, the
        // outermost where they nest. (They are collected as they close: innermost first.)
        if !self.article_body.is_empty() {
            let within = |id: NodeId, outer: NodeId| {
                id != outer
                    && doc.tree.get(id).is_some_and(|n| n.ancestors().any(|a| a.id() == outer))
            };
            let mut bodies: Vec<NodeId> = self
                .article_body
                .iter()
                .copied()
                .filter(|&id| !self.article_body.iter().any(|&outer| within(id, outer)))
                .collect();
            let order: HashMap<NodeId, usize> =
                doc.tree.root().descendants().enumerate().map(|(i, n)| (n.id(), i)).collect();
            bodies.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
            return bodies;
        }
        let final_score = |id: &NodeId| {
            let density = stats.get(id).map_or(0.0, Stats::link_density);
            self.scores.get(id).copied().unwrap_or(0.0) * (1.0 - density)
        };
        let mut ranked: Vec<(NodeId, f32)> =
            self.scores.keys().map(|id| (*id, final_score(id))).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let Some(&(mut top, top_score)) = ranked.first() else { return Vec::new() };
        top = widen_to_alternatives(doc, top, top_score, &ranked);
        top = climb(doc, top, &final_score);
        let mut roots = siblings(doc, top, &final_score, stats);
        roots.extend(twins(doc, top, &roots, stats));
        roots
    }
}

/// Readability's head start by tag and by class and id.
fn initial_score(doc: &Html, id: NodeId) -> f32 {
    let Some(el) = doc.tree.get(id).and_then(|n| n.value().as_element().cloned()) else {
        return 0.0;
    };
    let by_tag = match el.name() {
        "div" | "article" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    };
    by_tag + furniture::name_weight(&el)
}

fn parent_element(doc: &Html, id: NodeId) -> Option<NodeId> {
    let parent = doc.tree.get(id)?.parent()?;
    let el = parent.value().as_element()?;
    (!matches!(el.name(), "body" | "html")).then(|| parent.id())
}

/// When several nearly-as-good candidates exist, the article was split between containers
/// (by ads, by a template): take the nearest ancestor holding three of them.
fn widen_to_alternatives(
    doc: &Html,
    top: NodeId,
    top_score: f32,
    ranked: &[(NodeId, f32)],
) -> NodeId {
    let alternatives: Vec<NodeId> = ranked
        .iter()
        .skip(1)
        .take(4)
        .filter(|(_, s)| *s >= top_score * 0.75)
        .map(|(id, _)| *id)
        .collect();
    if alternatives.len() < 3 {
        return top;
    }
    let mut candidate = parent_element(doc, top);
    while let Some(id) = candidate {
        let ancestors_of =
            |alt: NodeId| doc.tree.get(alt).is_some_and(|n| n.ancestors().any(|a| a.id() == id));
        if alternatives.iter().filter(|a| ancestors_of(**a)).count() >= 3 {
            return id;
        }
        candidate = parent_element(doc, id);
    }
    top
}

/// Go up while the parent scores better (it holds more of the article), and past parents
/// that hold nothing but this one child.
fn climb(doc: &Html, mut top: NodeId, score: &dyn Fn(&NodeId) -> f32) -> NodeId {
    let mut last = score(&top);
    let threshold = last / 3.0;
    let mut parent = parent_element(doc, top);
    while let Some(id) = parent {
        let s = score(&id);
        if s > 0.0 {
            if s < threshold {
                break;
            }
            if s > last {
                top = id;
                break;
            }
            last = s;
        }
        parent = parent_element(doc, id);
    }
    while let Some(id) = parent_element(doc, top) {
        let only_child = doc
            .tree
            .get(id)
            .is_some_and(|p| p.children().filter(|c| c.value().is_element()).count() == 1);
        if !only_child {
            break;
        }
        top = id;
    }
    top
}

/// The top element and its siblings that score at least a fifth as well, or are
/// paragraphs of prose with few links.
fn siblings(
    doc: &Html,
    top: NodeId,
    score: &dyn Fn(&NodeId) -> f32,
    stats: &HashMap<NodeId, Stats>,
) -> Vec<NodeId> {
    let Some(top_node) = doc.tree.get(top) else { return vec![top] };
    let Some(parent) = top_node.parent() else { return vec![top] };
    let top_class = top_node.value().as_element().and_then(|e| e.attr("class"));
    let threshold = (score(&top) * 0.2).max(10.0);
    let mut roots = Vec::new();
    for sibling in parent.children() {
        let Some(el) = sibling.value().as_element() else { continue };
        let id = sibling.id();
        if id == top {
            roots.push(id);
            continue;
        }
        let bonus = if top_class.is_some_and(|c| !c.is_empty()) && el.attr("class") == top_class {
            score(&top) * 0.2
        } else {
            0.0
        };
        let s = stats.get(&id).copied().unwrap_or_default();
        let prose = el.name() == "p"
            && ((s.chars > 80 && s.link_density() < 0.25)
                || (s.chars > 0 && s.link_density() == 0.0 && ends_sentence(sibling)));
        if score(&id) + bonus >= threshold || prose {
            roots.push(id);
        }
    }
    roots
}

fn ends_sentence(node: NodeRef<'_, Node>) -> bool {
    let text = super::visible_text(node);
    text.ends_with('.') || text.contains(". ")
}

/// How far up the article's element a twin is looked for.
const TWIN_LEVELS: usize = 5;

/// Elements near the article's element with the same tag and class that hold running text:
/// a CMS that builds the story from modules (text, picture, fact box, text) gives each text
/// module the same class, and every one of them is the article.
fn twins(doc: &Html, top: NodeId, roots: &[NodeId], stats: &HashMap<NodeId, Stats>) -> Vec<NodeId> {
    let Some(top_node) = doc.tree.get(top) else { return Vec::new() };
    let Some(el) = top_node.value().as_element() else { return Vec::new() };
    let Some(class) = el.attr("class").map(str::trim).filter(|c| !c.is_empty()) else {
        return Vec::new();
    };
    let related = |n: NodeRef<'_, Node>| {
        roots.iter().any(|r| *r == n.id() || n.ancestors().any(|a| a.id() == *r))
    };
    for ancestor in top_node.ancestors().take(TWIN_LEVELS) {
        let found: Vec<NodeId> = ancestor
            .descendants()
            .filter(|n| {
                n.value().as_element().is_some_and(|e| {
                    e.name() == el.name() && e.attr("class").map(str::trim) == Some(class)
                })
            })
            .filter(|n| !related(*n))
            .filter(|n| {
                stats.get(&n.id()).is_some_and(|s| {
                    s.prose >= MIN_TWIN_PROSE && s.link_density() < super::dom::PROSE_MAX_LINKS
                })
            })
            .map(|n| n.id())
            .collect();
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// A twin must hold at least this much running text.
const MIN_TWIN_PROSE: usize = 80;

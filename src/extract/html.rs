//! HTML: find the article in the page, read its blocks in order, and skip the page
//! furniture by element (figures, asides, forms, hidden elements, the publisher's own
//! markers), by class name (related, share, newsletter boxes) and by text (the same promo,
//! widget and caption patterns as plain text).
//!
//! The whole page is read, so `--explain` can show every block, but only the article's
//! text (found by `content`) is spoken, with the headline and standfirst above it.
//!
//! The tree is walked with explicit traversals, never recursion, so a page nested a
//! hundred thousand elements deep cannot overflow the stack.

mod content;
mod depth;
mod dom;
mod furniture;
mod meta;
mod safety;

use std::collections::{HashMap, HashSet};

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node};

use super::Draft;
use super::rules::{self, CELL, Rules, SiteRules, reason};
use crate::model::{Block, BlockKind, Decision};
use dom::Stats;
use furniture::Verdict;

/// Amazon Polly's WordPress plugin markers: text between the first pair is shown but not
/// read, between the second read but not shown.
use super::markers::{
    AUDIO_END as POLLY_AUDIO_END, AUDIO_START as POLLY_AUDIO_START, WORDS_END as POLLY_WORDS_END,
    WORDS_REASON as POLLY_WORDS, WORDS_START as POLLY_WORDS_START,
};

/// Why a block outside the article's text is not read.
const OUTSIDE: &str = "outside the article text";
const LINK_LIST: &str = "mostly links (related stories or navigation)";
const AUDIO_ONLY: &str = "publisher marked it for audio only (data-tts=\"only-audio\")";

/// One block as found, before the text patterns and the headline are decided.
struct Candidate {
    kind: BlockKind,
    /// 1–6 for headings, 0 otherwise.
    level: u8,
    text: String,
    skip: Option<String>,
    /// Inside the article's text (or an element the configuration keeps).
    inside: bool,
    /// Marked by the publisher as audio only.
    audio_only: bool,
    /// Its element or an ancestor is named like a standfirst (`standfirst`, `dek`, ...).
    standfirst_hint: bool,
    /// The share of its text inside links.
    link_density: f32,
    /// Skipped for what no reader sees or the publisher ruled out (hidden, code, a
    /// publisher's or the configuration's marker): never brought back.
    hard: bool,
    /// Left out by the article finder, read after all by the safety net, and why.
    rescued: Option<&'static str>,
    /// Inside an element skipped as furniture: which one (the outermost), whether it was
    /// skipped for its tag or role rather than its class name, and whether every skipped
    /// element around the block was skipped for the same reason.
    group: Option<Group>,
}

/// An element skipped as furniture whose blocks are still read one by one, so the safety
/// net can weigh them; while all of them stay skipped they are recorded as one block.
#[derive(Clone, Debug)]
struct Group {
    /// Numbers the outermost skipped element.
    id: usize,
    /// Why the outermost was skipped.
    why: String,
    /// The outermost was skipped for its tag or ARIA role (navigation, footer, aside).
    by_tag: bool,
    /// Every skipped element the block is in was skipped for the same reason (a page
    /// builder nesting its "widget" elements), so none is furniture of another kind.
    uniform: bool,
}

/// Extract the blocks of an HTML page; `origin` (a path or URL) picks the per-site rules.
pub(super) fn extract(html: &str, rules: &Rules, origin: &str) -> Draft {
    let doc = parse(&depth::flatten(html));
    let page = meta::read(&doc);
    let site = rules.site(origin, page.meta.canonical_url.as_deref());
    let root = doc
        .tree
        .root()
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .unwrap_or(doc.tree.root());
    let headline = meta::headline_node(&doc, &page);
    let judge = Judge::new(&doc, root, rules, &site, headline);
    let mut candidates = walk(root, &judge);
    let found = headline_of(&candidates, &page);
    let chosen = judge.describe(&doc);
    // A headline saying what the page declares as its title (not merely its first `<h1>`,
    // which an overlay may hold) anchors the article that follows it.
    let declared = [&page.ld_headline, &page.og_title, &page.title_tag];
    let anchor = found.0.filter(|&h| {
        let text = rules::word_string(&candidates[h].text);
        declared.iter().filter_map(|t| t.as_deref()).any(|t| {
            let title = rules::word_string(t);
            !text.is_empty() && (title == text || title.starts_with(&format!("{text} ")))
        })
    });
    let extraction = safety::check(&mut candidates, found.0, anchor, &chosen, rules);
    let mut draft = decide(candidates, page, found, rules);
    draft.meta.extraction = Some(extraction);
    draft
}

/// Parse the page as a browser with JavaScript turned off does: what a `<noscript>` holds
/// is markup, so a post a blog platform renders by script, with a copy for readers without
/// it, can be read.
fn parse(html: &str) -> Html {
    use html5ever::tendril::TendrilSink;
    let opts = html5ever::ParseOpts {
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            scripting_enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    html5ever::driver::parse_document(scraper::HtmlTreeSink::new(Html::new_document()), opts)
        .one(html)
}

/// The `<noscript>` elements holding running text found nowhere else on the page: the
/// article, as a page rendering it by script gives it to readers without JavaScript.
fn fallback_copies(root: NodeRef<'_, Node>) -> HashSet<NodeId> {
    let is_noscript =
        |n: &NodeRef<'_, Node>| n.value().as_element().is_some_and(|e| e.name() == "noscript");
    let candidates: Vec<(NodeId, String)> = root
        .descendants()
        .filter(is_noscript)
        .filter_map(|n| {
            let paragraphs: Vec<String> = n
                .descendants()
                .filter(|p| p.value().as_element().is_some_and(|e| e.name() == "p"))
                .map(visible_text)
                .filter(|t| t.chars().count() >= dom::PROSE_MIN_CHARS)
                .collect();
            let chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();
            (chars >= MIN_FALLBACK_COPY_CHARS).then(|| (n.id(), paragraphs[0].clone()))
        })
        .collect();
    if candidates.is_empty() {
        return HashSet::new();
    }
    // The text outside every `<noscript>`, to leave out copies of what the page shows.
    let mut shown = String::new();
    let mut inside = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(n) if is_noscript(&n) => inside += 1,
            Edge::Close(n) if is_noscript(&n) => inside -= 1,
            Edge::Open(n) if inside == 0 => {
                if let Node::Text(t) = n.value() {
                    shown.push_str(t);
                    shown.push(' ');
                }
            }
            _ => {}
        }
    }
    let shown = rules::collapse_whitespace(&shown);
    candidates
        .into_iter()
        .filter(|(_, first)| !shown.contains(first.as_str()))
        .map(|(id, _)| id)
        .collect()
}

/// A `<noscript>` copy of the article holds at least this many characters of paragraphs.
const MIN_FALLBACK_COPY_CHARS: usize = 500;

/// The candidate that is the headline, if a heading says one of the page's titles, and
/// the title.
fn headline_of(candidates: &[Candidate], page: &meta::PageMeta) -> (Option<usize>, String) {
    // A title taken from the page text may hold markers the walk would have removed.
    let clean = |t: &str| rules::collapse_whitespace(&super::markers::strip(t).0);
    // The first of the page's titles, most reliable first, that a heading on the page says;
    // a CMS can fill one of them with junk ("escenic"), which no heading will match.
    let found = page.titles().into_iter().find_map(|(t, suffix)| {
        find_headline(candidates, &clean(t), suffix).map(|h| (h, clean(t)))
    });
    match found {
        Some((h, t)) => (Some(h), t),
        None => (None, clean(page.title().unwrap_or_default())),
    }
}

/// Everything that decides about an element, prepared once per page.
struct Judge<'a> {
    rules: &'a Rules,
    site: &'a SiteRules<'a>,
    /// Text counts with only what no reader sees left out: no class name or tag role
    /// has been believed yet.
    raw: HashMap<NodeId, Stats>,
    /// Text counts with the furniture left out.
    stats: HashMap<NodeId, Stats>,
    /// Elements holding most of the page's running text, which neither a class name, nor
    /// a tag's usual role, nor a share of links can skip: a page wrapped in one `<form>`,
    /// a blog platform's widget around the post, a "read more" class on the content.
    protected: HashSet<NodeId>,
    /// The elements that hold the article.
    roots: HashSet<NodeId>,
    /// No paragraph voted, so the whole page is taken for the article.
    whole_page: bool,
    /// Social-media posts quoted in the article, and their ancestors, which no class name
    /// can skip: their text is part of the story.
    embeds: HashSet<NodeId>,
    /// Pop-up cards about a person or topic inside running text, hidden until hovered.
    cards: HashSet<NodeId>,
    /// `<noscript>` elements holding the article for readers without JavaScript.
    fallback_copies: HashSet<NodeId>,
}

impl<'a> Judge<'a> {
    fn new(
        doc: &'a Html,
        root: NodeRef<'a, Node>,
        rules: &'a Rules,
        site: &'a SiteRules<'a>,
        headline: Option<NodeId>,
    ) -> Self {
        let mut judge = Judge {
            rules,
            site,
            raw: HashMap::new(),
            stats: HashMap::new(),
            protected: HashSet::new(),
            roots: HashSet::new(),
            whole_page: false,
            embeds: HashSet::new(),
            cards: HashSet::new(),
            fallback_copies: fallback_copies(root),
        };
        judge.cards = cards(root);
        for node in root.descendants() {
            if node.value().as_element().is_some_and(furniture::is_social_post) {
                judge.embeds.extend(node.ancestors().map(|a| a.id()));
                judge.embeds.insert(node.id());
            }
        }
        // Document order, and where the paragraphs of running text are in it.
        let order: HashMap<NodeId, usize> =
            root.descendants().enumerate().map(|(i, n)| (n.id(), i)).collect();
        let mut paragraphs: Vec<(usize, usize)> = Vec::new();
        judge.raw = dom::measure(root, &|n, el| judge.hard(n, el).is_some(), &mut |n, s, _| {
            let block = n.value().as_element().is_some_and(|e| dom::is_block(e.name()));
            if block && s.loose_is_prose() {
                paragraphs.push((order[&n.id()], s.loose_chars));
            }
        });
        judge.protected = protected(root, &judge.raw, &order, &paragraphs, headline);
        let mut votes = content::Votes::default();
        judge.stats = dom::measure(
            root,
            &|n, el| judge.hard(n, el).is_some() || judge.soft(n, el, false).is_some(),
            &mut |n, s, a| votes.on_close(doc, n, s, a),
        );
        let roots = votes.roots(doc, &judge.stats);
        tracing::debug!(
            "roots: {:?}; protected: {:?}",
            roots.iter().map(|id| describe(doc, *id)).collect::<Vec<_>>(),
            judge.protected.iter().map(|id| describe(doc, *id)).collect::<Vec<_>>()
        );
        judge.whole_page = roots.is_empty();
        judge.roots =
            if roots.is_empty() { [root.id()].into() } else { roots.into_iter().collect() };
        judge
    }

    /// The article finder's choice, for the decision record.
    fn describe(&self, doc: &Html) -> String {
        if self.whole_page {
            return "no paragraph of running text; the whole page".into();
        }
        let mut roots: Vec<&NodeId> = self.roots.iter().collect();
        roots.sort_by_key(|id| format!("{id:?}"));
        let names: Vec<String> = roots.iter().take(3).map(|id| describe(doc, **id)).collect();
        let more = roots.len().saturating_sub(3);
        let mut text = names.join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    }

    /// The verdict of the markup and the configured selectors that no text overrides,
    /// unless it is "read".
    fn hard(&self, node: NodeRef<'_, Node>, el: &scraper::node::Element) -> Option<Verdict> {
        if let Some(selector) = ElementRef::wrap(node)
            .filter(|_| self.site.has_selectors())
            .and_then(|element| self.site.skip_selector(element))
        {
            return Some(Verdict::Skip(format!("configured skip selector {selector:?}")));
        }
        if self.fallback_copies.contains(&node.id()) {
            return None;
        }
        match furniture::hard(el) {
            Verdict::Read => None,
            verdict => Some(verdict),
        }
    }

    /// Furniture by tag role or by class and id, unless the element holds most of the
    /// page's running text (comment sections excepted: a long discussion under a short
    /// story is still not the story).
    fn soft(
        &self,
        node: NodeRef<'_, Node>,
        el: &scraper::node::Element,
        inside: bool,
    ) -> Option<&'static str> {
        let protected = self.protected.contains(&node.id());
        if let Some(why) = furniture::by_tag(el, inside) {
            return (!protected).then_some(why);
        }
        if self.embeds.contains(&node.id()) {
            return None;
        }
        let why = furniture::by_name(el)
            .or_else(|| self.cards.contains(&node.id()).then_some("pop-up card inside the text"))?;
        (!protected || why == furniture::COMMENTS).then_some(why)
    }

    fn kept(&self, node: NodeRef<'_, Node>) -> bool {
        self.site.has_selectors()
            && ElementRef::wrap(node).is_some_and(|e| self.site.keep_selector(e))
    }

    /// The verdict on an element met during the reading walk.
    fn verdict(
        &self,
        node: NodeRef<'_, Node>,
        el: &scraper::node::Element,
        inside: bool,
    ) -> Verdict {
        if self.kept(node) {
            // Kept whatever its tag or class says; only code and the publisher's own
            // markers still win.
            return match furniture::hard(el) {
                verdict @ Verdict::NotText => verdict,
                _ => furniture::publisher_skip(el)
                    .map_or(Verdict::Read, |why| Verdict::Skip(why.into())),
            };
        }
        if let Some(verdict) = self.hard(node, el) {
            return verdict;
        }
        if let Some(why) = self.soft(node, el, inside) {
            return Verdict::Skip(why.into());
        }
        let name = el.name();
        if inside && name == "table" && self.rules.skip_tables {
            return Verdict::Skip("table (tables = \"skip\")".into());
        }
        let stats = self.stats.get(&node.id()).copied().unwrap_or_default();
        let containers = ["div", "section", "ul", "ol", "dl", "table", "header"];
        if inside
            && containers.contains(&name)
            && stats.link_density() > 0.5
            && !self.roots.contains(&node.id())
            && !self.protected.contains(&node.id())
        {
            return Verdict::Skip(LINK_LIST.into());
        }
        Verdict::Read
    }
}

/// The elements holding most of the page's running text that lead on from the headline:
/// they contain it, or little running text lies between it and them (what lies between
/// a headline and a sidebar is the article). Without a headline, most of the text is enough.
fn protected(
    root: NodeRef<'_, Node>,
    raw: &HashMap<NodeId, Stats>,
    order: &HashMap<NodeId, usize>,
    paragraphs: &[(usize, usize)],
    headline: Option<NodeId>,
) -> HashSet<NodeId> {
    let total = raw.get(&root.id()).map_or(0, |s| s.prose);
    let headline_at = headline.and_then(|h| order.get(&h).copied());
    let mut out = HashSet::new();
    for (id, stats) in raw {
        if total == 0 || stats.prose * 2 <= total {
            continue;
        }
        let leads_on = match (headline, headline_at) {
            (Some(h), Some(h_at)) => {
                let contains =
                    root.tree().get(h).is_some_and(|n| n.ancestors().any(|a| a.id() == *id));
                let start = order.get(id).copied().unwrap_or(0);
                let between: usize = paragraphs
                    .iter()
                    .filter(|(at, _)| *at > h_at && *at < start)
                    .map(|(_, chars)| chars)
                    .sum();
                contains || (start > h_at && between * 4 <= stats.prose)
            }
            _ => true,
        };
        if leads_on {
            out.insert(*id);
        }
    }
    out
}

/// An element as a CSS-like name (`div#main.post.entry`), for the decision record.
fn describe(doc: &Html, id: NodeId) -> String {
    let Some(el) = doc.tree.get(id).and_then(|n| n.value().as_element().cloned()) else {
        return "the page".into();
    };
    let mut name = el.name().to_owned();
    if let Some(id) = el.id() {
        name.push('#');
        name.push_str(id);
    }
    for class in el.classes().take(3) {
        name.push('.');
        name.push_str(class);
    }
    name
}

/// The innermost `<span>`s holding a picture and several links: a card that pops up over
/// a name in a sentence. Only the innermost, so the sentence around it stays. A span
/// holding paragraphs or headings is a page built of spans, not a card.
fn cards(root: NodeRef<'_, Node>) -> HashSet<NodeId> {
    let card_like = |node: NodeRef<'_, Node>| {
        let mut links = 0;
        let mut image = false;
        for n in node.descendants().skip(1).take(200) {
            match n.value().as_element().map(scraper::node::Element::name) {
                Some("a") => links += 1,
                Some("img" | "picture") => image = true,
                Some("p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "article") => {
                    return false;
                }
                _ => {}
            }
        }
        image && links >= 2
    };
    let spans: Vec<NodeRef<'_, Node>> = root
        .descendants()
        .filter(|n| n.value().as_element().is_some_and(|e| e.name() == "span"))
        .filter(|n| card_like(*n))
        .collect();
    let mut cards: HashSet<NodeId> = spans.iter().map(|n| n.id()).collect();
    for span in &spans {
        for ancestor in span.ancestors() {
            cards.remove(&ancestor.id());
        }
    }
    cards
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

/// An open block element: its kind and whether it is named like a standfirst.
#[derive(Clone, Copy)]
struct Open {
    kind: (BlockKind, u8),
    standfirst: bool,
}

/// Collects inline text into blocks as the traversal opens and closes elements.
#[derive(Default)]
struct Collector {
    out: Vec<Candidate>,
    text: String,
    opens: Vec<Open>,
    /// Open elements that hold the article (or are kept), and open audio-only elements.
    inside: usize,
    audio_only: usize,
    /// Inside an Amazon Polly "only words" region, and the text read there.
    polly_words: bool,
    polly_text: String,
    /// Open links, and the characters of the current block's text inside links.
    links: usize,
    link_chars: usize,
    /// Adjacent text nodes, joined before the markers are looked for: the parser may split
    /// one run of text (at an entity, say) in the middle of a marker.
    pending: String,
    /// Open elements skipped as furniture, outermost first: why, and whether for a tag.
    skipped: Vec<(String, bool)>,
    /// Skipped elements opened so far, to number them.
    groups: usize,
}

impl Collector {
    fn current(&self) -> (BlockKind, u8) {
        self.opens.last().map_or((BlockKind::Paragraph, 0), |o| o.kind)
    }

    fn push(&mut self, kind: BlockKind, level: u8, text: String, skip: Option<String>) {
        let chars = text.chars().count().max(1);
        let link_density = (self.link_chars as f32 / chars as f32).min(1.0);
        let group = self.skipped.first().map(|(why, by_tag)| Group {
            id: self.groups,
            why: why.clone(),
            by_tag: *by_tag,
            uniform: self.skipped.iter().all(|(w, _)| w == why),
        });
        let skip = skip.or_else(|| self.skipped.first().map(|(why, _)| why.clone()));
        self.out.push(Candidate {
            link_density,
            kind,
            level,
            text,
            skip,
            inside: self.inside > 0,
            audio_only: self.audio_only > 0,
            standfirst_hint: self.opens.last().is_some_and(|o| o.standfirst),
            hard: false,
            rescued: None,
            group,
        });
    }

    /// End the block being collected, if it has any text.
    fn flush(&mut self) {
        let (kind, level) = self.current();
        let text = rules::block_text(kind, &self.text);
        self.text.clear();
        if !text.is_empty() {
            self.push(kind, level, text, None);
        }
        self.link_chars = 0;
    }

    /// Take in the text gathered since the last element edge.
    fn settle(&mut self) {
        if !self.pending.is_empty() {
            let text = std::mem::take(&mut self.pending);
            self.push_text(&text);
        }
    }

    /// Add a run of text, honouring the Amazon Polly markers in it.
    fn push_text(&mut self, mut text: &str) {
        const MARKERS: [&str; 4] =
            [POLLY_WORDS_START, POLLY_WORDS_END, POLLY_AUDIO_START, POLLY_AUDIO_END];
        loop {
            let next = MARKERS.iter().filter_map(|m| text.find(m).map(|at| (at, *m))).min();
            let (before, marker) = match next {
                Some((at, m)) => (&text[..at], Some(m)),
                None => (text, None),
            };
            if self.polly_words {
                self.polly_text.push_str(before);
            } else {
                self.text.push_str(before);
                if self.links > 0 {
                    self.link_chars +=
                        before.split_whitespace().map(|w| w.chars().count() + 1).sum::<usize>();
                }
            }
            let Some(marker) = marker else { return };
            text = &text[before.len() + marker.len()..];
            match marker {
                POLLY_WORDS_START => self.polly_words = true,
                POLLY_WORDS_END => {
                    self.polly_words = false;
                    let words = rules::collapse_whitespace(&std::mem::take(&mut self.polly_text));
                    if !words.is_empty() {
                        self.push(BlockKind::Other, 0, words, Some(POLLY_WORDS.into()));
                        if let Some(last) = self.out.last_mut() {
                            last.hard = true;
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// What the walk must undo when an element closes.
enum Scope {
    Inside,
    AudioOnly,
    /// An element skipped as furniture, its blocks still read one by one.
    Skipped,
}

/// Read the blocks under `root` in document order.
fn walk(root: NodeRef<'_, Node>, judge: &Judge<'_>) -> Vec<Candidate> {
    let mut c = Collector::default();
    let mut skipping = None;
    let mut scopes: Vec<(NodeId, Scope)> = Vec::new();
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => c.pending.push_str(text),
                    Node::Element(el) => {
                        c.settle();
                        let inside = c.inside > 0 && !judge.whole_page;
                        match judge.verdict(node, el, inside) {
                            Verdict::Read => {}
                            Verdict::NotText => {
                                skipping = Some(node.id());
                                continue;
                            }
                            Verdict::Skip(why)
                                if dom::is_block(el.name()) && judge.hard(node, el).is_none() =>
                            {
                                // Furniture by tag or name: its blocks are still read one
                                // by one, all skipped, so the safety net can weigh them.
                                c.flush();
                                if c.skipped.is_empty() {
                                    c.groups += 1;
                                }
                                c.skipped.push((why, furniture::by_tag(el, inside).is_some()));
                                scopes.push((node.id(), Scope::Skipped));
                            }
                            Verdict::Skip(why) => {
                                // Inline furniture (a pop-up card inside a sentence) leaves
                                // the sentence whole.
                                let inline = !dom::is_block(el.name()) && !c.text.trim().is_empty();
                                let text = visible_text(node);
                                if !inline {
                                    c.flush();
                                }
                                if !text.is_empty() {
                                    let (held, links) = (std::mem::take(&mut c.text), c.link_chars);
                                    c.link_chars = 0;
                                    c.push(BlockKind::Other, 0, text, Some(why));
                                    if let Some(last) = c.out.last_mut() {
                                        last.hard = judge.hard(node, el).is_some();
                                        last.link_density = judge
                                            .raw
                                            .get(&node.id())
                                            .map_or(0.0, Stats::link_density);
                                    }
                                    (c.text, c.link_chars) = (held, links);
                                }
                                skipping = Some(node.id());
                                continue;
                            }
                            Verdict::AudioOnly => {
                                c.flush();
                                c.audio_only += 1;
                                c.inside += 1;
                                scopes.push((node.id(), Scope::AudioOnly));
                            }
                        }
                        if judge.roots.contains(&node.id()) || judge.kept(node) {
                            c.flush();
                            c.inside += 1;
                            scopes.push((node.id(), Scope::Inside));
                        }
                        let name = el.name();
                        c.links += usize::from(name == "a");
                        if name == "br" {
                            c.text.push(' ');
                        } else if dom::is_block(name) {
                            c.flush();
                            let kind = kind_of(name, c.current());
                            let standfirst = c.opens.last().is_some_and(|o| o.standfirst)
                                || furniture::is_standfirst(el);
                            c.opens.push(Open { kind, standfirst });
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
                c.settle();
                let name = el.name();
                c.links -= usize::from(name == "a" && c.links > 0);
                if matches!(name, "td" | "th") {
                    c.text.push(CELL);
                } else if dom::is_block(name) {
                    c.flush();
                    c.opens.pop();
                }
                while scopes.last().is_some_and(|(id, _)| *id == node.id()) {
                    c.flush();
                    match scopes.pop() {
                        Some((_, Scope::AudioOnly)) => {
                            c.audio_only -= 1;
                            c.inside -= 1;
                        }
                        Some((_, Scope::Inside)) => c.inside -= 1,
                        Some((_, Scope::Skipped)) => {
                            c.skipped.pop();
                        }
                        None => {}
                    }
                }
            }
        }
    }
    c.settle();
    c.flush();
    c.out
}

/// Whether an element's edges separate words even when no whitespace is written there.
fn separates_words(name: &str) -> bool {
    dom::is_block(name) || matches!(name, "br" | "td" | "th" | "button" | "label" | "option")
}

/// All the text under `node` that a reader could see, whitespace collapsed.
pub(super) fn visible_text(node: NodeRef<'_, Node>) -> String {
    let mut text = String::new();
    let mut skipping = None;
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if skipping.is_none() => match n.value() {
                Node::Text(t) => text.push_str(t),
                Node::Element(el) if furniture::hard(el) == Verdict::NotText => {
                    skipping = Some(n.id());
                }
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
fn decide(
    mut candidates: Vec<Candidate>,
    page: meta::PageMeta,
    (headline, title): (Option<usize>, String),
    rules: &Rules,
) -> Draft {
    let mut meta = page.meta.clone();
    let mut blocks = Vec::with_capacity(candidates.len() + 1);
    let groups: Vec<Option<Group>> = candidates.iter().map(|c| c.group.clone()).collect();
    let first_inside = candidates.iter().position(|c| c.inside && c.skip.is_none());
    match headline {
        Some(h) => {
            meta.title.clone_from(&candidates[h].text);
            for c in &mut candidates[..h] {
                let why = if c.inside { reason::ABOVE_HEADLINE } else { OUTSIDE };
                c.skip.get_or_insert_with(|| why.into());
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
    let description = page.description.as_deref().unwrap_or_default();
    // Where the headline stands on the page: its heading, or else the first block saying
    // the title the metadata gave.
    let headline_at = headline.or_else(|| {
        candidates.iter().position(|c| !title.is_empty() && rules::same_words(&c.text, &title))
    });
    // The first block under the headline (past bylines, dates and pictures), when it is
    // outside the article and reads as a sentence of some length with few links, is a
    // standfirst even without a name saying so.
    let dek = headline_at.and_then(|h| {
        let i = (h + 1..first_inside.unwrap_or(candidates.len())).find(|&i| {
            let c = &candidates[i];
            c.skip.is_none() && rules.classify(&c.text).is_none()
        })?;
        let c = &candidates[i];
        let words = c.text.split_whitespace().count();
        (matches!(c.kind, BlockKind::Paragraph | BlockKind::Heading)
            && c.link_density < 0.2
            && words >= 10
            && (rules.reads_as_prose(&c.text) || words >= 15))
            .then_some(i)
    });
    // After a "Related" label, the links that follow it, until prose resumes.
    let mut after_label = false;
    for (i, c) in candidates.into_iter().enumerate() {
        let all_link = c.link_density >= 0.9;
        if !all_link && c.skip.is_none() {
            after_label = false;
        }
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
            after_label |= class == rules::Class::RelatedLabel;
            blocks.push(Block::skip(c.kind, c.text, class.reason()));
            continue;
        }
        if all_link
            && c.inside
            && (after_label || (c.kind == BlockKind::Paragraph && !rules.reads_as_prose(&c.text)))
        {
            // A paragraph that is nothing but a link, and not a sentence, is a teaser for
            // another page.
            blocks.push(Block::skip(c.kind, c.text, reason::RELATED_LINK));
            continue;
        }
        if !c.inside {
            // Between the headline and the article's text: the standfirst, if anything.
            let between = headline_at.is_some_and(|h| i > h) && first_inside.is_none_or(|f| i < f);
            let standfirst = between
                && matches!(c.kind, BlockKind::Paragraph | BlockKind::Heading)
                && (c.standfirst_hint
                    || dek == Some(i)
                    || (!description.is_empty() && rules::repeats(&c.text, description)));
            if !standfirst {
                blocks.push(Block::skip(c.kind, c.text, OUTSIDE));
                continue;
            }
            blocks.push(Block::speak(
                BlockKind::Standfirst,
                c.text,
                "standfirst above the article text",
            ));
            continue;
        }
        let rule = match c.kind {
            _ if c.audio_only => AUDIO_ONLY.to_owned(),
            BlockKind::Paragraph if c.rescued.is_some() => c.rescued.unwrap_or_default().to_owned(),
            BlockKind::Heading => format!("h{} heading", c.level),
            BlockKind::ListItem => reason::LIST_ITEM.to_owned(),
            BlockKind::Quote => reason::QUOTE.to_owned(),
            BlockKind::TableRow => reason::TABLE_ROW.to_owned(),
            _ => reason::PARAGRAPH.to_owned(),
        };
        blocks.push(Block { kind: c.kind, text: c.text, decision: Decision::Speak { rule } });
    }
    mark_described_standfirst(&mut blocks, page.description.as_deref());
    let groups: Vec<Option<Group>> =
        std::iter::repeat_n(None, blocks.len() - groups.len()).chain(groups).collect();
    Draft { blocks: join_groups(blocks, &groups), meta }
}

/// Each run of skipped blocks from one element skipped as furniture, recorded as one
/// block with that element's reason, as it reads on the page.
fn join_groups(blocks: Vec<Block>, groups: &[Option<Group>]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut last: Option<usize> = None;
    for (block, group) in blocks.into_iter().zip(groups) {
        let Some(group) = group.as_ref().filter(|_| !block.is_spoken()) else {
            out.push(block);
            last = None;
            continue;
        };
        match out.last_mut() {
            Some(joined) if last == Some(group.id) => {
                joined.text.push(' ');
                joined.text.push_str(&block.text);
            }
            _ => out.push(Block::skip(BlockKind::Other, block.text, group.why.clone())),
        }
        last = Some(group.id);
    }
    out
}

/// The heading that is the headline: one saying the page title's words (or, when the title
/// may carry the site's name after it, its first words), provided nothing of the article's
/// text but short labels comes before it. Otherwise the headline is taken from the metadata.
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
    let labels_only = candidates[..at]
        .iter()
        .all(|c| !c.inside || c.skip.is_some() || c.text.split_whitespace().count() <= 4);
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

//! Plain text, as a person or a simple scraper copies an article page: blocks separated by
//! blank lines, with the lines of a figure (alt text, caption, credit) or of a list on
//! consecutive lines.
//!
//! Decisions are made in passes over the whole text, because several need context: a
//! caption condemns the alt text before it, a "Related" label the links after it, and only
//! the end of the text shows where the story stopped and the teasers for other stories began.

use super::Draft;
use super::rules::{self, Class, Rules, reason};
use crate::model::{Block, BlockKind, Metadata};

/// One candidate block: a paragraph, or one line of a figure or list.
struct Unit {
    /// Whitespace collapsed; a list item's marker removed.
    text: String,
    /// The blank-line-separated block it came from.
    group: usize,
    /// Whether it is a list item.
    item: bool,
    /// What the patterns say it is.
    class: Option<Class>,
    /// Why it is skipped, once some pass has decided.
    skip: Option<&'static str>,
}

/// Extract the blocks of a plain-text article.
pub(super) fn extract(text: &str, rules: &Rules) -> Draft {
    let mut units = split_units(text, rules);
    for unit in &mut units {
        unit.class = rules.classify(&unit.text);
        unit.skip = unit.class.as_ref().map(Class::reason);
    }
    let mut meta = Metadata::default();
    skip_figures(&mut units);
    skip_alt_text_before_captions(&mut units);
    take_byline_names(&mut units, &mut meta);
    skip_names_beside_dates(&mut units);
    skip_related_links(&mut units, rules);
    skip_tail(&mut units, rules);
    skip_labels_above_headline(&mut units, rules);
    record_dates(&units, &mut meta);
    Draft { blocks: decide(units, rules, &mut meta), meta }
}

/// Cut the text into blocks at blank lines, then each block into units: one per list item
/// or figure line, or the whole block joined when it is one hard-wrapped paragraph.
fn split_units(text: &str, rules: &Rules) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut group = Vec::new();
    let mut index = 0;
    for line in text.lines().chain(std::iter::once("")) {
        if line.trim().is_empty() {
            if !group.is_empty() {
                units_of_group(&group, index, rules, &mut units);
                group.clear();
                index += 1;
            }
        } else {
            group.push(line);
        }
    }
    units
}

fn units_of_group(lines: &[&str], group: usize, rules: &Rules, units: &mut Vec<Unit>) {
    let unit = |text: String, item| Unit { text, group, item, class: None, skip: None };
    let has_items = lines.iter().any(|l| rules.list_item(l).is_some());
    let has_figure = lines.iter().any(|l| {
        matches!(
            rules.classify(&rules::collapse_whitespace(l)),
            Some(Class::Caption { .. } | Class::Credit)
        )
    });
    if lines.len() > 1 && !has_items && !has_figure && is_hard_wrapped(lines, rules) {
        units.push(unit(rules::collapse_whitespace(&lines.join(" ")), false));
        return;
    }
    for line in lines {
        if let Some(item) = rules.list_item(line) {
            units.push(unit(rules::collapse_whitespace(item), true));
            continue;
        }
        // An indented line under a list item continues that item.
        let continues_item = line.starts_with(char::is_whitespace)
            && units.last().is_some_and(|u| u.item && u.group == group);
        if let (true, Some(last)) = (continues_item, units.last_mut()) {
            last.text.push(' ');
            last.text.push_str(&rules::collapse_whitespace(line));
        } else {
            units.push(unit(rules::collapse_whitespace(line), false));
        }
    }
}

/// A paragraph wrapped at a fixed width: every line but the last nearly as long as the
/// longest, and at least one break falling mid-sentence. Separate scraped lines (labels,
/// names, captions) are ragged or each end a sentence.
fn is_hard_wrapped(lines: &[&str], rules: &Rules) -> bool {
    let lengths: Vec<usize> = lines.iter().map(|l| l.trim().chars().count()).collect();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let (body, _) = lines.split_at(lines.len() - 1);
    longest >= 40
        && lengths[..body.len()].iter().all(|&n| n * 5 >= longest * 3)
        && body.iter().any(|l| !rules.reads_as_prose(l.trim()))
}

/// A block of several lines holding a caption or credit is a figure: its other lines are
/// the caption or the alt text that the caption repeats.
fn skip_figures(units: &mut [Unit]) {
    let mut start = 0;
    while start < units.len() {
        let group = units[start].group;
        let end = start + units[start..].iter().take_while(|u| u.group == group).count();
        let figure = end - start > 1
            && units[start..end]
                .iter()
                .any(|u| matches!(u.class, Some(Class::Caption { .. } | Class::Credit)));
        if figure {
            for i in start..end {
                if units[i].skip.is_some() {
                    continue;
                }
                let repeated = units[i + 1..end].iter().any(|later| {
                    let body = match &later.class {
                        Some(Class::Caption { body }) => body.as_str(),
                        _ => later.text.as_str(),
                    };
                    rules::repeats(&units[i].text, body)
                });
                units[i].skip = Some(if repeated { reason::ALT_TEXT } else { reason::CAPTION });
            }
        }
        start = end;
    }
}

/// A caption that opens its block repeats the alt text that closed the block before it.
fn skip_alt_text_before_captions(units: &mut [Unit]) {
    let headline = units.iter().position(|u| u.skip.is_none());
    for i in 1..units.len() {
        let Some(Class::Caption { body }) = &units[i].class else { continue };
        let prev = &units[i - 1];
        let opens_block = prev.group != units[i].group;
        if opens_block
            && prev.skip.is_none()
            && Some(i - 1) != headline
            && rules::repeats(&prev.text, body)
        {
            units[i - 1].skip = Some(reason::ALT_TEXT);
        }
    }
}

/// A bare "By" is followed, in the same block, by the names (and handles) it introduces.
fn take_byline_names(units: &mut [Unit], meta: &mut Metadata) {
    for i in 0..units.len() {
        match &units[i].class {
            Some(Class::Byline { authors }) if authors.is_empty() => {
                let group = units[i].group;
                let mut names = Vec::new();
                for unit in units[i + 1..].iter_mut().take_while(|u| u.group == group) {
                    if rules::looks_like_name(&unit.text) {
                        names.push(unit.text.clone());
                    }
                    unit.skip.get_or_insert(reason::BYLINE);
                }
                if meta.byline.is_none() && !names.is_empty() {
                    meta.byline = Some(format!("{} {}", units[i].text, names.join(", ")));
                    meta.authors = names;
                }
            }
            Some(Class::Byline { authors }) if meta.byline.is_none() => {
                meta.byline = Some(units[i].text.clone());
                meta.authors.clone_from(authors);
            }
            _ => {}
        }
    }
}

/// A line that is only a name, right before or after a dateline or byline, is the author's
/// name written without "By".
fn skip_names_beside_dates(units: &mut [Unit]) {
    let dated = |u: &Unit| matches!(u.class, Some(Class::Dateline { .. } | Class::Byline { .. }));
    for i in 0..units.len() {
        let beside = (i > 0 && dated(&units[i - 1])) || units.get(i + 1).is_some_and(dated);
        let text = &units[i].text;
        let words = text.split_whitespace().count();
        let name = (2..=4).contains(&words)
            && text.split_whitespace().all(|w| w.chars().next().is_some_and(char::is_uppercase))
            && rules::looks_like_name(text);
        if beside && name && !units[i].item && units[i].skip.is_none() {
            units[i].skip = Some(reason::BYLINE);
        }
    }
}

/// A section name, breadcrumb or kicker on its own line before the headline ("Sports",
/// "Minnesota Wild", "BLACK DEATH FEARS"): up to three short lines, or lines in capitals,
/// followed by a longer line that is not a sentence. That line is the headline.
fn skip_labels_above_headline(units: &mut [Unit], rules: &Rules) {
    let open: Vec<usize> = (0..units.len()).filter(|&i| units[i].skip.is_none()).collect();
    let words = |i: usize| units[i].text.split_whitespace().count();
    let label = |i: usize| {
        let text = &units[i].text;
        let capitals = text.chars().any(char::is_alphabetic)
            && !text.chars().any(char::is_lowercase)
            && words(i) <= 6;
        !units[i].item && !rules.reads_as_prose(text) && (words(i) <= 3 || capitals)
    };
    let labels = open.iter().take(3).take_while(|&&i| label(i)).count();
    let Some(&headline) = open.get(labels) else { return };
    let text = &units[headline].text;
    let headline_like = !units[headline].item
        && (5..=30).contains(&words(headline))
        && !rules.reads_as_prose(text)
        && !text.ends_with(':');
    if labels > 0 && headline_like {
        for &i in &open[..labels] {
            units[i].skip = Some(reason::ABOVE_HEADLINE);
        }
    }
}

/// The links a "Related" label introduces: the rest of its block or, when it stands alone,
/// the next block if that is a list or a single line that is not a sentence.
fn skip_related_links(units: &mut [Unit], rules: &Rules) {
    for i in 0..units.len() {
        if units[i].class != Some(Class::RelatedLabel) {
            continue;
        }
        let group = units[i].group;
        let same_block = units[i + 1..].iter().take_while(|u| u.group == group).count();
        let (from, to) = if same_block > 0 {
            (i + 1, i + 1 + same_block)
        } else {
            let next = i + 1;
            let Some(next_group) = units.get(next).map(|u| u.group) else { continue };
            let len = units[next..].iter().take_while(|u| u.group == next_group).count();
            let block = &units[next..next + len];
            // A block of teasers each closed by its own label ("• Headline / date / summary
            // / Read More") is links up to its first label.
            if let Some(label) = block.iter().position(|u| u.class == Some(Class::RelatedLabel))
                && label > 0
            {
                for unit in &mut units[next..next + label] {
                    unit.skip.get_or_insert(reason::RELATED_LINK);
                }
                continue;
            }
            let links =
                block.iter().all(|u| u.item) || (len == 1 && !rules.reads_as_prose(&block[0].text));
            if !links {
                continue;
            }
            // A rail of teasers ("Most read": kicker, headline, kicker, headline...) runs on
            // in single lines until the story's prose resumes.
            let mut to = next + len;
            while let Some(u) = units.get(to) {
                let single = units.get(to + 1).is_none_or(|n| n.group != u.group)
                    && (to == 0 || units[to - 1].group != u.group);
                if !single || u.item || rules.reads_as_prose(&u.text) {
                    break;
                }
                to += 1;
            }
            // A lone heading right after the label is the label's link only when it is
            // not followed by prose: otherwise it heads the next part of the story.
            if to - next > 1 || units.get(to).is_none() { (next, to) } else { (next, next + len) }
        };
        for unit in &mut units[from..to] {
            unit.skip.get_or_insert(reason::RELATED_LINK);
        }
    }
}

/// Skip the teasers for other stories that scraped pages end with.
///
/// After the last promo or related label, what is left is a tail if it reads as teasers:
/// at most one block in three a sentence, and never two sentences running (body text comes
/// in runs of paragraphs). Without such a marker, a run of at least `tail_min_teasers`
/// lines with no sentence at the very end, after the story's last sentence, is one too.
/// Blocks already skipped for another reason keep it and do not count either way.
fn skip_tail(units: &mut [Unit], rules: &Rules) {
    let open: Vec<usize> = (0..units.len()).filter(|&i| units[i].skip.is_none()).collect();
    let prose = |i: usize| rules.reads_as_prose(&units[i].text);
    let tail_after = |m: usize| -> Vec<usize> {
        let after: Vec<usize> = open.iter().copied().filter(|&i| i > m).collect();
        let sentences = after.iter().filter(|&&i| prose(i)).count();
        // Two sentences next to each other in the text, not merely with only skipped
        // lines between.
        let runs = after.windows(2).any(|w| w[1] == w[0] + 1 && prose(w[0]) && prose(w[1]));
        if !after.is_empty() && sentences * 3 <= after.len() && !runs {
            // The story may end after the promo: sentences there are still body, unless
            // they are an image's alt text, which shares its words with the teaser after it.
            let body = after
                .windows(2)
                .take_while(|w| prose(w[0]) && !shares_words(&units[w[0]].text, &units[w[1]].text))
                .count();
            after[body..].to_vec()
        } else {
            Vec::new()
        }
    };
    // From the last marker back: each earlier one whose rest still reads as teasers (a
    // rail of "More in ..." and "Read more" boxes) starts the tail sooner.
    let mut tail = Vec::new();
    for m in (0..units.len()).rev() {
        if !units[m].class.as_ref().is_some_and(Class::ends_story) {
            continue;
        }
        let found = tail_after(m);
        if found.is_empty() {
            break;
        }
        tail = found;
    }
    let tail = if tail.is_empty() {
        let run: Vec<usize> =
            open.iter().rev().copied().take_while(|&i| !prose(i) && !units[i].item).collect();
        let story_before =
            open.iter().any(|&i| prose(i) && run.last().is_some_and(|&first| i < first));
        if run.len() >= rules.tail_min_teasers && story_before { run } else { Vec::new() }
    } else {
        tail
    };
    for i in tail {
        units[i].skip = Some(reason::TAIL);
    }
}

/// Whether two blocks share at least two words of four letters or more (case-insensitive).
fn shares_words(a: &str, b: &str) -> bool {
    let words = |t: &str| -> std::collections::HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric())
            .filter(|w| {
                w.chars().count() >= 4 || w.chars().all(|c| c.is_ascii_digit()) && w.len() == 4
            })
            .map(str::to_lowercase)
            .collect()
    };
    words(a).intersection(&words(b)).count() >= 2
}

/// The first dateline's dates go into the metadata.
fn record_dates(units: &[Unit], meta: &mut Metadata) {
    let dates = units.iter().find_map(|u| match &u.class {
        Some(Class::Dateline { published, modified }) if published.is_some() => {
            Some((published, modified))
        }
        _ => None,
    });
    if let Some((published, modified)) = dates {
        meta.published.clone_from(published);
        meta.modified.clone_from(modified);
    }
}

/// Turn units into blocks: the first one left is the headline; then list items, headings
/// (short lines without a closing full stop) and paragraphs.
fn decide(units: Vec<Unit>, rules: &Rules, meta: &mut Metadata) -> Vec<Block> {
    let mut headline_seen = false;
    units
        .into_iter()
        .map(|unit| {
            if let Some(why) = unit.skip {
                let kind = if unit.item { BlockKind::ListItem } else { BlockKind::Other };
                return Block::skip(kind, unit.text, why);
            }
            if !headline_seen {
                headline_seen = true;
                meta.title.clone_from(&unit.text);
                return Block::speak(BlockKind::Headline, unit.text, reason::HEADLINE);
            }
            if unit.item {
                Block::speak(BlockKind::ListItem, unit.text, reason::LIST_ITEM)
            } else if rules.looks_like_heading(&unit.text) {
                Block::speak(BlockKind::Heading, unit.text, reason::HEADING)
            } else {
                Block::speak(BlockKind::Paragraph, unit.text, reason::PARAGRAPH)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;

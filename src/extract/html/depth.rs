//! A guard against absurdly deep markup before it reaches the parser.
//!
//! The HTML parser checks "is there a `<p>` (or `<li>`) open in scope?" on many start tags by
//! scanning its stack of open elements, so a page nested a hundred thousand deep costs it
//! quadratic time: minutes, for a page no person could read. Real pages nest a few dozen
//! deep. Past [`MAX_DEPTH`] open elements, further start tags (and their end tags) are
//! dropped; the text inside them is kept, so nothing is lost but structure no one sees.

use std::borrow::Cow;

/// The deepest nesting kept.
pub(super) const MAX_DEPTH: usize = 512;

/// Elements with no end tag, or whose end tag is optional: counting them would take a page
/// of unclosed paragraphs for a deep one.
const NOT_COUNTED: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "td", "th", "tr", "dt", "dd", "option", "optgroup", "thead", "tbody",
    "tfoot", "colgroup", "rb", "rt", "rp", "html", "head", "body", "param",
];

/// Elements whose contents are not markup.
const RAW_TEXT: &[&str] = &["script", "style", "textarea", "title", "xmp", "noscript", "plaintext"];

/// A tag found in the source: where it is, its lower-case name, and whether it ends an element.
struct Tag {
    start: usize,
    end: usize,
    name: String,
    closing: bool,
    self_closing: bool,
}

/// `html` with the start and end tags nested deeper than [`MAX_DEPTH`] removed, or `html`
/// itself when it nests no deeper.
pub(super) fn flatten(html: &str) -> Cow<'_, str> {
    if !too_deep(html) {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut copied = 0;
    for tag in Tags::new(html) {
        let keep = if tag.closing {
            match open.iter().rev().take(16).position(|(n, _)| *n == tag.name) {
                Some(back) => {
                    let at = open.len() - 1 - back;
                    let kept = open[at].1;
                    open.truncate(at);
                    kept
                }
                None => true,
            }
        } else if counted(&tag) {
            let kept = open.len() < MAX_DEPTH;
            open.push((tag.name.clone(), kept));
            kept
        } else {
            true
        };
        if !keep {
            out.push_str(&html[copied..tag.start]);
            copied = tag.end;
        }
    }
    out.push_str(&html[copied..]);
    Cow::Owned(out)
}

fn counted(tag: &Tag) -> bool {
    !tag.self_closing && !NOT_COUNTED.contains(&tag.name.as_str())
}

/// Whether the counted elements ever nest deeper than [`MAX_DEPTH`] (end tags matched by
/// name against the innermost open elements).
fn too_deep(html: &str) -> bool {
    let mut open: Vec<String> = Vec::new();
    for tag in Tags::new(html) {
        if tag.closing {
            if let Some(back) = open.iter().rev().take(16).position(|n| *n == tag.name) {
                open.truncate(open.len() - 1 - back);
            }
        } else if counted(&tag) {
            open.push(tag.name);
            if open.len() > MAX_DEPTH {
                return true;
            }
        }
    }
    false
}

/// The tags of an HTML source in order, skipping comments, doctypes and the contents of
/// scripts and styles.
struct Tags<'h> {
    html: &'h str,
    at: usize,
}

impl<'h> Tags<'h> {
    fn new(html: &'h str) -> Self {
        Tags { html, at: 0 }
    }
}

impl Iterator for Tags<'_> {
    type Item = Tag;

    fn next(&mut self) -> Option<Tag> {
        let bytes = self.html.as_bytes();
        loop {
            let start = self.at + self.html.get(self.at..)?.find('<')?;
            let rest = &self.html[start..];
            if rest.starts_with("<!--") {
                self.at = rest.find("-->").map_or(self.html.len(), |e| start + e + 3);
                continue;
            }
            if rest.starts_with("<!") || rest.starts_with("<?") {
                self.at = rest.find('>').map_or(self.html.len(), |e| start + e + 1);
                continue;
            }
            let closing = rest.starts_with("</");
            let name_at = start + 1 + usize::from(closing);
            let name_len = bytes[name_at..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            if name_len == 0 || !bytes[name_at].is_ascii_alphabetic() {
                self.at = start + 1;
                continue;
            }
            let name = self.html[name_at..name_at + name_len].to_ascii_lowercase();
            let end = rest.find('>').map_or(self.html.len(), |e| start + e + 1);
            let self_closing = self.html[start..end].ends_with("/>");
            self.at = end;
            if !closing && RAW_TEXT.contains(&name.as_str()) {
                self.at = raw_text_end(self.html, end, &name);
            }
            return Some(Tag { start, end, name, closing, self_closing });
        }
    }
}

/// Where the contents of a script (or style...) starting at `from` end: at its `</name`,
/// matched without regard to case, or at the end of the page.
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut at = from;
    while let Some(found) = html.get(at..).and_then(|rest| rest.find("</")) {
        let start = at + found;
        let candidate = bytes.get(start + 2..start + 2 + name.len());
        if candidate.is_some_and(|c| c.eq_ignore_ascii_case(name.as_bytes())) {
            return start;
        }
        at = start + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_page_is_left_alone() {
        let page =
            "<html><body><div><p>Hi<p>there<ul><li>a<li>b</ul><script>if (a<b) x()</script></div>";
        assert!(matches!(flatten(page), Cow::Borrowed(_)));
    }

    #[test]
    fn tags_past_the_limit_are_dropped_and_their_text_kept() {
        let depth = MAX_DEPTH + 100;
        let page = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let flat = flatten(&page);
        assert_eq!(
            flat,
            format!("{}deep{}", "<div>".repeat(MAX_DEPTH), "</div>".repeat(MAX_DEPTH))
        );
    }

    #[test]
    fn unclosed_paragraphs_and_list_items_do_not_count_as_depth() {
        let page = "<p>para".repeat(MAX_DEPTH * 2) + &"<li>item".repeat(MAX_DEPTH * 2);
        assert!(matches!(flatten(&page), Cow::Borrowed(_)));
    }

    #[test]
    fn a_script_ends_at_its_end_tag_whatever_its_case() {
        let page = "<script>a</b></SCRIPT><div>x</div>";
        let tags: Vec<String> = Tags::new(page).map(|t| t.name).collect();
        assert_eq!(tags, ["script", "script", "div", "div"]);
    }

    #[test]
    fn markup_inside_scripts_and_comments_is_not_counted() {
        let page = format!(
            "<script>{}</script><!--{}-->",
            "<div>".repeat(MAX_DEPTH * 2),
            "<div>".repeat(MAX_DEPTH * 2)
        );
        assert!(matches!(flatten(&page), Cow::Borrowed(_)));
    }
}
